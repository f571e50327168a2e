//! Static files (the WASM bundle, its JS glue, CSS, icons) and the 404 page for
//! anything else.
//!
//! Files built with a content hash in their name never change, so they are
//! cached for a year; everything else must be revalidated. Brotli and gzip
//! copies written at build time are served when the client accepts them, so no
//! CPU is spent compressing on the request path.

use std::{
    convert::Infallible,
    path::{Path, PathBuf},
    sync::Arc,
};

use app::ssr::ServerContext;
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::prelude::*;
use tower::{service_fn, util::ServiceExt};
use tower_http::services::ServeDir;

/// Where the built site lives.
#[derive(Debug)]
pub struct Site {
    root: PathBuf,
}

impl Site {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// True for names like `tasklane.3f2a9c01d4e5b6a7.wasm`: a hash segment of at
/// least 8 hex digits between the stem and the extension.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.split('.');
    let (Some(_stem), Some(hash), Some(_ext), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fallback service: a file from the site root if there is one, else the
/// app's own 404 page rendered with the full layout.
pub fn service(
    site: Arc<Site>,
    ctx: ServerContext,
    leptos: LeptosOptions,
) -> impl tower::Service<Request, Response = Response, Error = Infallible, Future = impl Send>
       + Clone
       + Send {
    let files = ServeDir::new(site.root())
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    service_fn(move |req: Request| {
        let files = files.clone();
        let ctx = ctx.clone();
        let leptos = leptos.clone();
        async move {
            let path = req.uri().path().to_owned();
            let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
            // Dot-segments and the like are refused by ServeDir itself; we
            // only decide whether a disk lookup makes sense at all.
            if is_read && !path.ends_with('/') {
                let probe = Request::builder()
                    .method(req.method().clone())
                    .uri(req.uri().clone())
                    .body(Body::empty())
                    .expect("a request rebuilt from valid parts is valid");
                let mut probe = probe;
                *probe.headers_mut() = req.headers().clone();
                let res = files.oneshot(probe).await.expect("ServeDir is infallible");
                if res.status() != StatusCode::NOT_FOUND {
                    let mut res = res.map(Body::new);
                    let cache = if is_hashed(&path) {
                        IMMUTABLE
                    } else {
                        REVALIDATE
                    };
                    res.headers_mut()
                        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
                    res.headers_mut()
                        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                    return Ok(res);
                }
            }
            let render = leptos_axum::render_app_to_stream_with_context(
                move || app::ssr::provide_request_context(&ctx),
                move || app::shell(leptos.clone()),
            );
            let mut res = render(req).await.into_response();
            if res.status() == StatusCode::OK {
                // A path no route claims: the app rendered its NotFound page.
                *res.status_mut() = StatusCode::NOT_FOUND;
            }
            Ok(res)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn recognises_hashed_names() {
        assert!(is_hashed("/pkg/tasklane.0123456789abcdef.wasm"));
        assert!(is_hashed("tasklane.deadbeef.css"));
        assert!(!is_hashed("/pkg/tasklane.wasm"));
        assert!(!is_hashed("/favicon.svg"));
        assert!(!is_hashed("/pkg/tasklane.notahash!.js"));
        assert!(!is_hashed("/pkg/a.b.c.d"));
    }
}
