//! The conformance suite against DynamoDB as emulated by moto, plus the
//! request-count figure: every access pattern is one SDK request.
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (scripts/test-store.sh starts moto and
//! sets it). Without it these tests fail loudly rather than skip: a green
//! run must mean DynamoDB was exercised.

use std::sync::Arc;

use domain::{
    CommentBody, DisplayName, Email, EventKind, NewNotification, NewProfile, NewTask, Priority,
    ProfilePatch, Role, Status, TaskPatch, TaskTitle, UserId,
};
use store::{
    DynamoStore, PageRequest, Permissions, RequestCounter, Store, StoreError, STORE_ACTIONS,
};
use time::macros::date;

fn endpoint() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TASKLANE_MOTO_ENDPOINT is not set: the DynamoDB tests need moto_server \
             (run scripts/test-store.sh, or start `moto_server -H 127.0.0.1 -p 5055` and \
             export TASKLANE_MOTO_ENDPOINT=http://127.0.0.1:5055)"
        )
    })
}

async fn table(counter: Option<RequestCounter>) -> DynamoStore {
    let client = DynamoStore::local_client(&endpoint(), counter);
    // moto is shared by every test (and every run): unique names isolate.
    let name = format!("tasklane-test-{}", uuid::Uuid::now_v7());
    let store = DynamoStore::new(client, name);
    store.create_table().await.expect("create table on moto");
    store
}

/// A client that may only send `actions` (store::permissions), as the
/// Lambdas build theirs.
fn guarded_client(actions: &'static [&'static str]) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .http_client(store::http_client())
        .interceptor(Permissions::new("store-test", actions).guard())
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// The whole suite runs through a client guarded by `STORE_ACTIONS`: if
/// the backend ever sends an action outside that list, the suite fails, so
/// the list (and the API role built from it) stays complete.
async fn fresh() -> Arc<dyn Store> {
    let created = table(None).await;
    Arc::new(DynamoStore::new(
        guarded_client(STORE_ACTIONS),
        created.table_name(),
    ))
}

store::conformance_suite!(fresh());

