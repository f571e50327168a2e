//! What the home page costs on DynamoDB, counted at the SDK against moto:
//! the real router serves pages and server functions from a DynamoDB
//! store (accounts stay on the embedded one). The figure: the requests of
//! the home server function and of the whole page, for a member and an
//! admin, with lists longer than the page shows and a team around them.
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (scripts/with-moto.sh); without it the
//! test fails rather than skips.

use crate::support;

use std::sync::Arc;

use domain::{
    DisplayName, Email, NewProfile, NewTask, Priority, ProfilePatch, Role, TaskTitle, UserId,
};
use store::{DynamoStore, RequestCounter, Store};
use support::TestApp;

/// The real router with pages on a fresh DynamoDB table on moto, and the
/// counter of the requests sent to it. Needs `TASKLANE_MOTO_ENDPOINT`
/// (scripts/with-moto.sh); without it the test fails rather than skips.
async fn on_dynamo(name: &str) -> (TestApp, Arc<DynamoStore>, RequestCounter) {
    let endpoint = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("TASKLANE_MOTO_ENDPOINT is not set: run through scripts/with-moto.sh");
    let counter = RequestCounter::new();
    let dynamo = Arc::new(DynamoStore::new(
        DynamoStore::local_client(&endpoint, Some(counter.clone())),
        format!("tasklane-{name}-{}", uuid::Uuid::now_v7()),
    ));
    dynamo.create_table().await.unwrap();
    let app = TestApp::spawn_on(Some(dynamo.clone())).await;
    (app, dynamo, counter)
}

fn sorted(ops: Vec<String>) -> Vec<String> {
    let mut ops = ops;
    ops.sort();
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_costs_a_few_requests_whatever_the_data() {
    let (app, dynamo, counter) = on_dynamo("home").await;
    let (ada_jar, ada) = app
        .person_on(dynamo.as_ref(), "ada@example.com", "Ada", "Correct-Horse-9")
        .await;
    let (mo_jar, mo) = app
        .person_on(dynamo.as_ref(), "mo@example.com", "Mo", "Member-Pass-42")
        .await;
    let (_, olu) = app
        .person_on(dynamo.as_ref(), "olu@example.com", "Olu", "Other-Pass-42")
        .await;
    let today = time::OffsetDateTime::now_utc().date();
    // More than a list shows, in every list, and other people's work.
    for i in 0..33i64 {
        let (who, due) = match i % 3 {
            0 => (vec![mo], Some(-1 - i)),
            1 => (vec![mo, olu], Some(i % 7)),
            _ => (vec![], Some(i)),
        };
        dynamo
            .create_task(NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::Open,
                title: TaskTitle::parse(&format!("Task {i:02}")).unwrap(),
                description: None,
                priority: Priority::Medium,
                due: due.map(|d| today + time::Duration::days(d)),
                assignees: who,
                created_by: ada,
            })
            .await
            .unwrap();
    }
    for i in 0..12 {
        dynamo
            .create_task(NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::Open,
                title: TaskTitle::parse(&format!("Olu's {i}")).unwrap(),
                description: None,
                priority: Priority::Low,
                due: Some(today - time::Duration::days(2)),
                assignees: vec![olu],
                created_by: ada,
            })
            .await
            .unwrap();
    }

    let mut rows = Vec::new();
    for (who, jar, lists) in [("member", &mo_jar, 3), ("admin", &ada_jar, 4)] {
        counter.take();
        let res = app.post("/api/home", Some(jar), &[]).await;
        assert_eq!(res.status(), 200);
        let agenda: serde_json::Value = res.json().await.unwrap();
        let function = sorted(counter.take());
        let mut want = vec!["GetItem".to_owned()];
        want.extend(std::iter::repeat_n("Query".to_owned(), lists));
        assert_eq!(function, want, "{who}: the home function");
        let html = app.page_html("/", jar).await;
        let whole = sorted(counter.take());
        assert!(
            whole.len() <= 8 && whole.iter().filter(|o| *o == "GetItem").count() == 1,
            "{who}: the page, within a board page's budget: {whole:?}"
        );
        assert!(html.contains("data-testid=\"home-overdue\""), "{html}");
        rows.push((who, function, whole));
        if who == "member" {
            assert_eq!(agenda["overdue"]["rows"].as_array().unwrap().len(), 11);
            assert_eq!(agenda["due_soon"]["rows"].as_array().unwrap().len(), 11);
            assert_eq!(agenda["newly_assigned"]["more"], true, "20 shown of 22");
            assert!(!html.contains("Olu&#x27;s") && !html.contains("Olu's"));
        } else {
            assert_eq!(agenda["unassigned"]["rows"].as_array().unwrap().len(), 11);
        }
    }
    println!("\n| home page on DynamoDB | server function | whole page (GET /) |\n|---|---|---|");
    for (who, function, whole) in rows {
        println!(
            "| {who} | {} ({}) | {} ({}) |",
            function.len(),
            function.join(" + "),
            whole.len(),
            whole.join(" + ")
        );
    }
}

