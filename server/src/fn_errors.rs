//! Every server function error answers with the status its variant names.
//!
//! Server functions fail with `app::AppError`, whose variant decides the
//! status ([`AppError::status`]); Leptos answers every failure, including
//! arguments that do not decode before our function runs, with status 500,
//! a `serverfnerror` header and the encoded error. This layer reads the
//! error back and sets its status: 401, 403, 404, 409, 400, 429, and 500
//! only for what is really ours. Plain form posts are redirects back to
//! the form (the error travels in the URL) and pass untouched.

use app::AppError;
use axum::{body::Body, extract::Request, http::StatusCode, middleware::Next, response::Response};

/// Error bodies are one short JSON object; anything bigger is not one.
const MAX_ERROR_BODY: usize = 16 * 1024;

pub async fn statuses(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp.headers().contains_key("serverfnerror")
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "unreadable server function error");
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            let body = serde_json::to_vec(&AppError::Internal).unwrap_or_default();
            return Response::from_parts(parts, Body::from(body));
        }
    };
    match serde_json::from_slice::<AppError>(&bytes) {
        Ok(error) => {
            if let AppError::Invalid(why) = &error {
                tracing::info!(%why, "refused server function request");
            }
            parts.status = error.status();
        }
        Err(e) => tracing::error!(error = %e, "server function error of another type"),
    }
    Response::from_parts(parts, Body::from(bytes))
}
