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
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
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

    let all = s.read_changes(0, 100).await.unwrap();
    // Counter adjustments are in the feed, as they are in a DynamoDB
    // stream; the notifier reads only tasks and comments.
    let counted: Vec<(ChangeEvent, &str)> = all
        .iter()
        .filter(|c| c.pk == store::keys::COUNTER_PK)
        .map(|c| (c.event, c.sk.as_str()))
        .collect();
    // Team-wide and per-project counters: 3 on create, 4 on the move, 3 on
    // the delete.
    assert_eq!(counted.len(), 10, "{counted:?}");
    let changes: Vec<_> = all
        .iter()
        .filter(|c| c.pk != store::keys::COUNTER_PK)
        .cloned()
        .collect();
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
            (Insert, "TAGGED"),
            // Search entries, one per title word, rewritten on the move
            // (their index key names the status).
            (Insert, "WORD"),
            (Insert, "WORD"),
            (Modify, "METADATA"),
            (Insert, "ACTIVITY"),
            (Modify, "ASSIGN"),
            (Modify, "TAGGED"),
            (Modify, "WORD"),
            (Modify, "WORD"),
            (Remove, "METADATA"),
            (Remove, "ASSIGN"),
            (Remove, "TAGGED"),
            (Remove, "WORD"),
            (Remove, "WORD"),
            // The purge after the transaction: the history entries.
            (Remove, "ACTIVITY"),
            (Remove, "ACTIVITY"),
        ]
    );
    let modify = &changes[6];
    let old: domain::Task = modify.old_image.as_ref().unwrap().entity().unwrap();
    let new: domain::Task = modify.new_image.as_ref().unwrap().entity().unwrap();
    assert_eq!((old.status, new.status), (Status::Open, Status::InProgress));
    assert!(changes[12].new_image.is_none() && changes[12].old_image.is_some());
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));

    // Acknowledged changes are not delivered again; the rest are.
    s.ack_change(changes[0].seq).await.unwrap();
    s.ack_change(changes[0].seq).await.unwrap(); // idempotent
    let rest = s.read_changes(0, 100).await.unwrap();
    assert_eq!(rest.len(), all.len() - 1);
    assert_eq!(rest[0].seq, changes[1].seq);
    let after = s.read_changes(changes[8].seq, 100).await.unwrap();
    let later = all.iter().filter(|c| c.seq > changes[8].seq).count();
    assert_eq!(after.len(), later);
    let later_items = after.iter().filter(|c| c.pk != store::keys::COUNTER_PK);
    assert_eq!(later_items.count(), 10);
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

/// A database written before task counters were kept: opening it counts
/// them once, to what the tasks add up to, and writes keep them from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_counts_the_task_counters() {
    let dir = std::env::temp_dir().join(format!("tasklane-upgrade-{}", uuid::Uuid::now_v7()));
    let path = dir.join("db.sqlite");
    let (a, b) = (
        UserId::from_uuid(uuid::Uuid::now_v7()),
        UserId::from_uuid(uuid::Uuid::now_v7()),
    );
    let every_task = |s: SqliteStore| async move {
        let mut all = Vec::new();
        for st in Status::ALL {
            all.extend(
                s.list_tasks_by_status(*st, store::PageRequest::first(500))
                    .await
                    .unwrap()
                    .items,
            );
        }
        all
    };
    {
        let s = SqliteStore::open(&path).await.unwrap();
        for (i, (st, who)) in [
            (Status::Open, vec![a, b]),
            (Status::Open, vec![]),
            (Status::Blocked, vec![b]),
            (Status::Done, vec![a]),
            (Status::Done, vec![]),
        ]
        .into_iter()
        .enumerate()
        {
            let mut t = task(&format!("t{i}"), a);
            (t.status, t.assignees) = (st, who);
            s.create_task(t).await.unwrap();
        }
    }
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DELETE FROM items WHERE pk = 'COUNTER'; PRAGMA user_version = 2;")
        .unwrap();
    drop(c);

    let s = SqliteStore::open(&path).await.unwrap();
    let truth = store::TaskCounters::of(&every_task(s.clone()).await);
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept, truth);
    assert_eq!(kept.status(Status::Open), 2);
    assert_eq!(kept.status(Status::Done), 2);
    assert_eq!(kept.unassigned_open(), 1);
    let mut load = kept.open_by_assignee();
    load.sort();
    let mut want = vec![(a, 1), (b, 2)];
    want.sort();
    assert_eq!(load, want);
    // Counted items are ordinary counters: the next write adjusts them.
    let open = s
        .list_tasks_by_status(Status::Open, store::PageRequest::first(10))
        .await
        .unwrap()
        .items;
    s.change_status(&open[0], Status::Done, a).await.unwrap();
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept, store::TaskCounters::of(&every_task(s.clone()).await));
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
}

