//! Reads of the whole team: the directory every view names people from,
//! and the count the last-admin guard needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{Role, UserId, UserProfile};
use store::{Page, Store};

use super::build::person;
use super::model::{Person, Picker, PICKER_LISTS_ALL};
use crate::error::AppError;

/// Everyone, by id (see [`DirectoryCache`] for how often it is read).
pub struct Directory(HashMap<UserId, UserProfile>);

impl Directory {
    pub async fn load(store: &dyn Store) -> Result<Directory, AppError> {
        Ok(Directory::of(store.everyone().await?))
    }

    pub fn of(users: Vec<UserProfile>) -> Directory {
        Directory(users.into_iter().map(|u| (u.id, u)).collect())
    }

    pub fn get(&self, id: UserId) -> Option<&UserProfile> {
        self.0.get(&id)
    }

    /// Everyone, deactivated people included, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &UserProfile> {
        self.0.values()
    }

    /// A display name; people removed from the store still get one, since
    /// their name stays on what they did.
    pub fn name(&self, id: UserId) -> String {
        self.0
            .get(&id)
            .map(|u| u.display_name.as_str().to_owned())
            .unwrap_or_else(|| "A former member".to_owned())
    }

    pub fn person(&self, id: UserId) -> Person {
        match self.0.get(&id) {
            Some(u) => person(u),
            None => Person {
                id: id.to_string(),
                name: "A former member".into(),
                email: String::new(),
                role: Role::Member,
            },
        }
    }

    /// Whom tasks can be assigned to: deactivated people are left out.
    pub fn everyone(&self) -> Vec<Person> {
        let mut v: Vec<Person> = self.0.values().filter(|u| u.active).map(person).collect();
        v.sort_by_key(|p| p.name.to_lowercase());
        v
    }

    /// People whose name or email contains `text` in any case, deactivated
    /// people too (the board's assignee filter still finds their tasks).
    pub fn matching<'a>(&'a self, text: &str) -> impl Iterator<Item = &'a UserProfile> + 'a {
        let wanted = text.to_lowercase();
        self.0.values().filter(move |u| {
            u.display_name.as_str().to_lowercase().contains(&wanted)
                || u.email.as_str().contains(&wanted)
        })
    }

    /// An assignee picker for a task assigned to `assigned`: everyone active
    /// while the team is small, else the assignees and a field for names.
    pub fn picker(&self, assigned: &[UserId]) -> Picker {
        let active = self.0.values().filter(|u| u.active).count();
        if active <= PICKER_LISTS_ALL {
            return Picker {
                people: self.everyone(),
                by_name: false,
            };
        }
        // Active ones, as on a small team's list: a deactivated assignee
        // cannot be ticked again, so saving lets them go.
        let mut people: Vec<Person> = assigned
            .iter()
            .filter_map(|u| self.get(*u))
            .filter(|u| u.active)
            .map(person)
            .collect();
        people.sort_by_key(|p| p.name.to_lowercase());
        Picker {
            people,
            by_name: true,
        }
    }

    /// The people an admin typed in a picker's name field, separated by
    /// commas: each an active person's exact email or name, else the one
    /// active person whose name or email contains it. None, or several, is
    /// a 400 that names the term (and, for several, a few of them).
    pub fn typed_assignees(&self, typed: &str) -> Result<Vec<UserId>, AppError> {
        const MAX_TYPED: usize = 500;
        if typed.len() > MAX_TYPED {
            return Err(AppError::invalid("Too many names to add at once."));
        }
        let mut ids = Vec::new();
        for term in typed.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let wanted = term.to_lowercase();
            let found: Vec<&UserProfile> = self.matching(&wanted).filter(|u| u.active).collect();
            let exact: Vec<&UserProfile> = found
                .iter()
                .copied()
                .filter(|u| {
                    u.email.as_str() == wanted || u.display_name.as_str().to_lowercase() == wanted
                })
                .collect();
            let id = match (exact.as_slice(), found.as_slice()) {
                ([one], _) | ([], [one]) => one.id,
                ([], []) => {
                    return Err(AppError::invalid(format!(
                        "No active member matches “{term}”."
                    )))
                }
                (_, several) => {
                    let mut emails: Vec<&str> = several.iter().map(|u| u.email.as_str()).collect();
                    emails.sort_unstable();
                    let more = if emails.len() > 3 { ", …" } else { "" };
                    return Err(AppError::invalid(format!(
                        "“{term}” matches {} people ({}{more}): type more of the name, or the email.",
                        several.len(),
                        emails[..emails.len().min(3)].join(", ")
                    )));
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }
}

/// The directory as this process (a server, or one Lambda instance) last
/// read it, with the version it was read at (`Store::directory_version`).
/// Pages check the version, which the catalog's or the overview's Query
/// returns anyway (else one GetItem), instead of listing everyone on every
/// request: a board costs the same with 20 people or 2,000.
#[derive(Default)]
pub struct DirectoryCache(Mutex<Option<Cached>>);

struct Cached {
    version: u64,
    read_at: Instant,
    directory: Arc<Directory>,
}

impl DirectoryCache {
    /// How long a read is used while the version stays the same. DynamoDB
    /// lists people from an eventually consistent index, so a listing made
    /// just after a change can miss it while the version read before it
    /// already counts it; such a copy is replaced within this time.
    const MAX_AGE: Duration = Duration::from_secs(60);

    /// The directory at `version` (read just before, from the store): the
    /// cached one when it was read at that version, else a fresh listing.
    pub async fn at(&self, store: &dyn Store, version: u64) -> Result<Arc<Directory>, AppError> {
        if let Some(c) = self.lock().as_ref() {
            if c.version == version && c.read_at.elapsed() < Self::MAX_AGE {
                return Ok(c.directory.clone());
            }
        }
        let directory = Arc::new(Directory::load(store).await?);
        let mut slot = self.lock();
        // A request that read an older version (an eventually consistent
        // read, or a slower request) does not replace a newer copy.
        if slot.as_ref().is_none_or(|c| c.version <= version) {
            *slot = Some(Cached {
                version,
                read_at: Instant::now(),
                directory: directory.clone(),
            });
        }
        Ok(directory)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // The slot is replaced whole, so a panic elsewhere cannot leave it
        // half-written.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How many active admins the whole team has. `page` is enough when it is
/// the whole team (the first page, with no next); otherwise every profile
/// is read (a Query per 1 MB of profiles, on an admin-only page).
pub async fn active_admins(
    store: &dyn Store,
    page: &Page<UserProfile>,
    first: bool,
) -> Result<u32, AppError> {
    let count = |users: &[UserProfile]| users.iter().filter(|u| u.is_active_admin()).count() as u32;
    if first && page.next.is_none() {
        return Ok(count(&page.items));
    }
    Ok(count(&store.everyone().await?))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use domain::{DisplayName, Email, NewProfile};

    /// A member's profile, as the directory holds it.
    pub(crate) fn profile(name: &str, email: &str, active: bool) -> UserProfile {
        let mut p = UserProfile::create(
            NewProfile {
                id: UserId::from_uuid(uuid::Uuid::now_v7()),
                email: Email::parse(email).unwrap(),
                display_name: DisplayName::parse(name).unwrap(),
                role: Role::Member,
            },
            time::OffsetDateTime::UNIX_EPOCH,
        );
        p.active = active;
        p
    }

    fn refusal(r: Result<Vec<UserId>, AppError>) -> String {
        match r {
            Err(AppError::Invalid(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    /// A name field's terms: an exact email or name wins over partial
    /// matches; a unique partial match is that person; none or several is
    /// a 400 naming the term; deactivated people are never found.
    #[test]
    fn typed_assignees_are_exact_or_unique_and_refusals_say_why() {
        let ann = profile("Ann", "ann@example.com", true);
        let anna = profile("Anna Berg", "anna@example.com", true);
        let bo = profile("Bo Lind", "bo@work.example", true);
        let gone = profile("Gus Gone", "gus@example.com", false);
        let dir = Directory::of(vec![ann.clone(), anna.clone(), bo.clone(), gone]);

        assert_eq!(dir.typed_assignees("").unwrap(), vec![]);
        assert_eq!(dir.typed_assignees(" , ,").unwrap(), vec![]);
        // "ann" is inside both names, but it is Ann's whole name.
        assert_eq!(dir.typed_assignees("ANN").unwrap(), vec![ann.id]);
        assert_eq!(
            dir.typed_assignees("anna@example.com, work.example")
                .unwrap(),
            vec![anna.id, bo.id]
        );
        assert_eq!(dir.typed_assignees("berg").unwrap(), vec![anna.id]);

        let several = refusal(dir.typed_assignees("example.com"));
        assert!(
            several.contains("“example.com” matches 2 people (ann@example.com, anna@example.com)"),
            "{several}"
        );
        let none = refusal(dir.typed_assignees("Bo, Zed"));
        assert_eq!(none, "No active member matches “Zed”.");
        let deactivated = refusal(dir.typed_assignees("gus"));
        assert_eq!(deactivated, "No active member matches “gus”.");
        assert!(refusal(dir.typed_assignees(&"a,".repeat(300))).contains("Too many"));
    }

    /// A small team's picker lists everyone active; past the bound, only
    /// the active assignees, with the name field.
    #[test]
    fn a_large_teams_picker_lists_only_the_assignees() {
        let small: Vec<UserProfile> = (0..PICKER_LISTS_ALL)
            .map(|n| profile(&format!("P{n}"), &format!("p{n}@example.com"), true))
            .collect();
        let dir = Directory::of(small.clone());
        let picker = dir.picker(&[small[3].id]);
        assert!(!picker.by_name);
        assert_eq!(picker.people.len(), PICKER_LISTS_ALL);

        let mut large = small.clone();
        large.push(profile("Zoe", "zoe@example.com", true));
        let gone = profile("Gus Gone", "gus@example.com", false);
        large.push(gone.clone());
        let dir = Directory::of(large);
        let picker = dir.picker(&[small[5].id, gone.id, small[3].id]);
        assert!(picker.by_name);
        let names: Vec<&str> = picker.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["P3", "P5"]);
        assert!(dir.picker(&[]).people.is_empty());
    }
}
