//! The dashboard server function.

use leptos::prelude::*;

use super::model::DashboardStats;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::ctx::{today, Ctx},
    crate::paging::all_pages,
    domain::{agenda::due_soon_through, Action},
};

/// Counts over every task (admins), from the counters every task write
/// keeps and the open-by-due index up to the end of "due soon": one Query
/// for the counters and projects, one per 500 open tasks due by then, and
/// the people from the cached directory (listed again only when someone
/// changed), so the cost follows the urgent work, not the number of tasks
/// or people.
///
/// With `project`, the figures are that project's (same reads: the
/// counters are kept per project too, and the projects' names come with
/// them).
#[server(endpoint = "dashboard")]
pub async fn dashboard(#[server(default)] project: String) -> Result<DashboardStats, AppError> {
    let ctx = Ctx::allowed(Action::ViewDashboard).await?;
    let project = match project.trim() {
        "" => None,
        raw => Some(crate::projects::query::project_id(raw)?),
    };
    let today = today();
    let store = ctx.store();
    let overview = store.overview().await?;
    ctx.saw_directory_version(overview.directory_version);
    let dir = ctx.directory().await?;
    let projects = crate::projects::query::Projects::new(overview.projects);
    let scope = match project {
        Some(p) => Some(
            projects
                .get(p)
                .ok_or_else(|| AppError::NotFound("Project not found.".into()))?,
        ),
        None => None,
    };
    // Strictly before the day after the last "due soon" day.
    let end = due_soon_through(today)
        .next_day()
        .unwrap_or(time::Date::MAX);
    let urgent = all_pages(|p| store.list_open_tasks_due_before(end, p)).await?;
    let mut stats = super::build::stats(&overview.counters, &urgent, &dir, today, project);
    stats.project = scope.map(crate::projects::query::view);
    stats.projects = projects.pickable(project);
    Ok(stats)
}