/// Figure (a): the requests each access pattern sends, counted at the SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_per_access_pattern() {
    let counter = RequestCounter::new();
    let s = table(Some(counter.clone())).await;
    counter.take();
    let mut rows: Vec<(&str, Vec<String>)> = Vec::new();
    macro_rules! measure {
        ($label:expr, $expected:expr, $call:expr) => {{
            let out = $call.await.expect($label);
            let sent = counter.take();
            let expected: Vec<&str> = $expected;
            assert_eq!(sent, expected, "{}", $label);
            rows.push(($label, sent));
            out
        }};
    }
    let uid = || UserId::from_uuid(uuid::Uuid::now_v7());
    let (a, b) = (uid(), uid());
    let new = |assignees: Vec<UserId>| NewTask {
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
        title: TaskTitle::parse("Count me").unwrap(),
        description: None,
        priority: Priority::High,
        due: Some(date!(2030 - 01 - 01)),
        assignees,
        created_by: a,
    };
    const TX: &str = "TransactWriteItems";
    let t = measure!(
        "create task with assignees",
        vec![TX],
        s.create_task(new(vec![a, b]))
    );
    // The first history entry is written with the task, hence a transaction.
    measure!(
        "create task without assignees",
        vec![TX],
        s.create_task(new(vec![]))
    );
    let body = || CommentBody::parse("hello").unwrap();
    measure!(
        "add comment",
        vec![TX],
        s.add_comment(t.id, b, body(), vec![a])
    );
    measure!(
        "get task + assignees + comments",
        vec!["Query"],
        s.get_task(t.id, 20)
    );
    measure!(
        "list comments (next page)",
        vec!["Query"],
        s.list_comments(t.id, PageRequest::default())
    );
    let patch = TaskPatch {
        title: Some(TaskTitle::parse("Counted").unwrap()),
        ..Default::default()
    };
    let t = measure!(
        "update task fields (+copies)",
        vec![TX],
        s.update_task(&t, &patch, t.created_by)
    );
    let t = measure!(
        "change status (+copies)",
        vec![TX],
        s.change_status(&t, Status::InProgress, t.created_by)
    );
    let t = measure!(
        "assign / unassign",
        vec![TX],
        s.set_assignees(&t, &[uid()], &[b], t.created_by)
    );
    measure!(
        "tasks by status (GSI1)",
        vec!["Query"],
        s.list_tasks_by_status(Status::InProgress, PageRequest::default())
    );
    let found = measure!(
        "search a column (GSI1 word entries + the tasks they name)",
        vec!["Query", "BatchGetItem"],
        s.search_tasks(
            &store::TextSearch::of_words("count"),
            Status::InProgress,
            PageRequest::default()
        )
    );
    assert_eq!(found.items, vec![t.clone()]);
    measure!(
        "search a column, nothing found (no batch read)",
        vec!["Query"],
        s.search_tasks(
            &store::TextSearch::of_words("nothing"),
            Status::InProgress,
            PageRequest::default()
        )
    );
    measure!(
        "tasks assigned to user (GSI2)",
        vec!["Query"],
        s.list_tasks_for_user(a, PageRequest::default())
    );
    measure!(
        "open tasks due before (GSI3)",
        vec!["Query"],
        s.list_open_tasks_due_before(date!(2031 - 01 - 01), PageRequest::default())
    );
    measure!(
        "open tasks of a user due in a range (GSI3, home)",
        vec!["Query"],
        s.list_open_assigned_due(
            a,
            Some(date!(2029 - 01 - 01)),
            date!(2031 - 01 - 01),
            PageRequest::default()
        )
    );
    measure!(
        "newly assigned to a user (GSI1, home)",
        vec!["Query"],
        s.list_newly_assigned(
            a,
            time::OffsetDateTime::now_utc() - time::Duration::days(7),
            PageRequest::default()
        )
    );
    measure!(
        "unassigned open tasks (GSI2, home)",
        vec!["Query"],
        s.list_unassigned_open_tasks(PageRequest::default())
    );
    let profile = |role| NewProfile {
        id: uid(),
        email: Email::parse("count@example.com").unwrap(),
        display_name: DisplayName::parse("Count").unwrap(),
        role,
    };
    let m = measure!(
        "create profile (member, +directory version)",
        vec![TX],
        s.create_profile(profile(Role::Member))
    );
    measure!(
        "create profile (admin, +admin count, +directory version)",
        vec![TX],
        s.create_profile(profile(Role::Admin))
    );
    measure!("get profile", vec!["GetItem"], s.get_profile(m.id));
    let m = measure!(
        "update profile",
        vec!["PutItem"],
        s.update_profile(&m, &ProfilePatch::default())
    );
    let feed = |hash: &str| domain::CalendarFeed {
        token_hash: hash.into(),
        all_tasks: false,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    let m = measure!(
        "create calendar feed (profile + token item)",
        vec![TX],
        s.set_calendar_feed(&m, Some(feed("f1")))
    );
    let m = measure!(
        "regenerate calendar feed (profile + old and new token)",
        vec![TX],
        s.set_calendar_feed(&m, Some(feed("f2")))
    );
    measure!(
        "calendar feed owner by token hash",
        vec!["GetItem"],
        s.calendar_feed_owner("f2")
    );
    let m = measure!(
        "revoke calendar feed",
        vec![TX],
        s.set_calendar_feed(&m, None)
    );
    measure!(
        "update role (+admin count)",
        vec![TX],
        s.update_role(&m, Role::Admin)
    );
    measure!(
        "list users (GSI1)",
        vec!["Query"],
        s.list_users(PageRequest::default())
    );
    measure!(
        "task counters, projects, directory version (GSI1, dashboard)",
        vec!["Query"],
        s.overview()
    );
    measure!(
        "directory version (a cached directory's check)",
        vec!["GetItem"],
        s.directory_version()
    );
    let note = NewNotification {
        user_id: a,
        kind: EventKind::StatusChanged,
        task_id: Some(t.id),
        task_title: "Counted".into(),
        message: "moved".into(),
        actor: Some(b),
    };
    let n = measure!(
        "create notification",
        vec!["PutItem"],
        s.create_notification(note)
    );
    measure!(
        "list notifications",
        vec!["Query"],
        s.list_notifications(a, PageRequest::default())
    );
    measure!(
        "mark notification read",
        vec!["PutItem"],
        s.mark_notification_read(&n)
    );
    measure!(
        "idempotency marker",
        vec!["PutItem"],
        s.put_marker("evt-1", time::Duration::hours(1))
    );
    measure!(
        "delete task (+cascade of 1 comment)",
        vec![TX, "Query", "BatchWriteItem"],
        s.delete_task(&t)
    );
    println!("\n| access pattern | requests |\n|---|---|");
    for (label, sent) in rows {
        println!("| {label} | {} |", sent.join(" + "));
    }
}

