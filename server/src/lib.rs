//! The HTTP front of tasklane: one axum router serving server-rendered pages,
//! server functions and static assets. The local binary serves it on a socket;
//! the Lambda binaries serve the very same router, so what is tested locally
//! is what runs in production.

pub mod assets;
pub mod config;
pub mod csrf;
pub mod dev;
pub mod exports;
pub mod fn_errors;
pub mod headers;
pub mod hosts;
pub mod lambda;
pub mod local;
pub mod telemetry;

use std::sync::Arc;

use app::ssr::ServerContext;
use axum::{http::StatusCode, response::IntoResponse, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{request_id::MakeRequestUuid, trace::TraceLayer, ServiceBuilderExt};

/// The largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long one request may take before it is answered 408.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Everything a request handler may need, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub ctx: ServerContext,
    pub site: Arc<assets::Site>,
    /// The built-in issuer's public keys; `None` when Cognito issues tokens.
    pub jwks_json: Option<Arc<str>>,
    /// The public URL's origin, which a browser's `Origin` must equal for a
    /// state change when it sends no `Sec-Fetch-Site`.
    pub public_origin: Option<String>,
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
        .layer(axum::middleware::from_fn(headers::security_headers))
        .set_x_request_id(MakeRequestUuid)
        .layer(TraceLayer::new_for_http())
        .propagate_x_request_id()
        // A slow or stuck request gets 408 instead of holding a worker.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));

    let jwks = state.jwks_json.clone();
    let export_ctx = state.ctx.clone();
    let feed_ctx = state.ctx.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/export/tasks.csv",
            get(move |req: axum::extract::Request| app::export::tasks_csv(export_ctx.clone(), req)),
        )
        .route(
            "/calendar/{file}",
            get(
                move |axum::extract::Path(file): axum::extract::Path<String>| {
                    let ctx = feed_ctx.clone();
                    async move {
                        let origin = ctx.public_origin.to_string();
                        app::calendar::feed(ctx, origin, file).await
                    }
                },
            ),
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
        .layer(axum::middleware::from_fn(fn_errors::statuses))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(axum::middleware::from_fn({
            let ctx = state.ctx.clone();
            move |req, next| app::session::resolve_first(ctx.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn({
            let origin: Option<Arc<str>> = state.public_origin.as_deref().map(Arc::from);
            move |req, next| csrf::guard(origin.clone(), req, next)
        }))
        .layer(middleware)
        .layer(compression())
}

/// Brotli or gzip for dynamic answers (pages, server functions, the CSV
/// export), as the client accepts. Static assets already carry their
/// precompressed encoding, and a response with a `Content-Encoding` is never
/// compressed again. Brotli runs at quality 4 (tower-http's default for it):
/// most of the gain of 11 at a small fraction of the CPU, on every request.
///
/// It is part of the shared router, so the API Lambda compresses too: the
/// CloudFront behaviour in front of it has caching disabled, which also
/// turns off CloudFront's own compression, and API Gateway's HTTP API has
/// none; `lambda_http` sends a body with a `Content-Encoding` base64-encoded,
/// as API Gateway requires for binary bodies.
///
/// Pages streamed out of order (those without data) reach the browser when
/// the encoder has them, usually at the end: they resolve in milliseconds.
/// Data pages render in `SsrMode::Async`, one chunk, unaffected.
fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
        .br(true)
        .gzip(true)
}

/// The router of the local binary: the shared one plus the dev mailbox and
/// the hook that wakes the notification worker after writes.
pub fn local_router(
    state: AppState,
    mailbox: Option<Arc<notifier::local::DevMailbox>>,
    waker: Arc<tokio::sync::Notify>,
    hosts: hosts::AllowedHosts,
) -> Router {
    let hosts = Arc::new(hosts);
    router(state)
        .merge(
            dev::mailbox_routes(mailbox)
                .route_layer(axum::middleware::from_fn(hosts::loopback_only)),
        )
        .layer(axum::middleware::from_fn(move |req, next| {
            dev::wake_after_writes(waker.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn(move |req, next| {
            hosts::guard(hosts.clone(), req, next)
        }))
}

/// How much of a refused body is read and thrown away before the 413.
/// Closing a socket that still holds unread data makes the kernel reset
/// the connection, so a client still uploading would see an error instead
/// of the answer; reading (not keeping) a bounded excess lets it finish and
/// read its 413. Larger bodies are refused at once.
const DRAIN_BYTES: usize = 4 * MAX_BODY_BYTES;

/// Forms and server-function arguments are small (a description is at most
/// 5,000 characters): a body larger than [`MAX_BODY_BYTES`], announced or
/// streamed, is answered 413 without being kept.
async fn limit_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use http_body_util::BodyExt as _;
    let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.").into_response();
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > DRAIN_BYTES as u64) {
        return too_large();
    }
    let (parts, mut body) = req.into_parts();
    let (mut kept, mut seen) = (Vec::new(), 0usize);
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return too_large();
        };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > DRAIN_BYTES {
                return too_large();
            }
            if seen <= MAX_BODY_BYTES {
                kept.extend_from_slice(&data);
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return too_large();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(kept),
    ))
    .await
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, [("cache-control", "no-store")], "ok")
}
