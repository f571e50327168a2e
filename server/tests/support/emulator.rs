//! A Lambda Runtime API on loopback, enough to run a real Lambda binary as
//! Lambda does: the binary polls `GET /2018-06-01/runtime/invocation/next`,
//! answers on `.../invocation/<id>/response` or `.../error`, and reports a
//! failed start on `/2018-06-01/runtime/init/error`.
//!
//! Shared by the integration test (tests/lambda_api.rs) and the figures
//! benchmark (benches/lambda_figures.rs), so the figures come from the same
//! path the tests prove correct. Events are queued before or after the
//! process starts; `invoke` waits for the matching result, and gives up
//! after a deadline so a hung binary fails the test instead of hanging it.
#![allow(dead_code)] // each user needs a different subset

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde_json::Value;
use tokio::sync::{oneshot, Notify};

/// How an invocation ended, as the runtime reported it.
#[derive(Debug)]
pub enum Outcome {
    /// `POST .../response`: the function's result.
    Response { body: Value, at: Instant },
    /// `POST .../error`: a handler error, with its error type header.
    Error {
        body: Value,
        error_type: Option<String>,
    },
    /// `POST /init/error`: the function could not start.
    InitError {
        body: Value,
        error_type: Option<String>,
    },
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<(String, Value)>,
    waiting: HashMap<String, oneshot::Sender<Outcome>>,
    init_error: Option<(Value, Option<String>)>,
    next_id: u64,
    polls: u64,
}

#[derive(Clone, Default)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    queued: Arc<Notify>,
    init_failed: Arc<Notify>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The emulator; dropping it stops the server task.
