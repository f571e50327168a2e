//! The stream-processor Lambda: DynamoDB Stream batch → events → SNS.
//!
//! # Partial batch failures, in stream order
//!
//! The event source mapping uses `ReportBatchItemFailures`. Stream order
//! matters (an assignment must not overtake the unassignment before it),
//! so at the first record that fails the handler stops and reports that
//! record and every later one; Lambda then resumes the shard at the
//! lowest reported sequence number. Records before it are done and marked,
//! so the retry skips them. A record that can never succeed (an image that
//! does not decode) is reported too rather than dropped: the mapping's
//! bisect, bounded retries and on-failure destination (the stream DLQ)
//! keep it visible instead of losing it silently.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::TaskId;
use store::{DynamoStore, Item, Store, StoreError};
use time::Duration;

use super::{once, AwsError, InvitationMessage, InvitationRef, Once, Publisher};
use crate::classify::{classify, Event};

/// How long a processed record is remembered. Stream records live 24 h,
/// so no replay can arrive after the marker expires.
const RECORD_MARKER_TTL: Duration = Duration::hours(24);

/// What the stream processor needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct StreamDeps {
    pub store: DynamoStore,
    pub publisher: Publisher,
}

/// Handles one stream batch. Never fails as a whole: failures are reported
/// per record in `batch_item_failures` (see the module docs). Prints the
/// batch's `TasksWritten` metric: task creations, edits and deletions seen
/// on the stream, the team's activity as the table records it.
pub async fn handle_stream_batch(deps: &StreamDeps, event: DynamoDbEvent) -> DynamoDbEventResponse {
    let response = handle_records(deps, &event.records).await;
    let tasks_written = event.records.iter().filter(|r| is_task_write(r)).count();
    crate::metrics::emit(
        "stream-processor",
        &[("TasksWritten", tasks_written as f64)],
    );
    response
}

/// A write to a task's own item (not its comments, history or copies).
fn is_task_write(record: &EventRecord) -> bool {
    let key = |name: &str| match record.change.keys.get(name) {
        Some(serde_dynamo::AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    };
    key("SK") == Some(store::keys::METADATA) && key("PK").is_some_and(|pk| pk.starts_with("TASK#"))
}

async fn handle_records(deps: &StreamDeps, records: &[EventRecord]) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for (i, record) in records.iter().enumerate() {
        match process_record(deps, record).await {
            Ok(published) => {
                tracing::debug!(event_id = %record.event_id, published, "stream record done");
            }
            Err(e) => {
                tracing::error!(
                    event_id = %record.event_id,
                    error = %e,
                    reported = records.len() - i,
                    "stream record failed; reporting it and every later record"
                );
                response.batch_item_failures = records[i..]
                    .iter()
                    .map(|r| {
                        let mut f = DynamoDbBatchItemFailure::default();
                        // The contract names the sequence number; a record
                        // without one (never seen from a real stream) still
                        // gets an identifier, which Lambda treats as a
                        // whole-batch failure: safe, never lossy.
                        f.item_identifier = Some(
                            r.change
                                .sequence_number
                                .clone()
                                .unwrap_or_else(|| r.event_id.clone()),
                        );
                        f
                    })
                    .collect();
                break;
            }
        }
    }
    response
}

/// Classifies and publishes one record; returns how many events it
/// published (0 for uninteresting records and for replays).
async fn process_record(deps: &StreamDeps, record: &EventRecord) -> Result<usize, AwsError> {
    let (old, new) = record_images(record)?;
    if let Some(m) = invitation_to_mail(record, old.as_ref(), new.as_ref())? {
        let key = format!("stream#{}", record.event_id);
        let outcome = once(&deps.store, &key, RECORD_MARKER_TTL, || async {
            deps.publisher.publish_invitation(&m).await.map(|_| ())
        })
        .await?;
        return Ok(usize::from(outcome == Once::Done));
    }
    let mut events = classify(old.as_ref(), new.as_ref())?;
    if events.is_empty() {
        // Markers, notifications, assignment copies, profiles: no I/O.
        return Ok(0);
    }
    let key = format!("stream#{}", record.event_id);
    let mut published = 0;
    let (events, count) = (&mut events, &mut published);
    let outcome = once(&deps.store, &key, RECORD_MARKER_TTL, || async move {
        fill_titles(&deps.store, events).await?;
        for event in events.iter() {
            deps.publisher.publish(event).await?;
            *count += 1;
        }
        Ok(())
    })
    .await?;
    if outcome == Once::AlreadyDone {
        tracing::info!(event_id = %record.event_id, "stream record already processed");
    }
    Ok(published)
}

