//! The AWS delivery path of DESIGN.md "Notifications": three Lambda
//! handlers around the pure core (`classify`, `recipients`, `render`).
//!
//! - [`handle_stream_batch`]: DynamoDB Stream batch → events → SNS.
//! - [`handle_sns`]: SNS event → SES v2 email and in-app notification per
//!   recipient.
//! - [`handle_webhooks`]: SNS event → signed POST to each webhook that
//!   chose its kind.
//! - [`run_reminders`]: scheduled; GSI3 → due-soon/overdue events → SNS.
//!
//! Handlers are plain async functions over `*Deps` structs so tests call
//! them directly against moto (which never runs Lambdas); the binaries in
//! `src/bin` only build the clients once and hand them in.
//!
//! # Idempotency: check, act, then mark
//!
//! Every side effect (an SNS publish, an email, an in-app notification) is
//! guarded by an idempotency marker in the table, in this order:
//!
//! 1. look the marker up (one consistent Query on its key);
//! 2. if it is alive, skip: this was already done;
//! 3. otherwise act, and only after the act succeeded, `put_marker`.
//!
//! Why not mark first: a marker written before a publish or send that then
//! fails (or whose Lambda dies) would make every retry skip the work, so
//! the notification would be lost for good; markers cannot be withdrawn
//! (`put_marker` refuses to overwrite a live one). Marking afterwards
//! leaves one window, a crash between the act and the mark, in which a
//! retry repeats the act. That window is closed downstream: a repeated
//! stream publish carries the same `dedupe_key`, and the email formatter
//! guards each (dedupe_key, recipient, channel) the same way, so a person
//! sees one email; only a crash between SES accepting a mail and the
//! marker write can still double a mail, and it cannot lose one.
//!
//! Why a Query and not GetItem for the stream and email lookups: one
//! lookup shape keeps those roles to what the rest of their code calls.
//! Reminders look a marker up once per due task, thousands per run, and
//! use GetItem (see `reminders`).

mod email;
pub mod reminders;
mod stream;
mod webhooks;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sns::types::MessageAttributeValue;
use store::{DynamoStore, Store, StoreError};
use time::{Duration, OffsetDateTime};

use crate::classify::{ClassifyError, Event};

pub use email::{handle_sns, EmailConfig, EmailDeps, EmailTally};
pub use reminders::{
    run_reminders, run_reminders_with, ReminderConfig, ReminderDeps, ReminderEnv, ReminderReport,
};
pub use stream::{handle_stream_batch, StreamDeps};
pub use webhooks::{handle_webhooks, WebhookConfig, WebhookDeps};

/// Names of the environment variables the binaries read, and which of them
/// each function needs: published in `terraform/lambdas.json`, from which
/// Terraform checks each function's environment map.
pub mod env {
    pub const TABLE: &str = "TASKLANE_TABLE";
    pub const TOPIC_ARN: &str = "TASKLANE_TOPIC_ARN";
    /// The sender, a full address (`Tasklane <noreply@example.com>`) at
    /// the verified SES identity: SES refuses a bare domain.
    pub const MAIL_FROM: &str = "TASKLANE_MAIL_FROM";
    pub const PUBLIC_URL: &str = "TASKLANE_PUBLIC_URL";
    /// The SES configuration set every message is sent with: it publishes
    /// bounces and complaints (back to this function) and keeps SES's own
    /// suppression list.
    pub const SES_CONFIGURATION_SET: &str = "TASKLANE_SES_CONFIGURATION_SET";
    /// `text` for human-readable logs; anything else (or unset) is JSON,
    /// which CloudWatch Logs Insights can query.
    pub const LOG_FORMAT: &str = "TASKLANE_LOG_FORMAT";
    /// The install's invitation key (`store::InviteKey`), shared with the
    /// API function: the formatter builds invitation links with it.
    pub const INVITE_KEY: &str = "TASKLANE_INVITE_KEY";
    /// Reminders in flight at once (1 to 64; 16 when unset).
    pub const REMINDERS_CONCURRENCY: &str = "TASKLANE_REMINDERS_CONCURRENCY";

    pub const STREAM_PROCESSOR_REQUIRED: &[&str] = &[TABLE, TOPIC_ARN];
    pub const STREAM_PROCESSOR_OPTIONAL: &[&str] = &[LOG_FORMAT];
    pub const EMAIL_FORMATTER_REQUIRED: &[&str] = &[
        TABLE,
        MAIL_FROM,
        PUBLIC_URL,
        SES_CONFIGURATION_SET,
        INVITE_KEY,
    ];
    pub const EMAIL_FORMATTER_OPTIONAL: &[&str] = &[LOG_FORMAT];
    pub const WEBHOOKS_REQUIRED: &[&str] = &[TABLE, PUBLIC_URL];
    pub const WEBHOOKS_OPTIONAL: &[&str] = &[LOG_FORMAT];
    pub const REMINDERS_REQUIRED: &[&str] = super::reminders::REQUIRED_ENV;
    pub const REMINDERS_OPTIONAL: &[&str] = super::reminders::OPTIONAL_ENV;
}

