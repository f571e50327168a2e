//! The board: kanban columns by status, filters in the URL, and moves by
//! form (always), drag and drop and keyboard (once the `BoardMoves` island
//! has hydrated). Everything here renders on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::{Priority, Role};

use leptos::server_fn::ServerFn;

use super::common::{action_error, query_string, FormAlert, LoadError, PriorityBadge};
use crate::islands::{BoardMoves, LiveForms};
use crate::tasks::{board, moves_for, BoardQuery, BoardView, Card, CreateTask, MoveTask};

fn read_query() -> Memo<BoardQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        let m = q.read();
        let get = |k: &str| m.get(k).unwrap_or_default();
        BoardQuery {
            q: get("q"),
            assignee: get("assignee"),
            label: get("label"),
            project: get("project"),
            priority: get("priority"),
            due: get("due"),
            sort: get("sort"),
            col: get("col"),
            after: get("after"),
        }
    })
}

fn filter_pairs(q: &BoardQuery) -> Vec<(&'static str, String)> {
    vec![
        ("q", q.q.clone()),
        ("assignee", q.assignee.clone()),
        ("project", q.project.clone()),
        ("label", q.label.clone()),
        ("priority", q.priority.clone()),
        ("due", q.due.clone()),
        ("sort", q.sort.clone()),
    ]
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let query = read_query();
    // Only read for their errors: a failed move or quick-add redirects back
    // here with it.
    let mover = ServerAction::<MoveTask>::new();
    let create = ServerAction::<CreateTask>::new();
    let data = Resource::new(move || query.get(), board);
    let err = Signal::derive(move || {
        action_error(mover.value().get()).or_else(|| action_error(create.value().get()))
    });
    view! {
        <LiveForms>
            <FormAlert message=err />
            <Transition fallback=|| view! { <p class="muted">"Loading the board…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(b) => view! { <BoardBody board=b query=query.get_untracked() /> }.into_any(),
                        Err(e) => view! { <Title text="Board" /><h1>"Board"</h1><LoadError error=e here="/board" /> }.into_any(),
                    }
                })}
            </Transition>
        </LiveForms>
    }
}

