//! The AWS path end to end against moto on loopback: real writes through
//! the store → the real DynamoDB Stream records (read with the Streams
//! API, shaped as Lambda delivers them) → the stream handler → SNS → an
//! SQS subscription → the SNS envelope fed to the email handler → SES v2
//! (moto's sent-mail record). Moto never runs Lambdas, so the handlers are
//! called directly.
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (`scripts/with-moto.sh` sets it). Without
//! it these tests fail loudly rather than skip: a green run must mean the
//! AWS path was exercised.

use crate::receiver;

use std::io::{Read, Write};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sns::SnsEvent;
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, ShardIteratorType};
use aws_sdk_sns::config::Credentials;
use domain::{
    DisplayName, Email, EventKind, NewProfile, NewTask, Priority, Role, Status, SuppressionReason,
    TaskTitle, UserId,
};
use notifier::aws::{
    self, handle_sns, handle_stream_batch, permissions, run_reminders, EmailDeps, Publisher,
    ReminderDeps, StreamDeps,
};
use serde_json::{json, Value};
use store::{DynamoStore, PageRequest, Permissions, Store};
use time::{Duration, OffsetDateTime};

fn endpoint() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TASKLANE_MOTO_ENDPOINT is not set: the AWS notifier tests need moto_server \
             (run `bash scripts/with-moto.sh cargo test --release -p notifier --test notifier aws::`)"
        )
    })
}

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .http_client(store::http_client())
        .load()
        .await
}

/// A new queue on moto: its URL (to receive) and ARN (to subscribe).
async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    use aws_sdk_sqs::types::QueueAttributeName;
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url()
        .expect("queue url")
        .to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .expect("queue arn")
        .clone();
    (url, arn)
}

/// One isolated world on the shared moto: table (streams on), topic, queue
/// subscribed to the topic (raw delivery off: the queue sees the SNS
/// envelope a Lambda subscriber would), and a verified SES sender.
struct World {
    conf: SdkConfig,
    store: DynamoStore,
    topic_arn: String,
    queue_url: String,
    subscription_arn: String,
    mail_from: String,
    configuration_set: String,
    /// The deployment's invitation key (the API's and the formatter's).
    invite_key: store::InviteKey,
}

impl World {
    async fn new() -> World {
        let conf = sdk_config().await;
        let id = unique();
        let store = DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&conf),
            format!("tasklane-notifier-{id}"),
        );
        store.create_table().await.expect("create table on moto");
        let sns = aws_sdk_sns::Client::new(&conf);
        let topic_arn = sns
            .create_topic()
            .name(format!("tasklane-events-{id}"))
            .send()
            .await
            .expect("create topic")
            .topic_arn()
            .expect("topic arn")
            .to_owned();
        let (queue_url, queue_arn) = create_queue(
            &aws_sdk_sqs::Client::new(&conf),
            &format!("tasklane-events-{id}"),
        )
        .await;
        let subscription_arn = sns
            .subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .expect("subscribe queue")
            .subscription_arn()
            .expect("subscription arn")
            .to_owned();
        let mail_from = format!("noreply@{id}.example.com");
        aws_sdk_sesv2::Client::new(&conf)
            .create_email_identity()
            .email_identity(&mail_from)
            .send()
            .await
            .expect("verify sender identity");
        // What Terraform creates: the set every message is sent with.
        let configuration_set = format!("tasklane-{id}");
        aws_sdk_sesv2::Client::new(&conf)
            .create_configuration_set()
            .configuration_set_name(&configuration_set)
            .send()
            .await
            .expect("create configuration set");
        World {
            conf,
            store,
            topic_arn,
            queue_url,
            subscription_arn,
            mail_from,
            configuration_set,
            invite_key: store::InviteKey::generate(),
        }
    }

    /// The handlers get clients built as their binaries build them: limited
    /// to the function's declared permissions, so a handler calling
    /// something its IAM role would not grant fails here.
    fn publisher(&self, topic_arn: &str, permissions: &Permissions) -> Publisher {
        Publisher::new(aws::sns_client(&self.conf, permissions), topic_arn)
    }

    fn store_for(&self, permissions: &Permissions) -> DynamoStore {
        DynamoStore::new(permissions.dynamodb(&self.conf), self.store.table_name())
    }

    fn stream_deps(&self) -> StreamDeps {
        StreamDeps {
            store: self.store_for(&permissions::STREAM_PROCESSOR),
            publisher: self.publisher(&self.topic_arn, &permissions::STREAM_PROCESSOR),
        }
    }

    fn email_deps(&self, mail_from: &str) -> EmailDeps {
        EmailDeps {
            store: self.store_for(&permissions::EMAIL_FORMATTER),
            ses: aws::sesv2_client(&self.conf, &permissions::EMAIL_FORMATTER),
            mail_from: mail_from.to_owned(),
            public_url: "https://tasks.example.com".to_owned(),
            configuration_set: self.configuration_set.clone(),
            invite_key: self.invite_key.clone(),
        }
    }

    async fn user(&self, name: &str, role: Role) -> (UserId, String) {
        let id = UserId::from_uuid(uuid::Uuid::now_v7());
        let local: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let email = format!("{local}-{}@example.com", unique());
        self.store
            .create_profile(NewProfile {
                id,
                email: Email::parse(&email).expect("email"),
                display_name: DisplayName::parse(name).expect("name"),
                role,
            })
            .await
            .expect("create profile");
        (id, email)
    }

    /// Every record of the table's stream so far, oldest first, in the
    /// shape Lambda delivers (`aws_lambda_events` DynamoDB event).
    async fn stream_batch(&self) -> DynamoDbEvent {
        let table = self
            .store
            .client()
            .describe_table()
            .table_name(self.store.table_name())
            .send()
            .await
            .expect("describe table");
        let stream_arn = table
            .table()
            .and_then(|t| t.latest_stream_arn())
            .expect("table has a stream")
            .to_owned();
        let streams = aws_sdk_dynamodbstreams::Client::new(&self.conf);
        let shards = streams
            .describe_stream()
            .stream_arn(&stream_arn)
            .send()
            .await
            .expect("describe stream")
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        assert!(!shards.is_empty(), "stream has no shards");
        let mut records = Vec::new();
        for shard in shards {
            let mut iterator = streams
                .get_shard_iterator()
                .stream_arn(&stream_arn)
                .shard_id(shard.shard_id().expect("shard id"))
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .expect("shard iterator")
                .shard_iterator()
                .map(str::to_owned);
            // Bounded: a shard is read until a page comes back empty.
            for _ in 0..1000 {
                let Some(it) = iterator.take() else { break };
                let out = streams
                    .get_records()
                    .shard_iterator(it)
                    .send()
                    .await
                    .expect("get records");
                if out.records().is_empty() {
                    break;
                }
                records.extend(out.records().iter().map(|r| lambda_record(r, &stream_arn)));
                iterator = out.next_shard_iterator().map(str::to_owned);
            }
        }
        serde_json::from_value(json!({ "Records": records })).expect("Lambda DynamoDB event shape")
    }

    /// Drains the queue: the SNS envelopes published since the last drain.
    async fn drain_queue(&self) -> Vec<Value> {
        let sqs = aws_sdk_sqs::Client::new(&self.conf);
        let mut bodies = Vec::new();
        for _ in 0..100 {
            let out = sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receive message");
            if out.messages().is_empty() {
                break;
            }
            for m in out.messages() {
                bodies.push(serde_json::from_str(m.body().expect("body")).expect("envelope JSON"));
                sqs.delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().expect("receipt handle"))
                    .send()
                    .await
                    .expect("delete message");
            }
        }
        bodies
    }

    /// The SNS envelope from the queue as the Lambda SNS event it would be.
    fn sns_event(&self, envelope: &Value) -> SnsEvent {
        serde_json::from_value(json!({
            "Records": [{
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": self.subscription_arn,
                "Sns": envelope,
            }]
        }))
        .expect("Lambda SNS event shape")
    }
}

