//! Logging set-up shared by every binary.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::{fmt, prelude::*};

/// How log lines look. Lives here, not in `config`, because the Lambda uses
/// it without the local server's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. `RUST_LOG` overrides the default level.
pub fn init(format: LogFormat) {
    let registry = tracing_subscriber::registry().with(filter_from_env("info"));
    match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(false))
            .init(),
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).init(),
    }
}

/// `RUST_LOG` as per-target levels (`info`, `debug,hyper=info`), or
/// `default` when it is unset or unparsable.
///
/// `Targets`, not `EnvFilter`: the span and field-value filters of the latter
/// are never used here, and its regex engine is about a megabyte of every
/// Lambda zip.
pub fn filter_from_env(default: &str) -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .or_else(|| default.parse().ok())
        .unwrap_or_default()
}
