//! Reads of the whole team: the directory every view names people from,
//! and the count the last-admin guard needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{Role, UserId, UserProfile};
use store::{Page, Store};

use super::build::person;
use super::model::Person;
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
