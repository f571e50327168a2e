//! Invitation server functions: the admin's list, invite, re-send and
//! revoke; and, for anyone holding a link, what the invitation says.

use leptos::prelude::*;

use super::model::{InvitationView, InvitationsPage};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::query,
    crate::ctx::{server, Ctx},
    domain::{Action, Email, MAX_PENDING_INVITATIONS},
    store::StoreError,
};

/// Every pending invitation (admins): one Query.
#[server(endpoint = "invites/list")]
pub async fn invitations() -> Result<InvitationsPage, AppError> {
    let ctx = Ctx::allowed(Action::ManageRoles).await?;
    let now = time::OffsetDateTime::now_utc();
    let all = ctx.store.list_invitations().await?;
    Ok(InvitationsPage {
        invitations: all.iter().map(|i| query::row(i, now)).collect(),
        signup: ctx.auth().signup.as_str().to_owned(),
    })
}

/// Invites an address (admins): the email with the link goes out from the
/// change feed / stream, off this request. One Query for the live
/// invitations (at most [`MAX_PENDING_INVITATIONS`]), one index read (is it
/// already a member?) and one conditional PutItem.
#[server(endpoint = "invites/create")]
pub async fn invite(email: String) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageRoles).await?;
    let email = Email::parse(&email)?;
    let key = query::key(ctx.auth())?;
    let now = time::OffsetDateTime::now_utc();
    let live = ctx.store.list_invitations().await?;
    if live.iter().filter(|i| i.is_live(now)).count() >= MAX_PENDING_INVITATIONS {
        return Err(AppError::invalid(format!(
            "A team can have at most {MAX_PENDING_INVITATIONS} pending invitations: revoke some, or wait for them to expire."
        )));
    }
    match ctx.store.profile_by_email(&email).await {
        Ok(_) => {
            return Err(AppError::Conflict(
                "That address already belongs to a member of the team.".into(),
            ))
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let fresh = query::fresh(key, email, &ctx.session);
    match ctx.store.save_invitation(fresh, None).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict) => Err(AppError::Conflict(
            "That address already has an invitation: re-send it from the list.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Sends a pending invitation again with a new link and a new expiry; the
/// old link stops working. `version` is the one the list showed (409 if
/// it changed).
#[server(endpoint = "invites/resend")]
pub async fn resend_invitation(email: String, version: u64) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageRoles).await?;
    let email = Email::parse(&email)?;
    let key = query::key(ctx.auth())?;
    let current = ctx.store.get_invitation(&email).await.map_err(gone)?;
    if current.version != version {
        return Err(changed());
    }
    let fresh = query::fresh(key, email, &ctx.session);
    match ctx.store.save_invitation(fresh, Some(&current)).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict) => Err(changed()),
        Err(e) => Err(e.into()),
    }
}

/// Withdraws an invitation: its link stops working at once.
#[server(endpoint = "invites/revoke")]
pub async fn revoke_invitation(email: String) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageRoles).await?;
    let email = Email::parse(&email)?;
    ctx.store.revoke_invitation(&email).await.map_err(gone)?;
    Ok(())
}

/// What the link's page shows (anyone with the link): one Query.
#[server(endpoint = "invites/show")]
pub async fn invitation(token: String) -> Result<InvitationView, AppError> {
    let server = server()?;
    let key = query::key(&server.auth)?;
    let inv = query::by_token(server.store.as_ref(), key, token.trim()).await?;
    Ok(InvitationView {
        email: inv.email.as_str().to_owned(),
        inviter: inv.inviter_name,
        expires_at: crate::format::when(inv.expires_at),
    })
}

#[cfg(feature = "ssr")]
fn gone(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::NotFound(
            "There is no pending invitation for that address (it was revoked or accepted).".into(),
        ),
        e => e.into(),
    }
}

#[cfg(feature = "ssr")]
fn changed() -> AppError {
    AppError::Conflict(
        "This invitation was changed by someone else. The list has been reloaded: check it and try again."
            .into(),
    )
}
