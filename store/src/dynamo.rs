//! The AWS store: the single table of DESIGN.md on DynamoDB.
//!
//! Each backend call is exactly one SDK request: GetItem, Query, a
//! conditional PutItem/DeleteItem/UpdateItem for a one-item write, or one
//! TransactWriteItems for a multi-item write. [`RequestCounter`] observes
//! this at the SDK, which is how the tests hold it to that promise.
//!
//! Items keep the entity as a JSON string in `data` next to the key
//! attributes, `version` and `expiresAt`, so that the DynamoDB item and the
//! SQLite row are the same record and stream images decode with
//! [`crate::Item`] on both paths.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_sdk_dynamodb::client::Waiters as _;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents, SharedHttpClient,
};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, DeleteRequest,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType,
    Put, ScalarAttributeType, SseSpecification, StreamSpecification, StreamViewType,
    TimeToLiveSpecification, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

use crate::cursor::Key;
use crate::engine::{self, Backend, Cond, Op, Query, SkCond, WriteError};
use crate::keys::{Index, Item};
use crate::{Result, StoreError};

type Attrs = HashMap<String, AttributeValue>;

/// The store on DynamoDB. Cheap to clone (the SDK client is an `Arc`).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// An HTTPS client on rustls with the `ring` provider. The SDK's default
/// client would pull in aws-lc-sys, a long C/CMake build on every machine
/// that compiles this, for no benefit to this workload.
pub fn http_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK configuration inside a Lambda function: region and credentials
/// from the variables the platform sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), an endpoint override from
/// `AWS_ENDPOINT_URL` when set (moto in tests), and the SDK's standard retry
/// and connect timeout, on [`http_client`].
///
/// Not `aws_config::defaults`: its provider chains (profile files, SSO, STS
/// web identity, IMDS, ECS, process credentials) never apply inside Lambda,
/// and linking them costs every function zip about a megabyte.
pub fn lambda_sdk_config() -> aws_config::SdkConfig {
    use aws_config::environment::EnvironmentVariableCredentialsProvider;
    use aws_config::identity::IdentityCache;
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_sdk_dynamodb::config::SharedCredentialsProvider;

    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut conf = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .identity_cache(IdentityCache::lazy().build())
        .retry_config(RetryConfig::standard())
        // The SDK's own default (aws_config's timeout provider).
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_millis(3100))
                .build(),
        )
        .http_client(http_client());
    conf.set_region(var("AWS_REGION").map(Region::new));
    conf.set_endpoint_url(var("AWS_ENDPOINT_URL"));
    conf.build()
}

/// Counts SDK requests by operation name (every attempt, retries
/// included), so tests can assert "one request per access pattern".
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    log: Arc<Mutex<Vec<String>>>,
}

