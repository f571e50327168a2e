//! The team: who is in it, their roles, and who is active.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
