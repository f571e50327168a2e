//! Outgoing webhooks (admins): where events are posted, which ones, and how
//! the last delivery went.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;

pub use api::*;
pub use model::*;
