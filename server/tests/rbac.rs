//! The RBAC matrix: every server function (and the CSV download) called by
//! an anonymous client, a member assigned to the task, a member who is not,
//! an admin, and two callers holding old but unexpired tokens: an admin
//! demoted since (who must get exactly what a member gets) and a member
//! deactivated since (who must get exactly what an anonymous client gets),
//! against the real server. Each cell gets a fresh task so no
//! cell depends on another's side effects. Expected outcomes come from
//! DESIGN.md, not from the code under test: a wrong grant or a wrong refusal
//! fails the test, and the matrix is printed.

use crate::support;

use domain::{NewTask, Priority, TaskTitle, UserId};
use store::Store;
use support::TestApp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Assigned,
    NotAssigned,
    Admin,
    /// Signed in as an admin, demoted afterwards; still holds that token.
    DemotedAdmin,
    /// Assigned to the task, deactivated afterwards; still holds a token.
    Deactivated,
}

const WHO: [Who; 6] = [
    Who::Anonymous,
    Who::Assigned,
    Who::NotAssigned,
    Who::Admin,
    Who::DemotedAdmin,
    Who::Deactivated,
];

impl Who {
    /// The design's rule for the two old-token callers: authority is read
    /// from the store on each request, so a demoted admin is a member who is
    /// not assigned, and a deactivated member is nobody.
    fn expected(self, e: [Expect; 4]) -> Expect {
        match self {
            Who::Anonymous | Who::Deactivated => e[0],
            Who::Assigned => e[1],
            Who::NotAssigned | Who::DemotedAdmin => e[2],
            Who::Admin => e[3],
        }
    }
}

/// What a cell must answer: success (2xx/3xx) or exactly this status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Ok,
    Deny(u16),
}
use Expect::{Deny, Ok as Allow};

/// Ids a request may need.
struct Ids {
    task: String,
    assigned: UserId,
    other: UserId,
    profile_version: u64,
    other_version: u64,
    webhook: String,
    invite_version: String,
    invite_token: String,
}

/// The address each cell's fresh invitation is for.
const INVITEE: &str = "rbac-invitee@example.com";

