//! What task server functions return: display-ready values computed on the
//! server, so the browser bundle needs no date formatting and no user
//! directory, and a member's view never contains data they may not see.

use serde::{Deserialize, Serialize};

use domain::{Priority, Role, Status};

use crate::labels::LabelView;
use crate::projects::ProjectView;
use crate::team::Person;

/// A board card or list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    /// `YYYY-MM-DD`, or `None` when the task has no due date.
    pub due: Option<String>,
    pub overdue: bool,
    /// Display names; empty for members' rows, which come from their own
    /// assignment copies.
    pub assignees: Vec<String>,
    pub version: u64,
    /// Checklist items done and in all, when the task has a checklist.
    #[serde(default)]
    pub progress: Option<(u16, u16)>,
    #[serde(default)]
    pub recurring: bool,
    #[serde(default)]
    pub labels: Vec<LabelView>,
    /// The task's project, by name.
    #[serde(default)]
    pub project: String,
}

/// Board filters, as they appear in the URL of the board page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardQuery {
    /// Words that must all be found in the title or a label's name
    /// (`domain::search`).
    #[serde(default)]
    pub q: String,
    /// A user id (links from the home page), or part of a name or email,
    /// or empty for everyone.
    #[serde(default)]
    pub assignee: String,
    /// A priority wire name, or empty.
    #[serde(default)]
    pub priority: String,
    /// `overdue`, `week` (due within seven days) or empty.
    #[serde(default)]
    pub due: String,
    /// A label id, or empty for any.
    #[serde(default)]
    pub label: String,
    /// A project id, or empty for every project.
    #[serde(default)]
    pub project: String,
    /// `due` (default), `priority`, `title` or `updated`.
    #[serde(default)]
    pub sort: String,
    /// Without JavaScript, "load more" is a link: it shows column `col`
    /// from cursor `after` (the other columns from their start).
    #[serde(default)]
    pub col: String,
    #[serde(default)]
    pub after: String,
}

/// One column page. `next` continues this column with the same filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub status: Status,
    pub cards: Vec<Card>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardView {
    pub is_admin: bool,
    pub columns: Vec<Column>,
    /// What the assignee filter shows: the person's name for an id, else
    /// the text typed. The filter is typed, not picked from a list, so a
    /// board does not carry the whole team (250 KB at 2,000 people).
    pub assignee: String,
    /// Every label, for the label filter.
    pub labels: Vec<LabelView>,
    /// The projects to switch between (active ones; admins only).
    pub projects: Vec<ProjectView>,
    /// The project this board shows, or `None` for all of them.
    pub project: Option<ProjectView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: String,
    pub author: String,
    /// The body as written, cut where it mentions someone it notified.
    pub parts: Vec<CommentPart>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentPart {
    pub text: String,
    pub mention: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub version: u64,
    pub actor: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub priority: Priority,
    pub due: Option<String>,
    pub overdue: bool,
    pub assignees: Vec<Person>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
    /// Whether the viewer may edit fields, assign and delete (admins).
    pub can_edit: bool,
    /// The statuses the viewer may move this task to right now.
    pub moves: Vec<Status>,
    pub comments: Vec<CommentView>,
    pub comments_next: Option<String>,
    pub activity: Vec<ActivityView>,
    pub activity_next: Option<String>,
    /// Whom the assignee form offers (admins only).
    pub people: crate::team::Picker,
    pub checklist: Vec<CheckView>,
    pub repeat: Option<RepeatView>,
    pub labels: Vec<LabelView>,
    /// Every label, for the edit form (admins only).
    pub all_labels: Vec<LabelView>,
    pub project: ProjectView,
    /// The projects the task may move to (admins only).
    pub projects: Vec<ProjectView>,
    /// The occurrence finishing this one created, if it repeats.
    pub next_occurrence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    pub text: String,
    pub done: bool,
}

/// A repeat rule as the forms show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatView {
    /// A `RepeatUnit` wire name.
    pub unit: String,
    pub every: u16,
    /// Chosen weekdays, Monday = 0 (weekly repeats).
    pub weekdays: Vec<u8>,
    /// "Every 2 weeks on Mon, Thu".
    pub text: String,
}

/// The statuses `role` may move a task in `from` to, in board order.
pub fn moves_for(role: Role, from: Status) -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|to| domain::check_transition(role, from, *to).is_ok())
        .collect()
}
