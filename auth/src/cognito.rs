//! The production identity provider: an Amazon Cognito user pool behind
//! the same [`AuthProvider`] trait as the built-in one.
//!
//! The server calls Cognito's public user-pool APIs on the user's behalf
//! (SignUp, ConfirmSignUp, InitiateAuth with `USER_PASSWORD_AUTH` and
//! `REFRESH_TOKEN_AUTH`, RevokeToken, ForgotPassword,
//! ConfirmForgotPassword) and keeps the tokens in HttpOnly cookies, so no
//! token ever reaches browser JavaScript. Roles are Cognito groups, changed
//! with the IAM-authorised AdminAddUserToGroup/AdminRemoveUserFromGroup.
//!
//! Cognito's error codes are translated into the same [`ProviderError`]s the
//! local provider returns, so users see the same clear 4xx sentences
//! whichever provider runs. What a code means depends on the step (a
//! `NotAuthorizedException` is a wrong password at sign-in but an expired
//! session at refresh), hence [`Step`]. Anything unexpected becomes
//! [`ProviderError::Internal`]: logged here with the step and Cognito's
//! message, never shown.
//!
//! # Wiring (API Lambda)
//!
//! `server::lambda::auth_state` builds [`auth_state`] on a client guarded
//! by the function's declared permissions, from [`CognitoSettings`] read
//! through its declared environment: [`env::USER_POOL_ID`] and
//! [`env::CLIENT_ID`] (required) and [`env::ISSUER`] and [`env::JWKS_URL`]
//! (optional, derived from the region and pool id when unset).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, ChallengeNameType};
use aws_sdk_cognitoidentityprovider::Client;
use domain::{DisplayName, Email, Role, UserId};

use super::error::AuthError;
use super::jwt::{Validator, ValidatorConfig};
use super::provider::{check_password_policy, AuthProvider, ProviderError, SessionTokens};
use super::session::AuthState;

/// Names of the environment variables [`CognitoSettings::from_lookup`]
/// reads (published for Terraform in `terraform/lambdas.json`).
pub mod env {
    /// The user pool id, e.g. `eu-west-1_AbCdEf123`.
    pub const USER_POOL_ID: &str = "TASKLANE_COGNITO_USER_POOL_ID";
    /// The app client id (a client without a secret).
    pub const CLIENT_ID: &str = "TASKLANE_COGNITO_CLIENT_ID";
    /// Expected `iss`; defaults to `https://cognito-idp.<region>.amazonaws.com/<pool>`.
    pub const ISSUER: &str = "TASKLANE_JWT_ISSUER";
    /// Where the pool's keys are; defaults to `<issuer>/.well-known/jwks.json`.
    /// Set it on its own to read keys from elsewhere (moto, a proxy).
    pub const JWKS_URL: &str = "TASKLANE_JWKS_URL";
}

/// Why the Cognito wiring could not be built. Start-up errors: the process
/// should log them and exit.
#[derive(Debug, thiserror::Error)]
pub enum CognitoConfigError {
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    #[error("no AWS region configured (set AWS_REGION) to derive the issuer and JWKS URL")]
    MissingRegion,
    #[error("{name} is not a valid value: {reason}")]
    Invalid {
        name: &'static str,
        reason: &'static str,
    },
    #[error(transparent)]
    Validator(#[from] AuthError),
}

/// Which user pool and app client tokens come from, and where their keys
/// are. The issuer and JWKS URL are separate on purpose: they need not share
/// a host (moto names the AWS host in `iss` but serves keys on loopback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoSettings {
    pub user_pool_id: String,
    pub client_id: String,
    pub issuer: String,
    pub jwks_url: String,
}

impl CognitoSettings {
    /// The settings of a pool in `region`, with the issuer and JWKS URL
    /// Cognito uses for it.
    pub fn for_pool(
        region: &str,
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        let user_pool_id = user_pool_id.into();
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");
        let jwks_url = format!("{issuer}/.well-known/jwks.json");
        Self {
            user_pool_id,
            client_id: client_id.into(),
            issuer,
            jwks_url,
        }
    }

