//! Sessions: which cookies carry the tokens, and how one request's cookies
//! become a caller whose authority comes from the store.
//!
//! Tokens only identify. The role and the active flag are read from the
//! caller's profile on every request, so a demotion or a deactivation applies
//! to the very next request whatever tokens the caller still holds, and a
//! password reset or a deactivation ends every token issued before it
//! (`sessions_not_before_ms` against the token's `iat`).

use std::sync::Arc;

use domain::{DisplayName, Email, Role, UserId, UserProfile};
use http::{header, HeaderMap};
use store::{Store, StoreError};

use crate::limits::Limits;
use crate::provider::{AuthProvider, ProviderError, SessionTokens};
use crate::{TokenUse, Validator};

/// Everything authentication needs at request time.
pub struct AuthState {
    pub validator: Arc<Validator>,
    pub provider: Arc<dyn AuthProvider>,
    /// `Secure` (and so `__Host-` names) on cookies: everywhere but plain-HTTP
    /// localhost.
    pub secure_cookies: bool,
    pub limits: Limits,
    /// Who may become the first admin; see [`crate::bootstrap`].
    pub bootstrap: crate::bootstrap::Bootstrap,
    /// Who may sign up (`TASKLANE_SIGNUP`); see `domain::admit`.
    pub signup: domain::SignupMode,
    /// Makes and checks invitation links; `None` where none is configured
    /// (then inviting answers that invitations are not set up).
    pub invite_key: Option<store::InviteKey>,
}

/// The signed-in caller, as their profile says at this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
}

impl Session {
    pub fn actor(&self) -> domain::Actor {
        domain::Actor {
            user_id: self.user,
            role: self.role,
        }
    }

    fn of(p: UserProfile) -> Self {
        Session {
            user: p.id,
            email: p.email,
            display_name: p.display_name,
            role: p.role,
        }
    }
}

/// Access and refresh cookie names. Secure cookies take the `__Host-` prefix,
/// which browsers accept only with `Secure`, `Path=/` and no `Domain`, so a
/// sibling subdomain cannot plant or shadow them.
pub fn cookie_names(secure: bool) -> (&'static str, &'static str) {
    if secure {
        ("__Host-tl_access", "__Host-tl_refresh")
    } else {
        ("tl_access", "tl_refresh")
    }
}

const REFRESH_MAX_AGE: u64 = crate::provider::REFRESH_TTL_SECS as u64;

