//! Sign-up, confirmation, sign-in, refresh and password reset behind one
//! trait, so server functions do not care whether Cognito or the built-in
//! provider answers.
//!
//! The built-in [`LocalProvider`] mirrors Cognito's observable behaviour and
//! holds against a hostile client:
//! - answers do not depend on whether an email has an account (a known email
//!   at sign-up gets an email telling its owner, not an error);
//! - every code guess is counted before it is checked, so concurrent guesses
//!   cannot exceed the budget, and codes can be re-issued only a few times a
//!   day, so the budget cannot be re-armed without end;
//! - refresh tokens rotate on every use, and presenting a rotated one ends
//!   that whole session family (see [`LocalProvider::refresh`]).

use std::sync::Arc;

use argon2::{
    password_hash::{
        rand_core::OsRng, rand_core::RngCore, PasswordHash, PasswordHasher, PasswordVerifier,
        SaltString,
    },
    Argon2,
};
use async_trait::async_trait;
use domain::{DisplayName, Email, NewProfile, Role, UserId, UserProfile};
use sha2::{Digest, Sha256};
use store::credentials::{CodePurpose, Credential, PendingCode, SessionFamily};
use store::{Store, StoreError};

use crate::bootstrap::constant_time_eq;
use crate::clock::{Clock, SystemClock};
use crate::local::{new_refresh_token, refresh_token_hash, LocalIssuer, TokenSubject};

