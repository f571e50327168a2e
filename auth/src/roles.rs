//! Changing a member's role or deactivating them, keeping the store and the
//! identity provider in agreement.
//!
//! A role lives in two places: the profile in the store (what the Team page
//! shows and what guards the last admin) and the provider's groups (what
//! the next token carries, hence what authorises requests). They are
//! written in a fixed order so a failure in between is repaired rather than
//! left behind:
//!
//! 1. the store, with its version condition and last-admin guard, so a
//!    refused change never reaches the provider;
//! 2. the provider ([`AuthProvider::set_role`], which on failure leaves the
//!    effective role as it was);
//! 3. if the provider failed, the store is put back to the old role.
//!
//! Only a failure of step 3 as well can leave the two apart; that is logged
//! at `error` with both roles and reported as [`RoleChangeError::Inconsistent`]
//! so an operator can re-run the change.

use domain::{authorize, Action, Actor, Role, TaskRelation, UserId, UserProfile};
use store::{Store, StoreError};

use super::provider::{AuthProvider, ProviderError};

/// Why a role change did not happen. [`RoleChangeError::status`] and
/// [`RoleChangeError::public_message`] are what the caller shows.
#[derive(Debug, thiserror::Error)]
pub enum RoleChangeError {
    #[error("only admins can change roles")]
    Forbidden,
    #[error("no such user")]
    NotFound,
    #[error("cannot remove the last admin")]
    LastAdmin,
    /// An admin may not deactivate themselves (another admin can).
    #[error("cannot deactivate your own account")]
    OwnAccount,
    /// The profile changed between the read and the write (another admin
    /// acted at the same moment).
    #[error("the profile was changed concurrently")]
    Conflict,
    /// The provider refused or failed; the store was put back.
    #[error("identity provider: {0}")]
    Provider(ProviderError),
    #[error("store: {0}")]
    Store(StoreError),
    /// The provider failed and the store could not be put back either.
    #[error("user {user}: store says {store_says}, provider kept {provider_says}: {reason}")]
    Inconsistent {
        user: UserId,
        store_says: String,
        provider_says: String,
        reason: String,
    },
}

impl RoleChangeError {
    pub fn status(&self) -> u16 {
        match self {
            RoleChangeError::Forbidden | RoleChangeError::OwnAccount => 403,
            RoleChangeError::NotFound => 404,
            RoleChangeError::LastAdmin | RoleChangeError::Conflict => 409,
            RoleChangeError::Provider(e) => e.status(),
            RoleChangeError::Store(_) | RoleChangeError::Inconsistent { .. } => 500,
        }
    }

    pub fn public_message(&self) -> String {
        match self {
            RoleChangeError::Forbidden => "Only admins can manage people.".into(),
            RoleChangeError::OwnAccount => {
                "You cannot deactivate your own account: ask another admin.".into()
            }
            RoleChangeError::NotFound => "That user does not exist.".into(),
            RoleChangeError::LastAdmin => {
                "This is the last active admin. Make someone else an admin first.".into()
            }
            RoleChangeError::Conflict => {
                "Someone else changed this user just now. Reload and try again.".into()
            }
            RoleChangeError::Provider(e) => e.public_message(),
            RoleChangeError::Store(_) | RoleChangeError::Inconsistent { .. } => {
                "Something went wrong on our side. Please try again.".into()
            }
        }
    }
}

fn from_store(e: StoreError) -> RoleChangeError {
    match e {
        StoreError::NotFound => RoleChangeError::NotFound,
        StoreError::Conflict => RoleChangeError::Conflict,
        StoreError::LastAdmin => RoleChangeError::LastAdmin,
        e => RoleChangeError::Store(e),
    }
}

