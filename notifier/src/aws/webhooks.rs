//! The webhooks Lambda: one more subscriber of the notifications topic.
//! Each app event goes to every webhook that chose its kind, signed (see
//! [`crate::webhook`]), once per (webhook, event) by the same check, act,
//! then mark markers as the email formatter's.
//!
//! A failed delivery makes the handler return `Err`: Lambda's asynchronous
//! retries (with its own backoff, a minute then two) run it again, and only
//! the webhooks still missing are posted; after the last retry the event
//! goes to the function's DLQ, from which an operator can redrive it. Each
//! attempt's outcome is written on the webhook for the admin page.
//!
//! The sender is built without loopback: the Lambda runtime API listens on
//! 127.0.0.1, and no webhook may reach it.

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use domain::{Webhook, WebhookDelivery};
use store::{DynamoStore, Store, StoreError};
use time::{Duration, OffsetDateTime};

use super::{once, AwsError};
use crate::classify::Event;
use crate::recipients::subject_user;
use crate::webhook::{self, PayloadContext, WebhookSender};

/// As long as the DLQ keeps messages, so a redrive never posts twice.
const DELIVERY_MARKER_TTL: Duration = Duration::days(14);

/// What the webhooks function needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct WebhookDeps {
    pub store: DynamoStore,
    pub sender: WebhookSender,
    /// Base URL of the app for links, without a trailing slash.
    pub public_url: String,
}

/// The function's settings, read only through its declared variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub table: String,
    pub public_url: String,
}

impl WebhookConfig {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, AwsError> {
        use super::env;
        let get =
            store::permissions::declared(env::WEBHOOKS_REQUIRED, env::WEBHOOKS_OPTIONAL, &[], get);
        let required = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(AwsError::MissingEnv(name))
        };
        let public_url = required(env::PUBLIC_URL)?;
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(AwsError::InvalidEnv {
                name: env::PUBLIC_URL,
                reason: format!("{public_url:?} is not an http(s) URL"),
            });
        }
        Ok(WebhookConfig {
            table: required(env::TABLE)?,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }
}

/// Handles one SNS invocation; every record is attempted and the first
/// error returned. SES reports on the same topic family are ignored.
pub async fn handle_webhooks(deps: &WebhookDeps, event: SnsEvent) -> Result<(), AwsError> {
    let mut first_err = None;
    let (mut sent, mut failed) = (0u32, 0u32);
    for record in &event.records {
        match handle_record(deps, record).await {
            Ok(n) => sent += n,
            Err(e) => {
                tracing::error!(message_id = %record.sns.message_id, error = %e, "webhook delivery failed");
                failed += 1;
                first_err.get_or_insert(e);
            }
        }
    }
    crate::metrics::emit(
        "webhooks",
        &[
            ("WebhooksSent", f64::from(sent)),
            ("WebhookRecordsFailed", f64::from(failed)),
        ],
    );
    first_err.map_or(Ok(()), Err)
}

async fn handle_record(deps: &WebhookDeps, record: &SnsRecord) -> Result<u32, AwsError> {
    let malformed = |e: serde_json::Error| AwsError::Message {
        message_id: record.sns.message_id.clone(),
        reason: e.to_string(),
    };
    let raw: serde_json::Value = serde_json::from_str(&record.sns.message).map_err(malformed)?;
    // SES reports, and invitation emails (the subscription's filter policy
    // keeps those away already; an address is no webhook's business).
    if raw.get("eventType").is_some()
        || raw.get("notificationType").is_some()
        || super::InvitationMessage::is_one(&raw)
    {
        return Ok(0);
    }
    let event: Event = serde_json::from_value(raw).map_err(malformed)?;
    let store = &deps.store;
    let hooks: Vec<Webhook> = store
        .list_webhooks()
        .await?
        .into_iter()
        .filter(|h| h.wants(event.kind))
        .collect();
    if hooks.is_empty() {
        return Ok(0);
    }
    let task = match store.get_task(event.task_id, 1).await {
        Ok(d) => d.task,
        Err(StoreError::NotFound) => {
            tracing::info!(task = %event.task_id, "task deleted; no webhook");
            return Ok(0);
        }
        Err(e) => return Err(e.into()),
    };
    let name = |p: Result<domain::UserProfile, StoreError>| match p {
        Ok(p) => Ok(Some(p.display_name.as_str().to_owned())),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    };
    let actor_name = match event.actor {
        Some(a) => name(store.get_profile(a).await)?,
        None => None,
    };
    let subject_name = match subject_user(&event) {
        Some(u) => name(store.get_profile(u).await)?,
        None => None,
    };
    let body = webhook::payload(
        &event,
        &PayloadContext {
            base_url: &deps.public_url,
            task: &task,
            actor_name: actor_name.as_deref(),
            subject_name: subject_name.as_deref(),
        },
    );
    let mut sent = 0;
    let mut errors = Vec::new();
    for hook in &hooks {
        let key = webhook::marker_key(hook, &event);
        let result = once(store, &key, DELIVERY_MARKER_TTL, || async {
            let now = OffsetDateTime::now_utc();
            let result = deps.sender.post(hook, &body, now).await;
            let status = webhook::delivery_status(&event, &result, attempts(hook, &event), now);
            match store.record_webhook_delivery(hook, status).await {
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => {
                    tracing::warn!(webhook = %hook.id, error = %e, "webhook status not recorded")
                }
            }
            result.map(|_| ()).map_err(|e| AwsError::Webhook {
                dedupe_key: event.dedupe_key.clone(),
                webhook: hook.id.to_string(),
                reason: e.reason,
            })
        })
        .await;
        match result {
            Ok(super::Once::Done) => sent += 1,
            Ok(super::Once::AlreadyDone) => {}
            Err(e) => errors.push(e),
        }
    }
    let total = hooks.len();
    let failed = errors.len();
    let mut errors = errors.into_iter();
    match (errors.next(), failed) {
        (None, _) => Ok(sent),
        (Some(e), 1) => Err(e),
        (Some(first), failed) => Err(AwsError::Partial {
            failed,
            total,
            first: Box::new(first),
        }),
    }
}

/// Lambda does not say which retry this is: a failed attempt recorded for
/// this kind of event after it happened is taken as this event's previous
/// try. Only what the page shows depends on it.
fn attempts(hook: &Webhook, event: &Event) -> u32 {
    match &hook.last_delivery {
        Some(WebhookDelivery {
            error: Some(_),
            event: kind,
            at,
            attempts,
            ..
        }) if *kind == event.kind && *at >= event.occurred_at => attempts + 1,
        _ => 1,
    }
}
