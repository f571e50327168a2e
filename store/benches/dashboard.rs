//! The dashboard's one read on SQLite at 2,000, 10,000 and 100,000 tasks
//! seeded through the store: the task counters (with the projects and the
//! directory's version), as p50/p99, and how many counters that is; 40
//! open tasks are due by the end of "due soon" and are found among the
//! per-day counters, the rest is later, undated or done. What the figure
//! should show: flat in the number of tasks (the counters follow people and
//! distinct due dates). Run with `cargo bench -p store --bench dashboard`.

use std::time::{Duration, Instant};

use domain::{NewProfile, NewTask, Priority, Role, Status, TaskTitle, UserId};
use store::{Durability, SqliteStore, Store};

const SIZES: [usize; 3] = [2_000, 10_000, 100_000];
const USERS: usize = 50;
const URGENT: usize = 40;
const SAMPLES: usize = 1_000;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("tasklane-dash-{}", uuid::Uuid::now_v7()));
        let store = SqliteStore::open_with(dir.join("bench.db"), Durability::Normal)
            .await
            .unwrap();
        let mut users: Vec<UserId> = Vec::new();
        for i in 0..USERS {
            let p = store
                .create_profile(NewProfile {
                    id: UserId::from_uuid(uuid::Uuid::now_v7()),
                    email: domain::Email::parse(&format!("p{i}@example.com")).unwrap(),
                    display_name: domain::DisplayName::parse(&format!("Person {i}")).unwrap(),
                    role: Role::Member,
                })
                .await
                .unwrap();
            users.push(p.id);
        }
        let today = time::OffsetDateTime::now_utc().date();
        let through = domain::agenda::due_soon_through(today);
        let mut rng = Lcg(7);
        let mut seeded = 0;
        println!("| tasks | counters p50 | counters p99 | counters read |");
        println!("|---|---|---|---|");
        for size in SIZES {
            while seeded < size {
                let urgent = seeded < URGENT;
                let status = if urgent {
                    Status::Open
                } else {
                    Status::ALL[rng.next(Status::ALL.len())]
                };
                let due = if urgent {
                    Some(today + time::Duration::days(rng.next(14) as i64 - 7))
                } else if status.is_open() {
                    (seeded % 4 != 0)
                        .then(|| today + time::Duration::days(30 + rng.next(300) as i64))
                } else {
                    Some(today - time::Duration::days(rng.next(300) as i64))
                };
                let mut assignees = vec![users[rng.next(USERS)]];
                if seeded % 3 == 0 {
                    assignees.push(users[rng.next(USERS)]);
                }
                if seeded % 5 == 0 {
                    assignees.clear();
                }
                store
                    .create_task(NewTask {
                        project: Default::default(),
                        checklist: Default::default(),
                        recurrence: None,
                        labels: Vec::new(),
                        status,
                        title: TaskTitle::parse(&format!("Task {seeded}")).unwrap(),
                        description: None,
                        priority: Priority::ALL[rng.next(4)],
                        due,
                        assignees,
                        created_by: users[0],
                    })
                    .await
                    .unwrap();
                seeded += 1;
            }
            let mut took = Vec::new();
            let mut counters = 0;
            for _ in 0..SAMPLES {
                let t0 = Instant::now();
                let o = store.overview().await.unwrap();
                took.push(t0.elapsed());
                let c = &o.counters;
                assert_eq!(c.open_due(None, ..=through) as usize, URGENT);
                let total: u32 = Status::ALL.iter().map(|s| c.status(*s)).sum();
                assert_eq!(total as usize, size);
                counters = c.len();
            }
            took.sort();
            let p = |q: f64| ms(took[((took.len() - 1) as f64 * q).round() as usize]);
            println!(
                "| {size} | {:.3} ms | {:.3} ms | {counters} |",
                p(0.5),
                p(0.99)
            );
        }
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    });
}
