//! The home page's lists: one bounded, indexed query each, run together.

use domain::agenda::{due_soon_through, newly_assigned_since};
use domain::{Action, Task, TaskRelation, TaskSummary};
use store::{Page, PageRequest};
use time::{Date, OffsetDateTime};

use super::model::LIST_LIMIT;
use crate::ctx::Ctx;
use crate::error::AppError;

/// The caller's lists, each up to one row more than is shown.
pub struct Lists {
    pub overdue: Page<TaskSummary>,
    pub due_soon: Page<TaskSummary>,
    pub newly_assigned: Page<TaskSummary>,
    /// Only for those who may see tasks that are not theirs (admins).
    pub unassigned: Option<Page<Task>>,
}

pub async fn lists(ctx: &Ctx, today: Date, now: OffsetDateTime) -> Result<Lists, AppError> {
    let (store, me) = (ctx.store(), ctx.me());
    let page = || PageRequest::first(LIST_LIMIT as u32 + 1);
    let soon_through = due_soon_through(today);
    let soon_end = soon_through.next_day().unwrap_or(soon_through);
    let sees_all =
        domain::authorize(ctx.actor, Action::ReadTask, TaskRelation::NotAssignee).is_ok();
    let (overdue, due_soon, newly_assigned, unassigned) = tokio::try_join!(
        store.list_open_assigned_due(me, None, today, page()),
        store.list_open_assigned_due(me, Some(today), soon_end, page()),
        store.list_newly_assigned(me, newly_assigned_since(now), page()),
        async {
            if sees_all {
                store.list_unassigned_open_tasks(page()).await.map(Some)
            } else {
                Ok(None)
            }
        },
    )?;
    Ok(Lists {
        overdue,
        due_soon,
        newly_assigned,
        unassigned,
    })
}
