//! What team server functions return.

use serde::{Deserialize, Serialize};

use domain::Role;

/// A person as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// What an assignee picker offers: a checkbox per person in `people`, and,
/// when the team is too large to list, a field to add people by name or
/// email (`add_people`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picker {
    pub people: Vec<Person>,
    pub by_name: bool,
}

/// Past this many active people a picker lists only the current assignees:
/// a page then weighs the same at 2,000 people as at 20, and a list that
/// long is no way to find someone anyway.
pub const PICKER_LISTS_ALL: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub person: Person,
    pub version: u64,
    pub is_me: bool,
    pub active: bool,
    /// Why no email reaches this person (`bounce`, `complaint`), if SES
    /// reported their address.
    pub mail_suppressed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<TeamMember>,
    pub next: Option<String>,
    /// How many active admins there are, so the page can show the last-admin
    /// guard instead of letting someone discover it by failing.
    pub admins: u32,
}
