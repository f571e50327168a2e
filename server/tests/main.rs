//! One integration-test binary for the crate: one link and one run instead
//! of five, each module a suite of its own (`cargo test -p server --test
//! server http::` runs one).

mod support;

mod home_requests;
mod http;
mod invitations;
mod lambda_api;
mod rbac;