/// What each notification Lambda may do on AWS. The binaries build every
/// SDK client through these (so a call outside them is refused before it
/// is sent), the moto tests build theirs the same way (so a declaration
/// too narrow for the code fails a test), and `terraform/lambdas.json`
/// publishes them for Terraform to build each role from.
pub mod permissions {
    use store::Permissions;

    /// Marker Query/PutItem, the task lookup for titles (a Query), Publish.
    pub const STREAM_PROCESSOR: Permissions = Permissions::new(
        "lambda-stream-processor",
        &["dynamodb:Query", "dynamodb:PutItem", "sns:Publish"],
    );

    /// Task (Query), recipient profiles and invitations (GetItem),
    /// markers and in-app notifications (Query, PutItem), the email itself.
    pub const EMAIL_FORMATTER: Permissions = Permissions::new(
        "lambda-email-formatter",
        &[
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "ses:SendEmail",
        ],
    );

    /// Webhooks (Query) and the task (Query), names (GetItem), markers
    /// (Query, PutItem) and each webhook's last delivery (PutItem).
    pub const WEBHOOKS: Permissions = Permissions::new(
        "lambda-webhooks",
        &["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
    );

    /// Open tasks due by a date (GSI3 Query), marker lookups (GetItem) and
    /// writes (PutItem), Publish.
    pub const REMINDERS: Permissions = Permissions::new(
        "lambda-reminders",
        &[
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "sns:Publish",
        ],
    );
}

/// An SNS client on `conf` limited to `permissions`.
pub fn sns_client(conf: &SdkConfig, permissions: &store::Permissions) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(conf)
            .interceptor(permissions.guard())
            .build(),
    )
}

/// An SES v2 client on `conf` limited to `permissions`.
pub fn sesv2_client(conf: &SdkConfig, permissions: &store::Permissions) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(conf)
            .interceptor(permissions.guard())
            .build(),
    )
}

/// Everything that can go wrong in the AWS handlers. Each variant names the
/// dependency that failed, because that is what an operator looks at first.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    InvalidEnv { name: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    #[error("stream record {event_id}: {reason}")]
    Record { event_id: String, reason: String },
    #[error("marker lookup for {key}: {reason}")]
    Marker { key: String, reason: String },
    #[error("SNS publish of {dedupe_key}: {reason}")]
    Publish { dedupe_key: String, reason: String },
    #[error("malformed SNS message {message_id}: {reason}")]
    Message { message_id: String, reason: String },
    #[error("SES send of {dedupe_key} to user {user}: {reason}")]
    Send {
        dedupe_key: String,
        user: String,
        reason: String,
    },
    #[error("webhook {webhook} for {dedupe_key}: {reason}")]
    Webhook {
        dedupe_key: String,
        webhook: String,
        reason: String,
    },
    /// Several independent deliveries failed; the others went through and
    /// are marked, so a retry redoes only these.
    #[error("{failed} of {total} deliveries failed; first: {first}")]
    Partial {
        failed: usize,
        total: usize,
        first: Box<AwsError>,
    },
}

/// Reads a required environment variable, non-empty.
pub fn required_env(name: &'static str) -> Result<String, AwsError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(AwsError::MissingEnv(name)),
    }
}

/// The table and the topic, from `TASKLANE_TABLE` and `TASKLANE_TOPIC_ARN`:
/// what the stream-processor and reminders functions both start from, with
/// clients limited to the calling function's `permissions`.
pub async fn table_and_topic(
    permissions: &store::Permissions,
) -> Result<(DynamoStore, Publisher), AwsError> {
    let table = required_env(env::TABLE)?;
    let topic = required_env(env::TOPIC_ARN)?;
    let conf = store::lambda_sdk_config();
    Ok((
        DynamoStore::new(permissions.dynamodb(&conf), table),
        Publisher::new(sns_client(&conf, permissions), topic),
    ))
}

