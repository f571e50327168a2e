//! One integration-test binary for the crate (one link, one run).

mod accounts;
mod cognito;
mod jwt;
mod roles;
