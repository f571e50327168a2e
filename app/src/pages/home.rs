use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{server_status, Greet};

#[component]
pub fn Home() -> impl IntoView {
    let info = Resource::new(|| (), |_| server_status());
    let (clicks, set_clicks) = signal(0u32);
    let greet = ServerAction::<Greet>::new();

    view! {
        <Title text="" />
        <section class="card">
            <h1>"Welcome to tasklane"</h1>
            <p>"A team task manager that runs on one machine or on AWS."</p>
            <Suspense fallback=|| view! { <p class="muted">"Asking the server…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(i) => view! {
                            <p data-testid="server-info">
                                "Server " {i.version} " · storage: " {i.storage}
                            </p>
                        }.into_any(),
                        Err(_) => view! { <p class="error" role="alert">"The server did not answer."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>

        <section class="card" aria-labelledby="greet-title">
            <h2 id="greet-title">"Say hello"</h2>
            <ActionForm action=greet attr:class="stack">
                <label for="greet-name">"Your name"</label>
                <input id="greet-name" type="text" name="name" maxlength="60" required autocomplete="name" />
                <button type="submit" class="button">"Greet me"</button>
            </ActionForm>
            <p aria-live="polite" data-testid="greeting">
                {move || match greet.value().get() {
                    Some(Ok(msg)) => msg,
                    Some(Err(e)) => super::common::message(&e),
                    None => String::new(),
                }}
            </p>
        </section>

        <section class="card" aria-labelledby="counter-title">
            <h2 id="counter-title">"Interactive once hydrated"</h2>
            <button
                class="button secondary"
                data-testid="counter"
                on:click=move |_| set_clicks.update(|c| *c += 1)
            >
                "Clicks: " {clicks}
            </button>
        </section>
    }
}

#[component]
pub fn About() -> impl IntoView {
    view! {
        <Title text="About" />
        <section class="card">
            <h1>"About tasklane"</h1>
            <p>"Admins plan and assign the work; members move their tasks along. Every page works without JavaScript and gets better with it."</p>
        </section>
    }
}
