//! The server side of every task, team and profile server function: how a
//! request becomes an authorised actor, and how a refusal or a storage
//! error becomes a clear status and message.
//!
//! Server functions stay thin by calling these: parse, authorise through
//! `domain::authorize`, call the store, map the error. Nothing here knows
//! about pages.

use http::StatusCode;
use leptos::prelude::*;
use time::OffsetDateTime;

use domain::{Action, Actor, Denied, Task, TaskId, TaskRelation, UserId};
use store::{PageRequest, Store, StoreError};

use crate::session::{require_user, set_status, Session};
use crate::ssr::ServerContext;

/// The message a member gets for a task they may not see, identical to the
/// one for a task that does not exist.
pub const TASK_NOT_FOUND: &str = "Task not found.";
pub const CONFLICT: &str =
    "This task was changed by someone else. It has been reloaded: check it and try again.";

pub fn ctx() -> Result<ServerContext, ServerFnError> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("server function called without a ServerContext");
        fail(StatusCode::INTERNAL_SERVER_ERROR, "Server misconfigured.")
    })
}

/// An error for the user, with its HTTP status for API clients.
pub fn fail(status: StatusCode, msg: impl Into<String>) -> ServerFnError {
    set_status(status);
    ServerFnError::new(msg.into())
}

pub fn bad_request(msg: impl Into<String>) -> ServerFnError {
    fail(StatusCode::BAD_REQUEST, msg)
}

pub fn denied(d: Denied) -> ServerFnError {
    match d {
        Denied::NotFound => fail(StatusCode::NOT_FOUND, TASK_NOT_FOUND),
        Denied::Forbidden => fail(StatusCode::FORBIDDEN, "You are not allowed to do that."),
    }
}

/// Maps a storage error; `what` names the thing for a 404.
pub fn store_error(e: StoreError, what: &str) -> ServerFnError {
    match e {
        StoreError::NotFound => fail(StatusCode::NOT_FOUND, format!("{what} not found.")),
        StoreError::Conflict => fail(StatusCode::CONFLICT, CONFLICT),
        StoreError::AlreadyExists => fail(StatusCode::CONFLICT, format!("{what} already exists.")),
        StoreError::InvalidCursor => bad_request("That page link is not valid any more."),
        StoreError::LastAdmin => fail(
            StatusCode::CONFLICT,
            "The last admin cannot be demoted: promote someone else first.",
        ),
        StoreError::Internal(detail) => {
            tracing::error!(error = %detail, "storage failure");
            fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
        }
    }
}

/// The signed-in user, authorised for an action that is not about a task.
pub async fn actor_for(action: Action) -> Result<(Session, Actor), ServerFnError> {
    let session = require_user().await?;
    let actor = session.actor();
    domain::authorize(actor, action, TaskRelation::NoTask).map_err(denied)?;
    Ok((session, actor))
}

/// Parses a task id from a form or URL; garbage reads as "not found" so it
/// tells nothing a well-formed id would not.
pub fn task_id(raw: &str) -> Result<TaskId, ServerFnError> {
    TaskId::parse(raw.trim()).map_err(|_| fail(StatusCode::NOT_FOUND, TASK_NOT_FOUND))
}

pub fn user_id(raw: &str) -> Result<UserId, ServerFnError> {
    UserId::parse(raw.trim()).map_err(|_| bad_request("Unknown user."))
}

pub fn relation(actor: Actor, task: &Task) -> TaskRelation {
    if task.is_assigned(actor.user_id) {
        TaskRelation::Assignee
    } else {
        TaskRelation::NotAssignee
    }
}

/// Reads a task and authorises `action` on it. A member who is not assigned
/// gets exactly what a missing task gives: 404 with the same message.
pub async fn task_for(
    store: &dyn Store,
    actor: Actor,
    id: TaskId,
    action: Action,
    comments: u32,
) -> Result<store::TaskDetail, ServerFnError> {
    let detail = store
        .get_task(id, comments)
        .await
        .map_err(|e| store_error(e, "Task"))?;
    domain::authorize(actor, action, relation(actor, &detail.task)).map_err(denied)?;
    Ok(detail)
}

/// The version the form was rendered from; a missing or garbled one is a
/// bad request, a stale one a 409 from the store.
pub fn expect_version(task: &Task, version: u64) -> Result<(), ServerFnError> {
    if task.version != version {
        return Err(fail(StatusCode::CONFLICT, CONFLICT));
    }
    Ok(())
}

/// Reads every page of a list; for screens that must count everything
/// (dashboard, CSV), never for interactive lists.
pub async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, StoreError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<store::Page<T>, StoreError>>,
{
    let mut out = Vec::new();
    let mut req = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let page = fetch(req).await?;
        out.extend(page.items);
        match page.next {
            Some(c) => req = PageRequest::after(PageRequest::MAX_LIMIT, c),
            None => return Ok(out),
        }
    }
}

pub fn cursor(raw: Option<String>) -> Result<Option<store::Cursor>, ServerFnError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        // The store authenticates and checks cursors when it decodes them.
        Some(s) if s.len() <= 2048 => Ok(Some(store::Cursor::from_string(s))),
        Some(_) => Err(bad_request("That page link is not valid any more.")),
    }
}

/// The page a list server function was asked for: `limit` items after the
/// cursor in `after` (absent or empty: the first page).
pub fn page(limit: u32, after: Option<String>) -> Result<PageRequest, ServerFnError> {
    Ok(PageRequest {
        limit,
        after: cursor(after)?,
    })
}

pub fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

/// Timestamps as people read them; UTC, because the server does not know
/// the reader's zone and a wrong local time is worse than a labelled one.
pub fn when(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

pub fn date_text(d: time::Date) -> String {
    store::keys::date_text(d)
}

/// `YYYY-MM-DD` from a date input; empty means "no date".
pub fn parse_due(raw: &str) -> Result<Option<time::Date>, ServerFnError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &fmt)
        .map(Some)
        .map_err(|_| bad_request("The due date must be a date like 2026-12-31."))
}
