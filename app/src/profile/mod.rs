//! A person's own profile and notification preferences.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;

pub use api::*;
pub use model::*;
