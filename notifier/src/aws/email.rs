//! The email-formatter Lambda: one SNS event → one email (SES v2) and one
//! in-app notification per recipient, as their preferences allow.
//!
//! A failed send makes the handler return `Err`, so Lambda's asynchronous
//! retries run and the event finally lands in the DLQ instead of being
//! dropped. Each (event, recipient, channel) is guarded by its own marker
//! (see the `aws` module docs), so a retry after a partial failure sends
//! only what is still missing.
//!
//! The same function receives SES's bounce and complaint reports (the
//! configuration set publishes them to a topic it is subscribed to). A
//! permanent bounce or a complaint marks the user's profile, after which
//! no email goes to them (`recipients::prefs_of`) and the Team page shows
//! why. SES's account-level suppression list would also stop the mail, but
//! silently: the send would "succeed" and nobody would know to fix the
//! address.

use std::collections::{BTreeSet, HashMap};

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use domain::{Email, Role, SuppressionReason, UserId, UserProfile};
use store::{DynamoStore, PageRequest, Store, StoreError};
use time::Duration;

use super::{once, AwsError, InvitationMessage, Once};
use crate::classify::{Detail, Event};
use crate::recipients::{
    candidates, mentioned_users, recipients, subject_user, Delivery, TaskContext,
};
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
    /// The SES configuration set every message is sent with.
    pub configuration_set: String,
    /// Builds invitation links (`env::INVITE_KEY`).
    pub invite_key: store::InviteKey,
}

/// The email formatter's settings, read only through its declared
/// variables (`env::EMAIL_FORMATTER_*`, published to Terraform).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    pub table: String,
    pub mail_from: String,
    pub public_url: String,
    pub configuration_set: String,
    pub invite_key: store::InviteKey,
}

impl EmailConfig {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, AwsError> {
        use super::env;
        let get = store::permissions::declared(
            env::EMAIL_FORMATTER_REQUIRED,
            env::EMAIL_FORMATTER_OPTIONAL,
            &[],
            get,
        );
        let required = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(AwsError::MissingEnv(name))
        };
        let mail_from = required(env::MAIL_FROM)?;
        // SES refuses a From without a mailbox (a bare identity domain), so
        // every message would end in the DLQ: refuse to start instead.
        if let Err(e) = mail_from.parse::<lettre::message::Mailbox>() {
            return Err(AwsError::InvalidEnv {
                name: env::MAIL_FROM,
                reason: format!("{mail_from:?} is not an address like noreply@example.com ({e})"),
            });
        }
        let public_url = required(env::PUBLIC_URL)?;
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(AwsError::InvalidEnv {
                name: env::PUBLIC_URL,
                reason: format!("{public_url:?} is not an http(s) URL"),
            });
        }
        let invite_key = store::InviteKey::from_text(&required(env::INVITE_KEY)?).map_err(|e| {
            AwsError::InvalidEnv {
                name: env::INVITE_KEY,
                reason: e.to_string(),
            }
        })?;
        Ok(EmailConfig {
            invite_key,
            table: required(env::TABLE)?,
            mail_from,
            public_url: public_url.trim_end_matches('/').to_owned(),
            configuration_set: required(env::SES_CONFIGURATION_SET)?,
        })
    }
}

/// What one invocation did, for its metrics line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EmailTally {
    pub sent: u32,
    /// Emails the recipient's preferences wanted but their address is
    /// suppressed (bounced or complained).
    pub suppressed: u32,
    pub failed: u32,
}

/// Handles one SNS invocation (SNS delivers one record per invocation, but
/// every record is handled). All records are attempted; the first error
/// is returned after the others were delivered. Prints the invocation's
/// metrics (`EmailsSent`, `EmailsSuppressed`, `EmailsFailed`).
pub async fn handle_sns(deps: &EmailDeps, event: SnsEvent) -> Result<(), AwsError> {
    let mut first_err = None;
    let mut tally = EmailTally::default();
    for record in &event.records {
        if let Err(e) = handle_record(deps, record, &mut tally).await {
            tracing::error!(message_id = %record.sns.message_id, error = %e, "SNS record failed");
            first_err.get_or_insert(e);
        }
    }
    crate::metrics::emit(
        "email-formatter",
        &[
            ("EmailsSent", f64::from(tally.sent)),
            ("EmailsSuppressed", f64::from(tally.suppressed)),
            ("EmailsFailed", f64::from(tally.failed)),
        ],
    );
    first_err.map_or(Ok(()), Err)
}