/// An invitation written with a new link (sent, or re-sent with a fresh
/// nonce) asks for its email; a revocation, an acceptance (both removes)
/// or a rewrite with the same nonce asks for nothing. The rule is the
/// local worker's.
fn invitation_to_mail(
    record: &EventRecord,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<Option<InvitationMessage>, AwsError> {
    let Some(new) = new.filter(|n| store::keys::is_invite(&n.pk, &n.sk)) else {
        return Ok(None);
    };
    let bad = |e: StoreError| AwsError::Record {
        event_id: record.event_id.clone(),
        reason: e.to_string(),
    };
    let inv: domain::Invitation = new.entity().map_err(bad)?;
    let old_nonce = old
        .and_then(|o| o.entity::<domain::Invitation>().ok())
        .map(|o| o.nonce);
    if old_nonce.as_deref() == Some(inv.nonce.as_str()) {
        return Ok(None);
    }
    Ok(Some(InvitationMessage {
        invitation: InvitationRef {
            email: inv.email,
            nonce: inv.nonce,
        },
    }))
}

/// Comment events do not carry the task title (comment items lack it);
/// one read of the task per task fills it in. Events on a task that has
/// since been deleted are dropped: nobody can act on them, and the
/// formatter could not find an audience anyway.
async fn fill_titles(store: &DynamoStore, events: &mut Vec<Event>) -> Result<(), AwsError> {
    let mut titles: HashMap<TaskId, Option<String>> = HashMap::new();
    for event in events.iter() {
        if event.task_title.is_empty() && !titles.contains_key(&event.task_id) {
            let title = match store.get_task(event.task_id, 1).await {
                Ok(detail) => Some(detail.task.title.as_str().to_owned()),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            titles.insert(event.task_id, title);
        }
    }
    events.retain_mut(|event| {
        if !event.task_title.is_empty() {
            return true;
        }
        match titles.get(&event.task_id) {
            Some(Some(title)) => {
                event.task_title.clone_from(title);
                true
            }
            _ => {
                tracing::info!(task = %event.task_id, key = %event.dedupe_key, "task deleted; event dropped");
                false
            }
        }
    });
    Ok(())
}

/// The record's old and new images in the store's item form; an absent or
/// empty image (INSERT has no old, REMOVE no new) is `None`.
pub(crate) fn record_images(
    record: &EventRecord,
) -> Result<(Option<Item>, Option<Item>), AwsError> {
    let decode = |image: &serde_dynamo::Item| -> Result<Option<Item>, AwsError> {
        if image.is_empty() {
            return Ok(None);
        }
        let attrs: HashMap<String, AttributeValue> = image
            .iter()
            .map(|(k, v)| (k.clone(), sdk_value(v)))
            .collect();
        store::item_from_attrs(&attrs)
            .map(Some)
            .map_err(|e| AwsError::Record {
                event_id: record.event_id.clone(),
                reason: e.to_string(),
            })
    };
    Ok((
        decode(&record.change.old_image)?,
        decode(&record.change.new_image)?,
    ))
}

/// The Lambda event's attribute value as the SDK's, so the store's one
/// decoder serves GetItem results and stream images alike.
fn sdk_value(v: &serde_dynamo::AttributeValue) -> AttributeValue {
    use serde_dynamo::AttributeValue as L;
    match v {
        L::N(n) => AttributeValue::N(n.clone()),
        L::S(s) => AttributeValue::S(s.clone()),
        L::Bool(b) => AttributeValue::Bool(*b),
        L::B(b) => AttributeValue::B(Blob::new(b.clone())),
        L::Null(b) => AttributeValue::Null(*b),
        L::M(m) => AttributeValue::M(m.iter().map(|(k, v)| (k.clone(), sdk_value(v))).collect()),
        L::L(l) => AttributeValue::L(l.iter().map(sdk_value).collect()),
        L::Ss(s) => AttributeValue::Ss(s.clone()),
        L::Ns(n) => AttributeValue::Ns(n.clone()),
        L::Bs(b) => AttributeValue::Bs(b.iter().map(|b| Blob::new(b.clone())).collect()),
    }
}