/// The guard refuses an undeclared call before it is sent, naming the
/// function and the missing IAM action; declared calls go through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_guard_refuses_undeclared_actions() {
    let created = table(None).await;
    let read_only = DynamoStore::new(
        guarded_client(&["dynamodb:Query", "dynamodb:GetItem"]),
        created.table_name(),
    );
    let missing = UserId::from_uuid(uuid::Uuid::now_v7());
    assert!(matches!(
        read_only.get_profile(missing).await,
        Err(StoreError::NotFound)
    ));
    let err = read_only
        .put_marker("guard-test", time::Duration::hours(1))
        .await
        .expect_err("PutItem is not declared");
    let msg = err.to_string();
    assert!(
        msg.contains("dynamodb:PutItem") && msg.contains("store-test"),
        "{msg}"
    );
    // Nothing was written: the full client sees no marker's effect.
    assert!(created
        .put_marker("guard-test", time::Duration::hours(1))
        .await
        .unwrap());
}

/// A table that held tasks before counters and projects were kept (items
/// written as the old code wrote them: no counter, no project copy, no
/// project in the task): the repair gives every task its project copy (in
/// the default project) and brings the counters to what the tasks add up
/// to, keeping a write made after the deploy, and a second run changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repair_indexes_a_table_written_before_counters_projects_and_search() {
    let s = table(None).await;
    let client = DynamoStore::local_client(&endpoint(), None);
    let uid = || UserId::from_uuid(uuid::Uuid::now_v7());
    let (a, b) = (uid(), uid());
    let mut old = Vec::new();
    for (i, (st, who)) in [
        (Status::Open, vec![a, b]),
        (Status::Open, vec![]),
        (Status::Blocked, vec![b]),
        (Status::Done, vec![a]),
    ]
    .into_iter()
    .enumerate()
    {
        let t = domain::Task::create(
            domain::TaskId::from_uuid(uuid::Uuid::now_v7()),
            NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: st,
                title: TaskTitle::parse(&format!("old {i}")).unwrap(),
                description: None,
                priority: Priority::Low,
                due: None,
                assignees: who,
                created_by: a,
            },
            time::OffsetDateTime::now_utc(),
        );
        let mut metadata = store::keys::task_item(&t);
        let mut data: serde_json::Value = metadata.entity().unwrap();
        data.as_object_mut().unwrap().remove("project");
        metadata.data = store::keys::json_text(&data);
        let items = std::iter::once(metadata).chain(
            t.assignees
                .iter()
                .map(|u| store::keys::assignment_item(&t, *u)),
        );
        for item in items {
            client
                .put_item()
                .table_name(s.table_name())
                .set_item(Some(store::item_to_attrs(&item).unwrap()))
                .send()
                .await
                .unwrap();
        }
        old.push(t);
    }
    let (_, none) = s.people_and_counters().await.unwrap();
    assert_eq!(none, store::TaskCounters::default(), "nothing counted yet");
    let in_default = |st| {
        let s = &s;
        async move {
            s.list_tasks_by_project(
                domain::ProjectId::DEFAULT,
                st,
                store::PageRequest::first(10),
            )
            .await
            .unwrap()
            .items
        }
    };
    assert!(in_default(Status::Open).await.is_empty(), "no copies yet");
    // A write between the deploy and the recount.
    let moved = s.change_status(&old[0], Status::Done, a).await.unwrap();
    let truth = store::TaskCounters::of(old[1..].iter().chain([&moved]));
    // As the operator runs it (credentials and endpoint from the
    // environment, which scripts/with-moto.sh points at moto).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_repair-task-indexes"))
        .arg(s.table_name())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), truth.to_string());
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept, truth);
    assert_eq!(
        (kept.status(Status::Open), kept.status(Status::Done)),
        (1, 2)
    );
    assert_eq!(kept.unassigned_open(), 1);
    assert_eq!(kept.open_by_assignee(), vec![(b, 1)]);
    assert_eq!(kept.project_open(domain::ProjectId::DEFAULT), 2);
    assert_eq!(in_default(Status::Open).await, vec![old[1].clone()]);
    assert_eq!(in_default(Status::Done).await.len(), 2);
    // Search entries too: the old titles are found like new ones.
    let search = store::TextSearch::of_words("old");
    let found = s
        .search_tasks(&search, Status::Blocked, store::PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(found.items, vec![old[2].clone()]);
    assert_eq!(s.repair_task_indexes().await.unwrap(), truth);
    assert_eq!(s.people_and_counters().await.unwrap().1, truth);
}