/// Gives `target` the role `new_role` on behalf of `actor` (from the
/// session: `Session::actor()`), and returns the updated profile.
///
/// Admin-only (the domain policy's `ManageRoles`); refuses to demote the
/// last admin; the store and the provider agree afterwards, whether it
/// succeeds or fails (see the module docs for the order). Setting the role
/// a user already has writes nothing to the store but still asks the
/// provider, which repairs a provider that drifted.
///
/// Costs one GetItem and one transaction on the store, plus one more write
/// only when the provider fails.
#[tracing::instrument(
    skip(store, provider),
    fields(actor = %actor.user_id, target = %target, new_role = %new_role)
)]
pub async fn change_role(
    store: &dyn Store,
    provider: &dyn AuthProvider,
    actor: Actor,
    target: UserId,
    new_role: Role,
) -> Result<UserProfile, RoleChangeError> {
    authorize(actor, Action::ManageRoles, TaskRelation::NoTask)
        .map_err(|_| RoleChangeError::Forbidden)?;
    let current = store.get_profile(target).await.map_err(from_store)?;
    let old_role = current.role;
    if old_role == new_role {
        provider
            .set_role(target, &current.email, new_role)
            .await
            .map_err(RoleChangeError::Provider)?;
        return Ok(current);
    }

    let updated = store
        .update_role(&current, new_role)
        .await
        .map_err(from_store)?;
    match provider.set_role(target, &updated.email, new_role).await {
        Ok(()) => {
            tracing::info!(from = %old_role, to = %new_role, "role changed");
            Ok(updated)
        }
        Err(provider_err) => {
            tracing::warn!(error = %provider_err, "provider refused the role change; restoring the store");
            match restore(store, &updated, old_role).await {
                Ok(()) => Err(RoleChangeError::Provider(provider_err)),
                Err(reason) => {
                    let err = RoleChangeError::Inconsistent {
                        user: target,
                        store_says: new_role.to_string(),
                        provider_says: old_role.to_string(),
                        reason: format!("provider: {provider_err}; restoring: {reason}"),
                    };
                    tracing::error!(error = %err, "role change left store and provider apart");
                    Err(err)
                }
            }
        }
    }
}

/// Puts the role written by [`change_role`] back. If the profile changed in
/// the meantime (a display-name edit bumps its version) it is re-read once:
/// still carrying our role, it is restored from the fresh copy; carrying
/// another role, someone else has decided since, and theirs stands.
async fn restore(store: &dyn Store, written: &UserProfile, old_role: Role) -> Result<(), String> {
    match store.update_role(written, old_role).await {
        Ok(_) => return Ok(()),
        Err(StoreError::Conflict) => {}
        Err(e) => return Err(e.to_string()),
    }
    let fresh = store
        .get_profile(written.id)
        .await
        .map_err(|e| e.to_string())?;
    if fresh.role != written.role {
        tracing::info!(now = %fresh.role, "role changed by someone else meanwhile; keeping theirs");
        return Ok(());
    }
    store
        .update_role(&fresh, old_role)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Deactivates (`active = false`) or reactivates `target` on behalf of
/// `actor`, keeping store and provider in agreement (see the module docs).
/// Admin-only; an admin cannot deactivate themselves; the last active admin
/// cannot be deactivated. Reactivation does not bring old sessions back:
/// the user signs in again.
#[tracing::instrument(
    skip(store, provider),
    fields(actor = %actor.user_id, target = %target, active)
)]
pub async fn change_active(
    store: &dyn Store,
    provider: &dyn AuthProvider,
    actor: Actor,
    target: UserId,
    active: bool,
) -> Result<UserProfile, RoleChangeError> {
    authorize(actor, Action::ManageRoles, TaskRelation::NoTask)
        .map_err(|_| RoleChangeError::Forbidden)?;
    if !active && actor.user_id == target {
        return Err(RoleChangeError::OwnAccount);
    }
    let current = store.get_profile(target).await.map_err(from_store)?;
    if current.active == active {
        provider
            .set_active(target, &current.email, active)
            .await
            .map_err(RoleChangeError::Provider)?;
        return Ok(current);
    }
    let updated = store
        .set_active(&current, active)
        .await
        .map_err(from_store)?;
    match provider.set_active(target, &updated.email, active).await {
        Ok(()) => {
            tracing::info!(active, "activation changed");
            Ok(updated)
        }
        Err(provider_err) => {
            tracing::warn!(error = %provider_err, "provider refused the activation change; restoring the store");
            let restored = match store.set_active(&updated, !active).await {
                Ok(_) => Ok(()),
                Err(StoreError::Conflict) => match store.get_profile(target).await {
                    Ok(fresh) if fresh.active == active => store
                        .set_active(&fresh, !active)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Ok(_) => Ok(()),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            match restored {
                Ok(()) => Err(RoleChangeError::Provider(provider_err)),
                Err(reason) => {
                    let err = RoleChangeError::Inconsistent {
                        user: target,
                        store_says: format!("active={active}"),
                        provider_says: format!("active={}", !active),
                        reason: format!("provider: {provider_err}; restoring: {reason}"),
                    };
                    tracing::error!(error = %err, "activation change left store and provider apart");
                    Err(err)
                }
            }
        }
    }
}
