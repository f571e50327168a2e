use leptos::prelude::*;
use leptos_meta::Title;

/// What tasklane is and where to go next. It shows nothing about the server
/// (no version, no storage backend): that is an attacker's first question.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="card">
            <h1>"Welcome to tasklane"</h1>
            <p>"A team task manager: admins plan and assign the work, members move their tasks along, and everyone sees what is due next."</p>
            <p class="row">
                <a class="button" href="/board">"Open the board"</a>
                <a class="button secondary" href="/signin">"Sign in"</a>
            </p>
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
