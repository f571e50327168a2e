use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route claims, with a real 404 status so crawlers and
/// API clients are not told a missing page exists.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found" />
        <section class="card narrow" aria-labelledby="nf-title">
            <h1 id="nf-title">"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or you may not have access to it."</p>
            <p><a href="/" class="button">"Go to the home page"</a></p>
        </section>
    }
}