fn cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` values for freshly issued tokens.
pub fn session_cookies(tokens: &SessionTokens, secure: bool) -> Vec<String> {
    let (access, refresh) = cookie_names(secure);
    let mut out = vec![cookie(
        access,
        &tokens.access_token,
        tokens.expires_in,
        secure,
    )];
    if let Some(rt) = &tokens.refresh_token {
        out.push(cookie(refresh, rt, REFRESH_MAX_AGE, secure));
    }
    out
}

/// `Set-Cookie` values that end the session in this browser.
pub fn clearing_cookies(secure: bool) -> Vec<String> {
    let (access, refresh) = cookie_names(secure);
    vec![
        cookie(access, "", 0, secure),
        cookie(refresh, "", 0, secure),
    ]
}

/// The value of cookie `name` in the request, if any.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// What a request's cookies amount to, and the cookies to send back.
#[derive(Debug, Default)]
pub struct Resolution {
    pub session: Option<Session>,
    pub set_cookies: Vec<String>,
}

impl Resolution {
    fn anonymous() -> Self {
        Self::default()
    }

    fn ended(secure: bool) -> Self {
        Resolution {
            session: None,
            set_cookies: clearing_cookies(secure),
        }
    }
}

/// Identifies the caller from their cookies (refreshing an expired access
/// token on the way), then reads their profile once for the authority.
/// Bad tokens are logged and read as anonymous.
pub async fn resolve(auth: &AuthState, store: &dyn Store, headers: &HeaderMap) -> Resolution {
    let (access_name, refresh_name) = cookie_names(auth.secure_cookies);
    let mut set_cookies = Vec::new();
    let valid = match read_cookie(headers, access_name) {
        Some(token) => match auth.validator.validate(&token, TokenUse::Access).await {
            Ok(claims) => Some(claims),
            Err(e) => {
                tracing::debug!(reason = %e, "access token refused");
                None
            }
        },
        None => None,
    };
    let claims = match valid {
        Some(c) => c,
        None => {
            let Some(refresh) = read_cookie(headers, refresh_name) else {
                return Resolution::anonymous();
            };
            match auth.provider.refresh(&refresh).await {
                Ok(tokens) => match auth
                    .validator
                    .validate(&tokens.access_token, TokenUse::Access)
                    .await
                {
                    Ok(c) => {
                        set_cookies = session_cookies(&tokens, auth.secure_cookies);
                        c
                    }
                    Err(e) => {
                        tracing::error!(reason = %e, "a freshly issued access token does not validate");
                        return Resolution::anonymous();
                    }
                },
                // Another request of the same browser rotated this token a
                // moment ago and is setting the new cookies: leave them be.
                Err(ProviderError::RefreshRaced) => return Resolution::anonymous(),
                Err(e) => {
                    tracing::info!(reason = %e, "refresh refused; clearing the session");
                    return Resolution::ended(auth.secure_cookies);
                }
            }
        }
    };
    let Ok(user) = UserId::parse(&claims.sub) else {
        tracing::warn!("token subject is not a user id");
        return Resolution::ended(auth.secure_cookies);
    };
    let profile = match store.get_profile(user).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            tracing::warn!(%user, "valid token for a user without a profile");
            return Resolution::ended(auth.secure_cookies);
        }
        Err(e) => {
            tracing::error!(error = %e, %user, "reading the caller's profile failed");
            return Resolution::anonymous();
        }
    };
    if !profile.active {
        tracing::info!(%user, "deactivated user's token refused");
        return Resolution::ended(auth.secure_cookies);
    }
    if issued_before(claims.iat, profile.sessions_not_before_ms) {
        tracing::info!(%user, "token issued before the user's sessions were ended");
        return Resolution::ended(auth.secure_cookies);
    }
    Resolution {
        session: Some(Session::of(profile)),
        set_cookies,
    }
}

/// Whether a token issued at `iat` (whole seconds) certainly predates
/// `not_before_ms`. A token from the very second sessions were ended is
/// given the benefit of the doubt; refresh families, stamped to the
/// millisecond, carry no such doubt.
fn issued_before(iat: u64, not_before_ms: i64) -> bool {
    (iat as i64 + 1) * 1000 <= not_before_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_before_the_end_of_sessions_are_refused() {
        assert!(!issued_before(100, 0), "never ended");
        assert!(issued_before(99, 100_000));
        assert!(
            !issued_before(100, 100_500),
            "same second: benefit of the doubt"
        );
        assert!(!issued_before(101, 100_500));
    }

    #[test]
    fn cookies_are_httponly_lax_and_host_prefixed_when_secure() {
        let tokens = SessionTokens {
            id_token: String::new(),
            access_token: "tok".into(),
            refresh_token: Some("rt".into()),
            expires_in: 600,
        };
        let c = session_cookies(&tokens, true);
        assert_eq!(
            c[0],
            "__Host-tl_access=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=600; Secure"
        );
        assert!(c[1].starts_with("__Host-tl_refresh=rt; Path=/; HttpOnly; SameSite=Lax;"));
        let plain = session_cookies(&tokens, false);
        assert!(plain[0].starts_with("tl_access=tok;") && !plain[0].contains("Secure"));
        assert!(clearing_cookies(true)
            .iter()
            .all(|c| c.starts_with("__Host-") && c.contains("Max-Age=0")));
    }

    #[test]
    fn read_cookie_finds_the_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "xtl_access=no; tl_access=yes; tl_refresh=".parse().unwrap(),
        );
        assert_eq!(read_cookie(&h, "tl_access").as_deref(), Some("yes"));
        assert_eq!(read_cookie(&h, "tl_refresh"), None);
    }
}
