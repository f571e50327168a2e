//! The email-formatter Lambda: one SNS event → one email (SES v2) and one
//! in-app notification per recipient, as their preferences allow.
//!
//! A failed send makes the handler return `Err`, so Lambda's asynchronous
//! retries run and the event finally lands in the DLQ instead of being
//! dropped. Each (event, recipient, channel) is guarded by its own marker
//! (see the `aws` module docs), so a retry after a partial failure sends
//! only what is still missing.

use std::collections::{BTreeSet, HashMap};

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use domain::{UserId, UserProfile};
use store::{DynamoStore, PageRequest, Store, StoreError};
use time::Duration;

use super::{once, AwsError, Once};
use crate::classify::{Detail, Event};
use crate::recipients::{recipients, subject_user, Delivery, TaskContext};
use crate::render::{render_email, EmailMessage, RenderContext};

/// How long a delivery is remembered: as long as the DLQ keeps messages
/// (14 days), so even a manual redrive of the DLQ never sends twice.
const DELIVERY_MARKER_TTL: Duration = Duration::days(14);

/// What the email formatter needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct EmailDeps {
    pub store: DynamoStore,
    pub ses: aws_sdk_sesv2::Client,
    /// The verified SES sender, e.g. `Tasklane <noreply@example.com>`.
    pub mail_from: String,
    /// Base URL of the app for links, without a trailing slash.
    pub public_url: String,
}

/// Handles one SNS invocation (SNS delivers one record per invocation, but
/// every record is handled). All records are attempted; the first error
/// is returned after the others were delivered.
pub async fn handle_sns(deps: &EmailDeps, event: SnsEvent) -> Result<(), AwsError> {
    let mut first_err = None;
    for record in &event.records {
        if let Err(e) = handle_record(deps, record).await {
            tracing::error!(message_id = %record.sns.message_id, error = %e, "SNS record failed");
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

async fn handle_record(deps: &EmailDeps, record: &SnsRecord) -> Result<(), AwsError> {
    let mut event: Event =
        serde_json::from_str(&record.sns.message).map_err(|e| AwsError::Message {
            message_id: record.sns.message_id.clone(),
            reason: e.to_string(),
        })?;
    let store = &deps.store;

    // Only status changes and comments go to commenters: read them only
    // then (all pages), otherwise one comment is the least get_task reads.
    let wants_commenters = matches!(
        event.detail,
        Detail::StatusChanged { .. } | Detail::Commented { .. }
    );
    let limit = if wants_commenters {
        PageRequest::MAX_LIMIT
    } else {
        1
    };
    let detail = match store.get_task(event.task_id, limit).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => {
            tracing::info!(task = %event.task_id, key = %event.dedupe_key, "task deleted; nothing to deliver");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let task = detail.task;
    let mut commenters = BTreeSet::new();
    if wants_commenters {
        let mut page = detail.comments;
        loop {
            commenters.extend(page.items.iter().map(|c| c.author));
            let Some(next) = page.next else { break };
            page = store
                .list_comments(task.id, PageRequest::after(PageRequest::MAX_LIMIT, next))
                .await?;
        }
    }
    let commenters: Vec<UserId> = commenters.into_iter().collect();
    if event.task_title.is_empty() {
        event.task_title = task.title.as_str().to_owned();
    }

    // Everyone who might be in the audience or named in the text.
    let mut people: BTreeSet<UserId> = task.assignees.iter().copied().collect();
    people.insert(task.created_by);
    people.extend(commenters.iter().copied());
    people.extend(subject_user(&event));
    people.extend(event.actor);
    let mut profiles: HashMap<UserId, UserProfile> = HashMap::new();
    for user in people {
        match store.get_profile(user).await {
            Ok(p) => {
                profiles.insert(user, p);
            }
            // Deleted or never confirmed: not a recipient, named generically.
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }

    let ctx = TaskContext {
        task: &task,
        commenters: &commenters,
    };
    let deliveries = recipients(&event, ctx, |u| {
        crate::recipients::prefs_of(profiles.get(&u))
    });
    let name = |u: Option<UserId>| {
        u.and_then(|u| profiles.get(&u))
            .map(|p| p.display_name.as_str())
    };
    let actor_name = name(event.actor);
    let subject_name = name(subject_user(&event));

    let mut total = 0;
    let mut errors = Vec::new();
    for d in &deliveries {
        let Some(profile) = profiles.get(&d.user) else {
            continue;
        };
        let msg = render_email(
            &event,
            &RenderContext {
                base_url: deps.public_url.trim_end_matches('/'),
                recipient: d.user,
                recipient_name: profile.display_name.as_str(),
                actor_name,
                subject_name,
            },
        );
        for result in deliver(deps, &event, d, profile, &msg).await {
            total += 1;
            if let Err(e) = result {
                errors.push(e);
            }
        }
    }
    tracing::info!(
        key = %event.dedupe_key,
        kind = event.kind.as_str(),
        recipients = deliveries.len(),
        failed = errors.len(),
        "event delivered"
    );
    let failed = errors.len();
    let mut errors = errors.into_iter();
    match (errors.next(), failed) {
        (None, _) => Ok(()),
        (Some(e), 1) => Err(e),
        (Some(first), failed) => Err(AwsError::Partial {
            failed,
            total,
            first: Box::new(first),
        }),
    }
}

/// The channels of one delivery, each attempted independently so a failed
/// email does not hold back the in-app notification (or the reverse).
async fn deliver(
    deps: &EmailDeps,
    event: &Event,
    d: &Delivery,
    profile: &UserProfile,
    msg: &EmailMessage,
) -> Vec<Result<(), AwsError>> {
    let mut results = Vec::new();
    if d.email {
        let key = format!("email#{}#{}", event.dedupe_key, d.user);
        let sent = once(&deps.store, &key, DELIVERY_MARKER_TTL, || {
            send(deps, event, d.user, profile.email.as_str(), msg)
        })
        .await;
        if let Ok(Once::AlreadyDone) = sent {
            tracing::info!(key, "email already sent");
        }
        results.push(sent.map(|_| ()));
    }
    if d.in_app {
        let key = format!("inapp#{}#{}", event.dedupe_key, d.user);
        let written = once(&deps.store, &key, DELIVERY_MARKER_TTL, || async {
            deps.store
                .create_notification(event.in_app(d.user, &msg.subject))
                .await?;
            Ok(())
        })
        .await;
        results.push(written.map(|_| ()));
    }
    results
}

/// One SES v2 SendEmail with simple content (text and HTML parts); moto
/// and SES alike accept it, and templates stay in this crate (askama), so
/// both delivery paths render identically.
async fn send(
    deps: &EmailDeps,
    event: &Event,
    user: UserId,
    to: &str,
    msg: &EmailMessage,
) -> Result<(), AwsError> {
    let fail = |reason: String| AwsError::Send {
        dedupe_key: event.dedupe_key.clone(),
        user: user.to_string(),
        reason,
    };
    let content = |data: &str| {
        Content::builder()
            .data(data)
            .charset("UTF-8")
            .build()
            .map_err(|e| fail(e.to_string()))
    };
    let message = Message::builder()
        .subject(content(&msg.subject)?)
        .body(
            Body::builder()
                .text(content(&msg.text)?)
                .html(content(&msg.html)?)
                .build(),
        )
        .build();
    deps.ses
        .send_email()
        .from_email_address(&deps.mail_from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .map_err(|e| fail(aws_sdk_sesv2::error::DisplayErrorContext(e).to_string()))?;
    Ok(())
}
