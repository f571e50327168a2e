//! The monthly AWS bill for 10, 100 and 1,000 active users, derived from
//! what each user action measurably costs, so the figure moves when the
//! code does (issue #13, item 11).
//!
//! Why measure instead of estimate: the cost of this product is almost all
//! per request, and the number and size of DynamoDB requests an action
//! makes is a property of the code (a page that reads every profile, a
//! dashboard that reads every task) that nobody guesses right. So each
//! action is driven through the real router (`server::router`, the API
//! Lambda's) on a DynamoDB table on moto, seeded to the team size being
//! priced, and every AWS call is observed by an SDK interceptor
//! ([`Meter`]) installed next to the function's permission guard:
//!
//! * **Read units** come from the size of the items each GetItem/Query
//!   returned (4 KB units, rounded up per request; half for eventually
//!   consistent reads, i.e. GSI queries). Moto's `ConsumedCapacity` is a
//!   constant placeholder (1.0 or 0.5 whatever the size), so it is not used.
//! * **Write units** come from the table's stream: every changed item's old
//!   and new image (1 KB units of the larger; doubled for items written in a
//!   TransactWriteItems; plus one write per GSI whose key the item has, and
//!   a delete plus a put when the GSI key changed). Condition checks inside
//!   a transaction leave no stream record and are charged as a
//!   transactional write of the checked item (an assumption, printed).
//! * **Downstream work** is measured the same way: each action's stream
//!   records are handed to the real stream-processor handler, what it
//!   publishes on SNS (read back from an SQS subscription) to the real
//!   email-formatter handler, and their own writes back to the stream
//!   processor, until the stream is quiet. SES sends are counted at the SDK.
//! * **Time**: the handler's wall time minus the time spent waiting on moto
//!   is the compute; the billed duration adds an assumed in-region latency
//!   per AWS call (moto on loopback is neither as fast nor as slow).
//! * **Log bytes**: the JSON log lines the functions write at the Lambda's
//!   default level, counted by a tracing writer.
//!
//! Figures are printed, not asserted; the run fails only when a measurement
//! is impossible (an action answered an error, an authenticated action made
//! no DynamoDB request, a write left no stream record), because a silent
//! zero there would mean a broken counter rather than a cheap action.
//!
//! Run: `scripts/cost.sh` (moto, release build). `TASKLANE_COST_SCALES`
//! (comma-separated user counts, default `10,100,1000`) narrows a run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sns::SnsEvent;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextRef,
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Credentials, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, ShardIteratorType};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use axum::body::Body;
use domain::{
    CommentBody, DisplayName, Email, NewProfile, NewTask, Priority, Role, Status, TaskTitle, UserId,
};
use notifier::aws::{
    handle_sns, handle_stream_batch, permissions, run_reminders, EmailDeps, Publisher,
    ReminderDeps, StreamDeps,
};
use serde_json::{json, Value};
use store::{DynamoStore, Permissions, Store};
use tower::ServiceExt as _;

/// What CloudFront adds to every request it forwards (as Terraform sets it);
/// the API refuses requests without it.
const ORIGIN_SECRET: &str = "cost-bench-origin-secret-0123456789abcdef";
const INVITE_KEY: &str = "cost-bench-invite-key-0123456789abcdef0123456789";

// --- prices ---------------------------------------------------------------
// us-east-1, on-demand list prices as published on each service's pricing
// page (aws.amazon.com/<service>/pricing), as of 2025 (DynamoDB after its
// November 2024 on-demand reduction). Not fetched at run time: this machine
// reaches no AWS endpoint. Update the date and figures together.
const PRICES_AS_OF: &str = "2025 list prices, us-east-1 (aws.amazon.com/<service>/pricing)";
/// DynamoDB on-demand, per million read / write request units.
const DDB_PER_M_RRU: f64 = 0.125;
const DDB_PER_M_WRU: f64 = 0.625;
/// DynamoDB storage and continuous backups (PITR), per GB-month.
const DDB_STORAGE_GB_MONTH: f64 = 0.25;
const DDB_PITR_GB_MONTH: f64 = 0.20;
/// Lambda on arm64: per GB-second and per million requests.
const LAMBDA_ARM_GB_S: f64 = 0.000_013_333_4;
const LAMBDA_PER_M_REQ: f64 = 0.20;
/// API Gateway HTTP API, per million requests (first 300 million).
const APIGW_HTTP_PER_M: f64 = 1.00;
/// CloudFront, United States/Europe: per GB to the internet (first 10 TB),
/// per 10,000 HTTPS requests.
const CF_PER_GB: f64 = 0.085;
const CF_PER_10K_HTTPS: f64 = 0.010;
/// SES outbound email, per 1,000 messages.
const SES_PER_1000: f64 = 0.10;
/// SNS standard topic publishes, per million (deliveries to Lambda are free).
const SNS_PER_M: f64 = 0.50;
/// CloudWatch Logs ingestion (standard class), per GB.
const CW_LOGS_INGEST_GB: f64 = 0.50;
/// KMS: per customer-managed key per month, per 10,000 requests.
const KMS_KEY_MONTH: f64 = 1.00;
const KMS_PER_10K: f64 = 0.03;

// --- free tiers (monthly; shown separately) ---------------------------------
const FREE_LAMBDA_REQ: f64 = 1_000_000.0;
const FREE_LAMBDA_GB_S: f64 = 400_000.0;
const FREE_CF_GB: f64 = 1_000.0;
const FREE_CF_REQ: f64 = 10_000_000.0;
const FREE_SNS: f64 = 1_000_000.0;
const FREE_CW_GB: f64 = 5.0;
const FREE_DDB_GB: f64 = 25.0;
const FREE_KMS_REQ: f64 = 20_000.0;
/// The first 12 months only: API Gateway 1M HTTP API calls, SES 3,000 messages.
const FREE_12M_APIGW: f64 = 1_000_000.0;
const FREE_12M_SES: f64 = 3_000.0;

// --- the model's assumptions --------------------------------------------------
const WORKING_DAYS: f64 = 22.0;
/// The reminders schedule runs every day, weekends included.
const CALENDAR_DAYS: f64 = 30.0;
/// Memory sizes from terraform/environments/dev/main.tf.
const API_GB: f64 = 0.5;
const PIPELINE_GB: f64 = 0.25;
/// Added to the measured compute for each AWS call a function waits on:
/// typical in-region latencies (moto on loopback is not a model of them).
const DDB_CALL_MS: f64 = 5.0;
const SNS_CALL_MS: f64 = 15.0;
const SES_CALL_MS: f64 = 40.0;
/// Any other call (Cognito's InitiateAuth on sign-in).
const COGNITO_CALL_MS: f64 = 60.0;
/// Lambda's own START/END/REPORT lines per invocation.
const PLATFORM_LOG_BYTES: f64 = 350.0;
/// The static assets a user fetches once a day from CloudFront's cache:
/// the islands bundle and stylesheet (brotli WASM 49.1 + JS 6.1 + CSS 3.0
/// KB, `scripts/web-bench.sh` on the board), in this many requests (the
/// stylesheet, the loader's JS, the WASM; the favicon).
const FIRST_LOAD_BYTES: f64 = 58.3 * 1024.0;
const FIRST_LOAD_REQUESTS: f64 = 4.0;
/// DynamoDB's per-item storage overhead.
const ITEM_OVERHEAD_BYTES: f64 = 100.0;
/// Customer-managed keys in terraform (table, app, ...), and their requests:
/// DynamoDB refreshes its table key about every 5 minutes per connection
/// and each Lambda decrypts its environment once per cold start.
const KMS_KEYS: f64 = 3.0;
const KMS_REQUESTS_MONTH: f64 = 30_000.0;
/// Tasks each seeded user holds (6 open, 4 done), and comments on the task
/// that the "open a task" action reads.
const TASKS_PER_USER: usize = 10;
const COMMENTS_ON_OPENED_TASK: usize = 6;
/// How often each read is repeated (median time) and each write flow run.
const READ_REPEATS: usize = 5;
const WRITE_REPEATS: usize = 3;
/// Lambda's stream batch size (terraform/modules/notifications).
const STREAM_BATCH: usize = 100;
/// How many of the reminders run's stream records go through the
/// downstream handlers; the rest are priced from them (see `reminders`).
const REMINDER_SAMPLE: usize = 100;

/// What an average active user does per working day. Page views: 40;
/// admin pages weighted by one admin in ten. Writes: 10.
const MIX: &[(&str, f64)] = &[
    ("sign in", 1.0),
    ("home", 6.0),
    ("board (member)", 9.0),
    ("board (admin)", 1.0),
    ("my tasks", 7.0),
    ("open a task", 13.0),
    ("notifications", 3.7),
    ("bell (unread)", 0.0),
    ("dashboard (admin)", 0.2),
    ("team (admin)", 0.1),
    ("create task", 1.0),
    ("move status", 4.0),
    ("update fields", 1.0),
    ("assign", 1.0),
    ("comment", 3.0),
];