/// A database written before projects existed: opening it puts every task
/// in the default project, with the copy and counters a fresh write gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_puts_every_task_in_the_default_project() {
    use domain::ProjectId;
    let dir = std::env::temp_dir().join(format!("tasklane-upgrade-{}", uuid::Uuid::now_v7()));
    let path = dir.join("db.sqlite");
    let a = UserId::from_uuid(uuid::Uuid::now_v7());
    let mut written = Vec::new();
    {
        let s = SqliteStore::open(&path).await.unwrap();
        for (i, st) in [Status::Open, Status::Open, Status::Blocked, Status::Done]
            .into_iter()
            .enumerate()
        {
            let mut t = task(&format!("t{i}"), a);
            t.status = st;
            written.push(s.create_task(t).await.unwrap());
        }
    }
    // As the previous version left it: no project in the task JSON, no
    // project copies, no project counters.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "DELETE FROM items WHERE sk = 'TAGGED#PROJECT';
         DELETE FROM items WHERE pk = 'COUNTER' AND sk LIKE 'TASKS#PROJECT#%';
         UPDATE items SET data = json_remove(data, '$.project') WHERE pk LIKE 'TASK#%';
         PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(c);

    let s = SqliteStore::open(&path).await.unwrap();
    let open = s
        .list_tasks_by_project(
            ProjectId::DEFAULT,
            Status::Open,
            store::PageRequest::first(10),
        )
        .await
        .unwrap()
        .items;
    let mut titles: Vec<&str> = open.iter().map(|t| t.title.as_str()).collect();
    titles.sort();
    assert_eq!(titles, ["t0", "t1"]);
    assert!(open.iter().all(|t| t.project == ProjectId::DEFAULT));
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept, store::TaskCounters::of(&written));
    assert_eq!(kept.project_open(ProjectId::DEFAULT), 3);
    assert_eq!(kept.project_status(ProjectId::DEFAULT, Status::Done), 1);
    // The upgraded copies are ordinary: moving a task to another project
    // moves its copy and its counts.
    let elsewhere = s
        .create_project(domain::ProjectName::parse("Elsewhere").unwrap())
        .await
        .unwrap();
    let patch = domain::TaskPatch {
        project: Some(elsewhere.id),
        ..Default::default()
    };
    let moved = s.update_task(&open[0], &patch, a).await.unwrap();
    let there = s
        .list_tasks_by_project(elsewhere.id, Status::Open, store::PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(there, vec![moved.clone()]);
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept.project_open(ProjectId::DEFAULT), 2);
    assert_eq!(kept.project_open(elsewhere.id), 1);
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
}

