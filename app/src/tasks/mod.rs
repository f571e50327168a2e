//! Tasks: the board, a task's page, "my tasks", and every change to a task.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
