//! A signed-in person's home: their overdue, due-soon and newly assigned
//! tasks, and for admins the open tasks nobody is on. The page is
//! `crate::pages::Home`.
//!
//! Each list is one indexed store query bounded by [`LIST_LIMIT`] (plus one
//! row, to know whether there is more), never a read of every task: on
//! DynamoDB the home function makes three Queries for a member and four for
//! an admin, run concurrently, after the caller's profile read that every
//! request makes. What the lists mean comes from `domain::agenda`, so the
//! page's sentences and the store's bounds agree.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
