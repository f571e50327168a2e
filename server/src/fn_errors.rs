//! Malformed server-function requests are the client's fault: 400, not 500.
//!
//! Leptos answers a request whose arguments do not decode (a missing field,
//! `version=abc`, an unknown enum value) with status 500 and a
//! `serverfnerror` header, before our function runs. That would tell API
//! clients the server broke and page whoever watches 5xx rates, so this
//! layer rewrites exactly those answers to 400 and keeps the message, which
//! names the bad argument and nothing internal.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

/// Error bodies are one line; anything bigger is not what we look for.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// The prefixes server_fn gives errors of request decoding.
fn is_decoding_error(body: &[u8]) -> bool {
    [&b"Args|"[..], b"Deserialization|", b"MissingArg|"]
        .iter()
        .any(|p| body.starts_with(p))
}

pub async fn client_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp.headers().contains_key("serverfnerror")
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(b) => b,
        // Only an error that quotes the client's own (huge) input is this
        // long, e.g. "unknown variant `<300 KB>`": the client's fault, and
        // not worth echoing back. The old Content-Length no longer applies
        // (keeping it made hyper drop the connection).
        Err(_) => {
            tracing::info!("malformed server function request (oversized error elided)");
            parts.status = StatusCode::BAD_REQUEST;
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            return Response::from_parts(
                parts,
                Body::from("Args|the request's arguments could not be read"),
            );
        }
    };
    if is_decoding_error(&bytes) {
        tracing::info!(detail = %String::from_utf8_lossy(&bytes), "malformed server function request");
        parts.status = StatusCode::BAD_REQUEST;
        parts.headers.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_decoding_errors_are_the_clients() {
        assert!(is_decoding_error(b"Args|invalid digit found in string"));
        assert!(is_decoding_error(b"Deserialization|expected value"));
        assert!(!is_decoding_error(b"ServerError|Something went wrong"));
        assert!(!is_decoding_error(b""));
    }
}
