//! The Leptos side of sessions: the caller of this request, resolved once
//! by [`auth::session::resolve`] and shared by everything the request does
//! (server functions reach it through [`crate::ctx::Ctx`]).
//!
//! A request carrying session cookies is resolved by [`resolve_first`]
//! before any handler runs, because resolving may rotate the refresh token:
//! the new cookies must reach the browser, and a streamed page has sent its
//! headers before its resources run.

use std::sync::Arc;

use http::{header, request::Parts, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

pub use auth::session::{AuthState, Session};

/// The caller of the current request, resolved at most once. Provided fresh
/// for every request by the router's context function.
#[derive(Clone, Default)]
pub struct RequestSession(Arc<tokio::sync::OnceCell<Option<Session>>>);

fn append_cookies(resp: &ResponseOptions, cookies: Vec<String>) {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.append_header(header::SET_COOKIE, v);
        }
    }
}

pub fn set_session_cookies(
    resp: &ResponseOptions,
    tokens: &auth::provider::SessionTokens,
    secure: bool,
) {
    append_cookies(resp, auth::session::session_cookies(tokens, secure));
}

pub fn clear_session_cookies(resp: &ResponseOptions, secure: bool) {
    append_cookies(resp, auth::session::clearing_cookies(secure));
}

/// The refresh token this browser holds, if any.
pub fn refresh_cookie(parts: &Parts, secure: bool) -> Option<String> {
    auth::session::read_cookie(&parts.headers, auth::session::cookie_names(secure).1)
}

/// The caller as [`resolve_first`] found them, in the request's extensions.
#[derive(Clone)]
pub struct ResolvedSession(pub Option<Session>);

/// Middleware: resolves the caller of any request that carries session
/// cookies (except for static files, which need no caller), hands the
/// result to the handler, and adds any renewed cookies to the response,
/// unless the handler set cookies of the same name (signing in or out).
pub async fn resolve_first(
    ctx: crate::ssr::ServerContext,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = req.uri().path();
    let static_file = path.starts_with("/pkg/")
        || path.starts_with("/.well-known/")
        || path.starts_with("/dev/")
        || path == "/healthz"
        || path == "/favicon.svg";
    let (access, refresh) = auth::session::cookie_names(ctx.auth.secure_cookies);
    let has_session = auth::session::read_cookie(req.headers(), access).is_some()
        || auth::session::read_cookie(req.headers(), refresh).is_some();
    if static_file || !has_session {
        return next.run(req).await;
    }
    let resolution = auth::session::resolve(&ctx.auth, ctx.store.as_ref(), req.headers()).await;
    req.extensions_mut()
        .insert(ResolvedSession(resolution.session));
    let mut resp = next.run(req).await;
    let set_by_handler: Vec<String> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split('=').next().map(str::to_owned))
        .collect();
    for c in resolution.set_cookies {
        let name = c.split('=').next().unwrap_or_default();
        if set_by_handler.iter().any(|n| n == name) {
            continue;
        }
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

async fn resolve_now() -> Option<Session> {
    let ctx = use_context::<crate::ssr::ServerContext>()?;
    let parts = use_context::<Parts>()?;
    let resolution = auth::session::resolve(&ctx.auth, ctx.store.as_ref(), &parts.headers).await;
    if let Some(resp) = use_context::<ResponseOptions>() {
        append_cookies(&resp, resolution.set_cookies);
    }
    resolution.session
}

/// The current caller: identity from their tokens, role and active flag from
/// their profile, read once per request. `None` means anonymous.
pub async fn current_session() -> Option<Session> {
    if let Some(resolved) = use_context::<Parts>()
        .as_ref()
        .and_then(|p| p.extensions.get::<ResolvedSession>())
    {
        return resolved.0.clone();
    }
    // No session cookies (anonymous, answered without a read), or a caller
    // that did not pass through `resolve_first`.
    match use_context::<RequestSession>() {
        Some(cache) => cache.0.get_or_init(resolve_now).await.clone(),
        None => resolve_now().await,
    }
}

/// The client's address as established by the edge, put in the request's
/// extensions by the API Lambda once the request proved it came through
/// CloudFront (`server::lambda::through_cloudfront`). Headers a client can
/// write (`X-Forwarded-For`) are never used for limits: anyone could start
/// a fresh budget per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The key the per-client limits count under: the edge-established address
/// on AWS, the socket peer locally, `unknown` when neither exists (all such
/// requests then share one budget, which fails safe).
pub fn client_addr(parts: &Parts) -> String {
    let ip = parts
        .extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|ci| ci.0.ip())
        });
    ip.map_or_else(|| "unknown".into(), limit_key)
}

