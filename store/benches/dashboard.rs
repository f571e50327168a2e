//! The dashboard's reads on SQLite at 2,000, 10,000 and 100,000 tasks
//! seeded through the store: the people with the task counters, and the
//! open tasks due by the end of "due soon" (a fixed 40 here; the rest is
//! later, undated or done), as p50/p99. What the figure should show: flat
//! in the number of tasks. Run with `cargo bench -p store --bench dashboard`.

use std::time::{Duration, Instant};

use domain::{NewProfile, NewTask, Priority, Role, Status, TaskTitle, UserId};
use store::{Durability, PageRequest, SqliteStore, Store};

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
        let end = domain::agenda::due_soon_through(today).next_day().unwrap();
        let mut rng = Lcg(7);
        let mut seeded = 0;
        println!("| tasks | people+counters p50 | urgent tasks p50 | both p50 | both p99 |");
        println!("|---|---|---|---|---|");
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
            let (mut counted, mut listed, mut both) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..SAMPLES {
                let t0 = Instant::now();
                let (people, c) = store.people_and_counters().await.unwrap();
                let t1 = Instant::now();
                let mut urgent = Vec::new();
                let mut req = PageRequest::first(PageRequest::MAX_LIMIT);
                loop {
                    let p = store.list_open_tasks_due_before(end, req).await.unwrap();
                    urgent.extend(p.items);
                    match p.next {
                        Some(n) => req = PageRequest::after(PageRequest::MAX_LIMIT, n),
                        None => break,
                    }
                }
                let t2 = Instant::now();
                assert_eq!(people.len(), USERS);
                assert_eq!(urgent.len(), URGENT);
                let total: u32 = Status::ALL.iter().map(|s| c.status(*s)).sum();
                assert_eq!(total as usize, size);
                counted.push(t1 - t0);
                listed.push(t2 - t1);
                both.push(t2 - t0);
            }
            for v in [&mut counted, &mut listed, &mut both] {
                v.sort();
            }
            let p = |v: &[Duration], q: f64| ms(v[((v.len() - 1) as f64 * q).round() as usize]);
            println!(
                "| {size} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms |",
                p(&counted, 0.5),
                p(&listed, 0.5),
                p(&both, 0.5),
                p(&both, 0.99)
            );
        }
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    });
}
