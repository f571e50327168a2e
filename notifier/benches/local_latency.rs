//! Figure for issue 6: time from a local assignment to the email in the dev
//! mailbox, p50/p99 over 100 assignments.
//!
//! Set-up as in the server: a SQLite store on disk, the worker running as a
//! task and woken through its `Notify` right after the write (as the server
//! does after each commit), the dev mailbox writing one fsynced file per
//! message. The clock starts before `create_task` (so the assignment's own
//! commit is included) and stops when the mailbox write has returned — the
//! moment the message is durably there. Run with
//! `cargo bench -p notifier --bench local_latency`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::{DisplayName, Email, NewProfile, NewTask, Priority, Role, TaskTitle, UserId};
use notifier::local::{DevMailbox, MailError, Mailer, Worker, WorkerConfig};
use notifier::EmailMessage;
use store::{Durability, SqliteStore, Store};
use tokio::sync::mpsc;
use uuid::Uuid;

const ASSIGNMENTS: usize = 100;
const WARM_UP: usize = 5;

/// The dev mailbox, reporting each stored message to the bench.
struct Signalling {
    inner: DevMailbox,
    tx: mpsc::UnboundedSender<Instant>,
}

#[async_trait]
impl Mailer for Signalling {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError> {
        self.inner.send(to, msg).await?;
        let _ = self.tx.send(Instant::now());
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn run(durability: Durability) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open_with(dir.path().join("bench.db"), durability).await?);
    let mut ids = Vec::new();
    for (email, name, role) in [
        ("admin@example.com", "Ada Admin", Role::Admin),
        ("member@example.com", "Mo Member", Role::Member),
    ] {
        let p = store
            .create_profile(NewProfile {
                id: UserId::from_uuid(Uuid::now_v7()),
                email: Email::parse(email)?,
                display_name: DisplayName::parse(name)?,
                role,
            })
            .await?;
        ids.push(p.id);
    }
    let (admin, member) = (ids[0], ids[1]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mailbox = DevMailbox::open(dir.path()).await?;
    let mailer = Arc::new(Signalling {
        inner: mailbox.clone(),
        tx,
    });
    let worker = Worker::new(
        store.clone(),
        store.clone(),
        mailer,
        WorkerConfig::new("http://127.0.0.1:3000"),
    );
    let waker = worker.waker();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run(async {
        let _ = stop_rx.await;
    }));

    let mut total = Vec::with_capacity(ASSIGNMENTS);
    let mut commit = Vec::with_capacity(ASSIGNMENTS);
    for i in 0..WARM_UP + ASSIGNMENTS {
        let t0 = Instant::now();
        store
            .create_task(NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::Open,
                title: TaskTitle::parse(&format!("Latency task {i}"))?,
                description: None,
                priority: Priority::Medium,
                due: None,
                assignees: vec![member],
                created_by: admin,
            })
            .await?;
        let committed = Instant::now();
        waker.notify_one();
        let delivered = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await?
            .ok_or("mailer dropped")?;
        if i >= WARM_UP {
            total.push(delivered - t0);
            commit.push(committed - t0);
        }
    }
    let _ = stop_tx.send(());
    handle.await?;
    let stored = mailbox.list(usize::MAX).await?.len();
    if stored != WARM_UP + ASSIGNMENTS {
        return Err(format!(
            "expected {} messages, found {stored}",
            WARM_UP + ASSIGNMENTS
        )
        .into());
    }
    total.sort();
    commit.sort();
    println!(
        "local assignment -> dev mailbox ({durability:?} durability, n={ASSIGNMENTS}): \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (of which the assignment commit: p50 {:.2} ms, p99 {:.2} ms)",
        percentile(&total, 0.50),
        percentile(&total, 0.99),
        percentile(&total, 1.0),
        percentile(&commit, 0.50),
        percentile(&commit, 0.99),
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo test --benches` runs bench targets with `--test`-like flags;
    // the figure is only worth printing from `cargo bench`.
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    // What the server runs by default (fsync per commit), then the relaxed
    // mode used by temp stores.
    run(Durability::Full).await?;
    run(Durability::Normal).await?;
    Ok(())
}
