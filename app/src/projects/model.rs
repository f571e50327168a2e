//! Projects as pages show them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub archived: bool,
    pub version: u64,
}

/// A project on the projects page, with its task counts (from counters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRow {
    pub project: ProjectView,
    pub open: u32,
    pub done: u32,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectsView {
    /// Active projects first (the default one leading), then archived ones.
    pub rows: Vec<ProjectRow>,
}
