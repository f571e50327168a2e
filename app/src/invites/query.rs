//! Invitation reads and checks shared by several server functions.

use std::sync::Arc;

use domain::{Email, Invitation, SignupMode};
use store::{InviteKey, Store, StoreError};

use super::model::InvitationRow;
use crate::error::AppError;

/// With sign-up by invitation, refuses an address `domain::admit` refuses
/// (403 with the reason): two GetItems, none in `open` mode.
pub async fn admit(
    store: &Arc<dyn Store>,
    mode: SignupMode,
    email: &Email,
) -> Result<(), AppError> {
    if mode == SignupMode::Open {
        return Ok(());
    }
    let admin = store.has_active_admin().await?;
    let invitation = match store.get_invitation(email).await {
        Ok(i) => Some(i),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    domain::admit(
        mode,
        admin,
        invitation.as_ref(),
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|why| AppError::Forbidden(auth::provider::refusal_message(why).into()))
}

/// The install's invitation key, or a 409 explaining that this deployment
/// has none configured (`TASKLANE_INVITE_KEY`).
pub fn key(auth: &auth::session::AuthState) -> Result<&InviteKey, AppError> {
    auth.invite_key.as_ref().ok_or_else(|| {
        AppError::Conflict(
            "Invitations are not set up on this server (TASKLANE_INVITE_KEY is missing).".into(),
        )
    })
}

/// A new invitation (or a replacement, with a new link) from `inviter`.
pub fn fresh(key: &InviteKey, email: Email, inviter: &crate::session::Session) -> Invitation {
    let now = time::OffsetDateTime::now_utc();
    let nonce = InviteKey::new_nonce();
    Invitation {
        email,
        invited_by: inviter.user,
        inviter_name: inviter.display_name.as_str().to_owned(),
        sent_at: now,
        expires_at: now + domain::INVITE_TTL,
        token_hash: key.lookup_hash(&key.token(&nonce)),
        nonce,
        version: 0,
    }
}

pub fn row(i: &Invitation, now: time::OffsetDateTime) -> InvitationRow {
    InvitationRow {
        email: i.email.as_str().to_owned(),
        inviter: i.inviter_name.clone(),
        sent_at: crate::format::when(i.sent_at),
        expires_at: crate::format::when(i.expires_at),
        expired: !i.is_live(now),
        version: i.version,
    }
}

/// The invitation a link's token names: 404 for a token that never
/// existed, was replaced by a re-send, revoked or used; 410 is not a
/// variant of `AppError`, so an expired one is a 404 that says so.
pub async fn by_token(
    store: &dyn Store,
    key: &InviteKey,
    token: &str,
) -> Result<Invitation, AppError> {
    let gone = || {
        AppError::NotFound(
            "This invitation link does not work: it was revoked, replaced by a newer invitation, or already used."
                .into(),
        )
    };
    // Our tokens are 64 hex digits; anything else is not worth a read.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let inv = match store.invitation_by_token(&key.lookup_hash(token)).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => return Err(gone()),
        Err(e) => return Err(e.into()),
    };
    if !inv.is_live(time::OffsetDateTime::now_utc()) {
        return Err(AppError::NotFound(
            auth::provider::refusal_message(domain::Refusal::Expired).into(),
        ));
    }
    Ok(inv)
}
