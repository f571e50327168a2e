//! Sign-up, confirmation, sign-in, refresh and password reset behind one
//! trait, so server functions do not care whether Cognito or the built-in
//! provider answers.
//!
//! The built-in [`LocalProvider`] mirrors Cognito's observable behaviour:
//! accounts need an emailed code before they can sign in, wrong passwords
//! and unknown emails get the same answer, refresh tokens are opaque and
//! revocable, and groups (roles) travel in the tokens.

use std::sync::Arc;

use argon2::{
    password_hash::{
        rand_core::OsRng, rand_core::RngCore, PasswordHash, PasswordHasher, PasswordVerifier,
        SaltString,
    },
    Argon2,
};
use async_trait::async_trait;
use domain::{DisplayName, Email, NewProfile, Role, UserId};
use sha2::{Digest, Sha256};
use store::credentials::{CodePurpose, Credential, PendingCode, RefreshRecord};
use store::{Store, StoreError};

use super::local::{
    new_refresh_token, refresh_token_hash, IssuedTokens, LocalIssuer, TokenSubject,
};

/// What a successful sign-in or refresh hands to the session layer.
#[derive(Debug, Clone)]
pub struct SessionTokens {
    pub id_token: String,
    pub access_token: String,
    /// `None` on refresh: the refresh token stays the same, as in Cognito.
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

/// Failures a user can act on, plus `Internal` (logged, never shown).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("incorrect email or password")]
    InvalidCredentials,
    #[error("account not confirmed")]
    NotConfirmed,
    #[error("email already registered")]
    EmailTaken,
    #[error("invalid or expired code")]
    InvalidCode,
    #[error("too many wrong codes")]
    TooManyAttempts,
    /// The identity provider throttled the request (Cognito's
    /// `LimitExceeded`/`TooManyRequests`): distinct from wrong codes, so the
    /// user is told to wait rather than to request a new code.
    #[error("rate limited by the identity provider")]
    RateLimited,
    /// The account's password was reset by an operator (Cognito's
    /// `PasswordResetRequired`); only "Forgot password" gets the user in.
    #[error("password reset required")]
    PasswordResetRequired,
    #[error("password does not meet the policy: {0}")]
    WeakPassword(&'static str),
    #[error("session expired")]
    SessionExpired,
    #[error("internal: {0}")]
    Internal(String),
}

impl ProviderError {
    /// The sentence shown to the user. Unknown emails and wrong passwords
    /// read the same so sign-in does not reveal who has an account.
    pub fn public_message(&self) -> String {
        match self {
            ProviderError::InvalidCredentials => "Incorrect email or password.".into(),
            ProviderError::NotConfirmed => {
                "Please confirm your email address first: enter the code we sent you.".into()
            }
            ProviderError::EmailTaken => {
                "An account with this email already exists. Sign in instead.".into()
            }
            ProviderError::InvalidCode => "That code is wrong or has expired.".into(),
            ProviderError::TooManyAttempts => {
                "Too many wrong codes. Request a new one with \"Forgot password\" or sign up again."
                    .into()
            }
            ProviderError::RateLimited => {
                "Too many attempts. Please wait a few minutes and try again.".into()
            }
            ProviderError::PasswordResetRequired => {
                "Your password must be reset: use \"Forgot password\" to choose a new one.".into()
            }
            ProviderError::WeakPassword(why) => format!("Choose a stronger password: {why}."),
            ProviderError::SessionExpired => {
                "Your session has expired. Please sign in again.".into()
            }
            ProviderError::Internal(_) => {
                "Something went wrong on our side. Please try again.".into()
            }
        }
    }

