//! What server functions find in their context on the server.

use std::sync::Arc;

/// Shared, cheaply clonable state handed to every server function call.
/// Built once at start-up (per process, or per Lambda container).
#[derive(Clone)]
pub struct ServerContext {
    pub store: Arc<dyn store::Store>,
    pub auth: Arc<crate::auth::session::AuthState>,
    /// Which storage backend answers: shown on the home page, useful when
    /// checking a deployment.
    pub storage_label: &'static str,
}
