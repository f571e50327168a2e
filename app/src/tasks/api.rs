//! Task server functions and the view models they return.
//!
//! View models carry display-ready strings (names, dates) computed on the
//! server, so the browser bundle needs no date formatting and no user
//! directory, and a member's view never contains data they may not see.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use domain::{Priority, Role, Status};

/// A person as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// A board card or list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    /// `YYYY-MM-DD`, or `None` when the task has no due date.
    pub due: Option<String>,
    pub overdue: bool,
    /// Display names; empty for members' rows, which come from their own
    /// assignment copies.
    pub assignees: Vec<String>,
    pub version: u64,
}

/// Board filters, as they appear in the URL of the board page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardQuery {
    /// Words that must all appear in the title or description.
    #[serde(default)]
    pub q: String,
    /// A user id, or empty for everyone.
    #[serde(default)]
    pub assignee: String,
    /// A priority wire name, or empty.
    #[serde(default)]
    pub priority: String,
    /// `overdue`, `week` (due within seven days) or empty.
    #[serde(default)]
    pub due: String,
    /// `due` (default), `priority`, `title` or `updated`.
    #[serde(default)]
    pub sort: String,
    /// Without JavaScript, "load more" is a link: it shows column `col`
    /// from cursor `after` (the other columns from their start).
    #[serde(default)]
    pub col: String,
    #[serde(default)]
    pub after: String,
}

/// One column page. `next` continues this column with the same filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub status: Status,
    pub cards: Vec<Card>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardView {
    pub is_admin: bool,
    pub columns: Vec<Column>,
    /// Everyone, for the assignee filter (admins only; members see their own
    /// tasks and have nothing to filter by person).
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: String,
    pub author: String,
    pub body: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub version: u64,
    pub actor: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub priority: Priority,
    pub due: Option<String>,
    pub overdue: bool,
    pub assignees: Vec<Person>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
    /// Whether the viewer may edit fields, assign and delete (admins).
    pub can_edit: bool,
    /// The statuses the viewer may move this task to right now.
    pub moves: Vec<Status>,
    pub comments: Vec<CommentView>,
    pub comments_next: Option<String>,
    pub activity: Vec<ActivityView>,
    pub activity_next: Option<String>,
    /// Everyone who can be assigned (admins only).
    pub people: Vec<Person>,
}

/// The statuses `role` may move a task in `from` to, in board order.
pub fn moves_for(role: Role, from: Status) -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|to| domain::check_transition(role, from, *to).is_ok())
        .collect()
}

#[cfg(feature = "ssr")]
pub(crate) mod view {
    //! Builds view models from store values.
    use std::collections::HashMap;

    use domain::{Activity, ActivityChange, Comment, Task, TaskSummary, UserId, UserProfile};
    use leptos::prelude::ServerFnError;
    use store::Store;

    use super::*;
    use crate::guard::{all_pages, date_text, store_error, today, when};

    /// Everyone, by id: one query per 500 users, cached for one request.
    pub struct Directory(HashMap<UserId, UserProfile>);

    impl Directory {
        pub async fn load(store: &dyn Store) -> Result<Directory, ServerFnError> {
            let users = all_pages(|p| store.list_users(p))
                .await
                .map_err(|e| store_error(e, "User"))?;
            Ok(Directory(users.into_iter().map(|u| (u.id, u)).collect()))
        }

        pub fn get(&self, id: UserId) -> Option<&UserProfile> {
            self.0.get(&id)
        }

        pub fn name(&self, id: UserId) -> String {
            self.0
                .get(&id)
                .map(|u| u.display_name.as_str().to_owned())
                .unwrap_or_else(|| "A former member".to_owned())
        }

        pub fn person(&self, id: UserId) -> Person {
            match self.0.get(&id) {
                Some(u) => person(u),
                None => Person {
                    id: id.to_string(),
                    name: "A former member".into(),
                    email: String::new(),
                    role: Role::Member,
                },
            }
        }

        /// Whom tasks can be assigned to: deactivated people are left out.
        pub fn everyone(&self) -> Vec<Person> {
            let mut v: Vec<Person> = self.0.values().filter(|u| u.active).map(person).collect();
            v.sort_by_key(|p| p.name.to_lowercase());
            v
        }
    }

