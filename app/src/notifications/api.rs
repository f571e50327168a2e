//! Notification server functions: the caller's own inbox only.

use leptos::prelude::*;

use super::model::Inbox;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::build,
    crate::ctx::Ctx,
    crate::paging::{next, page},
    domain::NotificationId,
    store::PageRequest,
};

#[server(endpoint = "notifications/list")]
pub async fn notifications(#[server(default)] after: Option<String>) -> Result<Inbox, AppError> {
    let ctx = Ctx::load().await?;
    let page = ctx
        .store
        .list_notifications(ctx.me(), page(30, after)?)
        .await?;
    Ok(Inbox {
        items: page.items.iter().map(build::notification).collect(),
        next: next(&page),
    })
}

/// Unread notifications, for the bell. Counts the newest 100 and says
/// "99+" beyond, which is all a badge needs. The anonymous have none.
#[server(endpoint = "notifications/unread")]
pub async fn unread_count() -> Result<u32, AppError> {
    let Some(ctx) = Ctx::load_optional().await? else {
        return Ok(0);
    };
    let page = ctx
        .store
        .list_notifications(ctx.me(), PageRequest::first(100))
        .await?;
    Ok(page.items.iter().filter(|n| !n.read).count() as u32)
}

/// Marks one notification read, or all of them when `id` is "all".
#[server(endpoint = "notifications/read")]
pub async fn mark_read(id: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let target = match id.as_str() {
        "all" => None,
        raw => Some(
            NotificationId::parse(raw).map_err(|_| AppError::invalid("Unknown notification."))?,
        ),
    };
    super::query::mark_read(ctx.store(), ctx.me(), target).await
}
