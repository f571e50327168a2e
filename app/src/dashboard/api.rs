//! The dashboard server function.

use leptos::prelude::*;

use super::model::DashboardStats;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::ctx::{today, Ctx},
    domain::Action,
};

/// Counts over every task (admins), all from the counters every task write
/// keeps: one Query reads them with the projects and the directory's
/// version, and the people come from the cached directory (listed again
/// only when someone changed). Nothing here grows with the number of
/// tasks: overdue and due-soon are sums of per-day counters, as many as
/// there are distinct open due dates.
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
    let mut stats = super::build::stats(&overview.counters, &dir, today(), project);
    stats.project = scope.map(crate::projects::query::view);
    stats.projects = projects.pickable(project);
    Ok(stats)
}
