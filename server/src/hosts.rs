//! Which `Host` a request may name, checked before any handler runs.
//!
//! Without this check a page on a rebinding domain (one that resolves to
//! 127.0.0.1) is same-origin with the local server as far as the browser is
//! concerned, and could read the dev mailbox or call server functions with
//! the user's cookies. Only the public URL's host, and for a loopback bind
//! the loopback names with the bound port, are served.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

#[derive(Debug, Clone)]
pub struct AllowedHosts(Vec<String>);

impl AllowedHosts {
    /// The public URL's authority (with and without its scheme's default
    /// port) and, when the server listens on loopback, the loopback names
    /// with the port it listens on.
    pub fn new(public_url: &str, bound: SocketAddr) -> Self {
        let mut hosts = Vec::new();
        if let Ok(u) = url::Url::parse(public_url) {
            if let Some(h) = u.host_str() {
                let h = h.to_ascii_lowercase();
                match u.port() {
                    Some(p) => hosts.push(format!("{h}:{p}")),
                    None => {
                        hosts.push(h.clone());
                        if let Some(p) = u.port_or_known_default() {
                            hosts.push(format!("{h}:{p}"));
                        }
                    }
                }
            }
        }
        if bound.ip().is_loopback() {
            let p = bound.port();
            for name in ["127.0.0.1", "localhost", "[::1]"] {
                hosts.push(format!("{name}:{p}"));
            }
        }
        AllowedHosts(hosts)
    }

    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        self.0.contains(&host)
    }
}

/// Refuses a request whose `Host` (or HTTP/2 authority) is not allowed.
pub async fn guard(hosts: std::sync::Arc<AllowedHosts>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(h) if hosts.allows(&h) => next.run(req).await,
        other => {
            tracing::warn!(host = ?other, path = %req.uri().path(), "request for an unknown host refused");
            (StatusCode::MISDIRECTED_REQUEST, "Unknown host.").into_response()
        }
    }
}

/// Only peers on this machine: for the dev mailbox, which holds every
/// confirmation and reset code.
pub async fn loopback_only(req: Request, next: Next) -> Response {
    let local = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ci| ci.0.ip().is_loopback());
    if local {
        next.run(req).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_host_and_loopback_names_only() {
        let local = AllowedHosts::new("http://127.0.0.1:3000", "127.0.0.1:3000".parse().unwrap());
        for ok in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST:3000",
            "[::1]:3000",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "127.0.0.1:3001",
            "rebind.evil.example",
            "127.0.0.1",
            "",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
        let public =
            AllowedHosts::new("https://tasks.example.com", "0.0.0.0:3000".parse().unwrap());
        assert!(public.allows("tasks.example.com") && public.allows("tasks.example.com:443"));
        assert!(
            public.allows("tasks.example.com."),
            "a trailing dot is the same name"
        );
        assert!(!public.allows("localhost:3000"), "not a loopback bind");
        assert!(!public.allows("tasks.example.com.evil.io"));
    }
}
