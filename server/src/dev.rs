//! Local-only routes and hooks: the dev mailbox, and waking the
//! notification worker after each write so notices go out at once.

use std::sync::Arc;

use axum::{
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use notifier::local::{render_mailbox_html, render_mailbox_json, DevMailbox};
use tokio::sync::Notify;

const MAILBOX_PAGE: usize = 200;

/// `/dev/mailbox` (HTML) and `/dev/mailbox.json`, only when mail goes to the
/// dev mailbox; with SMTP configured there is nothing to show.
pub fn mailbox_routes(mailbox: Option<Arc<DevMailbox>>) -> Router {
    let Some(mb) = mailbox else {
        return Router::new();
    };
    let html_mb = mb.clone();
    Router::new()
        .route(
            "/dev/mailbox",
            get(move || {
                let mb = html_mb.clone();
                async move {
                    match mb.list(MAILBOX_PAGE).await {
                        Ok(msgs) => (
                            [
                                (header::CACHE_CONTROL, "no-store"),
                                // Its own inline stylesheet, nothing else.
                                (
                                    header::CONTENT_SECURITY_POLICY,
                                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                                ),
                            ],
                            Html(render_mailbox_html(&msgs)),
                        )
                            .into_response(),
                        Err(e) => internal(e),
                    }
                }
            }),
        )
        .route(
            "/dev/mailbox.json",
            get(move || {
                let mb = mb.clone();
                async move {
                    match mb.list(MAILBOX_PAGE).await {
                        Ok(msgs) => (
                            [
                                (header::CONTENT_TYPE, "application/json"),
                                (header::CACHE_CONTROL, "no-store"),
                            ],
                            render_mailbox_json(&msgs),
                        )
                            .into_response(),
                        Err(e) => internal(e),
                    }
                }
            }),
        )
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "dev mailbox unreadable");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The mailbox could not be read.",
    )
        .into_response()
}

/// After any POST (every server function that writes), nudge the worker.
pub async fn wake_after_writes(waker: Arc<Notify>, req: Request, next: Next) -> Response {
    let write = req.method() == Method::POST;
    let res = next.run(req).await;
    if write {
        waker.notify_one();
    }
    res
}
