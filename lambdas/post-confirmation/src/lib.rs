//! The Cognito post-confirmation trigger: gives a newly confirmed account
//! its profile and the group of its role, so its first token carries a
//! role, and makes the configured first admin on AWS.
//!
//! Its own crate so its Lambda links only this, the store and the Cognito
//! SDK, not the web app.
//!
//! # The first admin
//!
//! Locally the first confirmed account becomes ADMIN by claiming the
//! one-time marker [`FIRST_ADMIN_MARKER`]. On AWS "first" alone would be a
//! race anyone on the internet can enter, so the trigger also requires the
//! address the operator named in `TASKLANE_FIRST_ADMIN_EMAIL` (Terraform's
//! `first_admin_email`), compared after [`Email`] normalisation, and that
//! Cognito has verified it (`email_verified`, true once the code was
//! confirmed). Only a user whose email matches claims the marker, so a
//! stranger who signs up first is a MEMBER and leaves the marker free.
//! Without the variable (or with it empty) nobody becomes admin through
//! the trigger; an operator then promotes someone by hand.
//!
//! # Writes, in order, and what a retry does
//!
//! Cognito invokes the trigger after ConfirmSignUp and after
//! ConfirmForgotPassword, and retries it when it fails or times out, so
//! every step is safe to repeat and each retry finishes what an earlier
//! run started:
//!
//! 1. GetItem of the profile. If it exists, skip to 4 with its role: an
//!    existing account's role is never changed here (a password reset must
//!    not undo a demotion or a promotion) and the marker is not touched
//!    (an old MEMBER account must not burn the one-time claim).
//! 2. Only when the profile is absent and the email is the configured
//!    one: [`Store::claim_marker`] with the user id, a PutItem that
//!    records the winner (a GetItem reads the holder when the key is
//!    taken). The claim outlives any failure after it, and a retry of the
//!    same user sees its own id and still wins; any other user loses.
//! 3. [`Store::create_profile`] with the role won in 2 (ADMIN) or MEMBER:
//!    a PutItem with `attribute_not_exists`, in one transaction with the
//!    active-admin counter's +1 (UpdateItem) for an ADMIN, so the counter
//!    moves exactly once however often this runs. When the address has an
//!    invitation (one GetItem), the same transaction deletes it
//!    (`Store::accept_invitation`). `AlreadyExists` (a concurrent retry
//!    got there first) reads the profile back.
//! 4. AdminAddUserToGroup with the profile's role (ADMIN or MEMBER),
//!    idempotent in Cognito.
//!
//! A failure before 2 wrote nothing. Between 2 and 3 the retry finds no
//! profile, wins its own claim again and creates the ADMIN profile.
//! Between 3 and 4 the retry finds the profile and adds its group. Adding
//! a group cannot demote: a user in ADMIN and MEMBER is an admin
//! (`auth::role_from_groups`, ADMIN wins). If Cognito gives up retrying
//! between 2 and 3, the next trigger for that user (a password reset)
//! completes it.
//!
//! The event goes back to Cognito unchanged, as Cognito requires.

pub mod pre_sign_up;

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_lambda_events::event::cognito::CognitoEventUserPoolsPostConfirmation;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use domain::{DisplayName, Email, NewProfile, Role, UserId, UserProfile};
use store::{Store, StoreError};

/// The event Cognito sends, and gets back.
pub type PostConfirmationEvent = CognitoEventUserPoolsPostConfirmation;

/// The one-time marker the first admin claims; the same key the local
/// provider's bootstrap uses, so both deployments speak of one rule.
pub const FIRST_ADMIN_MARKER: &str = "bootstrap-first-admin";

/// What the post-confirmation function may do on AWS. Its SDK clients are
/// built through this (store::Permissions), so a call outside it is
/// refused before it is sent, and its IAM role is generated from it.
///
/// - `dynamodb:GetItem`: the profile (step 1, and after `AlreadyExists`),
///   the marker's holder when the claim is refused, the address's
///   invitation;
/// - `dynamodb:PutItem`: the claim and the profile;
/// - `dynamodb:DeleteItem`: the accepted invitation, in the profile's
///   transaction;
/// - `dynamodb:UpdateItem`: the active-admin counter, in the first
///   admin's profile transaction;
/// - `cognito-idp:AdminAddUserToGroup`: the role's group.
pub const PERMISSIONS: store::Permissions = store::Permissions::new(
    "lambda-post-confirmation",
    &[
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:UpdateItem",
        "cognito-idp:AdminAddUserToGroup",
    ],
);