impl RequestCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The operations sent since the last `take`, in order.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "tasklane::RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg
            .load::<Metadata>()
            .map_or_else(|| "unknown".to_owned(), |m| m.name().to_owned());
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(op);
        Ok(())
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key_attrs(pk: &str, sk: &str) -> Attrs {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn to_attrs(item: &Item) -> Result<Attrs> {
    let mut m = key_attrs(&item.pk, &item.sk);
    let optional = [
        ("GSI1PK", &item.gsi1pk),
        ("GSI1SK", &item.gsi1sk),
        ("GSI2PK", &item.gsi2pk),
        ("GSI2SK", &item.gsi2sk),
        ("GSI3PK", &item.gsi3pk),
        ("GSI3SK", &item.gsi3sk),
    ];
    for (name, v) in optional {
        if let Some(v) = v {
            m.insert(name.to_owned(), s(v.clone()));
        }
    }
    m.insert("data".into(), s(item.data.get().to_owned()));
    m.insert("version".into(), n(item.version));
    if let Some(e) = item.expires_at {
        m.insert("expiresAt".into(), n(e));
    }
    Ok(m)
}

fn get_s(m: &Attrs, k: &str) -> Option<String> {
    m.get(k).and_then(|v| v.as_s().ok()).cloned()
}

fn get_n(m: &Attrs, k: &str) -> Option<i64> {
    m.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

/// Encodes the shared item form as the DynamoDB item the store writes:
/// for bulk loads outside the store (BatchWriteItem in the reminders load
/// test) that the store must then read as its own.
pub fn item_to_attrs(item: &Item) -> Result<HashMap<String, AttributeValue>> {
    to_attrs(item)
}

/// Decodes a DynamoDB item (or stream image) into the shared item form.
pub fn item_from_attrs(m: &Attrs) -> Result<Item> {
    let corrupt = |what: &str| StoreError::Internal(format!("item without {what}"));
    let pk = get_s(m, "PK").ok_or_else(|| corrupt("PK"))?;
    let sk = get_s(m, "SK").ok_or_else(|| corrupt("SK"))?;
    let data = match (get_s(m, "data"), get_n(m, "count")) {
        (Some(d), _) => serde_json::value::RawValue::from_string(d)
            .map_err(|e| StoreError::Internal(format!("corrupt item {pk}/{sk}: {e}")))?,
        (None, Some(c)) => crate::keys::json_text(&serde_json::json!({ "count": c })),
        (None, None) => crate::keys::json_text(&()),
    };
    Ok(Item {
        gsi1pk: get_s(m, "GSI1PK"),
        gsi1sk: get_s(m, "GSI1SK"),
        gsi2pk: get_s(m, "GSI2PK"),
        gsi2sk: get_s(m, "GSI2SK"),
        gsi3pk: get_s(m, "GSI3PK"),
        gsi3sk: get_s(m, "GSI3SK"),
        data,
        version: get_n(m, "version").unwrap_or(0).max(0) as u64,
        expires_at: get_n(m, "expiresAt"),
        pk,
        sk,
    })
}

/// A condition as (expression, names, values).
type Expr = (Option<String>, Attrs, HashMap<String, String>);

fn condition(cond: Cond) -> Expr {
    let mut values = HashMap::new();
    let mut names = HashMap::new();
    let expr = match cond {
        Cond::None => None,
        Cond::NotExists => Some("attribute_not_exists(PK)".to_owned()),
        Cond::Exists => Some("attribute_exists(PK)".to_owned()),
        Cond::Version(v) => {
            names.insert("#ver".to_owned(), "version".to_owned());
            values.insert(":ver".to_owned(), n(v));
            Some("#ver = :ver".to_owned())
        }
        Cond::NotExistsOrExpired(now) => {
            names.insert("#exp".to_owned(), "expiresAt".to_owned());
            values.insert(":now".to_owned(), n(now));
            Some("attribute_not_exists(PK) OR #exp < :now".to_owned())
        }
    };
    (expr, values, names)
}

fn opt_map<K, V>(m: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

fn adjust_expr(
    delta: i64,
    min_result: Option<i64>,
    gsi1: Option<(String, String)>,
) -> (String, Option<String>, Attrs) {
    let mut values = HashMap::from([(":d".to_owned(), n(delta))]);
    let cond = min_result.map(|m| {
        values.insert(":t".to_owned(), n(m - delta));
        "#c >= :t".to_owned()
    });
    let mut update = "ADD #c :d".to_owned();
    if let Some((p, k)) = gsi1 {
        values.insert(":gp".to_owned(), s(p));
        values.insert(":gs".to_owned(), s(k));
        update.push_str(" SET GSI1PK = :gp, GSI1SK = :gs");
    }
    (update, cond, values)
}

fn build_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("building DynamoDB request: {e}"))
}

fn sdk_err<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Internal(format!(
        "DynamoDB: {}",
        aws_sdk_dynamodb::error::DisplayErrorContext(e)
    ))
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    /// A client for the AWS environment (Lambda, CLI profile variables),
    /// on the rustls+ring HTTP client.
    pub async fn client_from_env() -> Client {
        let conf = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .load()
            .await;
        Client::new(&conf)
    }

    /// A client for a local endpoint such as moto, with dummy credentials
    /// (moto accepts any), optionally counting requests.
    // Tests and local tools only: the Lambdas build guarded clients.
    pub fn local_client(endpoint: &str, counter: Option<RequestCounter>) -> Client {
        let mut conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
            .http_client(http_client());
        if let Some(c) = counter {
            conf = conf.interceptor(c);
        }
        Client::from_conf(conf.build())
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates the table as DESIGN.md describes it (on-demand, GSI1-3 with
    /// all attributes projected, streams with both images, SSE, TTL on
    /// `expiresAt`) and waits until it is active. For local development
    /// and tests; production tables come from Terraform.
    pub async fn create_table(&self) -> Result<()> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_err)
        };
        let key = |name: &str, kt: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kt)
                .build()
                .map_err(build_err)
        };
        let mut req = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(build_err)?,
            )
            .sse_specification(SseSpecification::builder().enabled(true).build());
        for name in ["PK", "SK"] {
            req = req.attribute_definitions(attr(name)?);
        }
        for index in [Index::Gsi1, Index::Gsi2, Index::Gsi3] {
            let (p, s) = index.key_attrs();
            req = req
                .attribute_definitions(attr(p)?)
                .attribute_definitions(attr(s)?)
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name().unwrap_or_default())
                        .key_schema(key(p, KeyType::Hash)?)
                        .key_schema(key(s, KeyType::Range)?)
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::All)
                                .build(),
                        )
                        .build()
                        .map_err(build_err)?,
                );
        }
        req.send().await.map_err(sdk_err)?;
        self.client
            .wait_until_table_exists()
            .table_name(&self.table)
            .wait(std::time::Duration::from_secs(300))
            .await
            .map_err(|e| StoreError::Internal(format!("waiting for table: {e}")))?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("expiresAt")
                    .build()
                    .map_err(build_err)?,
            )
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    fn transact_item(&self, op: Op) -> Result<TransactWriteItem> {
        let item = match op {
            Op::Put { item, cond } => {
                let (expr, values, names) = condition(cond);
                TransactWriteItem::builder().put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(to_attrs(&item)?))
                        .set_condition_expression(expr)
                        .set_expression_attribute_values(opt_map(values))
                        .set_expression_attribute_names(opt_map(names))
                        .build()
                        .map_err(build_err)?,
                )
            }
            Op::Delete { pk, sk, cond } => {
                let (expr, values, names) = condition(cond);
                TransactWriteItem::builder().delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(&pk, &sk)))
                        .set_condition_expression(expr)
                        .set_expression_attribute_values(opt_map(values))
                        .set_expression_attribute_names(opt_map(names))
                        .build()
                        .map_err(build_err)?,
                )
            }
            Op::Check { pk, sk, cond } => {
                let (expr, values, names) = condition(cond);
                TransactWriteItem::builder().condition_check(
                    ConditionCheck::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(&pk, &sk)))
                        .condition_expression(expr.unwrap_or_else(|| {
                            "attribute_exists(PK) OR attribute_not_exists(PK)".into()
                        }))
                        .set_expression_attribute_values(opt_map(values))
                        .set_expression_attribute_names(opt_map(names))
                        .build()
                        .map_err(build_err)?,
                )
            }
            Op::Adjust {
                pk,
                sk,
                delta,
                min_result,
                gsi1,
            } => {
                let (update, cond, values) = adjust_expr(delta, min_result, gsi1);
                TransactWriteItem::builder().update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(&pk, &sk)))
                        .update_expression(update)
                        .set_condition_expression(cond)
                        .set_expression_attribute_values(Some(values))
                        .expression_attribute_names("#c", "count")
                        .build()
                        .map_err(build_err)?,
                )
            }
        };
        Ok(item.build())
    }

    async fn write_one(&self, op: Op) -> Result<(), WriteError> {
        macro_rules! conditional {
            ($res:expr, $is_ccf:ident) => {
                match $res {
                    Ok(_) => Ok(()),
                    Err(e) if e.as_service_error().is_some_and(|s| s.$is_ccf()) => {
                        Err(WriteError::Condition(Some(0)))
                    }
                    Err(e) => Err(WriteError::Store(sdk_err(e))),
                }
            };
        }
        match op {
            Op::Put { item, cond } => {
                let (expr, values, names) = condition(cond);
                let res = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(to_attrs(&item)?))
                    .set_condition_expression(expr)
                    .set_expression_attribute_values(opt_map(values))
                    .set_expression_attribute_names(opt_map(names))
                    .send()
                    .await;
                conditional!(res, is_conditional_check_failed_exception)
            }
            Op::Delete { pk, sk, cond } => {
                let (expr, values, names) = condition(cond);
                let res = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key_attrs(&pk, &sk)))
                    .set_condition_expression(expr)
                    .set_expression_attribute_values(opt_map(values))
                    .set_expression_attribute_names(opt_map(names))
                    .send()
                    .await;
                conditional!(res, is_conditional_check_failed_exception)
            }
            Op::Adjust {
                pk,
                sk,
                delta,
                min_result,
                gsi1,
            } => {
                let (update, cond, values) = adjust_expr(delta, min_result, gsi1);
                let res = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key_attrs(&pk, &sk)))
                    .update_expression(update)
                    .set_condition_expression(cond)
                    .set_expression_attribute_values(Some(values))
                    .expression_attribute_names("#c", "count")
                    .send()
                    .await;
                conditional!(res, is_conditional_check_failed_exception)
            }
            // A lone check writes nothing; send it as a one-item
            // transaction so it is still evaluated server-side.
            op @ Op::Check { .. } => self.write_many(vec![op]).await,
        }
    }

    /// Every task write adjusts a shared status counter, so two writes to
    /// different tasks can collide on it: DynamoDB cancels one with
    /// `TransactionConflict` and no failed condition. That is retried a few
    /// times after a short, jittered pause; a failed condition never is.
    async fn write_many(&self, ops: Vec<Op>) -> Result<(), WriteError> {
        const ATTEMPTS: u32 = 4;
        for attempt in 1.. {
            match self.transact(ops.clone()).await {
                Err(Conflicted::Retry) if attempt < ATTEMPTS => {
                    let jitter = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.subsec_nanos() % 20_000);
                    let pause = 20_000 * (1 << attempt) + jitter;
                    tokio::time::sleep(std::time::Duration::from_micros(pause.into())).await;
                }
                Err(Conflicted::Retry) => return Err(WriteError::Condition(None)),
                Err(Conflicted::Done(e)) => return Err(e),
                Ok(()) => return Ok(()),
            }
        }
        unreachable!("the loop returns by its last attempt")
    }

    async fn transact(&self, ops: Vec<Op>) -> Result<(), Conflicted> {
        let items = ops
            .into_iter()
            .map(|op| self.transact_item(op))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| Conflicted::Done(e.into()))?;
        let res = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                    let reasons = c.cancellation_reasons();
                    let failed = reasons
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"));
                    let conflict = reasons
                        .iter()
                        .any(|r| r.code() == Some("TransactionConflict"));
                    if failed.is_none() && conflict {
                        return Err(Conflicted::Retry);
                    }
                    // Any other cancellation is, to the caller, a lost race
                    // like a stale version.
                    Err(Conflicted::Done(WriteError::Condition(failed)))
                }
                _ => Err(Conflicted::Done(WriteError::Store(sdk_err(e)))),
            },
        }
    }
}

