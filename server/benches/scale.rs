//! How the pages hold up as the data grows (issue #16, item 6): the release
//! server on loopback with 2,000 people and 2,000, 10,000 and 100,000 tasks
//! seeded through the store, then for the board, a member's tasks, a board
//! search, the dashboard and a task page (its assignee picker once listed
//! the whole team): requests a second, p50 and p99 at one and at
//! 16 connections, each against `/healthz` in the same run, the server's
//! memory, a 16-connection soak of the board, and the DynamoDB requests
//! each page makes on moto.
//!
//! Why a separate process for the local figures: the memory asked about
//! is the server's, and a load generator or a seeding connection in the
//! same process would be counted with it.
//!
//! Figures are printed, not asserted; the run fails only when it cannot
//! measure (a page answered an error, the server would not start).
//!
//! Run: `scripts/scale-bench.sh`. `TASKLANE_SCALE_TASKS` (comma-separated,
//! default `2000,10000,100000`) and `TASKLANE_SCALE_SOAK_SECS` (default 60)
//! narrow a run.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{
    DisplayName, Email, NewProfile, NewTask, Priority, Role, Status, TaskId, TaskTitle, UserId,
};
use store::{DynamoStore, RequestCounter, SqliteStore, Store};

/// People in the team (`TASKLANE_SCALE_PEOPLE`, default 2,000).
fn people_count() -> usize {
    std::env::var("TASKLANE_SCALE_PEOPLE")
        .map(|s| s.parse().expect("TASKLANE_SCALE_PEOPLE: a count"))
        .unwrap_or(2_000)
}
const ONE_CONN_REQUESTS: usize = 300;
const MANY_CONNS: usize = 16;
const PER_CONN_REQUESTS: usize = 100;
/// The longest one measuring phase runs.
const PHASE_LIMIT: Duration = Duration::from_secs(20);
/// The searched word: a prefix of one title word in 12 ("invoices").
const SEARCH: &str = "invo";

const ADMIN: (&str, &str, &str) = ("ada@example.com", "Ada Admin", "Correct-Horse-9");
const MEMBER: (&str, &str, &str) = ("mo@example.com", "Mo Member", "Member-Pass-42");

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let scales: Vec<usize> = std::env::var("TASKLANE_SCALE_TASKS")
        .unwrap_or_else(|_| "2000,10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("TASKLANE_SCALE_TASKS: task counts"))
        .collect();
    let soak = Duration::from_secs(
        std::env::var("TASKLANE_SCALE_SOAK_SECS")
            .map(|s| s.parse().expect("TASKLANE_SCALE_SOAK_SECS: seconds"))
            .unwrap_or(60),
    );
    println!(
        "# Scale benchmark: {} people; tasks {scales:?}",
        people_count()
    );
    println!(
        "one connection: {ONE_CONN_REQUESTS} requests; {MANY_CONNS} connections: \
         {PER_CONN_REQUESTS} requests each (each phase stops after {} s); after 20 \
         warm-up requests; bytes: one response, uncompressed",
        PHASE_LIMIT.as_secs()
    );
    for tasks in scales {
        local_scale(tasks, soak).await;
    }
    dynamo_requests().await;
}

/// The measured pages, as the admin and the member call them; `task` is
/// the one the task page shows (its assignee picker grew with the team).
fn pages(admin_jar: &str, member_jar: &str, task: TaskId) -> Vec<Route> {
    let route = |name, path, jar: &str, form: Vec<(&'static str, String)>| Route {
        name,
        path,
        jar: Some(jar.to_owned()),
        form,
    };
    vec![
        route("board (admin)", "/api/tasks/board", admin_jar, Vec::new()),
        route(
            "my tasks (member)",
            "/api/tasks/mine",
            member_jar,
            Vec::new(),
        ),
        route(
            "search (admin board, q=invo)",
            "/api/tasks/board",
            admin_jar,
            vec![("query[q]", SEARCH.to_owned())],
        ),
        route("dashboard (admin)", "/api/dashboard", admin_jar, Vec::new()),
        route(
            "task page (admin)",
            "/api/tasks/get",
            admin_jar,
            vec![("id", task.to_string())],
        ),
    ]
}