type Form = Vec<(&'static str, String)>;

struct Case {
    name: &'static str,
    get: bool,
    path: &'static str,
    form: fn(&Ids) -> Form,
    /// Anonymous, member assigned, member not assigned, admin.
    expect: [Expect; 4],
    /// For reads members may make: the hidden task must not leak into them.
    no_leak: bool,
}

fn v(s: &str) -> String {
    s.to_owned()
}

fn cases() -> Vec<Case> {
    const TASK_MEMBER_WRITE: [Expect; 4] = [Deny(401), Allow, Deny(404), Allow];
    const TASK_ADMIN: [Expect; 4] = [Deny(401), Deny(403), Deny(404), Allow];
    const ADMIN_ONLY: [Expect; 4] = [Deny(401), Deny(403), Deny(403), Allow];
    const SIGNED_IN: [Expect; 4] = [Deny(401), Allow, Allow, Allow];
    const ANYONE: [Expect; 4] = [Allow, Allow, Allow, Allow];
    vec![
        Case {
            name: "task detail",
            get: false,
            path: "/api/tasks/get",
            form: |i| vec![("id", i.task.clone())],
            expect: TASK_MEMBER_WRITE,
            no_leak: false,
        },
        Case {
            name: "edit task",
            get: false,
            path: "/api/tasks/update",
            form: |i| {
                vec![
                    ("id", i.task.clone()),
                    ("version", v("1")),
                    ("title", v("Renamed")),
                    ("priority", v("LOW")),
                ]
            },
            expect: TASK_ADMIN,
            no_leak: false,
        },
        Case {
            name: "tick a checklist item",
            get: false,
            path: "/api/tasks/check",
            form: |i| {
                vec![
                    ("id", i.task.clone()),
                    ("version", v("1")),
                    ("index", v("1")),
                    ("done", v("true")),
                ]
            },
            expect: TASK_MEMBER_WRITE,
            no_leak: false,
        },
        Case {
            name: "edit the checklist and repeat",
            get: false,
            path: "/api/tasks/update",
            form: |i| {
                vec![
                    ("id", i.task.clone()),
                    ("version", v("1")),
                    ("title", v("Renamed")),
                    ("priority", v("LOW")),
                    ("due", v("2031-01-06")),
                    ("checklist", v("Only this")),
                    ("repeat", v("WEEKS")),
                    ("every", v("2")),
                ]
            },
            expect: TASK_ADMIN,
            no_leak: false,
        },
        Case {
            name: "list labels",
            get: false,
            path: "/api/labels/list",
            form: |_| vec![],
            expect: SIGNED_IN,
            no_leak: false,
        },
        Case {
            name: "create a label",
            get: false,
            path: "/api/labels/create",
            form: |_| vec![("name", v("Urgent")), ("color", v("RED"))],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "rename a label that does not exist",
            get: false,
            path: "/api/labels/update",
            form: |_| {
                vec![
                    ("id", v("0190b2a4-0000-7000-8000-000000000000")),
                    ("version", v("1")),
                    ("name", v("Renamed")),
                    ("color", v("RED")),
                ]
            },
            expect: [Deny(401), Deny(403), Deny(403), Deny(404)],
            no_leak: false,
        },
        Case {
            name: "delete a label that does not exist",
            get: false,
            path: "/api/labels/delete",
            form: |_| {
                vec![
                    ("id", v("0190b2a4-0000-7000-8000-000000000000")),
                    ("version", v("1")),
                ]
            },
            expect: [Deny(401), Deny(403), Deny(403), Deny(404)],
            no_leak: false,
        },
        Case {
            name: "list projects",
            get: false,
            path: "/api/projects/list",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "people a new task may be assigned to",
            get: false,
            path: "/api/tasks/assignable",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "projects a new task may go to",
            get: false,
            path: "/api/projects/choices",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "create a project",
            get: false,
            path: "/api/projects/create",
            form: |_| vec![("name", v("Launch"))],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "rename a project that does not exist",
            get: false,
            path: "/api/projects/rename",
            form: |_| {
                vec![
                    ("id", v("0190b2a4-0000-7000-8000-000000000000")),
                    ("version", v("1")),
                    ("name", v("Renamed")),
                ]
            },
            expect: [Deny(401), Deny(403), Deny(403), Deny(404)],
            no_leak: false,
        },
        Case {
            name: "archive the default project",
            get: false,
            path: "/api/projects/archive",
            form: |_| {
                vec![
                    ("id", domain::ProjectId::DEFAULT.to_string()),
                    ("version", v("0")),
                    ("archived", v("true")),
                ]
            },
            expect: [Deny(401), Deny(403), Deny(403), Deny(409)],
            no_leak: false,
        },
        Case {
            name: "move a task to the default project",
            get: false,
            path: "/api/tasks/update",
            form: |i| {
                vec![
                    ("id", i.task.clone()),
                    ("version", v("1")),
                    ("title", v("Renamed")),
                    ("priority", v("LOW")),
                    ("project", domain::ProjectId::DEFAULT.to_string()),
                ]
            },
            expect: TASK_ADMIN,
            no_leak: false,
        },
        Case {
            name: "board of one project",
            get: false,
            path: "/api/tasks/board",
            form: |_| vec![("query[project]", domain::ProjectId::DEFAULT.to_string())],
            expect: SIGNED_IN,
            no_leak: true,
        },
        Case {
            name: "dashboard of one project",
            get: false,
            path: "/api/dashboard",
            form: |_| vec![("project", domain::ProjectId::DEFAULT.to_string())],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "move task",
            get: false,
            path: "/api/tasks/status",
            form: |i| {
                vec![
                    ("id", i.task.clone()),
                    ("version", v("1")),
                    ("status", v("IN_PROGRESS")),
                ]
            },
            expect: TASK_MEMBER_WRITE,
            no_leak: false,
        },
        Case {
            name: "assign",
            get: false,
            path: "/api/tasks/assign",
            form: |i| {
                vec![
                    ("id", i.task.clone()),
                    ("version", v("1")),
                    ("assignees[]", i.assigned.to_string()),
                    ("assignees[]", i.other.to_string()),
                ]
            },
            expect: TASK_ADMIN,
            no_leak: false,
        },
        Case {
            name: "delete task",
            get: false,
            path: "/api/tasks/delete",
            form: |i| vec![("id", i.task.clone()), ("version", v("1"))],
            expect: TASK_ADMIN,
            no_leak: false,
        },
        Case {
            name: "comment",
            get: false,
            path: "/api/tasks/comment",
            form: |i| vec![("id", i.task.clone()), ("body", v("hello"))],
            expect: TASK_MEMBER_WRITE,
            no_leak: false,
        },
        Case {
            name: "board",
            get: false,
            path: "/api/tasks/board",
            form: |_| vec![],
            expect: SIGNED_IN,
            no_leak: true,
        },
        Case {
            name: "board column",
            get: false,
            path: "/api/tasks/column",
            form: |_| vec![("status", v("OPEN")), ("after", v(""))],
            expect: SIGNED_IN,
            no_leak: true,
        },
        Case {
            name: "my tasks",
            get: false,
            path: "/api/tasks/mine",
            form: |_| vec![],
            expect: SIGNED_IN,
            no_leak: true,
        },
        Case {
            name: "create task",
            get: false,
            path: "/api/tasks/create",
            form: |i| {
                vec![
                    ("title", v("New")),
                    ("priority", v("HIGH")),
                    ("assignees[]", i.assigned.to_string()),
                ]
            },
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "quick-add in a board column",
            get: false,
            path: "/api/tasks/create",
            form: |_| {
                vec![
                    ("title", v("Quick")),
                    ("priority", v("MEDIUM")),
                    ("status", v("IN_PROGRESS")),
                    ("back", v("/board")),
                ]
            },
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "team",
            get: false,
            path: "/api/team/list",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "change role",
            get: false,
            path: "/api/team/role",
            form: |i| {
                vec![
                    ("user", i.other.to_string()),
                    ("version", i.other_version.to_string()),
                    ("role", v("MEMBER")),
                ]
            },
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "set active",
            get: false,
            path: "/api/team/active",
            form: |i| {
                vec![
                    ("user", i.other.to_string()),
                    ("version", i.other_version.to_string()),
                    ("active", v("true")),
                ]
            },
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "dashboard",
            get: false,
            path: "/api/dashboard",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "CSV export",
            get: true,
            path: "/export/tasks.csv",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "own profile",
            get: false,
            path: "/api/profile/get",
            form: |_| vec![],
            expect: SIGNED_IN,
            no_leak: true,
        },
        Case {
            name: "update own profile",
            get: false,
            path: "/api/profile/update",
            form: |i| {
                vec![
                    ("version", i.profile_version.to_string()),
                    ("display_name", v("Renamed Person")),
                    ("prefs[ASSIGNED_email]", v("on")),
                ]
            },
            expect: SIGNED_IN,
            no_leak: false,
        },
        Case {
            name: "create own calendar feed",
            get: false,
            path: "/api/profile/calendar",
            form: |i| vec![("version", i.profile_version.to_string())],
            expect: SIGNED_IN,
            no_leak: false,
        },
        Case {
            // Every task is the admins' view; a member asking is refused
            // with a clear 400 rather than silently given their own.
            name: "create an all-tasks calendar feed",
            get: false,
            path: "/api/profile/calendar",
            form: |i| {
                vec![
                    ("version", i.profile_version.to_string()),
                    ("all_tasks", v("on")),
                ]
            },
            expect: [Deny(401), Deny(400), Deny(400), Allow],
            no_leak: false,
        },
        Case {
            name: "revoke own calendar feed",
            get: false,
            path: "/api/profile/calendar/revoke",
            form: |i| vec![("version", i.profile_version.to_string())],
            expect: SIGNED_IN,
            no_leak: false,
        },
        Case {
            name: "notifications",
            get: false,
            path: "/api/notifications/list",
            form: |_| vec![],
            expect: SIGNED_IN,
            no_leak: true,
        },
        Case {
            name: "mark all read",
            get: false,
            path: "/api/notifications/read",
            form: |_| vec![("id", v("all"))],
            expect: SIGNED_IN,
            no_leak: false,
        },
        Case {
            name: "unread count",
            get: false,
            path: "/api/notifications/unread",
            form: |_| vec![],
            expect: ANYONE,
            no_leak: false,
        },
        Case {
            // Visitors and ended sessions get the landing page (null), not
            // an error; each person's lists hold only their own tasks.
            name: "home",
            get: false,
            path: "/api/home",
            form: |_| vec![],
            expect: ANYONE,
            no_leak: true,
        },
        Case {
            name: "list webhooks",
            get: false,
            path: "/api/webhooks/list",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "add webhook",
            get: false,
            path: "/api/webhooks/create",
            form: |_| {
                vec![
                    ("url", v("https://hooks.example.com/rbac")),
                    ("events[ASSIGNED]", v("on")),
                ]
            },
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "remove webhook",
            get: false,
            path: "/api/webhooks/delete",
            form: |i| vec![("id", i.webhook.clone())],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "list invitations",
            get: false,
            path: "/api/invites/list",
            form: |_| vec![],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "invite",
            get: false,
            path: "/api/invites/create",
            form: |_| vec![("email", v("rbac-new@example.com"))],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "re-send invitation",
            get: false,
            path: "/api/invites/resend",
            form: |i| vec![("email", v(INVITEE)), ("version", i.invite_version.clone())],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "revoke invitation",
            get: false,
            path: "/api/invites/revoke",
            form: |_| vec![("email", v(INVITEE))],
            expect: ADMIN_ONLY,
            no_leak: false,
        },
        Case {
            name: "invitation link",
            get: false,
            path: "/api/invites/show",
            form: |i| vec![("token", i.invite_token.clone())],
            expect: ANYONE,
            no_leak: false,
        },
        Case {
            name: "who am I",
            get: false,
            path: "/api/auth/me",
            form: |_| vec![],
            expect: ANYONE,
            no_leak: false,
        },
    ]
}

const HIDDEN: &str = "Hidden from the bystander";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_by_every_kind_of_caller() {
    let app = TestApp::spawn().await;
    let (admin_jar, admin) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (assigned_jar, assigned) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let (other_jar, other) = app.user("olu@example.com", "Olu", "Other-Pass-42").await;
    let (_, demoted) = app.user("dee@example.com", "Dee", "Demoted-Pass-42").await;
    let (gone_jar, gone) = app.user("gus@example.com", "Gus", "Gone-Pass-4242").await;
    app.set_role(&admin_jar, demoted, "ADMIN").await;
    // Signed in while an admin: this token's groups say ADMIN.
    let demoted_jar = app.sign_in("dee@example.com", "Demoted-Pass-42").await;
    app.set_role(&admin_jar, demoted, "MEMBER").await;
    app.set_active(&admin_jar, gone, false).await;

    let mut wrong = Vec::new();
    let mut rows = Vec::new();
    let mut cells = 0;
    for case in cases() {
        let mut row = format!("{:<20}", case.name);
        for who in WHO.iter() {
            // A fresh task per cell, assigned to the assigned member only,
            // with a title no other cell uses (so leaks are attributable).
            let title = format!("{HIDDEN} #{cells}");
            let task = app
                .store
                .create_task(NewTask {
                    project: Default::default(),
                    checklist: domain::Checklist::from_lines("One\nTwo", &Default::default())
                        .unwrap(),
                    recurrence: None,
                    labels: Vec::new(),
                    status: domain::Status::Open,
                    title: TaskTitle::parse(&title).unwrap(),
                    description: None,
                    priority: Priority::Medium,
                    due: None,
                    assignees: vec![assigned, gone],
                    created_by: admin,
                })
                .await
                .unwrap();
            let (jar, me) = match who {
                Who::Anonymous => (None, None),
                Who::Assigned => (Some(assigned_jar.as_str()), Some(assigned)),
                Who::NotAssigned => (Some(other_jar.as_str()), Some(other)),
                Who::Admin => (Some(admin_jar.as_str()), Some(admin)),
                Who::DemotedAdmin => (Some(demoted_jar.as_str()), Some(demoted)),
                Who::Deactivated => (Some(gone_jar.as_str()), Some(gone)),
            };
            let profile_version = match me {
                Some(u) => app.store.get_profile(u).await.unwrap().version,
                None => 1,
            };
            // A fresh webhook per cell too, so a removal has one to remove.
            let webhook = app
                .store
                .create_webhook(domain::NewWebhook {
                    url: domain::WebhookUrl::parse("https://hooks.example.com/cell").unwrap(),
                    events: [domain::EventKind::Assigned].into_iter().collect(),
                    created_by: admin,
                })
                .await
                .unwrap();
            // And a fresh invitation, so re-send and revoke have one.
            for i in app.store.list_invitations().await.unwrap() {
                app.store.revoke_invitation(&i.email).await.unwrap();
            }
            let nonce = store::InviteKey::new_nonce();
            let key = &app.invite_key;
            let now = time::OffsetDateTime::now_utc();
            let invitation = app
                .store
                .save_invitation(
                    domain::Invitation {
                        email: domain::Email::parse(INVITEE).unwrap(),
                        invited_by: admin,
                        inviter_name: "Ada".into(),
                        sent_at: now,
                        expires_at: now + domain::INVITE_TTL,
                        token_hash: key.lookup_hash(&key.token(&nonce)),
                        nonce: nonce.clone(),
                        version: 0,
                    },
                    None,
                )
                .await
                .unwrap();
            let ids = Ids {
                invite_version: invitation.version.to_string(),
                invite_token: key.token(&nonce),
                webhook: webhook.id.to_string(),
                task: task.id.to_string(),
                assigned,
                other,
                profile_version,
                other_version: app.store.get_profile(other).await.unwrap().version,
            };
            let res = if case.get {
                let mut req = app.client.get(app.url(case.path));
                if let Some(c) = jar {
                    req = req.header("cookie", c);
                }
                req.send().await.unwrap()
            } else {
                app.post(case.path, jar, &(case.form)(&ids)).await
            };
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            let got = if (200..400).contains(&status) {
                Allow
            } else {
                Deny(status)
            };
            let want = who.expected(case.expect);
            cells += 1;
            if got != want {
                wrong.push(format!(
                    "{} as {who:?}: expected {want:?}, got {status} {body}",
                    case.name
                ));
            }
            let bystander = matches!(who, Who::NotAssigned | Who::DemotedAdmin | Who::Deactivated);
            if case.no_leak && bystander && body.contains(&title) {
                wrong.push(format!("{} as {who:?}: leaked the hidden task", case.name));
            }
            // Guard against vacuous denials: an allowed cell did the work.
            if want == Allow && case.path == "/api/tasks/status" {
                let now = app.store.get_task(task.id, 1).await.unwrap().task;
                assert_eq!(
                    now.status,
                    domain::Status::InProgress,
                    "{who:?} move took effect"
                );
            }
            if case.path.starts_with("/api/webhooks/") {
                let hooks = app.store.list_webhooks().await.unwrap();
                let expected = match (case.path, want) {
                    ("/api/webhooks/create", Allow) => 2,
                    ("/api/webhooks/delete", Allow) => 0,
                    _ => 1,
                };
                assert_eq!(hooks.len(), expected, "{} as {who:?}", case.name);
                for h in hooks {
                    app.store.delete_webhook(h.id).await.unwrap();
                }
            } else {
                app.store.delete_webhook(webhook.id).await.unwrap();
            }
            if case.path.starts_with("/api/invites/") {
                // Allowed writes took effect; refused ones changed nothing.
                let pending = app.store.list_invitations().await.unwrap();
                let emails: Vec<&str> = pending.iter().map(|i| i.email.as_str()).collect();
                let expected: &[&str] = match (case.path, want) {
                    ("/api/invites/create", Allow) => &[INVITEE, "rbac-new@example.com"],
                    ("/api/invites/revoke", Allow) => &[],
                    _ => &[INVITEE],
                };
                assert_eq!(emails, expected, "{} as {who:?}", case.name);
                let resent = pending.iter().any(|i| i.version == 2);
                assert_eq!(
                    resent,
                    case.path == "/api/invites/resend" && want == Allow,
                    "{} as {who:?}: re-sent",
                    case.name
                );
            }
            if want != Allow && case.path == "/api/tasks/update" && status != 404 {
                let now = app.store.get_task(task.id, 1).await.unwrap().task;
                assert_eq!(
                    now.title.as_str(),
                    title,
                    "{who:?}: refused edit changed nothing"
                );
            }
            row.push_str(&format!(
                " {:>9}",
                match got {
                    Allow => "ok".to_string(),
                    Deny(s) => s.to_string(),
                }
            ));
        }
        rows.push(row);
    }
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11}",
        "server function", "anonymous", "assigned", "bystander", "admin", "demoted", "deactivated"
    );
    for r in &rows {
        println!("{r}");
    }
    println!(
        "RBAC matrix: {} functions × 6 callers = {cells} cells, {} wrong",
        rows.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "wrong outcomes:\n{}", wrong.join("\n"));
}