pub struct Emulator {
    addr: SocketAddr,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A queued invocation whose result has not been awaited yet.
pub struct Pending {
    id: String,
    rx: oneshot::Receiver<Outcome>,
    shared: Shared,
}

/// The longest any single invocation may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

impl Emulator {
    pub async fn start() -> Emulator {
        let shared = Shared::default();
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API on loopback");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("runtime API server");
        });
        Emulator {
            addr,
            shared,
            server,
        }
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API` for the function process.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// Queues `event`; the function receives it on its next poll.
    pub fn enqueue(&self, event: Value) -> Pending {
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut inner = self.shared.lock();
            inner.next_id += 1;
            let id = format!("req-{:06}", inner.next_id);
            inner.waiting.insert(id.clone(), tx);
            inner.queue.push_back((id.clone(), event));
            id
        };
        self.shared.queued.notify_one();
        Pending {
            id,
            rx,
            shared: self.shared.clone(),
        }
    }

    /// Queues `event` and waits for its outcome.
    pub async fn invoke(&self, event: Value) -> Outcome {
        self.enqueue(event).outcome().await
    }

    /// Waits for the function to report a failed start.
    pub async fn init_error(&self) -> Outcome {
        let wait = async {
            loop {
                let notified = self.shared.init_failed.notified();
                if let Some((body, error_type)) = self.shared.lock().init_error.clone() {
                    return Outcome::InitError { body, error_type };
                }
                notified.await;
            }
        };
        tokio::time::timeout(DEADLINE, wait)
            .await
            .expect("no /init/error within the deadline")
    }

    /// How many times the function asked for the next event.
    pub fn polls(&self) -> u64 {
        self.shared.lock().polls
    }
}

impl Pending {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub async fn outcome(self) -> Outcome {
        let shared = self.shared.clone();
        let id = self.id.clone();
        let wait = async move {
            let init_failed = shared.init_failed.notified();
            tokio::pin!(init_failed);
            if let Some((body, error_type)) = shared.lock().init_error.clone() {
                return Outcome::InitError { body, error_type };
            }
            tokio::select! {
                res = self.rx => res.expect("the emulator dropped an invocation"),
                _ = &mut init_failed => {
                    let (body, error_type) = shared.lock().init_error.clone().expect("init error");
                    Outcome::InitError { body, error_type }
                }
            }
        };
        tokio::time::timeout(DEADLINE, wait)
            .await
            .unwrap_or_else(|_| panic!("invocation {id} got no result within {DEADLINE:?}"))
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    shared.lock().polls += 1;
    loop {
        let notified = shared.queued.notified();
        if let Some((id, event)) = shared.lock().queue.pop_front() {
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock after 1970")
                + DEADLINE;
            let mut headers = HeaderMap::new();
            let h = |v: &str| HeaderValue::from_str(v).expect("header value");
            headers.insert("lambda-runtime-aws-request-id", h(&id));
            headers.insert(
                "lambda-runtime-deadline-ms",
                h(&deadline.as_millis().to_string()),
            );
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                h("arn:aws:lambda:us-east-1:000000000000:function:emulated"),
            );
            headers.insert(
                "lambda-runtime-trace-id",
                h("Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"),
            );
            headers.insert("content-type", h("application/json"));
            return (StatusCode::OK, headers, event.to_string()).into_response();
        }
        notified.await;
    }
}

fn json_body(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn error_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match shared.lock().waiting.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let at = Instant::now();
    finish(
        &shared,
        &id,
        Outcome::Response {
            body: json_body(&body),
            at,
        },
    )
}

async fn error(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    finish(
        &shared,
        &id,
        Outcome::Error {
            body: json_body(&body),
            error_type: error_type(&headers),
        },
    )
}

async fn init_error(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    shared.lock().init_error = Some((json_body(&body), error_type(&headers)));
    shared.init_failed.notify_waiters();
    StatusCode::ACCEPTED
}

/// An API Gateway HTTP API (payload format 2.0) event, as the `$default`
/// route sends it to the integration.
/// What the deployed CloudFront sends the API in `x-tasklane-origin-secret`
/// (the function's `TASKLANE_ORIGIN_SECRET`).
pub const ORIGIN_SECRET: &str = "emulated-origin-secret-0123456789abcdef";

/// The emulated function's `TASKLANE_INVITE_KEY`.
pub const INVITE_KEY: &str = "emulated-invite-key-0123456789abcdef0123456789";

/// An event as API Gateway delivers it for a request CloudFront forwarded:
/// with the origin secret and the viewer's address.
pub fn http_event(method: &str, raw_path: &str, stage: &str) -> HttpEvent {
    HttpEvent {
        method: method.to_owned(),
        raw_path: raw_path.to_owned(),
        stage: stage.to_owned(),
        query: String::new(),
        headers: vec![
            (
                "host".into(),
                "abc123.execute-api.us-east-1.amazonaws.com".into(),
            ),
            ("user-agent".into(), "emulator".into()),
            ("x-forwarded-for".into(), "203.0.113.7".into()),
            ("x-forwarded-proto".into(), "https".into()),
            ("x-tasklane-origin-secret".into(), ORIGIN_SECRET.into()),
            (
                "cloudfront-viewer-address".into(),
                "198.51.100.20:51000".into(),
            ),
        ],
        cookies: Vec::new(),
        body: None,
    }
}

/// Builder for [`http_event`].
pub struct HttpEvent {
    method: String,
    raw_path: String,
    stage: String,
    query: String,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Option<String>,
}

impl HttpEvent {
    /// Sets a header, replacing one of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value.to_owned()));
        self
    }
    pub fn without_header(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(k, _)| *k != name);
        self
    }
    /// API Gateway v2 moves the request's cookies out of the headers into
    /// this list.
    pub fn cookie(mut self, pair: &str) -> Self {
        self.cookies.push(pair.to_owned());
        self
    }
    pub fn query(mut self, raw: &str) -> Self {
        self.query = raw.to_owned();
        self
    }
    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }
    pub fn build(self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let route_key = "$default";
        let mut event = serde_json::json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": self.raw_path,
            "rawQueryString": self.query,
            "headers": headers,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "abc123",
                "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "abc123",
                "http": {
                    "method": self.method,
                    "path": self.raw_path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.7",
                    "userAgent": "emulator"
                },
                "requestId": "emulated",
                "routeKey": route_key,
                "stage": self.stage,
                "time": "01/Jan/2026:00:00:00 +0000",
                "timeEpoch": 1767225600000u64
            },
            "isBase64Encoded": false
        });
        if !self.cookies.is_empty() {
            event["cookies"] = Value::from(self.cookies);
        }
        if let Some(body) = self.body {
            event["body"] = Value::String(body);
        }
        event
    }
}

/// The environment Lambda gives every function process.
pub fn lambda_env(emulator: &Emulator, name: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "emulated".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Peak resident set size of a live process, from `VmHWM` in
/// `/proc/<pid>/status`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
