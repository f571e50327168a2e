//! Task server functions.

use leptos::prelude::*;

use domain::{Priority, Status};

use super::model::{BoardQuery, BoardView, Card, Column, TaskView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::{build, query},
    crate::ctx::{today, user_id, Ctx},
    crate::paging::{cursor, next, page},
    crate::team::query::Directory,
    domain::{
        Action, AssigneeChange, Checklist, CommentBody, Description, NewTask, RepeatRule, TaskEdit,
        TaskField, TaskPatch, TaskTitle, UserId,
    },
    store::PageRequest,
};

/// The board: one page of every column for the signed-in user. Admins see
/// every task; members see the tasks assigned to them.
#[server(endpoint = "tasks/board")]
pub async fn board(#[server(default)] query: BoardQuery) -> Result<BoardView, AppError> {
    let ctx = Ctx::load().await?;
    let mut filter = query::Filter::parse(&query)?;
    let (cat, dir) = ctx.catalog_and_directory().await?;
    let assignee = filter.resolve(&dir, &cat);
    let project = match filter.project {
        Some(p) => Some(cat.projects.get(p).ok_or_else(project_not_found)?),
        None => None,
    };
    // The columns are independent reads: concurrently, a board waits for
    // the slowest column rather than for the sum of them.
    let columns = futures::future::try_join_all(Status::ALL.iter().map(|s| {
        let after = (query.col == s.as_str()).then(|| query.after.clone());
        query::column(&ctx, (&dir, &cat), *s, &filter, after)
    }))
    .await?;
    Ok(BoardView {
        is_admin: ctx.is_admin(),
        columns,
        assignee,
        labels: cat.labels.all(),
        projects: if ctx.is_admin() {
            cat.projects.pickable(filter.project)
        } else {
            Vec::new()
        },
        project: project.map(crate::projects::query::view),
    })
}

/// The next page of one column ("load more").
#[server(endpoint = "tasks/column")]
pub async fn board_column(
    status: Status,
    #[server(default)] query: BoardQuery,
    after: String,
) -> Result<Column, AppError> {
    let ctx = Ctx::load().await?;
    let mut filter = query::Filter::parse(&query)?;
    let (cat, dir) = ctx.catalog_and_directory().await?;
    filter.resolve(&dir, &cat);
    query::column(&ctx, (&dir, &cat), status, &filter, Some(after)).await
}

/// A task with its assignees, newest comments and history.
#[server(endpoint = "tasks/get")]
pub async fn task_detail(
    id: String,
    #[server(default)] comments_after: Option<String>,
    #[server(default)] activity_after: Option<String>,
) -> Result<TaskView, AppError> {
    const PAGE: u32 = 20;
    let ctx = Ctx::load().await?;
    let detail = ctx.task_detail(&id, Action::ReadTask, PAGE).await?;
    let (store, id) = (ctx.store(), detail.task.id);
    let comments = match cursor(comments_after)? {
        None => detail.comments,
        Some(c) => store.list_comments(id, PageRequest::after(PAGE, c)).await?,
    };
    let activity = store.list_activity(id, page(PAGE, activity_after)?).await?;
    let (cat, dir) = ctx.catalog_and_directory().await?;
    let t = &detail.task;
    let view = build::task_view(t, ctx.actor, (&dir, &cat), &comments, &activity, today());
    Ok(view)
}

/// Creates a task with its assignees in one transaction (admins), in
/// `status` (a board column's quick-add) or OPEN. The browser goes to the new
/// task, or back to `back` (the board it was added from) when that is a path
/// on this site.
// The arguments are the task form's fields: a form post is flat names.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "tasks/create")]
pub async fn create_task(
    title: String,
    #[server(default)] description: String,
    priority: Priority,
    #[server(default)] due: String,
    #[server(default)] assignees: Vec<String>,
    #[server(default)] status: Option<Status>,
    #[server(default)] back: String,
    #[server(default)] checklist: String,
    #[server(default)] repeat: String,
    #[server(default)] every: String,
    #[server(default)] weekdays: Vec<u8>,
    #[server(default)] labels: Vec<String>,
    #[server(default)] project: String,
    #[server(default)] add_people: String,
) -> Result<String, AppError> {
    let ctx = Ctx::allowed(Action::CreateTask).await?;
    let due = domain::parse_due(&due)?;
    let rule = repeat_rule(&repeat, &every, &weekdays, due)?;
    let (labels, project) = ctx
        .labels_and_project_from_form(&labels, &project, None)
        .await?;
    let new = NewTask {
        project,
        title: TaskTitle::parse(&title)?,
        description: Description::parse_optional(&description)?,
        priority,
        due,
        assignees: assignees_from_form(&assignees, &add_people, &ctx).await?,
        created_by: ctx.me(),
        status: status.unwrap_or(Status::Open),
        checklist: Checklist::from_lines(&checklist, &Checklist::default())?,
        recurrence: due.zip(rule).map(|(d, r)| r.starting(d)),
        labels,
    };
    let task = ctx.store.create_task(new).await?;
    tracing::info!(task = %task.id, status = %task.status.as_str(), "task created");
    leptos_axum::redirect(&match back.as_str() {
        "" => format!("/tasks/{}", task.id),
        back => crate::account::safe_next(back),
    });
    Ok(task.id.to_string())
}

