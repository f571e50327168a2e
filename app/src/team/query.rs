//! Reads of the whole team: the directory every view names people from,
//! and the count the last-admin guard needs.

use std::collections::HashMap;

use domain::{Role, UserId, UserProfile};
use store::{Page, Store};

use super::build::person;
use super::model::Person;
use crate::error::AppError;
use crate::paging::all_pages;

/// Everyone, by id: one query per 500 users, read once per request.
pub struct Directory(HashMap<UserId, UserProfile>);

impl Directory {
    pub async fn load(store: &dyn Store) -> Result<Directory, AppError> {
        Ok(Directory::of(all_pages(|p| store.list_users(p)).await?))
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

/// How many active admins the whole team has. `page` is enough when it is
/// the whole team (the first page, with no next); otherwise every profile
/// is read (one query per 500 people, on an admin-only page).
pub async fn active_admins(
    store: &dyn Store,
    page: &Page<UserProfile>,
    first: bool,
) -> Result<u32, AppError> {
    let count = |users: &[UserProfile]| users.iter().filter(|u| u.is_active_admin()).count() as u32;
    if first && page.next.is_none() {
        return Ok(count(&page.items));
    }
    Ok(count(&all_pages(|p| store.list_users(p)).await?))
}
