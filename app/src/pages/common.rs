//! Small pieces every data page uses: error display, badges, query strings.

use leptos::prelude::*;

use domain::{Priority, Status};

use crate::error::AppError;

/// The sentence of a server function error, as the server worded it.
pub fn message(e: &AppError) -> String {
    e.to_string()
}

/// The message of a finished action, if it failed.
pub fn action_error<T: Clone + Send + Sync + 'static>(
    v: Option<Result<T, AppError>>,
) -> Option<String> {
    match v {
        Some(Err(e)) => Some(message(&e)),
        _ => None,
    }
}

/// A page-level failure: the server's sentence, and a sign-in link that
/// comes back here when the failure is that nobody is signed in. Rendered
/// on the server, the page answers with the error's status, so a task page
/// a member may not see is a 404 like the missing one it must resemble.
#[component]
pub fn LoadError(error: AppError, #[prop(into)] here: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(error.status());
    }
    let signin = matches!(error, AppError::Unauthenticated(_));
    let text = message(&error);
    view! {
        <section class="card narrow" role="alert" data-testid="page-error">
            <p class="error">{text}</p>
            {signin.then(|| view! {
                <p><a class="button" href=format!("/signin?next={}", encode(&here))>"Sign in"</a></p>
            })}
        </section>
    }
}

/// An inline alert under a form.
#[component]
pub fn FormAlert(message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="error" role="alert" data-testid="form-error">{move || message.get()}</p>
        </Show>
    }
}

/// "Saved." under a form, once it has been saved in place: the `LiveForms`
/// island fills it in after a successful submission, and the next update
/// empties it again. (A full-page submission lands on the updated page.)
#[component]
pub fn Saved() -> impl IntoView {
    view! { <p class="success" role="status" data-saved="Saved."></p> }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str().to_lowercase())>{status.label()}</span> }
}

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! {
        <span class=format!("badge prio-{}", priority.as_str().to_lowercase()) title="Priority">
            {priority.label()}
        </span>
    }
}

/// A card's checklist progress and repeat mark, each with words for
/// screen readers.
#[component]
pub fn CardExtras(progress: Option<(u16, u16)>, recurring: bool) -> impl IntoView {
    view! {
        {progress.map(|(done, total)| view! {
            <span class="progress small" class:complete=done == total title="Checklist" data-testid="card-progress">
                <span aria-hidden="true">"☑ "</span>{format!("{done}/{total}")}
                <span class="sr-only">" checklist items done"</span>
            </span>
        })}
        {recurring.then(|| view! {
            <span class="repeats small" title="Repeats" data-testid="card-repeats">
                <span aria-hidden="true">"↻"</span><span class="sr-only">"Repeats"</span>
            </span>
        })}
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `?k=v&…` from the non-empty pairs.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Text for the children of an element whose content the HTML parser reads
/// as text up to its closing tag (`<title>`, `<textarea>`). Leptos writes
/// such children unescaped on the server, so user text like
/// `</title><script>…` would end the element and run; escaped, the browser
/// decodes it back to the very characters typed. In the browser the text
/// goes into the DOM as text, so it is left as it is. User text never goes
/// into `<script>` or `<style>`, where no escaping helps.
pub fn raw_text_safe(s: &str) -> String {
    if cfg!(feature = "ssr") {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
        out
    } else {
        s.to_owned()
    }
}