/// A database written before the home page's index partitions existed:
/// opening it backfills them from the stored entities, with exactly the
/// keys a fresh write gives (assignment times were not recorded then, so
/// those copies stay out of "newly assigned").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_backfills_the_home_page_indexes() {
    use store::keys;
    use time::macros::date;
    let dir = std::env::temp_dir().join(format!("tasklane-upgrade-{}", uuid::Uuid::now_v7()));
    let path = dir.join("db.sqlite");
    let (a, b) = (
        UserId::from_uuid(uuid::Uuid::now_v7()),
        UserId::from_uuid(uuid::Uuid::now_v7()),
    );
    let dated = |title: &str, who: Vec<UserId>, due| NewTask {
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
        due,
        assignees: who,
        ..task(title, a)
    };
    {
        let s = SqliteStore::open(&path).await.unwrap();
        s.create_task(dated("late", vec![a, b], Some(date!(2030 - 01 - 01))))
            .await
            .unwrap();
        s.create_task(dated("undated", vec![a], None))
            .await
            .unwrap();
        s.create_task(dated("spare", vec![], Some(date!(2030 - 02 - 01))))
            .await
            .unwrap();
        s.create_task(dated("spare, undated", vec![], None))
            .await
            .unwrap();
        let done = s
            .create_task(dated("done", vec![a], Some(date!(2029 - 01 - 01))))
            .await
            .unwrap();
        s.change_status(&done, Status::Done, a).await.unwrap();
        let done = s
            .create_task(dated("done, spare", vec![], None))
            .await
            .unwrap();
        s.change_status(&done, Status::Done, a).await.unwrap();
    }
    // Back to the first schema's items: no home-page keys, no times.
    let changes_before: i64 = {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "UPDATE items SET gsi2pk = NULL, gsi2sk = NULL WHERE sk = 'METADATA';
             UPDATE items SET gsi1pk = NULL, gsi1sk = NULL, gsi3pk = NULL, gsi3sk = NULL,
                              data = json_remove(data, '$.assignedAt')
              WHERE sk LIKE 'ASSIGN#%';
             UPDATE items SET data = json_remove(data, '$.assignedAt') WHERE sk = 'METADATA';
             PRAGMA user_version = 1;",
        )
        .unwrap();
        c.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
            .unwrap()
    };

    let s = SqliteStore::open(&path).await.unwrap();
    let far = date!(2031 - 01 - 01);
    let page = store::PageRequest::default;
    let titles = |rows: Vec<domain::TaskSummary>| -> Vec<String> {
        rows.into_iter()
            .map(|r| r.title.as_str().to_owned())
            .collect()
    };
    let mine = s
        .list_open_assigned_due(a, None, far, page())
        .await
        .unwrap();
    assert_eq!(titles(mine.items), vec!["late"]);
    let theirs = s
        .list_open_assigned_due(b, None, far, page())
        .await
        .unwrap();
    assert_eq!(titles(theirs.items), vec!["late"]);
    let spare: Vec<String> = s
        .list_unassigned_open_tasks(page())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.title.as_str().to_owned())
        .collect();
    assert_eq!(spare, vec!["spare", "spare, undated"]);
    let since = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    assert!(s
        .list_newly_assigned(a, since, page())
        .await
        .unwrap()
        .items
        .is_empty());

    // Every backfilled key is the key a write of the same entity makes.
    let c = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<(String, String, [Option<String>; 6])> = c
        .prepare("SELECT pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk FROM items WHERE pk LIKE 'TASK#%' AND (sk = 'METADATA' OR sk LIKE 'ASSIGN#%')")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 6 + 4, "six tasks, four assignments");
    for (pk, sk, got) in rows {
        let id = domain::TaskId::parse(pk.trim_start_matches("TASK#")).unwrap();
        let task = s.get_task(id, 1).await.unwrap().task;
        let want = if sk == keys::METADATA {
            keys::task_item(&task)
        } else {
            let user = UserId::parse(sk.trim_start_matches(keys::ASSIGN_PREFIX)).unwrap();
            keys::assignment_item(&task, user)
        };
        let want = [
            want.gsi1pk,
            want.gsi1sk,
            want.gsi2pk,
            want.gsi2sk,
            want.gsi3pk,
            want.gsi3sk,
        ];
        assert_eq!(got, want, "{pk} {sk}");
    }
    let changes_after: i64 = c
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes_after, changes_before, "no change-feed entries");
    drop(s);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A database written before search existed: opening it files every
