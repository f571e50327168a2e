//! Cross-site request refusal for every state-changing request.
//!
//! Leptos server functions are plain POST endpoints, and SameSite=Lax
//! cookies still ride along on top-level cross-site form posts, so each POST
//! must prove it came from our own pages. Browsers say where a request came
//! from in `Sec-Fetch-Site` (all current ones) or `Origin`; a request with
//! neither is not from a browser page and carries no ambient authority an
//! attacker could borrow.

use axum::{
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Whether the request's provenance headers allow a state change.
pub fn is_same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

pub async fn guard(req: Request, next: Next) -> Response {
    if is_same_origin(req.method(), req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(
        method = %req.method(),
        path = %req.uri().path(),
        origin = ?req.headers().get(header::ORIGIN),
        sec_fetch_site = ?req.headers().get("sec-fetch-site"),
        "cross-site request refused"
    );
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn provenance_rules() {
        let post = Method::POST;
        assert!(is_same_origin(
            &post,
            &h(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(is_same_origin(&post, &h(&[("sec-fetch-site", "none")])));
        assert!(!is_same_origin(
            &post,
            &h(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!is_same_origin(
            &post,
            &h(&[("sec-fetch-site", "same-site")])
        ));
        assert!(is_same_origin(
            &post,
            &h(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ])
        ));
        assert!(!is_same_origin(
            &post,
            &h(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ])
        ));
        assert!(!is_same_origin(
            &post,
            &h(&[("origin", "null"), ("host", "127.0.0.1:3000")])
        ));
        assert!(
            is_same_origin(&post, &h(&[])),
            "non-browser clients carry no ambient cookies to abuse"
        );
        assert!(is_same_origin(
            &Method::GET,
            &h(&[("sec-fetch-site", "cross-site")])
        ));
    }
}