enum Conflicted {
    Retry,
    Done(WriteError),
}

fn sk_expression(sk: &SkCond, values: &mut Attrs) -> String {
    match sk {
        SkCond::Any => String::new(),
        SkCond::BeginsWith(p) => {
            values.insert(":a".into(), s(p.clone()));
            " AND begins_with(#sk, :a)".into()
        }
        SkCond::Lt(v) => {
            values.insert(":a".into(), s(v.clone()));
            " AND #sk < :a".into()
        }
        SkCond::Between(a, b) => {
            values.insert(":a".into(), s(a.clone()));
            values.insert(":b".into(), s(b.clone()));
            " AND #sk BETWEEN :a AND :b".into()
        }
    }
}

fn start_key(index: Index, k: &Key) -> Attrs {
    let mut m = key_attrs(&k.pk, &k.sk);
    if let (Index::Gsi1 | Index::Gsi2 | Index::Gsi3, Some(p), Some(s_)) = (index, &k.ipk, &k.isk) {
        let (pa, sa) = index.key_attrs();
        m.insert(pa.into(), s(p.clone()));
        m.insert(sa.into(), s(s_.clone()));
    }
    m
}

fn key_from_attrs(index: Index, m: &Attrs) -> Option<Key> {
    let (pa, sa) = index.key_attrs();
    Some(Key {
        pk: get_s(m, "PK")?,
        sk: get_s(m, "SK")?,
        ipk: (index != Index::Table).then(|| get_s(m, pa)).flatten(),
        isk: (index != Index::Table).then(|| get_s(m, sa)).flatten(),
    })
}

