//! The one error type of every server function.
//!
//! A failure is a variant the UI branches on (a sign-in link for
//! [`AppError::Unauthenticated`], never a test of the wording) carrying the
//! sentence the user reads. The HTTP status follows from the variant alone,
//! in [`AppError::status`], and the router applies it to every server
//! function answer (`server::fn_errors`), so no function sets a status as
//! a side effect. Store, validation, policy and identity-provider errors
//! become an `AppError` in this file and nowhere else; what is internal is
//! logged here and replaced by a fixed sentence before anything is sent.

use std::fmt;

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// Nobody is signed in, the session ended, or the credentials are
    /// wrong: 401.
    Unauthenticated(String),
    /// Signed in (or known), but not allowed: 403.
    Forbidden(String),
    /// Missing, or hidden from this caller, which must read the same: 404.
    NotFound(String),
    /// Someone else changed it first (a stale version), or a guard such as
    /// the last admin stands in the way: 409.
    Conflict(String),
    /// Input that breaks a rule, or a request that cannot be read: 400.
    Invalid(String),
    /// Too many attempts: 429.
    RateLimited(String),
    /// The server could not be reached: only ever made in the browser (503
    /// if a server ever sent it).
    Unavailable,
    /// Anything else. What happened is in the server's log; the answer only
    /// says that it failed: 500.
    Internal,
}

/// What the anonymous are told wherever a signed-in user is needed.
pub const SIGN_IN: &str = "Please sign in to continue.";
const INTERNAL: &str = "Something went wrong on our side. Please try again.";
const UNAVAILABLE: &str = "The server could not be reached. Check your connection and try again.";

impl AppError {
    pub fn sign_in() -> AppError {
        AppError::Unauthenticated(SIGN_IN.into())
    }

    /// A task that does not exist and one the caller may not see answer
    /// exactly alike.
    pub fn task_not_found() -> AppError {
        AppError::NotFound("Task not found.".into())
    }

    /// The task form was rendered from an older version.
    pub fn task_changed() -> AppError {
        AppError::Conflict(
            "This task was changed by someone else. It has been reloaded: check it and try again."
                .into(),
        )
    }

    /// The Team page acted on an older version of this person.
    pub fn person_changed() -> AppError {
        AppError::Conflict(
            "This person was changed by someone else. The list has been reloaded: check it and try again."
                .into(),
        )
    }

    /// The profile form was rendered from an older version (another tab).
    pub fn profile_changed() -> AppError {
        AppError::Conflict(
            "Your profile was changed elsewhere. It has been reloaded: check it and save again."
                .into(),
        )
    }

    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid(message.into())
    }

    /// A failure the user cannot fix: `detail` goes to the log, the answer
    /// says only that something went wrong.
    #[cfg(feature = "ssr")]
    pub fn internal(detail: impl fmt::Display) -> AppError {
        tracing::error!(error = %detail, "internal error");
        AppError::Internal
    }

    /// The sentence the user reads.
    pub fn message(&self) -> &str {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::Invalid(m)
            | AppError::RateLimited(m) => m,
            AppError::Unavailable => UNAVAILABLE,
            AppError::Internal => INTERNAL,
        }
    }

    /// The name of the variant on the wire, for API clients.
    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Invalid(_) => "invalid",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::Internal => "internal",
        }
    }

    /// The HTTP status of an answer carrying this error.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for AppError {}

/// On the wire every error is `{"error": "<variant>", "message": "…"}`, so
/// API clients get the sentence whatever the variant.
#[derive(Serialize, Deserialize)]
struct Wire {
    error: String,
    #[serde(default)]
    message: String,
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            error: self.code().to_owned(),
            message: self.message().to_owned(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Wire { error, message } = Wire::deserialize(d)?;
        Ok(match error.as_str() {
            "unauthenticated" => AppError::Unauthenticated(message),
            "forbidden" => AppError::Forbidden(message),
            "not_found" => AppError::NotFound(message),
            "conflict" => AppError::Conflict(message),
            "invalid" => AppError::Invalid(message),
            "rate_limited" => AppError::RateLimited(message),
            "unavailable" => AppError::Unavailable,
            // Including variants a newer server may add: shown as a failure,
            // never as text the browser was not meant to display.
            _ => AppError::Internal,
        })
    }
}

