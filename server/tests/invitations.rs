//! Invitations over HTTP against the real server (SQLite, sign-up by
//! invitation): an admin invites, the worker mails the link with its
//! expiry, the invitee signs up through it and joins as a member; the
//! uninvited, the revoked, the expired, the replaced and the reused are
//! refused with a clear 4xx; hostile addresses and names stay text. And
//! what each action costs on DynamoDB (moto), counted at the SDK.

use crate::support;

use std::sync::Arc;

use domain::{Email, Invitation, SignupMode};
use store::{DynamoStore, RequestCounter, Store};
use support::TestApp;

const ADMIN_NAME: &str = "</title><script>alert('name')</script>";
const HOSTILE: &str = "<script>alert(1)</script>@evil.example.com";

fn s(v: &str) -> String {
    v.to_owned()
}

async fn mailbox(app: &TestApp) -> Vec<serde_json::Value> {
    app.client
        .get(app.url("/dev/mailbox.json"))
        .send()
        .await
        .unwrap()
        .json::<Vec<serde_json::Value>>()
        .await
        .unwrap()
}

/// Every invitation mail to `to`, oldest first.
async fn invitations_to(app: &TestApp, to: &str) -> Vec<serde_json::Value> {
    let mut v: Vec<_> = mailbox(app)
        .await
        .into_iter()
        .filter(|m| m["to"] == to && m["subject"].as_str().unwrap().contains("invited you"))
        .collect();
    v.reverse();
    v
}

/// The token of the link in a mail.
fn token_in(mail: &serde_json::Value) -> String {
    let text = mail["text"].as_str().unwrap();
    let at = text.find("/invite/").expect("a link") + "/invite/".len();
    text[at..at + 64].to_owned()
}

async fn sign_up(app: &TestApp, email: &str, name: &str) -> reqwest::Response {
    app.post(
        "/api/auth/sign_up",
        None,
        &[
            ("email", s(email)),
            ("display_name", s(name)),
            ("password", s("Invited-Pass-42")),
        ],
    )
    .await
}