    /// Reads the settings through `get` (the function's declared lookup;
    /// tests pass a map). `region` is needed only when the issuer or JWKS
    /// URL is left to be derived.
    pub fn from_lookup(
        region: Option<&str>,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, CognitoConfigError> {
        let read = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let pool =
            read(env::USER_POOL_ID).ok_or(CognitoConfigError::MissingEnv(env::USER_POOL_ID))?;
        let client = read(env::CLIENT_ID).ok_or(CognitoConfigError::MissingEnv(env::CLIENT_ID))?;
        // A pool id is "<region>_<id>"; anything with a slash would change
        // the derived URLs' paths.
        if pool.contains('/') || !pool.contains('_') {
            return Err(CognitoConfigError::Invalid {
                name: env::USER_POOL_ID,
                reason: "expected <region>_<id>",
            });
        }
        let issuer = match read(env::ISSUER) {
            Some(issuer) => issuer,
            None => {
                let region = region
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .ok_or(CognitoConfigError::MissingRegion)?;
                Self::for_pool(region, pool.clone(), client.clone()).issuer
            }
        };
        // Cognito serves a pool's keys under its issuer.
        let jwks_url = read(env::JWKS_URL)
            .unwrap_or_else(|| format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')));
        if !(jwks_url.starts_with("https://") || is_loopback_http(&jwks_url)) {
            // Keys over plain HTTP could be swapped in transit; loopback is
            // the one exception (moto in tests).
            return Err(CognitoConfigError::Invalid {
                name: env::JWKS_URL,
                reason: "must be an https:// URL",
            });
        }
        Ok(Self {
            user_pool_id: pool,
            client_id: client,
            issuer,
            jwks_url,
        })
    }

    /// What the [`Validator`] trusts for this pool.
    pub fn validator_config(&self) -> ValidatorConfig {
        ValidatorConfig {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            jwks_url: self.jwks_url.clone(),
        }
    }
}

fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// The request-time auth state for Cognito: the provider on `client`, a
/// validator for the pool's tokens, `Secure` cookies (the deployed site is
/// HTTPS only), the default account-flow limits, and no bootstrap token
/// (on AWS the first admin is made with the documented command).
pub fn auth_state(
    client: Client,
    settings: &CognitoSettings,
) -> Result<AuthState, CognitoConfigError> {
    let validator = Validator::new(settings.validator_config())?;
    let provider = CognitoProvider::new(
        client,
        settings.user_pool_id.clone(),
        settings.client_id.clone(),
    );
    Ok(AuthState {
        validator: Arc::new(validator),
        provider: Arc::new(provider),
        secure_cookies: true,
        limits: crate::limits::Limits::default(),
        bootstrap: crate::bootstrap::Bootstrap::disabled(),
        // A deployed pool is reachable by anyone: invitation only, as the
        // pre-sign-up trigger enforces.
        signup: domain::SignupMode::Invite,
        invite_key: None,
    })
}

/// [`AuthProvider`] on a Cognito user pool whose user name is the email
/// address (as `terraform/modules/cognito` creates it).
#[derive(Clone)]
pub struct CognitoProvider {
    client: Client,
    user_pool_id: String,
    client_id: String,
}

impl fmt::Debug for CognitoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoProvider")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The step a Cognito call belongs to: the same error code means different
/// things to the user at different steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    SignUp,
    ConfirmSignUp,
    SignIn,
    Refresh,
    SignOut,
    ForgotPassword,
    ConfirmForgotPassword,
    SetRole,
    ResendConfirmation,
    SetActive,
}

/// What to do with a failed call: answer with an error, or report success
/// because saying anything else would reveal whether an account exists.
#[derive(Debug)]
pub enum Outcome {
    Fail(ProviderError),
    Succeed,
}

const POLICY_HINT: &str =
    "use at least 12 characters mixing upper- and lower-case letters, digits and a symbol";

/// Translates a Cognito error code at `step`. `detail` is Cognito's message,
/// kept only for the log line of internal errors.
pub fn classify(step: Step, code: Option<&str>, detail: &str) -> Outcome {
    use Outcome::{Fail, Succeed};
    use ProviderError as E;
    use Step::*;
    let internal = || {
        Fail(E::Internal(format!(
            "Cognito {step:?}: {}: {detail}",
            code.unwrap_or("no error code")
        )))
    };
    match code.unwrap_or_default() {
        // A known email answers like a new one: no enumeration. (Cognito
        // sends nothing to the owner; the local provider emails them.)
        "UsernameExistsException" | "AliasExistsException" => match step {
            SignUp => Succeed,
            _ => internal(),
        },
        "InvalidPasswordException" => Fail(E::WeakPassword(POLICY_HINT)),
        "CodeMismatchException" | "ExpiredCodeException" => Fail(E::InvalidCode),
        "TooManyFailedAttemptsException" => Fail(E::TooManyAttempts),
        "LimitExceededException" | "TooManyRequestsException" => Fail(E::RateLimited),
        "PasswordResetRequiredException" => Fail(E::PasswordResetRequired),
        "UserNotConfirmedException" => match step {
            // Only after the right password, as with the local provider.
            SignIn => Fail(E::NotConfirmed),
            ForgotPassword => Succeed,
            _ => Fail(E::NotConfirmed),
        },
        "UserNotFoundException" => match step {
            SignIn => Fail(E::InvalidCredentials),
            ConfirmSignUp | ConfirmForgotPassword => Fail(E::InvalidCode),
            ForgotPassword | ResendConfirmation => Succeed,
            Refresh | SignOut => Fail(E::SessionExpired),
            SignUp | SetRole | SetActive => internal(),
        },
        "NotAuthorizedException" => match step {
            // "User is disabled" also arrives as NotAuthorized: answering
            // it like a wrong password keeps it from telling anything.
            SignIn => Fail(E::InvalidCredentials),
            Refresh | SignOut => Fail(E::SessionExpired),
            ResendConfirmation => Succeed,
            // "Current status is CONFIRMED", a disabled user, or a code for
            // an account that cannot take it: the code is of no use.
            ConfirmSignUp | ConfirmForgotPassword => Fail(E::InvalidCode),
            // Admin-only recovery, a client without the flow, missing IAM
            // permission: configuration, not the user's doing.
            SignUp | ForgotPassword | SetRole | SetActive => internal(),
        },
        // RevokeToken: not a refresh token of this client, or already gone.
        "UnauthorizedException" | "UnsupportedTokenTypeException" if step == SignOut => {
            Fail(E::SessionExpired)
        }
        "InvalidParameterException" => match step {
            // No verified email (e.g. never confirmed): same answer as for a
            // real account, no enumeration; likewise a resend for an
            // already confirmed account.
            ForgotPassword | ResendConfirmation => Succeed,
            // A code Cognito cannot parse is a wrong code.
            ConfirmSignUp | ConfirmForgotPassword => Fail(E::InvalidCode),
            _ => internal(),
        },
        _ => internal(),
    }
}

/// A code a user typed, trimmed; refused before any call if Cognito would
/// reject its shape anyway (its pattern is `[\S]+`, at most 2048 chars).
fn user_code(code: &str) -> Result<&str, ProviderError> {
    let code = code.trim();
    if code.is_empty() || code.len() > 2048 || code.chars().any(char::is_whitespace) {
        return Err(ProviderError::InvalidCode);
    }
    Ok(code)
}

impl CognitoProvider {
    /// A provider on an already built SDK client (built once per process:
    /// it holds the connection pool).
    pub fn new(
        client: Client,
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            client,
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
        }
    }

