//! What the dashboard server function returns.

use serde::{Deserialize, Serialize};

use domain::Status;

use crate::projects::ProjectView;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    /// For the board link that lists this person's work.
    pub id: String,
    pub name: String,
    pub open: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub total: u32,
    pub by_status: Vec<(Status, u32)>,
    pub overdue: u32,
    pub due_this_week: u32,
    pub unassigned_open: u32,
    /// Team-wide (assignee counters are not kept per project), the
    /// busiest [`super::build::WORKLOAD_ROWS`] people.
    pub workload: Vec<Workload>,
    /// People with open tasks beyond those in `workload`.
    #[serde(default)]
    pub more_people: u32,
    /// The project these figures are for, or `None` for every project.
    #[serde(default)]
    pub project: Option<ProjectView>,
    /// The projects to choose from.
    #[serde(default)]
    pub projects: Vec<ProjectView>,
}