    /// HTTP status for API clients.
    pub fn status(&self) -> u16 {
        match self {
            ProviderError::InvalidCredentials | ProviderError::SessionExpired => 401,
            ProviderError::NotConfirmed | ProviderError::PasswordResetRequired => 403,
            ProviderError::EmailTaken => 409,
            ProviderError::TooManyAttempts | ProviderError::RateLimited => 429,
            ProviderError::InvalidCode | ProviderError::WeakPassword(_) => 400,
            ProviderError::Internal(_) => 500,
        }
    }
}

impl From<StoreError> for ProviderError {
    fn from(e: StoreError) -> Self {
        ProviderError::Internal(e.to_string())
    }
}

/// The same rules as the Cognito pool's password policy in Terraform.
pub fn check_password_policy(pw: &str) -> Result<(), ProviderError> {
    let len = pw.chars().count();
    if len < 12 {
        return Err(ProviderError::WeakPassword("use at least 12 characters"));
    }
    if len > 256 {
        return Err(ProviderError::WeakPassword("use at most 256 characters"));
    }
    let has = |f: fn(char) -> bool| pw.chars().any(f);
    if !(has(|c| c.is_lowercase()) && has(|c| c.is_uppercase()) && has(|c| c.is_ascii_digit())) {
        return Err(ProviderError::WeakPassword(
            "mix upper- and lower-case letters and digits",
        ));
    }
    if !has(|c| !c.is_alphanumeric()) {
        return Err(ProviderError::WeakPassword("include a symbol"));
    }
    Ok(())
}

/// Where one-time codes go: the dev mailbox locally, SMTP when configured.
#[async_trait]
pub trait CodeSender: Send + Sync {
    async fn send_code(&self, to: &Email, subject: &str, text: &str) -> Result<(), String>;
}

#[async_trait]
pub trait AuthProvider: Send + Sync {
    async fn sign_up(
        &self,
        email: &Email,
        password: &str,
        name: &DisplayName,
    ) -> Result<(), ProviderError>;
    async fn confirm_sign_up(&self, email: &Email, code: &str) -> Result<(), ProviderError>;
    async fn sign_in(&self, email: &Email, password: &str) -> Result<SessionTokens, ProviderError>;
    async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, ProviderError>;
    async fn sign_out(&self, refresh_token: &str) -> Result<(), ProviderError>;
    async fn forgot_password(&self, email: &Email) -> Result<(), ProviderError>;
    async fn confirm_forgot_password(
        &self,
        email: &Email,
        code: &str,
        new_password: &str,
    ) -> Result<(), ProviderError>;
    /// Makes `role` the user's effective role at the provider (the token's
    /// next refresh carries it).
    ///
    /// Contract relied on by [`super::roles::change_role`]: on `Err` the
    /// effective role is unchanged, so the caller can put its own record
    /// back and the two never disagree; on `Ok` it is `role`. Calling it
    /// again with the same role is harmless.
    async fn set_role(&self, user: UserId, email: &Email, role: Role) -> Result<(), ProviderError>;
}

const CODE_TTL_SECS: i64 = 24 * 3600;
const MAX_CODE_ATTEMPTS: u32 = 5;
const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;

/// The embedded default's identity provider.
pub struct LocalProvider {
    store: Arc<dyn Store>,
    issuer: Arc<LocalIssuer>,
    codes: Arc<dyn CodeSender>,
}

impl LocalProvider {
    pub fn new(
        store: Arc<dyn Store>,
        issuer: Arc<LocalIssuer>,
        codes: Arc<dyn CodeSender>,
    ) -> Self {
        Self {
            store,
            issuer,
            codes,
        }
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    async fn hash_password(pw: String) -> Result<String, ProviderError> {
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(pw.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| ProviderError::Internal(format!("argon2: {e}")))
        })
        .await
        .map_err(|e| ProviderError::Internal(e.to_string()))?
    }

