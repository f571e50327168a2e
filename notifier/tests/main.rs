//! One integration-test binary for the crate: one link and one run instead
//! of three (`cargo test -p notifier --test notifier local::` runs a suite).

mod receiver;

mod aws;
mod local;
mod pure;