/// The dashboard reads only the counters (overdue and due soon are sums of
/// per-day counters), and the people from the directory cache, so its
/// requests do not grow with the tasks: the same count with a handful and
/// with overdue work on 60 more days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_costs_the_same_few_requests_with_few_and_many_tasks() {
    let (app, dynamo, counter) = on_dynamo("dash").await;
    let (ada_jar, ada) = app
        .person_on(dynamo.as_ref(), "ada@example.com", "Ada", "Correct-Horse-9")
        .await;
    let (_, mo) = app
        .person_on(dynamo.as_ref(), "mo@example.com", "Mo", "Member-Pass-42")
        .await;
    let today = time::OffsetDateTime::now_utc().date();
    let add = |status, due: Option<i64>, who: Vec<UserId>| {
        let dynamo = dynamo.clone();
        async move {
            dynamo
                .create_task(NewTask {
                    project: Default::default(),
                    checklist: Default::default(),
                    recurrence: None,
                    labels: Vec::new(),
                    status,
                    title: TaskTitle::parse("Counted").unwrap(),
                    description: None,
                    priority: Priority::Low,
                    due: due.map(|d| today + time::Duration::days(d)),
                    assignees: who,
                    created_by: ada,
                })
                .await
                .unwrap()
        }
    };
    add(domain::Status::Open, Some(-2), vec![mo]).await;
    add(domain::Status::InProgress, Some(3), vec![mo, ada]).await;
    add(domain::Status::Open, None, vec![]).await;
    add(domain::Status::Done, Some(-5), vec![ada]).await;

    // The first view lists the people into this server's directory cache
    // (once per change to the directory); every later one takes them from
    // the cache the overview's own Query validates.
    counter.take();
    let res = app.post("/api/dashboard", Some(&ada_jar), &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        sorted(counter.take()),
        vec!["GetItem", "Query", "Query"],
        "cold: the caller's profile, the counters, the people"
    );
    let mut figures = Vec::new();
    for (round, late, mo_open) in [("few", 1, 2), ("many", 61, 62)] {
        if round == "many" {
            // Overdue work spread over 60 more days: the dashboard used to
            // read every overdue task, and now reads one counter per day,
            // all in the same Query. (Moto slows with every item stored, so
            // this is tens of tasks, not thousands: the benchmark measures
            // 100,000.)
            for day in 3..63 {
                add(domain::Status::Open, Some(-day), vec![mo]).await;
            }
        }
        // Seeding "many" takes moto longer than the cache's age limit
        // (`DirectoryCache::MAX_AGE`), so one view first: the figure is a
        // view with the people cached, as nearly every view is.
        let res = app.post("/api/dashboard", Some(&ada_jar), &[]).await;
        assert_eq!(res.status(), 200);
        counter.take();
        let res = app.post("/api/dashboard", Some(&ada_jar), &[]).await;
        assert_eq!(res.status(), 200);
        let d: serde_json::Value = res.json().await.unwrap();
        let sent = sorted(counter.take());
        assert!(sent.len() <= 3, "{round}: {sent:?}");
        assert_eq!(
            sent,
            vec!["GetItem".to_owned(), "Query".to_owned()],
            "{round}: the caller's profile, the counters"
        );
        assert_eq!(
            (&d["overdue"], &d["due_this_week"]),
            (&late.into(), &1.into())
        );
        assert_eq!(d["unassigned_open"], 1);
        let load = serde_json::json!([
            {"id": mo.to_string(), "name": "Mo", "open": mo_open},
            {"id": ada.to_string(), "name": "Ada", "open": 1},
        ]);
        assert_eq!(d["workload"], load, "{round}");
        figures.push((round, d["total"].clone(), sent));
    }
    assert_eq!(figures[0].1, 4);
    assert_eq!(figures[1].1, 64);
    println!("\n| dashboard on DynamoDB | tasks | requests |\n|---|---|---|");
    for (round, total, sent) in figures {
        println!(
            "| {round} | {total} | {} ({}) |",
            sent.len(),
            sent.join(" + ")
        );
    }
}

