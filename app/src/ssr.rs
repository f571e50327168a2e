//! What server functions find in their context on the server.

/// Shared, cheaply clonable state handed to every server function call.
#[derive(Clone)]
pub struct ServerContext {
    /// Which storage backend answers: shown on the home page, useful when
    /// checking a deployment.
    pub storage_label: &'static str,
}
