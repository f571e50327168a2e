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

/// `scheme://host[:port]` of a URL, as browsers write it in `Origin`
/// (default ports left out).
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// Whether the request's provenance headers allow a state change. Without
/// `Sec-Fetch-Site`, the whole `Origin` (scheme, host and port) must equal
/// the public URL's; with no public URL known (a Lambda without
/// `TASKLANE_PUBLIC_URL`), `https://` plus the `Host`.
pub fn is_same_origin(method: &Method, headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let expected = match public_origin {
        Some(o) => o.to_owned(),
        None => match headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
            Some(host) if !host.is_empty() => format!("https://{host}"),
            _ => return false,
        },
    };
    origin_of(origin).is_some_and(|o| o.eq_ignore_ascii_case(&expected))
}

pub async fn guard(
    public_origin: Option<std::sync::Arc<str>>,
    req: Request,
    next: Next,
) -> Response {
    if is_same_origin(req.method(), req.headers(), public_origin.as_deref()) {
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
        let local = Some("http://127.0.0.1:3000");
        let check =
            |hs: &[(&'static str, &'static str)], public| is_same_origin(&post, &h(hs), public);
        assert!(check(&[("sec-fetch-site", "same-origin")], local));
        assert!(check(&[("sec-fetch-site", "none")], local));
        assert!(!check(&[("sec-fetch-site", "cross-site")], local));
        assert!(!check(&[("sec-fetch-site", "same-site")], local));
        assert!(check(
            &[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ],
            local
        ));
        assert!(
            !check(
                &[
                    ("origin", "https://127.0.0.1:3000"),
                    ("host", "127.0.0.1:3000")
                ],
                local
            ),
            "the scheme counts"
        );
        assert!(!check(
            &[
                ("origin", "http://127.0.0.1:3001"),
                ("host", "127.0.0.1:3000")
            ],
            local
        ));
        assert!(!check(
            &[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ],
            local
        ));
        assert!(!check(
            &[("origin", "null"), ("host", "127.0.0.1:3000")],
            local
        ));
        // Behind CloudFront the Host is the origin's, the Origin the public
        // URL's: the public URL decides.
        let edge = Some("https://tasks.example.com");
        assert!(check(
            &[
                ("origin", "https://tasks.example.com"),
                ("host", "abc.execute-api.eu-west-1.amazonaws.com")
            ],
            edge
        ));
        assert!(!check(&[("origin", "https://tasks.example.com")], None));
        assert!(check(
            &[("origin", "https://h.example"), ("host", "h.example")],
            None
        ));
        assert!(!check(
            &[("origin", "http://h.example"), ("host", "h.example")],
            None
        ));
        assert!(
            check(&[], local),
            "non-browser clients carry no ambient cookies to abuse"
        );
        assert!(is_same_origin(
            &Method::GET,
            &h(&[("sec-fetch-site", "cross-site")]),
            local
        ));
        assert_eq!(
            origin_of("http://127.0.0.1:3000/x?y").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("https://tasks.example.com:443/").as_deref(),
            Some("https://tasks.example.com")
        );
    }
}
