//! Invitations: admins invite people by email; the link lets them sign up
//! where sign-up is by invitation (`domain::admit`).

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub(crate) mod query;

pub use api::*;
pub use model::*;