/// One route as a browser calls it.
#[derive(Clone)]
struct Route {
    name: &'static str,
    path: &'static str,
    jar: Option<String>,
    form: Vec<(&'static str, String)>,
}

impl Route {
    fn request(&self, client: &reqwest::Client, base: &str) -> reqwest::RequestBuilder {
        let url = format!("{base}{}", self.path);
        let mut req = if self.path == "/healthz" {
            client.get(url)
        } else {
            client
                .post(url)
                .header("accept", "application/json")
                .form(&self.form)
        };
        if let Some(jar) = &self.jar {
            req = req.header("cookie", jar);
        }
        req
    }
}

struct Figures {
    requests: usize,
    bytes: usize,
    rps: f64,
    p50: Duration,
    p99: Duration,
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// `conns` connections each sending up to `each` requests back to back,
/// for at most [`PHASE_LIMIT`], so a slow page at 100,000 tasks still
/// measures in bounded time.
async fn load(
    client: &reqwest::Client,
    base: &str,
    route: &Route,
    conns: usize,
    each: usize,
) -> Figures {
    let started = Instant::now();
    let workers = (0..conns).map(|_| {
        let (client, base, route) = (client.clone(), base.to_owned(), route.clone());
        tokio::spawn(async move {
            let mut took = Vec::with_capacity(each);
            let mut bytes = 0;
            while took.len() < each && started.elapsed() < PHASE_LIMIT {
                let t = Instant::now();
                let res = route.request(&client, &base).send().await.expect("request");
                let status = res.status();
                let body = res.bytes().await.expect("body");
                assert!(
                    status.is_success(),
                    "{}: {status} {}",
                    route.name,
                    String::from_utf8_lossy(&body)
                );
                took.push(t.elapsed());
                bytes = body.len();
            }
            (took, bytes)
        })
    });
    let mut all: Vec<Duration> = Vec::new();
    let mut bytes = 0;
    for w in futures::future::join_all(workers).await {
        let (took, b) = w.expect("worker");
        all.extend(took);
        bytes = b;
    }
    let wall = started.elapsed();
    all.sort();
    Figures {
        requests: all.len(),
        bytes,
        rps: all.len() as f64 / wall.as_secs_f64(),
        p50: all[all.len() / 2],
        p99: all[all.len() * 99 / 100],
    }
}

/// The release server (`TASKLANE_BIN`) on a fresh data directory.
struct Server {
    child: Child,
    base: String,
    data: std::path::PathBuf,
}

impl Server {
    fn start() -> Server {
        let bin = std::env::var("TASKLANE_BIN").expect("TASKLANE_BIN: the release server binary");
        let data = std::env::temp_dir().join(format!("tasklane-scale-{}", uuid::Uuid::now_v7()));
        let mut child = Command::new(bin)
            .env("TASKLANE_ADDR", "127.0.0.1:0")
            .env("TASKLANE_DATA_DIR", &data)
            .env("TASKLANE_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn,tasklane=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the server exited before listening")
                .expect("server output");
            let Ok(rec) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if rec["fields"]["message"] == "listening" {
                break rec["fields"]["addr"].as_str().expect("addr").to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            base: format!("http://{addr}"),
            data,
        }
    }

