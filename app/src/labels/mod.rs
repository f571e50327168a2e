//! Labels: the admin's list of coloured tags, and how pages show them.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