    pub fn person(u: &UserProfile) -> Person {
        Person {
            id: u.id.to_string(),
            name: u.display_name.as_str().to_owned(),
            email: u.email.as_str().to_owned(),
            role: u.role,
        }
    }

    fn overdue(due: Option<time::Date>, status: Status) -> bool {
        matches!(due, Some(d) if d < today() && status.is_open())
    }

    pub fn card(t: &Task, dir: &Directory) -> Card {
        Card {
            id: t.id.to_string(),
            title: t.title.as_str().to_owned(),
            status: t.status,
            priority: t.priority,
            due: t.due.map(date_text),
            overdue: overdue(t.due, t.status),
            assignees: t.assignees.iter().map(|u| dir.name(*u)).collect(),
            version: t.version,
        }
    }

    pub fn row(t: &TaskSummary) -> Card {
        Card {
            id: t.id.to_string(),
            title: t.title.as_str().to_owned(),
            status: t.status,
            priority: t.priority,
            due: t.due.map(date_text),
            overdue: overdue(t.due, t.status),
            assignees: Vec::new(),
            version: t.version,
        }
    }

    pub fn comment(c: &Comment, dir: &Directory) -> CommentView {
        CommentView {
            id: c.id.to_string(),
            author: dir.name(c.author),
            body: c.body.as_str().to_owned(),
            at: when(c.created_at),
        }
    }

