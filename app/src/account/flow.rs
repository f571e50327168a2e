//! What every account flow does first and last: count the attempt against
//! the limits, read the email, answer no sooner than a fixed floor, and
//! choose where to send the browser afterwards.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use auth::limits::Flow;
use auth::provider::ProviderError;
use auth::session::AuthState;
use domain::Email;
use http::request::Parts;

use crate::ctx::{request_parts, server};
use crate::error::AppError;

/// Every account flow that could tell known emails from unknown ones by
/// its speed answers no sooner than this (above the slowest branch: an
/// argon2 hash plus a store write and a mail hand-off).
const FLOOR: Duration = Duration::from_millis(250);

/// One attempt at an account flow, admitted by the limits.
pub struct Attempt {
    pub auth: Arc<AuthState>,
    pub parts: Parts,
    pub email: Email,
}

impl Attempt {
    /// Counts one attempt at `flow` against the client's budget and, if
    /// `raw` is a well-formed email, against that account's (normalized)
    /// budget; then parses it. Counting comes first, so malformed input is
    /// limited too.
    pub fn start(flow: Flow, raw: &str) -> Result<Attempt, AppError> {
        let (auth, parts) = (server()?.auth, request_parts()?);
        let parsed = Email::parse(raw);
        let client = crate::session::client_addr(&parts);
        if auth
            .limits
            .check(flow, parsed.as_ref().ok(), &client)
            .is_err()
        {
            tracing::warn!(%client, ?flow, "account flow rate limit hit");
            return Err(AppError::RateLimited(
                "Too many attempts. Wait a few minutes and try again.".into(),
            ));
        }
        Ok(Attempt {
            auth,
            parts,
            email: parsed?,
        })
    }

    /// Runs a provider call that must not reveal, by its speed, whether the
    /// email has an account.
    pub async fn no_faster<T>(
        &self,
        call: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, AppError> {
        Ok(auth::at_least(FLOOR, call).await?)
    }

    /// Sends the browser to `path` with this attempt's email in the query.
    pub fn redirect_with_email(&self, path: &str) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let email = crate::pages::encode(self.email.as_str());
        leptos_axum::redirect(&format!("{path}{sep}email={email}"));
    }
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