/// A Streams API record as the JSON Lambda hands the function.
fn lambda_record(r: &aws_sdk_dynamodbstreams::types::Record, stream_arn: &str) -> Value {
    let sr = r.dynamodb().expect("stream record body");
    let image = |m: Option<&std::collections::HashMap<String, StreamValue>>| -> Value {
        m.map(|m| Value::Object(m.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect()))
            .unwrap_or(Value::Null)
    };
    let created = sr
        .approximate_creation_date_time()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    json!({
        "eventID": r.event_id(),
        "eventName": r.event_name().map(|n| n.as_str()),
        "eventVersion": r.event_version(),
        "eventSource": r.event_source(),
        "awsRegion": r.aws_region(),
        "eventSourceARN": stream_arn,
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "Keys": image(sr.keys()),
            "NewImage": image(sr.new_image()),
            "OldImage": image(sr.old_image()),
            "SequenceNumber": sr.sequence_number(),
            "SizeBytes": sr.size_bytes().unwrap_or(0),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
    })
}

fn attr_json(v: &StreamValue) -> Value {
    match v {
        StreamValue::S(s) => json!({ "S": s }),
        StreamValue::N(n) => json!({ "N": n }),
        StreamValue::Bool(b) => json!({ "BOOL": b }),
        StreamValue::Null(b) => json!({ "NULL": b }),
        StreamValue::Ss(s) => json!({ "SS": s }),
        StreamValue::Ns(n) => json!({ "NS": n }),
        StreamValue::L(l) => json!({ "L": l.iter().map(attr_json).collect::<Vec<_>>() }),
        StreamValue::M(m) => json!({
            "M": m.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect::<serde_json::Map<_, _>>()
        }),
        other => panic!("the store writes no such attribute: {other:?}"),
    }
}

/// Emails moto recorded as sent (`/moto-api/data.json` → ses → Message):
/// (to, subject, source).
fn sent_mail() -> Vec<(String, String, String)> {
    sent_mail_with_bodies()
        .into_iter()
        .map(|(to, subject, source, _)| (to, subject, source))
        .collect()
}

/// The bodies (moto keeps the HTML part) of the emails sent to `addr`.
fn bodies_to(addr: &str) -> Vec<String> {
    sent_mail_with_bodies()
        .into_iter()
        .filter(|m| m.0 == addr)
        .map(|m| m.3)
        .collect()
}