fn endpoint() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!("TASKLANE_MOTO_ENDPOINT is not set: run through scripts/cost.sh (moto on loopback)")
    })
}

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

// --- the meter ------------------------------------------------------------------

/// What one function's AWS calls added up to during one step.
#[derive(Debug, Clone, Default)]
struct Tally {
    /// Requests sent, by operation (every attempt).
    ops: BTreeMap<String, f64>,
    rru: f64,
    /// Keys written inside TransactWriteItems (their stream records cost
    /// double) and keys only condition-checked there.
    tx_keys: HashSet<(String, String)>,
    checks: Vec<(String, String)>,
    /// Wall time with at least one request in flight.
    busy: Duration,
    inflight: usize,
    since: Option<Instant>,
}

impl Tally {
    fn count(&self, prefix: &[&str]) -> f64 {
        self.ops
            .iter()
            .filter(|(k, _)| prefix.contains(&k.as_str()))
            .map(|(_, v)| v)
            .sum()
    }
    fn ddb_calls(&self) -> f64 {
        self.count(&[
            "GetItem",
            "Query",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "TransactWriteItems",
            "BatchWriteItem",
        ])
    }
}

/// The SDK interceptor that fills a [`Tally`]. The same type serves the
/// DynamoDB, SNS and SES clients (one `Intercept` trait for every SDK).
#[derive(Debug, Clone, Default)]
struct Meter(Arc<Mutex<Tally>>);

impl Meter {
    fn take(&self) -> Tally {
        let mut t = self.0.lock().unwrap();
        assert_eq!(t.inflight, 0, "a request still in flight between steps");
        std::mem::take(&mut *t)
    }
}

/// Whether this call's read is strongly consistent, carried from the input
/// (seen before serialization) to the output (seen after).
#[derive(Debug, Clone)]
struct Consistent(bool);
impl Storable for Consistent {
    type Storer = StoreReplace<Self>;
}

fn key_of(m: &HashMap<String, AttributeValue>) -> (String, String) {
    let s = |k: &str| {
        m.get(k)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    (s("PK"), s("SK"))
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "cost::Meter"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        if let Some(i) = input.downcast_ref::<GetItemInput>() {
            let c = Consistent(i.consistent_read().unwrap_or(false));
            cfg.interceptor_state().store_put(c);
        } else if let Some(i) = input.downcast_ref::<QueryInput>() {
            let c = Consistent(i.consistent_read().unwrap_or(false));
            cfg.interceptor_state().store_put(c);
        } else if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
            let mut t = self.0.lock().unwrap();
            for item in i.transact_items() {
                if let Some(p) = item.put() {
                    t.tx_keys.insert(key_of(p.item()));
                } else if let Some(u) = item.update() {
                    t.tx_keys.insert(key_of(u.key()));
                } else if let Some(d) = item.delete() {
                    t.tx_keys.insert(key_of(d.key()));
                } else if let Some(c) = item.condition_check() {
                    t.checks.push(key_of(c.key()));
                }
            }
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg
            .load::<Metadata>()
            .map_or_else(|| "unknown".to_owned(), |m| m.name().to_owned());
        let mut t = self.0.lock().unwrap();
        *t.ops.entry(op).or_default() += 1.0;
        if t.inflight == 0 {
            t.since = Some(Instant::now());
        }
        t.inflight += 1;
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut t = self.0.lock().unwrap();
        t.inflight = t.inflight.saturating_sub(1);
        if t.inflight == 0 {
            if let Some(since) = t.since.take() {
                t.busy += since.elapsed();
            }
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let factor = match cfg.load::<Consistent>() {
            Some(Consistent(true)) => 1.0,
            _ => 0.5,
        };
        let bytes = if let Some(o) = output.downcast_ref::<GetItemOutput>() {
            Some(o.item().map_or(0, item_size))
        } else {
            output
                .downcast_ref::<QueryOutput>()
                .map(|o| o.items().iter().map(item_size).sum())
        };
        if let Some(bytes) = bytes {
            // A read costs at least one unit, even when nothing matched.
            let units = (bytes as f64 / 4096.0).ceil().max(1.0);
            self.0.lock().unwrap().rru += units * factor;
        }
        Ok(())
    }
}

/// DynamoDB's item size: attribute names plus values (numbers about one
/// byte per two significant digits plus one; lists and maps 3 bytes plus
/// one per element).
macro_rules! sizer {
    ($name:ident, $av:ident) => {
        fn $name(v: &$av) -> usize {
            match v {
                $av::S(s) => s.len(),
                $av::N(n) => number_size(n),
                $av::B(b) => b.as_ref().len(),
                $av::Bool(_) | $av::Null(_) => 1,
                $av::Ss(v) => v.iter().map(String::len).sum(),
                $av::Ns(v) => v.iter().map(|n| number_size(n)).sum(),
                $av::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
                $av::L(l) => 3 + l.iter().map(|x| 1 + $name(x)).sum::<usize>(),
                $av::M(m) => 3 + m.iter().map(|(k, x)| 1 + k.len() + $name(x)).sum::<usize>(),
                _ => 0,
            }
        }
    };
}
sizer!(value_size, AttributeValue);
sizer!(stream_value_size, StreamValue);

fn number_size(n: &str) -> usize {
    let digits = n
        .trim_start_matches('-')
        .replace('.', "")
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    digits.div_ceil(2) + 1
}

fn item_size(m: &HashMap<String, AttributeValue>) -> usize {
    m.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

type StreamImage = HashMap<String, StreamValue>;
/// One measured write: its name, who makes it, the endpoint and its form.
type Step<'a> = (&'a str, Who, &'a str, Vec<(&'a str, String)>);

fn image_size(m: Option<&StreamImage>) -> usize {
    m.map_or(0, |m| {
        m.iter().map(|(k, v)| k.len() + stream_value_size(v)).sum()
    })
}

fn kb_units(bytes: usize) -> f64 {
    (bytes as f64 / 1024.0).ceil().max(1.0)
}