/// Names of the environment variables the function reads. The user pool
/// comes with each event, so it is not configuration.
pub mod env {
    /// The DynamoDB table.
    pub const TABLE: &str = "TASKLANE_TABLE";
    /// The address that may become the first admin; unset or empty: nobody.
    pub const FIRST_ADMIN_EMAIL: &str = "TASKLANE_FIRST_ADMIN_EMAIL";
    /// `text` for human-readable logs; anything else (or unset) is JSON,
    /// which CloudWatch Logs Insights can query.
    pub const LOG_FORMAT: &str = "TASKLANE_LOG_FORMAT";
}

/// What the deployment must set: the function refuses to start without it.
pub const REQUIRED_ENV: &[&str] = &[env::TABLE];
/// What the deployment may set.
pub const OPTIONAL_ENV: &[&str] = &[env::FIRST_ADMIN_EMAIL, env::LOG_FORMAT];

/// The function's configuration, read once per instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub table: String,
    pub first_admin: Option<Email>,
}

/// Why the function cannot start. Reported at init, so a misconfigured
/// deployment fails its first invocation loudly instead of silently making
/// nobody (or the wrong person) admin.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// From the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any name → value lookup, so the rules are testable without
    /// touching the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let table = set(env::TABLE).ok_or(ConfigError::Missing(env::TABLE))?;
        let first_admin = set(env::FIRST_ADMIN_EMAIL)
            .map(|raw| {
                Email::parse(raw.trim()).map_err(|e| ConfigError::Invalid {
                    name: env::FIRST_ADMIN_EMAIL,
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        Ok(Config { table, first_admin })
    }
}

/// JSON logs by default (one object per line, queryable in CloudWatch),
/// plain text when `TASKLANE_LOG_FORMAT=text`; level from `RUST_LOG`,
/// `info` otherwise. The same format as the other functions' logs.
pub fn init_logging() {
    use tracing_subscriber::{filter::Targets, fmt, prelude::*};
    // Targets, not EnvFilter: per-target levels are all these functions
    // need, and EnvFilter's regex engine would add about a megabyte to the zip.
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let layer = fmt::layer().with_ansi(false).with_target(false);
    let text = std::env::var(env::LOG_FORMAT).is_ok_and(|v| v.eq_ignore_ascii_case("text"));
    let layer = if text {
        layer.boxed()
    } else {
        layer.json().flatten_event(true).boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}

/// A Cognito client on `conf` limited to `permissions`.
pub fn cognito_client(
    conf: &SdkConfig,
    permissions: &store::Permissions,
) -> aws_sdk_cognitoidentityprovider::Client {
    aws_sdk_cognitoidentityprovider::Client::from_conf(
        aws_sdk_cognitoidentityprovider::config::Builder::from(conf)
            .interceptor(permissions.guard())
            .build(),
    )
}

/// What the handler needs, built once per Lambda instance.
#[derive(Clone)]
pub struct PostConfirmationDeps {
    pub store: Arc<dyn Store>,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    /// [`Config::first_admin`].
    pub first_admin: Option<Email>,
}

/// Why the trigger failed. Any error fails the invocation, which makes
/// Cognito retry and, if it keeps failing, report the confirmation as
/// failed to the client: nothing is silently half-done.
#[derive(Debug, thiserror::Error)]
pub enum PostConfirmationError {
    /// Cognito always sends these; their absence means the payload is not a
    /// post-confirmation event.
    #[error("event has no {0}")]
    MissingField(&'static str),
    #[error("event field {field} is invalid: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("adding the user to {group}: {reason}")]
    Group { group: &'static str, reason: String },
}

/// What a run did, for the log line and the tests; the role is the one
/// whose group the user was added to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioned {
    /// This run created the profile.
    Created(Role),
    /// The profile existed already (a retry, or a password reset): left as
    /// it was.
    Existing(Role),
}

impl Provisioned {
    pub fn role(self) -> Role {
        match self {
            Provisioned::Created(r) | Provisioned::Existing(r) => r,
        }
    }
}

/// Provisions the account (see the module docs); returns the event
/// unchanged.
#[tracing::instrument(
    skip_all,
    fields(
        user_pool = event.cognito_event_user_pools_header.user_pool_id.as_deref().unwrap_or_default(),
        trigger = ?event.cognito_event_user_pools_header.trigger_source,
    )
)]
pub async fn handle(
    event: PostConfirmationEvent,
    deps: &PostConfirmationDeps,
) -> Result<PostConfirmationEvent, PostConfirmationError> {
    provision(&event, deps).await?;
    Ok(event)
}

/// The work of [`handle`], reporting what it did.
pub async fn provision(
    event: &PostConfirmationEvent,
    deps: &PostConfirmationDeps,
) -> Result<Provisioned, PostConfirmationError> {
    let header = &event.cognito_event_user_pools_header;
    let pool_id = non_empty(header.user_pool_id.as_deref())
        .ok_or(PostConfirmationError::MissingField("userPoolId"))?;
    let username = non_empty(header.user_name.as_deref())
        .ok_or(PostConfirmationError::MissingField("userName"))?;
    let attrs = &event.request.user_attributes;
    let mut new = new_profile(attrs)?;
    let user = new.id;

    let outcome = match deps.store.get_profile(user).await {
        Ok(existing) => Provisioned::Existing(existing.role),
        Err(StoreError::NotFound) => {
            if may_be_first_admin(&new.email, attrs, deps.first_admin.as_ref())
                && deps
                    .store
                    .claim_marker(FIRST_ADMIN_MARKER, &user.to_string())
                    .await?
            {
                new.role = Role::Admin;
            }
            match create_profile(deps.store.as_ref(), new).await {
                Ok(p) => Provisioned::Created(p.role),
                Err(StoreError::AlreadyExists) => {
                    Provisioned::Existing(deps.store.get_profile(user).await?.role)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };

    let group = outcome.role().as_str();
    deps.cognito
        .admin_add_user_to_group()
        .user_pool_id(pool_id)
        .username(username)
        .group_name(group)
        .send()
        .await
        .map_err(|e| PostConfirmationError::Group {
            group,
            reason: DisplayErrorContext(&e).to_string(),
        })?;
    tracing::info!(%user, ?outcome, "account provisioned");
    Ok(outcome)
}

/// Creates the profile and, when the address was invited, consumes the
/// invitation in the same transaction (`Store::accept_invitation`), as the
/// local sign-up does: an accepted invitation leaves the Team page's
/// pending list and its link stops working at the moment the account
/// exists, never one without the other.
///
/// The pre-sign-up trigger already admitted the address, so an invitation
/// revoked between sign-up and confirmation does not undo the account: the
/// profile is created without it. A re-send in that window changes the
/// version; the invitation is read again. `AlreadyExists` is returned as
/// is (a concurrent retry made the profile).
async fn create_profile(store: &dyn Store, new: NewProfile) -> Result<UserProfile, StoreError> {
    for _ in 0..3 {
        let invitation = match store.get_invitation(&new.email).await {
            Ok(i) => i,
            Err(StoreError::NotFound) => return store.create_profile(new).await,
            Err(e) => return Err(e),
        };
        match store.accept_invitation(&invitation, new.clone()).await {
            Err(StoreError::NotFound | StoreError::Conflict) => continue,
            other => return other,
        }
    }
    Err(StoreError::Conflict)
}

/// Whether this confirmation may claim the first-admin marker: the
/// operator named an address, it is this one, and Cognito says the user
/// proved they receive mail there.
fn may_be_first_admin(
    email: &Email,
    attrs: &std::collections::HashMap<String, String>,
    first_admin: Option<&Email>,
) -> bool {
    let verified = attrs
        .get("email_verified")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    first_admin == Some(email) && verified
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The MEMBER profile from the user's attributes: `sub` is the user id
/// (the tokens' `sub`), `email` the address, `name` the display name (the
/// sign-up form sets it; an account made elsewhere without it gets the
/// email's local part).
fn new_profile(
    attrs: &std::collections::HashMap<String, String>,
) -> Result<NewProfile, PostConfirmationError> {
    let get = |k: &'static str| {
        non_empty(attrs.get(k).map(String::as_str)).ok_or(PostConfirmationError::MissingField(k))
    };
    let invalid =
        |field: &'static str, e: &dyn std::fmt::Display| PostConfirmationError::InvalidField {
            field,
            reason: e.to_string(),
        };
    let id = UserId::parse(get("sub")?).map_err(|e| invalid("sub", &e))?;
    let email = Email::parse(get("email")?).map_err(|e| invalid("email", &e))?;
    let display_name = attrs
        .get("name")
        .and_then(|n| DisplayName::parse(n).ok())
        .or_else(|| {
            let local = email.as_str().split('@').next().unwrap_or_default();
            DisplayName::parse(local).ok()
        })
        .ok_or_else(|| PostConfirmationError::InvalidField {
            field: "name",
            reason: "no usable display name".into(),
        })?;
    Ok(NewProfile {
        id,
        email,
        display_name,
        role: Role::Member,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn profile_comes_from_sub_email_and_name() {
        let p = new_profile(&attrs(&[
            ("sub", "0190a3c2-7b1e-7cc0-9f00-000000000001"),
            ("email", "Ada@Example.com"),
            ("name", "Ada Lovelace"),
        ]))
        .expect("profile");
        assert_eq!(p.id.to_string(), "0190a3c2-7b1e-7cc0-9f00-000000000001");
        assert_eq!(p.email.as_str(), "ada@example.com");
        assert_eq!(p.display_name.as_str(), "Ada Lovelace");
        assert_eq!(p.role, Role::Member);
    }

    #[test]
    fn a_missing_name_falls_back_to_the_email_local_part() {
        let p = new_profile(&attrs(&[
            ("sub", "0190a3c2-7b1e-7cc0-9f00-000000000001"),
            ("email", "grace@example.com"),
            ("name", "   "),
        ]))
        .expect("profile");
        assert_eq!(p.display_name.as_str(), "grace");
    }

    #[test]
    fn missing_or_bad_identity_attributes_are_errors() {
        assert!(matches!(
            new_profile(&attrs(&[("email", "a@example.com")])),
            Err(PostConfirmationError::MissingField("sub"))
        ));
        assert!(matches!(
            new_profile(&attrs(&[("sub", "not-a-uuid"), ("email", "a@example.com")])),
            Err(PostConfirmationError::InvalidField { field: "sub", .. })
        ));
        assert!(matches!(
            new_profile(&attrs(&[
                ("sub", "0190a3c2-7b1e-7cc0-9f00-000000000001"),
                ("email", "nope")
            ])),
            Err(PostConfirmationError::InvalidField { field: "email", .. })
        ));
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map = attrs(pairs);
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn config_reads_the_declared_names() {
        let c = config(&[
            (REQUIRED_ENV[0], "tasklane"),
            (OPTIONAL_ENV[0], "  Boss@Example.COM "),
        ])
        .expect("config");
        assert_eq!(c.table, "tasklane");
        assert_eq!(
            c.first_admin,
            Some(Email::parse("boss@example.com").unwrap())
        );
        assert_eq!(REQUIRED_ENV, &["TASKLANE_TABLE"]);
        assert_eq!(
            OPTIONAL_ENV,
            &["TASKLANE_FIRST_ADMIN_EMAIL", "TASKLANE_LOG_FORMAT"]
        );
    }

    #[test]
    fn without_a_first_admin_email_nobody_qualifies() {
        let c = config(&[("TASKLANE_TABLE", "t")]).expect("config");
        assert_eq!(c.first_admin, None);
        // Terraform passes an unset optional variable as "".
        let c = config(&[("TASKLANE_TABLE", "t"), ("TASKLANE_FIRST_ADMIN_EMAIL", " ")])
            .expect("config");
        assert_eq!(c.first_admin, None);
        let email = Email::parse("boss@example.com").unwrap();
        let verified = attrs(&[("email_verified", "true")]);
        assert!(!may_be_first_admin(&email, &verified, None));
    }

    #[test]
    fn a_bad_first_admin_email_or_no_table_stops_the_start() {
        assert!(matches!(
            config(&[
                ("TASKLANE_TABLE", "t"),
                ("TASKLANE_FIRST_ADMIN_EMAIL", "boss")
            ]),
            Err(ConfigError::Invalid {
                name: "TASKLANE_FIRST_ADMIN_EMAIL",
                ..
            })
        ));
        assert!(matches!(
            config(&[("TASKLANE_FIRST_ADMIN_EMAIL", "boss@example.com")]),
            Err(ConfigError::Missing("TASKLANE_TABLE"))
        ));
    }

    #[test]
    fn only_the_named_verified_address_qualifies() {
        let boss = Email::parse("boss@example.com").unwrap();
        let verified = attrs(&[("email_verified", "true")]);
        assert!(may_be_first_admin(&boss, &verified, Some(&boss)));
        let other = Email::parse("bosss@example.com").unwrap();
        assert!(!may_be_first_admin(&other, &verified, Some(&boss)));
        assert!(!may_be_first_admin(
            &boss,
            &attrs(&[("email_verified", "false")]),
            Some(&boss)
        ));
        assert!(!may_be_first_admin(&boss, &attrs(&[]), Some(&boss)));
    }
}