/// The home page's one role-dependent part, "Unassigned" (open tasks
/// nobody is on), by every kind of caller: only a current admin gets the
/// list and the hidden task in it, on the page and from the function.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_pages_unassigned_list_by_every_kind_of_caller() {
    let app = TestApp::spawn().await;
    let (admin_jar, admin) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (member_jar, _) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let (_, demoted) = app.user("dee@example.com", "Dee", "Demoted-Pass-42").await;
    let (gone_jar, gone) = app.user("gus@example.com", "Gus", "Gone-Pass-4242").await;
    app.set_role(&admin_jar, demoted, "ADMIN").await;
    let demoted_jar = app.sign_in("dee@example.com", "Demoted-Pass-42").await;
    app.set_role(&admin_jar, demoted, "MEMBER").await;
    app.set_active(&admin_jar, gone, false).await;
    let title = format!("{HIDDEN}: nobody's");
    app.store
        .create_task(NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: TaskTitle::parse(&title).unwrap(),
            description: None,
            priority: Priority::Medium,
            due: None,
            assignees: vec![],
            created_by: admin,
        })
        .await
        .unwrap();
    let mut wrong = Vec::new();
    for (who, jar) in [
        (Who::Anonymous, None),
        (Who::NotAssigned, Some(member_jar.as_str())),
        (Who::Admin, Some(admin_jar.as_str())),
        (Who::DemotedAdmin, Some(demoted_jar.as_str())),
        (Who::Deactivated, Some(gone_jar.as_str())),
    ] {
        let sees = who == Who::Admin;
        let res = app.post("/api/home", jar, &[]).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        let listed = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .is_some_and(|v| v["unassigned"]["rows"].is_array());
        if status != 200 || listed != sees || body.contains(&title) != sees {
            wrong.push(format!("{who:?}: function answered {status} {body}"));
        }
        let (_, page) = app.page("/", jar).await;
        let section = page.contains("data-testid=\"home-unassigned\"");
        if section != sees || page.contains(&title) != sees {
            wrong.push(format!("{who:?}: page shows the section: {section}"));
        }
    }
    assert!(wrong.is_empty(), "wrong outcomes:\n{}", wrong.join("\n"));
}
