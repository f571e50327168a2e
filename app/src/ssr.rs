//! What server functions find in their context on the server.

use std::sync::Arc;

/// Shared, cheaply clonable state handed to every server function call.
/// Built once at start-up (per process, or per Lambda container).
#[derive(Clone)]
pub struct ServerContext {
    pub store: Arc<dyn store::Store>,
    pub auth: Arc<crate::session::AuthState>,
    /// Which storage backend answers: logged when a Lambda instance starts,
    /// useful when checking a deployment.
    pub storage_label: &'static str,
    /// The site's public origin (`https://tasks.example.com`), for links
    /// that leave the site, such as calendar feed URLs.
    pub public_origin: std::sync::Arc<str>,
    /// People's names, roles and addresses as last read (see the type).
    pub directory: Arc<crate::team::query::DirectoryCache>,
    /// Where exports too large for one response go: set on Lambda (S3),
    /// `None` on the local server, which streams them.
    pub exports: Option<Arc<crate::export::Offload>>,
}

/// What every request's reactive context starts with: the shared state and
/// a fresh slot for the caller, so the caller's profile is read at most once
/// per request however many server functions and resources ask.
pub fn provide_request_context(ctx: &ServerContext) {
    leptos::prelude::provide_context(ctx.clone());
    leptos::prelude::provide_context(crate::session::RequestSession::default());
    // A page render has a nonce (leptos_axum makes one per response and puts
    // it on the hydration scripts): the page's policy allows exactly those.
    if let (Some(nonce), Some(resp)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(v) = http::HeaderValue::from_str(&page_csp(&nonce)) {
            resp.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

/// The Content-Security-Policy of a page: scripts only with this
/// response's nonce (and what they load, `'strict-dynamic'`), WASM
/// compilation, everything else from our own origin, no inline styles, no
/// plugins, no framing, forms only to ourselves.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}