/// One budget per IPv4 address, and per /64 for IPv6: a single IPv6
/// subscriber usually holds a whole /64, so counting addresses would give
/// them 2^64 budgets.
pub fn limit_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Where the request came from, for the first-admin rule.
pub fn bootstrap_origin(parts: &Parts) -> auth::bootstrap::Origin {
    let peer_is_loopback = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|ci| ci.0.ip().is_loopback());
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| parts.headers.contains_key(*h));
    auth::bootstrap::Origin {
        peer_is_loopback,
        forwarded,
    }
}

/// A secret a form's answer hands to the page it redirects to, to be shown
/// there once: the address of a new calendar feed, the signing secret of a
/// new webhook.
///
/// It travels in a short-lived HttpOnly cookie scoped to that page, never in
/// the URL: a URL stays in the browser's history and in the access logs of
/// every proxy on the way (API Gateway and CloudFront log query strings),
/// and whoever reads the address reads the feed.
#[derive(Debug, Clone, Copy)]
pub struct Flash {
    name: &'static str,
    path: &'static str,
}

impl Flash {
    pub const CALENDAR_FEED: Flash = Flash {
        name: "tl_calendar",
        path: "/profile",
    };
    pub const WEBHOOK_SECRET: Flash = Flash {
        name: "tl_webhook",
        path: "/settings/webhooks",
    };

    /// Long enough for the redirect and a slow page, short enough that a
    /// page never opened does not keep the secret for long.
    const MAX_AGE: u64 = 120;

    /// The cookie's name: `__Secure-` where cookies are secure, so a
    /// sibling site on plain HTTP cannot plant one.
    pub fn cookie_name(self, secure: bool) -> String {
        if secure {
            format!("__Secure-{}", self.name)
        } else {
            self.name.to_owned()
        }
    }

    fn cookie(self, value: &str, max_age: u64, secure: bool) -> String {
        format!(
            "{}={value}; Path={}; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
            self.cookie_name(secure),
            self.path,
            if secure { "; Secure" } else { "" }
        )
    }

    /// Hands `value` (URL-safe text) to the next request for the page.
    pub fn give(self, value: &str) {
        let Some(ctx) = use_context::<crate::ssr::ServerContext>() else {
            return;
        };
        if let Some(resp) = use_context::<ResponseOptions>() {
            let secure = ctx.auth.secure_cookies;
            append_cookies(&resp, vec![self.cookie(value, Self::MAX_AGE, secure)]);
        }
    }

    /// The value handed over, if this request carries one; the answer
    /// clears it, so a reload or a later visit shows nothing.
    pub fn take(self) -> Option<String> {
        let ctx = use_context::<crate::ssr::ServerContext>()?;
        let parts = use_context::<Parts>()?;
        let secure = ctx.auth.secure_cookies;
        let value = auth::session::read_cookie(&parts.headers, &self.cookie_name(secure))?;
        if let Some(resp) = use_context::<ResponseOptions>() {
            append_cookies(&resp, vec![self.cookie("", 0, secure)]);
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_cookie_is_short_lived_scoped_and_secure_where_cookies_are() {
        assert_eq!(
            Flash::CALENDAR_FEED.cookie("tok", Flash::MAX_AGE, true),
            "__Secure-tl_calendar=tok; Path=/profile; HttpOnly; SameSite=Strict; Max-Age=120; Secure"
        );
        assert_eq!(
            Flash::WEBHOOK_SECRET.cookie("", 0, false),
            "tl_webhook=; Path=/settings/webhooks; HttpOnly; SameSite=Strict; Max-Age=0"
        );
    }

    #[test]
    fn ipv6_clients_share_a_budget_per_64() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_ne!(limit_key(a), limit_key(c));
        assert_eq!(
            limit_key("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.9"
        );
        assert_eq!(limit_key("198.51.100.9".parse().unwrap()), "198.51.100.9");
    }

    #[test]
    fn forwarded_for_is_never_the_client() {
        let (mut parts, ()) = http::Request::builder()
            .header("x-forwarded-for", "203.0.113.50")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(client_addr(&parts), "unknown");
        parts
            .extensions
            .insert(ClientAddr("198.51.100.7".parse().unwrap()));
        assert_eq!(client_addr(&parts), "198.51.100.7");
    }
}