/// JSON logs by default (one object per line, queryable in CloudWatch),
/// plain text when `TASKLANE_LOG_FORMAT=text`; level from `RUST_LOG`,
/// `info` otherwise. Safe to call twice (the second call is a no-op).
pub fn init_logging() {
    use tracing_subscriber::{filter::Targets, fmt, prelude::*};
    // Targets, not EnvFilter: per-target levels are all these functions
    // need, and EnvFilter's regex engine would add about a megabyte to the zip.
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let layer = fmt::layer().with_ansi(false).with_target(false);
    let text = std::env::var(env::LOG_FORMAT).is_ok_and(|v| v.eq_ignore_ascii_case("text"));
    let layer = if text {
        layer.boxed()
    } else {
        layer.json().flatten_event(true).boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}

/// Publishes events to the notifications topic.
#[derive(Debug, Clone)]
pub struct Publisher {
    sns: aws_sdk_sns::Client,
    topic_arn: String,
}

impl Publisher {
    pub fn new(sns: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        Publisher {
            sns,
            topic_arn: topic_arn.into(),
        }
    }

    /// One SNS Publish: body = the event as JSON, message attribute `type`
    /// = the event kind's wire name, so further subscribers (webhooks,
    /// Slack) can filter by kind without parsing the body.
    pub async fn publish(&self, event: &Event) -> Result<String, AwsError> {
        let body = serde_json::to_string(event).map_err(|e| AwsError::Publish {
            dedupe_key: event.dedupe_key.clone(),
            reason: e.to_string(),
        })?;
        self.send(body, event.kind.as_str(), &event.dedupe_key)
            .await
    }

    /// Asks for an invitation's email, with `type` [`INVITATION_TYPE`]
    /// (the webhooks subscription filters it out: an address is not an
    /// event about a task).
    pub async fn publish_invitation(&self, m: &InvitationMessage) -> Result<String, AwsError> {
        let key = m.marker_key();
        let body = serde_json::to_string(m).map_err(|e| AwsError::Publish {
            dedupe_key: key.clone(),
            reason: e.to_string(),
        })?;
        self.send(body, INVITATION_TYPE, &key).await
    }

    async fn send(&self, body: String, kind: &str, dedupe_key: &str) -> Result<String, AwsError> {
        let fail = |reason: String| AwsError::Publish {
            dedupe_key: dedupe_key.to_owned(),
            reason,
        };
        let kind = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(kind)
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let out = self
            .sns
            .publish()
            .topic_arn(&self.topic_arn)
            .message(body)
            .message_attributes("type", kind)
            .send()
            .await
            .map_err(|e| fail(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}

/// The `type` attribute of [`InvitationMessage`]s.
pub const INVITATION_TYPE: &str = "INVITATION";

/// What the stream processor publishes when an invitation gets a new link
/// (sent or re-sent): the address and the link's nonce, not the link. The
/// email formatter re-reads the invitation and mails only if it is still
/// pending with this nonce, so a revoked or re-sent invitation is never
/// mailed from a stale message, and it builds the link with the invite
/// key, which neither the stream processor nor the topic ever holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvitationMessage {
    pub invitation: InvitationRef,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvitationRef {
    pub email: domain::Email,
    pub nonce: String,
}

impl InvitationMessage {
    /// Whether an SNS message body is one of these.
    pub fn is_one(message: &serde_json::Value) -> bool {
        message.get("invitation").is_some()
    }

    /// The delivery marker: the same key the local worker uses, one email
    /// per link.
    pub fn marker_key(&self) -> String {
        format!("invite#{}#{}", self.invitation.email, self.invitation.nonce)
    }
}

/// Whether the idempotency marker `key` is alive (written by
/// `put_marker` and not yet expired; DynamoDB's TTL deletes lazily, so an
/// expired marker may still be present and must count as absent, exactly
/// as `put_marker`'s own condition treats it).
pub(crate) async fn marker_alive(store: &DynamoStore, key: &str) -> Result<bool, AwsError> {
    let (pk, _) = store::keys::marker_key(key);
    let out = store
        .client()
        .query()
        .table_name(store.table_name())
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "PK")
        .expression_attribute_values(":pk", AttributeValue::S(pk))
        .consistent_read(true)
        .limit(1)
        .send()
        .await
        .map_err(|e| AwsError::Marker {
            key: key.to_owned(),
            reason: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
        })?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Ok(out.items().iter().any(|attrs| {
        store::item_from_attrs(attrs).is_ok_and(|item| item.expires_at.is_none_or(|e| e >= now))
    }))
}

/// What [`once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Once {
    Done,
    AlreadyDone,
}

/// Runs `act` unless the marker `key` is alive, then writes the marker.
/// See the module docs for why the marker comes after the act.
pub(crate) async fn once<F, Fut>(
    store: &DynamoStore,
    key: &str,
    ttl: Duration,
    act: F,
) -> Result<Once, AwsError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    if marker_alive(store, key).await? {
        return Ok(Once::AlreadyDone);
    }
    act().await?;
    if !store.put_marker(key, ttl).await? {
        // Another invocation did the same work concurrently (a Lambda
        // retry after a timeout): at-least-once, never lost.
        tracing::warn!(key, "marker already written by a concurrent run");
    }
    Ok(Once::Done)
}