/// How long a quoted decoding problem may be: it can quote the client's own
/// input ("unknown variant `<300 KB>`"), which is not worth sending back.
const MAX_DETAIL: usize = 200;

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Failures of the server-function machinery itself. Arguments that do
    /// not decode are the client's fault; the rest are ours (on the server)
    /// or the network's (in the browser).
    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        match e {
            ServerFnErrorErr::Args(d) | ServerFnErrorErr::MissingArg(d) => malformed(&d),
            // On the server this is a request body that did not decode; in
            // the browser, an answer that did not (a proxy's error page),
            // which falls to the generic failure below.
            ServerFnErrorErr::Deserialization(d) if cfg!(feature = "ssr") => malformed(&d),
            ServerFnErrorErr::Request(_) => AppError::Unavailable,
            #[cfg(feature = "ssr")]
            other => AppError::internal(other),
            #[cfg(not(feature = "ssr"))]
            _ => AppError::Internal,
        }
    }
}

fn malformed(detail: &str) -> AppError {
    let cut = detail
        .char_indices()
        .nth(MAX_DETAIL)
        .map_or(detail.len(), |(i, _)| i);
    AppError::Invalid(format!("The request could not be read: {}", &detail[..cut]))
}

#[cfg(feature = "ssr")]
mod from {
    //! Every other error an `AppError` is made from.
    use auth::provider::ProviderError;
    use auth::roles::RoleChangeError;
    use domain::{AssigneeError, Denied, TransitionError, ValidationError};
    use store::StoreError;

    use super::AppError;

    impl From<StoreError> for AppError {
        fn from(e: StoreError) -> Self {
            match e {
                StoreError::NotFound => {
                    AppError::NotFound("That no longer exists. Reload the page.".into())
                }
                StoreError::Conflict => AppError::Conflict(
                    "This was changed by someone else. It has been reloaded: check it and try again."
                        .into(),
                ),
                StoreError::AlreadyExists => AppError::Conflict("That already exists.".into()),
                StoreError::InvalidCursor => {
                    AppError::invalid("That page link is not valid any more.")
                }
                StoreError::LastAdmin => AppError::Conflict(
                    "The last admin cannot be demoted: promote someone else first.".into(),
                ),
                StoreError::Internal(detail) => AppError::internal(format!("storage: {detail}")),
            }
        }
    }

    impl From<ValidationError> for AppError {
        fn from(e: ValidationError) -> Self {
            AppError::Invalid(e.to_string())
        }
    }

    impl From<AssigneeError> for AppError {
        fn from(e: AssigneeError) -> Self {
            AppError::Invalid(e.to_string())
        }
    }

    impl From<TransitionError> for AppError {
        fn from(e: TransitionError) -> Self {
            AppError::Invalid(format!("Not allowed: {e}."))
        }
    }

    /// The policy's refusals: "not found" only ever concerns a task.
    impl From<Denied> for AppError {
        fn from(d: Denied) -> Self {
            match d {
                Denied::NotFound => AppError::task_not_found(),
                Denied::Forbidden => AppError::Forbidden("You are not allowed to do that.".into()),
            }
        }
    }

    impl From<ProviderError> for AppError {
        fn from(e: ProviderError) -> Self {
            let message = e.public_message();
            match e {
                ProviderError::InvalidCredentials
                | ProviderError::SessionExpired
                | ProviderError::RefreshRaced => AppError::Unauthenticated(message),
                ProviderError::NotConfirmed
                | ProviderError::PasswordResetRequired
                | ProviderError::Deactivated
                | ProviderError::NotInvited(_) => AppError::Forbidden(message),
                ProviderError::TooManyAttempts | ProviderError::RateLimited => {
                    AppError::RateLimited(message)
                }
                ProviderError::InvalidCode | ProviderError::WeakPassword(_) => {
                    AppError::Invalid(message)
                }
                ProviderError::Internal(detail) => {
                    AppError::internal(format!("auth provider: {detail}"))
                }
            }
        }
    }

