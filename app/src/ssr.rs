//! What server functions find in their context on the server.

use std::sync::Arc;

/// Shared, cheaply clonable state handed to every server function call.
/// Built once at start-up (per process, or per Lambda container).
#[derive(Clone)]
pub struct ServerContext {
    pub store: Arc<dyn store::Store>,
    pub auth: Arc<crate::session::AuthState>,
    /// Which storage backend answers: shown on the home page, useful when
    /// checking a deployment.
    pub storage_label: &'static str,
}

/// What every request's reactive context starts with: the shared state and
/// a fresh slot for the caller, so the caller's profile is read at most once
/// per request however many server functions and resources ask.
pub fn provide_request_context(ctx: &ServerContext) {
    leptos::prelude::provide_context(ctx.clone());
    leptos::prelude::provide_context(crate::session::RequestSession::default());
}
