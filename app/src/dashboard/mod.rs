//! The admin dashboard: counts over every task.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;

pub use api::*;
pub use model::*;
