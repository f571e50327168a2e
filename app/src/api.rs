//! Server functions. Each one parses its input, does its work on the server and
//! maps failures to a message the user can act on; internal details stay in
//! the server log.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the home page shows about the server it talks to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub storage: String,
}

/// Describes the running server; proves an SSR page can await a server call.
#[server(endpoint = "server_status")]
pub async fn server_status() -> Result<StatusReport, ServerFnError> {
    let ctx = expect_context::<crate::ssr::ServerContext>();
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_string(),
        storage: ctx.storage_label.to_string(),
    })
}

/// Greets a visitor by name: the smallest form that round-trips through a
/// server function with and without JavaScript.
#[server(endpoint = "greet")]
pub async fn greet(name: String) -> Result<String, ServerFnError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServerFnError::new("Please enter a name."));
    }
    if name.chars().count() > 60 {
        return Err(ServerFnError::new("Names are at most 60 characters."));
    }
    Ok(format!("Hello, {name}!"))
}
