//! The HTTP front of tasklane: one axum router serving server-rendered pages,
//! server functions and static assets. The local binary serves it on a socket;
//! the Lambda binaries serve the very same router, so what is tested locally
//! is what runs in production.

pub mod assets;
pub mod config;
pub mod csrf;
pub mod dev;
pub mod fn_errors;
pub mod lambda;
pub mod local;
pub mod post_confirmation;
pub mod telemetry;

use std::sync::Arc;

use app::ssr::ServerContext;
use axum::{http::StatusCode, response::IntoResponse, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{request_id::MakeRequestUuid, trace::TraceLayer, ServiceBuilderExt};

/// Everything a request handler may need, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub ctx: ServerContext,
    pub site: Arc<assets::Site>,
    /// The built-in issuer's public keys; `None` when Cognito issues tokens.
    pub jwks_json: Option<Arc<str>>,
}

/// Builds the router shared by the local server and the API Lambda.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let ctx = state.ctx.clone();
    let leptos = state.leptos.clone();

    let pages = Router::new()
        .leptos_routes_with_context(
            &leptos,
            routes,
            move || app::ssr::provide_request_context(&ctx),
            {
                let leptos = leptos.clone();
                move || app::shell(leptos.clone())
            },
        )
        .with_state(leptos.clone());

    let middleware = tower::ServiceBuilder::new()
        .set_x_request_id(MakeRequestUuid)
        .layer(TraceLayer::new_for_http())
        .propagate_x_request_id();

    let jwks = state.jwks_json.clone();
    let export_ctx = state.ctx.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/export/tasks.csv",
            get(move |req: axum::extract::Request| app::export::tasks_csv(export_ctx.clone(), req)),
        )
        .route(
            "/.well-known/jwks.json",
            get(move || {
                let jwks = jwks.clone();
                async move {
                    match jwks {
                        Some(body) => (
                            StatusCode::OK,
                            [
                                ("content-type", "application/json"),
                                ("cache-control", "public, max-age=300"),
                            ],
                            body.to_string(),
                        )
                            .into_response(),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }
            }),
        )
        .merge(pages)
        .fallback_service(assets::service(
            state.site.clone(),
            state.ctx.clone(),
            leptos,
        ))
        .layer(axum::middleware::from_fn(fn_errors::client_errors))
        .layer(axum::middleware::from_fn({
            let ctx = state.ctx.clone();
            move |req, next| app::session::resolve_first(ctx.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn(csrf::guard))
        .layer(middleware)
}

/// The router of the local binary: the shared one plus the dev mailbox and
/// the hook that wakes the notification worker after writes.
pub fn local_router(
    state: AppState,
    mailbox: Option<Arc<notifier::local::DevMailbox>>,
    waker: Arc<tokio::sync::Notify>,
) -> Router {
    router(state)
        .merge(dev::mailbox_routes(mailbox))
        .layer(axum::middleware::from_fn(move |req, next| {
            dev::wake_after_writes(waker.clone(), req, next)
        }))
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, [("cache-control", "no-store")], "ok")
}
