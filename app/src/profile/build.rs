//! The profile view model from a stored profile.

use domain::{EventKind, UserProfile};

use super::model::{CalendarFeedView, Profile};
use crate::team::build::person;

/// The profile view; `url` is the feed's URL when the caller just made it.
pub fn profile(p: &UserProfile, url: Option<String>) -> Profile {
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
        calendar: p.calendar_feed.as_ref().map(|f| CalendarFeedView {
            all_tasks: f.all_tasks,
            created_at: crate::format::when(f.created_at),
            url,
        }),
    }
}