/// Edits fields (admins). Empty description or due date clears them.
// The arguments are the task form's fields: a form post is flat names.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "tasks/update")]
pub async fn update_task(
    id: String,
    version: u64,
    title: String,
    #[server(default)] description: String,
    priority: Priority,
    #[server(default)] due: String,
    #[server(default)] checklist: String,
    #[server(default)] repeat: String,
    #[server(default)] every: String,
    #[server(default)] weekdays: Vec<u8>,
    #[server(default)] labels: Vec<String>,
    #[server(default)] project: String,
) -> Result<u64, AppError> {
    let ctx = Ctx::load().await?;
    let edit_fields = Action::EditField(TaskField::Title);
    let current = ctx.task_for_edit(&id, version, edit_fields).await?;
    let due = domain::parse_due(&due)?;
    let (labels, project) = ctx
        .labels_and_project_from_form(&labels, &project, Some(current.project))
        .await?;
    let edit = TaskEdit {
        project,
        title: TaskTitle::parse(&title)?,
        description: Description::parse_optional(&description)?,
        priority,
        due,
        checklist: Checklist::from_lines(&checklist, &current.checklist)?,
        repeat: repeat_rule(&repeat, &every, &weekdays, due)?,
        labels,
    };
    let patch = TaskPatch::between(&current, edit);
    if patch.is_empty() {
        return Ok(current.version);
    }
    let next = ctx.store().update_task(&current, &patch, ctx.me()).await?;
    Ok(next.version)
}

/// Moves a task to another status: admins freely, assigned members along
/// the workflow. A stale `version` answers 409 "changed by someone else".
#[server(endpoint = "tasks/status")]
pub async fn move_task(id: String, version: u64, status: Status) -> Result<Card, AppError> {
    let ctx = Ctx::load().await?;
    let current = ctx
        .task_for_edit(&id, version, Action::ChangeStatus)
        .await?;
    domain::check_transition(ctx.actor.role, current.status, status)?;
    let next = ctx.store.change_status(&current, status, ctx.me()).await?;
    // The caller refetches its list; the reply only needs the moved card's
    // title and status, so no user directory is read on this hot path.
    Ok(build::row(&next.summary(), today()))
}

/// Whom the new-task form offers as assignees (admins): the picker for a
/// task with none yet, from the cached directory.
#[server(endpoint = "tasks/assignable")]
pub async fn assignable() -> Result<crate::team::Picker, AppError> {
    let ctx = Ctx::allowed(Action::CreateTask).await?;
    Ok(ctx.directory().await?.picker(&[]))
}

/// Replaces the assignee set (admins) with the ticked people and those
/// typed in `add_people`; the store writes the difference.
#[server(endpoint = "tasks/assign")]
pub async fn assign_task(
    id: String,
    version: u64,
    #[server(default)] assignees: Vec<String>,
    #[server(default)] add_people: String,
) -> Result<u64, AppError> {
    let ctx = Ctx::load().await?;
    let current = ctx.task_for_edit(&id, version, Action::Assign).await?;
    let wanted = assignees_from_form(&assignees, &add_people, &ctx).await?;
    let change = AssigneeChange::between(&current.assignees, &wanted);
    if change.is_empty() {
        return Ok(current.version);
    }
    let (add, remove) = (&change.add, &change.remove);
    let next = ctx
        .store
        .set_assignees(&current, add, remove, ctx.me())
        .await?;
    Ok(next.version)
}

/// Ticks or unticks checklist item `index` (admins, and members assigned to
/// the task). A stale `version` answers 409, so two people ticking at once
/// never lose a tick.
#[server(endpoint = "tasks/check")]
pub async fn tick_check(
    id: String,
    version: u64,
    index: usize,
    done: bool,
) -> Result<u64, AppError> {
    let ctx = Ctx::load().await?;
    let current = ctx
        .task_for_edit(&id, version, Action::TickChecklist)
        .await?;
    let checklist = current.checklist.ticked(index, done);
    let checklist =
        checklist.ok_or_else(|| AppError::invalid("That checklist item does not exist."))?;
    if checklist == current.checklist {
        return Ok(current.version);
    }
    let patch = TaskPatch {
        checklist: Some(checklist),
        ..TaskPatch::default()
    };
    let next = ctx.store.update_task(&current, &patch, ctx.me()).await?;
    Ok(next.version)
}