#[async_trait]
impl Backend for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_err)?;
        out.item().map(item_from_attrs).transpose()
    }

    async fn get_many(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>> {
        debug_assert!(keys.len() <= crate::engine::GET_MANY_MAX);
        let mut out = Vec::with_capacity(keys.len());
        let mut pending = keys
            .iter()
            .map(|(pk, sk)| key_attrs(pk, sk))
            .collect::<Vec<_>>();
        // Eventually consistent like the index Queries that name these
        // keys (half the read units); unprocessed keys are resent.
        while !pending.is_empty() {
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .build()
                .map_err(build_err)?;
            let got = self
                .client
                .batch_get_item()
                .request_items(&self.table, wanted)
                .send()
                .await
                .map_err(sdk_err)?;
            if let Some(items) = got.responses().and_then(|r| r.get(&self.table)) {
                for attrs in items {
                    out.push(item_from_attrs(attrs)?);
                }
            }
            pending = got
                .unprocessed_keys()
                .and_then(|m| m.get(&self.table))
                .map(|k| k.keys().to_vec())
                .unwrap_or_default();
        }
        Ok(out)
    }

    async fn query(&self, q: Query) -> Result<(Vec<Item>, Option<Key>)> {
        let (pa, sa) = q.index.key_attrs();
        let mut values = HashMap::from([(":pk".to_owned(), s(q.pk.clone()))]);
        let expr = format!("#pk = :pk{}", sk_expression(&q.sk, &mut values));
        let mut names = HashMap::from([("#pk".to_owned(), pa.to_owned())]);
        if !matches!(q.sk, SkCond::Any) {
            names.insert("#sk".to_owned(), sa.to_owned());
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(q.index.name().map(str::to_owned))
            .key_condition_expression(expr)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(q.forward)
            .limit(i32::try_from(q.limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(q.start.as_ref().map(|k| start_key(q.index, k)))
            // Base-table reads follow writes (read-modify-write flows);
            // GSIs cannot be read consistently.
            .set_consistent_read((q.index == Index::Table).then_some(true))
            .send()
            .await
            .map_err(sdk_err)?;
        let items = out
            .items()
            .iter()
            .map(item_from_attrs)
            .collect::<Result<Vec<_>>>()?;
        let last = out
            .last_evaluated_key()
            .and_then(|m| key_from_attrs(q.index, m));
        Ok((items, last))
    }

    async fn write(&self, ops: Vec<Op>) -> Result<(), WriteError> {
        let mut ops = ops;
        if ops.len() == 1 {
            let op = ops.pop().expect("one op");
            self.write_one(op).await
        } else {
            self.write_many(ops).await
        }
    }

    async fn delete_many(&self, keys: Vec<(String, String)>) -> Result<()> {
        for chunk in keys.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|(pk, sk)| {
                    DeleteRequest::builder()
                        .set_key(Some(key_attrs(pk, sk)))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(build_err)
                })
                .collect::<Result<_>>()?;
            // BatchWriteItem may leave some requests unprocessed under
            // throttling; resend exactly those until none remain.
            while !pending.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(sdk_err)?;
                pending = out
                    .unprocessed_items()
                    .and_then(|m| m.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
            }
        }
        Ok(())
    }
}

engine::impl_store!(DynamoStore);
crate::credentials::impl_credentials!(DynamoStore);
