//! Logging set-up shared by every binary.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// How log lines look. Lives here, not in `config`, because the Lambda uses
/// it without the local server's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. `RUST_LOG` overrides the default level.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(false))
            .init(),
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).init(),
    }
}
