//! The tasklane user interface: Leptos pages rendered on the server, with
//! islands of interactivity hydrated in the browser, plus the thin server
//! functions they call.
//!
//! It is one crate compiled twice: with `ssr` into the server (where pages
//! render and server functions reach the store) and with `hydrate` into the
//! WASM bundle, which holds only the `#[island]` components (`islands`) and
//! what they call. Keeping both halves in one place is what lets a form work
//! before, without and after hydration.
//!
//! Every feature (`home`, `tasks`, `team`, `dashboard`, `profile`,
//! `notifications`, `account`) is a folder of the same shape: `model.rs`,
//! the view models that cross the wire (both builds); `api.rs`, its server
//! functions; and, on the server only, `build.rs` (view models from store
//! values) and `query.rs` (reads that take more than one store call) where
//! it needs them. Pages live in `pages/`. Server functions start from [`ctx::Ctx`]
//! and fail with [`AppError`].

// Deeply nested views make deeply nested types.
#![recursion_limit = "256"]
pub mod account;
#[cfg(feature = "ssr")]
pub mod calendar;
#[cfg(feature = "ssr")]
pub(crate) mod ctx;
pub mod dashboard;
pub mod error;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub(crate) mod format;
pub mod home;
pub mod invites;
pub mod islands;
pub mod labels;
pub mod notifications;
mod pages;
#[cfg(feature = "ssr")]
pub(crate) mod paging;
pub mod profile;
pub mod projects;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod tasks;
pub mod team;
pub mod webhooks;

pub use error::AppError;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, SsrMode,
};

/// The HTML document around every page. Server-only: the browser hydrates
/// only the islands in it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::HashedStylesheet;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="description" content="tasklane: a team task manager" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="tasklane-css" />
                <islands::IslandScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Root component: layout and routes, rendered on the server only (the
/// browser runs just the islands inside).
///
/// Data pages render in `SsrMode::Async`: the HTML is sent once their
/// resources resolve, so it is complete for browsers without JavaScript and
/// for crawlers, instead of streaming fragments that need a script to place.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "tasklane".to_string() } else { format!("{page} · tasklane") } />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <nav class="nav" aria-label="Main">
                    <A href="/" attr:class="brand">"tasklane"</A>
                    <pages::AccountNav />
                </nav>
            </header>
            <main id="main" class="container">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Home ssr=SsrMode::Async />
                    <Route path=path!("/about") view=pages::About />
                    <Route path=path!("/signup") view=pages::SignUpPage />
                    <Route path=path!("/invite/:token") view=pages::InvitePage ssr=SsrMode::Async />
                    <Route path=path!("/confirm") view=pages::ConfirmPage />
                    <Route path=path!("/signin") view=pages::SignInPage />
                    <Route path=path!("/forgot") view=pages::ForgotPage />
                    <Route path=path!("/reset") view=pages::ResetPage />
                    <Route path=path!("/board") view=pages::BoardPage ssr=SsrMode::Async />
                    <Route path=path!("/tasks/new") view=pages::NewTaskPage ssr=SsrMode::Async />
                    <Route path=path!("/tasks/:id") view=pages::TaskPage ssr=SsrMode::Async />
                    <Route path=path!("/my") view=pages::MyTasksPage ssr=SsrMode::Async />
                    <Route path=path!("/team") view=pages::TeamPage ssr=SsrMode::Async />
                    <Route path=path!("/labels") view=pages::LabelsPage ssr=SsrMode::Async />
                    <Route path=path!("/projects") view=pages::ProjectsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=pages::DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/profile") view=pages::ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view=pages::NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/webhooks") view=pages::WebhooksPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
