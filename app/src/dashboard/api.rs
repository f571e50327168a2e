//! The dashboard server function.

use leptos::prelude::*;

use super::model::DashboardStats;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::ctx::{today, Ctx},
    crate::paging::all_pages,
    crate::team::query::Directory,
    domain::{agenda::due_soon_through, Action},
};

/// Counts over every task (admins), from the counters every task write
/// keeps and the open-by-due index up to the end of "due soon": one Query
/// for the people and counters, one per 500 open tasks due by then, so the
/// cost follows the team and the urgent work, not the number of tasks.
#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardStats, AppError> {
    let ctx = Ctx::allowed(Action::ViewDashboard).await?;
    let today = today();
    let store = ctx.store();
    let (people, counters) = store.people_and_counters().await?;
    // Strictly before the day after the last "due soon" day.
    let end = due_soon_through(today)
        .next_day()
        .unwrap_or(time::Date::MAX);
    let urgent = all_pages(|p| store.list_open_tasks_due_before(end, p)).await?;
    Ok(super::build::stats(
        &counters,
        &urgent,
        &Directory::of(people),
        today,
    ))
}