    pub fn user_pool_id(&self) -> &str {
        &self.user_pool_id
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Maps a failed call at `step` and logs it: internal errors at `error`
    /// (an operator must look), user errors at `debug`.
    fn map_err<E, R>(step: Step, err: SdkError<E, R>) -> Outcome
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let outcome = match err.as_service_error() {
            Some(service) => classify(step, service.code(), service.message().unwrap_or_default()),
            // Timeouts, connection and parse failures never carry a code.
            None => Outcome::Fail(ProviderError::Internal(format!(
                "Cognito {step:?}: {}",
                DisplayErrorContext(&err)
            ))),
        };
        match &outcome {
            Outcome::Fail(ProviderError::Internal(detail)) => {
                tracing::error!(step = ?step, error = %detail, "Cognito call failed");
            }
            Outcome::Fail(e) => tracing::debug!(step = ?step, error = %e, "Cognito refused"),
            Outcome::Succeed => {
                tracing::info!(step = ?step, code = ?err.code(), "Cognito refusal answered as success");
            }
        }
        outcome
    }

    fn fail<E, R>(step: Step, err: SdkError<E, R>) -> Result<(), ProviderError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        match Self::map_err(step, err) {
            Outcome::Succeed => Ok(()),
            Outcome::Fail(e) => Err(e),
        }
    }

    /// The only way a token-returning step can end without a user error:
    /// `AuthenticationResult`, or a challenge this app does not implement.
    fn tokens(
        step: Step,
        result: Option<&aws_sdk_cognitoidentityprovider::types::AuthenticationResultType>,
        challenge: Option<&ChallengeNameType>,
    ) -> Result<SessionTokens, ProviderError> {
        let Some(result) = result else {
            // MFA or NEW_PASSWORD_REQUIRED: the pool allows optional TOTP and
            // admin-created users, but this app signs users up itself and
            // offers no MFA enrolment, so neither should ever happen.
            let detail = format!("Cognito {step:?}: unsupported challenge {challenge:?}");
            tracing::error!(step = ?step, error = %detail, "Cognito sign-in needs a challenge");
            return Err(ProviderError::Internal(detail));
        };
        let missing = |what| {
            let detail = format!("Cognito {step:?}: AuthenticationResult without {what}");
            tracing::error!(step = ?step, error = %detail, "Cognito answered oddly");
            ProviderError::Internal(detail)
        };
        Ok(SessionTokens {
            id_token: result
                .id_token()
                .ok_or_else(|| missing("IdToken"))?
                .to_owned(),
            access_token: result
                .access_token()
                .ok_or_else(|| missing("AccessToken"))?
                .to_owned(),
            refresh_token: result.refresh_token().map(str::to_owned),
            expires_in: u64::try_from(result.expires_in()).unwrap_or(0),
        })
    }

    fn attribute(name: &str, value: &str) -> Result<AttributeType, ProviderError> {
        AttributeType::builder()
            .name(name)
            .value(value)
            .build()
            .map_err(|e| ProviderError::Internal(format!("building attribute {name}: {e}")))
    }
}

