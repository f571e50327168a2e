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
