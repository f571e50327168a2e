//! Sign-in secrets for the built-in identity provider: password hashes,
//! pending confirmation/reset codes and session families (rotating refresh
//! tokens).
//!
//! On AWS, Cognito keeps all of this and these items never exist; locally
//! the same single-table model holds them, so the embedded default needs no
//! second database. Only hashes are stored: the password as argon2id (by
//! the caller), codes and refresh tokens as SHA-256 hex.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | credential | `CRED#email` | `CRED` |
//! | session family | `SESSION#family` | `SESSION` (TTL `expiresAt`) |

use async_trait::async_trait;
use domain::{Email, UserId};
use serde::{Deserialize, Serialize};

use crate::engine::{Backend, Cond, Op, WriteError};
use crate::keys::Item;
use crate::{Result, StoreError};

/// Why a one-time code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CodePurpose {
    ConfirmSignUp,
    ResetPassword,
}

/// A one-time code awaiting use. `attempts` counts guesses (each is counted
/// before it is checked, so concurrent guesses cannot exceed the budget);
/// `issued` counts codes sent since `first_issued_at`, so asking for new codes
/// cannot re-arm the guess budget without end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingCode {
    pub purpose: CodePurpose,
    pub code_hash: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub attempts: u32,
    #[serde(default = "one")]
    pub issued: u32,
    /// Unix seconds.
    #[serde(default)]
    pub first_issued_at: i64,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    pub user_id: UserId,
    pub email: Email,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub confirmed: bool,
    /// Chosen at sign-up, used to create the profile on confirmation.
    pub display_name: domain::DisplayName,
    #[serde(default)]
    pub code: Option<PendingCode>,
    /// Signed up by someone allowed to become the first admin (from the
    /// operator's machine, or with the bootstrap token).
    #[serde(default)]
    pub bootstrap: bool,
    #[serde(default)]
    pub version: u64,
}

/// One signed-in browser: the chain of refresh tokens issued since a
/// sign-in. Only the newest token (`current_hash`) refreshes; presenting an
/// older one means a copy exists somewhere, and ends the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionFamily {
    pub id: String,
    pub user_id: UserId,
    pub email: Email,
    pub current_hash: String,
    /// The token `current_hash` replaced, told apart from older ones so a
    /// benign race (two requests of one browser refreshing together) is not
    /// taken for theft.
    #[serde(default)]
    pub previous_hash: Option<String>,
    /// Unix seconds.
    pub rotated_at: i64,
    /// Unix milliseconds of the sign-in; compared with the profile's
    /// `sessions_not_before_ms`.
    pub started_at_ms: i64,
    /// Unix seconds.
    pub expires_at: i64,
    #[serde(default)]
    pub version: u64,
}

#[async_trait]
pub trait Credentials: Send + Sync {
    /// `AlreadyExists` if the email is taken.
    async fn create_credential(&self, cred: &Credential) -> Result<Credential>;
    async fn get_credential(&self, email: &Email) -> Result<Credential>;
    /// Replaces `current` with `next`; `Conflict` if `current` is stale, so
    /// two concurrent code checks cannot both consume one attempt budget.
    async fn update_credential(&self, current: &Credential, next: Credential)
        -> Result<Credential>;
    /// `AlreadyExists` if the id is taken.
    async fn create_session_family(&self, family: &SessionFamily) -> Result<SessionFamily>;
    /// `NotFound` for unknown or expired families.
    async fn get_session_family(&self, id: &str, now_unix: i64) -> Result<SessionFamily>;
    /// Replaces `current` with `next`; `Conflict` if `current` is stale, so
    /// one refresh token rotates at most once.
    async fn update_session_family(
        &self,
        current: &SessionFamily,
        next: SessionFamily,
    ) -> Result<SessionFamily>;
    async fn delete_session_family(&self, id: &str) -> Result<()>;
}

fn cred_key(email: &Email) -> (String, String) {
    (format!("CRED#{}", email.as_str()), "CRED".to_owned())
}

fn family_key(id: &str) -> (String, String) {
    (format!("SESSION#{id}"), "SESSION".to_owned())
}

fn json<T: Serialize>(v: &T) -> Box<serde_json::value::RawValue> {
    crate::keys::json_text(v)
}

