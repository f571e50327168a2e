//! Team server functions (admins): the list, roles, and deactivation.

use leptos::prelude::*;

use domain::Role;

use super::model::TeamPage;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::{build, query},
    crate::ctx::Ctx,
    crate::paging::{next, page},
    domain::Action,
};

/// Everyone, ordered by email (admins).
#[server(endpoint = "team/list")]
pub async fn team(#[server(default)] after: Option<String>) -> Result<TeamPage, AppError> {
    let ctx = Ctx::allowed(Action::ListUsers).await?;
    let first = after.as_deref().is_none_or(str::is_empty);
    let page = ctx.store.list_users(page(100, after)?).await?;
    Ok(TeamPage {
        admins: query::active_admins(ctx.store(), &page, first).await?,
        members: page
            .items
            .iter()
            .map(|u| build::member(u, ctx.me()))
            .collect(),
        next: next(&page),
    })
}

/// Promotes or demotes someone (admins), through
/// [`auth::roles::change_role`], which keeps the store's profile and the
/// identity provider's group in agreement. The form's `version` is the
/// profile the page showed: acting on a stale list is a 409.
#[server(endpoint = "team/role")]
pub async fn change_role(user: String, version: u64, role: Role) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageRoles).await?;
    let target = ctx.person_for_edit(&user, version).await?;
    if target.role == role {
        return Ok(());
    }
    let provider = ctx.auth().provider.as_ref();
    auth::roles::change_role(ctx.store(), provider, ctx.actor, target.id, role).await?;
    Ok(())
}

/// Deactivates or reactivates someone (admins), through
/// [`auth::roles::change_active`]: a deactivated person cannot sign in or
/// act, their sessions end, and they get no notifications; their name stays
/// on what they did.
#[server(endpoint = "team/active")]
pub async fn set_active(user: String, version: u64, active: bool) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageRoles).await?;
    let target = ctx.person_for_edit(&user, version).await?;
    let provider = ctx.auth().provider.as_ref();
    auth::roles::change_active(ctx.store(), provider, ctx.actor, target.id, active).await?;
    Ok(())
}