async fn confirm(app: &TestApp, email: &str) -> reqwest::Response {
    let mail = mailbox(app).await;
    let text = mail
        .iter()
        .find(|m| m["to"] == email && m["text"].as_str().unwrap().contains("confirm your email"))
        .unwrap_or_else(|| panic!("no code for {email}"))["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let code: String = text
        .split("confirm your email address: ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    app.post(
        "/api/auth/confirm",
        None,
        &[("email", s(email)), ("code", code)],
    )
    .await
}

async fn body(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn stored(app: &TestApp, email: &str) -> Option<Invitation> {
    app.store
        .get_invitation(&Email::parse(email).unwrap())
        .await
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_mailed_accepted_once_and_makes_a_member() {
    let app = TestApp::spawn_with(None, Some(SignupMode::Invite)).await;
    // Before any admin exists, sign-up is open: the first becomes admin.
    let (admin_jar, _) = app
        .user("ada@example.com", ADMIN_NAME, "Correct-Horse-9")
        .await;

    // The uninvited are refused, with the reason, before any mail is sent.
    let (status, text) = body(sign_up(&app, "stranger@example.com", "Stranger").await).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("invitation only"), "{text}");
    assert!(mailbox(&app)
        .await
        .iter()
        .all(|m| m["to"] != "stranger@example.com"));

    // Bad input is a 400; a member's address a 409.
    let (status, _) = body(
        app.post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s("not an email"))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let (status, text) = body(
        app.post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s("ADA@example.com"))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{text}");

    // Invite (the address is normalised); a second invite is a 409.
    let res = app
        .post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s(" Eve@Example.COM "))],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let (status, text) = body(
        app.post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s("eve@example.com"))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{text}");
    let inv = stored(&app, "eve@example.com").await.expect("stored");
    assert_eq!(inv.expires_at - inv.sent_at, domain::INVITE_TTL);
    // Only the keyed hash of the link's token is stored.
    let raw = serde_json::to_string(&inv).unwrap();
    assert!(!raw.contains(&app.invite_key.token(&inv.nonce)));

    // The mail goes out from the change feed, not the request.
    assert!(invitations_to(&app, "eve@example.com").await.is_empty());
    app.worker.run_once().await.unwrap();
    let mails = invitations_to(&app, "eve@example.com").await;
    assert_eq!(mails.len(), 1, "one mail per link");
    let token = token_in(&mails[0]);
    let text = mails[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{}/invite/{token}", app.url(""))),
        "{text}"
    );
    let expiry_year = inv.expires_at.year().to_string();
    assert!(
        text.contains("The link works until") && text.contains(&expiry_year),
        "{text}"
    );
    let html = mails[0]["html"].as_str().unwrap();
    assert!(html.contains(&format!("/invite/{token}")) && html.contains("works until"));
    assert!(
        !html.contains("<script>") && html.contains("&#60;script&#62;"),
        "{html}"
    );
    // Ticking again sends nothing more.
    app.worker.run_once().await.unwrap();
    assert_eq!(invitations_to(&app, "eve@example.com").await.len(), 1);

    // The link's page and function show it (one Query), to anyone.
    let (status, page) = app.page(&format!("/invite/{token}"), None).await;
    assert_eq!(status, 200);
    assert!(page.contains("eve@example.com") && page.contains("data-testid=\"invite-signup\""));
    assert!(
        !page.contains("<script>alert('name')"),
        "the inviter's name is text"
    );
    let (status, shown) = body(
        app.post("/api/invites/show", None, &[("token", token.clone())])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["email"], "eve@example.com");
    assert_eq!(shown["inviter"], ADMIN_NAME);

    // The admin's list shows it with its expiry.
    let (status, list) = body(app.post("/api/invites/list", Some(&admin_jar), &[]).await).await;
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["signup"], "invite");
    assert_eq!(list["invitations"][0]["email"], "eve@example.com");
    assert_eq!(list["invitations"][0]["expired"], false);
    assert!(list["invitations"][0]["expires_at"]
        .as_str()
        .unwrap()
        .contains(&expiry_year));

    // Accepting: sign up with the invited address, confirm, sign in: a member.
    let (status, text) = body(sign_up(&app, "eve@example.com", "Eve").await).await;
    assert!(status < 400, "{status} {text}");
    let res = confirm(&app, "eve@example.com").await;
    assert!(!res.status().is_client_error(), "confirm: {}", res.status());
    let eve = app
        .store
        .profile_by_email(&Email::parse("eve@example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(eve.role, domain::Role::Member);
    assert!(stored(&app, "eve@example.com").await.is_none(), "used up");
    let jar = app.sign_in("eve@example.com", "Invited-Pass-42").await;
    let me: serde_json::Value = app
        .post("/api/auth/me", Some(&jar), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["is_admin"], false);

    // The used link is a clear 404, on the page and from the function.
    let (status, text) = body(
        app.post("/api/invites/show", None, &[("token", token.clone())])
            .await,
    )
    .await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("already used"), "{text}");
    assert_eq!(app.page(&format!("/invite/{token}"), None).await.0, 404);
    // Garbage tokens too, without a read.
    for bad in ["", "x", "../../etc", &"g".repeat(64), &"0".repeat(65)] {
        let (status, _) = body(
            app.post("/api/invites/show", None, &[("token", s(bad))])
                .await,
        )
        .await;
        assert_eq!(status, 404, "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_replaced_and_expired_invitations_let_nobody_in() {
    let app = TestApp::spawn_with(None, Some(SignupMode::Invite)).await;
    let (admin_jar, admin) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (status, _) = body(sign_up(&app, "mo@example.com", "Mo").await).await;
    assert_eq!(status, 403, "not yet invited");
    let ok = app
        .post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s("mo@example.com"))],
        )
        .await;
    assert!(ok.status().is_success());
    app.confirmed_account("mo@example.com", "Mo", "Member-Pass-42")
        .await;
    let member_jar = app.sign_in("mo@example.com", "Member-Pass-42").await;

    // A member may not invite, list, re-send or revoke.
    for (path, form) in [
        ("/api/invites/create", vec![("email", s("x@example.com"))]),
        ("/api/invites/list", vec![]),
        (
            "/api/invites/resend",
            vec![("email", s("x@example.com")), ("version", s("1"))],
        ),
        ("/api/invites/revoke", vec![("email", s("x@example.com"))]),
    ] {
        assert_eq!(
            app.post(path, Some(&member_jar), &form).await.status(),
            403,
            "{path}"
        );
        assert_eq!(app.post(path, None, &form).await.status(), 401, "{path}");
    }

    // Re-send: a new link; the old one stops working; a stale version is 409.
    let ok = app
        .post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s(HOSTILE))],
        )
        .await;
    assert!(ok.status().is_success(), "{}", ok.status());
    app.worker.run_once().await.unwrap();
    let first = token_in(&invitations_to(&app, HOSTILE).await[0]);
    let html = invitations_to(&app, HOSTILE).await[0]["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !html.contains("<script>alert(1)"),
        "the address is text in the mail"
    );
    let res = app
        .post(
            "/api/invites/resend",
            Some(&admin_jar),
            &[("email", s(HOSTILE)), ("version", s("1"))],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let (status, _) = body(
        app.post(
            "/api/invites/resend",
            Some(&admin_jar),
            &[("email", s(HOSTILE)), ("version", s("1"))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    app.worker.run_once().await.unwrap();
    let mails = invitations_to(&app, HOSTILE).await;
    assert_eq!(mails.len(), 2);
    let second = token_in(&mails[1]);
    assert_ne!(first, second);
    assert_eq!(
        app.post("/api/invites/show", None, &[("token", first)])
            .await
            .status(),
        404
    );
    let (status, shown) = body(
        app.post("/api/invites/show", None, &[("token", second.clone())])
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["email"], HOSTILE, "JSON carries the text as it is");
    // The Team page and the link page show the hostile address as text.
    let team = app.page_html("/team", &admin_jar).await;
    assert!(
        team.contains("data-testid=\"pending-invitation\""),
        "listed"
    );
    assert!(
        !team.contains("<script>alert(1)</script>@evil"),
        "escaped on the Team page"
    );
    assert!(team.contains("&lt;script&gt;alert(1)&lt;/script&gt;@evil.example.com"));
    let (status, page) = app.page(&format!("/invite/{second}"), None).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("<script>alert(1)</script>@evil"),
        "escaped on the link page"
    );

    // Revoked: the link is gone, sign-up is refused, a second revoke is 404.
    let res = app
        .post(
            "/api/invites/revoke",
            Some(&admin_jar),
            &[("email", s(HOSTILE))],
        )
        .await;
    assert!(res.status().is_success());
    assert_eq!(
        app.post("/api/invites/show", None, &[("token", second)])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post(
            "/api/invites/revoke",
            Some(&admin_jar),
            &[("email", s(HOSTILE))]
        )
        .await
        .status(),
        404
    );
    assert_eq!(sign_up(&app, HOSTILE, "Hostile").await.status(), 403);

    // Expired: the link says so (404) and sign-up is refused (403).
    let key = &app.invite_key;
    let nonce = store::InviteKey::new_nonce();
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(8);
    app.store
        .save_invitation(
            Invitation {
                email: Email::parse("late@example.com").unwrap(),
                invited_by: admin,
                inviter_name: "Ada".into(),
                sent_at: past,
                expires_at: past + domain::INVITE_TTL,
                token_hash: key.lookup_hash(&key.token(&nonce)),
                nonce: nonce.clone(),
                version: 0,
            },
            None,
        )
        .await
        .unwrap();
    let (status, text) = body(
        app.post("/api/invites/show", None, &[("token", key.token(&nonce))])
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert!(text.contains("expired"), "{text}");
    let (status, text) = body(sign_up(&app, "late@example.com", "Late").await).await;
    assert_eq!(status, 403);
    assert!(text.contains("expired"), "{text}");
    let list: serde_json::Value = app
        .post("/api/invites/list", Some(&admin_jar), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["invitations"][0]["expired"], true);

    // Revoked between sign-up and confirmation: confirming is refused.
    let ok = app
        .post(
            "/api/invites/create",
            Some(&admin_jar),
            &[("email", s("quick@example.com"))],
        )
        .await;
    assert!(ok.status().is_success());
    assert!(!sign_up(&app, "quick@example.com", "Quick")
        .await
        .status()
        .is_client_error());
    let res = app
        .post(
            "/api/invites/revoke",
            Some(&admin_jar),
            &[("email", s("quick@example.com"))],
        )
        .await;
    assert!(res.status().is_success());
    let (status, text) = body(confirm(&app, "quick@example.com").await).await;
    assert_eq!(status, 403, "{text}");
    assert!(app
        .store
        .profile_by_email(&Email::parse("quick@example.com").unwrap())
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_sign_up_needs_no_invitation() {
    let app = TestApp::spawn_with(None, Some(SignupMode::Open)).await;
    let (admin_jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (_, olu) = app.user("olu@example.com", "Olu", "Other-Pass-42").await;
    assert_eq!(
        app.store.get_profile(olu).await.unwrap().role,
        domain::Role::Member
    );
    let list: serde_json::Value = app
        .post("/api/invites/list", Some(&admin_jar), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["signup"], "open");
}

/// What each invitation action costs on DynamoDB: the router serves the
/// functions from a DynamoDB store on moto (accounts stay embedded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invitation_action_costs_a_few_requests() {
    let endpoint = std::env::var("TASKLANE_MOTO_ENDPOINT")
        .expect("TASKLANE_MOTO_ENDPOINT is not set: run through scripts/with-moto.sh");
    let counter = RequestCounter::new();
    let dynamo = Arc::new(DynamoStore::new(
        DynamoStore::local_client(&endpoint, Some(counter.clone())),
        format!("tasklane-invites-{}", uuid::Uuid::now_v7()),
    ));
    dynamo.create_table().await.unwrap();
    let app = TestApp::spawn_with(Some(dynamo.clone()), Some(SignupMode::Invite)).await;
    app.confirmed_account("ada@example.com", "Ada", "Correct-Horse-9")
        .await;
    let ada = app
        .store
        .profile_by_email(&Email::parse("ada@example.com").unwrap())
        .await
        .unwrap();
    dynamo
        .create_profile(domain::NewProfile {
            id: ada.id,
            email: ada.email.clone(),
            display_name: ada.display_name.clone(),
            role: ada.role,
        })
        .await
        .unwrap();
    let jar = app.sign_in("ada@example.com", "Correct-Horse-9").await;

    let mut figures = Vec::new();
    let mut measure = |name: &'static str, ops: Vec<String>, want: &[&str]| {
        let mut ops = ops;
        ops.sort();
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(ops, want, "{name}");
        figures.push(format!("{name}: {} ({})", ops.len(), ops.join(", ")));
    };

    counter.take();
    let res = app
        .post(
            "/api/invites/create",
            Some(&jar),
            &[("email", s("eve@example.com"))],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    measure(
        "invite",
        counter.take(),
        &["GetItem", "Query", "Query", "PutItem"],
    );

    let res = app.post("/api/invites/list", Some(&jar), &[]).await;
    assert_eq!(res.status(), 200);
    measure("list", counter.take(), &["GetItem", "Query"]);

    let res = app
        .post(
            "/api/invites/resend",
            Some(&jar),
            &[("email", s("eve@example.com")), ("version", s("1"))],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    measure(
        "re-send",
        counter.take(),
        &["GetItem", "GetItem", "PutItem"],
    );

    let inv = dynamo
        .get_invitation(&Email::parse("eve@example.com").unwrap())
        .await
        .unwrap();
    let token = app.invite_key.token(&inv.nonce);
    counter.take();
    let res = app
        .post("/api/invites/show", None, &[("token", token)])
        .await;
    assert_eq!(res.status(), 200);
    measure("link page", counter.take(), &["Query"]);

    // Sign-up's admission check (invite mode): the admin count and the
    // address's invitation.
    let res = app
        .post(
            "/api/auth/sign_up",
            None,
            &[
                ("email", s("stranger@example.com")),
                ("display_name", s("S")),
                ("password", s("Stranger-Pass-42")),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    measure("sign-up admission", counter.take(), &["GetItem", "GetItem"]);

    // Accepting (what confirmation does): read the invitation, then one
    // transaction consumes it and creates the member.
    let inv = dynamo
        .get_invitation(&Email::parse("eve@example.com").unwrap())
        .await
        .unwrap();
    let new = domain::NewProfile {
        id: domain::UserId::from_uuid(uuid::Uuid::now_v7()),
        email: inv.email.clone(),
        display_name: domain::DisplayName::parse("Eve").unwrap(),
        role: domain::Role::Member,
    };
    let p = dynamo.accept_invitation(&inv, new).await.unwrap();
    assert_eq!(p.role, domain::Role::Member);
    measure("accept", counter.take(), &["GetItem", "TransactWriteItems"]);

    let res = app
        .post(
            "/api/invites/create",
            Some(&jar),
            &[("email", s("bob@example.com"))],
        )
        .await;
    assert!(res.status().is_success());
    counter.take();
    let res = app
        .post(
            "/api/invites/revoke",
            Some(&jar),
            &[("email", s("bob@example.com"))],
        )
        .await;
    assert!(res.status().is_success());
    measure("revoke", counter.take(), &["GetItem", "DeleteItem"]);

    for f in &figures {
        println!(
            "DynamoDB requests per invitation action (the caller's profile read included): {f}"
        );
    }
}

/// At most `MAX_PENDING_INVITATIONS` live invitations: the next invite is
/// a 400 that says why and mails nobody; an expired invitation does not
/// count, and revoking one frees a place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_invitations_are_capped() {
    use domain::{INVITE_TTL, MAX_PENDING_INVITATIONS};
    let app = TestApp::spawn_with(None, Some(SignupMode::Invite)).await;
    let (admin_jar, admin) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let now = time::OffsetDateTime::now_utc();
    for n in 0..MAX_PENDING_INVITATIONS {
        let nonce = store::InviteKey::new_nonce();
        let invitation = Invitation {
            email: Email::parse(&format!("guest{n}@example.com")).unwrap(),
            invited_by: admin,
            inviter_name: "Ada".into(),
            sent_at: now,
            // The first has lapsed: it holds no place.
            expires_at: if n == 0 {
                now - time::Duration::minutes(1)
            } else {
                now + INVITE_TTL
            },
            token_hash: app.invite_key.lookup_hash(&app.invite_key.token(&nonce)),
            nonce,
            version: 0,
        };
        app.store.save_invitation(invitation, None).await.unwrap();
    }
    let invite = |email: &'static str| {
        let (app, jar) = (&app, &admin_jar);
        async move {
            body(
                app.post("/api/invites/create", Some(jar), &[("email", s(email))])
                    .await,
            )
            .await
        }
    };
    let (status, text) = invite("last@example.com").await;
    assert_eq!(status, 200, "one place left: {text}");
    let (status, text) = invite("over@example.com").await;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains(&format!(
            "at most {MAX_PENDING_INVITATIONS} pending invitations"
        )),
        "{text}"
    );
    assert!(stored(&app, "over@example.com").await.is_none());
    app.worker.run_once().await.unwrap();
    assert!(invitations_to(&app, "over@example.com").await.is_empty());
    assert_eq!(invitations_to(&app, "last@example.com").await.len(), 1);

    let res = app
        .post(
            "/api/invites/revoke",
            Some(&admin_jar),
            &[("email", s("guest1@example.com"))],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let (status, text) = invite("over@example.com").await;
    assert_eq!(status, 200, "revoking freed a place: {text}");
}