/// The write units of the stream records one function caused (see the
/// module docs for the rules), plus its transactional condition checks.
async fn write_units(
    records: &[aws_sdk_dynamodbstreams::types::Record],
    t: &Tally,
    w: &World,
) -> f64 {
    let mut wru = 0.0;
    for r in records {
        let Some(d) = r.dynamodb() else { continue };
        let key = d.keys().map(|k| {
            let s = |n: &str| match k.get(n) {
                Some(StreamValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            (s("PK"), s("SK"))
        });
        let (old, new) = (d.old_image(), d.new_image());
        let base = kb_units(image_size(old).max(image_size(new)));
        let tx = key.as_ref().is_some_and(|k| t.tx_keys.contains(k));
        wru += if tx { 2.0 * base } else { base };
        for (pk, sk) in [
            ("GSI1PK", "GSI1SK"),
            ("GSI2PK", "GSI2SK"),
            ("GSI3PK", "GSI3SK"),
        ] {
            let gkey = |m: Option<&StreamImage>| {
                m.and_then(|m| Some((m.get(pk)?.clone(), m.get(sk)?.clone())))
            };
            match (gkey(old), gkey(new)) {
                (None, None) => {}
                (Some(_), None) => wru += kb_units(image_size(old)),
                (None, Some(_)) => wru += kb_units(image_size(new)),
                (Some(a), Some(b)) if a == b => wru += kb_units(image_size(new)),
                (Some(_), Some(_)) => {
                    wru += kb_units(image_size(old)) + kb_units(image_size(new));
                }
            }
        }
    }
    for (pk, sk) in &t.checks {
        let out = w
            .plain
            .get_item()
            .table_name(&w.table)
            .key("PK", AttributeValue::S(pk.clone()))
            .key("SK", AttributeValue::S(sk.clone()))
            .send()
            .await
            .expect("read a condition-checked item");
        wru += 2.0 * kb_units(out.item().map_or(0, item_size));
    }
    wru
}

// --- log bytes -----------------------------------------------------------------

/// Counts the bytes of JSON log lines, as CloudWatch would ingest them.
#[derive(Clone, Default)]
struct LogBytes(Arc<Mutex<u64>>);
impl LogBytes {
    fn take(&self) -> u64 {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}
impl std::io::Write for LogBytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().unwrap() += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBytes {
    type Writer = LogBytes;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

// --- one function's share of one action -------------------------------------------

#[derive(Debug, Clone, Default)]
struct FnCost {
    invocations: f64,
    ops: BTreeMap<String, f64>,
    rru: f64,
    wru: f64,
    /// Sum over invocations of wall time minus time waiting on AWS.
    compute_ms: f64,
    /// Measured wall time on this machine, moto included.
    wall_ms: f64,
    ddb_calls: f64,
    sns: f64,
    ses: f64,
    log_bytes: f64,
    bytes_out: f64,
    /// Billed duration under the latency assumptions, summed.
    billed_ms: f64,
}

impl FnCost {
    fn add_tally(&mut self, t: &Tally, wall: Duration, wru: f64, logs: u64, invocations: f64) {
        for (k, v) in &t.ops {
            *self.ops.entry(k.clone()).or_default() += v;
        }
        let compute = (wall.saturating_sub(t.busy)).as_secs_f64() * 1000.0;
        let (ddb, sns, ses) = (
            t.ddb_calls(),
            t.count(&["Publish"]),
            t.count(&["SendEmail"]),
        );
        let other = t.ops.values().sum::<f64>() - ddb - sns - ses;
        self.invocations += invocations;
        self.rru += t.rru;
        self.wru += wru;
        self.compute_ms += compute;
        self.wall_ms += wall.as_secs_f64() * 1000.0;
        self.ddb_calls += ddb;
        self.sns += sns;
        self.ses += ses;
        self.log_bytes += logs as f64;
        // Lambda bills each invocation rounded up to the millisecond.
        let billed = compute
            + ddb * DDB_CALL_MS
            + sns * SNS_CALL_MS
            + ses * SES_CALL_MS
            + other * COGNITO_CALL_MS;
        self.billed_ms += billed.ceil().max(invocations);
    }

    fn add(&mut self, o: &FnCost) {
        for (k, v) in &o.ops {
            *self.ops.entry(k.clone()).or_default() += v;
        }
        self.invocations += o.invocations;
        self.rru += o.rru;
        self.wru += o.wru;
        self.compute_ms += o.compute_ms;
        self.wall_ms += o.wall_ms;
        self.ddb_calls += o.ddb_calls;
        self.sns += o.sns;
        self.ses += o.ses;
        self.log_bytes += o.log_bytes;
        self.bytes_out += o.bytes_out;
        self.billed_ms += o.billed_ms;
    }

    fn scaled(&self, k: f64) -> FnCost {
        FnCost {
            invocations: self.invocations * k,
            ops: self.ops.iter().map(|(a, b)| (a.clone(), b * k)).collect(),
            rru: self.rru * k,
            wru: self.wru * k,
            compute_ms: self.compute_ms * k,
            wall_ms: self.wall_ms * k,
            ddb_calls: self.ddb_calls * k,
            sns: self.sns * k,
            ses: self.ses * k,
            log_bytes: self.log_bytes * k,
            bytes_out: self.bytes_out * k,
            billed_ms: self.billed_ms * k,
        }
    }
}

/// One action, per occurrence: the API call and what it set off.
#[derive(Debug, Clone, Default)]
struct ActionCost {
    api: FnCost,
    stream: FnCost,
    email: FnCost,
    /// Median API handler wall time (ms), moto included.
    median_ms: f64,
}

impl ActionCost {
    fn add(&mut self, o: &ActionCost) {
        self.api.add(&o.api);
        self.stream.add(&o.stream);
        self.email.add(&o.email);
    }
    fn scaled(&self, k: f64) -> ActionCost {
        ActionCost {
            api: self.api.scaled(k),
            stream: self.stream.scaled(k),
            email: self.email.scaled(k),
            median_ms: self.median_ms,
        }
    }
}

// --- the world on moto ----------------------------------------------------------

struct Person {
    id: UserId,
    email: String,
    access: String,
}

struct World {
    conf: SdkConfig,
    table: String,
    /// Unmetered client for seeding and for reading sizes.
    plain: aws_sdk_dynamodb::Client,
    seed: DynamoStore,
    router: axum::Router,
    api_meter: Meter,
    stream_meter: Meter,
    email_meter: Meter,
    stream_deps: StreamDeps,
    email_deps: EmailDeps,
    reminder_deps: ReminderDeps,
    streams: aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    iterators: Vec<String>,
    /// Records written by the pipeline itself, for its next round.
    pending: Vec<aws_sdk_dynamodbstreams::types::Record>,
    queue_url: String,
    subscription_arn: String,
    logs: LogBytes,
    admin: Person,
    member: Person,
    pool_id: String,
    client_id: String,
    users: Vec<UserId>,
    /// The member's task with comments, which "open a task" reads.
    opened_task: Option<domain::TaskId>,
}

const PASSWORD: &str = "Correct-Horse-9-Battery";

/// One call of Cognito's JSON protocol on moto (signatures are not checked).
async fn cognito(op: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/", endpoint()))
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto reachable");
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{op} on moto: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A confirmed Cognito user in `group`; returns (sub, email, access token).
async fn cognito_user(pool: &str, client: &str, group: &str) -> (UserId, String, String) {
    let email = format!("{}-{}@example.com", group.to_lowercase(), unique());
    cognito(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool, "Username": email, "MessageAction": "SUPPRESS",
            "TemporaryPassword": PASSWORD,
            "UserAttributes": [{ "Name": "email", "Value": email }]
        }),
    )
    .await;
    cognito(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool, "Username": email, "Password": PASSWORD, "Permanent": true }),
    )
    .await;
    cognito(
        "AdminAddUserToGroup",
        json!({ "UserPoolId": pool, "Username": email, "GroupName": group }),
    )
    .await;
    let user = cognito(
        "AdminGetUser",
        json!({ "UserPoolId": pool, "Username": email }),
    )
    .await;
    let sub = user["UserAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
        .and_then(|x| x["Value"].as_str())
        .unwrap_or_else(|| panic!("no sub: {user}"));
    let access = access_token(pool, client, &email).await;
    (UserId::parse(sub).expect("sub is a UUID"), email, access)
}

async fn access_token(pool: &str, client: &str, email: &str) -> String {
    let auth = cognito(
        "AdminInitiateAuth",
        json!({
            "UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_NO_SRP_AUTH",
            "AuthParameters": { "USERNAME": email, "PASSWORD": PASSWORD }
        }),
    )
    .await;
    auth["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {auth}"))
        .to_owned()
}

fn metered_ddb(conf: &SdkConfig, p: &Permissions, meter: &Meter) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(conf)
            .interceptor(p.guard())
            .interceptor(meter.clone())
            .build(),
    )
}

