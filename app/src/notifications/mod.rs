//! In-app notifications: the list, the bell's count, marking read.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod build;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
