//! What the home server function returns.

use serde::{Deserialize, Serialize};

use domain::{Priority, Status};

/// Rows shown per list; a longer list links to where all of it is.
pub const LIST_LIMIT: usize = 20;

/// One task in a list, as its reader needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Days from today to the due date; negative when overdue.
    pub due_in: Option<i64>,
    /// Days since the reader was assigned (the "newly assigned" list).
    pub assigned_ago: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List {
    pub rows: Vec<Row>,
    /// More rows exist than [`LIST_LIMIT`].
    pub more: bool,
}

/// A signed-in person's work. Dates are UTC, like the rest of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agenda {
    pub user_id: String,
    pub name: String,
    pub today: String,
    /// The last day "due soon" covers.
    pub soon_through: String,
    pub overdue: List,
    pub due_soon: List,
    pub newly_assigned: List,
    /// Open tasks nobody is assigned to; only for people who may see tasks
    /// that are not theirs (admins).
    pub unassigned: Option<List>,
}