    impl From<RoleChangeError> for AppError {
        fn from(e: RoleChangeError) -> Self {
            let message = e.public_message();
            match e {
                RoleChangeError::Forbidden | RoleChangeError::OwnAccount => {
                    AppError::Forbidden(message)
                }
                RoleChangeError::NotFound => AppError::NotFound(message),
                RoleChangeError::LastAdmin | RoleChangeError::Conflict => {
                    AppError::Conflict(message)
                }
                RoleChangeError::Provider(p) => p.into(),
                e @ (RoleChangeError::Store(_) | RoleChangeError::Inconsistent { .. }) => {
                    AppError::internal(format!("team change: {e}"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Vec<AppError> {
        let m = || "m".to_string();
        vec![
            AppError::Unauthenticated(m()),
            AppError::Forbidden(m()),
            AppError::NotFound(m()),
            AppError::Conflict(m()),
            AppError::Invalid(m()),
            AppError::RateLimited(m()),
            AppError::Unavailable,
            AppError::Internal,
        ]
    }

    #[test]
    fn every_variant_survives_the_wire() {
        for e in every() {
            let bytes = <AppError as FromServerFnError>::ser(&e);
            assert_eq!(AppError::de(bytes), e);
        }
        let json = serde_json::to_string(&AppError::task_not_found()).unwrap();
        assert_eq!(json, r#"{"error":"not_found","message":"Task not found."}"#);
    }

    #[test]
    fn a_sent_internal_message_is_never_shown() {
        let e: AppError =
            serde_json::from_str(r#"{"error":"internal","message":"db at 10.0.0.3 down"}"#)
                .unwrap();
        assert_eq!(e.to_string(), INTERNAL);
        let e: AppError = serde_json::from_str(r#"{"error":"teapot","message":"secret"}"#).unwrap();
        assert_eq!(e, AppError::Internal);
    }

    #[test]
    fn decoding_problems_are_the_clients_and_bounded() {
        let huge = format!("unknown variant `{}`", "é".repeat(300_000));
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args(huge));
        assert!(
            matches!(&e, AppError::Invalid(m) if m.chars().count() < 300),
            "{e:?}"
        );
        assert!(matches!(
            AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("version".into())),
            AppError::Invalid(m) if m.ends_with("version")
        ));
    }

    #[cfg(feature = "ssr")]
    mod ssr {
        use super::*;
        use auth::provider::ProviderError;
        use auth::roles::RoleChangeError;
        use domain::UserId;
        use store::StoreError;

        #[test]
        fn statuses_come_from_the_variant() {
            let got: Vec<u16> = every().iter().map(|e| e.status().as_u16()).collect();
            assert_eq!(got, [401, 403, 404, 409, 400, 429, 503, 500]);
            assert_eq!(
                AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into())).status(),
                400
            );
            assert_eq!(
                AppError::from_server_fn_error(ServerFnErrorErr::Registration("x".into())),
                AppError::Internal
            );
        }

        /// The auth crate classifies its own errors; the variants chosen
        /// here must agree with it.
        #[test]
        fn auth_errors_keep_their_status_and_hide_internals() {
            let provider = [
                ProviderError::InvalidCredentials,
                ProviderError::NotConfirmed,
                ProviderError::Deactivated,
                ProviderError::InvalidCode,
                ProviderError::TooManyAttempts,
                ProviderError::RateLimited,
                ProviderError::PasswordResetRequired,
                ProviderError::WeakPassword("use at least 12 characters"),
                ProviderError::SessionExpired,
                ProviderError::RefreshRaced,
                ProviderError::Internal("cognito at 10.0.0.3".into()),
            ];
            for p in provider {
                let want = p.status();
                let e = AppError::from(p);
                assert_eq!(e.status().as_u16(), want, "{e:?}");
                assert!(!e.to_string().contains("10.0.0.3"));
            }
            let user = UserId::from_uuid(uuid::Uuid::from_u128(1));
            let roles = [
                RoleChangeError::Forbidden,
                RoleChangeError::NotFound,
                RoleChangeError::LastAdmin,
                RoleChangeError::OwnAccount,
                RoleChangeError::Conflict,
                RoleChangeError::Provider(ProviderError::RateLimited),
                RoleChangeError::Store(StoreError::Internal("disk full".into())),
                RoleChangeError::Inconsistent {
                    user,
                    store_says: "ADMIN".into(),
                    provider_says: "MEMBER".into(),
                    reason: "disk full".into(),
                },
            ];
            for r in roles {
                let want = r.status();
                let e = AppError::from(r);
                assert_eq!(e.status().as_u16(), want, "{e:?}");
                assert!(!e.to_string().contains("disk full"));
            }
            assert_eq!(
                AppError::from(StoreError::Internal("disk full".into())),
                AppError::Internal
            );
        }
    }
}