impl World {
    async fn new(conf: &SdkConfig, logs: &LogBytes, site_root: &std::path::Path) -> World {
        let id = unique();
        let table = format!("tasklane-cost-{id}");
        let plain = aws_sdk_dynamodb::Client::new(conf);
        let seed = DynamoStore::new(plain.clone(), &table);
        seed.create_table().await.expect("create table on moto");

        // Cognito: the pool the API trusts, one admin and one member.
        let pool = cognito("CreateUserPool", json!({ "PoolName": format!("tl-{id}") })).await;
        let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
        let client = cognito(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool_id, "ClientName": "web",
                "ExplicitAuthFlows": [
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH"
                ]
            }),
        )
        .await;
        let client_id = client["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned();
        for group in ["ADMIN", "MEMBER"] {
            cognito(
                "CreateGroup",
                json!({ "UserPoolId": pool_id, "GroupName": group }),
            )
            .await;
        }
        let mut people = Vec::new();
        for (group, role, name) in [
            ("ADMIN", Role::Admin, "Ada Admin"),
            ("MEMBER", Role::Member, "Mo Member"),
        ] {
            let (uid, email, access) = cognito_user(&pool_id, &client_id, group).await;
            // What the post-confirmation trigger does (moto runs none).
            seed.create_profile(NewProfile {
                id: uid,
                email: Email::parse(&email).unwrap(),
                display_name: DisplayName::parse(name).unwrap(),
                role,
            })
            .await
            .expect("profile");
            people.push(Person {
                id: uid,
                email,
                access,
            });
        }
        let member = people.pop().unwrap();
        let admin = people.pop().unwrap();

        // The API function exactly as build_state assembles it, except that
        // its DynamoDB client also carries the meter.
        let lookup: HashMap<&str, String> = HashMap::from([
            ("TASKLANE_TABLE", table.clone()),
            ("TASKLANE_COGNITO_USER_POOL_ID", pool_id.clone()),
            ("TASKLANE_COGNITO_CLIENT_ID", client_id.clone()),
            (
                "TASKLANE_JWKS_URL",
                format!("{}/{pool_id}/.well-known/jwks.json", endpoint()),
            ),
            (
                "TASKLANE_PUBLIC_URL",
                "https://tasks.example.com".to_owned(),
            ),
            ("TASKLANE_ORIGIN_SECRET", ORIGIN_SECRET.to_owned()),
            ("TASKLANE_INVITE_KEY", INVITE_KEY.to_owned()),
            // Read by the configuration; no action measured here exports.
            ("TASKLANE_EXPORT_BUCKET", "tasklane-cost-exports".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("LEPTOS_HASH_FILES", "false".to_owned()),
            ("LEPTOS_SITE_ROOT", site_root.to_string_lossy().into_owned()),
        ]);
        let config =
            server::lambda::LambdaConfig::from_lookup(|k| lookup.get(k).cloned()).expect("config");
        let api_meter = Meter::default();
        let store = Arc::new(DynamoStore::new(
            metered_ddb(conf, &server::lambda::PERMISSIONS, &api_meter),
            &table,
        ));
        // server::lambda::auth_state, with the meter on its Cognito client
        // too, so sign-in's calls are counted and their wait is not compute.
        let cognito_client = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::config::Builder::from(conf)
                .interceptor(server::lambda::PERMISSIONS.guard())
                .interceptor(api_meter.clone())
                .build(),
        );
        let mut auth =
            auth::cognito::auth_state(cognito_client, &config.cognito).expect("auth state");
        auth.secure_cookies = config.secure_cookies;
        let auth = Arc::new(auth);
        let leptos = leptos::prelude::LeptosOptions::builder()
            .output_name("tasklane")
            .site_root(site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .hash_files(false)
            .build();
        let state = server::AppState {
            leptos,
            ctx: app::ssr::ServerContext {
                store,
                auth,
                storage_label: "dynamodb",
                public_origin: Arc::from(""),
                directory: Default::default(),
                exports: None,
            },
            site: Arc::new(server::assets::Site::new(site_root)),
            jwks_json: None,
            public_origin: None,
        };
        let router = server::router(state);

        // The notification pipeline: topic, a queue standing in for the
        // email formatter's subscription, a verified sender.
        let sns = aws_sdk_sns::Client::new(conf);
        let topic_arn = sns
            .create_topic()
            .name(format!("tasklane-events-{id}"))
            .send()
            .await
            .expect("topic")
            .topic_arn()
            .unwrap()
            .to_owned();
        let sqs = aws_sdk_sqs::Client::new(conf);
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("tasklane-events-{id}"))
            .send()
            .await
            .expect("queue")
            .queue_url()
            .unwrap()
            .to_owned();
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes")
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .unwrap()
            .clone();
        let subscription_arn = sns
            .subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .expect("subscribe")
            .subscription_arn()
            .unwrap()
            .to_owned();
        let mail_from = format!("noreply@{id}.example.com");
        aws_sdk_sesv2::Client::new(conf)
            .create_email_identity()
            .email_identity(&mail_from)
            .send()
            .await
            .expect("verify sender");
        // What Terraform creates: the set every message is sent with.
        let configuration_set = format!("tasklane-{id}");
        aws_sdk_sesv2::Client::new(conf)
            .create_configuration_set()
            .configuration_set_name(&configuration_set)
            .send()
            .await
            .expect("create configuration set");

        let (stream_meter, email_meter) = (Meter::default(), Meter::default());
        let publisher = |p: &Permissions, m: &Meter| {
            Publisher::new(
                aws_sdk_sns::Client::from_conf(
                    aws_sdk_sns::config::Builder::from(conf)
                        .interceptor(p.guard())
                        .interceptor(m.clone())
                        .build(),
                ),
                &topic_arn,
            )
        };
        let stream_deps = StreamDeps {
            store: DynamoStore::new(
                metered_ddb(conf, &permissions::STREAM_PROCESSOR, &stream_meter),
                &table,
            ),
            publisher: publisher(&permissions::STREAM_PROCESSOR, &stream_meter),
        };
        let email_deps = EmailDeps {
            store: DynamoStore::new(
                metered_ddb(conf, &permissions::EMAIL_FORMATTER, &email_meter),
                &table,
            ),
            ses: aws_sdk_sesv2::Client::from_conf(
                aws_sdk_sesv2::config::Builder::from(conf)
                    .interceptor(permissions::EMAIL_FORMATTER.guard())
                    .interceptor(email_meter.clone())
                    .build(),
            ),
            mail_from,
            public_url: "https://tasks.example.com".to_owned(),
            invite_key: store::InviteKey::from_text(INVITE_KEY).expect("invite key"),
            configuration_set,
        };
        // The reminders function shares the stream processor's meter slot:
        // it runs alone, and its figures are read right after.
        let reminder_deps = ReminderDeps {
            store: DynamoStore::new(
                metered_ddb(conf, &permissions::REMINDERS, &stream_meter),
                &table,
            ),
            publisher: publisher(&permissions::REMINDERS, &stream_meter),
        };
        let stream_arn = plain
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .expect("describe table")
            .table()
            .and_then(|t| t.latest_stream_arn())
            .expect("table has a stream")
            .to_owned();
        let users = vec![admin.id, member.id];
        World {
            conf: conf.clone(),
            table,
            plain,
            seed,
            router,
            api_meter,
            stream_meter,
            email_meter,
            stream_deps,
            email_deps,
            reminder_deps,
            streams: aws_sdk_dynamodbstreams::Client::new(conf),
            stream_arn,
            iterators: Vec::new(),
            pending: Vec::new(),
            queue_url,
            subscription_arn,
            logs: logs.clone(),
            admin,
            member,
            pool_id,
            client_id,
            users,
            opened_task: None,
        }
    }

    /// Seeds the team to `n` people, each with [`TASKS_PER_USER`] tasks
    /// (created by the admin, assigned to them) in a realistic spread of
    /// statuses and due dates: one overdue and one due within two days
    /// among the open ones.
    ///
    /// The member's tasks go through the store. Everyone else's are the
    /// same items (built by `store::keys`, as the store builds them) sent
    /// with BatchWriteItem, because moto copies the whole table for every
    /// TransactWriteItems, which makes seeding 10,000 tasks one by one
    /// quadratic. Only the measured actions need the real write path.
    async fn seed_team(&mut self, n: usize) {
        let today = time::OffsetDateTime::now_utc().date();
        let plan: [(Status, Option<i64>); TASKS_PER_USER] = [
            (Status::Open, Some(-3)),
            (Status::Open, Some(1)),
            (Status::InProgress, Some(6)),
            (Status::InProgress, None),
            (Status::Blocked, Some(12)),
            (Status::InReview, Some(20)),
            (Status::Done, Some(-10)),
            (Status::Done, Some(-20)),
            (Status::Done, None),
            (Status::Done, Some(-40)),
        ];
        let new_task = |k: usize, i: usize, user: UserId, admin: UserId| NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: TaskTitle::parse(&format!("Task {k} of person {i}")).unwrap(),
            description: Some(
                domain::Description::parse(
                    "Steps to reproduce, acceptance criteria and a link or two: \
                     a description of ordinary length for a team's task.",
                )
                .unwrap(),
            ),
            priority: [Priority::Low, Priority::Medium, Priority::High][k % 3],
            due: plan[k].1.map(|d| today + time::Duration::days(d)),
            assignees: vec![user],
            created_by: admin,
        };

        // The member, through the store.
        let member = self.member.id;
        for (k, (status, _)) in plan.iter().enumerate() {
            let task = self
                .seed
                .create_task(new_task(k, 1, member, self.admin.id))
                .await
                .expect("seed task");
            if *status != Status::Open {
                self.seed
                    .change_status(&task, *status, self.admin.id)
                    .await
                    .expect("seed status");
            }
            if k == 0 {
                self.opened_task = Some(task.id);
                for c in 0..COMMENTS_ON_OPENED_TASK {
                    let author = if c % 2 == 0 { self.admin.id } else { member };
                    self.seed
                        .add_comment(
                            task.id,
                            author,
                            CommentBody::parse(&format!(
                                "Comment {c}: a sentence or two about progress."
                            ))
                            .unwrap(),
                            Vec::new(),
                        )
                        .await
                        .expect("seed comment");
                }
            }
        }
        // The admin holds tasks too; everyone else, in bulk.
        let started = Instant::now();
        let mut batch: Vec<store::Item> = Vec::new();
        let mut people = 0;
        for i in 0..n {
            let user = match i {
                0 => self.admin.id,
                1 => continue,
                _ => {
                    let p = domain::UserProfile::create(
                        NewProfile {
                            id: UserId::from_uuid(uuid::Uuid::now_v7()),
                            email: Email::parse(&format!("person{i}-{}@example.com", unique()))
                                .unwrap(),
                            display_name: DisplayName::parse(&format!("Person {i}")).unwrap(),
                            role: Role::Member,
                        },
                        time::OffsetDateTime::now_utc(),
                    );
                    batch.push(store::keys::profile_item(&p));
                    self.users.push(p.id);
                    p.id
                }
            };
            for (k, (status, _)) in plan.iter().enumerate() {
                let now = time::OffsetDateTime::now_utc();
                let id = domain::TaskId::from_uuid(uuid::Uuid::now_v7());
                let created = domain::Task::create(id, new_task(k, i, user, self.admin.id), now);
                batch.push(store::keys::activity_item(&domain::Activity::between(
                    None, &created,
                )));
                let mut task = created.clone();
                if *status != Status::Open {
                    task.status = *status;
                    task.version += 1;
                    task.updated_by = Some(self.admin.id);
                    batch.push(store::keys::activity_item(&domain::Activity::between(
                        Some(&created),
                        &task,
                    )));
                }
                batch.push(store::keys::task_item(&task));
                batch.push(store::keys::project_copy_item(&task));
                batch.push(store::keys::assignment_item(&task, user));
            }
            people += 1;
            if batch.len() >= 500 || i + 1 == n {
                self.batch_write(std::mem::take(&mut batch)).await;
            }
            if people % 100 == 0 {
                eprintln!(
                    "    seeded {people} of {} people ({:.0} s)",
                    n - 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        self.batch_write(batch).await;
        self.skip_stream_to_latest().await;
    }

    /// Writes items as `DynamoStore` lays them out (key attributes, `data`
    /// as JSON text, `version`), 25 to a request.
    async fn batch_write(&self, items: Vec<store::Item>) {
        for chunk in items.chunks(25) {
            let mut pending: Vec<aws_sdk_dynamodb::types::WriteRequest> = chunk
                .iter()
                .map(|item| {
                    let mut m = HashMap::from([
                        ("PK".to_owned(), AttributeValue::S(item.pk.clone())),
                        ("SK".to_owned(), AttributeValue::S(item.sk.clone())),
                        ("data".to_owned(), AttributeValue::S(item.data.to_string())),
                        (
                            "version".to_owned(),
                            AttributeValue::N(item.version.to_string()),
                        ),
                    ]);
                    for (name, v) in [
                        ("GSI1PK", &item.gsi1pk),
                        ("GSI1SK", &item.gsi1sk),
                        ("GSI2PK", &item.gsi2pk),
                        ("GSI2SK", &item.gsi2sk),
                        ("GSI3PK", &item.gsi3pk),
                        ("GSI3SK", &item.gsi3sk),
                    ] {
                        if let Some(v) = v {
                            m.insert(name.to_owned(), AttributeValue::S(v.clone()));
                        }
                    }
                    let put = aws_sdk_dynamodb::types::PutRequest::builder()
                        .set_item(Some(m))
                        .build()
                        .expect("put request");
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(put)
                        .build()
                })
                .collect();
            while !pending.is_empty() {
                let out = self
                    .plain
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .expect("batch write");
                pending = out
                    .unprocessed_items()
                    .and_then(|m| m.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }

    async fn skip_stream_to_latest(&mut self) {
        let shards = self
            .streams
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .expect("describe stream")
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        assert!(!shards.is_empty(), "the stream has no shards");
        self.iterators.clear();
        for shard in shards {
            let it = self
                .streams
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(shard.shard_id().unwrap())
                .shard_iterator_type(ShardIteratorType::Latest)
                .send()
                .await
                .expect("shard iterator")
                .shard_iterator()
                .unwrap()
                .to_owned();
            self.iterators.push(it);
        }
    }

    /// Stream records written since the last call.
    async fn new_records(&mut self) -> Vec<aws_sdk_dynamodbstreams::types::Record> {
        let mut out = Vec::new();
        for it in self.iterators.iter_mut() {
            loop {
                let page = self
                    .streams
                    .get_records()
                    .shard_iterator(it.clone())
                    .send()
                    .await
                    .expect("get records");
                if let Some(next) = page.next_shard_iterator() {
                    *it = next.to_owned();
                }
                if page.records().is_empty() {
                    break;
                }
                out.extend(page.records().iter().cloned());
            }
        }
        out
    }

    /// SNS envelopes published since the last drain.
    async fn drain_queue(&self) -> Vec<Value> {
        let sqs = aws_sdk_sqs::Client::new(&self.conf);
        let mut bodies = Vec::new();
        loop {
            let out = sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receive");
            if out.messages().is_empty() {
                break;
            }
            for m in out.messages() {
                bodies.push(serde_json::from_str(m.body().unwrap()).expect("envelope"));
                sqs.delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .expect("delete message");
            }
        }
        bodies
    }

    /// Runs the notification pipeline until the stream is quiet: the given
    /// records (and anything already on the queue) through the stream
    /// processor, each SNS message through the email formatter, and their
    /// own writes back through the stream processor.
    async fn settle(
        &mut self,
        records: Vec<aws_sdk_dynamodbstreams::types::Record>,
        cost: &mut ActionCost,
    ) {
        let envelopes = self.drain_queue().await;
        self.settle_with(records, envelopes, cost).await;
    }

    /// [`Self::settle`] from the given records and SNS envelopes.
    async fn settle_with(
        &mut self,
        mut records: Vec<aws_sdk_dynamodbstreams::types::Record>,
        mut envelopes: Vec<Value>,
        cost: &mut ActionCost,
    ) {
        for _round in 0..10 {
            if records.is_empty() && envelopes.is_empty() {
                return;
            }
            for chunk in records.chunks(STREAM_BATCH) {
                let event = lambda_stream_event(chunk, &self.stream_arn);
                self.stream_meter.take();
                self.logs.take();
                let t0 = Instant::now();
                let res = handle_stream_batch(&self.stream_deps, event).await;
                let wall = t0.elapsed();
                assert!(
                    res.batch_item_failures.is_empty(),
                    "stream processor failed records: {:?}",
                    res.batch_item_failures
                );
                let tally = self.stream_meter.take();
                let logs = self.logs.take();
                let written = self.new_records().await;
                let wru = write_units(&written, &tally, self).await;
                cost.stream.add_tally(&tally, wall, wru, logs, 1.0);
                self.pending.extend(written);
            }
            envelopes.extend(self.drain_queue().await);
            for envelope in std::mem::take(&mut envelopes) {
                let event = self.sns_event(&envelope);
                self.email_meter.take();
                self.logs.take();
                let t0 = Instant::now();
                handle_sns(&self.email_deps, event)
                    .await
                    .expect("email formatter");
                let wall = t0.elapsed();
                let tally = self.email_meter.take();
                let logs = self.logs.take();
                let written = self.new_records().await;
                let wru = write_units(&written, &tally, self).await;
                cost.email.add_tally(&tally, wall, wru, logs, 1.0);
                self.pending.extend(written);
            }
            records = std::mem::take(&mut self.pending);
            envelopes = self.drain_queue().await;
        }
        panic!("the notification pipeline did not settle in 10 rounds");
    }

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

    /// Table size as DynamoDB bills it: items plus per-item overhead, plus
    /// the copy each GSI (projection ALL) keeps of the items it indexes.
    async fn storage_bytes(&self) -> f64 {
        let mut total = 0.0;
        let mut start = None;
        loop {
            let out = self
                .plain
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            for item in out.items() {
                let size = item_size(item) as f64 + ITEM_OVERHEAD_BYTES;
                let copies = ["GSI1PK", "GSI2PK", "GSI3PK"]
                    .iter()
                    .filter(|k| item.contains_key(**k))
                    .count() as f64;
                total += size * (1.0 + copies);
            }
            match out.last_evaluated_key() {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
        total
    }
}

/// Stream records in the JSON shape Lambda hands the function.
fn lambda_stream_event(
    records: &[aws_sdk_dynamodbstreams::types::Record],
    arn: &str,
) -> DynamoDbEvent {
    let records: Vec<Value> = records
        .iter()
        .map(|r| {
            let sr = r.dynamodb().expect("stream record body");
            let image = |m: Option<&StreamImage>| -> Value {
                m.map(|m| Value::Object(m.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect()))
                    .unwrap_or(Value::Null)
            };
            json!({
                "eventID": r.event_id(),
                "eventName": r.event_name().map(|n| n.as_str()),
                "eventVersion": r.event_version(),
                "eventSource": r.event_source(),
                "awsRegion": r.aws_region(),
                "eventSourceARN": arn,
                "dynamodb": {
                    "ApproximateCreationDateTime": sr
                        .approximate_creation_date_time()
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0),
                    "Keys": image(sr.keys()),
                    "NewImage": image(sr.new_image()),
                    "OldImage": image(sr.old_image()),
                    "SequenceNumber": sr.sequence_number(),
                    "SizeBytes": sr.size_bytes().unwrap_or(0),
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                }
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("Lambda DynamoDB event shape")
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

// --- driving the API ----------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    Member,
}

/// What one API request measured, before the pipeline ran.
struct Measured {
    cost: FnCost,
    records: Vec<aws_sdk_dynamodbstreams::types::Record>,
    body: axum::body::Bytes,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Admin => Some(&self.admin.access),
            Who::Member => Some(&self.member.access),
        }
    }

    /// One request through the router, as API Gateway hands it to the
    /// function (through CloudFront: same-origin browser requests).
    async fn request(
        &mut self,
        name: &str,
        who: Who,
        path: &str,
        form: Option<&[(&str, String)]>,
        must_read: bool,
    ) -> Measured {
        let mut b = http::Request::builder()
            .uri(path)
            .header("host", "tasks.example.com")
            .header("x-forwarded-for", "203.0.113.7")
            .header(server::lambda::ORIGIN_SECRET_HEADER, ORIGIN_SECRET);
        if let Some(token) = self.token(who) {
            b = b.header("cookie", format!("__Host-tl_access={token}"));
        }
        let req = match form {
            None => b
                .method("GET")
                .header("accept", "text/html")
                .body(Body::empty()),
            Some(pairs) => b
                .method("POST")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
                        .finish(),
                )),
        }
        .expect("request");
        self.api_meter.take();
        self.logs.take();
        let t0 = Instant::now();
        let res = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let head: usize = res
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>()
            + 17;
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        let wall = t0.elapsed();
        assert!(
            status.as_u16() < 400,
            "{name} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let tally = self.api_meter.take();
        let logs = self.logs.take();
        assert!(
            !must_read || tally.ddb_calls() > 0.0,
            "{name}: no DynamoDB request counted for an authenticated action: the meter is broken"
        );
        let records = self.new_records().await;
        let wru = write_units(&records, &tally, self).await;
        let mut cost = FnCost::default();
        cost.add_tally(&tally, wall, wru, logs, 1.0);
        cost.bytes_out = (head + body.len()) as f64;
        Measured {
            cost,
            records,
            body,
        }
    }

    /// An action: the request and everything it sets off downstream.
    async fn action(
        &mut self,
        name: &str,
        who: Who,
        path: &str,
        form: Option<&[(&str, String)]>,
        writes: bool,
    ) -> (ActionCost, axum::body::Bytes) {
        let m = self
            .request(name, who, path, form, who != Who::Anonymous)
            .await;
        assert!(
            !writes || !m.records.is_empty(),
            "{name}: a write left no stream record: the stream reader is broken"
        );
        let mut cost = ActionCost {
            api: m.cost,
            ..ActionCost::default()
        };
        self.settle(m.records, &mut cost).await;
        (cost, m.body)
    }

    async fn version(&self, id: domain::TaskId) -> String {
        self.seed
            .get_task(id, 1)
            .await
            .expect("task")
            .task
            .version
            .to_string()
    }

    /// Every measured action at this team size, averaged over repeats.
    async fn measure(&mut self) -> Vec<(String, ActionCost)> {
        // Tokens are short-lived; seeding a large team takes a while.
        self.admin.access = access_token(&self.pool_id, &self.client_id, &self.admin.email).await;
        self.member.access = access_token(&self.pool_id, &self.client_id, &self.member.email).await;
        // Warm-up: the validator fetches the JWKS once per container.
        for who in [Who::Admin, Who::Member] {
            self.request("warm-up", who, "/api/auth/me", Some(&[]), true)
                .await;
        }
        self.settle(Vec::new(), &mut ActionCost::default()).await;

        let mut runs: BTreeMap<String, Vec<ActionCost>> = BTreeMap::new();
        let other = *self.users.get(2).unwrap_or(&self.admin.id);
        let today = time::OffsetDateTime::now_utc().date();
        for r in 0..WRITE_REPEATS {
            let (c, body) = self
                .action(
                    "create task",
                    Who::Admin,
                    "/api/tasks/create",
                    Some(&[
                        ("title", format!("Prepare the release notes, round {r}")),
                        (
                            "description",
                            "What changed, who is affected, and the links.".to_owned(),
                        ),
                        ("priority", "MEDIUM".to_owned()),
                        ("due", (today + time::Duration::days(5)).to_string()),
                        ("assignees[]", self.member.id.to_string()),
                    ]),
                    true,
                )
                .await;
            runs.entry("create task".into()).or_default().push(c);
            let id: String = serde_json::from_slice(&body).unwrap_or_else(|_| {
                panic!(
                    "create task answered {}, not the new id",
                    String::from_utf8_lossy(&body)
                )
            });
            let task = domain::TaskId::parse(&id).expect("task id");
            let steps: [Step; 4] = [
                (
                    "move status",
                    Who::Member,
                    "/api/tasks/status",
                    vec![("status", "IN_PROGRESS".to_owned())],
                ),
                (
                    "update fields",
                    Who::Admin,
                    "/api/tasks/update",
                    vec![
                        ("title", format!("Publish the release notes, round {r}")),
                        (
                            "description",
                            "What changed, who is affected, the links, and the date.".to_owned(),
                        ),
                        ("priority", "HIGH".to_owned()),
                        ("due", (today + time::Duration::days(4)).to_string()),
                    ],
                ),
                (
                    "assign",
                    Who::Admin,
                    "/api/tasks/assign",
                    vec![
                        ("assignees[]", self.member.id.to_string()),
                        ("assignees[]", other.to_string()),
                    ],
                ),
                (
                    "comment",
                    Who::Member,
                    "/api/tasks/comment",
                    vec![(
                        "body",
                        "Draft is in the shared folder; comments welcome.".to_owned(),
                    )],
                ),
            ];
            for (name, who, path, extra) in steps {
                let mut form = vec![("id", id.clone())];
                if name != "comment" {
                    form.push(("version", self.version(task).await));
                }
                form.extend(extra);
                let (c, _) = self.action(name, who, path, Some(&form), true).await;
                runs.entry(name.into()).or_default().push(c);
            }
        }

        let (c, _) = self
            .action(
                "sign in",
                Who::Anonymous,
                "/api/auth/sign_in",
                Some(&[
                    ("email", self.member.email.clone()),
                    ("password", PASSWORD.to_owned()),
                ]),
                false,
            )
            .await;
        runs.entry("sign in".into()).or_default().push(c);
        let opened = format!("/tasks/{}", self.opened_task.expect("seeded"));
        let reads: [(&str, Who, &str, bool); 9] = [
            ("home", Who::Member, "/", false),
            ("board (member)", Who::Member, "/board", false),
            ("board (admin)", Who::Admin, "/board", false),
            ("my tasks", Who::Member, "/my", false),
            ("open a task", Who::Member, opened.as_str(), false),
            ("notifications", Who::Member, "/notifications", false),
            (
                "bell (unread)",
                Who::Member,
                "/api/notifications/unread",
                true,
            ),
            ("dashboard (admin)", Who::Admin, "/dashboard", false),
            ("team (admin)", Who::Admin, "/team", false),
        ];
        for _ in 0..READ_REPEATS {
            for (name, who, path, post) in reads {
                let form: Option<&[(&str, String)]> = if post { Some(&[]) } else { None };
                let (c, _) = self.action(name, who, path, form, false).await;
                runs.entry(name.into()).or_default().push(c);
            }
        }

        MIX.iter()
            .map(|(name, _)| {
                let all = runs
                    .get(*name)
                    .unwrap_or_else(|| panic!("{name} was not measured"));
                let mut sum = ActionCost::default();
                for c in all {
                    sum.add(c);
                }
                let mut avg = sum.scaled(1.0 / all.len() as f64);
                let mut walls: Vec<f64> = all.iter().map(|c| c.api.wall_ms).collect();
                walls.sort_by(f64::total_cmp);
                avg.median_ms = walls[walls.len() / 2];
                ((*name).to_owned(), avg)
            })
            .collect()
    }

    /// One daily reminders run, and the emails it sets off.
    async fn reminders(&mut self) -> ActionCost {
        let today = time::OffsetDateTime::now_utc().date();
        self.stream_meter.take();
        self.logs.take();
        let t0 = Instant::now();
        let report = run_reminders(&self.reminder_deps, today, time::OffsetDateTime::now_utc())
            .await
            .expect("reminders run");
        let wall = t0.elapsed();
        assert!(
            report.published > 0,
            "the reminders run published nothing over seeded due and overdue tasks: {report:?}"
        );
        let tally = self.stream_meter.take();
        let logs = self.logs.take();
        let records = self.new_records().await;
        let wru = write_units(&records, &tally, self).await;
        let mut cost = ActionCost::default();
        cost.api.add_tally(&tally, wall, wru, logs, 1.0);
        cost.median_ms = wall.as_secs_f64() * 1000.0;
        // Each reminder's downstream (stream processor, formatter, SES) is
        // the same work whatever the team size, but on moto it takes 3-4 s
        // a reminder at 1,000 people (2,000 of them): the same fraction of
        // the run's stream records and SNS messages, about REMINDER_SAMPLE
        // of each, goes through the real handlers, and their measured cost
        // is scaled to all of them.
        let envelopes = self.drain_queue().await;
        let most = records.len().max(envelopes.len()).max(1);
        let k = (most as f64 / REMINDER_SAMPLE as f64).max(1.0);
        let part = |n: usize| (n as f64 / k).ceil() as usize;
        let (n_records, n_envelopes) = (part(records.len()), part(envelopes.len()));
        if k > 1.0 {
            eprintln!(
                "    reminders: downstream measured on {n_records} of {} stream records and \
                 {n_envelopes} of {} messages, scaled x{k:.1}",
                records.len(),
                envelopes.len()
            );
        }
        let records: Vec<_> = records.into_iter().take(n_records).collect();
        let envelopes: Vec<_> = envelopes.into_iter().take(n_envelopes).collect();
        let mut downstream = ActionCost::default();
        self.settle_with(records, envelopes, &mut downstream).await;
        cost.stream = downstream.stream.scaled(k);
        cost.email = downstream.email.scaled(k);
        cost
    }
}

// --- the model --------------------------------------------------------------

struct ScaleResult {
    users: usize,
    actions: Vec<(String, ActionCost)>,
    reminders: ActionCost,
    storage_bytes: f64,
}

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// One service's monthly figures: cost without free tiers, cost after the
/// always-free tiers, and after the first-year tiers too.
struct Line {
    service: &'static str,
    usage: String,
    list: f64,
    always_free: f64,
    first_year: f64,
}

fn bill(s: &ScaleResult) -> Vec<Line> {
    let mix: HashMap<&str, f64> = MIX.iter().copied().collect();
    let mut day = ActionCost::default();
    for (name, c) in &s.actions {
        day.add(&c.scaled(mix[name.as_str()]));
    }
    let month = day.scaled(s.users as f64 * WORKING_DAYS);
    let rem = s.reminders.scaled(CALENDAR_DAYS);
    let fns = [
        &month.api,
        &month.stream,
        &month.email,
        &rem.api,
        &rem.stream,
        &rem.email,
    ];
    let sum = |f: &dyn Fn(&FnCost) -> f64| fns.iter().map(|c| f(c)).sum::<f64>();
    let pos = |x: f64| x.max(0.0);

    let (rru, wru) = (sum(&|c| c.rru), sum(&|c| c.wru));
    let storage_gb = s.storage_bytes / GB;
    let ddb_req = rru / 1e6 * DDB_PER_M_RRU + wru / 1e6 * DDB_PER_M_WRU;
    let ddb = ddb_req + storage_gb * (DDB_STORAGE_GB_MONTH + DDB_PITR_GB_MONTH);
    let ddb_free = ddb_req
        + pos(storage_gb - FREE_DDB_GB) * DDB_STORAGE_GB_MONTH
        + storage_gb * DDB_PITR_GB_MONTH;

    let requests = sum(&|c| c.invocations);
    let gb_s = month.api.billed_ms / 1000.0 * API_GB
        + (sum(&|c| c.billed_ms) - month.api.billed_ms) / 1000.0 * PIPELINE_GB;
    let lambda = requests / 1e6 * LAMBDA_PER_M_REQ + gb_s * LAMBDA_ARM_GB_S;
    let lambda_free = pos(requests - FREE_LAMBDA_REQ) / 1e6 * LAMBDA_PER_M_REQ
        + pos(gb_s - FREE_LAMBDA_GB_S) * LAMBDA_ARM_GB_S;

    let api_req = month.api.invocations;
    let apigw = api_req / 1e6 * APIGW_HTTP_PER_M;

    let user_days = s.users as f64 * WORKING_DAYS;
    let cf_req = api_req + user_days * FIRST_LOAD_REQUESTS;
    let cf_gb = (month.api.bytes_out + user_days * FIRST_LOAD_BYTES) / GB;
    let cf = cf_req / 1e4 * CF_PER_10K_HTTPS + cf_gb * CF_PER_GB;
    let cf_free =
        pos(cf_req - FREE_CF_REQ) / 1e4 * CF_PER_10K_HTTPS + pos(cf_gb - FREE_CF_GB) * CF_PER_GB;

    let emails = sum(&|c| c.ses);
    let ses = emails / 1000.0 * SES_PER_1000;
    let publishes = sum(&|c| c.sns);
    let sns = publishes / 1e6 * SNS_PER_M;
    let log_gb = (sum(&|c| c.log_bytes) + requests * PLATFORM_LOG_BYTES) / GB;
    let logs = log_gb * CW_LOGS_INGEST_GB;
    let kms = KMS_KEYS * KMS_KEY_MONTH + KMS_REQUESTS_MONTH / 1e4 * KMS_PER_10K;
    let kms_free =
        KMS_KEYS * KMS_KEY_MONTH + pos(KMS_REQUESTS_MONTH - FREE_KMS_REQ) / 1e4 * KMS_PER_10K;

    vec![
        Line {
            service: "DynamoDB",
            usage: format!(
                "{:.2}M RRU, {:.2}M WRU, {:.3} GB",
                rru / 1e6,
                wru / 1e6,
                storage_gb
            ),
            list: ddb,
            always_free: ddb_free,
            first_year: ddb_free,
        },
        Line {
            service: "Lambda (arm64)",
            usage: format!("{:.2}M req, {:.0} GB-s", requests / 1e6, gb_s),
            list: lambda,
            always_free: lambda_free,
            first_year: lambda_free,
        },
        Line {
            service: "API Gateway (HTTP)",
            usage: format!("{:.2}M req", api_req / 1e6),
            list: apigw,
            always_free: apigw,
            first_year: pos(api_req - FREE_12M_APIGW) / 1e6 * APIGW_HTTP_PER_M,
        },
        Line {
            service: "CloudFront",
            usage: format!("{:.2}M req, {:.2} GB", cf_req / 1e6, cf_gb),
            list: cf,
            always_free: cf_free,
            first_year: cf_free,
        },
        Line {
            service: "SES",
            usage: format!("{:.0} emails", emails),
            list: ses,
            always_free: ses,
            first_year: pos(emails - FREE_12M_SES) / 1000.0 * SES_PER_1000,
        },
        Line {
            service: "SNS",
            usage: format!("{:.0} publishes", publishes),
            list: sns,
            always_free: pos(publishes - FREE_SNS) / 1e6 * SNS_PER_M,
            first_year: pos(publishes - FREE_SNS) / 1e6 * SNS_PER_M,
        },
        Line {
            service: "CloudWatch Logs",
            usage: format!("{:.3} GB ingested", log_gb),
            list: logs,
            always_free: pos(log_gb - FREE_CW_GB) * CW_LOGS_INGEST_GB,
            first_year: pos(log_gb - FREE_CW_GB) * CW_LOGS_INGEST_GB,
        },
        Line {
            service: "KMS",
            usage: format!("{KMS_KEYS:.0} keys, {KMS_REQUESTS_MONTH:.0} req"),
            list: kms,
            always_free: kms_free,
            first_year: kms_free,
        },
        Line {
            service: "Cognito (Essentials/Lite)",
            usage: format!("{} MAU (10k free)", s.users),
            list: 0.0,
            always_free: 0.0,
            first_year: 0.0,
        },
    ]
}

fn ops_text(ops: &BTreeMap<String, f64>) -> String {
    let short = [
        ("GetItem", "G"),
        ("Query", "Q"),
        ("PutItem", "P"),
        ("UpdateItem", "U"),
        ("DeleteItem", "D"),
        ("TransactWriteItems", "T"),
        ("BatchWriteItem", "B"),
    ];
    let parts: Vec<String> = short
        .iter()
        .filter_map(|(op, s)| {
            let n = *ops.get(*op)?;
            Some(if (n - n.round()).abs() < 0.05 {
                format!("{s}{n:.0}")
            } else {
                format!("{s}{n:.1}")
            })
        })
        .collect();
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(" ")
    }
}

fn print_actions(s: &ScaleResult) {
    println!();
    println!(
        "Measured per action, team of {} people ({} tasks each; mean of repeats, median time):",
        s.users, TASKS_PER_USER
    );
    println!(
        "{:<18} {:>6} {:<14} {:>7} {:>6} | {:>5} {:>6} {:>6} {:>6} | {:>9} {:>8} {:>8}",
        "action",
        "/day",
        "API DynamoDB",
        "RRU",
        "WRU",
        "λ inv",
        "RRU",
        "WRU",
        "emails",
        "bytes out",
        "wall ms",
        "cpu ms"
    );
    println!(
        "{:<18} {:>6} {:<14} {:>7} {:>6} | {:^27} | {:>9} {:>8} {:>8}",
        "", "", "requests", "", "", "downstream (stream+email)", "", "API", "API"
    );
    let mix: HashMap<&str, f64> = MIX.iter().copied().collect();
    let row = |name: &str, per_day: String, c: &ActionCost| {
        println!(
            "{:<18} {:>6} {:<14} {:>7.1} {:>6.1} | {:>5.1} {:>6.1} {:>6.1} {:>6.2} | {:>9.0} {:>8.1} {:>8.1}",
            name,
            per_day,
            ops_text(&c.api.ops),
            c.api.rru,
            c.api.wru,
            c.stream.invocations + c.email.invocations,
            c.stream.rru + c.email.rru,
            c.stream.wru + c.email.wru,
            c.email.ses + c.stream.ses,
            c.api.bytes_out,
            c.median_ms,
            c.api.compute_ms,
        );
    };
    for (name, c) in &s.actions {
        row(name, format!("{:.1}", mix[name.as_str()]), c);
    }
    row("reminders run*", "1/d".to_owned(), &s.reminders);
    println!(
        "  * the daily reminders function in the API columns (wall/cpu ms of the whole run). \
         The bell's query is inside every page's count (no extra call). Table: {:.1} MB",
        s.storage_bytes / 1024.0 / 1024.0
    );
}

fn print_bill(results: &[ScaleResult]) {
    println!();
    println!("Monthly AWS cost, USD, on-demand list prices, no free tier ({PRICES_AS_OF}):");
    let bills: Vec<Vec<Line>> = results.iter().map(bill).collect();
    print!("{:<26}", "service");
    for r in results {
        print!(" {:>12}", format!("{} users", r.users));
    }
    println!(
        "   usage at {} users",
        results.last().map_or(0, |r| r.users)
    );
    for i in 0..bills[0].len() {
        print!("{:<26}", bills[0][i].service);
        for b in &bills {
            print!(" {:>12.2}", b[i].list);
        }
        println!("   {}", bills.last().unwrap()[i].usage);
    }
    let total = |f: &dyn Fn(&Line) -> f64| -> Vec<f64> {
        bills.iter().map(|b| b.iter().map(f).sum::<f64>()).collect()
    };
    for (label, values) in [
        ("TOTAL (no free tier)", total(&|l| l.list)),
        ("  per active user", {
            total(&|l| l.list)
                .iter()
                .zip(results)
                .map(|(t, r)| t / r.users as f64)
                .collect()
        }),
        ("TOTAL, always-free tiers", total(&|l| l.always_free)),
        ("TOTAL, + first-year tiers", total(&|l| l.first_year)),
    ] {
        print!("{label:<26}");
        for v in values {
            print!(" {v:>12.2}");
        }
        println!();
    }
}

fn print_assumptions() {
    let mix: Vec<String> = MIX
        .iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    println!();
    println!("Assumptions:");
    for line in [
        format!(
            "- active user, per working day ({WORKING_DAYS} a month): 40 page views and 10 writes: {}",
            mix.join(", ")
        ),
        "- admin pages weighted as one admin in ten; the seeded team: 10 tasks per person \
         (6 open: 1 overdue, 1 due within 2 days), all created by one admin"
            .to_owned(),
        format!(
            "- reminders run daily ({CALENDAR_DAYS} runs a month); emails and in-app notices per \
             write follow the notification rules as implemented (default preferences: email and in-app on); \
             the run's downstream is measured on about {REMINDER_SAMPLE} of its stream records and SNS \
             messages (the same fraction of each) and scaled to all of them (the same work per reminder, slow on moto at large tables)"
        ),
        "- RRU/WRU computed from item sizes (moto's ConsumedCapacity is a constant): reads 4 KB \
         units, GSI queries eventually consistent (x0.5), base-table reads strongly consistent; \
         writes 1 KB of the larger image, x2 inside TransactWriteItems, +1 write per GSI entry \
         (delete+put when its key moves); a transactional condition check as a transactional write"
            .to_owned(),
        format!(
            "- Lambda: API {API_GB} GB, stream processor / email formatter / reminders {PIPELINE_GB} GB \
             (terraform dev); billed ms = measured compute on this machine (x86_64, release build) + \
             {DDB_CALL_MS} ms per DynamoDB call, {SNS_CALL_MS} ms per SNS publish, {SES_CALL_MS} ms \
             per SES send, {COGNITO_CALL_MS} ms per Cognito call; cold starts ignored (~20 ms)"
        ),
        format!(
            "- one stream-processor invocation per batch of up to {STREAM_BATCH} records per step \
             (a write, then the pipeline's own marker/notification writes); one email-formatter \
             invocation per SNS message"
        ),
        format!(
            "- CloudFront: every API request plus one first load a day ({:.0} KB compressed in \
             {FIRST_LOAD_REQUESTS} requests, from cache; scripts/web-bench.sh); HTML/JSON egress as measured, \
             uncompressed (the default behaviour's cache policy disables caching)",
            FIRST_LOAD_BYTES / 1024.0
        ),
        format!(
            "- logs: JSON lines at the functions' default level (info) + {PLATFORM_LOG_BYTES} bytes of \
             Lambda platform lines per invocation; storage after ingest ignored (retention-bound)"
        ),
        format!(
            "- storage: the seeded table (items + {ITEM_OVERHEAD_BYTES} B overhead, + each GSI copy), \
             with PITR; growth within the month ignored"
        ),
        format!(
            "- KMS: {KMS_KEYS} customer-managed keys, ~{KMS_REQUESTS_MONTH} requests a month \
             (DynamoDB key refreshes, cold-start env decrypts): an estimate, not measured"
        ),
        "- Cognito: Essentials/Lite bill nothing under 10,000 MAU; the prod threat protection \
         of item 5 needs the Plus plan (about $0.02 per MAU, no free tier): not included"
            .to_owned(),
        "- not included: WAF (prod: ~$5/ACL + $1/rule + $0.60/M requests), CloudWatch alarms \
         ($0.10 each), S3 asset storage, SQS DLQs and EventBridge Scheduler (within free tiers), \
         data transfer to the origin (POST bodies)"
            .to_owned(),
        "- free tiers: always-free = Lambda 1M req + 400k GB-s, CloudFront 1 TB + 10M req, SNS 1M, \
         CloudWatch Logs 5 GB, DynamoDB 25 GB storage, KMS 20k req; first-year adds API Gateway 1M \
         and SES 3,000 emails"
            .to_owned(),
    ] {
        println!("{line}");
    }
}

async fn run() {
    use tracing_subscriber::prelude::*;
    let logs = LogBytes::default();
    tracing_subscriber::registry()
        .with(server::telemetry::filter_from_env("info"))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(false)
                .with_writer(logs.clone()),
        )
        .init();

    let scales: Vec<usize> = std::env::var("TASKLANE_COST_SCALES")
        .unwrap_or_else(|_| "10,100,1000".to_owned())
        .split(',')
        .map(|s| s.trim().parse().expect("TASKLANE_COST_SCALES: user counts"))
        .collect();
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .http_client(store::http_client())
        .load()
        .await;
    let site = std::env::temp_dir().join(format!("tasklane-cost-{}", unique()));
    std::fs::create_dir_all(site.join("pkg")).expect("site dir");
    std::fs::write(site.join("favicon.svg"), b"<svg/>").expect("site file");

    let mut results = Vec::new();
    for users in scales {
        let started = Instant::now();
        eprintln!("==> team of {users}: creating table, pool, topic");
        let mut w = World::new(&conf, &logs, &site).await;
        eprintln!(
            "==> team of {users}: seeding {} tasks",
            users * TASKS_PER_USER
        );
        w.seed_team(users).await;
        eprintln!(
            "==> team of {users}: measuring actions ({:.0} s so far)",
            started.elapsed().as_secs_f64()
        );
        let actions = w.measure().await;
        eprintln!("==> team of {users}: reminders run");
        let reminders = w.reminders().await;
        let storage_bytes = w.storage_bytes().await;
        let result = ScaleResult {
            users,
            actions,
            reminders,
            storage_bytes,
        };
        print_actions(&result);
        std::io::stdout().flush().ok();
        eprintln!(
            "==> team of {users}: done in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        results.push(result);
    }
    let _ = std::fs::remove_dir_all(&site);
    print_bill(&results);
    print_assumptions();
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