/// What a successful sign-in or refresh hands to the session layer.
#[derive(Debug, Clone)]
pub struct SessionTokens {
    pub id_token: String,
    pub access_token: String,
    /// The new refresh token: always set by the local provider (it rotates on
    /// every use); `None` from Cognito's refresh, which keeps the old one.
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
    #[error("account deactivated")]
    Deactivated,
    #[error("invalid or expired code")]
    InvalidCode,
    #[error("too many wrong codes")]
    TooManyAttempts,
    /// The identity provider throttled the request (Cognito's
    /// `LimitExceeded`/`TooManyRequests`), or too many guesses raced for one
    /// code: distinct from wrong codes, so the user is told to wait.
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
    /// Sign-up is by invitation and this address has no live invitation
    /// (see `domain::admit`).
    #[error("not invited: {0}")]
    NotInvited(domain::Refusal),
    /// Another request of the same browser rotated this refresh token a
    /// moment ago: not theft, and not a reason to clear the new cookies.
    #[error("refresh token rotated by a concurrent request")]
    RefreshRaced,
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
            ProviderError::Deactivated => {
                "This account has been deactivated. Ask an admin to reactivate it.".into()
            }
            ProviderError::InvalidCode => "That code is wrong or has expired.".into(),
            ProviderError::TooManyAttempts => {
                "Too many wrong codes. Ask for a new code and try again.".into()
            }
            ProviderError::RateLimited => {
                "Too many attempts. Please wait a few minutes and try again.".into()
            }
            ProviderError::PasswordResetRequired => {
                "Your password must be reset: use \"Forgot password\" to choose a new one.".into()
            }
            ProviderError::WeakPassword(why) => format!("Choose a stronger password: {why}."),
            ProviderError::SessionExpired | ProviderError::RefreshRaced => {
                "Your session has expired. Please sign in again.".into()
            }
            ProviderError::NotInvited(why) => refusal_message(*why).into(),
            ProviderError::Internal(_) => {
                "Something went wrong on our side. Please try again.".into()
            }
        }
    }

    /// HTTP status for API clients.
    pub fn status(&self) -> u16 {
        match self {
            ProviderError::InvalidCredentials
            | ProviderError::SessionExpired
            | ProviderError::RefreshRaced => 401,
            ProviderError::NotConfirmed
            | ProviderError::PasswordResetRequired
            | ProviderError::Deactivated
            | ProviderError::NotInvited(_) => 403,
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

/// What a refused sign-up reads, wherever it was refused.
pub fn refusal_message(why: domain::Refusal) -> &'static str {
    match why {
        domain::Refusal::NotInvited => {
            "Sign-up is by invitation only. Ask an admin of this team to invite you."
        }
        domain::Refusal::Expired => {
            "Your invitation has expired. Ask the admin who invited you to send a new one."
        }
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

/// Where account emails go: the dev mailbox locally, SMTP when configured.
#[async_trait]
pub trait CodeSender: Send + Sync {
    async fn send_code(&self, to: &Email, subject: &str, text: &str) -> Result<(), String>;
}

#[async_trait]
pub trait AuthProvider: Send + Sync {
    /// Answers the same whether or not `email` has an account. `bootstrap`:
    /// this sign-up may become the first admin (see [`crate::bootstrap`]).
    async fn sign_up(
        &self,
        email: &Email,
        password: &str,
        name: &DisplayName,
        bootstrap: bool,
    ) -> Result<(), ProviderError>;
    async fn confirm_sign_up(&self, email: &Email, code: &str) -> Result<(), ProviderError>;
    /// Sends a new confirmation code to an unconfirmed account; answers the
    /// same for any other email.
    async fn resend_confirmation(&self, email: &Email) -> Result<(), ProviderError>;
    async fn sign_in(&self, email: &Email, password: &str) -> Result<SessionTokens, ProviderError>;
    async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, ProviderError>;
    async fn sign_out(&self, refresh_token: &str) -> Result<(), ProviderError>;
    async fn forgot_password(&self, email: &Email) -> Result<(), ProviderError>;
    /// Sets the new password and ends every session of the account.
    async fn confirm_forgot_password(
        &self,
        email: &Email,
        code: &str,
        new_password: &str,
    ) -> Result<(), ProviderError>;
    /// Makes `role` the user's effective role at the provider (the token's
    /// next refresh carries it).
    ///
    /// Contract relied on by [`crate::roles::change_role`]: on `Err` the
    /// effective role is unchanged, so the caller can put its own record
    /// back and the two never disagree; on `Ok` it is `role`. Calling it
    /// again with the same role is harmless.
    async fn set_role(&self, user: UserId, email: &Email, role: Role) -> Result<(), ProviderError>;
    /// Lets the user sign in again, or stops them and ends every session
    /// they have. Same contract as [`AuthProvider::set_role`]: on `Err`
    /// nothing changed at the provider; repeating a call is harmless.
    async fn set_active(
        &self,
        user: UserId,
        email: &Email,
        active: bool,
    ) -> Result<(), ProviderError>;
}

const CODE_TTL_SECS: i64 = 24 * 3600;
/// Guesses per issued code.
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// Codes an account can be sent per [`CODE_WINDOW_SECS`]: with
/// [`MAX_CODE_ATTEMPTS`], at most 25 guesses a day at a six-digit code.
pub const MAX_CODES_PER_WINDOW: u32 = 5;
const CODE_WINDOW_SECS: i64 = 24 * 3600;
/// Races for one code beyond this many rounds are told to wait.
const MAX_GUESS_ROUNDS: u32 = 20;
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;
/// How long after a rotation the replaced token counts as a benign race
/// (two requests of one browser) rather than a stolen copy.
pub const REFRESH_RACE_GRACE_SECS: i64 = 10;

/// The embedded default's identity provider.
pub struct LocalProvider {
    store: Arc<dyn Store>,
    issuer: Arc<LocalIssuer>,
    codes: Arc<dyn CodeSender>,
    clock: Arc<dyn Clock>,
    signup: domain::SignupMode,
}

impl LocalProvider {
    pub fn new(
        store: Arc<dyn Store>,
        issuer: Arc<LocalIssuer>,
        codes: Arc<dyn CodeSender>,
    ) -> Self {
        Self::with_clock(store, issuer, codes, Arc::new(SystemClock))
    }

    /// Tests move time (code expiry, the refresh race window) with a
    /// [`crate::ManualClock`] instead of sleeping.
    pub fn with_clock(
        store: Arc<dyn Store>,
        issuer: Arc<LocalIssuer>,
        codes: Arc<dyn CodeSender>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            issuer,
            codes,
            clock,
            signup: domain::SignupMode::Open,
        }
    }

    /// Who may sign up (default `open`): with `invite`, confirming a
    /// sign-up checks `domain::admit` again, so an invitation revoked or
    /// expired between sign-up and confirmation lets nobody in.
    pub fn with_signup(mut self, mode: domain::SignupMode) -> Self {
        self.signup = mode;
        self
    }

    /// The address's invitation, if it has one.
    async fn invitation(&self, email: &Email) -> Result<Option<domain::Invitation>, ProviderError> {
        match self.store.get_invitation(email).await {
            Ok(i) => Ok(Some(i)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn now_instant(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(self.now())
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    fn now(&self) -> i64 {
        self.clock.unix_now() as i64
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

    async fn credential(&self, email: &Email) -> Result<Option<Credential>, ProviderError> {
        match self.store.get_credential(email).await {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn send(&self, to: &Email, subject: &str, text: &str) -> Result<(), ProviderError> {
        self.codes
            .send_code(to, subject, text)
            .await
            .map_err(ProviderError::Internal)
    }

    /// Writes `base` (the credential with any other changes) over `current`
    /// with a fresh code for `purpose`, and emails it; unless the account has
    /// had [`MAX_CODES_PER_WINDOW`] codes in this window, when nothing is
    /// written or sent (the answer stays the same, so this reveals nothing).
    async fn issue_code(
        &self,
        current: &Credential,
        base: Credential,
        purpose: CodePurpose,
    ) -> Result<(), ProviderError> {
        let now = self.now();
        let (issued, first) = match &current.code {
            Some(p) if now - p.first_issued_at < CODE_WINDOW_SECS => (p.issued, p.first_issued_at),
            _ => (0, now),
        };
        if issued >= MAX_CODES_PER_WINDOW {
            tracing::warn!(email = %current.email.as_str(), "code re-issue cap reached; nothing sent");
            return Ok(());
        }
        let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
        let next = Credential {
            code: Some(PendingCode {
                purpose,
                code_hash: code_hash(&code),
                expires_at: now + CODE_TTL_SECS,
                attempts: 0,
                issued: issued + 1,
                first_issued_at: first,
            }),
            ..base
        };
        match self.store.update_credential(current, next).await {
            Ok(_) => {}
            // Another request re-issued at the same moment; its code stands.
            Err(StoreError::Conflict) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
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
        self.send(&current.email, subject, &text).await
    }

    /// Spends one guess of the account's `purpose` code on `code`.
    ///
    /// The guess is counted (a version-conditioned write) before it is
    /// checked, and a write that loses a race is retried from a fresh read,
    /// so however many guesses arrive at once, at most [`MAX_CODE_ATTEMPTS`]
    /// are ever checked. Returns the credential as stored after counting.
    async fn spend_guess(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<Credential, ProviderError> {
        let guess = code_hash(code.trim());
        for _ in 0..MAX_GUESS_ROUNDS {
            let Some(cred) = self.credential(email).await? else {
                return Err(ProviderError::InvalidCode);
            };
            let Some(pending) = cred.code.clone().filter(|p| p.purpose == purpose) else {
                return Err(ProviderError::InvalidCode);
            };
            if pending.attempts >= MAX_CODE_ATTEMPTS {
                return Err(ProviderError::TooManyAttempts);
            }
            if pending.expires_at <= self.now() {
                return Err(ProviderError::InvalidCode);
            }
            let counted = Credential {
                code: Some(PendingCode {
                    attempts: pending.attempts + 1,
                    ..pending.clone()
                }),
                ..cred.clone()
            };
            let counted = match self.store.update_credential(&cred, counted).await {
                Ok(c) => c,
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            };
            return if constant_time_eq(pending.code_hash.as_bytes(), guess.as_bytes()) {
                Ok(counted)
            } else {
                Err(ProviderError::InvalidCode)
            };
        }
        Err(ProviderError::RateLimited)
    }

    /// Creates the profile of a just-confirmed account, as Cognito's
    /// post-confirmation trigger does: a sign-up allowed to bootstrap becomes
    /// ADMIN if it is the first to claim the one-time marker (so two racing
    /// sign-ups cannot both win); everyone else MEMBER. Idempotent.
    async fn finish_confirmation(&self, cred: &Credential) -> Result<(), ProviderError> {
        let first = cred.bootstrap
            && self
                .store
                .put_marker("bootstrap-first-admin", time::Duration::days(365 * 100))
                .await?;
        let profile = NewProfile {
            id: cred.user_id,
            email: cred.email.clone(),
            display_name: cred.display_name.clone(),
            role: if first { Role::Admin } else { Role::Member },
        };
        // An invited person joins as a member and uses up the invitation in
        // the same transaction (so one link makes one account).
        let invitation = match first {
            true => None,
            false => self
                .invitation(&cred.email)
                .await?
                .filter(|i| i.is_live(self.now_instant())),
        };
        let created = match &invitation {
            Some(inv) => match self.store.accept_invitation(inv, profile.clone()).await {
                // Revoked or re-sent since it was read: the profile still
                // comes first (the admission check already passed).
                Err(StoreError::NotFound | StoreError::Conflict) => {
                    self.store.create_profile(profile).await
                }
                other => other,
            },
            None => self.store.create_profile(profile).await,
        };
        match created {
            Ok(p) => {
                tracing::info!(user = %p.id, role = %p.role, invited = invitation.is_some(), "account confirmed");
                Ok(())
            }
            // Never reset a role.
            Err(StoreError::AlreadyExists) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// With sign-up by invitation: refuses an address without a live
    /// invitation once an admin exists (`domain::admit`).
    async fn check_admission(&self, email: &Email) -> Result<(), ProviderError> {
        if self.signup == domain::SignupMode::Open {
            return Ok(());
        }
        let admin = self.store.has_active_admin().await?;
        let invitation = self.invitation(email).await?;
        domain::admit(self.signup, admin, invitation.as_ref(), self.now_instant())
            .map_err(ProviderError::NotInvited)
    }

    /// The profile that tokens may be minted for: it exists and is active.
    async fn signable(&self, user: UserId) -> Result<UserProfile, ProviderError> {
        let profile = self.store.get_profile(user).await.map_err(|e| match e {
            StoreError::NotFound => ProviderError::InvalidCredentials,
            e => e.into(),
        })?;
        if !profile.active {
            return Err(ProviderError::Deactivated);
        }
        Ok(profile)
    }

    fn mint(&self, profile: &UserProfile, refresh: String) -> Result<SessionTokens, ProviderError> {
        let subject = TokenSubject {
            sub: profile.id.to_string(),
            username: profile.email.as_str().to_owned(),
            email: profile.email.as_str().to_owned(),
            groups: vec![profile.role.as_str().to_owned()],
        };
        let issued = self
            .issuer
            .mint(&subject, None)
            .map_err(|e| ProviderError::Internal(e.to_string()))?;
        Ok(SessionTokens {
            id_token: issued.id_token,
            access_token: issued.access_token,
            refresh_token: Some(refresh),
            expires_in: issued.expires_in,
        })
    }

    /// Ends the family and logs why; the holder must sign in again.
    async fn end_family(&self, fam: &SessionFamily, why: &str) -> ProviderError {
        tracing::warn!(user = %fam.user_id, family = %fam.id, why, "session family ended");
        match self.store.delete_session_family(&fam.id).await {
            Ok(()) => ProviderError::SessionExpired,
            Err(e) => e.into(),
        }
    }

    /// Sets `sessions_not_before_ms` on the user's profile to now, retrying a
    /// write that raced with another profile change.
    async fn end_all_sessions(&self, user: UserId) -> Result<(), ProviderError> {
        for _ in 0..5 {
            let p = match self.store.get_profile(user).await {
                Ok(p) => p,
                Err(StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            match self.store.end_sessions(&p).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ProviderError::Internal(
            "ending sessions kept losing to concurrent profile writes".into(),
        ))
    }
}

/// Sessions are ended at a millisecond (the store stamps the profile with
/// the system time), so a sign-in just before a reset is told apart from one
/// just after.
fn unix_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn code_hash(code: &str) -> String {
    hex(&Sha256::digest(code.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new refresh token of family `id`: `<family id>.<secret>`. The id finds
/// the family in one read; the whole token's hash says which link of its
/// chain this is.
fn family_token(id: &str) -> String {
    format!("{id}.{}", new_refresh_token().0)
}

/// Splits a presented refresh token, refusing anything not of our shape.
fn split_refresh(token: &str) -> Option<(&str, &str)> {
    let (family, secret) = token.split_once('.')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (ok(family) && ok(secret)).then_some((family, secret))
}

#[async_trait]
impl AuthProvider for LocalProvider {
    /// Hashes the password whatever happens (the dominant cost, so answers
    /// take as long for known emails as for new ones), then: a new email gets
    /// an account and a code; an unconfirmed one is taken over by this
    /// sign-up (new password, new code, the old code void), since only whoever
    /// reads the mailbox can confirm it; a confirmed one gets an email telling
    /// its owner, and nothing changes.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn sign_up(
        &self,
        email: &Email,
        password: &str,
        name: &DisplayName,
        bootstrap: bool,
    ) -> Result<(), ProviderError> {
        check_password_policy(password)?;
        let password_hash = Self::hash_password(password.to_owned()).await?;
        let existing = self.credential(email).await?;
        let current = match existing {
            Some(c) if c.confirmed => {
                return self
                    .send(
                        email,
                        "Someone tried to sign up with your email",
                        "Someone tried to create a tasklane account with this email address, which already has one.\n\nIf it was you, sign in, or use \"Forgot password\" to choose a new password. If not, you can ignore this email: nothing changed.\n",
                    )
                    .await;
            }
            Some(c) => c,
            None => {
                let fresh = Credential {
                    user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
                    email: email.clone(),
                    password_hash: password_hash.clone(),
                    confirmed: false,
                    display_name: name.clone(),
                    code: None,
                    bootstrap,
                    version: 0,
                };
                match self.store.create_credential(&fresh).await {
                    Ok(c) => c,
                    // A concurrent sign-up created it first: answer as it did.
                    Err(StoreError::AlreadyExists) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let base = Credential {
            password_hash,
            display_name: name.clone(),
            bootstrap,
            ..current.clone()
        };
        self.issue_code(&current, base, CodePurpose::ConfirmSignUp)
            .await
    }

    /// A confirmed account answers exactly like an unknown email or a wrong
    /// code, so confirming reveals nothing about who has an account.
    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn confirm_sign_up(&self, email: &Email, code: &str) -> Result<(), ProviderError> {
        let counted = self
            .spend_guess(email, CodePurpose::ConfirmSignUp, code)
            .await?;
        self.check_admission(email).await?;
        let confirmed = Credential {
            confirmed: true,
            code: None,
            ..counted.clone()
        };
        let confirmed = match self.store.update_credential(&counted, confirmed).await {
            Ok(c) => c,
            Err(StoreError::Conflict) => return Err(ProviderError::InvalidCode),
            Err(e) => return Err(e.into()),
        };
        self.finish_confirmation(&confirmed).await
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn resend_confirmation(&self, email: &Email) -> Result<(), ProviderError> {
        match self.credential(email).await? {
            Some(c) if !c.confirmed => {
                self.issue_code(&c, c.clone(), CodePurpose::ConfirmSignUp)
                    .await
            }
            _ => Ok(()),
        }
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn sign_in(&self, email: &Email, password: &str) -> Result<SessionTokens, ProviderError> {
        let Some(cred) = self.credential(email).await? else {
            // Spend the same time as a real check, so timing does not
            // reveal which emails have accounts.
            let _ = Self::hash_password(password.to_owned()).await;
            return Err(ProviderError::InvalidCredentials);
        };
        if !Self::verify_password(password.to_owned(), cred.password_hash.clone()).await {
            return Err(ProviderError::InvalidCredentials);
        }
        if !cred.confirmed {
            return Err(ProviderError::NotConfirmed);
        }
        let profile = self.signable(cred.user_id).await?;
        let now = self.now();
        let mut id = [0_u8; 16];
        OsRng.fill_bytes(&mut id);
        let id = hex(&id);
        let token = family_token(&id);
        let family = SessionFamily {
            id,
            user_id: profile.id,
            email: profile.email.clone(),
            current_hash: refresh_token_hash(&token),
            previous_hash: None,
            rotated_at: now,
            started_at_ms: unix_ms(),
            expires_at: now + REFRESH_TTL_SECS,
            version: 0,
        };
        self.store.create_session_family(&family).await?;
        self.mint(&profile, token)
    }

    /// Rotates the refresh token. Only the family's newest token refreshes,
    /// and only once (a version-conditioned write): of many concurrent
    /// refreshes with one token, one gets the next token and the others are
    /// told they raced. A token replaced more than
    /// [`REFRESH_RACE_GRACE_SECS`] ago, or any older one, means a copy is in
    /// someone else's hands, so the whole family ends, the thief's newest
    /// token with it. A family from before the user's sessions were ended
    /// (password reset, deactivation) ends too.
    async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, ProviderError> {
        let Some((family_id, _)) = split_refresh(refresh_token) else {
            return Err(ProviderError::SessionExpired);
        };
        let now = self.now();
        let fam = match self.store.get_session_family(family_id, now).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Err(ProviderError::SessionExpired),
            Err(e) => return Err(e.into()),
        };
        let presented = refresh_token_hash(refresh_token);
        let raced = |f: &SessionFamily| {
            f.previous_hash.as_deref() == Some(presented.as_str())
                && now - f.rotated_at <= REFRESH_RACE_GRACE_SECS
        };
        if presented != fam.current_hash {
            if raced(&fam) {
                return Err(ProviderError::RefreshRaced);
            }
            return Err(self
                .end_family(&fam, "a rotated refresh token was presented")
                .await);
        }
        let profile = match self.signable(fam.user_id).await {
            Ok(p) if fam.started_at_ms >= p.sessions_not_before_ms => p,
            Ok(_) => {
                return Err(self
                    .end_family(&fam, "sessions were ended after sign-in")
                    .await)
            }
            Err(ProviderError::Internal(e)) => return Err(ProviderError::Internal(e)),
            Err(_) => return Err(self.end_family(&fam, "account deactivated or gone").await),
        };
        let token = family_token(&fam.id);
        let next = SessionFamily {
            current_hash: refresh_token_hash(&token),
            previous_hash: Some(presented.clone()),
            rotated_at: now,
            expires_at: now + REFRESH_TTL_SECS,
            ..fam.clone()
        };
        match self.store.update_session_family(&fam, next).await {
            Ok(_) => self.mint(&profile, token),
            Err(StoreError::Conflict) => {
                match self.store.get_session_family(family_id, now).await {
                    Ok(f) if raced(&f) => Err(ProviderError::RefreshRaced),
                    Ok(f) => Err(self
                        .end_family(&f, "refresh token reused during rotation")
                        .await),
                    Err(StoreError::NotFound) => Err(ProviderError::SessionExpired),
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn sign_out(&self, refresh_token: &str) -> Result<(), ProviderError> {
        let Some((family_id, _)) = split_refresh(refresh_token) else {
            return Ok(());
        };
        let presented = refresh_token_hash(refresh_token);
        match self.store.get_session_family(family_id, self.now()).await {
            // The newest token, or the one it replaced (the request that
            // signs out may itself have rotated it on the way in).
            Ok(f)
                if f.current_hash == presented
                    || f.previous_hash.as_deref() == Some(presented.as_str()) =>
            {
                Ok(self.store.delete_session_family(family_id).await?)
            }
            Ok(_) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    #[tracing::instrument(skip_all, fields(email = %email.as_str()))]
    async fn forgot_password(&self, email: &Email) -> Result<(), ProviderError> {
        match self.credential(email).await? {
            // An unconfirmed account gets a reset code too: resetting proves
            // the mailbox, so it confirms the account (see below).
            Some(c) => {
                self.issue_code(&c, c.clone(), CodePurpose::ResetPassword)
                    .await
            }
            None => Ok(()),
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
        let counted = self
            .spend_guess(email, CodePurpose::ResetPassword, code)
            .await?;
        let password_hash = Self::hash_password(new_password.to_owned()).await?;
        let was_confirmed = counted.confirmed;
        let next = Credential {
            password_hash,
            confirmed: true,
            code: None,
            ..counted.clone()
        };
        let next = match self.store.update_credential(&counted, next).await {
            Ok(c) => c,
            Err(StoreError::Conflict) => return Err(ProviderError::InvalidCode),
            Err(e) => return Err(e.into()),
        };
        if was_confirmed {
            self.end_all_sessions(next.user_id).await
        } else {
            self.finish_confirmation(&next).await
        }
    }

    async fn set_role(
        &self,
        _user: UserId,
        _email: &Email,
        _role: Role,
    ) -> Result<(), ProviderError> {
        // Locally the profile is the only record of the role: every request
        // reads it, so there is nothing else to update.
        Ok(())
    }

    async fn set_active(
        &self,
        _user: UserId,
        _email: &Email,
        _active: bool,
    ) -> Result<(), ProviderError> {
        // The profile's flag (and its `sessions_not_before_ms`) is what sign-in,
        // refresh and every request check.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_must_look_like_family_dot_secret() {
        assert_eq!(split_refresh("abc.def"), Some(("abc", "def")));
        for bad in ["", "abc", ".def", "abc.", "a.b.c", "a b.c", &"x".repeat(70)] {
            assert_eq!(split_refresh(bad), None, "{bad:?}");
        }
    }
}
