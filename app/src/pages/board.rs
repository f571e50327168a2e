//! The board: kanban columns by status, filters in the URL, and moves by
//! form (always), drag and drop and keyboard (once hydrated).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::{Priority, Role, Status};

use super::common::{
    action_error, query_string, use_hydrated, FormAlert, LoadError, PriorityBadge,
};
use crate::tasks::{board, board_column, moves_for, BoardQuery, BoardView, Card, MoveTask};

fn read_query() -> Memo<BoardQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        let m = q.read();
        let get = |k: &str| m.get(k).unwrap_or_default();
        BoardQuery {
            q: get("q"),
            assignee: get("assignee"),
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
        ("priority", q.priority.clone()),
        ("due", q.due.clone()),
        ("sort", q.sort.clone()),
    ]
}

/// What the user is dragging: enough to send the move without a read.
#[derive(Clone, Copy)]
struct Dragged {
    id: StoredValue<String>,
    version: u64,
    from: Status,
}

#[derive(Clone, Copy)]
struct BoardCtx {
    mover: ServerAction<MoveTask>,
    role: Role,
    hydrated: ReadSignal<bool>,
    dragging: RwSignal<Option<Dragged>>,
    announce: RwSignal<String>,
    query: Memo<BoardQuery>,
}

impl BoardCtx {
    /// Sends a move if the policy allows it, else says why not.
    fn try_move(&self, id: String, version: u64, from: Status, to: Status) {
        if from == to {
            return;
        }
        if !moves_for(self.role, from).contains(&to) {
            self.announce.set(format!(
                "A task cannot move from {} to {}.",
                from.label(),
                to.label()
            ));
            return;
        }
        self.announce
            .set(format!("Moving the task to {}…", to.label()));
        self.mover.dispatch(MoveTask {
            id,
            version,
            status: to,
        });
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let query = read_query();
    let mover = ServerAction::<MoveTask>::new();
    let data = Resource::new(
        move || (query.get(), mover.version().get()),
        |(q, _)| board(q),
    );
    let hydrated = use_hydrated();
    let announce = RwSignal::new(String::new());
    let err = Signal::derive(move || action_error(mover.value().get()));
    // A successful move is announced once the board shows it.
    Effect::new(move |_| {
        if let Some(Ok(card)) = mover.value().get() {
            announce.set(format!("“{}” is now {}.", card.title, card.status.label()));
        }
    });
    view! {
        <Title text="Board" />
        <div class="page-head">
            <h1>"Board"</h1>
        </div>
        <p class="sr-only" aria-live="polite" data-testid="announce">{move || announce.get()}</p>
        <FormAlert message=err />
        <Transition fallback=|| view! { <p class="muted">"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(b) => {
                        let ctx = BoardCtx {
                            mover,
                            role: if b.is_admin { Role::Admin } else { Role::Member },
                            hydrated,
                            dragging: RwSignal::new(None),
                            announce,
                            query,
                        };
                        view! { <BoardBody board=b ctx=ctx /> }.into_any()
                    }
                    Err(e) => view! { <LoadError error=e here="/board" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BoardBody(board: BoardView, ctx: BoardCtx) -> impl IntoView {
    let q = ctx.query.get_untracked();
    let is_admin = board.is_admin;
    let people = board.people.clone();
    let selected = |a: &str, b: &str| a == b;
    let filtered =
        !(q.q.is_empty() && q.assignee.is_empty() && q.priority.is_empty() && q.due.is_empty());
    let total: usize = board.columns.iter().map(|c| c.cards.len()).sum();
    view! {
        <form method="get" action="/board" class="filters card" role="search" aria-label="Filter the board">
            <div class="field grow">
                <label for="f-q">"Search"</label>
                <input id="f-q" type="search" name="q" value=q.q.clone() placeholder="Title or description" maxlength="200" />
            </div>
            {is_admin.then(|| view! {
                <div class="field">
                    <label for="f-assignee">"Assignee"</label>
                    <select id="f-assignee" name="assignee">
                        <option value="" selected=q.assignee.is_empty()>"Anyone"</option>
                        {people.iter().map(|p| view! {
                            <option value=p.id.clone() selected=selected(&q.assignee, &p.id)>{p.name.clone()}</option>
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
        <p class="muted hint">{move || if ctx.hydrated.get() {
            "Drag a card to another column, or focus it and press Shift + ← / → to move it."
        } else {
            "Use a card's “Move to” menu to change its status."
        }}</p>
        <div class="board" data-testid="board">
            {board.columns.into_iter().map(|c| view! { <BoardColumn column=c ctx=ctx /> }).collect_view()}
        </div>
    }
}

#[component]
fn BoardColumn(column: crate::tasks::Column, ctx: BoardCtx) -> impl IntoView {
    let status = column.status;
    let cards = RwSignal::new(column.cards);
    let next = RwSignal::new(column.next);
    let loading = RwSignal::new(false);
    let over = RwSignal::new(false);
    let heading = format!("col-{}", status.as_str().to_lowercase());
    let heading_ref = heading.clone();
    let more_href = move || {
        let q = ctx.query.get_untracked();
        let mut pairs: Vec<(&str, String)> = filter_pairs(&q);
        pairs.push(("col", status.as_str().to_owned()));
        pairs.push(("after", next.get().unwrap_or_default()));
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("/board{}", query_string(&borrowed))
    };
    let load_more = move |ev: leptos::ev::MouseEvent| {
        if !ctx.hydrated.get_untracked() {
            return;
        }
        ev.prevent_default();
        let Some(after) = next.get_untracked() else {
            return;
        };
        loading.set(true);
        let mut q = ctx.query.get_untracked();
        q.col.clear();
        q.after.clear();
        leptos::task::spawn_local(async move {
            match board_column(status, q, after).await {
                Ok(page) => {
                    cards.update(|c| c.extend(page.cards));
                    next.set(page.next);
                }
                Err(e) => ctx.announce.set(super::common::message(&e)),
            }
            loading.set(false);
        });
    };
    let paged = !ctx.query.get_untracked().after.is_empty()
        && ctx.query.get_untracked().col == status.as_str();
    view! {
        <section
            class="column"
            class:drop-target=move || over.get()
            aria-labelledby=heading_ref
            data-status=status.as_str()
            data-testid=format!("column-{}", status.as_str())
            on:dragover=move |ev| {
                if ctx.dragging.get_untracked().is_some() {
                    ev.prevent_default();
                    over.set(true);
                }
            }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                over.set(false);
                if let Some(d) = ctx.dragging.get_untracked() {
                    ctx.dragging.set(None);
                    ctx.try_move(d.id.get_value(), d.version, d.from, status);
                }
            }
        >
            <h2 id=heading>
                {status.label()} " "
                <span class="count" aria-label="tasks shown">{move || cards.with(|c| c.len())}</span>
            </h2>
            {paged.then(|| view! { <p class="muted small">"Later tasks · " <a href="/board">"back to the start"</a></p> })}
            <ul class="cards" role="list">
                <For each=move || cards.get() key=|c| (c.id.clone(), c.version) let:card>
                    <BoardCard card=card ctx=ctx />
                </For>
            </ul>
            <Show when=move || next.with(|n| n.is_some())>
                <a class="button secondary load-more" href=more_href on:click=load_more
                   data-testid=format!("more-{}", status.as_str())
                   aria-disabled=move || loading.get().to_string()>
                    {move || if loading.get() { "Loading…" } else { "Load more" }}
                </a>
            </Show>
        </section>
    }
}

#[component]
fn BoardCard(card: Card, ctx: BoardCtx) -> impl IntoView {
    let moves = moves_for(ctx.role, card.status);
    let id = StoredValue::new(card.id.clone());
    let (version, from) = (card.version, card.status);
    let select_id = format!("move-{}", card.id);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if !ev.shift_key() {
            return;
        }
        let step: isize = match ev.key().as_str() {
            "ArrowRight" => 1,
            "ArrowLeft" => -1,
            _ => return,
        };
        ev.prevent_default();
        let order = Status::ALL;
        let here = order.iter().position(|s| *s == from).unwrap_or(0) as isize;
        let target = here + step;
        if target < 0 || target >= order.len() as isize {
            return;
        }
        ctx.try_move(id.get_value(), version, from, order[target as usize]);
    };
    view! {
        <li
            class="task-card"
            class:overdue=card.overdue
            tabindex="0"
            draggable=move || if ctx.hydrated.get() { "true" } else { "false" }
            data-testid="card"
            data-id=card.id.clone()
            aria-label=format!("{}, {}", card.title, card.status.label())
            on:dragstart=move |_| ctx.dragging.set(Some(Dragged { id, version, from }))
            on:dragend=move |_| ctx.dragging.set(None)
            on:keydown=on_key
        >
            <a class="card-title" href=format!("/tasks/{}", card.id)>{card.title.clone()}</a>
            <div class="meta">
                <PriorityBadge priority=card.priority />
                {card.due.clone().map(|d| view! {
                    <span class="due" class:late=card.overdue>
                        {if card.overdue { "Overdue · " } else { "Due " }} <time datetime=d.clone()>{d.clone()}</time>
                    </span>
                })}
            </div>
            {(!card.assignees.is_empty()).then(|| view! {
                <p class="assignees muted small">{card.assignees.join(", ")}</p>
            })}
            {(!moves.is_empty()).then(|| view! {
                <ActionForm action=ctx.mover attr:class="move-form">
                    <input type="hidden" name="id" value=id.get_value() />
                    <input type="hidden" name="version" value=version.to_string() />
                    <label class="sr-only" for=select_id.clone()>"Move to"</label>
                    <select id=select_id.clone() name="status">
                        {moves.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="secondary small">"Move"</button>
                </ActionForm>
            })}
        </li>
    }
}
