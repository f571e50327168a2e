//! The profile view model from a stored profile.

use domain::{EventKind, UserProfile};

use super::model::Profile;
use crate::team::build::person;

pub fn profile(p: &UserProfile) -> Profile {
    Profile {
        person: person(p),
        version: p.version,
        prefs: EventKind::ALL
            .iter()
            .map(|k| {
                let e = p.prefs.get(*k);
                (*k, e.email, e.in_app)
            })
            .collect(),
    }
}