    /// Resident and peak memory, from /proc, in MiB.
    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc status");
        let kib = |key: &str| -> f64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .expect("a memory figure")
        };
        (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Signs up through the pages' functions, confirms from the dev mailbox and
/// signs in; returns the cookie header.
async fn account(
    client: &reqwest::Client,
    base: &str,
    (email, name, password): (&str, &str, &str),
) {
    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let post = |path: &str, pairs: Vec<(String, String)>| {
        client
            .post(format!("{base}{path}"))
            .header("accept", "application/json")
            .form(&pairs)
            .send()
    };
    let up = post(
        "/api/auth/sign_up",
        form(&[
            ("email", email),
            ("display_name", name),
            ("password", password),
        ]),
    )
    .await
    .expect("sign up");
    assert!(up.status().is_success(), "sign up: {}", up.status());
    let mail: serde_json::Value = client
        .get(format!("{base}/dev/mailbox.json"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("dev mailbox")
        .json()
        .await
        .expect("mailbox json");
    let text = mail
        .as_array()
        .and_then(|all| all.iter().rev().find(|m| m["to"] == email))
        .and_then(|m| m["text"].as_str())
        .expect("a confirmation mail");
    let code: String = text
        .split("confirm your email address: ")
        .nth(1)
        .expect("a code")
        .chars()
        .take(6)
        .collect();
    let ok = post(
        "/api/auth/confirm",
        form(&[("email", email), ("code", &code)]),
    )
    .await
    .expect("confirm");
    assert!(ok.status().is_success(), "confirm: {}", ok.status());
}

async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    (email, _, password): (&str, &str, &str),
) -> String {
    let res = client
        .post(format!("{base}/api/auth/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign in");
    let jar = support::cookie_jar(&res);
    assert!(jar.contains("tl_access="), "sign in: {}", res.status());
    jar
}

fn person(i: usize) -> NewProfile {
    NewProfile {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        email: Email::parse(&format!("p{i:05}@example.com")).expect("email"),
        display_name: DisplayName::parse(&format!("Person {i}")).expect("name"),
        role: Role::Member,
    }
}

const VERBS: [&str; 5] = ["Fix", "Write", "Review", "Plan", "Ship"];
const NOUNS: [&str; 12] = [
    "login flow",
    "release notes",
    "billing page",
    "onboarding",
    "search index",
    "audit log",
    "mobile menu",
    "export",
    "reminders",
    "dashboard",
    "team page",
    "invoices",
];

/// Task `i` of the seed: every status, priority and assignee spread evenly;
/// one title in 12 has "invoices"; the member has one task in 40.
fn seed_task(i: usize, people: &[UserId], member: UserId, admin: UserId) -> NewTask {
    let today = time::OffsetDateTime::now_utc().date();
    let mut assignees = vec![people[i % people.len()]];
    if i.is_multiple_of(40) {
        assignees.push(member);
    }
    NewTask {
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: Status::ALL[i % Status::ALL.len()],
        title: TaskTitle::parse(&format!(
            "{} the {} #{i}",
            VERBS[i % VERBS.len()],
            NOUNS[(i / 5) % NOUNS.len()]
        ))
        .expect("title"),
        description: None,
        priority: [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Urgent,
        ][i % 4],
        due: (!i.is_multiple_of(3)).then(|| today + time::Duration::days((i % 40) as i64 - 10)),
        assignees,
        created_by: admin,
    }
}

async fn local_scale(tasks: usize, soak: Duration) {
    let server = Server::start();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(MANY_CONNS)
        .build()
        .expect("client");
    let base = server.base.clone();
    account(&client, &base, ADMIN).await;
    account(&client, &base, MEMBER).await;

    let seeding = Instant::now();
    let store = SqliteStore::open_with(server.data.join("tasklane.db"), store::Durability::Normal)
        .await
        .expect("the server's database");
    let admin = store
        .profile_by_email(&Email::parse(ADMIN.0).unwrap())
        .await
        .expect("admin")
        .id;
    let member = store
        .profile_by_email(&Email::parse(MEMBER.0).unwrap())
        .await
        .expect("member")
        .id;
    let mut people = vec![admin, member];
    for i in 2..people_count() {
        people.push(store.create_profile(person(i)).await.expect("profile").id);
    }
    let mut last = None;
    for i in 0..tasks {
        let task = store
            .create_task(seed_task(i, &people, member, admin))
            .await
            .expect("task");
        last = Some(task.id);
    }
    drop(store);
    println!(
        "\n## {tasks} tasks, {} people (seeded through the store in {:.1} s)",
        people_count(),
        seeding.elapsed().as_secs_f64()
    );

    let (admin_jar, member_jar) = (
        sign_in(&client, &base, ADMIN).await,
        sign_in(&client, &base, MEMBER).await,
    );
    let health = Route {
        name: "/healthz",
        path: "/healthz",
        jar: None,
        form: Vec::new(),
    };
    let routes: Vec<Route> = std::iter::once(health)
        .chain(pages(&admin_jar, &member_jar, last.expect("a task")))
        .collect();
    println!(
        "| route | bytes | 1 conn: requests | req/s | p50 ms | p99 ms | ×healthz p50 \
         | {MANY_CONNS} conns: requests | req/s | p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut health_p50 = None;
    for r in &routes {
        load(&client, &base, r, 1, 20).await;
        let one = load(&client, &base, r, 1, ONE_CONN_REQUESTS).await;
        let many = load(&client, &base, r, MANY_CONNS, PER_CONN_REQUESTS).await;
        let base_p50 = *health_p50.get_or_insert(one.p50);
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {:.1} | {} | {:.0} | {} | {} |",
            r.name,
            one.bytes,
            one.requests,
            one.rps,
            ms(one.p50),
            ms(one.p99),
            one.p50.as_secs_f64() / base_p50.as_secs_f64(),
            many.requests,
            many.rps,
            ms(many.p50),
            ms(many.p99),
        );
    }
    let (rss, peak) = server.memory();
    println!("server memory after these runs: {rss:.1} MiB resident, {peak:.1} MiB peak");
    if tasks == 10_000 {
        let board = &routes[1];
        let started = Instant::now();
        let mut sent = 0;
        while started.elapsed() < soak {
            load(&client, &base, board, MANY_CONNS, 20).await;
            sent += MANY_CONNS * 20;
        }
        let (rss, peak) = server.memory();
        println!(
            "board soak: {MANY_CONNS} connections for {:.0} s, {sent} requests, 0 errors \
             ({:.0} req/s); server memory after: {rss:.1} MiB resident, {peak:.1} MiB peak",
            started.elapsed().as_secs_f64(),
            sent as f64 / started.elapsed().as_secs_f64()
        );
    }
}

/// The DynamoDB requests each page makes, counted at the SDK, with the
/// real router on a moto table holding 2,000 people and 2,000 tasks.
async fn dynamo_requests() {
    let endpoint = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("TASKLANE_MOTO_ENDPOINT: run through scripts/with-moto.sh");
    let counter = RequestCounter::new();
    let dynamo = Arc::new(DynamoStore::new(
        DynamoStore::local_client(&endpoint, Some(counter.clone())),
        format!("tasklane-scale-{}", uuid::Uuid::now_v7()),
    ));
    dynamo.create_table().await.expect("table");
    let app = support::TestApp::spawn_on(Some(dynamo.clone())).await;
    let mut jars = Vec::new();
    let mut people = Vec::new();
    for who in [ADMIN, MEMBER] {
        let (jar, id) = app.person_on(dynamo.as_ref(), who.0, who.1, who.2).await;
        people.push(id);
        jars.push(jar);
    }
    let (admin, member) = (people[0], people[1]);
    let seeding = Instant::now();
    for i in 2..people_count() {
        people.push(dynamo.create_profile(person(i)).await.expect("profile").id);
    }
    let mut last = None;
    for i in 0..people_count() {
        let task = dynamo
            .create_task(seed_task(i, &people, member, admin))
            .await
            .expect("task");
        last = Some(task.id);
    }
    println!(
        "\n## DynamoDB requests per page (moto, {n} people, {n} tasks, seeded in {:.0} s)",
        seeding.elapsed().as_secs_f64(),
        n = people_count()
    );
    println!("| page | requests, first view | requests, warm |\n|---|---|---|");
    let base = app.url("");
    for page in pages(&jars[0], &jars[1], last.expect("a task")) {
        let mut counts = Vec::new();
        for _ in 0..2 {
            counter.take();
            let res = page.request(&app.client, &base).send().await.expect("page");
            assert!(res.status().is_success(), "{}: {}", page.name, res.status());
            let mut sent = counter.take();
            sent.sort();
            counts.push(sent);
        }
        let show = |v: &Vec<String>| format!("{} ({})", v.len(), v.join(" + "));
        println!(
            "| {} | {} | {} |",
            page.name,
            show(&counts[0]),
            show(&counts[1])
        );
    }
}
