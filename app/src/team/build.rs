//! Team view models from profiles.

use domain::{UserId, UserProfile};

use super::model::{Person, TeamMember};

pub fn person(u: &UserProfile) -> Person {
    Person {
        id: u.id.to_string(),
        name: u.display_name.as_str().to_owned(),
        email: u.email.as_str().to_owned(),
        role: u.role,
    }
}

/// A row of the Team page, as `me` sees it.
pub fn member(u: &UserProfile, me: UserId) -> TeamMember {
    TeamMember {
        person: person(u),
        version: u.version,
        is_me: u.id == me,
        active: u.active,
        mail_suppressed: u.mail_suppressed.map(|m| m.reason.as_str().to_owned()),
    }
}
