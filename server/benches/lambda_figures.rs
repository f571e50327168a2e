//! Figures for DESIGN.md "Performance targets" (API Lambda): cold start
//! (process start to the first response, under the Runtime API emulator),
//! warm latency p50/p99, peak RSS, for `lambda-api` and for a bare
//! `lambda_http` hello world built the same way. Prints a table; asserts
//! nothing about time (the machine is shared), only that every response
//! was a 200.
//!
//! Run: `scripts/with-moto.sh cargo bench -p server --bench lambda_figures`
//! (the API needs DynamoDB and Cognito on moto). Zip sizes come from
//! `scripts/package-lambdas.sh`, which builds the arm64 packages.

#[path = "../tests/support/emulator.rs"]
mod emulator;

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use emulator::{http_event, lambda_env, peak_rss_kib, Emulator, Outcome};
use serde_json::{json, Value};

const COLD_RUNS: usize = 10;
const WARM_REQUESTS: usize = 300;

struct Figures {
    name: &'static str,
    cold: Vec<Duration>,
    warm: Vec<Duration>,
    rss_kib: u64,
    size: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn status(outcome: Outcome) -> (i64, Instant) {
    match outcome {
        Outcome::Response { body, at } => (body["statusCode"].as_i64().unwrap_or(0), at),
        other => panic!("expected a response, got {other:?}"),
    }
}

async fn measure(
    name: &'static str,
    exe: &str,
    env: &[(String, String)],
    event: &Value,
) -> Figures {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut rss_kib = 0;
    for run in 0..COLD_RUNS {
        let emu = Emulator::start().await;
        // Queued before the process exists: the first poll gets it at once,
        // so the time measured is start-up plus one request.
        let first = emu.enqueue(event.clone());
        let started = Instant::now();
        let mut child = Command::new(exe)
            .env_clear()
            .envs(lambda_env(&emu, name))
            .envs(env.iter().cloned())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn");
        let (code, at) = status(first.outcome().await);
        assert_eq!(code, 200, "{name}: first response");
        cold.push(at - started);
        if run == 0 {
            for _ in 0..WARM_REQUESTS {
                let t = Instant::now();
                let (code, _) = status(emu.invoke(event.clone()).await);
                assert_eq!(code, 200, "{name}: warm response");
                warm.push(t.elapsed());
            }
            rss_kib = peak_rss_kib(child.id()).expect("VmHWM in /proc/<pid>/status");
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    cold.sort();
    warm.sort();
    let size = std::fs::metadata(exe).map(|m| m.len()).unwrap_or(0);
    Figures {
        name,
        cold,
        warm,
        rss_kib,
        size,
    }
}

async fn cognito(endpoint: &str, op: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .expect("moto reachable");
    assert!(res.status().is_success(), "{op}");
    res.json().await.expect("json")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let moto = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("run through scripts/with-moto.sh: the API Lambda needs moto");
    let suffix = std::process::id();
    let table = format!("tasklane-bench-{suffix}");
    store::DynamoStore::new(store::DynamoStore::local_client(&moto, None), &table)
        .create_table()
        .await
        .expect("table");
    let pool = cognito(
        &moto,
        "CreateUserPool",
        json!({ "PoolName": format!("bench-{suffix}") }),
    )
    .await;
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = cognito(
        &moto,
        "CreateUserPoolClient",
        json!({ "UserPoolId": pool_id, "ClientName": "web" }),
    )
    .await;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = std::env::temp_dir().join(format!("tasklane-bench-site-{suffix}"));
    std::fs::create_dir_all(site.join("pkg")).unwrap();

    let api_env: Vec<(String, String)> = [
        ("TASKLANE_TABLE", table.clone()),
        ("TASKLANE_COGNITO_USER_POOL_ID", pool_id.clone()),
        ("TASKLANE_COGNITO_CLIENT_ID", client_id),
        (
            "TASKLANE_PUBLIC_URL",
            "https://d111111abcdef8.cloudfront.net".into(),
        ),
        ("TASKLANE_ORIGIN_SECRET", emulator::ORIGIN_SECRET.into()),
        ("TASKLANE_INVITE_KEY", emulator::INVITE_KEY.into()),
        // Required; the figures' requests never export.
        ("TASKLANE_EXPORT_BUCKET", "tasklane-bench-exports".into()),
        (
            "TASKLANE_JWKS_URL",
            format!("{moto}/{pool_id}/.well-known/jwks.json"),
        ),
        ("LEPTOS_SITE_ROOT", site.to_string_lossy().into_owned()),
        ("LEPTOS_HASH_FILES", "false".into()),
        ("RUST_LOG", "warn".into()),
        ("AWS_ENDPOINT_URL", moto.clone()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    // The home page: SSR with a resolved server-function Suspense.
    let page = http_event("GET", "/", "$default").build();
    let api = measure(
        "lambda-api",
        env!("CARGO_BIN_EXE_lambda-api"),
        &api_env,
        &page,
    )
    .await;
    let hello = measure(
        "hello-lambda",
        env!("CARGO_BIN_EXE_hello-lambda"),
        &[],
        &http_event("GET", "/", "$default").build(),
    )
    .await;
    let _ = std::fs::remove_dir_all(&site);

    let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1e3);
    println!();
    println!(
        "API Lambda figures (host build, release profile; {COLD_RUNS} cold starts, {WARM_REQUESTS} warm requests; GET / for lambda-api)"
    );
    println!(
        "| binary | cold start p50 ms | cold start min..max ms | warm p50 ms | warm p99 ms | peak RSS MiB | binary MiB |"
    );
    println!("|---|---|---|---|---|---|---|");
    for f in [&api, &hello] {
        println!(
            "| {} | {} | {}..{} | {} | {} | {:.1} | {:.1} |",
            f.name,
            ms(percentile(&f.cold, 0.5)),
            ms(f.cold[0]),
            ms(f.cold[f.cold.len() - 1]),
            ms(percentile(&f.warm, 0.5)),
            ms(percentile(&f.warm, 0.99)),
            f.rss_kib as f64 / 1024.0,
            f.size as f64 / (1024.0 * 1024.0),
        );
    }
    println!("targets (DESIGN.md): cold start <= 20 ms, peak RSS <= 25 MB, zip <= 5 MB (zips: scripts/package-lambdas.sh)");
}