#[component]
fn BoardBody(board: BoardView, query: BoardQuery) -> impl IntoView {
    let q = query;
    let is_admin = board.is_admin;
    let assignee = board.assignee.clone();
    let labels = board.labels.clone();
    let projects = board.projects.clone();
    let (heading, title) = match &board.project {
        Some(p) => (
            p.name.clone(),
            format!("{} · Board", super::raw_text_safe(&p.name)),
        ),
        None => ("Board".to_owned(), "Board".to_owned()),
    };
    let archived = board.project.as_ref().is_some_and(|p| p.archived);
    let selected = |a: &str, b: &str| a == b;
    let filtered = !(q.q.is_empty()
        && q.assignee.is_empty()
        && q.label.is_empty()
        && q.priority.is_empty()
        && q.due.is_empty());
    let total: usize = board.columns.iter().map(|c| c.cards.len()).sum();
    let role = if is_admin { Role::Admin } else { Role::Member };
    view! {
        <Title text=title />
        <div class="page-head">
            <h1 data-testid="board-title">{heading}</h1>
            {archived.then(|| view! { <span class="badge">"Archived"</span> })}
        </div>
        <form method="get" action="/board" class="filters card" role="search" aria-label="Filter the board">
            {(is_admin && !projects.is_empty()).then(|| view! {
                <div class="field">
                    <label for="f-project">"Project"</label>
                    <select id="f-project" name="project">
                        <option value="" selected=q.project.is_empty()>"All projects"</option>
                        {projects.iter().map(|p| view! {
                            <option value=p.id.clone() selected=selected(&q.project, &p.id)>{p.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            <div class="field grow">
                <label for="f-q">"Search"</label>
                <input id="f-q" type="search" name="q" value=q.q.clone() placeholder="Title words or a label" maxlength="200" />
            </div>
            {is_admin.then(|| view! {
                <div class="field">
                    <label for="f-assignee">"Assignee"</label>
                    <input id="f-assignee" type="search" name="assignee" value=assignee placeholder="Name or email" maxlength="200" />
                </div>
            })}
            {(!labels.is_empty()).then(|| view! {
                <div class="field">
                    <label for="f-label">"Label"</label>
                    <select id="f-label" name="label">
                        <option value="" selected=q.label.is_empty()>"Any"</option>
                        {labels.iter().map(|l| view! {
                            <option value=l.id.clone() selected=selected(&q.label, &l.id)>{l.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            <div class="field">
                <label for="f-priority">"Priority"</label>
                <select id="f-priority" name="priority">
                    <option value="" selected=q.priority.is_empty()>"Any"</option>
                    {Priority::ALL.iter().rev().map(|p| view! {
                        <option value=p.as_str() selected=selected(&q.priority, p.as_str())>{p.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-due">"Due"</label>
                <select id="f-due" name="due">
                    <option value="" selected=q.due.is_empty()>"Any time"</option>
                    <option value="overdue" selected=q.due == "overdue">"Overdue"</option>
                    <option value="week" selected=q.due == "week">"Within 7 days"</option>
                </select>
            </div>
            <div class="field">
                <label for="f-sort">"Sort"</label>
                <select id="f-sort" name="sort">
                    <option value="due" selected=q.sort.is_empty() || q.sort == "due">"Due date"</option>
                    <option value="priority" selected=q.sort == "priority">"Priority"</option>
                    <option value="title" selected=q.sort == "title">"Title"</option>
                    {is_admin.then(|| view! { <option value="updated" selected=q.sort == "updated">"Recently updated"</option> })}
                </select>
            </div>
            <div class="field actions">
                <button type="submit">"Apply"</button>
                {filtered.then(|| view! { <a class="button secondary" href="/board">"Clear"</a> })}
            </div>
        </form>
        {(total == 0).then(|| view! {
            <p class="card muted" data-testid="board-empty">
                {if filtered { "No task matches these filters." } else if is_admin { "No tasks yet. Create the first one." } else { "Nothing is assigned to you yet." }}
            </p>
        })}
        <BoardMoves>
            <div class="board" data-testid="board">
                {board.columns.into_iter().map(|c| view! { <BoardColumn column=c query=q.clone() role=role archived=archived /> }).collect_view()}
            </div>
        </BoardMoves>
    }
}

#[component]
fn BoardColumn(
    column: crate::tasks::Column,
    query: BoardQuery,
    role: Role,
    archived: bool,
) -> impl IntoView {
    let status = column.status;
    let heading = format!("col-{}", status.as_str().to_lowercase());
    let labelledby = heading.clone();
    let more_href = column.next.as_ref().map(|next| {
        let mut pairs: Vec<(&str, String)> = filter_pairs(&query);
        pairs.push(("col", status.as_str().to_owned()));
        pairs.push(("after", next.clone()));
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("/board{}", query_string(&borrowed))
    });
    let paged = !query.after.is_empty() && query.col == status.as_str();
    let back = {
        let pairs = filter_pairs(&query);
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("/board{}", query_string(&borrowed))
    };
    view! {
        <section
            class="column"
            aria-labelledby=labelledby
            data-status=status.as_str()
            data-label=status.label()
            data-testid=format!("column-{}", status.as_str())
        >
            <h2 id=heading>
                {status.label()} " "
                <span class="count" aria-label="tasks shown">{column.cards.len()}</span>
            </h2>
            {(role == Role::Admin && !archived).then(|| view! { <QuickAdd status=status back=back project=query.project.clone() /> })}
            {paged.then(|| view! { <p class="muted small">"Later tasks · " <a href="/board">"back to the start"</a></p> })}
            <ul class="cards" role="list">
                {column.cards.into_iter().map(|card| view! { <BoardCard card=card role=role all=query.project.is_empty() /> }).collect_view()}
            </ul>
            {more_href.map(|href| view! {
                <a class="button secondary load-more" href=href data-testid=format!("more-{}", status.as_str())>
                    "Load more"
                </a>
            })}
        </section>
    }
}

/// A one-line form at the top of a column (admins): the title is all it
/// asks; the task starts in this column at medium priority, and the browser
/// comes back to this board (in place, once `LiveForms` has hydrated, with
/// the field emptied and still focused for the next one).
#[component]
fn QuickAdd(status: domain::Status, back: String, project: String) -> impl IntoView {
    let id = format!("quick-{}", status.as_str().to_lowercase());
    view! {
        <form method="post" action=CreateTask::url() class="quick-add" data-testid=format!("quick-add-{}", status.as_str())>
            <input type="hidden" name="status" value=status.as_str() />
            <input type="hidden" name="project" value=project />
            <input type="hidden" name="priority" value=Priority::Medium.as_str() />
            <input type="hidden" name="back" value=back />
            <label class="sr-only" for=id.clone()>{format!("New task in {}", status.label())}</label>
            <input id=id type="text" name="title" required maxlength=domain::TaskTitle::MAX.to_string() placeholder="Add a task…" autocomplete="off" />
            <button type="submit" class="secondary small" aria-label=format!("Add to {}", status.label())>"Add"</button>
        </form>
    }
}

/// A card: a link to the task, its badges, and a plain move form offering
/// the moves the workflow allows (the board island drives the same form).
/// It is rendered draggable, so hydrating the board writes nothing to 60
/// cards (a style and layout pass the first load would wait on); until the
/// island is up, or without JavaScript, a drag has nowhere to land and the
/// card snaps back, and only the hydrated board shows the grab cursor.
#[component]
fn BoardCard(card: Card, role: Role, all: bool) -> impl IntoView {
    let moves = moves_for(role, card.status);
    let select_id = format!("move-{}", card.id);
    view! {
        <li
            class="task-card"
            class:overdue=card.overdue
            id=format!("card-{}", card.id)
            tabindex="0"
            draggable="true"
            data-testid="card"
            data-id=card.id.clone()
            aria-label=format!("{}, {}", card.title, card.status.label())
        >
            <a class="card-title" href=format!("/tasks/{}", card.id)>{card.title.clone()}</a>
            <div class="meta">
                <PriorityBadge priority=card.priority />
                {card.due.clone().map(|d| view! {
                    <span class="due" class:late=card.overdue>
                        {if card.overdue { "Overdue · " } else { "Due " }} <time datetime=d.clone()>{d.clone()}</time>
                    </span>
                })}
                <super::common::CardExtras progress=card.progress recurring=card.recurring />
            </div>
            {all.then(|| view! { <p class="project-line muted small" data-testid="card-project">{card.project.clone()}</p> })}
            {(!card.labels.is_empty()).then(|| view! {
                <p class="labels-line">
                    {card.labels.iter().map(|l| view! { <super::labels::LabelChip label=l.clone() /> }).collect_view()}
                </p>
            })}
            {(!card.assignees.is_empty()).then(|| view! {
                <p class="assignees muted small">{card.assignees.join(", ")}</p>
            })}
            {(!moves.is_empty()).then(|| view! {
                <form method="post" action=MoveTask::url() class="move-form">
                    <input type="hidden" name="id" value=card.id.clone() />
                    <input type="hidden" name="version" value=card.version.to_string() />
                    <label class="sr-only" for=select_id.clone()>"Move to"</label>
                    <select id=select_id.clone() name="status">
                        {moves.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="secondary small">"Move"</button>
                </form>
            })}
        </li>
    }
}
