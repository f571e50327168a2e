//! The conformance suite and the SQLite-only guarantees (change feed,
//! migrations) against the embedded store.

use std::sync::Arc;

use domain::{NewTask, Priority, Status, TaskTitle, UserId};
use store::{ChangeEvent, ChangeFeed, SqliteStore, Store};

async fn fresh() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open_temp().await.expect("temp sqlite store"))
}

store::conformance_suite!(fresh());

fn task(title: &str, assignee: UserId) -> NewTask {
    NewTask {
        title: TaskTitle::parse(title).unwrap(),
        description: None,
        priority: Priority::Low,
        due: None,
        assignees: vec![assignee],
        created_by: assignee,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_feed_records_every_change_with_images() {
    let s = SqliteStore::open_temp().await.unwrap();
    let u = UserId::from_uuid(uuid::Uuid::now_v7());
    let t = s.create_task(task("Feed me", u)).await.unwrap();
    let t2 = s
        .change_status(&t, Status::InProgress, t.created_by)
        .await
        .unwrap();
    s.delete_task(&t2).await.unwrap();

    let changes = s.read_changes(0, 100).await.unwrap();
    let summary: Vec<(ChangeEvent, &str)> = changes
        .iter()
        .map(|c| (c.event, c.sk.split('#').next().unwrap_or("")))
        .collect();
    use ChangeEvent::*;
    assert_eq!(
        summary,
        vec![
            (Insert, "METADATA"),
            (Insert, "ACTIVITY"),
            (Insert, "ASSIGN"),
            (Modify, "METADATA"),
            (Insert, "ACTIVITY"),
            (Modify, "ASSIGN"),
            (Remove, "METADATA"),
            (Remove, "ASSIGN"),
            // The purge after the transaction: the history entries.
            (Remove, "ACTIVITY"),
            (Remove, "ACTIVITY"),
        ]
    );
    let modify = &changes[3];
    let old: domain::Task = modify.old_image.as_ref().unwrap().entity().unwrap();
    let new: domain::Task = modify.new_image.as_ref().unwrap().entity().unwrap();
    assert_eq!((old.status, new.status), (Status::Open, Status::InProgress));
    assert!(changes[6].new_image.is_none() && changes[6].old_image.is_some());
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));

    // Acknowledged changes are not delivered again; the rest are.
    s.ack_change(changes[0].seq).await.unwrap();
    s.ack_change(changes[0].seq).await.unwrap(); // idempotent
    let rest = s.read_changes(0, 100).await.unwrap();
    assert_eq!(rest.len(), changes.len() - 1);
    assert_eq!(rest[0].seq, changes[1].seq);
    let after = s.read_changes(changes[5].seq, 100).await.unwrap();
    assert_eq!(after.len(), 4);
    assert!(matches!(
        s.ack_change(9_999_999).await,
        Err(store::StoreError::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_keeps_data_and_schema_version() {
    let dir = std::env::temp_dir().join(format!("tasklane-reopen-{}", uuid::Uuid::now_v7()));
    let path = dir.join("nested").join("db.sqlite");
    let u = UserId::from_uuid(uuid::Uuid::now_v7());
    let id = {
        let s = SqliteStore::open(&path).await.unwrap();
        s.create_task(task("Persist", u)).await.unwrap().id
    };
    let s = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        s.get_task(id, 1).await.unwrap().task.title.as_str(),
        "Persist"
    );
    assert_eq!(s.integrity_check().await.unwrap(), "ok");
    drop(s);
    std::fs::remove_dir_all(dir).unwrap();
}