#[async_trait]
impl AuthProvider for CognitoProvider {
    /// SignUp with the email as user name and the display name as `name`.
    /// The password policy is checked here first (it is the pool's policy)
    /// so the user gets the precise reason, not Cognito's generic one.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn sign_up(
        &self,
        email: &Email,
        password: &str,
        name: &DisplayName,
        _bootstrap: bool,
    ) -> Result<(), ProviderError> {
        check_password_policy(password)?;
        let result = self
            .client
            .sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .password(password)
            .user_attributes(Self::attribute("email", email.as_str())?)
            .user_attributes(Self::attribute("name", name.as_str())?)
            .send()
            .await;
        match result {
            Ok(out) => {
                tracing::info!(sub = %out.user_sub(), confirmed = out.user_confirmed(), "signed up");
                Ok(())
            }
            Err(e) => Self::fail(Step::SignUp, e),
        }
    }

    /// ConfirmSignUp. The profile and the MEMBER group come from the
    /// post-confirmation trigger (`server::post_confirmation`), not from here.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn confirm_sign_up(&self, email: &Email, code: &str) -> Result<(), ProviderError> {
        let code = user_code(code)?;
        let result = self
            .client
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => Self::fail(Step::ConfirmSignUp, e),
        }
    }

    /// ResendConfirmationCode: Cognito mails a new code. Unknown and already
    /// confirmed accounts get the same `Ok`.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn resend_confirmation(&self, email: &Email) -> Result<(), ProviderError> {
        let result = self
            .client
            .resend_confirmation_code()
            .client_id(&self.client_id)
            .username(email.as_str())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => Self::fail(Step::ResendConfirmation, e),
        }
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn sign_in(&self, email: &Email, password: &str) -> Result<SessionTokens, ProviderError> {
        let result = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email.as_str())
            .auth_parameters("PASSWORD", password)
            .send()
            .await;
        match result {
            Ok(out) => Self::tokens(
                Step::SignIn,
                out.authentication_result(),
                out.challenge_name(),
            ),
            Err(e) => match Self::map_err(Step::SignIn, e) {
                Outcome::Fail(e) => Err(e),
                Outcome::Succeed => Err(ProviderError::InvalidCredentials),
            },
        }
    }

    /// REFRESH_TOKEN_AUTH. Cognito returns no new refresh token unless
    /// rotation is on; when it does, the session layer stores it.
    #[tracing::instrument(skip_all)]
    async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, ProviderError> {
        if refresh_token.is_empty() {
            return Err(ProviderError::SessionExpired);
        }
        let result = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await;
        match result {
            Ok(out) => Self::tokens(
                Step::Refresh,
                out.authentication_result(),
                out.challenge_name(),
            ),
            Err(e) => match Self::map_err(Step::Refresh, e) {
                Outcome::Fail(e) => Err(e),
                Outcome::Succeed => Err(ProviderError::SessionExpired),
            },
        }
    }

    /// RevokeToken: ends this session's refresh token (and the access tokens
    /// minted from it) without signing the user out on other devices, which
    /// is what GlobalSignOut would do. Needs token revocation on the app
    /// client (`enable_token_revocation` in Terraform).
    #[tracing::instrument(skip_all)]
    async fn sign_out(&self, refresh_token: &str) -> Result<(), ProviderError> {
        if refresh_token.is_empty() {
            return Ok(());
        }
        let result = self
            .client
            .revoke_token()
            .client_id(&self.client_id)
            .token(refresh_token)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => Self::fail(Step::SignOut, e),
        }
    }

    /// ForgotPassword: Cognito mails the code. Unknown and unconfirmed
    /// accounts get the same `Ok` as real ones.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn forgot_password(&self, email: &Email) -> Result<(), ProviderError> {
        let result = self
            .client
            .forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => Self::fail(Step::ForgotPassword, e),
        }
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn confirm_forgot_password(
        &self,
        email: &Email,
        code: &str,
        new_password: &str,
    ) -> Result<(), ProviderError> {
        check_password_policy(new_password)?;
        let code = user_code(code)?;
        let result = self
            .client
            .confirm_forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code)
            .password(new_password)
            .send()
            .await;
        if let Err(e) = result {
            return Self::fail(Step::ConfirmForgotPassword, e);
        }
        // A reset ends every session: refresh tokens stop working, and the
        // access tokens already out expire within their short lifetime.
        self.global_sign_out(email).await;
        Ok(())
    }

    /// Adds the user to the group of `role`, then removes them from the
    /// other one. Because ADMIN wins over MEMBER ([`super::role_from_groups`]),
    /// the effective role flips at exactly one call, and a failure before it
    /// leaves the old role in force, which is the trait's contract:
    ///
    /// - promotion flips at the add (the MEMBER removal after it is tidying:
    ///   if it fails the user is an admin in both groups, logged, `Ok`);
    /// - demotion flips at the ADMIN removal (the MEMBER add before it
    ///   changes nothing effective; if the removal fails, `Err`, and the
    ///   user is still an admin).
    ///
    /// The user is named by email, an alias Cognito's admin APIs accept in a
    /// pool whose user name is the email; `user` is only logged.
    #[tracing::instrument(skip_all, fields(user = %user, role = %role))]
    async fn set_role(&self, user: UserId, email: &Email, role: Role) -> Result<(), ProviderError> {
        let other = match role {
            Role::Admin => Role::Member,
            Role::Member => Role::Admin,
        };
        let added = self
            .client
            .admin_add_user_to_group()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .group_name(role.as_str())
            .send()
            .await;
        if let Err(e) = added {
            return Self::fail(Step::SetRole, e);
        }
        let removed = self
            .client
            .admin_remove_user_from_group()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .group_name(other.as_str())
            .send()
            .await;
        match (removed, role) {
            (Ok(_), _) => {
                tracing::info!(%user, %role, "Cognito group set");
                Ok(())
            }
            (Err(e), Role::Admin) => {
                tracing::warn!(
                    %user,
                    error = %DisplayErrorContext(&e),
                    "promoted, but still in MEMBER too (harmless: ADMIN wins)"
                );
                Ok(())
            }
            (Err(e), Role::Member) => Self::fail(Step::SetRole, e),
        }
    }

    /// AdminDisableUser then AdminUserGlobalSignOut, or AdminEnableUser. A
    /// disabled Cognito user can neither sign in nor refresh, so the disable
    /// is the step that takes effect; a failure before it changes nothing.
    #[tracing::instrument(skip_all, fields(user = %user, active))]
    async fn set_active(
        &self,
        user: UserId,
        email: &Email,
        active: bool,
    ) -> Result<(), ProviderError> {
        if active {
            let result = self
                .client
                .admin_enable_user()
                .user_pool_id(&self.user_pool_id)
                .username(email.as_str())
                .send()
                .await;
            return match result {
                Ok(_) => Ok(()),
                Err(e) => Self::fail(Step::SetActive, e),
            };
        }
        let result = self
            .client
            .admin_disable_user()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await;
        if let Err(e) = result {
            return Self::fail(Step::SetActive, e);
        }
        self.global_sign_out(email).await;
        tracing::info!(%user, "Cognito user disabled and signed out everywhere");
        Ok(())
    }
}

