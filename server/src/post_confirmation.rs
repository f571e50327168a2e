//! The Cognito post-confirmation trigger: gives a newly confirmed account
//! its profile and the MEMBER group, so its first token carries a role.
//!
//! Cognito invokes it after ConfirmSignUp and after ConfirmForgotPassword,
//! and retries it when it fails or times out, so it must be safe to run any
//! number of times:
//!
//! - The profile is created with `attribute_not_exists(PK)`
//!   ([`Store::create_profile`] answers `AlreadyExists` instead of
//!   overwriting), so a rerun never resets a role an admin has given since.
//! - The user is added to MEMBER on every run, including when the profile
//!   already existed. That cannot demote anyone: a user in ADMIN and MEMBER
//!   is an admin (`auth::role_from_groups`, ADMIN wins). And it is what
//!   repairs a first run that created the profile but failed to add the
//!   group: without the group the account's tokens would be refused for
//!   ever. It also keeps the function to one PutItem and one
//!   AdminAddUserToGroup, exactly its IAM policy (no GetItem needed).
//!
//! The event goes back to Cognito unchanged, as Cognito requires.

use std::sync::Arc;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPostConfirmation;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use domain::{DisplayName, Email, NewProfile, Role, UserId};
use store::{Store, StoreError};

/// The event Cognito sends, and gets back.
pub type PostConfirmationEvent = CognitoEventUserPoolsPostConfirmation;

/// What the post-confirmation function may do on AWS: create the profile
/// (a conditional PutItem) and add the user to MEMBER. Its SDK clients are
/// built through this (store::Permissions) and its IAM role grants exactly
/// this (scripts/check-infra.py).
pub const PERMISSIONS: store::Permissions = store::Permissions::new(
    "lambda-post-confirmation",
    &["dynamodb:PutItem", "cognito-idp:AdminAddUserToGroup"],
);

/// What Terraform must set on the function (the user pool comes with each
/// event).
pub const REQUIRED_ENV: &[&str] = &["TASKLANE_TABLE"];
/// What Terraform may set on the function.
pub const OPTIONAL_ENV: &[&str] = &["TASKLANE_LOG_FORMAT"];

/// A Cognito client on `conf` limited to `permissions`.
pub fn cognito_client(
    conf: &aws_config::SdkConfig,
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
    #[error("creating the profile: {0}")]
    Store(#[from] StoreError),
    #[error("adding the user to {group}: {reason}")]
    Group { group: &'static str, reason: String },
}

/// What a run did, for the log line and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioned {
    /// First run for this user: the profile was created as MEMBER.
    Created,
    /// The profile existed already (a retry, or a password reset): left as
    /// it was.
    Existing,
}

/// Creates the profile if absent and adds the user to MEMBER; returns the
/// event unchanged. See the module docs for why this is safe to repeat.
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
    let new = new_profile(&event.request.user_attributes)?;
    let user = new.id;

    let outcome = match deps.store.create_profile(new).await {
        Ok(_) => Provisioned::Created,
        Err(StoreError::AlreadyExists) => Provisioned::Existing,
        Err(e) => return Err(e.into()),
    };

    let group = Role::Member.as_str();
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

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The profile from the user's attributes: `sub` is the user id (the
/// tokens' `sub`), `email` the address, `name` the display name (the local
/// provider's sign-up form sets it; an account made elsewhere without it
/// gets the email's local part).
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
}