/// Deletes a task and everything under it (admins).
#[server(endpoint = "tasks/delete")]
pub async fn delete_task(id: String, version: u64) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let current = ctx.task_for_edit(&id, version, Action::DeleteTask).await?;
    ctx.store.delete_task(&current).await?;
    tracing::info!(task = %current.id, "task deleted");
    leptos_axum::redirect("/board?deleted=1");
    Ok(())
}

/// Adds a comment (admins, and members assigned to the task).
#[server(endpoint = "tasks/comment")]
pub async fn add_comment(id: String, body: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let body = CommentBody::parse(&body)?;
    let task = ctx.task(&id, Action::Comment).await?;
    let mentions = mentions(&ctx, &task, &body).await?;
    ctx.store
        .add_comment(task.id, ctx.me(), body, mentions)
        .await?;
    Ok(())
}

/// Whom `body` mentions: each `@handle` that belongs to exactly one person
/// on the team, if that person is active and may see `task` (an admin, or
/// assigned to it). Reads the whole directory, but only for comments that
/// contain a handle at all.
#[cfg(feature = "ssr")]
async fn mentions(
    ctx: &Ctx,
    task: &domain::Task,
    body: &CommentBody,
) -> Result<Vec<UserId>, AppError> {
    if domain::mention::mentions_in(body.as_str()).is_empty() {
        return Ok(Vec::new());
    }
    let dir = ctx.directory().await?;
    let people: Vec<(String, UserId, bool)> = dir
        .all()
        .filter_map(|p| {
            let handle = domain::mention::handle_of(&p.email)?;
            let visible = p.active && (p.role == domain::Role::Admin || task.is_assigned(p.id));
            Some((handle, p.id, visible))
        })
        .collect();
    Ok(domain::mention::resolve(body.as_str(), &people))
}

/// The signed-in user's own tasks (everyone has a "my tasks" list; for
/// members it is the whole of their work).
#[server(endpoint = "tasks/mine")]
pub async fn my_tasks(#[server(default)] after: Option<String>) -> Result<Column, AppError> {
    let ctx = Ctx::load().await?;
    let page = ctx
        .store
        .list_tasks_for_user(ctx.me(), page(100, after)?)
        .await?;
    let cat = ctx.catalog().await?;
    let mut cards: Vec<(String, Card)> = page
        .items
        .iter()
        .map(|t| {
            let mut c = build::row(t, today());
            c.project = cat.projects.name(t.project);
            c.labels = cat.labels.of(&t.labels);
            (cat.projects.sort_key(t.project), c)
        })
        .collect();
    // Grouped by project (the default one first, then by name), each in
    // board order of status.
    cards.sort_by(|(a, x), (b, y)| (a, x.status).cmp(&(b, y.status)));
    Ok(Column {
        // Mixed statuses; the page groups them.
        status: Status::Open,
        cards: cards.into_iter().map(|(_, c)| c).collect(),
        next: next(&page),
    })
}

#[cfg(feature = "ssr")]
fn project_not_found() -> AppError {
    AppError::NotFound("Project not found.".into())
}

/// The repeat fields of a task form; a repeating task needs a due date.
#[cfg(feature = "ssr")]
fn repeat_rule(
    unit: &str,
    every: &str,
    weekdays: &[u8],
    due: Option<time::Date>,
) -> Result<Option<RepeatRule>, AppError> {
    let rule = RepeatRule::from_form(unit, every, weekdays)?;
    domain::check_recurrence(due, rule)?;
    Ok(rule)
}

/// The assignees of a form: the ticked ids and the people typed in its
/// name field ([`Directory::typed_assignees`]), each existing and active
/// (the rules are `domain::check_assignees`). No directory read for a form
/// without assignees. A refusal by the cached directory is checked again
/// against a fresh listing: the copy may have been read from the people
/// index a moment before it showed someone who just joined.
#[cfg(feature = "ssr")]
async fn assignees_from_form(
    raw: &[String],
    typed: &str,
    ctx: &Ctx,
) -> Result<Vec<UserId>, AppError> {
    let ids = raw
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| user_id(r))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() && typed.trim().is_empty() {
        return Ok(ids);
    }
    let resolve = |dir: &Directory| -> Result<Vec<UserId>, AppError> {
        let mut wanted = ids.clone();
        wanted.extend(dir.typed_assignees(typed)?);
        Ok(domain::check_assignees(&wanted, |id| dir.get(id))?)
    };
    match resolve(ctx.directory().await?.as_ref()) {
        Ok(ids) => Ok(ids),
        Err(_) => resolve(&Directory::load(ctx.store()).await?),
    }
}
