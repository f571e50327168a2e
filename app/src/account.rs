//! Account pages and their server functions: sign up, confirm, sign in,
//! sign out, forgotten password.
//!
//! These forms are plain POSTs even after hydration, on purpose: signing in
//! or out changes cookies and who the whole page is for, so a full page load
//! after the server's redirect is the simplest correct refresh. Errors come
//! back in the redirect URL and `ServerAction` shows them inline.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::pages::{action_error, FormAlert};
use serde::{Deserialize, Serialize};

/// Who is signed in, for the navigation bar and role-aware pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub is_admin: bool,
}

#[server(endpoint = "auth/me")]
pub async fn whoami() -> Result<Option<Me>, ServerFnError> {
    Ok(crate::session::current_session().await.map(|s| Me {
        user_id: s.user.to_string(),
        email: s.email.as_str().to_owned(),
        is_admin: s.role == domain::Role::Admin,
    }))
}

#[cfg(feature = "ssr")]
mod server {
    use std::sync::Arc;
    use std::time::Duration;

    use auth::limits::Flow;
    use auth::provider::ProviderError;
    use auth::session::AuthState;
    use http::{request::Parts, StatusCode};
    use leptos::prelude::*;

    pub use crate::guard::{bad_request, fail};

    /// Every account flow that could tell known emails from unknown ones by
    /// its speed answers no sooner than this (above the slowest branch: an
    /// argon2 hash plus a store write and a mail hand-off).
    pub const FLOOR: Duration = Duration::from_millis(250);

    pub fn auth() -> Result<Arc<AuthState>, ServerFnError> {
        crate::guard::ctx().map(|c| c.auth)
    }

    pub fn parts() -> Result<Parts, ServerFnError> {
        use_context::<Parts>()
            .ok_or_else(|| fail(StatusCode::INTERNAL_SERVER_ERROR, "Server misconfigured."))
    }

    pub fn provider_error(e: ProviderError) -> ServerFnError {
        if let ProviderError::Internal(detail) = &e {
            tracing::error!(error = %detail, "auth provider failure");
        }
        fail(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            e.public_message(),
        )
    }

    /// Counts one attempt at `flow` against the client's budget and, if
    /// `raw` is a well-formed email, against that account's (normalized)
    /// budget; then parses it. Counting comes first, so malformed input is
    /// limited too.
    pub fn limited_email(
        auth: &AuthState,
        parts: &Parts,
        flow: Flow,
        raw: &str,
    ) -> Result<domain::Email, ServerFnError> {
        let parsed = domain::Email::parse(raw);
        let client = crate::session::client_addr(parts);
        if auth
            .limits
            .check(flow, parsed.as_ref().ok(), &client)
            .is_err()
        {
            tracing::warn!(%client, ?flow, "account flow rate limit hit");
            return Err(fail(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts. Wait a few minutes and try again.",
            ));
        }
        parsed.map_err(|e| bad_request(e.to_string()))
    }

