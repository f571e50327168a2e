//! What profile server functions return, and the names of the
//! preference checkboxes both sides agree on.

use serde::{Deserialize, Serialize};

use domain::EventKind;

use crate::team::Person;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub person: Person,
    pub version: u64,
    /// (kind, email, in-app) for every event kind, in a fixed order.
    pub prefs: Vec<(EventKind, bool, bool)>,
    /// The calendar feed, if the person has one.
    pub calendar: Option<CalendarFeedView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeedView {
    pub all_tasks: bool,
    pub created_at: String,
    /// Only right after it was made: the token is not kept, so the URL
    /// cannot be shown again (regenerating makes a new one).
    pub url: Option<String>,
}

/// The form field for one preference, e.g. `ASSIGNED_email`.
pub fn pref_field(kind: EventKind, channel: &str) -> String {
    format!("{}_{channel}", kind.as_str())
}

pub fn event_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Assigned => "A task is assigned to me",
        EventKind::Unassigned => "I am unassigned from a task",
        EventKind::StatusChanged => "A task of mine changes status",
        EventKind::Commented => "Someone comments on a task of mine",
        EventKind::Mentioned => "Someone mentions me (@handle) in a comment",
        EventKind::DueSoon => "A task of mine is due soon",
        EventKind::Overdue => "A task of mine is overdue",
    }
}
