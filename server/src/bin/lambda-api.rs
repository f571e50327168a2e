//! The API Lambda: SSR pages and server functions behind API Gateway (HTTP
//! API, payload 2.0), through the very router the local server uses.
//!
//! Everything slow happens once per container, here, before the first
//! event: configuration, the SDK client, the JWKS cache, the router. A
//! configuration error is reported to the Runtime API's `/init/error`.
//!
//! One event at a time on a current-thread runtime: Lambda never sends a
//! container a second request before the first is answered, so worker
//! threads would only add start-up time and memory.

use server::lambda::{self, LambdaConfig};
use server::telemetry;

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lambda-api: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
    let config = LambdaConfig::from_env();
    telemetry::init(
        config
            .as_ref()
            .map_or(telemetry::LogFormat::Json, |c| c.log_format),
    );
    let state = match config.map_err(lambda::InitError::from) {
        Ok(config) => lambda::build_state(&config)
            .await
            .map(|state| (state, config.origin_secret)),
        Err(e) => Err(e),
    };
    let (state, secret) = match state {
        Ok(state) => state,
        Err(e) => {
            tracing::error!(error = %e, "lambda-api cannot start");
            lambda::report_init_error(&e).await;
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(
        storage = state.ctx.storage_label,
        hash_files = state.leptos.hash_files,
        site_root = %state.leptos.site_root,
        "lambda-api ready"
    );
    match lambda_http::run(lambda::service(state, secret)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "Lambda runtime loop ended");
            std::process::ExitCode::FAILURE
        }
    }
}
