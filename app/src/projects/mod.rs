//! Projects: the admin's list (create, rename, archive, restore), and how
//! pages name a task's project and offer the ones that take new tasks.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