pub(crate) async fn create_credential<B: Backend>(b: &B, cred: &Credential) -> Result<Credential> {
    let mut stored = cred.clone();
    stored.version = 1;
    let (pk, sk) = cred_key(&stored.email);
    let item = Item::new(pk, sk, json(&stored), 1);
    match b
        .write(vec![Op::Put {
            item,
            cond: Cond::NotExists,
        }])
        .await
    {
        Ok(()) => Ok(stored),
        Err(WriteError::Condition(_)) => Err(StoreError::AlreadyExists),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn get_credential<B: Backend>(b: &B, email: &Email) -> Result<Credential> {
    let (pk, sk) = cred_key(email);
    b.get(&pk, &sk).await?.ok_or(StoreError::NotFound)?.entity()
}

pub(crate) async fn update_credential<B: Backend>(
    b: &B,
    current: &Credential,
    mut next: Credential,
) -> Result<Credential> {
    next.version = current.version + 1;
    next.email = current.email.clone();
    next.user_id = current.user_id;
    let (pk, sk) = cred_key(&current.email);
    let item = Item::new(pk, sk, json(&next), next.version);
    match b
        .write(vec![Op::Put {
            item,
            cond: Cond::Version(current.version),
        }])
        .await
    {
        Ok(()) => Ok(next),
        Err(WriteError::Condition(_)) => Err(StoreError::Conflict),
        Err(WriteError::Store(e)) => Err(e),
    }
}

fn family_item(f: &SessionFamily) -> Item {
    let (pk, sk) = family_key(&f.id);
    let mut item = Item::new(pk, sk, json(f), f.version);
    item.expires_at = Some(f.expires_at);
    item
}

pub(crate) async fn create_session_family<B: Backend>(
    b: &B,
    f: &SessionFamily,
) -> Result<SessionFamily> {
    let mut stored = f.clone();
    stored.version = 1;
    match b
        .write(vec![Op::Put {
            item: family_item(&stored),
            cond: Cond::NotExists,
        }])
        .await
    {
        Ok(()) => Ok(stored),
        Err(WriteError::Condition(_)) => Err(StoreError::AlreadyExists),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn get_session_family<B: Backend>(
    b: &B,
    id: &str,
    now_unix: i64,
) -> Result<SessionFamily> {
    let (pk, sk) = family_key(id);
    let f: SessionFamily = b
        .get(&pk, &sk)
        .await?
        .ok_or(StoreError::NotFound)?
        .entity()?;
    // TTL deletion is lazy on DynamoDB and absent on SQLite: check expiry here.
    if f.expires_at <= now_unix {
        return Err(StoreError::NotFound);
    }
    Ok(f)
}

pub(crate) async fn update_session_family<B: Backend>(
    b: &B,
    current: &SessionFamily,
    mut next: SessionFamily,
) -> Result<SessionFamily> {
    next.version = current.version + 1;
    next.id = current.id.clone();
    next.user_id = current.user_id;
    match b
        .write(vec![Op::Put {
            item: family_item(&next),
            cond: Cond::Version(current.version),
        }])
        .await
    {
        Ok(()) => Ok(next),
        Err(WriteError::Condition(_)) => Err(StoreError::Conflict),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn delete_session_family<B: Backend>(b: &B, id: &str) -> Result<()> {
    b.delete_many(vec![family_key(id)]).await
}

macro_rules! impl_credentials {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::credentials::Credentials for $ty {
            async fn create_credential(
                &self,
                cred: &$crate::credentials::Credential,
            ) -> $crate::Result<$crate::credentials::Credential> {
                $crate::credentials::create_credential(self, cred).await
            }
            async fn get_credential(
                &self,
                email: &domain::Email,
            ) -> $crate::Result<$crate::credentials::Credential> {
                $crate::credentials::get_credential(self, email).await
            }
            async fn update_credential(
                &self,
                current: &$crate::credentials::Credential,
                next: $crate::credentials::Credential,
            ) -> $crate::Result<$crate::credentials::Credential> {
                $crate::credentials::update_credential(self, current, next).await
            }
            async fn create_session_family(
                &self,
                f: &$crate::credentials::SessionFamily,
            ) -> $crate::Result<$crate::credentials::SessionFamily> {
                $crate::credentials::create_session_family(self, f).await
            }
            async fn get_session_family(
                &self,
                id: &str,
                now_unix: i64,
            ) -> $crate::Result<$crate::credentials::SessionFamily> {
                $crate::credentials::get_session_family(self, id, now_unix).await
            }
            async fn update_session_family(
                &self,
                current: &$crate::credentials::SessionFamily,
                next: $crate::credentials::SessionFamily,
            ) -> $crate::Result<$crate::credentials::SessionFamily> {
                $crate::credentials::update_session_family(self, current, next).await
            }
            async fn delete_session_family(&self, id: &str) -> $crate::Result<()> {
                $crate::credentials::delete_session_family(self, id).await
            }
        }
    };
}
pub(crate) use impl_credentials;
