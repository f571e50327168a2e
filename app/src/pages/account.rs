//! Account pages: sign up, confirm, sign in, forgotten password, and the
//! navigation's account corner. Their forms are plain POSTs (see
//! `crate::account::api`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::common::{action_error, FormAlert};
use crate::account::{
    whoami, ConfirmSignUp, ForgotPassword, ResendConfirmation, ResetPassword, SignIn, SignOut,
    SignUp,
};

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
    let unread = Resource::new(|| (), |_| crate::notifications::unread_count());
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
                                    <li><A href="/projects">"Projects"</A></li>
                                    <li><A href="/labels">"Labels"</A></li>
                                    <li><A href="/settings/webhooks">"Webhooks"</A></li>
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

/// The invitation link: who invited whom, until when, and the sign-up form
/// for that address. Signing up goes through the ordinary sign-up and
/// confirmation; confirming uses up the invitation and makes a member.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let action = ServerAction::<SignUp>::new();
    let err = Signal::derive(move || action_error(action.value().get()));
    let data = Resource::new(move || token.get(), crate::invites::invitation);
    view! {
        <Title text="Your invitation" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(inv) => view! {
                        <section class="card narrow" aria-labelledby="invite-title" data-testid="invitation">
                            <h1 id="invite-title">"Join the team"</h1>
                            <p><strong data-testid="inviter">{inv.inviter.clone()}</strong>" invited "
                                <strong data-testid="invitee">{inv.email.clone()}</strong>" to tasklane. This invitation expires on "
                                <span data-testid="expires">{inv.expires_at.clone()}</span>"."</p>
                            <form method="post" action=SignUp::url() class="stack" data-testid="invite-signup">
                                <input type="hidden" name="email" value=inv.email.clone() />
                                <label for="iv-name">"Display name"</label>
                                <input id="iv-name" type="text" name="display_name" required maxlength="80" autocomplete="name" />
                                <label for="iv-password">"Password"</label>
                                <input id="iv-password" type="password" name="password" required minlength="12" autocomplete="new-password" aria-describedby="iv-pw-help" />
                                <small id="iv-pw-help" class="muted">"At least 12 characters, with upper- and lower-case letters, a digit and a symbol."</small>
                                <FormAlert message=err />
                                <button type="submit">"Accept and sign up"</button>
                            </form>
                            <p class="muted small">"We will email a code to that address to confirm it."</p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <super::common::LoadError error=e here="/" /> }.into_any(),
                }
            })}
        </Transition>
    }
}