    pub fn activity(a: &Activity, dir: &Directory) -> ActivityView {
        let names = |users: &[UserId]| {
            users
                .iter()
                .map(|u| dir.name(*u))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let text = a
            .changes
            .iter()
            .map(|c| match c {
                ActivityChange::Created => "created the task".to_owned(),
                ActivityChange::Edited { fields } => format!(
                    "changed {}",
                    fields
                        .iter()
                        .map(|f| match f {
                            domain::TaskField::Title => "the title",
                            domain::TaskField::Description => "the description",
                            domain::TaskField::Priority => "the priority",
                            domain::TaskField::DueDate => "the due date",
                            domain::TaskField::Status => "the status",
                            domain::TaskField::Assignees => "the assignees",
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                ActivityChange::StatusChanged { from, to } => {
                    format!("moved it from {} to {}", from.label(), to.label())
                }
                ActivityChange::Assigned { users } => format!("assigned {}", names(users)),
                ActivityChange::Unassigned { users } => format!("unassigned {}", names(users)),
            })
            .collect::<Vec<_>>()
            .join("; ");
        ActivityView {
            version: a.version,
            actor: dir.name(a.actor),
            at: when(a.at),
            text,
        }
    }
}

#[cfg(feature = "ssr")]
mod board_impl {
    use domain::{Actor, Role, Status, Task, TaskSummary};
    use leptos::prelude::ServerFnError;
    use store::{Page, PageRequest, Store};
    use time::Duration;

    use super::view::{card, row, Directory};
    use super::*;
    use crate::guard::{bad_request, cursor, store_error, today, user_id};

    /// Parsed filters; built once per request.
    pub struct Filter {
        words: Vec<String>,
        assignee: Option<domain::UserId>,
        priority: Option<Priority>,
        due: DueFilter,
        pub sort: Sort,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum DueFilter {
        Any,
        Overdue,
        Week,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum Sort {
        Due,
        Priority,
        Title,
        Updated,
    }

    impl Filter {
        pub fn parse(q: &BoardQuery) -> Result<Filter, ServerFnError> {
            if q.q.len() > 200 {
                return Err(bad_request("The search text is too long."));
            }
            Ok(Filter {
                words: q
                    .q
                    .split_whitespace()
                    .map(|w| w.to_lowercase())
                    .take(10)
                    .collect(),
                assignee: match q.assignee.trim() {
                    "" => None,
                    raw => Some(user_id(raw)?),
                },
                priority: match q.priority.trim() {
                    "" => None,
                    raw => Some(raw.parse().map_err(|_| bad_request("Unknown priority."))?),
                },
                due: match q.due.trim() {
                    "" => DueFilter::Any,
                    "overdue" => DueFilter::Overdue,
                    "week" => DueFilter::Week,
                    _ => return Err(bad_request("Unknown due-date filter.")),
                },
                sort: match q.sort.trim() {
                    "" | "due" => Sort::Due,
                    "priority" => Sort::Priority,
                    "title" => Sort::Title,
                    "updated" => Sort::Updated,
                    _ => return Err(bad_request("Unknown sort order.")),
                },
            })
        }

        fn due_ok(&self, due: Option<time::Date>, status: Status) -> bool {
            let today = today();
            match self.due {
                DueFilter::Any => true,
                DueFilter::Overdue => matches!(due, Some(d) if d < today && status.is_open()),
                DueFilter::Week => {
                    matches!(due, Some(d) if d >= today && d <= today + Duration::days(7))
                }
            }
        }

        fn text_ok(&self, title: &str, description: Option<&str>) -> bool {
            let hay = format!(
                "{}\n{}",
                title.to_lowercase(),
                description.unwrap_or("").to_lowercase()
            );
            self.words.iter().all(|w| hay.contains(w.as_str()))
        }

        pub fn task_ok(&self, t: &Task) -> bool {
            self.assignee.is_none_or(|a| t.is_assigned(a))
                && self.priority.is_none_or(|p| t.priority == p)
                && self.due_ok(t.due, t.status)
                && self.text_ok(t.title.as_str(), t.description.as_ref().map(|d| d.as_str()))
        }

        /// Members' rows carry no description (it is not copied onto
        /// assignments), so their search looks at titles only.
        pub fn summary_ok(&self, t: &TaskSummary) -> bool {
            self.priority.is_none_or(|p| t.priority == p)
                && self.due_ok(t.due, t.status)
                && self.text_ok(t.title.as_str(), None)
        }
    }

    /// Reads pages from `fetch` until `want` items pass `keep` or the list
    /// ends. Whole pages are kept, so a cursor never skips an item: a page
    /// may hold more than `want` matches, never fewer unless exhausted.
    pub async fn scan<T, F, Fut>(
        want: usize,
        after: Option<store::Cursor>,
        mut fetch: F,
        keep: impl Fn(&T) -> bool,
    ) -> Result<(Vec<T>, Option<String>), ServerFnError>
    where
        F: FnMut(PageRequest) -> Fut,
        Fut: std::future::Future<Output = Result<Page<T>, store::StoreError>>,
    {
        let mut out = Vec::new();
        let mut req = PageRequest {
            limit: want as u32,
            after,
        };
        loop {
            let page = fetch(req).await.map_err(|e| store_error(e, "Page"))?;
            out.extend(page.items.into_iter().filter(|t| keep(t)));
            match page.next {
                Some(c) if out.len() < want => {
                    // Filters that match rarely read bigger pages.
                    req = PageRequest::after(PageRequest::MAX_LIMIT.min(want as u32 * 4), c);
                }
                Some(c) => return Ok((out, Some(c.to_string()))),
                None => return Ok((out, None)),
            }
        }
    }

    pub const COLUMN_PAGE: usize = 20;

    /// Orders a column's loaded cards. The due-date order (undated last)
    /// is a stable sort, so on the admin board it keeps the store's own
    /// order; members' rows carry no update time, so "updated" sorts by due
    /// date for them (admins' tasks are sorted by it before becoming cards).
    pub fn sort_cards(cards: &mut [Card], sort: Sort) {
        match sort {
            Sort::Due | Sort::Updated => cards.sort_by_key(|c| (c.due.is_none(), c.due.clone())),
            Sort::Priority => cards.sort_by_key(|c| std::cmp::Reverse(c.priority)),
            Sort::Title => cards.sort_by_key(|c| c.title.to_lowercase()),
        }
    }

    /// One column of the board for `actor`.
    pub async fn column(
        store: &dyn Store,
        actor: Actor,
        dir: &Directory,
        status: Status,
        filter: &Filter,
        after: Option<String>,
    ) -> Result<Column, ServerFnError> {
        let after = cursor(after)?;
        if actor.role == Role::Admin {
            let (mut tasks, next) = scan(
                COLUMN_PAGE,
                after,
                |p| store.list_tasks_by_status(status, p),
                |t: &Task| filter.task_ok(t),
            )
            .await?;
            if filter.sort == Sort::Updated {
                tasks.sort_by_key(|t| std::cmp::Reverse(t.updated_at));
            }
            let mut cards: Vec<Card> = tasks.iter().map(|t| card(t, dir)).collect();
            if filter.sort != Sort::Updated {
                sort_cards(&mut cards, filter.sort);
            }
            Ok(Column {
                status,
                cards,
                next,
            })
        } else {
            let user = actor.user_id;
            let (rows, next) = scan(
                COLUMN_PAGE,
                after,
                |p| store.list_tasks_for_user(user, p),
                |t: &TaskSummary| t.status == status && filter.summary_ok(t),
            )
            .await?;
            let mut cards: Vec<Card> = rows.iter().map(row).collect();
            sort_cards(&mut cards, filter.sort);
            Ok(Column {
                status,
                cards,
                next,
            })
        }
    }
}

/// The board: one page of every column for the signed-in user. Admins see
/// every task; members see the tasks assigned to them.
#[server(endpoint = "tasks/board")]
pub async fn board(#[server(default)] query: BoardQuery) -> Result<BoardView, ServerFnError> {
    use crate::guard::ctx;
    use crate::session::require_user;
    let session = require_user().await?;
    let actor = session.actor();
    let ctx = ctx()?;
    let filter = board_impl::Filter::parse(&query)?;
    let dir = view::Directory::load(ctx.store.as_ref()).await?;
    let mut columns = Vec::with_capacity(Status::ALL.len());
    for s in Status::ALL {
        let after = (query.col == s.as_str()).then(|| query.after.clone());
        columns
            .push(board_impl::column(ctx.store.as_ref(), actor, &dir, *s, &filter, after).await?);
    }
    let is_admin = actor.role == Role::Admin;
    Ok(BoardView {
        is_admin,
        columns,
        people: if is_admin { dir.everyone() } else { Vec::new() },
    })
}

/// The next page of one column ("load more").
#[server(endpoint = "tasks/column")]
pub async fn board_column(
    status: Status,
    #[server(default)] query: BoardQuery,
    after: String,
) -> Result<Column, ServerFnError> {
    use crate::guard::ctx;
    use crate::session::require_user;
    let session = require_user().await?;
    let ctx = ctx()?;
    let filter = board_impl::Filter::parse(&query)?;
    let dir = view::Directory::load(ctx.store.as_ref()).await?;
    board_impl::column(
        ctx.store.as_ref(),
        session.actor(),
        &dir,
        status,
        &filter,
        Some(after),
    )
    .await
}

/// A task with its assignees, newest comments and history.
#[server(endpoint = "tasks/get")]
pub async fn task_detail(
    id: String,
    #[server(default)] comments_after: Option<String>,
    #[server(default)] activity_after: Option<String>,
) -> Result<TaskView, ServerFnError> {
    use crate::guard::{ctx, cursor, date_text, store_error, task_for, task_id, today, when};
    use crate::session::require_user;
    use domain::Action;
    use store::PageRequest;

    const PAGE: u32 = 20;
    let session = require_user().await?;
    let actor = session.actor();
    let ctx = ctx()?;
    let store = ctx.store.as_ref();
    let id = task_id(&id)?;
    let detail = task_for(store, actor, id, Action::ReadTask, PAGE).await?;
    let t = detail.task;
    let comments = match cursor(comments_after)? {
        None => detail.comments,
        Some(c) => store
            .list_comments(id, PageRequest::after(PAGE, c))
            .await
            .map_err(|e| store_error(e, "Comment"))?,
    };
    let activity = store
        .list_activity(id, crate::guard::page(PAGE, activity_after)?)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    let dir = view::Directory::load(store).await?;
    let can_edit = actor.role == Role::Admin;
    Ok(TaskView {
        id: t.id.to_string(),
        title: t.title.as_str().to_owned(),
        description: t
            .description
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        status: t.status,
        priority: t.priority,
        due: t.due.map(date_text),
        overdue: matches!(t.due, Some(d) if d < today() && t.status.is_open()),
        assignees: t.assignees.iter().map(|u| dir.person(*u)).collect(),
        created_by: dir.name(t.created_by),
        created_at: when(t.created_at),
        updated_at: when(t.updated_at),
        version: t.version,
        can_edit,
        moves: moves_for(actor.role, t.status),
        comments: comments
            .items
            .iter()
            .map(|c| view::comment(c, &dir))
            .collect(),
        comments_next: comments.next.map(|c| c.to_string()),
        activity: activity
            .items
            .iter()
            .map(|a| view::activity(a, &dir))
            .collect(),
        activity_next: activity.next.map(|c| c.to_string()),
        people: if can_edit { dir.everyone() } else { Vec::new() },
    })
}

#[cfg(feature = "ssr")]
fn parse_assignees(
    raw: &[String],
    dir: &view::Directory,
) -> Result<Vec<domain::UserId>, ServerFnError> {
    let mut out = Vec::with_capacity(raw.len());
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        let id = crate::guard::user_id(r)?;
        match dir.get(id) {
            None => return Err(crate::guard::bad_request("Unknown user.")),
            Some(u) if !u.active => {
                return Err(crate::guard::bad_request(format!(
                    "{} is deactivated and cannot be assigned.",
                    u.display_name.as_str()
                )))
            }
            Some(_) => {}
        }
        out.push(id);
    }
    if out.len() > 50 {
        return Err(crate::guard::bad_request(
            "A task can have at most 50 assignees.",
        ));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Creates a task with its assignees in one transaction (admins).
#[server(endpoint = "tasks/create")]
pub async fn create_task(
    title: String,
    #[server(default)] description: String,
    priority: Priority,
    #[server(default)] due: String,
    #[server(default)] assignees: Vec<String>,
) -> Result<String, ServerFnError> {
    use crate::guard::{actor_for, bad_request, ctx, parse_due, store_error};
    use domain::{Action, Description, NewTask, TaskTitle};
    let (_, actor) = actor_for(Action::CreateTask).await?;
    let ctx = ctx()?;
    let title = TaskTitle::parse(&title).map_err(|e| bad_request(e.to_string()))?;
    let description =
        Description::parse_optional(&description).map_err(|e| bad_request(e.to_string()))?;
    let due = parse_due(&due)?;
    let dir = view::Directory::load(ctx.store.as_ref()).await?;
    let assignees = parse_assignees(&assignees, &dir)?;
    let task = ctx
        .store
        .create_task(NewTask {
            title,
            description,
            priority,
            due,
            assignees,
            created_by: actor.user_id,
        })
        .await
        .map_err(|e| store_error(e, "Task"))?;
    tracing::info!(task = %task.id, "task created");
    leptos_axum::redirect(&format!("/tasks/{}", task.id));
    Ok(task.id.to_string())
}

/// Edits fields (admins). Empty description or due date clears them.
#[server(endpoint = "tasks/update")]
pub async fn update_task(
    id: String,
    version: u64,
    title: String,
    #[server(default)] description: String,
    priority: Priority,
    #[server(default)] due: String,
) -> Result<u64, ServerFnError> {
    use crate::guard::{
        bad_request, ctx, expect_version, parse_due, store_error, task_for, task_id,
    };
    use crate::session::require_user;
    use domain::{Action, Description, DueDate, TaskField, TaskPatch, TaskTitle};
    let session = require_user().await?;
    let actor = session.actor();
    let ctx = ctx()?;
    let id = task_id(&id)?;
    let current = task_for(
        ctx.store.as_ref(),
        actor,
        id,
        Action::EditField(TaskField::Title),
        1,
    )
    .await?
    .task;
    expect_version(&current, version)?;
    let title = TaskTitle::parse(&title).map_err(|e| bad_request(e.to_string()))?;
    let description =
        Description::parse_optional(&description).map_err(|e| bad_request(e.to_string()))?;
    let due = parse_due(&due)?;
    // Only what changed goes into the patch, so history and notifications
    // name exactly the fields that moved.
    let patch = TaskPatch {
        title: (title != current.title).then_some(title),
        description: (description != current.description).then_some(description),
        priority: (priority != current.priority).then_some(priority),
        due: (due != current.due).then_some(due.map(DueDate)),
    };
    if patch.is_empty() {
        return Ok(current.version);
    }
    let next = ctx
        .store
        .update_task(&current, &patch, actor.user_id)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    Ok(next.version)
}

/// Moves a task to another status: admins freely, assigned members along
/// the workflow. A stale `version` answers 409 "changed by someone else".
#[server(endpoint = "tasks/status")]
pub async fn move_task(id: String, version: u64, status: Status) -> Result<Card, ServerFnError> {
    use crate::guard::{bad_request, ctx, expect_version, store_error, task_for, task_id};
    use crate::session::require_user;
    use domain::Action;
    let session = require_user().await?;
    let actor = session.actor();
    let ctx = ctx()?;
    let id = task_id(&id)?;
    let current = task_for(ctx.store.as_ref(), actor, id, Action::ChangeStatus, 1)
        .await?
        .task;
    expect_version(&current, version)?;
    domain::check_transition(actor.role, current.status, status)
        .map_err(|e| bad_request(format!("Not allowed: {e}.")))?;
    let next = ctx
        .store
        .change_status(&current, status, actor.user_id)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    // The caller refetches its list; the reply only needs the moved card's
    // title and status, so no user directory is read on this hot path.
    Ok(view::row(&next.summary()))
}

/// Replaces the assignee set (admins); the store writes the difference.
#[server(endpoint = "tasks/assign")]
pub async fn assign_task(
    id: String,
    version: u64,
    #[server(default)] assignees: Vec<String>,
) -> Result<u64, ServerFnError> {
    use crate::guard::{ctx, expect_version, store_error, task_for, task_id};
    use crate::session::require_user;
    use domain::Action;
    let session = require_user().await?;
    let actor = session.actor();
    let ctx = ctx()?;
    let id = task_id(&id)?;
    let current = task_for(ctx.store.as_ref(), actor, id, Action::Assign, 1)
        .await?
        .task;
    expect_version(&current, version)?;
    let dir = view::Directory::load(ctx.store.as_ref()).await?;
    let wanted = parse_assignees(&assignees, &dir)?;
    let add: Vec<_> = wanted
        .iter()
        .copied()
        .filter(|u| !current.is_assigned(*u))
        .collect();
    let remove: Vec<_> = current
        .assignees
        .iter()
        .copied()
        .filter(|u| !wanted.contains(u))
        .collect();
    if add.is_empty() && remove.is_empty() {
        return Ok(current.version);
    }
    let next = ctx
        .store
        .set_assignees(&current, &add, &remove, actor.user_id)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    Ok(next.version)
}

/// Deletes a task and everything under it (admins).
#[server(endpoint = "tasks/delete")]
pub async fn delete_task(id: String, version: u64) -> Result<(), ServerFnError> {
    use crate::guard::{ctx, expect_version, store_error, task_for, task_id};
    use crate::session::require_user;
    use domain::Action;
    let session = require_user().await?;
    let ctx = ctx()?;
    let id = task_id(&id)?;
    let current = task_for(
        ctx.store.as_ref(),
        session.actor(),
        id,
        Action::DeleteTask,
        1,
    )
    .await?
    .task;
    expect_version(&current, version)?;
    ctx.store
        .delete_task(&current)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    tracing::info!(task = %id, "task deleted");
    leptos_axum::redirect("/board?deleted=1");
    Ok(())
}

/// Adds a comment (admins, and members assigned to the task).
#[server(endpoint = "tasks/comment")]
pub async fn add_comment(id: String, body: String) -> Result<(), ServerFnError> {
    use crate::guard::{bad_request, ctx, store_error, task_for, task_id};
    use crate::session::require_user;
    use domain::{Action, CommentBody};
    let session = require_user().await?;
    let actor = session.actor();
    let ctx = ctx()?;
    let id = task_id(&id)?;
    let body = CommentBody::parse(&body).map_err(|e| bad_request(e.to_string()))?;
    task_for(ctx.store.as_ref(), actor, id, Action::Comment, 1).await?;
    ctx.store
        .add_comment(id, actor.user_id, body)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    Ok(())
}

/// The signed-in user's own tasks (everyone has a "my tasks" list; for
/// members it is the whole of their work).
#[server(endpoint = "tasks/mine")]
pub async fn my_tasks(#[server(default)] after: Option<String>) -> Result<Column, ServerFnError> {
    use crate::guard::{ctx, cursor, store_error};
    use crate::session::require_user;
    use store::PageRequest;
    let session = require_user().await?;
    let ctx = ctx()?;
    let page = ctx
        .store
        .list_tasks_for_user(session.user, crate::guard::page(100, after)?)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    Ok(Column {
        // Mixed statuses; the page groups them.
        status: Status::Open,
        cards: page.items.iter().map(view::row).collect(),
        next: page.next.map(|c| c.to_string()),
    })
}