/// What each project action costs on DynamoDB (the issue's "requests per
/// new action"), counted at the SDK: each read is one Query whatever the
/// number of tasks, and a project's board page stays within the board's
/// budget of 8 requests (the caller's profile included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_actions_cost_a_few_requests_each() {
    let (app, dynamo, counter) = on_dynamo("proj").await;
    let (ada_jar, _) = app
        .person_on(dynamo.as_ref(), "ada@example.com", "Ada", "Correct-Horse-9")
        .await;
    let (mo_jar, mo) = app
        .person_on(dynamo.as_ref(), "mo@example.com", "Mo", "Member-Pass-42")
        .await;
    let mut table = Vec::new();
    let mut cost = |name: &'static str, sent: Vec<String>, want: &[&str]| {
        let want: Vec<String> = sorted(want.iter().map(|s| s.to_string()).collect());
        assert_eq!(sorted(sent.clone()), want, "{name}");
        table.push((name, sent));
    };

    counter.take();
    let res = app
        .post(
            "/api/projects/create",
            Some(&ada_jar),
            &[("name", "Launch".into())],
        )
        .await;
    assert_eq!(res.status(), 200);
    cost(
        "create a project",
        counter.take(),
        &["GetItem", "Query", "PutItem"],
    );
    let launch = dynamo
        .list_projects()
        .await
        .unwrap()
        .into_iter()
        .find(|p| !p.id.is_default())
        .unwrap();

    let form = vec![
        ("title", "Ship".to_owned()),
        ("priority", "MEDIUM".to_owned()),
        ("assignees[]", mo.to_string()),
        ("project", launch.id.to_string()),
    ];
    counter.take();
    let res = app.post("/api/tasks/create", Some(&ada_jar), &form).await;
    assert_eq!(res.status(), 200);
    cost(
        "create a task in a project",
        counter.take(),
        // The profile, the catalog (labels, projects and the directory's
        // version) and, this server's first need of names, the people.
        &["GetItem", "Query", "Query", "TransactWriteItems"],
    );

    for (who, jar) in [("admin", &ada_jar), ("member", &mo_jar)] {
        counter.take();
        let res = app
            .post(
                "/api/tasks/board",
                Some(jar),
                &[("query[project]", launch.id.to_string())],
            )
            .await;
        assert_eq!(res.status(), 200);
        let sent = counter.take();
        // The caller's profile, then the catalog (whose directory version
        // says the cached people are current) and one page per column: the
        // same for both roles.
        cost(
            if who == "admin" {
                "board of a project (admin)"
            } else {
                "board of a project (member)"
            },
            sent,
            &[
                "GetItem", "Query", "Query", "Query", "Query", "Query", "Query",
            ],
        );
    }

    counter.take();
    let res = app
        .post(
            "/api/dashboard",
            Some(&ada_jar),
            &[("project", launch.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    cost(
        "dashboard of a project",
        counter.take(),
        &["GetItem", "Query"],
    );

    counter.take();
    let res = app.post("/api/projects/list", Some(&ada_jar), &[]).await;
    assert_eq!(res.status(), 200);
    cost(
        "projects page",
        counter.take(),
        &["GetItem", "Query", "Query"],
    );

    counter.take();
    let form = [
        ("id", launch.id.to_string()),
        ("version", launch.version.to_string()),
        ("archived", "true".to_owned()),
    ];
    let res = app
        .post("/api/projects/archive", Some(&ada_jar), &form)
        .await;
    assert_eq!(res.status(), 409, "its task is open");
    cost(
        "archive a project (refused: open work)",
        counter.take(),
        &["GetItem", "Query", "Query"],
    );

    counter.take();
    let form = [
        ("id", launch.id.to_string()),
        ("version", launch.version.to_string()),
        ("name", "Launch 2".to_owned()),
    ];
    let res = app
        .post("/api/projects/rename", Some(&ada_jar), &form)
        .await;
    assert_eq!(res.status(), 200);
    cost(
        "rename a project",
        counter.take(),
        &["GetItem", "Query", "PutItem"],
    );

    println!("\n| project action on DynamoDB | requests |\n|---|---|");
    for (name, sent) in table {
        println!("| {name} | {} ({}) |", sent.len(), sent.join(" + "));
    }
}

/// A board reads the people (names on cards, the assignee filter) from the
/// directory cache, which the catalog's Query validates, so a board costs
/// the same with 2 people as with 2,000 and stays within 8 requests. A change written elsewhere (another server
/// or Lambda instance) shows on the next board, which lists the people
/// again, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_costs_the_same_with_two_and_two_thousand_people() {
    let (app, dynamo, counter) = on_dynamo("people").await;
    let (ada_jar, ada) = app
        .person_on(dynamo.as_ref(), "ada@example.com", "Ada", "Correct-Horse-9")
        .await;
    let (_, mo) = app
        .person_on(dynamo.as_ref(), "mo@example.com", "Mo", "Member-Pass-42")
        .await;
    dynamo
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: TaskTitle::parse("Named").unwrap(),
            description: None,
            priority: Priority::Low,
            due: None,
            assignees: vec![mo],
            created_by: ada,
        })
        .await
        .unwrap();
    let board = || async {
        let res = app.post("/api/tasks/board", Some(&ada_jar), &[]).await;
        assert_eq!(res.status(), 200);
        res.json::<serde_json::Value>().await.unwrap()
    };
    let queries = |n: usize| -> Vec<String> {
        let mut v = vec!["GetItem".to_owned()];
        v.extend(std::iter::repeat_n("Query".to_owned(), n));
        v
    };

    let new_person = |i: usize| NewProfile {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        email: Email::parse(&format!("p{i:04}@example.com")).unwrap(),
        display_name: DisplayName::parse(&format!("Person {i}")).unwrap(),
        role: Role::Member,
    };
    let mut figures = Vec::new();
    for people in [2usize, 2_000] {
        if people > 2 {
            // Everyone but the last as the store lays profiles out, with
            // BatchWriteItem: moto copies the whole table for every
            // transaction, which makes 2,000 sign-ups quadratic. The last
            // signs up through the store, which moves the directory's
            // version as every sign-up does.
            let now = time::OffsetDateTime::now_utc();
            let items: Vec<_> = (2..people - 1)
                .map(|i| {
                    store::keys::profile_item(&domain::UserProfile::create(new_person(i), now))
                })
                .collect();
            for chunk in items.chunks(25) {
                let puts = chunk
                    .iter()
                    .map(|item| {
                        let put = aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(store::item_to_attrs(item).unwrap()))
                            .build()
                            .unwrap();
                        aws_sdk_dynamodb::types::WriteRequest::builder()
                            .put_request(put)
                            .build()
                    })
                    .collect();
                let out = dynamo
                    .client()
                    .batch_write_item()
                    .request_items(dynamo.table_name(), puts)
                    .send()
                    .await
                    .unwrap();
                assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
            }
            dynamo.create_profile(new_person(people - 1)).await.unwrap();
        }
        counter.take();
        board().await;
        let cold = sorted(counter.take());
        let view = board().await;
        let warm = sorted(counter.take());
        // The assignee filter is typed: the board carries no list of people.
        assert!(view.get("people").is_none(), "{people} people: {view}");
        // The profile, the catalog and one page per column (5).
        assert_eq!(warm, queries(6), "{people} people, warm");
        // After a change, the people too: pages of up to 1 MB, which is
        // about 1,500 profiles (moto does not cut pages at 1 MB).
        let listing = cold.len() - warm.len();
        assert!((1..=2).contains(&listing), "{people} people: {cold:?}");
        assert_eq!(cold[..7], warm[..], "{people} people, after a change");
        figures.push((people, warm, cold));
    }
    assert!(figures[0].1.len() <= 8);
    let cold_after_change = figures[1].2.clone();

    // Renamed by another instance: the next board shows the new name.
    let current = dynamo.get_profile(mo).await.unwrap();
    let renamed = ProfilePatch {
        display_name: Some(DisplayName::parse("Mo Renamed").unwrap()),
        prefs: None,
    };
    dynamo.update_profile(&current, &renamed).await.unwrap();
    counter.take();
    let view = board().await;
    assert_eq!(
        sorted(counter.take()),
        cold_after_change,
        "one listing after the rename"
    );
    let names: Vec<&serde_json::Value> = view["columns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["cards"].as_array().unwrap())
        .flat_map(|card| card["assignees"].as_array().unwrap())
        .collect();
    assert_eq!(names, vec!["Mo Renamed"], "{view}");
    board().await;
    assert_eq!(sorted(counter.take()), queries(6), "then the cache again");

    // A search: each column reads its word's entries (one Query) and, where
    // it found any, the tasks they name (one BatchGetItem); the store's
    // bound is 3 per column page.
    dynamo
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Done,
            title: TaskTitle::parse("Name tags for the offsite").unwrap(),
            description: None,
            priority: Priority::Low,
            due: None,
            assignees: Vec::new(),
            created_by: ada,
        })
        .await
        .unwrap();
    counter.take();
    let res = app
        .post(
            "/api/tasks/board",
            Some(&ada_jar),
            &[("query[q]", "NAM".into())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let view = res.json::<serde_json::Value>().await.unwrap();
    let mut searched = queries(6);
    searched.extend(["BatchGetItem".to_owned(), "BatchGetItem".to_owned()]);
    assert_eq!(sorted(counter.take()), sorted(searched), "a searched board");
    let titles: Vec<&str> = view["columns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["cards"].as_array().unwrap())
        .map(|card| card["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Named", "Name tags for the offsite"], "{view}");

    println!("\n| admin board on DynamoDB | warm | after a directory change |\n|---|---|---|");
    for (people, warm, cold) in figures {
        println!(
            "| {people} people | {} ({}) | {} |",
            warm.len(),
            warm.join(" + "),
            cold.len()
        );
    }
}
