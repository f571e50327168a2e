//! What the dashboard server function returns.

use serde::{Deserialize, Serialize};

use domain::Status;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub name: String,
    pub open: u32,
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub total: u32,
    pub by_status: Vec<(Status, u32)>,
    pub overdue: u32,
    pub due_this_week: u32,
    pub unassigned_open: u32,
    pub workload: Vec<Workload>,
}