impl CognitoProvider {
    /// AdminUserGlobalSignOut: revokes every refresh token of the user. Its
    /// failure is logged, not returned: the change that called it (a reset,
    /// a deactivation) has already happened and must not be reported as
    /// failed. A deactivated user is refused at the next request anyway (the
    /// profile says so); after a reset, tokens already out expire with their
    /// lifetime.
    async fn global_sign_out(&self, email: &Email) {
        let result = self
            .client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await;
        if let Err(e) = result {
            tracing::error!(error = %DisplayErrorContext(&e), "AdminUserGlobalSignOut failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fail(step: Step, code: &str) -> Outcome {
        classify(step, Some(code), "detail")
    }

    #[test]
    fn codes_map_to_the_local_providers_errors() {
        use ProviderError as E;
        use Step::*;
        type Expect = fn(&Outcome) -> bool;
        let cases: &[(Step, &str, Expect)] = &[
            (SignUp, "UsernameExistsException", |o| {
                matches!(o, Outcome::Succeed)
            }),
            (ResendConfirmation, "UserNotFoundException", |o| {
                matches!(o, Outcome::Succeed)
            }),
            (ResendConfirmation, "InvalidParameterException", |o| {
                matches!(o, Outcome::Succeed)
            }),
            (SetActive, "UserNotFoundException", |o| {
                matches!(o, Outcome::Fail(E::Internal(_)))
            }),
            (SignUp, "InvalidPasswordException", |o| {
                matches!(o, Outcome::Fail(E::WeakPassword(_)))
            }),
            (ConfirmSignUp, "CodeMismatchException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCode))
            }),
            (ConfirmSignUp, "ExpiredCodeException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCode))
            }),
            (ConfirmSignUp, "NotAuthorizedException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCode))
            }),
            (ConfirmSignUp, "UserNotFoundException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCode))
            }),
            (ConfirmSignUp, "TooManyFailedAttemptsException", |o| {
                matches!(o, Outcome::Fail(E::TooManyAttempts))
            }),
            (SignIn, "NotAuthorizedException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCredentials))
            }),
            (SignIn, "UserNotFoundException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCredentials))
            }),
            (SignIn, "UserNotConfirmedException", |o| {
                matches!(o, Outcome::Fail(E::NotConfirmed))
            }),
            (SignIn, "PasswordResetRequiredException", |o| {
                matches!(o, Outcome::Fail(E::PasswordResetRequired))
            }),
            (SignIn, "TooManyRequestsException", |o| {
                matches!(o, Outcome::Fail(E::RateLimited))
            }),
            (SignIn, "LimitExceededException", |o| {
                matches!(o, Outcome::Fail(E::RateLimited))
            }),
            (Refresh, "NotAuthorizedException", |o| {
                matches!(o, Outcome::Fail(E::SessionExpired))
            }),
            (SignOut, "UnauthorizedException", |o| {
                matches!(o, Outcome::Fail(E::SessionExpired))
            }),
            (SignOut, "UnsupportedTokenTypeException", |o| {
                matches!(o, Outcome::Fail(E::SessionExpired))
            }),
            (ForgotPassword, "UserNotFoundException", |o| {
                matches!(o, Outcome::Succeed)
            }),
            (ForgotPassword, "InvalidParameterException", |o| {
                matches!(o, Outcome::Succeed)
            }),
            (ForgotPassword, "LimitExceededException", |o| {
                matches!(o, Outcome::Fail(E::RateLimited))
            }),
            (ConfirmForgotPassword, "CodeMismatchException", |o| {
                matches!(o, Outcome::Fail(E::InvalidCode))
            }),
            (ConfirmForgotPassword, "InvalidPasswordException", |o| {
                matches!(o, Outcome::Fail(E::WeakPassword(_)))
            }),
            (SetRole, "UserNotFoundException", |o| {
                matches!(o, Outcome::Fail(E::Internal(_)))
            }),
            (SetRole, "NotAuthorizedException", |o| {
                matches!(o, Outcome::Fail(E::Internal(_)))
            }),
            (SignUp, "InternalErrorException", |o| {
                matches!(o, Outcome::Fail(E::Internal(_)))
            }),
            (SignUp, "UnauthorizedException", |o| {
                matches!(o, Outcome::Fail(E::Internal(_)))
            }),
            (ConfirmSignUp, "UserLambdaValidationException", |o| {
                matches!(o, Outcome::Fail(E::Internal(_)))
            }),
        ];
        for (step, code, ok) in cases {
            let outcome = fail(*step, code);
            assert!(ok(&outcome), "{step:?} {code} gave {outcome:?}");
        }
        assert!(matches!(
            classify(Step::SignIn, None, "x"),
            Outcome::Fail(ProviderError::Internal(_))
        ));
    }

    #[test]
    fn user_codes_are_trimmed_and_shape_checked() {
        assert_eq!(user_code(" 123456\n").ok(), Some("123456"));
        for bad in ["", "   ", "12 34", &"9".repeat(2049)] {
            assert!(
                matches!(user_code(bad), Err(ProviderError::InvalidCode)),
                "{bad:?}"
            );
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn settings_derive_issuer_and_jwks_from_region_and_pool() {
        let s = CognitoSettings::from_lookup(
            Some("eu-west-1"),
            vars(&[
                (env::USER_POOL_ID, "eu-west-1_Abc"),
                (env::CLIENT_ID, "client"),
            ]),
        )
        .expect("settings");
        assert_eq!(
            s.issuer,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
        );
        assert_eq!(
            s.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json"
        );
        assert_eq!(s.validator_config().client_id, "client");
        assert_eq!(
            s,
            CognitoSettings::for_pool("eu-west-1", "eu-west-1_Abc", "client")
        );
    }

    #[test]
    fn settings_take_explicit_issuer_and_jwks_without_a_region() {
        let s = CognitoSettings::from_lookup(
            None,
            vars(&[
                (env::USER_POOL_ID, "us-east-1_X"),
                (env::CLIENT_ID, "c"),
                (
                    env::ISSUER,
                    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X",
                ),
                (
                    env::JWKS_URL,
                    "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json",
                ),
            ]),
        )
        .expect("settings");
        assert_eq!(
            s.jwks_url,
            "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json"
        );
        assert_eq!(
            s.issuer,
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X"
        );
    }

    #[test]
    fn settings_refuse_missing_or_unsafe_values() {
        let err = |region: Option<&str>, pairs: &[(&str, &str)]| {
            CognitoSettings::from_lookup(region, vars(pairs)).expect_err("must fail")
        };
        assert!(matches!(
            err(Some("r"), &[(env::CLIENT_ID, "c")]),
            CognitoConfigError::MissingEnv(env::USER_POOL_ID)
        ));
        assert!(matches!(
            err(
                Some("r"),
                &[(env::USER_POOL_ID, "r_p"), (env::CLIENT_ID, " ")]
            ),
            CognitoConfigError::MissingEnv(env::CLIENT_ID)
        ));
        assert!(matches!(
            err(None, &[(env::USER_POOL_ID, "r_p"), (env::CLIENT_ID, "c")]),
            CognitoConfigError::MissingRegion
        ));
        assert!(matches!(
            err(
                Some("r"),
                &[(env::USER_POOL_ID, "r_p/../x"), (env::CLIENT_ID, "c")]
            ),
            CognitoConfigError::Invalid { .. }
        ));
        assert!(matches!(
            err(
                Some("r"),
                &[
                    (env::USER_POOL_ID, "r_p"),
                    (env::CLIENT_ID, "c"),
                    (env::JWKS_URL, "http://keys.example.com/jwks.json")
                ]
            ),
            CognitoConfigError::Invalid {
                name: env::JWKS_URL,
                ..
            }
        ));
        assert!(matches!(
            err(
                Some("r"),
                &[
                    (env::USER_POOL_ID, "r_p"),
                    (env::CLIENT_ID, "c"),
                    (env::JWKS_URL, "http://127.0.0.1.evil.example/jwks.json")
                ]
            ),
            CognitoConfigError::Invalid {
                name: env::JWKS_URL,
                ..
            }
        ));
    }

    #[test]
    fn an_explicit_issuer_locates_the_keys_too() {
        let s = CognitoSettings::from_lookup(
            None,
            vars(&[
                (env::USER_POOL_ID, "r_p"),
                (env::CLIENT_ID, "c"),
                (env::ISSUER, "https://cognito-idp.r.amazonaws.com/r_p"),
            ]),
        )
        .expect("settings");
        assert_eq!(
            s.jwks_url,
            "https://cognito-idp.r.amazonaws.com/r_p/.well-known/jwks.json"
        );
    }
}
