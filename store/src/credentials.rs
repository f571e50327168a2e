//! Sign-in secrets for the built-in identity provider: password hashes,
//! pending confirmation/reset codes and refresh-token records.
//!
//! On AWS, Cognito keeps all of this and these items never exist; locally
//! the same single-table model holds them, so the embedded default needs no
//! second database. Only hashes are stored: the password as argon2id (by
//! the caller), codes and refresh tokens as SHA-256 hex.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | credential | `CRED#email` | `CRED` |
//! | refresh token | `REFRESH#sha256` | `REFRESH` (TTL `expiresAt`) |

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

/// A one-time code awaiting use. `attempts` counts wrong guesses, so a
/// six-digit code cannot be brute-forced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingCode {
    pub purpose: CodePurpose,
    pub code_hash: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub attempts: u32,
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
    #[serde(default)]
    pub version: u64,
}

/// A refresh token's server-side record, found by the token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRecord {
    pub user_id: UserId,
    pub email: Email,
    /// Unix seconds.
    pub expires_at: i64,
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
    async fn put_refresh(&self, token_hash: &str, record: &RefreshRecord) -> Result<()>;
    /// `NotFound` for unknown or expired tokens.
    async fn get_refresh(&self, token_hash: &str, now_unix: i64) -> Result<RefreshRecord>;
    async fn revoke_refresh(&self, token_hash: &str) -> Result<()>;
}

fn cred_key(email: &Email) -> (String, String) {
    (format!("CRED#{}", email.as_str()), "CRED".to_owned())
}

fn refresh_key(hash: &str) -> (String, String) {
    (format!("REFRESH#{hash}"), "REFRESH".to_owned())
}

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("credential types serialise infallibly")
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

pub(crate) async fn put_refresh<B: Backend>(b: &B, hash: &str, rec: &RefreshRecord) -> Result<()> {
    let (pk, sk) = refresh_key(hash);
    let mut item = Item::new(pk, sk, json(rec), 1);
    item.expires_at = Some(rec.expires_at);
    b.write(vec![Op::Put {
        item,
        cond: Cond::None,
    }])
    .await
    .map_err(|e| match e {
        WriteError::Condition(_) => StoreError::Conflict,
        WriteError::Store(e) => e,
    })
}

pub(crate) async fn get_refresh<B: Backend>(
    b: &B,
    hash: &str,
    now_unix: i64,
) -> Result<RefreshRecord> {
    let (pk, sk) = refresh_key(hash);
    let rec: RefreshRecord = b
        .get(&pk, &sk)
        .await?
        .ok_or(StoreError::NotFound)?
        .entity()?;
    // TTL deletion is lazy on DynamoDB and absent on SQLite: check expiry here.
    if rec.expires_at <= now_unix {
        return Err(StoreError::NotFound);
    }
    Ok(rec)
}

pub(crate) async fn revoke_refresh<B: Backend>(b: &B, hash: &str) -> Result<()> {
    let (pk, sk) = refresh_key(hash);
    b.delete_many(vec![(pk, sk)]).await
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
            async fn put_refresh(
                &self,
                token_hash: &str,
                record: &$crate::credentials::RefreshRecord,
            ) -> $crate::Result<()> {
                $crate::credentials::put_refresh(self, token_hash, record).await
            }
            async fn get_refresh(
                &self,
                token_hash: &str,
                now_unix: i64,
            ) -> $crate::Result<$crate::credentials::RefreshRecord> {
                $crate::credentials::get_refresh(self, token_hash, now_unix).await
            }
            async fn revoke_refresh(&self, token_hash: &str) -> $crate::Result<()> {
                $crate::credentials::revoke_refresh(self, token_hash).await
            }
        }
    };
}
pub(crate) use impl_credentials;