    async fn verify_password(pw: String, phc: String) -> bool {
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc)
                .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }

    /// A six-digit code and its hash; only the hash is stored.
    fn new_code() -> (String, String) {
        let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
        let hash = code_hash(&code);
        (code, hash)
    }

    async fn send_code(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<(), ProviderError> {
        let (subject, what) = match purpose {
            CodePurpose::ConfirmSignUp => (
                "Your tasklane confirmation code",
                "confirm your email address",
            ),
            CodePurpose::ResetPassword => {
                ("Your tasklane password reset code", "reset your password")
            }
        };
        let text = format!("Use this code to {what}: {code}\n\nIt expires in 24 hours. If you did not ask for it, ignore this email.\n");
        self.codes
            .send_code(email, subject, &text)
            .await
            .map_err(ProviderError::Internal)
    }

    /// Checks `code` against the credential's pending code, counting a wrong
    /// guess against the attempt budget. Returns the credential with the
    /// code consumed on success.
    async fn consume_code(
        &self,
        cred: Credential,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<Credential, ProviderError> {
        let Some(pending) = cred.code.clone().filter(|p| p.purpose == purpose) else {
            return Err(ProviderError::InvalidCode);
        };
        if pending.attempts >= MAX_CODE_ATTEMPTS {
            return Err(ProviderError::TooManyAttempts);
        }
        let ok = pending.expires_at > Self::now()
            && constant_time_eq(&pending.code_hash, &code_hash(code.trim()));
        if !ok {
            let mut next = cred.clone();
            next.code = Some(PendingCode {
                attempts: pending.attempts + 1,
                ..pending
            });
            // A conflicting concurrent guess is also a failed guess.
            let _ = self.store.update_credential(&cred, next).await;
            return Err(ProviderError::InvalidCode);
        }
        Ok(Credential { code: None, ..cred })
    }

    async fn tokens_for(
        &self,
        user: UserId,
        email: &Email,
        auth_time: Option<u64>,
    ) -> Result<IssuedTokens, ProviderError> {
        let profile = self.store.get_profile(user).await.map_err(|e| match e {
            StoreError::NotFound => ProviderError::InvalidCredentials,
            e => e.into(),
        })?;
        let subject = TokenSubject {
            sub: user.to_string(),
            username: email.as_str().to_owned(),
            email: email.as_str().to_owned(),
            groups: vec![profile.role.as_str().to_owned()],
        };
        self.issuer
            .mint(&subject, auth_time)
            .map_err(|e| ProviderError::Internal(e.to_string()))
    }
}

fn code_hash(code: &str) -> String {
    hex(&Sha256::digest(code.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[async_trait]
impl AuthProvider for LocalProvider {
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn sign_up(
        &self,
        email: &Email,
        password: &str,
        name: &DisplayName,
    ) -> Result<(), ProviderError> {
        check_password_policy(password)?;
        let password_hash = Self::hash_password(password.to_owned()).await?;
        let (code, code_hash) = Self::new_code();
        let cred = Credential {
            user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
            email: email.clone(),
            password_hash,
            confirmed: false,
            display_name: name.clone(),
            code: Some(PendingCode {
                purpose: CodePurpose::ConfirmSignUp,
                code_hash,
                expires_at: Self::now() + CODE_TTL_SECS,
                attempts: 0,
            }),
            version: 0,
        };
        match self.store.create_credential(&cred).await {
            Ok(_) => {}
            Err(StoreError::AlreadyExists) => return Err(ProviderError::EmailTaken),
            Err(e) => return Err(e.into()),
        }
        self.send_code(email, CodePurpose::ConfirmSignUp, &code)
            .await
    }

    /// Confirms the account and creates the profile, as Cognito's
    /// post-confirmation trigger does: the first account becomes ADMIN
    /// (decided by a one-time marker, so two simultaneous first sign-ups
    /// cannot both win), everyone else MEMBER.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn confirm_sign_up(&self, email: &Email, code: &str) -> Result<(), ProviderError> {
        let cred = match self.store.get_credential(email).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(ProviderError::InvalidCode),
            Err(e) => return Err(e.into()),
        };
        if cred.confirmed {
            return Ok(());
        }
        let next = self
            .consume_code(cred.clone(), CodePurpose::ConfirmSignUp, code)
            .await?;
        let confirmed = Credential {
            confirmed: true,
            ..next
        };
        match self.store.update_credential(&cred, confirmed.clone()).await {
            Ok(_) => {}
            Err(StoreError::Conflict) => return Err(ProviderError::InvalidCode),
            Err(e) => return Err(e.into()),
        }
        let first = self
            .store
            .put_marker("bootstrap-first-admin", time::Duration::days(365 * 100))
            .await?;
        let role = if first { Role::Admin } else { Role::Member };
        let profile = NewProfile {
            id: confirmed.user_id,
            email: confirmed.email.clone(),
            display_name: confirmed.display_name.clone(),
            role,
        };
        match self.store.create_profile(profile).await {
            Ok(p) => {
                tracing::info!(user = %p.id, role = %p.role, "account confirmed");
                Ok(())
            }
            // Idempotent, like the Cognito trigger: never reset a role.
            Err(StoreError::AlreadyExists) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn sign_in(&self, email: &Email, password: &str) -> Result<SessionTokens, ProviderError> {
        let cred = match self.store.get_credential(email).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => {
                // Spend the same time as a real check, so timing does not
                // reveal which emails have accounts.
                let _ = Self::hash_password(password.to_owned()).await;
                return Err(ProviderError::InvalidCredentials);
            }
            Err(e) => return Err(e.into()),
        };
        if !Self::verify_password(password.to_owned(), cred.password_hash.clone()).await {
            return Err(ProviderError::InvalidCredentials);
        }
        if !cred.confirmed {
            return Err(ProviderError::NotConfirmed);
        }
        let issued = self.tokens_for(cred.user_id, &cred.email, None).await?;
        let (refresh, hash) = new_refresh_token();
        self.store
            .put_refresh(
                &hash,
                &RefreshRecord {
                    user_id: cred.user_id,
                    email: cred.email.clone(),
                    expires_at: Self::now() + REFRESH_TTL_SECS,
                },
            )
            .await?;
        Ok(SessionTokens {
            id_token: issued.id_token,
            access_token: issued.access_token,
            refresh_token: Some(refresh),
            expires_in: issued.expires_in,
        })
    }

    async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, ProviderError> {
        let rec = match self
            .store
            .get_refresh(&refresh_token_hash(refresh_token), Self::now())
            .await
        {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(ProviderError::SessionExpired),
            Err(e) => return Err(e.into()),
        };
        let issued = self.tokens_for(rec.user_id, &rec.email, None).await?;
        Ok(SessionTokens {
            id_token: issued.id_token,
            access_token: issued.access_token,
            refresh_token: None,
            expires_in: issued.expires_in,
        })
    }

    async fn sign_out(&self, refresh_token: &str) -> Result<(), ProviderError> {
        Ok(self
            .store
            .revoke_refresh(&refresh_token_hash(refresh_token))
            .await?)
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn forgot_password(&self, email: &Email) -> Result<(), ProviderError> {
        let cred = match self.store.get_credential(email).await {
            Ok(c) => c,
            // Same answer as for a real account: no enumeration.
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let (code, code_hash) = Self::new_code();
        let next = Credential {
            code: Some(PendingCode {
                purpose: CodePurpose::ResetPassword,
                code_hash,
                expires_at: Self::now() + CODE_TTL_SECS,
                attempts: 0,
            }),
            ..cred.clone()
        };
        self.store.update_credential(&cred, next).await?;
        self.send_code(email, CodePurpose::ResetPassword, &code)
            .await
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn confirm_forgot_password(
        &self,
        email: &Email,
        code: &str,
        new_password: &str,
    ) -> Result<(), ProviderError> {
        check_password_policy(new_password)?;
        let cred = match self.store.get_credential(email).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(ProviderError::InvalidCode),
            Err(e) => return Err(e.into()),
        };
        let next = self
            .consume_code(cred.clone(), CodePurpose::ResetPassword, code)
            .await?;
        let password_hash = Self::hash_password(new_password.to_owned()).await?;
        // A reset proves control of the mailbox, which is what confirming does.
        let next = Credential {
            password_hash,
            confirmed: true,
            ..next
        };
        match self.store.update_credential(&cred, next).await {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict) => Err(ProviderError::InvalidCode),
            Err(e) => Err(e.into()),
        }
    }

    async fn set_role(
        &self,
        _user: UserId,
        _email: &Email,
        _role: Role,
    ) -> Result<(), ProviderError> {
        // Locally the profile's role is the group: tokens are minted from it
        // on every sign-in and refresh, so there is nothing else to update.
        Ok(())
    }
}