    /// Where to go after signing in: `next` only if, parsed the way a
    /// browser parses a link on one of our pages, it stays on our origin
    /// (browsers drop tabs and newlines and read `\\` as `/`, so
    /// `/\t/evil.example` would be `//evil.example`). The answer is the
    /// parser's own serialization, percent-encoded, so it is always a valid
    /// header value. Anything else goes to the home page.
    pub fn safe_next(next: &str) -> String {
        const BASE: &str = "https://tasklane.invalid/";
        let Ok(base) = url::Url::parse(BASE) else {
            return "/".into();
        };
        match base.join(next) {
            Ok(u) if next.starts_with('/') && u.origin() == base.origin() => {
                u.as_str()[BASE.len() - 1..].to_owned()
            }
            _ => "/".into(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::safe_next;

        #[test]
        fn next_stays_on_our_origin() {
            for (next, want) in [
                ("/board?col=OPEN", "/board?col=OPEN"),
                ("/tasks/1#c", "/tasks/1#c"),
                ("/a b", "/a%20b"),
                ("//evil.example", "/"),
                ("/\t/evil.example", "/"),
                ("/\n/evil.example", "/"),
                ("/\\evil.example", "/"),
                ("\\/evil.example", "/"),
                ("https://evil.example/", "/"),
                ("javascript:alert(1)", "/"),
                ("evil.example", "/"),
                (" /board", "/"),
                ("/\u{0}x", "/%00x"),
                ("", "/"),
            ] {
                assert_eq!(safe_next(next), want, "{next:?}");
            }
        }
    }
}

#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    setup: Option<String>,
) -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    let parts = parts()?;
    let email = limited_email(&auth, &parts, auth::limits::Flow::SignUp, &email)?;
    let name = domain::DisplayName::parse(&display_name).map_err(|e| bad_request(e.to_string()))?;
    let bootstrap = auth
        .bootstrap
        .allows(crate::session::bootstrap_origin(&parts), setup.as_deref());
    auth::at_least(
        FLOOR,
        auth.provider.sign_up(&email, &password, &name, bootstrap),
    )
    .await
    .map_err(provider_error)?;
    leptos_axum::redirect(&format!(
        "/confirm?email={}",
        crate::pages::encode(email.as_str())
    ));
    Ok(())
}

#[server(endpoint = "auth/confirm")]
pub async fn confirm_sign_up(email: String, code: String) -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    let email = limited_email(&auth, &parts()?, auth::limits::Flow::Confirm, &email)?;
    auth::at_least(FLOOR, auth.provider.confirm_sign_up(&email, &code))
        .await
        .map_err(provider_error)?;
    leptos_axum::redirect(&format!(
        "/signin?confirmed=1&email={}",
        crate::pages::encode(email.as_str())
    ));
    Ok(())
}

#[server(endpoint = "auth/resend")]
pub async fn resend_confirmation(email: String) -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    let email = limited_email(&auth, &parts()?, auth::limits::Flow::Resend, &email)?;
    auth::at_least(FLOOR, auth.provider.resend_confirmation(&email))
        .await
        .map_err(provider_error)?;
    leptos_axum::redirect(&format!(
        "/confirm?resent=1&email={}",
        crate::pages::encode(email.as_str())
    ));
    Ok(())
}

#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    let email = limited_email(&auth, &parts()?, auth::limits::Flow::SignIn, &email)?;
    let tokens = auth
        .provider
        .sign_in(&email, &password)
        .await
        .map_err(provider_error)?;
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        crate::session::set_session_cookies(&resp, &tokens, auth.secure_cookies);
    }
    leptos_axum::redirect(&safe_next(next.as_deref().unwrap_or("/")));
    Ok(())
}

#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    if let Some(rt) = crate::session::refresh_cookie(&parts()?, auth.secure_cookies) {
        if let Err(e) = auth.provider.sign_out(&rt).await {
            tracing::warn!(error = %e, "revoking the refresh token failed");
        }
    }
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        crate::session::clear_session_cookies(&resp, auth.secure_cookies);
    }
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "auth/forgot")]
pub async fn forgot_password(email: String) -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    let email = limited_email(&auth, &parts()?, auth::limits::Flow::Forgot, &email)?;
    auth::at_least(FLOOR, auth.provider.forgot_password(&email))
        .await
        .map_err(provider_error)?;
    leptos_axum::redirect(&format!(
        "/reset?email={}",
        crate::pages::encode(email.as_str())
    ));
    Ok(())
}

#[server(endpoint = "auth/reset")]
pub async fn reset_password(
    email: String,
    code: String,
    password: String,
) -> Result<(), ServerFnError> {
    use server::*;
    let auth = auth()?;
    let email = limited_email(&auth, &parts()?, auth::limits::Flow::Reset, &email)?;
    auth::at_least(
        FLOOR,
        auth.provider
            .confirm_forgot_password(&email, &code, &password),
    )
    .await
    .map_err(provider_error)?;
    leptos_axum::redirect(&format!(
        "/signin?reset=1&email={}",
        crate::pages::encode(email.as_str())
    ));
    Ok(())
}

