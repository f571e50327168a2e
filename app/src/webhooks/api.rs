//! Webhook server functions (admins only): list, add, remove.

use leptos::prelude::*;

use super::model::WebhooksPage;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::build,
    crate::ctx::Ctx,
    crate::session::Flash,
    domain::{Action, EventKind, NewWebhook, WebhookUrl, MAX_WEBHOOKS},
    std::collections::{BTreeSet, HashMap},
};

/// Every webhook with its last delivery: one Query. The signing secret
/// shows once, beside the webhook just added ([`Flash::WEBHOOK_SECRET`]).
#[server(endpoint = "webhooks/list")]
pub async fn webhooks() -> Result<WebhooksPage, AppError> {
    let ctx = Ctx::allowed(Action::ManageWebhooks).await?;
    let hooks = ctx.store.list_webhooks().await?;
    let just_added = Flash::WEBHOOK_SECRET.take();
    Ok(WebhooksPage {
        full: hooks.len() >= MAX_WEBHOOKS,
        hooks: hooks
            .iter()
            .map(|h| build::row(h, just_added.as_deref()))
            .collect(),
        max: MAX_WEBHOOKS,
    })
}

/// Adds a webhook for the ticked events and hands its signing secret to
/// the list, which shows it this once. The list read first is the bound
/// check: two admins adding at the same instant could pass 20 by one.
#[server(endpoint = "webhooks/create")]
pub async fn create_webhook(
    url: String,
    #[server(default)] events: std::collections::HashMap<String, String>,
) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageWebhooks).await?;
    let url = WebhookUrl::parse(&url).map_err(|e| AppError::invalid(e.to_string()))?;
    let events = events_from_form(&events)?;
    if ctx.store.list_webhooks().await?.len() >= MAX_WEBHOOKS {
        return Err(AppError::invalid(format!(
            "At most {MAX_WEBHOOKS} webhooks: remove one first."
        )));
    }
    let new = NewWebhook {
        url,
        events,
        created_by: ctx.me(),
    };
    let hook = ctx.store.create_webhook(new).await?;
    Flash::WEBHOOK_SECRET.give(&hook.secret);
    Ok(())
}

/// Removes a webhook; deliveries stop at the next event.
#[server(endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageWebhooks).await?;
    let id = domain::WebhookId::parse(&id).map_err(|_| AppError::invalid("Unknown webhook."))?;
    ctx.store.delete_webhook(id).await?;
    Ok(())
}

/// The ticked boxes: `events[KIND]` fields arrive as a map keyed by the
/// kind. An unknown one is refused, and so is none at all: a webhook that
/// hears nothing is a mistake.
#[cfg(feature = "ssr")]
fn events_from_form(form: &HashMap<String, String>) -> Result<BTreeSet<EventKind>, AppError> {
    let mut chosen = BTreeSet::new();
    for key in form.keys() {
        let kind: EventKind = key
            .parse()
            .map_err(|_| AppError::invalid("Unknown event."))?;
        chosen.insert(kind);
    }
    if chosen.is_empty() {
        return Err(AppError::invalid("Choose at least one event."));
    }
    Ok(chosen)
}
