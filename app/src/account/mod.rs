//! Accounts: sign up, confirm, sign in, sign out, forgotten password, and
//! who is signed in. The pages are in `crate::pages::account`.

pub mod api;
#[cfg(feature = "ssr")]
mod flow;
pub mod model;

#[cfg(feature = "ssr")]
pub(crate) use flow::safe_next;

pub use api::*;
pub use model::*;
