//! Account server functions. Their forms are plain POSTs even after
//! hydration, on purpose: signing in or out changes cookies and who the
//! whole page is for, so a full page load after the server's redirect is the
//! simplest correct refresh. Errors come back in the redirect URL and
//! `ServerAction` shows them inline.

use leptos::prelude::*;

use super::model::Me;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::flow::{safe_next, Attempt},
    crate::ctx::{request_parts, server},
    auth::limits::Flow,
};

#[server(endpoint = "auth/me")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    Ok(crate::session::current_session().await.map(|s| Me {
        user_id: s.user.to_string(),
        email: s.email.as_str().to_owned(),
        is_admin: s.role == domain::Role::Admin,
    }))
}

#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    setup: Option<String>,
) -> Result<(), AppError> {
    let at = Attempt::start(Flow::SignUp, &email)?;
    let name = domain::DisplayName::parse(&display_name)?;
    let origin = crate::session::bootstrap_origin(&at.parts);
    let bootstrap = at.auth.bootstrap.allows(origin, setup.as_deref());
    crate::invites::query::admit(&server()?.store, at.auth.signup, &at.email).await?;
    let provider = at.auth.provider.as_ref();
    at.no_faster(provider.sign_up(&at.email, &password, &name, bootstrap))
        .await?;
    at.redirect_with_email("/confirm");
    Ok(())
}

#[server(endpoint = "auth/confirm")]
pub async fn confirm_sign_up(email: String, code: String) -> Result<(), AppError> {
    let at = Attempt::start(Flow::Confirm, &email)?;
    at.no_faster(at.auth.provider.confirm_sign_up(&at.email, &code))
        .await?;
    at.redirect_with_email("/signin?confirmed=1");
    Ok(())
}

#[server(endpoint = "auth/resend")]
pub async fn resend_confirmation(email: String) -> Result<(), AppError> {
    let at = Attempt::start(Flow::Resend, &email)?;
    at.no_faster(at.auth.provider.resend_confirmation(&at.email))
        .await?;
    at.redirect_with_email("/confirm?resent=1");
    Ok(())
}

#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let at = Attempt::start(Flow::SignIn, &email)?;
    let tokens = at.auth.provider.sign_in(&at.email, &password).await?;
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        crate::session::set_session_cookies(&resp, &tokens, at.auth.secure_cookies);
    }
    leptos_axum::redirect(&safe_next(next.as_deref().unwrap_or("/")));
    Ok(())
}

#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let auth = server()?.auth;
    if let Some(rt) = crate::session::refresh_cookie(&request_parts()?, auth.secure_cookies) {
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
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let at = Attempt::start(Flow::Forgot, &email)?;
    at.no_faster(at.auth.provider.forgot_password(&at.email))
        .await?;
    at.redirect_with_email("/reset");
    Ok(())
}

#[server(endpoint = "auth/reset")]
pub async fn reset_password(email: String, code: String, password: String) -> Result<(), AppError> {
    let at = Attempt::start(Flow::Reset, &email)?;
    let provider = at.auth.provider.as_ref();
    at.no_faster(provider.confirm_forgot_password(&at.email, &code, &password))
        .await?;
    at.redirect_with_email("/signin?reset=1");
    Ok(())
}