fn query_param(name: &'static str) -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || q.read().get(name).unwrap_or_default())
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let err = Signal::derive(move || action_error(action.value().get()));
    let setup = query_param("setup");
    view! {
        <Title text="Sign up" />
        <section class="card narrow" aria-labelledby="signup-title">
            <h1 id="signup-title">"Create your account"</h1>
            <p class="muted">"The first account of a new installation becomes its admin: from the server's own machine, or with the setup link printed in the server's log."</p>
            <form method="post" action=SignUp::url() class="stack">
                <input type="hidden" name="setup" value=setup />
                <label for="su-email">"Email"</label>
                <input id="su-email" type="email" name="email" required autocomplete="email" />
                <label for="su-name">"Display name"</label>
                <input id="su-name" type="text" name="display_name" required maxlength="80" autocomplete="name" />
                <label for="su-password">"Password"</label>
                <input id="su-password" type="password" name="password" required minlength="12" autocomplete="new-password" aria-describedby="pw-help" />
                <small id="pw-help" class="muted">"At least 12 characters, with upper- and lower-case letters, a digit and a symbol."</small>
                <FormAlert message=err />
                <button type="submit">"Sign up"</button>
            </form>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ConfirmPage() -> impl IntoView {
    let action = ServerAction::<ConfirmSignUp>::new();
    let err = Signal::derive(move || action_error(action.value().get()));
    let resend = ServerAction::<ResendConfirmation>::new();
    let resend_err = Signal::derive(move || action_error(resend.value().get()));
    let email = query_param("email");
    let resent = query_param("resent");
    view! {
        <Title text="Confirm your email" />
        <section class="card narrow" aria-labelledby="confirm-title">
            <h1 id="confirm-title">"Check your email"</h1>
            <p>"We sent a six-digit code to " <strong>{email}</strong> ". Enter it to finish signing up."</p>
            <form method="post" action=ConfirmSignUp::url() class="stack">
                <input type="hidden" name="email" value=email />
                <label for="cf-code">"Confirmation code"</label>
                <input id="cf-code" type="text" name="code" required inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" />
                <FormAlert message=err />
                <button type="submit">"Confirm"</button>
            </form>
            <Show when=move || resent.get() == "1">
                <p class="success" role="status">"If this email is waiting for confirmation, a new code is on its way."</p>
            </Show>
            <form method="post" action=ResendConfirmation::url() class="inline">
                <input type="hidden" name="email" value=email />
                <FormAlert message=resend_err />
                <button type="submit" class="secondary small">"Send a new code"</button>
            </form>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let err = Signal::derive(move || action_error(action.value().get()));
    let email = query_param("email");
    let next = query_param("next");
    let confirmed = query_param("confirmed");
    let reset = query_param("reset");
    view! {
        <Title text="Sign in" />
        <section class="card narrow" aria-labelledby="signin-title">
            <h1 id="signin-title">"Sign in"</h1>
            <Show when=move || confirmed.get() == "1">
                <p class="success" role="status">"Your email is confirmed. Sign in to start."</p>
            </Show>
            <Show when=move || reset.get() == "1">
                <p class="success" role="status">"Your password was changed. Sign in with the new one."</p>
            </Show>
            <form method="post" action=SignIn::url() class="stack">
                <input type="hidden" name="next" value=move || { let n = next.get(); if n.is_empty() { "/".to_string() } else { n } } />
                <label for="si-email">"Email"</label>
                <input id="si-email" type="email" name="email" required autocomplete="email" value=email />
                <label for="si-password">"Password"</label>
                <input id="si-password" type="password" name="password" required autocomplete="current-password" />
                <FormAlert message=err />
                <button type="submit">"Sign in"</button>
            </form>
            <p><a href="/forgot">"Forgot your password?"</a> " · " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let err = Signal::derive(move || action_error(action.value().get()));
    view! {
        <Title text="Forgot password" />
        <section class="card narrow" aria-labelledby="forgot-title">
            <h1 id="forgot-title">"Reset your password"</h1>
            <form method="post" action=ForgotPassword::url() class="stack">
                <label for="fp-email">"Email"</label>
                <input id="fp-email" type="email" name="email" required autocomplete="email" />
                <FormAlert message=err />
                <button type="submit">"Send a reset code"</button>
            </form>
        </section>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let err = Signal::derive(move || action_error(action.value().get()));
    let email = query_param("email");
    view! {
        <Title text="Choose a new password" />
        <section class="card narrow" aria-labelledby="reset-title">
            <h1 id="reset-title">"Choose a new password"</h1>
            <p>"If " <strong>{email}</strong> " has an account, we sent it a code."</p>
            <form method="post" action=ResetPassword::url() class="stack">
                <input type="hidden" name="email" value=email />
                <label for="rp-code">"Reset code"</label>
                <input id="rp-code" type="text" name="code" required inputmode="numeric" maxlength="6" autocomplete="one-time-code" />
                <label for="rp-password">"New password"</label>
                <input id="rp-password" type="password" name="password" required minlength="12" autocomplete="new-password" />
                <FormAlert message=err />
                <button type="submit">"Change password"</button>
            </form>
        </section>
    }
}

/// The role-aware navigation: links for what this user may do, the
/// notification bell, and sign-in state. Sign-out is a form so it works
/// without JavaScript and is never a GET that a link prefetch could trigger.
#[component]
pub fn AccountNav() -> impl IntoView {
    use crate::islands::{Bell, Shortcuts};
    use leptos_router::components::A;
    let me = Resource::new(|| (), |_| whoami());
    let unread = Resource::new(|| (), |_| crate::people::unread_count());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        let unread = unread.await.unwrap_or(0);
                        let badge = if unread > 99 { "99+".to_string() } else { unread.to_string() };
                        view! {
                            <ul class="nav-links">
                                <li><A href="/board">"Board"</A></li>
                                <li><A href="/my">"My tasks"</A></li>
                                {me.is_admin.then(|| view! {
                                    <li><A href="/tasks/new">"New task"</A></li>
                                    <li><A href="/dashboard">"Dashboard"</A></li>
                                    <li><A href="/team">"Team"</A></li>
                                })}
                            </ul>
                            <div class="nav-account">
                                <Bell>
                                    <a href="/notifications" class="bell" data-testid="bell"
                                       aria-label=format!("Notifications, {unread} unread")>
                                        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5-6.71V3a2 2 0 1 0-4 0v1.29A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>
                                        {(unread > 0).then(|| view! { <span class="bell-count" data-testid="bell-count">{badge}</span> })}
                                    </a>
                                </Bell>
                                <a href="/profile" class="muted" data-testid="whoami">{me.email.clone()} {if me.is_admin { " (admin)" } else { "" }}</a>
                                <form method="post" action=SignOut::url() class="inline">
                                    <button type="submit" class="secondary small">"Sign out"</button>
                                </form>
                            </div>
                            <Shortcuts>
                                <dialog class="card help" aria-labelledby="help-title" data-testid="shortcuts-help">
                                    <h2 id="help-title">"Keyboard shortcuts"</h2>
                                    <dl class="keys">
                                        {me.is_admin.then(|| view! { <dt><kbd>"n"</kbd></dt><dd>"New task"</dd> })}
                                        <dt><kbd>"/"</kbd></dt><dd>"Search the board"</dd>
                                        <dt><kbd>"j"</kbd>" / "<kbd>"k"</kbd></dt><dd>"Next / previous card on the board"</dd>
                                        <dt><kbd>"Shift"</kbd>" + "<kbd>"←"</kbd>" / "<kbd>"→"</kbd></dt><dd>"Move the focused card to the column before / after"</dd>
                                        <dt><kbd>"?"</kbd></dt><dd>"This help"</dd>
                                    </dl>
                                    <form method="dialog"><button type="submit" class="secondary small">"Close"</button></form>
                                </dialog>
                            </Shortcuts>
                        }.into_any()
                    }
                    _ => view! {
                        <ul class="nav-links">
                            <li><A href="/about">"About"</A></li>
                        </ul>
                        <div class="nav-account">
                            <a href="/signin" class="button secondary">"Sign in"</a>
                            <a href="/signup" class="button">"Sign up"</a>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
