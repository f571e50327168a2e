//! Figure (d): latency of the two hot list queries on SQLite with 10,000
//! tasks, as p50/p99 over many first pages (the board column and "my
//! tasks"). Run with `cargo bench -p store --bench query_latency`.

use std::time::{Duration, Instant};

use domain::{NewTask, Priority, Status, TaskTitle, UserId};
use store::{Durability, PageRequest, SqliteStore, Store};

const TASKS: usize = 10_000;
const USERS: usize = 50;
const SAMPLES: usize = 2_000;
const PAGE: u32 = 50;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<32} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   (n={})",
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("tasklane-bench-{}", uuid::Uuid::now_v7()));
        let store = SqliteStore::open_with(dir.join("bench.db"), Durability::Normal)
            .await
            .unwrap();
        let users: Vec<UserId> = (0..USERS)
            .map(|_| UserId::from_uuid(uuid::Uuid::now_v7()))
            .collect();
        let mut rng = Lcg(42);
        let seed_start = Instant::now();
        for i in 0..TASKS {
            let mut assignees = vec![users[rng.next(USERS)]];
            if i % 3 == 0 {
                assignees.push(users[rng.next(USERS)]);
            }
            let due = (i % 4 != 0)
                .then(|| time::Date::from_ordinal_date(2030, 1 + rng.next(365) as u16).unwrap());
            let t = store
                .create_task(NewTask {
                    project: Default::default(),
                    checklist: Default::default(),
                    recurrence: None,
                    labels: Vec::new(),
                    status: domain::Status::Open,
                    title: TaskTitle::parse(&format!("Task {i}")).unwrap(),
                    description: None,
                    priority: Priority::ALL[rng.next(4)],
                    due,
                    assignees,
                    created_by: users[0],
                })
                .await
                .unwrap();
            let status = Status::ALL[rng.next(Status::ALL.len())];
            if status != Status::Open {
                store.change_status(&t, status, t.created_by).await.unwrap();
            }
        }
        println!(
            "seeded {TASKS} tasks, {USERS} users in {:.1} s",
            seed_start.elapsed().as_secs_f64()
        );

        // Warm up caches the way a running server would be.
        for s in Status::ALL {
            store
                .list_tasks_by_status(*s, PageRequest::first(PAGE))
                .await
                .unwrap();
        }
        let mut by_status = Vec::with_capacity(SAMPLES);
        let mut rows = 0;
        for _ in 0..SAMPLES {
            let s = Status::ALL[rng.next(Status::ALL.len())];
            let t0 = Instant::now();
            let page = store
                .list_tasks_by_status(s, PageRequest::first(PAGE))
                .await
                .unwrap();
            by_status.push(t0.elapsed());
            rows += page.items.len();
        }
        assert!(rows > 0);
        let mut by_user = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let u = users[rng.next(USERS)];
            let t0 = Instant::now();
            let page = store
                .list_tasks_for_user(u, PageRequest::first(PAGE))
                .await
                .unwrap();
            by_user.push(t0.elapsed());
            assert!(!page.items.is_empty());
        }
        // A deep page: cursors seek, so page 20 costs what page 1 does.
        let mut deep = Vec::with_capacity(200);
        let mut cursor = None;
        for _ in 0..200 {
            let req = match cursor.take() {
                Some(c) => PageRequest::after(PAGE, c),
                None => PageRequest::first(PAGE),
            };
            let t0 = Instant::now();
            let page = store.list_tasks_by_status(Status::Open, req).await.unwrap();
            deep.push(t0.elapsed());
            cursor = page.next;
        }
        println!("page size {PAGE}, {SAMPLES} samples each:");
        report("tasks by status (GSI1)", by_status);
        report("tasks assigned to user (GSI2)", by_user);
        report("tasks by status, following next", deep);
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    });
}
