//! Task detail (edit, move, assign, comment, history), task creation and
//! "my tasks".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use domain::{Priority, RepeatUnit, Weekdays};

use leptos::server_fn::ServerFn;

use super::common::{
    action_error, query_string, CardExtras, FormAlert, LoadError, PriorityBadge, Saved, StatusBadge,
};
use crate::islands::LiveForms;
use crate::labels::LabelView;
use crate::projects::ProjectView;
use crate::tasks::{
    my_tasks, task_detail, AddComment, AssignTask, CreateTask, DeleteTask, MoveTask, RepeatView,
    TaskView, TickCheck, UpdateTask,
};
use crate::team::Picker;

#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let paging = Memo::new(move |_| {
        let q = query.read();
        (
            q.get("comments").unwrap_or_default(),
            q.get("activity").unwrap_or_default(),
        )
    });
    // Each action is only read for its error: a failed form post redirects
    // back here with it in the URL.
    let update = ServerAction::<UpdateTask>::new();
    let mover = ServerAction::<MoveTask>::new();
    let assign = ServerAction::<AssignTask>::new();
    let comment = ServerAction::<AddComment>::new();
    let delete = ServerAction::<DeleteTask>::new();
    let tick = ServerAction::<TickCheck>::new();
    let data = Resource::new(
        move || (id.get(), paging.get()),
        |(id, (c, a))| {
            task_detail(
                id,
                (!c.is_empty()).then_some(c),
                (!a.is_empty()).then_some(a),
            )
        },
    );
    let actions = TaskActions {
        update,
        mover,
        assign,
        comment,
        delete,
        tick,
    };
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the task…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(t) => view! { <LiveForms><TaskBody task=t actions=actions /></LiveForms> }.into_any(),
                    Err(e) => {
                        let here = format!("/tasks/{}", id.get_untracked());
                        view! { <Title text="Task" /> <LoadError error=e here=here /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct TaskActions {
    update: ServerAction<UpdateTask>,
    mover: ServerAction<MoveTask>,
    assign: ServerAction<AssignTask>,
    comment: ServerAction<AddComment>,
    delete: ServerAction<DeleteTask>,
    tick: ServerAction<TickCheck>,
}

#[component]
fn TaskBody(task: TaskView, actions: TaskActions) -> impl IntoView {
    let t = StoredValue::new(task);
    let get = move || t.get_value();
    let tv = get();
    let tid = StoredValue::new(tv.id.clone());
    let move_err = Signal::derive(move || action_error(actions.mover.value().get()));
    let edit_err = Signal::derive(move || action_error(actions.update.value().get()));
    let assign_err = Signal::derive(move || action_error(actions.assign.value().get()));
    let comment_err = Signal::derive(move || action_error(actions.comment.value().get()));
    let delete_err = Signal::derive(move || action_error(actions.delete.value().get()));
    let tick_err = Signal::derive(move || action_error(actions.tick.value().get()));
    view! {
        <Title text=super::raw_text_safe(&tv.title) />
        <article class="task-detail" data-testid="task-detail" data-version=tv.version.to_string()>
            <section class="card">
                <p class="muted small"><a href="/board">"← Board"</a></p>
                <h1 data-testid="task-title">{tv.title.clone()}</h1>
                <div class="meta">
                    <StatusBadge status=tv.status />
                    <PriorityBadge priority=tv.priority />
                    {tv.due.clone().map(|d| view! {
                        <span class="due" class:late=tv.overdue>
                            {if tv.overdue { "Overdue · due " } else { "Due " }}<time datetime=d.clone()>{d.clone()}</time>
                        </span>
                    })}
                </div>
                {tv.repeat.clone().map(|r| view! {
                    <p class="repeat-rule small" data-testid="repeat-rule">
                        <span aria-hidden="true">"↻ "</span>{r.text}
                        {tv.next_occurrence.clone().map(|n| view! {
                            " · " <a href=format!("/tasks/{n}") data-testid="next-occurrence">"Next occurrence"</a>
                        })}
                    </p>
                })}
                <p class="muted small" data-testid="task-project">
                    "Project: " <a href=format!("/board?project={}", tv.project.id)>{tv.project.name.clone()}</a>
                </p>
                {(!tv.labels.is_empty()).then(|| view! {
                    <p class="labels-line" data-testid="task-labels">
                        {tv.labels.iter().map(|l| view! { <super::labels::LabelChip label=l.clone() /> }).collect_view()}
                    </p>
                })}
                {(!tv.description.is_empty()).then(|| view! { <p class="description">{tv.description.clone()}</p> })}
                <p class="muted small">
                    "Assigned to: "
                    {if tv.assignees.is_empty() { "nobody".to_string() } else { tv.assignees.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ") }}
                </p>
                <p class="muted small">"Created by " {tv.created_by.clone()} " on " {tv.created_at.clone()} " · updated " {tv.updated_at.clone()}</p>
            </section>

            {(!tv.checklist.is_empty()).then(|| view! { <ChecklistSection task=get() err=tick_err /> })}

            <section class="card" aria-labelledby="move-title">
                <h2 id="move-title">"Status"</h2>
                {if tv.moves.is_empty() {
                    view! { <p class="muted">"No status change is available."</p> }.into_any()
                } else {
                    view! {
                        <form method="post" action=MoveTask::url() class="row">
                            <input type="hidden" name="id" value=tid.get_value() />
                            <input type="hidden" name="version" value=tv.version.to_string() />
                            <label for="status-select">"Move to"</label>
                            <select id="status-select" name="status" data-testid="status-select">
                                {tv.moves.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                            </select>
                            <button type="submit" data-testid="move-button">"Move"</button>
                        </form>
                    }.into_any()
                }}
                <FormAlert message=move_err />
            </section>

            {tv.can_edit.then(|| view! { <EditSection task=get() edit_err=edit_err /> })}
            {tv.can_edit.then(|| view! { <AssignSection task=get() err=assign_err /> })}

            <section class="card" aria-labelledby="comments-title">
                <h2 id="comments-title">"Comments"</h2>
                <form method="post" action=AddComment::url() class="stack">
                    <input type="hidden" name="id" value=tid.get_value() />
                    <label for="comment-body">"Add a comment"</label>
                    <textarea id="comment-body" name="body" rows="3" maxlength="5000" required></textarea>
                    <FormAlert message=comment_err />
                    <div><button type="submit">"Comment"</button></div>
                </form>
                {if tv.comments.is_empty() {
                    view! { <p class="muted">"No comments yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="comments" role="list" data-testid="comments">
                            {tv.comments.iter().map(|c| view! {
                                <li>
                                    <p class="small"><strong>{c.author.clone()}</strong> <span class="muted">" · " {c.at.clone()}</span></p>
                                    <p class="comment-body">{c.parts.iter().map(|p| if p.mention {
                                        view! { <span class="mention">{p.text.clone()}</span> }.into_any()
                                    } else {
                                        p.text.clone().into_any()
                                    }).collect_view()}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {tv.comments_next.clone().map(|c| view! {
                    <a class="button secondary" href=format!("/tasks/{}{}", tid.get_value(), query_string(&[("comments", &c)]))>"Older comments"</a>
                })}
            </section>

            <section class="card" aria-labelledby="activity-title">
                <h2 id="activity-title">"Activity"</h2>
                <ol class="activity" data-testid="activity">
                    {tv.activity.iter().map(|a| view! {
                        <li><strong>{a.actor.clone()}</strong> " " {a.text.clone()} <span class="muted small">" · " {a.at.clone()}</span></li>
                    }).collect_view()}
                </ol>
                {tv.activity_next.clone().map(|c| view! {
                    <a class="button secondary" href=format!("/tasks/{}{}", tid.get_value(), query_string(&[("activity", &c)]))>"Earlier activity"</a>
                })}
            </section>

            {tv.can_edit.then(|| view! {
                <section class="card danger-zone" aria-labelledby="delete-title">
                    <h2 id="delete-title">"Delete this task"</h2>
                    <form method="post" action=DeleteTask::url() class="row">
                        <input type="hidden" name="id" value=tid.get_value() />
                        <input type="hidden" name="version" value=tv.version.to_string() />
                        <label class="check"><input type="checkbox" required /> "Yes, delete it with its comments and history"</label>
                        <button type="submit" class="danger">"Delete"</button>
                    </form>
                    <FormAlert message=delete_err />
                </section>
            })}
        </article>
    }
    // Erased: the whole page as one type is deeper than the compiler's
    // default query depth.
    .into_any()
}

#[component]
fn EditSection(task: TaskView, edit_err: Signal<Option<String>>) -> impl IntoView {
    let lines: Vec<&str> = task.checklist.iter().map(|c| c.text.as_str()).collect();
    let lines = lines.join("\n");
    view! {
        <section class="card" aria-labelledby="edit-title">
            <h2 id="edit-title">"Edit"</h2>
            <form method="post" action=UpdateTask::url() class="stack" data-testid="edit-form">
                <input type="hidden" name="id" value=task.id.clone() />
                <input type="hidden" name="version" value=task.version.to_string() />
                <label for="e-title">"Title"</label>
                <input id="e-title" name="title" required maxlength="200" value=task.title.clone() />
                <label for="e-desc">"Description"</label>
                <textarea id="e-desc" name="description" rows="5" maxlength="5000" prop:value=task.description.clone()>{super::raw_text_safe(&task.description)}</textarea>
                <div class="row">
                    <div class="field">
                        <label for="e-priority">"Priority"</label>
                        <PrioritySelect id="e-priority" current=task.priority />
                    </div>
                    <div class="field">
                        <label for="e-due">"Due date"</label>
                        <input id="e-due" type="date" name="due" value=task.due.clone().unwrap_or_default() aria-describedby="e-due-help" />
                        <small id="e-due-help" class="muted">"Leave empty for no due date."</small>
                    </div>
                </div>
                <ChecklistField id="e-checklist" lines=lines />
                <RepeatFields prefix="e" current=task.repeat.clone() />
                <ProjectSelect id="e-project" all=task.projects.clone() current=task.project.id.clone() />
                <LabelPicker all=task.all_labels.clone() checked=task.labels.iter().map(|l| l.id.clone()).collect() />
                <FormAlert message=edit_err />
                <Saved />
                <div><button type="submit">"Save changes"</button></div>
            </form>
        </section>
    }
}

/// Each item is its own small form, so ticking works without script and
/// one stale tick is refused (409) without touching the others.
#[component]
fn ChecklistSection(task: TaskView, err: Signal<Option<String>>) -> impl IntoView {
    let done = task.checklist.iter().filter(|c| c.done).count();
    let total = task.checklist.len();
    view! {
        <section class="card" aria-labelledby="checklist-title">
            <h2 id="checklist-title">"Checklist " <span class="count" data-testid="checklist-progress">{format!("{done}/{total}")}</span></h2>
            <ol class="checklist" role="list" data-testid="checklist">
                {task.checklist.into_iter().enumerate().map(|(i, c)| view! {
                    <li>
                        <form method="post" action=TickCheck::url()>
                            <input type="hidden" name="id" value=task.id.clone() />
                            <input type="hidden" name="version" value=task.version.to_string() />
                            <input type="hidden" name="index" value=i.to_string() />
                            <input type="hidden" name="done" value=(!c.done).to_string() />
                            <button type="submit" class="tick" class:done=c.done role="checkbox" aria-checked=c.done.to_string() data-testid="check-item">
                                <span class="box" aria-hidden="true">{if c.done { "✓" } else { "" }}</span>
                                <span class="text">{c.text.clone()}</span>
                            </button>
                        </form>
                    </li>
                }).collect_view()}
            </ol>
            <FormAlert message=err />
        </section>
    }
}

#[component]
fn ChecklistField(id: &'static str, lines: String) -> impl IntoView {
    let help = format!("{id}-help");
    view! {
        <label for=id>"Checklist"</label>
        <textarea id=id name="checklist" rows="4" maxlength="10250" aria-describedby=help.clone() prop:value=lines.clone()>{super::raw_text_safe(&lines)}</textarea>
        <small id=help class="muted">"One item per line, up to 50. Ticked items stay ticked when you reorder them."</small>
    }
}

/// The project a task goes to; archived projects are offered only as the
/// task's own current one.
#[component]
fn ProjectSelect(id: &'static str, all: Vec<ProjectView>, current: String) -> impl IntoView {
    (!all.is_empty()).then(|| {
        view! {
            <div class="field">
                <label for=id>"Project"</label>
                <select id=id name="project" data-testid="project-select">
                    {all.into_iter().map(|p| {
                        let on = p.id == current;
                        view! { <option value=p.id.clone() selected=on>{p.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    })
}

/// One checkbox per label, with its chip.
#[component]
fn LabelPicker(all: Vec<LabelView>, checked: Vec<String>) -> impl IntoView {
    (!all.is_empty()).then(|| view! {
        <fieldset class="labels-pick" data-testid="label-picker">
            <legend>"Labels"</legend>
            <div class="row">
                {all.into_iter().map(|l| {
                    let on = checked.contains(&l.id);
                    view! {
                        <label class="check">
                            <input type="checkbox" name="labels[]" value=l.id.clone() checked=on />
                            <super::labels::LabelChip label=l />
                        </label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    })
}

/// "Repeat every N units (on weekdays)": plain fields, so the form works
/// without script; weekdays count only for weekly repeats.
#[component]
fn RepeatFields(prefix: &'static str, current: Option<RepeatView>) -> impl IntoView {
    let unit = current.as_ref().map(|r| r.unit.clone()).unwrap_or_default();
    let every = current.as_ref().map_or(1, |r| r.every);
    let days = current.map(|r| r.weekdays).unwrap_or_default();
    let (every_id, unit_id) = (format!("{prefix}-every"), format!("{prefix}-repeat"));
    view! {
        <fieldset class="repeat" data-testid="repeat-fields">
            <legend>"Repeat"</legend>
            <div class="row">
                <div class="field">
                    <label for=every_id.clone()>"Every"</label>
                    <input id=every_id type="number" name="every" min="1" max="366" value=every.to_string() />
                </div>
                <div class="field">
                    <label for=unit_id.clone()>"Unit"</label>
                    <select id=unit_id name="repeat">
                        <option value="" selected=unit.is_empty()>"Does not repeat"</option>
                        {RepeatUnit::ALL.iter().map(|u| view! {
                            <option value=u.as_str() selected=unit == u.as_str()>{format!("{}(s)", u.noun())}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="weekdays row" role="group" aria-label="On these days (weekly repeats)">
                {Weekdays::ALL.iter().enumerate().map(|(i, d)| view! {
                    <label class="check">
                        <input type="checkbox" name="weekdays[]" value=i.to_string() checked=days.contains(&(i as u8)) />
                        {domain::weekday_short(*d)}
                    </label>
                }).collect_view()}
            </div>
            <small class="muted">"A repeating task needs a due date. Finishing it creates the next one, due on the next date after this one's due date."</small>
        </fieldset>
    }
}

#[component]
fn AssignSection(task: TaskView, err: Signal<Option<String>>) -> impl IntoView {
    let assigned: Vec<String> = task.assignees.iter().map(|p| p.id.clone()).collect();
    view! {
        <section class="card" aria-labelledby="assign-title">
            <h2 id="assign-title">"Assignees"</h2>
            <form method="post" action=AssignTask::url() class="stack" data-testid="assign-form">
                <input type="hidden" name="id" value=task.id.clone() />
                <input type="hidden" name="version" value=task.version.to_string() />
                <PeoplePicker picker=task.people.clone() checked=assigned id="t-add-people" />
                <FormAlert message=err />
                <div><button type="submit">"Save assignees"</button></div>
            </form>
        </section>
    }
}

/// Checkboxes, one per person: usable without JS and by keyboard, and
/// readable on a phone, unlike a multi-select. A large team's picker lists
/// only the assignees and takes more people by name or email.
#[component]
fn PeoplePicker(picker: Picker, checked: Vec<String>, id: &'static str) -> impl IntoView {
    view! {
        <fieldset class="people">
            <legend class="sr-only">"People"</legend>
            {picker.people.into_iter().map(|p| {
                let on = checked.contains(&p.id);
                view! {
                    <label class="check">
                        <input type="checkbox" name="assignees[]" value=p.id.clone() checked=on />
                        {p.name.clone()} <span class="muted small">" " {p.email.clone()}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
        {picker.by_name.then(|| view! {
            <label for=id>"Add people by name or email"</label>
            <input id=id name="add_people" maxlength="500" autocomplete="off" placeholder="Ana, bo@example.com" aria-describedby=format!("{id}-hint") data-testid="add-people" />
            <p class="muted small" id=format!("{id}-hint")>"Separate several with commas."</p>
        })}
    }
}

#[component]
fn PrioritySelect(id: &'static str, current: Priority) -> impl IntoView {
    view! {
        <select id=id name="priority">
            {Priority::ALL.iter().map(|p| view! {
                <option value=p.as_str() selected=*p == current>{p.label()}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn NewTaskPage() -> impl IntoView {
    let create = ServerAction::<CreateTask>::new();
    let err = Signal::derive(move || action_error(create.value().get()));
    let people = Resource::new(|| (), |_| crate::tasks::assignable());
    let all_labels = Resource::new(|| (), |_| crate::labels::labels());
    let projects = Resource::new(|| (), |_| crate::projects::project_choices());
    let query = use_query_map();
    let chosen = move || query.read().get("project").unwrap_or_default();
    view! {
        <Title text="New task" />
        <LiveForms>
        <section class="card narrow-wide" aria-labelledby="new-title">
            <h1 id="new-title">"New task"</h1>
            <form method="post" action=CreateTask::url() class="stack" data-testid="create-form">
                <label for="n-title">"Title"</label>
                <input id="n-title" name="title" required maxlength="200" />
                <label for="n-desc">"Description"</label>
                <textarea id="n-desc" name="description" rows="5" maxlength="5000"></textarea>
                <div class="row">
                    <div class="field">
                        <label for="n-priority">"Priority"</label>
                        <PrioritySelect id="n-priority" current=Priority::Medium />
                    </div>
                    <div class="field">
                        <label for="n-due">"Due date"</label>
                        <input id="n-due" type="date" name="due" />
                    </div>
                </div>
                <ChecklistField id="n-checklist" lines=String::new() />
                <RepeatFields prefix="n" current=None />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let current = chosen();
                        projects.await.ok().map(|all| view! { <ProjectSelect id="n-project" all=all current=current /> })
                    })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        all_labels.await.ok().map(|v| view! { <LabelPicker all=v.labels checked=Vec::new() /> })
                    })}
                </Transition>
                <h2>"Assignees"</h2>
                <Transition fallback=|| view! { <p class="muted">"Loading people…"</p> }>
                    {move || Suspend::new(async move {
                        match people.await {
                            Ok(picker) => view! {
                                <PeoplePicker picker=picker checked=Vec::new() id="n-add-people" />
                            }.into_any(),
                            Err(e) => view! { <LoadError error=e here="/tasks/new" /> }.into_any(),
                        }
                    })}
                </Transition>
                <FormAlert message=err />
                <div><button type="submit">"Create task"</button></div>
            </form>
        </section>
        </LiveForms>
    }
}

#[component]
pub fn MyTasksPage() -> impl IntoView {
    let query = use_query_map();
    let after = Memo::new(move |_| query.read().get("after").unwrap_or_default());
    let data = Resource::new(
        move || after.get(),
        |a| my_tasks((!a.is_empty()).then_some(a)),
    );
    view! {
        <Title text="My tasks" />
        <h1>"My tasks"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        if page.cards.is_empty() {
                            return view! { <p class="card muted" data-testid="mine-empty">"Nothing is assigned to you."</p> }.into_any();
                        }
                        // By project (the server sorted the rows by project
                        // name, then board order of status).
                        let mut groups: Vec<(String, Vec<crate::tasks::Card>)> = Vec::new();
                        for c in page.cards {
                            match groups.last_mut() {
                                Some((p, v)) if *p == c.project => v.push(c),
                                _ => groups.push((c.project.clone(), vec![c])),
                            }
                        }
                        view! {
                            <div class="groups" data-testid="my-tasks">
                                {groups.into_iter().map(|(project, cards)| view! {
                                    <section class="card" aria-label=project.clone() data-testid="my-project">
                                        <h2>{project.clone()} " " <span class="count">{cards.len()}</span></h2>
                                        <ul class="rows" role="list">
                                            {cards.into_iter().map(|c| view! {
                                                <li class="row-item" class:overdue=c.overdue data-testid="my-task">
                                                    <a href=format!("/tasks/{}", c.id)>{c.title.clone()}</a>
                                                    <StatusBadge status=c.status />
                                                    <PriorityBadge priority=c.priority />
                                                    {c.due.clone().map(|d| view! {
                                                        <span class="due" class:late=c.overdue>{if c.overdue { "Overdue · " } else { "Due " }}{d}</span>
                                                    })}
                                                    <CardExtras progress=c.progress recurring=c.recurring />
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                }).collect_view()}
                            </div>
                            {page.next.map(|n| view! {
                                <a class="button secondary" href=format!("/my{}", query_string(&[("after", &n)]))>"More tasks"</a>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <LoadError error=e here="/my" /> }.into_any(),
                }
            })}
        </Transition>
    }
}
