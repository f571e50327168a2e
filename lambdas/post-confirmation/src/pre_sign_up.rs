//! The Cognito pre-sign-up trigger: refuses a sign-up that
//! `domain::admit` refuses, so Cognito's own SignUp API (which a client
//! can call without our server) obeys the same rule as the app's form and
//! the local provider.
//!
//! Per sign-up: one GetItem of the active-admin count and one of the
//! address's invitation (none with `TASKLANE_SIGNUP=open`). Users an
//! operator creates with AdminCreateUser are not checked: that is already
//! an admin's decision. The event goes back unchanged (no auto-confirm:
//! the invitee still proves the address with Cognito's code); a refusal
//! is an error, which Cognito reports to the client as
//! "PreSignUp failed with error …".

use std::sync::Arc;

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreSignupTriggerSource,
};
use domain::{Email, SignupMode};
use store::{Store, StoreError};

/// The event Cognito sends, and gets back.
pub type PreSignUpEvent = CognitoEventUserPoolsPreSignup;

/// `dynamodb:GetItem`: the admin count and the invitation. Nothing else.
pub const PERMISSIONS: store::Permissions =
    store::Permissions::new("lambda-pre-sign-up", &["dynamodb:GetItem"]);

pub mod env {
    pub use crate::env::{LOG_FORMAT, TABLE};
    /// `open` or `invite` (the default: a deployed pool is reachable by
    /// anyone), as the API function's `TASKLANE_SIGNUP`.
    pub const SIGNUP: &str = "TASKLANE_SIGNUP";
}

pub const REQUIRED_ENV: &[&str] = &[env::TABLE];
pub const OPTIONAL_ENV: &[&str] = &[env::SIGNUP, env::LOG_FORMAT];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub table: String,
    pub signup: SignupMode,
}

impl Config {
    pub fn from_env() -> Result<Config, crate::ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, crate::ConfigError> {
        let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let table = set(env::TABLE).ok_or(crate::ConfigError::Missing(env::TABLE))?;
        let signup = match set(env::SIGNUP) {
            None => SignupMode::Invite,
            Some(v) => v.parse().map_err(|reason| crate::ConfigError::Invalid {
                name: env::SIGNUP,
                reason,
            })?,
        };
        Ok(Config { table, signup })
    }
}

#[derive(Clone)]
pub struct PreSignUpDeps {
    pub store: Arc<dyn Store>,
    pub signup: SignupMode,
}

#[derive(Debug, thiserror::Error)]
pub enum PreSignUpError {
    /// The words the person reads (Cognito prefixes them).
    #[error("{0}")]
    Refused(&'static str),
    #[error("Enter a valid email address.")]
    BadEmail,
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// What a refused sign-up reads: the same sentences as the app's.
fn refusal(why: domain::Refusal) -> &'static str {
    match why {
        domain::Refusal::NotInvited => {
            "Sign-up is by invitation only. Ask an admin of this team to invite you."
        }
        domain::Refusal::Expired => {
            "Your invitation has expired. Ask the admin who invited you to send a new one."
        }
    }
}

#[tracing::instrument(skip_all, fields(trigger = ?event.cognito_event_user_pools_header.trigger_source))]
pub async fn handle(
    event: PreSignUpEvent,
    deps: &PreSignUpDeps,
) -> Result<PreSignUpEvent, PreSignUpError> {
    let source = event.cognito_event_user_pools_header.trigger_source.clone();
    if source == Some(CognitoEventUserPoolsPreSignupTriggerSource::AdminCreateUser)
        || deps.signup == SignupMode::Open
    {
        return Ok(event);
    }
    let raw = event
        .request
        .user_attributes
        .get("email")
        .ok_or(PreSignUpError::BadEmail)?;
    let email = Email::parse(raw).map_err(|_| PreSignUpError::BadEmail)?;
    let admin = deps.store.has_active_admin().await?;
    let invitation = match deps.store.get_invitation(&email).await {
        Ok(i) => Some(i),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    if let Err(why) = domain::admit(
        deps.signup,
        admin,
        invitation.as_ref(),
        time::OffsetDateTime::now_utc(),
    ) {
        tracing::info!(reason = %why, "sign-up refused");
        return Err(PreSignUpError::Refused(refusal(why)));
    }
    Ok(event)
}
