//! What the home page costs on DynamoDB, counted at the SDK against moto:
//! the real router serves pages and server functions from a DynamoDB
//! store (accounts stay on the embedded one). The figure: the requests of
//! the home server function and of the whole page, for a member and an
//! admin, with lists longer than the page shows and a team around them.
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (scripts/with-moto.sh); without it the
//! test fails rather than skips.

mod support;

use std::sync::Arc;

use domain::{NewProfile, NewTask, Priority, TaskTitle, UserId};
use store::{DynamoStore, RequestCounter, Store};
use support::TestApp;

/// Signs a person up on the embedded store, puts their profile in DynamoDB
/// (where the pages read it), and signs them in.
async fn person(
    app: &TestApp,
    dynamo: &DynamoStore,
    email: &str,
    name: &str,
    password: &str,
) -> (String, UserId) {
    app.confirmed_account(email, name, password).await;
    let p = app
        .store
        .profile_by_email(&domain::Email::parse(email).unwrap())
        .await
        .unwrap();
    dynamo
        .create_profile(NewProfile {
            id: p.id,
            email: p.email.clone(),
            display_name: p.display_name.clone(),
            role: p.role,
        })
        .await
        .unwrap();
    (app.sign_in(email, password).await, p.id)
}

fn sorted(ops: Vec<String>) -> Vec<String> {
    let mut ops = ops;
    ops.sort();
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_costs_a_few_requests_whatever_the_data() {
    let endpoint = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("TASKLANE_MOTO_ENDPOINT is not set: run through scripts/with-moto.sh");
    let counter = RequestCounter::new();
    let dynamo = Arc::new(DynamoStore::new(
        DynamoStore::local_client(&endpoint, Some(counter.clone())),
        format!("tasklane-home-{}", uuid::Uuid::now_v7()),
    ));
    dynamo.create_table().await.unwrap();
    let app = TestApp::spawn_on(Some(dynamo.clone())).await;
    let (ada_jar, ada) = person(&app, &dynamo, "ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = person(&app, &dynamo, "mo@example.com", "Mo", "Member-Pass-42").await;
    let (_, olu) = person(&app, &dynamo, "olu@example.com", "Olu", "Other-Pass-42").await;
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
        let page = app
            .client
            .get(app.url("/"))
            .header("cookie", jar.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
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

/// The dashboard reads the counters (with the people) and the open tasks
/// due by the end of "due soon", so its requests do not grow with the
/// tasks: the same count with a handful and with more than a page (500)
/// in one column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_costs_the_same_few_requests_with_few_and_many_tasks() {
    let endpoint = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("TASKLANE_MOTO_ENDPOINT is not set: run through scripts/with-moto.sh");
    let counter = RequestCounter::new();
    let dynamo = Arc::new(DynamoStore::new(
        DynamoStore::local_client(&endpoint, Some(counter.clone())),
        format!("tasklane-dash-{}", uuid::Uuid::now_v7()),
    ));
    dynamo.create_table().await.unwrap();
    let app = TestApp::spawn_on(Some(dynamo.clone())).await;
    let (ada_jar, ada) = person(&app, &dynamo, "ada@example.com", "Ada", "Correct-Horse-9").await;
    let (_, mo) = person(&app, &dynamo, "mo@example.com", "Mo", "Member-Pass-42").await;
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

    let mut figures = Vec::new();
    for round in ["few", "many"] {
        if round == "many" {
            // More than a page (500) of one column, none of it open: moto
            // slows with every item, so this is the fewest that shows it.
            for _ in 0..501 {
                add(domain::Status::Done, Some(-30), vec![]).await;
            }
        }
        counter.take();
        let res = app.post("/api/dashboard", Some(&ada_jar), &[]).await;
        assert_eq!(res.status(), 200);
        let d: serde_json::Value = res.json().await.unwrap();
        let sent = sorted(counter.take());
        assert!(sent.len() <= 3, "{round}: {sent:?}");
        assert_eq!(
            sent,
            vec!["GetItem".to_owned(), "Query".to_owned(), "Query".to_owned()],
            "{round}: the caller's profile, people and counters, urgent tasks"
        );
        assert_eq!((&d["overdue"], &d["due_this_week"]), (&1.into(), &1.into()));
        assert_eq!(d["unassigned_open"], 1);
        let load = serde_json::json!([
            {"name": "Mo", "open": 2, "overdue": 1},
            {"name": "Ada", "open": 1, "overdue": 0},
        ]);
        assert_eq!(d["workload"], load, "{round}");
        figures.push((round, d["total"].clone(), sent));
    }
    assert_eq!(figures[0].1, 4);
    assert_eq!(figures[1].1, 505);
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
    let endpoint = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("TASKLANE_MOTO_ENDPOINT is not set: run through scripts/with-moto.sh");
    let counter = RequestCounter::new();
    let dynamo = Arc::new(DynamoStore::new(
        DynamoStore::local_client(&endpoint, Some(counter.clone())),
        format!("tasklane-proj-{}", uuid::Uuid::now_v7()),
    ));
    dynamo.create_table().await.unwrap();
    let app = TestApp::spawn_on(Some(dynamo.clone())).await;
    let (ada_jar, _) = person(&app, &dynamo, "ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = person(&app, &dynamo, "mo@example.com", "Mo", "Member-Pass-42").await;
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
        // The caller's profile, then the catalog, the directory and one
        // page per column: the same for both roles.
        cost(
            if who == "admin" {
                "board of a project (admin)"
            } else {
                "board of a project (member)"
            },
            sent,
            &[
                "GetItem", "Query", "Query", "Query", "Query", "Query", "Query", "Query",
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
        &["GetItem", "Query", "Query"],
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
