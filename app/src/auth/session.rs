//! Sessions: tokens in HttpOnly cookies, silent refresh, and the guards
//! every server function starts with.
//!
//! The access token authorises (its `cognito:groups` is the role); the
//! refresh token renews it when it expires, during whatever request notices,
//! so users are not bounced to the sign-in page every hour.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::{Role, UserId};
use http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::provider::{AuthProvider, SessionTokens};
use super::{TokenUse, Validator};

pub const ACCESS_COOKIE: &str = "tl_access";
pub const REFRESH_COOKIE: &str = "tl_refresh";
const REFRESH_MAX_AGE: u64 = 30 * 24 * 3600;

/// Everything authentication needs at request time.
pub struct AuthState {
    pub validator: Arc<Validator>,
    pub provider: Arc<dyn AuthProvider>,
    /// `Secure` on cookies: true everywhere but plain-HTTP localhost.
    pub secure_cookies: bool,
    pub limiter: SignInLimiter,
}

/// The signed-in user, as their access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub email: String,
    pub role: Role,
}

impl Session {
    pub fn actor(&self) -> domain::Actor {
        domain::Actor {
            user_id: self.user,
            role: self.role,
        }
    }
}

fn cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn append_cookie(resp: &ResponseOptions, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.append_header(header::SET_COOKIE, v);
    }
}

pub fn set_session_cookies(resp: &ResponseOptions, tokens: &SessionTokens, secure: bool) {
    append_cookie(
        resp,
        cookie(
            ACCESS_COOKIE,
            &tokens.access_token,
            tokens.expires_in,
            secure,
        ),
    );
    if let Some(rt) = &tokens.refresh_token {
        append_cookie(resp, cookie(REFRESH_COOKIE, rt, REFRESH_MAX_AGE, secure));
    }
}

pub fn clear_session_cookies(resp: &ResponseOptions, secure: bool) {
    append_cookie(resp, cookie(ACCESS_COOKIE, "", 0, secure));
    append_cookie(resp, cookie(REFRESH_COOKIE, "", 0, secure));
}

/// The value of cookie `name` in the request, if any.
pub fn read_cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

fn auth_state() -> Option<Arc<AuthState>> {
    use_context::<crate::ssr::ServerContext>().map(|c| c.auth.clone())
}

/// The current session, refreshing an expired access token on the way.
/// `None` means anonymous; bad tokens are logged and treated as anonymous.
pub async fn current_session() -> Option<Session> {
    let auth = auth_state()?;
    let parts = use_context::<Parts>()?;
    let resp = use_context::<ResponseOptions>();
    if let Some(token) = read_cookie(&parts, ACCESS_COOKIE) {
        match auth.validator.validate(&token, TokenUse::Access).await {
            Ok(claims) => return session_of(&claims),
            Err(e) => tracing::debug!(reason = %e, "access token refused"),
        }
    }
    let refresh = read_cookie(&parts, REFRESH_COOKIE)?;
    match auth.provider.refresh(&refresh).await {
        Ok(tokens) => {
            let claims = auth
                .validator
                .validate(&tokens.access_token, TokenUse::Access)
                .await
                .ok()?;
            if let Some(resp) = &resp {
                set_session_cookies(resp, &tokens, auth.secure_cookies);
            }
            session_of(&claims)
        }
        Err(e) => {
            tracing::info!(reason = %e, "refresh refused; clearing the session");
            if let Some(resp) = &resp {
                clear_session_cookies(resp, auth.secure_cookies);
            }
            None
        }
    }
}

fn session_of(claims: &super::Claims) -> Option<Session> {
    let user = UserId::parse(&claims.sub).ok()?;
    Some(Session {
        user,
        email: claims
            .email
            .clone()
            .or_else(|| claims.username.clone())
            .unwrap_or_default(),
        role: claims.role,
    })
}

/// Whether the current request is a plain HTML form post (no JavaScript).
/// Such posts must keep the redirect back to the form, which carries the
/// error; a 4xx status would stop the browser from following it. API
/// clients and hydrated forms get the real status instead.
pub fn is_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(header::ACCEPT).cloned())
        .and_then(|v| v.to_str().ok().map(|v| v.contains("text/html")))
        .unwrap_or(false)
}

/// Sets the response status unless this is a plain form post.
pub fn set_status(status: StatusCode) {
    if let (false, Some(resp)) = (is_form_post(), use_context::<ResponseOptions>()) {
        resp.set_status(status);
    }
}

/// Any signed-in user, else 401.
pub async fn require_user() -> Result<Session, ServerFnError> {
    match current_session().await {
        Some(s) => Ok(s),
        None => {
            set_status(StatusCode::UNAUTHORIZED);
            Err(ServerFnError::new("Please sign in to continue."))
        }
    }
}

/// An admin, else 401 (anonymous) or 403 (member).
pub async fn require_admin() -> Result<Session, ServerFnError> {
    let s = require_user().await?;
    if s.role != Role::Admin {
        set_status(StatusCode::FORBIDDEN);
        return Err(ServerFnError::new("Only admins can do that."));
    }
    Ok(s)
}

/// Fixed-window counters for sign-in attempts, per account and per client
/// address, so neither one account nor one client can guess at speed.
pub struct SignInLimiter {
    window: Duration,
    per_account: u32,
    per_client: u32,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl SignInLimiter {
    pub fn new(window: Duration, per_account: u32, per_client: u32) -> Self {
        Self {
            window,
            per_account,
            per_client,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt; `false` once either budget is spent.
    pub fn allow(&self, account: &str, client: &str) -> bool {
        self.allow_at(account, client, Instant::now())
    }

    pub fn allow_at(&self, account: &str, client: &str, now: Instant) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let mut bump = |key: String, max: u32| {
            let e = counts.entry(key).or_insert((now, 0));
            if now.duration_since(e.0) >= self.window {
                *e = (now, 0);
            }
            e.1 += 1;
            e.1 <= max
        };
        let a = bump(
            format!("acct:{}", account.to_ascii_lowercase()),
            self.per_account,
        );
        let c = bump(format!("client:{client}"), self.per_client);
        a && c
    }
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 10, 50)
    }
}

/// The client address: the socket peer locally, the API Gateway source IP
/// (passed as `x-forwarded-for` by the Lambda adapter) in production.
pub fn client_addr(parts: &Parts) -> String {
    if let Some(ci) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return ci.0.ip().to_string();
    }
    parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_per_account_and_per_client_and_resets() {
        let l = SignInLimiter::new(Duration::from_secs(60), 3, 5);
        let t0 = Instant::now();
        assert!((0..3).all(|_| l.allow_at("a@x.io", "1.1.1.1", t0)));
        assert!(
            !l.allow_at("A@X.io", "2.2.2.2", t0),
            "4th try on one account"
        );
        assert!(l.allow_at("b@x.io", "1.1.1.1", t0), "4th try from 1.1.1.1");
        assert!(l.allow_at("c@x.io", "1.1.1.1", t0), "5th try from 1.1.1.1");
        assert!(
            !l.allow_at("d@x.io", "1.1.1.1", t0),
            "6th try from one client"
        );
        assert!(
            l.allow_at("a@x.io", "3.3.3.3", t0 + Duration::from_secs(61)),
            "window over"
        );
    }

    #[test]
    fn cookies_are_httponly_lax_and_secure_off_localhost() {
        let c = cookie(ACCESS_COOKIE, "tok", 3600, true);
        assert_eq!(
            c,
            "tl_access=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure"
        );
        assert!(!cookie(ACCESS_COOKIE, "tok", 1, false).contains("Secure"));
    }
}