/// An SES notification, as a configuration set's event destination
/// (`eventType`) or an identity's feedback topic (`notificationType`)
/// publishes it. Only what suppression needs is read.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesNotification {
    #[serde(alias = "notificationType")]
    event_type: String,
    #[serde(default)]
    bounce: Option<SesBounce>,
    #[serde(default)]
    complaint: Option<SesComplaint>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesBounce {
    bounce_type: String,
    #[serde(default)]
    bounced_recipients: Vec<SesRecipient>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesComplaint {
    #[serde(default)]
    complained_recipients: Vec<SesRecipient>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesRecipient {
    email_address: String,
}

/// Whether an SNS message is an SES report rather than an app event.
fn is_ses_notification(message: &serde_json::Value) -> bool {
    message.get("eventType").is_some() || message.get("notificationType").is_some()
}

/// Marks every address a permanent bounce or a complaint names. Transient
/// bounces (a full mailbox) and deliveries change nothing.
async fn handle_ses_notification(
    deps: &EmailDeps,
    message_id: &str,
    n: SesNotification,
) -> Result<(), AwsError> {
    let (reason, addresses): (SuppressionReason, Vec<String>) = match n.event_type.as_str() {
        "Bounce" => match n.bounce {
            Some(b) if b.bounce_type == "Permanent" => (
                SuppressionReason::Bounce,
                b.bounced_recipients
                    .into_iter()
                    .map(|r| r.email_address)
                    .collect(),
            ),
            _ => return Ok(()),
        },
        "Complaint" => (
            SuppressionReason::Complaint,
            n.complaint
                .map(|c| {
                    c.complained_recipients
                        .into_iter()
                        .map(|r| r.email_address)
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => return Ok(()),
    };
    for address in addresses {
        let Ok(email) = Email::parse(&address) else {
            tracing::warn!(
                message_id,
                "SES report names an address that does not parse"
            );
            continue;
        };
        suppress(&deps.store, &email, reason).await?;
    }
    Ok(())
}

/// Records the suppression on the profile, re-reading on a concurrent
/// change (a profile edit, a second report) so neither change is lost.
async fn suppress(
    store: &DynamoStore,
    email: &Email,
    reason: SuppressionReason,
) -> Result<(), AwsError> {
    for _ in 0..5 {
        let profile = match store.profile_by_email(email).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => {
                tracing::info!(
                    reason = reason.as_str(),
                    "SES report for an address with no profile"
                );
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        match store.suppress_mail(&profile, reason).await {
            Ok(_) => {
                tracing::warn!(user = %profile.id, reason = reason.as_str(), "email to this user is suppressed");
                return Ok(());
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

async fn handle_record(
    deps: &EmailDeps,
    record: &SnsRecord,
    tally: &mut EmailTally,
) -> Result<(), AwsError> {
    let malformed = |e: serde_json::Error| AwsError::Message {
        message_id: record.sns.message_id.clone(),
        reason: e.to_string(),
    };
    let raw: serde_json::Value = serde_json::from_str(&record.sns.message).map_err(malformed)?;
    if is_ses_notification(&raw) {
        let n: SesNotification = serde_json::from_value(raw).map_err(malformed)?;
        return handle_ses_notification(deps, &record.sns.message_id, n).await;
    }
    if InvitationMessage::is_one(&raw) {
        let m: InvitationMessage = serde_json::from_value(raw).map_err(malformed)?;
        return send_invitation(deps, &m, tally).await;
    }
    let mut event: Event = serde_json::from_value(raw).map_err(malformed)?;
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
    let mut people = candidates(&event, &task, &commenters);
    people.extend(subject_user(&event));
    people.extend(event.actor);
    people.extend(mentioned_users(&event).iter().copied());
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

    let admins: Vec<UserId> = profiles
        .values()
        .filter(|p| p.role == Role::Admin)
        .map(|p| p.id)
        .collect();
    let ctx = TaskContext {
        task: &task,
        commenters: &commenters,
        admins: &admins,
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
    tally.suppressed += deliveries
        .iter()
        .filter(|d| {
            profiles.get(&d.user).is_some_and(|p| {
                !d.email && p.mail_suppressed.is_some() && p.prefs.get(event.kind).email
            })
        })
        .count() as u32;

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
        for (channel, result) in deliver(deps, &event, d, profile, &msg).await {
            total += 1;
            match (channel, &result) {
                (Channel::Email, Ok(Once::Done)) => tally.sent += 1,
                (Channel::Email, Err(_)) => tally.failed += 1,
                _ => {}
            }
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

/// Mails an invitation's link, once per link, if the invitation is still
/// pending with the message's nonce and unexpired: a revoked, accepted,
/// re-sent or expired one is skipped (its newer message, if any, mails
/// the live link). The invitee has no profile yet, so there are no
/// preferences or suppression to honour; SES's own suppression list
/// still applies.
async fn send_invitation(
    deps: &EmailDeps,
    m: &InvitationMessage,
    tally: &mut EmailTally,
) -> Result<(), AwsError> {
    let inv = match deps.store.get_invitation(&m.invitation.email).await {
        Ok(inv) => inv,
        Err(StoreError::NotFound) => {
            tracing::info!("invitation revoked or accepted before its email; not sent");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if inv.nonce != m.invitation.nonce || !inv.is_live(time::OffsetDateTime::now_utc()) {
        tracing::info!("invitation re-sent or expired before its email; not sent");
        return Ok(());
    }
    let link = crate::render::invitation_link(&deps.public_url, &deps.invite_key, &inv);
    let msg = crate::render::render_invitation(&inv, &link);
    let key = m.marker_key();
    let sent = once(&deps.store, &key, DELIVERY_MARKER_TTL, || {
        send_raw(deps, &key, "invitee", inv.email.as_str(), &msg)
    })
    .await;
    match sent {
        Ok(Once::Done) => {
            tally.sent += 1;
            tracing::info!("invitation sent");
            Ok(())
        }
        Ok(Once::AlreadyDone) => Ok(()),
        Err(e) => {
            tally.failed += 1;
            Err(e)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Email,
    InApp,
}

/// The channels of one delivery, each attempted independently so a failed
/// email does not hold back the in-app notification (or the reverse).
async fn deliver(
    deps: &EmailDeps,
    event: &Event,
    d: &Delivery,
    profile: &UserProfile,
    msg: &EmailMessage,
) -> Vec<(Channel, Result<Once, AwsError>)> {
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
        results.push((Channel::Email, sent));
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
        results.push((Channel::InApp, written));
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
    send_raw(deps, &event.dedupe_key, &user.to_string(), to, msg).await
}

/// The SendEmail itself; `dedupe_key` and `user` only name the failure.
async fn send_raw(
    deps: &EmailDeps,
    dedupe_key: &str,
    user: &str,
    to: &str,
    msg: &EmailMessage,
) -> Result<(), AwsError> {
    let fail = |reason: String| AwsError::Send {
        dedupe_key: dedupe_key.to_owned(),
        user: user.to_owned(),
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
        .configuration_set_name(&deps.configuration_set)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .map_err(|e| fail(aws_sdk_sesv2::error::DisplayErrorContext(e).to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<EmailConfig, AwsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EmailConfig::from_lookup(move |k| map.get(k).cloned())
    }

    const GOOD: &[(&str, &str)] = &[
        ("TASKLANE_TABLE", "t"),
        ("TASKLANE_MAIL_FROM", "Tasklane <noreply@example.com>"),
        ("TASKLANE_PUBLIC_URL", "https://tasks.example.com/"),
        ("TASKLANE_SES_CONFIGURATION_SET", "tasklane-dev"),
        (
            "TASKLANE_INVITE_KEY",
            "0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
        ("TASKLANE_LOG_FORMAT", "json"),
    ];

    #[test]
    fn a_full_sender_address_is_required() {
        let c = config(GOOD).unwrap();
        assert_eq!(c.public_url, "https://tasks.example.com");
        assert_eq!(c.configuration_set, "tasklane-dev");
        // The SES identity (a domain) is not a sender: SES would refuse
        // every message.
        for bad in ["example.com", "Tasklane", "<>", "noreply@"] {
            let mut pairs = GOOD.to_vec();
            pairs[1] = ("TASKLANE_MAIL_FROM", bad);
            let err = config(&pairs).unwrap_err();
            assert!(
                err.to_string().contains("TASKLANE_MAIL_FROM"),
                "{bad}: {err}"
            );
        }
        let mut pairs = GOOD.to_vec();
        pairs[1] = ("TASKLANE_MAIL_FROM", "noreply@example.com");
        assert!(config(&pairs).is_ok());
    }

    #[test]
    fn every_required_variable_is_required() {
        for missing in super::super::env::EMAIL_FORMATTER_REQUIRED {
            let pairs: Vec<_> = GOOD.iter().copied().filter(|(k, _)| k != missing).collect();
            let err = config(&pairs).unwrap_err();
            assert!(err.to_string().contains(missing), "{err}");
        }
    }

    #[test]
    fn ses_reports_are_told_from_app_events() {
        let bounce: serde_json::Value = serde_json::json!({
            "eventType": "Bounce",
            "bounce": { "bounceType": "Permanent", "bouncedRecipients": [{ "emailAddress": "a@example.com" }] },
            "mail": { "messageId": "m" }
        });
        assert!(is_ses_notification(&bounce));
        let n: SesNotification = serde_json::from_value(bounce).unwrap();
        assert_eq!(
            n.bounce.unwrap().bounced_recipients[0].email_address,
            "a@example.com"
        );
        let identity: serde_json::Value = serde_json::json!({ "notificationType": "Complaint", "complaint": { "complainedRecipients": [] } });
        assert!(is_ses_notification(&identity));
        assert!(!is_ses_notification(
            &serde_json::json!({ "kind": "assigned", "taskId": "x" })
        ));
    }
}
