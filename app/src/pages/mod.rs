mod home;
mod not_found;

pub use home::{About, Home};
pub use not_found::NotFound;