/// (to, subject, source, body) per recipient of every email moto recorded.
/// A plain HTTP/1.0 GET on loopback.
fn sent_mail_with_bodies() -> Vec<(String, String, String, String)> {
    let ep = endpoint();
    let host = ep
        .strip_prefix("http://")
        .expect("moto endpoint is http://host:port")
        .trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(host).expect("connect to moto");
    write!(
        conn,
        "GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send request");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("read response");
    let raw = String::from_utf8(raw).expect("utf-8 response");
    let body = raw.split_once("\r\n\r\n").expect("HTTP response").1;
    let data: Value = serde_json::from_str(body).expect("data.json");
    data["ses"]["Message"]
        .as_array()
        .map(|msgs| {
            msgs.iter()
                .flat_map(|m| {
                    let subject = m["subject"].as_str().unwrap_or_default().to_owned();
                    let source = m["source"].as_str().unwrap_or_default().to_owned();
                    let body = m["body"].as_str().unwrap_or_default().to_owned();
                    m["destinations"]["ToAddresses"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |to| {
                            (
                                to.as_str().unwrap_or_default().to_owned(),
                                subject.clone(),
                                source.clone(),
                                body.clone(),
                            )
                        })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn mail_to(addr: &str) -> Vec<(String, String, String)> {
    sent_mail().into_iter().filter(|m| m.0 == addr).collect()
}

fn title(s: &str) -> TaskTitle {
    TaskTitle::parse(s).expect("title")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignment_flows_from_stream_to_sns_to_ses_exactly_once() {
    let w = World::new().await;
    let (admin, admin_email) = w.user("Ada Admin", Role::Admin).await;
    let (ana, ana_email) = w.user("Ana", Role::Member).await;
    let task = w
        .store
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: title("Ship the release"),
            description: None,
            priority: Priority::High,
            due: None,
            assignees: vec![],
            created_by: admin,
        })
        .await
        .expect("create task");
    w.store
        .set_assignees(&task, &[ana], &[], admin)
        .await
        .expect("assign ana");

    let batch = w.stream_batch().await;
    assert!(
        batch.records.len() >= 4,
        "expected profile, task, assignment and task-update records, got {}",
        batch.records.len()
    );

    // 1. SNS down (no such topic): the first record with an event fails,
    //    and it and every later record are reported, in order. Nothing is
    //    marked, so nothing is lost.
    let broken = StreamDeps {
        store: w.store_for(&permissions::STREAM_PROCESSOR),
        publisher: w.publisher(
            &format!("{}-missing", w.topic_arn),
            &permissions::STREAM_PROCESSOR,
        ),
    };
    let failed = handle_stream_batch(&broken, batch.clone()).await;
    let reported: Vec<String> = failed
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().expect("item identifier"))
        .collect();
    assert!(!reported.is_empty(), "a failed publish must be reported");
    let first = batch
        .records
        .iter()
        .position(|r| r.change.sequence_number.as_deref() == Some(reported[0].as_str()))
        .expect("reported identifier is a sequence number of the batch");
    let expected: Vec<String> = batch.records[first..]
        .iter()
        .map(|r| r.change.sequence_number.clone().expect("sequence number"))
        .collect();
    assert_eq!(reported, expected, "the failed record and all later ones");
    assert!(w.drain_queue().await.is_empty());

    // 2. The retry publishes the assignment, once, with its `type`.
    let ok = handle_stream_batch(&w.stream_deps(), batch.clone()).await;
    assert!(ok.batch_item_failures.is_empty(), "{ok:?}");
    let envelopes = w.drain_queue().await;
    assert_eq!(envelopes.len(), 1, "one ASSIGNED event: {envelopes:#?}");
    let envelope = &envelopes[0];
    assert_eq!(envelope["MessageAttributes"]["type"]["Value"], "ASSIGNED");
    let event: notifier::Event =
        serde_json::from_str(envelope["Message"].as_str().expect("message")).expect("event JSON");
    assert_eq!(event.kind, EventKind::Assigned);
    assert_eq!(event.task_title, "Ship the release");
    assert_eq!(event.actor, Some(admin));

    // 3. Replaying the same batch publishes nothing new.
    let again = handle_stream_batch(&w.stream_deps(), batch).await;
    assert!(again.batch_item_failures.is_empty());
    assert!(
        w.drain_queue().await.is_empty(),
        "replay must not republish"
    );

    // 4. The email formatter mails Ana (not the actor, Ada) and notifies
    //    her in-app.
    let sns_event = w.sns_event(envelope);
    handle_sns(&w.email_deps(&w.mail_from), sns_event.clone())
        .await
        .expect("email handler");
    let to_ana = mail_to(&ana_email);
    assert_eq!(
        to_ana,
        vec![(
            ana_email.clone(),
            "You were assigned: Ship the release".to_owned(),
            w.mail_from.clone()
        )]
    );
    assert!(mail_to(&admin_email).is_empty(), "the actor is never told");
    let notes = w
        .store
        .list_notifications(ana, PageRequest::default())
        .await
        .expect("notifications");
    assert_eq!(notes.items.len(), 1);
    assert_eq!(notes.items[0].kind, EventKind::Assigned);

    // 5. Replaying the same SNS event sends and writes nothing new.
    handle_sns(&w.email_deps(&w.mail_from), sns_event)
        .await
        .expect("replayed email handler");
    assert_eq!(mail_to(&ana_email).len(), 1, "replay must not resend");
    let notes = w
        .store
        .list_notifications(ana, PageRequest::default())
        .await
        .expect("notifications");
    assert_eq!(notes.items.len(), 1, "replay must not renotify");
}

/// An invitation as the API writes it (`app::invites`): a fresh nonce, the
/// lookup hash of its link's token.
fn invitation(key: &store::InviteKey, email: &str, by: UserId) -> domain::Invitation {
    let nonce = store::InviteKey::new_nonce();
    let now = time::OffsetDateTime::now_utc();
    domain::Invitation {
        email: Email::parse(email).expect("email"),
        invited_by: by,
        inviter_name: "Ada Admin".to_owned(),
        sent_at: now,
        expires_at: now + domain::INVITE_TTL,
        token_hash: key.lookup_hash(&key.token(&nonce)),
        nonce,
        version: 0,
    }
}

/// Invitations on AWS: the stream processor asks for the email with the
/// address and nonce only (no link, no key on the topic); the formatter
/// mails the link built with the deployment's key, once per link. An
/// invitation re-sent before its first email was formatted is mailed once,
/// with the live link; a revoked one is not mailed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_mailed_from_the_stream_once_with_the_live_link() {
    let w = World::new().await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let (kept, gone) = (
        format!("kept-{}@example.com", unique()),
        format!("gone-{}@example.com", unique()),
    );
    let first = w
        .store
        .save_invitation(invitation(&w.invite_key, &kept, admin), None)
        .await
        .expect("invite");
    let mut resent = invitation(&w.invite_key, &kept, admin);
    resent.sent_at = first.sent_at;
    let resent = w
        .store
        .save_invitation(resent, Some(&first))
        .await
        .expect("re-send");
    assert_ne!(first.nonce, resent.nonce);
    w.store
        .save_invitation(invitation(&w.invite_key, &gone, admin), None)
        .await
        .expect("invite");
    w.store
        .revoke_invitation(&Email::parse(&gone).unwrap())
        .await
        .expect("revoke");

    let batch = w.stream_batch().await;
    let out = handle_stream_batch(&w.stream_deps(), batch.clone()).await;
    assert!(out.batch_item_failures.is_empty(), "{out:?}");
    let envelopes = w.drain_queue().await;
    // Three writes with a new link (invite, re-send, invite); the
    // revocation asks for nothing.
    assert_eq!(envelopes.len(), 3, "{envelopes:#?}");
    for e in &envelopes {
        assert_eq!(e["MessageAttributes"]["type"]["Value"], "INVITATION");
        let body = e["Message"].as_str().expect("message");
        for nonce in [&first.nonce, &resent.nonce] {
            assert!(
                !body.contains(&w.invite_key.token(nonce)),
                "no link on the topic: {body}"
            );
        }
    }
    let replay = handle_stream_batch(&w.stream_deps(), batch).await;
    assert!(replay.batch_item_failures.is_empty());
    assert!(
        w.drain_queue().await.is_empty(),
        "replay must not republish"
    );

    let deps = w.email_deps(&w.mail_from);
    for e in &envelopes {
        handle_sns(&deps, w.sns_event(e)).await.expect("formatter");
        // Replays (SNS retries, a DLQ redrive) mail nothing more.
        handle_sns(&deps, w.sns_event(e)).await.expect("replay");
    }
    let to_kept = mail_to(&kept);
    assert_eq!(
        to_kept,
        vec![(
            kept.clone(),
            "Ada Admin invited you to tasklane".to_owned(),
            w.mail_from.clone()
        )],
        "one email, for the live link only"
    );
    let body = &bodies_to(&kept)[0];
    let live = format!(
        "https://tasks.example.com/invite/{}",
        w.invite_key.token(&resent.nonce)
    );
    assert!(body.contains(&live), "the live link: {body}");
    assert!(
        !body.contains(&w.invite_key.token(&first.nonce)),
        "never the dead one"
    );
    // The link works: its token finds the invitation.
    let found = w
        .store
        .invitation_by_token(&w.invite_key.lookup_hash(&w.invite_key.token(&resent.nonce)))
        .await
        .expect("the link finds the invitation");
    assert_eq!(found.email.as_str(), kept);
    assert!(
        mail_to(&gone).is_empty(),
        "a revoked invitation is not mailed"
    );
}

/// SES's reports arrive on the same function through SNS: a permanent
/// bounce or a complaint stops email to that person (in-app goes on), a
/// transient bounce changes nothing, an unknown address is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounces_and_complaints_stop_email_to_that_person_only() {
    let w = World::new().await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let (ana, ana_email) = w.user("Ana", Role::Member).await;
    let (bo, bo_email) = w.user("Bo", Role::Member).await;
    let (cy, cy_email) = w.user("Cy", Role::Member).await;

    // The reports, as SES's event publishing writes them, through SNS.
    let sns = aws_sdk_sns::Client::new(&w.conf);
    let report = |body: Value| {
        let sns = sns.clone();
        let topic = w.topic_arn.clone();
        async move {
            sns.publish()
                .topic_arn(topic)
                .message(body.to_string())
                .send()
                .await
                .expect("publish report");
        }
    };
    let bounce = |addr: &str, kind: &str| {
        json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": kind, "bounceSubType": "General",
                "bouncedRecipients": [{ "emailAddress": addr, "status": "5.1.1" }],
                "timestamp": "2026-12-02T00:00:00.000Z", "feedbackId": "f"
            },
            "mail": { "messageId": "m", "destination": [addr], "source": "noreply@example.com" }
        })
    };
    report(bounce(&ana_email.to_ascii_uppercase(), "Permanent")).await;
    report(bounce(&bo_email, "Transient")).await;
    report(json!({
        "eventType": "Complaint",
        "complaint": { "complainedRecipients": [{ "emailAddress": cy_email }], "feedbackId": "c" },
        "mail": { "messageId": "m2", "destination": [cy_email] }
    }))
    .await;
    report(bounce("nobody@example.com", "Permanent")).await;
    for envelope in w.drain_queue().await {
        handle_sns(&w.email_deps(&w.mail_from), w.sns_event(&envelope))
            .await
            .expect("report handled");
    }
    let suppressed = |id| {
        let store = w.store.clone();
        async move {
            store
                .get_profile(id)
                .await
                .unwrap()
                .mail_suppressed
                .map(|m| m.reason)
        }
    };
    assert_eq!(suppressed(ana).await, Some(SuppressionReason::Bounce));
    assert_eq!(
        suppressed(bo).await,
        None,
        "a full mailbox is not a dead one"
    );
    assert_eq!(suppressed(cy).await, Some(SuppressionReason::Complaint));

    // Everyone is assigned: only Bo is mailed; all three are told in-app.
    let task = w
        .store
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: title("Rotate the keys"),
            description: None,
            priority: Priority::High,
            due: None,
            assignees: vec![],
            created_by: admin,
        })
        .await
        .expect("create task");
    w.store
        .set_assignees(&task, &[ana, bo, cy], &[], admin)
        .await
        .expect("assign");
    let ok = handle_stream_batch(&w.stream_deps(), w.stream_batch().await).await;
    assert!(ok.batch_item_failures.is_empty(), "{ok:?}");
    let envelopes = w.drain_queue().await;
    assert!(!envelopes.is_empty());
    for envelope in &envelopes {
        handle_sns(&w.email_deps(&w.mail_from), w.sns_event(envelope))
            .await
            .expect("email handler");
    }
    assert!(mail_to(&ana_email).is_empty(), "bounced: not mailed again");
    assert!(
        mail_to(&cy_email).is_empty(),
        "complained: not mailed again"
    );
    assert_eq!(mail_to(&bo_email).len(), 1);
    for user in [ana, bo, cy] {
        let notes = w
            .store
            .list_notifications(user, PageRequest::default())
            .await
            .expect("notifications");
        assert_eq!(notes.items.len(), 1, "in-app goes on for {user}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ses_failure_fails_the_handler_and_the_retry_delivers_once() {
    let w = World::new().await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let (bo, bo_email) = w.user("Bo", Role::Member).await;
    let task = w
        .store
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: title("Fix the build"),
            description: None,
            priority: Priority::Medium,
            due: None,
            assignees: vec![bo],
            created_by: admin,
        })
        .await
        .expect("create task");
    // Bo moves it along; Ada (creator) hears about it.
    w.store
        .change_status(&task, Status::InProgress, bo)
        .await
        .expect("status change");
    let batch = w.stream_batch().await;
    let ok = handle_stream_batch(&w.stream_deps(), batch).await;
    assert!(ok.batch_item_failures.is_empty(), "{ok:?}");
    let envelopes = w.drain_queue().await;
    let kinds: Vec<&str> = envelopes
        .iter()
        .map(|e| {
            e["MessageAttributes"]["type"]["Value"]
                .as_str()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(kinds, vec!["ASSIGNED", "STATUS_CHANGED"]);
    let status = w.sns_event(&envelopes[1]);

    // An unverified sender: SES rejects, the handler fails (so Lambda
    // retries and finally parks the event in the DLQ)…
    let unverified = format!("nobody@unverified-{}.example.com", unique());
    let err = handle_sns(&w.email_deps(&unverified), status.clone())
        .await
        .expect_err("an SES rejection must fail the handler");
    assert!(err.to_string().contains("SES"), "{err}");
    // …and nothing was marked, so the retry (sender fixed) delivers.
    handle_sns(&w.email_deps(&w.mail_from), status.clone())
        .await
        .expect("retry");
    handle_sns(&w.email_deps(&w.mail_from), status)
        .await
        .expect("second retry");
    let admin_profile = w.store.get_profile(admin).await.expect("admin profile");
    let mails = mail_to(admin_profile.email.as_str());
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].1, "Fix the build is now In progress");
    assert!(
        mail_to(&bo_email).iter().all(|m| !m.1.contains("is now")),
        "the actor is never told"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_publish_once_per_task_per_day() {
    let w = World::new().await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let (cy, _) = w.user("Cy", Role::Member).await;
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let mk = |name: &str, due: Option<time::Date>| NewTask {
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
        title: title(name),
        description: None,
        priority: Priority::Low,
        due,
        assignees: vec![cy],
        created_by: admin,
    };
    let overdue = w
        .store
        .create_task(mk("Overdue", Some(today - Duration::days(3))))
        .await
        .expect("task");
    let soon = w
        .store
        .create_task(mk("Due tomorrow", Some(today + Duration::days(1))))
        .await
        .expect("task");
    w.store
        .create_task(mk("Later", Some(today + Duration::days(10))))
        .await
        .expect("task");
    w.store
        .create_task(mk("Undated", None))
        .await
        .expect("task");
    let done = w
        .store
        .create_task(mk("Done long ago", Some(today - Duration::days(5))))
        .await
        .expect("task");
    w.store
        .change_status(&done, Status::Done, admin)
        .await
        .expect("done");

    let deps = ReminderDeps {
        store: w.store_for(&permissions::REMINDERS),
        publisher: w.publisher(&w.topic_arn, &permissions::REMINDERS),
    };
    let report = run_reminders(&deps, today, now).await.expect("reminders");
    assert_eq!(report.published, 2, "{report:?}");
    let mut got: Vec<(String, String)> = w
        .drain_queue()
        .await
        .iter()
        .map(|e| {
            let ev: notifier::Event =
                serde_json::from_str(e["Message"].as_str().expect("message")).expect("event");
            (
                e["MessageAttributes"]["type"]["Value"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                ev.task_id.to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        ("DUE_SOON".to_owned(), soon.id.to_string()),
        ("OVERDUE".to_owned(), overdue.id.to_string()),
    ];
    want.sort();
    assert_eq!(got, want);

    // The schedule fires again the same day: nothing new.
    let again = run_reminders(&deps, today, now + Duration::hours(1))
        .await
        .expect("second run");
    assert_eq!((again.published, again.already_sent), (0, 2), "{again:?}");
    assert!(w.drain_queue().await.is_empty());

    // The next day reminds again.
    let tomorrow = run_reminders(&deps, today + Duration::days(1), now + Duration::days(1))
        .await
        .expect("next day");
    assert_eq!(tomorrow.published, 2, "{tomorrow:?}");
    assert_eq!(w.drain_queue().await.len(), 2);
}

// --- reminders at scale: paging, concurrency, idempotency, failures -------

/// A queue subscribed to the world's topic with raw message delivery (the
/// body is the event JSON itself), which replaces the envelope queue as the
/// topic's only subscriber so each publish is delivered once.
struct RawQueue {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl RawQueue {
    async fn new(w: &World) -> RawQueue {
        let sqs = aws_sdk_sqs::Client::new(&w.conf);
        let (url, arn) = create_queue(&sqs, &format!("tasklane-reminders-{}", unique())).await;
        let sns = aws_sdk_sns::Client::new(&w.conf);
        sns.subscribe()
            .topic_arn(&w.topic_arn)
            .protocol("sqs")
            .endpoint(arn)
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .expect("subscribe raw queue");
        sns.unsubscribe()
            .subscription_arn(&w.subscription_arn)
            .send()
            .await
            .expect("unsubscribe the envelope queue");
        RawQueue { sqs, url }
    }

    /// Messages waiting or in flight. Moto delivers SNS → SQS inside the
    /// Publish call, so after a run returns this is exact, with no waiting.
    async fn pending(&self) -> usize {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let attrs = out.attributes().expect("attributes");
        [
            A::ApproximateNumberOfMessages,
            A::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .map(|a| {
            attrs
                .get(a)
                .and_then(|v| v.parse::<usize>().ok())
                .expect("numeric attribute")
        })
        .sum()
    }

    /// Receives (long poll) and deletes exactly `expected` messages, then
    /// checks that none is left over: (event, `type` attribute) each.
    async fn drain(&self, expected: usize) -> Vec<(notifier::Event, String)> {
        let mut got = Vec::with_capacity(expected);
        while got.len() < expected {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_attribute_names("All")
                .send()
                .await
                .expect("receive message");
            if out.messages().is_empty() {
                break;
            }
            let mut delete = Vec::new();
            for (i, m) in out.messages().iter().enumerate() {
                let event: notifier::Event =
                    serde_json::from_str(m.body().expect("body")).expect("raw event JSON");
                let kind = m
                    .message_attributes()
                    .and_then(|a| a.get("type"))
                    .and_then(|v| v.string_value())
                    .expect("type attribute")
                    .to_owned();
                got.push((event, kind));
                delete.push(
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle().expect("receipt handle"))
                        .build()
                        .expect("delete entry"),
                );
            }
            let out = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(delete))
                .send()
                .await
                .expect("delete messages");
            assert!(out.failed().is_empty(), "{:?}", out.failed());
        }
        assert_eq!(got.len(), expected, "messages received");
        assert_eq!(self.pending().await, 0, "more messages than expected");
        got
    }
}

fn reminder_deps(w: &World, topic_arn: &str) -> ReminderDeps {
    ReminderDeps {
        store: w.store_for(&aws::reminders::PERMISSIONS),
        publisher: w.publisher(topic_arn, &aws::reminders::PERMISSIONS),
    }
}

/// The due date and expected reminder kind of the `i`-th load task: odd
/// ones overdue (1 to 5 days), even ones due today or tomorrow.
fn due_of(i: usize, today: time::Date) -> (time::Date, EventKind) {
    if i % 2 == 1 {
        (
            today - Duration::days(1 + (i % 5) as i64),
            EventKind::Overdue,
        )
    } else {
        (
            today + Duration::days((i % 4 / 2) as i64),
            EventKind::DueSoon,
        )
    }
}

fn load_task(i: usize, creator: UserId, due: time::Date) -> NewTask {
    NewTask {
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
        title: title(&format!("Reminder load {i}")),
        description: None,
        priority: Priority::Low,
        due: Some(due),
        assignees: vec![],
        created_by: creator,
    }
}

/// Creates `n` open tasks through the store, 16 at a time (see [`due_of`]).
/// Returns task id → the reminder kind it must get.
async fn due_tasks(
    w: &World,
    creator: UserId,
    n: usize,
    today: time::Date,
) -> std::collections::HashMap<String, EventKind> {
    use futures_util::stream::{self, StreamExt};
    stream::iter(0..n)
        .map(|i| async move {
            let (due, kind) = due_of(i, today);
            let task = w
                .store
                .create_task(load_task(i, creator, due))
                .await
                .expect("create task");
            (task.id.to_string(), kind)
        })
        .buffer_unordered(16)
        .collect()
        .await
}

/// The same as [`due_tasks`] for thousands: the task items the store would
/// write, 25 per BatchWriteItem. Why not `create_task`: moto deep-copies
/// the whole table (streams included) on every TransactWriteItems, which
/// makes thousands of creates quadratic in time and memory.
async fn bulk_due_tasks(
    w: &World,
    creator: UserId,
    n: usize,
    today: time::Date,
) -> std::collections::HashMap<String, EventKind> {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    use futures_util::stream::{self, StreamExt};
    let now = OffsetDateTime::now_utc();
    let mut want = std::collections::HashMap::new();
    let mut batches = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let mut batch = Vec::new();
        for &i in chunk {
            let (due, kind) = due_of(i, today);
            let id = domain::TaskId::from_uuid(uuid::Uuid::now_v7());
            let task = domain::Task::create(id, load_task(i, creator, due), now);
            want.insert(id.to_string(), kind);
            let attrs = store::item_to_attrs(&store::keys::task_item(&task)).expect("attrs");
            let put = PutRequest::builder()
                .set_item(Some(attrs))
                .build()
                .expect("put request");
            batch.push(WriteRequest::builder().put_request(put).build());
        }
        batches.push(batch);
    }
    let table = w.store.table_name().to_owned();
    let client = w.store.client().clone();
    stream::iter(batches)
        .map(|batch| {
            let (client, table) = (client.clone(), table.clone());
            async move {
                let out = client
                    .batch_write_item()
                    .request_items(table, batch)
                    .send()
                    .await
                    .expect("batch write");
                let left: usize = out
                    .unprocessed_items()
                    .map_or(0, |u| u.values().map(Vec::len).sum());
                assert_eq!(left, 0, "moto left items unprocessed");
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<()>>()
        .await;
    want
}

/// Each expected task exactly once, with its kind in body and attribute.
fn assert_exactly_once(
    got: &[(notifier::Event, String)],
    want: &std::collections::HashMap<String, EventKind>,
) {
    let mut seen = std::collections::HashMap::new();
    for (event, attr) in got {
        let id = event.task_id.to_string();
        let kind = want
            .get(&id)
            .unwrap_or_else(|| panic!("reminder for an unexpected task {id}"));
        assert_eq!(event.kind, *kind, "kind of {id}");
        assert_eq!(attr, kind.as_str(), "type attribute of {id}");
        *seen.entry(id).or_insert(0) += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "reminded more than once: {repeated:?}");
    assert_eq!(seen.len(), want.len(), "every due task reminded");
}

/// Records every Publish the reminders function makes (its message and
/// `type` attribute), so 5,000 reminders are checked at the SDK instead of
/// through an SQS drain, which moto serves one receive at a time.
#[derive(Debug, Clone, Default)]
struct RecordPublishes(std::sync::Arc<std::sync::Mutex<Vec<(notifier::Event, String)>>>);

impl aws_sdk_sns::config::Intercept for RecordPublishes {
    fn name(&self) -> &'static str {
        "test::RecordPublishes"
    }

    fn read_before_serialization(
        &self,
        context: &aws_sdk_sns::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _: &aws_sdk_sns::config::RuntimeComponents,
        _: &mut aws_sdk_sns::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let Some(input) = context
            .input()
            .downcast_ref::<aws_sdk_sns::operation::publish::PublishInput>()
        else {
            return Ok(());
        };
        let event: notifier::Event =
            serde_json::from_str(input.message().unwrap_or_default()).expect("event JSON");
        let kind = input
            .message_attributes()
            .and_then(|a| a.get("type"))
            .and_then(|v| v.string_value())
            .unwrap_or_default()
            .to_owned();
        self.0.lock().unwrap().push((event, kind));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_5000_due_tasks_each_get_one_reminder_of_their_kind() {
    const TASKS: usize = 5_000;
    let w = World::new().await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let now = OffsetDateTime::now_utc();
    let today = now.date();

    let setup = std::time::Instant::now();
    let want = bulk_due_tasks(&w, admin, TASKS, today).await;
    // Not due: later, undated. GSI3 must not return them.
    for (name, due) in [
        ("Later", Some(today + Duration::days(2))),
        ("Undated", None),
    ] {
        w.store
            .create_task(NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::Open,
                title: title(name),
                description: None,
                priority: Priority::Low,
                due,
                assignees: vec![],
                created_by: admin,
            })
            .await
            .expect("task");
    }
    // A topic of its own with no subscriber: every publish is real (moto
    // checks the topic and stores the message) without a queue to fan out to.
    let topic = aws_sdk_sns::Client::new(&w.conf)
        .create_topic()
        .name(format!("tasklane-reminders-load-{}", unique()))
        .send()
        .await
        .expect("topic")
        .topic_arn()
        .expect("topic arn")
        .to_owned();
    let setup = setup.elapsed();

    let recorded = RecordPublishes::default();
    let sns = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&w.conf)
            .interceptor(aws::reminders::PERMISSIONS.guard())
            .interceptor(recorded.clone())
            .build(),
    );
    let deps = ReminderDeps {
        store: w.store_for(&aws::reminders::PERMISSIONS),
        publisher: Publisher::new(sns, &topic),
    };
    let config = aws::ReminderConfig::default();
    let run = std::time::Instant::now();
    let report = aws::run_reminders_with(&deps, config, today, now)
        .await
        .expect("reminders");
    let run = run.elapsed();
    assert_eq!(
        (
            report.scanned,
            report.published,
            report.already_sent,
            report.failed
        ),
        (TASKS, TASKS, 0, 0),
        "{report:?}"
    );
    assert_eq!(report.largest_page, config.page_size as usize, "{report:?}");
    // Full pages only; DynamoDB may return one empty page at the end.
    let full = TASKS.div_ceil(config.page_size as usize);
    assert!((full..=full + 1).contains(&report.pages), "{report:?}");
    let got = std::mem::take(&mut *recorded.0.lock().unwrap());
    assert_exactly_once(&got, &want);

    // The schedule fires again the same day: nothing new.
    let again = aws::run_reminders_with(&deps, config, today, now + Duration::hours(1))
        .await
        .expect("second run");
    assert_eq!(
        (again.published, again.already_sent, again.failed),
        (0, TASKS, 0),
        "{again:?}"
    );
    assert!(
        recorded.0.lock().unwrap().is_empty(),
        "the second run sent nothing"
    );

    println!(
        "reminders at scale: {TASKS} due tasks (+2 not due); set-up {:.1} s; \
         run {:.1} s ({} publishes, {} pages of <= {}, concurrency {}); \
         same-day rerun 0 sent, {} already sent",
        setup.as_secs_f64(),
        run.as_secs_f64(),
        got.len(),
        report.pages,
        config.page_size,
        config.concurrency,
        again.already_sent,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_pages_of_the_configured_size() {
    let w = World::new().await;
    let queue = RawQueue::new(&w).await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let want = due_tasks(&w, admin, 23, today).await;
    let config = aws::ReminderConfig {
        concurrency: 3,
        page_size: 5,
    };
    let deps = reminder_deps(&w, &w.topic_arn);
    let report = aws::run_reminders_with(&deps, config, today, now)
        .await
        .expect("reminders");
    assert_eq!((report.published, report.failed), (23, 0), "{report:?}");
    assert_eq!((report.pages, report.largest_page), (5, 5), "{report:?}");
    assert_exactly_once(&queue.drain(23).await, &want);
}

/// Fails Publish, before it is sent, for messages naming one of `ids`: a
/// per-task failure inside one run, which moto has no way to produce.
#[derive(Debug)]
struct RefusePublishOf(Vec<String>);

impl aws_sdk_sns::config::Intercept for RefusePublishOf {
    fn name(&self) -> &'static str {
        "test::RefusePublishOf"
    }

    fn read_before_serialization(
        &self,
        context: &aws_sdk_sns::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _: &aws_sdk_sns::config::RuntimeComponents,
        _: &mut aws_sdk_sns::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let message = context
            .input()
            .downcast_ref::<aws_sdk_sns::operation::publish::PublishInput>()
            .and_then(|p| p.message())
            .unwrap_or_default();
        match self.0.iter().find(|id| message.contains(id.as_str())) {
            Some(id) => Err(format!("refused publish for task {id}").into()),
            None => Ok(()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_reminders_fail_the_run_and_the_retry_sends_only_the_missing() {
    let w = World::new().await;
    let queue = RawQueue::new(&w).await;
    let (admin, _) = w.user("Ada Admin", Role::Admin).await;
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let config = aws::ReminderConfig {
        concurrency: 4,
        page_size: 7,
    };
    let good = reminder_deps(&w, &w.topic_arn);

    // 1. Twelve tasks are reminded.
    let first = due_tasks(&w, admin, 12, today).await;
    let report = aws::run_reminders_with(&good, config, today, now)
        .await
        .expect("first run");
    assert_eq!(report.published, 12, "{report:?}");
    assert_exactly_once(&queue.drain(12).await, &first);

    // 2. Eight more are due; SNS refuses every publish (moto: no such
    //    topic). The run attempts all eight, fails, and sends nothing.
    let second = due_tasks(&w, admin, 8, today).await;
    let broken = reminder_deps(&w, &format!("{}-missing", w.topic_arn));
    let err = aws::run_reminders_with(&broken, config, today, now)
        .await
        .expect_err("failed publishes must fail the run");
    assert!(
        matches!(
            err,
            aws::AwsError::Partial {
                failed: 8,
                total: 8,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(queue.pending().await, 0);

    // 3. A retry in which three of the eight still fail (refused before
    //    sending): the other five go out, the run still fails.
    let refused: Vec<String> = second.keys().take(3).cloned().collect();
    let flaky_sns = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&w.conf)
            .interceptor(aws::reminders::PERMISSIONS.guard())
            .interceptor(RefusePublishOf(refused.clone()))
            .build(),
    );
    let flaky = ReminderDeps {
        store: w.store_for(&aws::reminders::PERMISSIONS),
        publisher: Publisher::new(flaky_sns, &w.topic_arn),
    };
    let err = aws::run_reminders_with(&flaky, config, today, now)
        .await
        .expect_err("three failed publishes must fail the run");
    assert!(
        matches!(
            err,
            aws::AwsError::Partial {
                failed: 3,
                total: 8,
                ..
            }
        ),
        "{err}"
    );
    let partial = queue.drain(5).await;
    let five: std::collections::HashMap<_, _> = second
        .iter()
        .filter(|(id, _)| !refused.contains(id))
        .map(|(id, k)| (id.clone(), *k))
        .collect();
    assert_exactly_once(&partial, &five);

    // 4. The next retry sends exactly the three still missing.
    let report = aws::run_reminders_with(&good, config, today, now)
        .await
        .expect("retry");
    assert_eq!(
        (report.published, report.already_sent, report.failed),
        (3, 17, 0),
        "{report:?}"
    );
    let three: std::collections::HashMap<_, _> = second
        .iter()
        .filter(|(id, _)| refused.contains(id))
        .map(|(id, k)| (id.clone(), *k))
        .collect();
    assert_exactly_once(&queue.drain(3).await, &three);

    // 5. And then nothing is missing.
    let report = aws::run_reminders_with(&good, config, today, now)
        .await
        .expect("last run");
    assert_eq!(
        (report.published, report.already_sent),
        (0, 20),
        "{report:?}"
    );
    assert_eq!(queue.pending().await, 0);
}

/// The webhooks Lambda on the same SNS envelope as the email formatter: a
/// receiver that fails makes the handler fail (so Lambda retries, then the
/// DLQ), each attempt is recorded on the webhook, and the retry after it
/// recovers delivers exactly once; a replay posts nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_lambda_fails_until_the_receiver_recovers_then_delivers_once() {
    use notifier::aws::{handle_webhooks, WebhookDeps};
    let w = World::new().await;
    let (admin, _) = w.user("Ada <Admin>", Role::Admin).await;
    let (ana, _) = w.user("Ana", Role::Member).await;
    let rx = receiver::receiver(&[502, 200]).await;
    let hook = w
        .store
        .create_webhook(domain::NewWebhook {
            url: domain::WebhookUrl::parse(&rx.url("/aws")).unwrap(),
            events: [EventKind::Assigned].into_iter().collect(),
            created_by: admin,
        })
        .await
        .unwrap();
    let task = w
        .store
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: title("Deploy & <verify>"),
            description: None,
            priority: Priority::High,
            due: None,
            assignees: vec![ana],
            created_by: admin,
        })
        .await
        .unwrap();
    let ok = handle_stream_batch(&w.stream_deps(), w.stream_batch().await).await;
    assert!(ok.batch_item_failures.is_empty(), "{ok:?}");
    let envelopes = w.drain_queue().await;
    assert_eq!(envelopes.len(), 1);
    let sns_event = w.sns_event(&envelopes[0]);
    let deps = WebhookDeps {
        store: w.store_for(&permissions::WEBHOOKS),
        // The binary refuses loopback; the receiver here is on loopback.
        sender: notifier::webhook::WebhookSender::new(std::time::Duration::from_secs(5), true),
        public_url: "https://tasks.example.com".into(),
    };

    let err = handle_webhooks(&deps, sns_event.clone()).await.unwrap_err();
    assert!(err.to_string().contains("HTTP 502"), "{err}");
    let status = w.store.list_webhooks().await.unwrap()[0]
        .last_delivery
        .clone()
        .unwrap();
    assert_eq!((status.http_status, status.attempts), (Some(502), 1));

    handle_webhooks(&deps, sns_event.clone())
        .await
        .expect("retry delivers");
    handle_webhooks(&deps, sns_event)
        .await
        .expect("replay is a no-op");
    let got = rx.requests();
    assert_eq!(got.len(), 2, "one failure, one delivery, no replay");
    receiver::assert_signed(&got[1], &hook.secret);
    let body = got[1].json();
    assert_eq!(body["type"], "ASSIGNED");
    assert_eq!(body["task"]["title"], "Deploy & <verify>");
    assert_eq!(
        body["task"]["url"],
        format!("https://tasks.example.com/tasks/{}", task.id)
    );
    assert_eq!(body["actor"]["name"], "Ada <Admin>");
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("Deploy &amp; &lt;verify&gt;"), "{text}");
    let status = w.store.list_webhooks().await.unwrap()[0]
        .last_delivery
        .clone()
        .unwrap();
    assert_eq!((status.http_status, status.attempts), (Some(200), 2));
    assert!(status.ok());

    // DynamoDB requests per webhook action, on a counting client.
    let counter = store::RequestCounter::new();
    let counted = DynamoStore::new(
        DynamoStore::local_client(&endpoint(), Some(counter.clone())),
        w.store.table_name(),
    );
    counter.take();
    let hooks = counted.list_webhooks().await.unwrap();
    assert_eq!(counter.take(), ["Query"], "list");
    let extra = counted
        .create_webhook(domain::NewWebhook {
            url: domain::WebhookUrl::parse("https://hooks.example.com/count").unwrap(),
            events: [EventKind::Overdue].into_iter().collect(),
            created_by: admin,
        })
        .await
        .unwrap();
    assert_eq!(counter.take(), ["PutItem"], "create");
    counted
        .record_webhook_delivery(&hooks[0], status)
        .await
        .unwrap();
    assert_eq!(counter.take(), ["PutItem"], "delivery status");
    counted.delete_webhook(extra.id).await.unwrap();
    assert_eq!(counter.take(), ["DeleteItem"], "delete");
    // A replayed event whose deliveries are all done: the webhooks, the
    // task, the actor's and the assignee's names, one marker per webhook.
    let replay = WebhookDeps {
        store: counted,
        ..deps
    };
    handle_webhooks(&replay, w.sns_event(&envelopes[0]))
        .await
        .unwrap();
    assert_eq!(
        counter.take(),
        ["Query", "Query", "GetItem", "GetItem", "Query"],
        "replay"
    );
    assert_eq!(rx.requests().len(), 2);
}