/// task's title words, so old tasks are found like new ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_indexes_every_title_for_search() {
    let dir = std::env::temp_dir().join(format!("tasklane-upgrade-{}", uuid::Uuid::now_v7()));
    let path = dir.join("db.sqlite");
    let a = UserId::from_uuid(uuid::Uuid::now_v7());
    let mut written = Vec::new();
    {
        let s = SqliteStore::open(&path).await.unwrap();
        for (name, st) in [
            ("Quarterly planning", Status::Open),
            ("Plan the party", Status::Open),
            ("Planned outage", Status::Done),
        ] {
            let mut t = task(name, a);
            t.status = st;
            written.push(s.create_task(t).await.unwrap());
        }
    }
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DELETE FROM items WHERE sk LIKE 'WORD#%'; PRAGMA user_version = 4;")
        .unwrap();
    drop(c);

    let s = SqliteStore::open(&path).await.unwrap();
    let search = store::TextSearch::of_words("plan");
    let found = |st| {
        let (s, search) = (s.clone(), search.clone());
        async move {
            let mut ids: Vec<_> = s
                .search_tasks(&search, st, store::PageRequest::first(10))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|t| t.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let mut open = vec![written[0].id, written[1].id];
    open.sort();
    assert_eq!(found(Status::Open).await, open);
    assert_eq!(found(Status::Done).await, vec![written[2].id]);
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
}

/// A database from before the due-day counters, whose titles were indexed
/// to 16 words: opening it counts each project's open tasks per due day and
/// re-indexes titles to `MAX_INDEXED_WORDS`, as fresh writes would, and
/// records nothing in the change feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_counts_due_days_and_reindexes_titles() {
    use time::macros::date;
    let dir = std::env::temp_dir().join(format!("tasklane-upgrade-{}", uuid::Uuid::now_v7()));
    let path = dir.join("db.sqlite");
    let a = UserId::from_uuid(uuid::Uuid::now_v7());
    let long: String = (0..20).map(|i| format!("w{i} ")).collect();
    let mut written = Vec::new();
    {
        let s = SqliteStore::open(&path).await.unwrap();
        for (name, st, due) in [
            (long.as_str(), Status::Open, Some(date!(2030 - 01 - 01))),
            ("Two", Status::Blocked, Some(date!(2030 - 01 - 01))),
            ("Three", Status::Open, Some(date!(2030 - 03 - 01))),
            ("Finished", Status::Done, Some(date!(2030 - 01 - 01))),
            ("Undated", Status::Open, None),
        ] {
            let mut t = task(name, a);
            (t.status, t.due) = (st, due);
            written.push(s.create_task(t).await.unwrap());
        }
    }
    let c = rusqlite::Connection::open(&path).unwrap();
    let id = written[0].id;
    c.execute_batch(&format!(
        "DELETE FROM items WHERE pk = 'COUNTER' AND sk LIKE 'TASKS#PROJECT#%#DUE#%';
         INSERT INTO items (pk, sk, gsi1pk, gsi1sk, data, version)
              SELECT pk, 'WORD#w15', replace(gsi1pk, '#w0', '#w15'),
                     replace(gsi1sk, 'w0#', 'w15#'), data, version
                FROM items WHERE pk = 'TASK#{id}' AND sk = 'WORD#w0';
         PRAGMA user_version = 5;"
    ))
    .unwrap();
    let changes_before: i64 = c
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    drop(c);

    let s = SqliteStore::open(&path).await.unwrap();
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept, store::TaskCounters::of(&written));
    let jan = date!(2030 - 01 - 01);
    assert_eq!(kept.open_due(None, jan..=jan), 2, "the finished one is not");
    assert_eq!(kept.open_due(None, ..), 3);
    let found = s
        .search_tasks(
            &store::TextSearch::of_words("w15"),
            Status::Open,
            store::PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(found.items.is_empty(), "the 16th word is not indexed");
    let c = rusqlite::Connection::open(&path).unwrap();
    let words: i64 = c
        .query_row(
            &format!("SELECT count(*) FROM items WHERE pk = 'TASK#{id}' AND sk LIKE 'WORD#%'"),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(words, domain::search::MAX_INDEXED_WORDS as i64);
    let changes_after: i64 = c
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes_after, changes_before, "no change-feed entries");
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
}
