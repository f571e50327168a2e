//! The dashboard server function.

use leptos::prelude::*;

use super::model::DashboardStats;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::ctx::{today, Ctx},
    crate::tasks::query::all_tasks,
    domain::Action,
};

/// Counts over every task (admins). Reads each status column to the end:
/// correct for any number of tasks, at one query per 500 tasks.
#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardStats, AppError> {
    let ctx = Ctx::allowed(Action::ViewDashboard).await?;
    let dir = ctx.directory().await?;
    let columns = all_tasks(ctx.store()).await?;
    Ok(super::build::stats(&columns, &dir, today()))
}
