//! The real router on a random loopback port, spoken to over HTTP.

use crate::support;

use store::Store;
use support::TestApp;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn home_page_is_server_rendered_and_tells_nothing_about_the_server() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    // Leptos marks text-node boundaries with <!> for hydration.
    let body = res.text().await.unwrap().replace("<!>", "");
    assert!(body.contains("Welcome to tasklane"), "{body}");
    assert!(
        !body.contains(env!("CARGO_PKG_VERSION")) && !body.contains("storage"),
        "no version or backend on the page: {body}"
    );
    assert!(
        body.contains("/pkg/tasklane.js"),
        "hydration script missing: {body}"
    );
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/signin"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "br");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let vary: Vec<_> = res.headers().get_all("vary").iter().collect();
    assert!(
        vary.iter().any(|v| v
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")),
        "{vary:?}"
    );
    let compressed = res.bytes().await.unwrap();
    let page = support::unbrotli(&compressed);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    // Leptos streams its (empty, in islands mode) resource scripts after
    // the document.
    assert!(page.contains("</body></html>"), "the whole page: {page}");
    assert!(
        page.contains("<h1 id=\"signin-title\">Sign in</h1>"),
        "{page}"
    );
    assert!(
        compressed.len() * 2 < page.len(),
        "{} -> {}",
        page.len(),
        compressed.len()
    );

    // gzip for clients without brotli, and nothing for clients without
    // either: the same page.
    let gz = app
        .client
        .get(app.url("/signin"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz = gz.bytes().await.unwrap();
    assert_eq!(&gz[..2], [0x1f, 0x8b], "a gzip stream");
    let plain = app.client.get(app.url("/signin")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    assert!(plain.contains("<h1 id=\"signin-title\">Sign in</h1>"));
}

#[tokio::test]
async fn unknown_path_renders_404_page_with_404_status() {
    let app = TestApp::spawn().await;
    let (status, body) = app.page("/no/such/page", None).await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"), "{body}");
    assert!(body.contains("<nav"), "404 page keeps the layout: {body}");
}

#[tokio::test]
async fn hashed_assets_are_precompressed_and_cached_forever() {
    let app = TestApp::spawn().await;
    let url = app.url("/pkg/tasklane.0123456789abcdef.wasm");

    let br = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-type"], "application/wasm");
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(br.headers()["vary"], "accept-encoding");
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli-bytes");

    let gz = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.bytes().await.unwrap().as_ref(), b"gzip-bytes");

    let raw = app.client.get(&url).send().await.unwrap();
    assert!(raw.headers().get("content-encoding").is_none());
    assert_eq!(raw.bytes().await.unwrap().as_ref(), b"\0asm-raw");
}

#[tokio::test]
async fn unhashed_files_must_revalidate() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=0, must-revalidate"
    );
}

#[tokio::test]
async fn path_traversal_does_not_escape_the_site_root() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/pkg/..%2f..%2f..%2fetc%2fpasswd"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains("root:"));
}

#[tokio::test]
async fn server_function_round_trips_and_rejects_bad_input() {
    let app = TestApp::spawn().await;
    let ok = app
        .client
        .post(app.url("/api/auth/me"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.json::<serde_json::Value>().await.unwrap().is_null());

    let malformed = app
        .client
        .post(app.url("/api/auth/sign_in"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("nope=%%%")
        .send()
        .await
        .unwrap();
    assert_eq!(
        malformed.status(),
        400,
        "malformed input is the client's fault"
    );
    let gone = app
        .client
        .post(app.url("/api/greet"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert!(
        gone.status().is_client_error(),
        "the scaffold greet is gone"
    );
}

#[tokio::test]
async fn jwks_is_served_for_the_local_issuer() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let key = &body["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );
    assert!(key["n"].as_str().is_some_and(|n| n.len() > 300));
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_any_server_function_runs() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/auth/sign_in"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "a@b.co"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(app.url("/api/auth/me"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn sign_up_confirm_sign_in_and_session_round_trip() {
    let app = TestApp::spawn().await;
    let post = |path: &str, form: &[(&str, &str)]| {
        app.client
            .post(app.url(path))
            .header("accept", "application/json")
            .form(form)
            .send()
    };
    // Weak password: a clear 400, nothing created.
    let weak = post(
        "/api/auth/sign_up",
        &[
            ("email", "ada@example.com"),
            ("display_name", "Ada"),
            ("password", "short"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(weak.status(), 400);
    assert!(weak
        .text()
        .await
        .unwrap()
        .contains("at least 12 characters"));

    let ok = post(
        "/api/auth/sign_up",
        &[
            ("email", "ada@example.com"),
            ("display_name", "Ada"),
            ("password", "Correct-Horse-9"),
        ],
    )
    .await
    .unwrap();
    assert!(
        ok.status().is_success() || ok.status().is_redirection(),
        "{}",
        ok.status()
    );
    // The same email again (any case) answers exactly like a new one.
    let dup = post(
        "/api/auth/sign_up",
        &[
            ("email", "ADA@example.com"),
            ("display_name", "Ada"),
            ("password", "Correct-Horse-9"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(dup.status(), ok.status());

    // Unconfirmed accounts cannot sign in.
    let early = post(
        "/api/auth/sign_in",
        &[
            ("email", "ada@example.com"),
            ("password", "Correct-Horse-9"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(early.status(), 403);

    // The code arrives in the dev mailbox.
    let mail: serde_json::Value = app
        .client
        .get(app.url("/dev/mailbox.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = mail.to_string();
    let code: String = text
        .split("Use this code to confirm your email address: ")
        .nth(1)
        .expect("confirmation mail in the mailbox")
        .chars()
        .take(6)
        .collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");

    let wrong = post(
        "/api/auth/confirm",
        &[("email", "ada@example.com"), ("code", "000000x")],
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 400);
    let confirmed = post(
        "/api/auth/confirm",
        &[("email", "ada@example.com"), ("code", &code)],
    )
    .await
    .unwrap();
    assert!(
        !confirmed.status().is_client_error(),
        "{}",
        confirmed.status()
    );

    let bad = post(
        "/api/auth/sign_in",
        &[("email", "ada@example.com"), ("password", "Wrong-Horse-99")],
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 401);
    let unknown = post(
        "/api/auth/sign_in",
        &[
            ("email", "nobody@example.com"),
            ("password", "Wrong-Horse-99"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), 401);
    assert_eq!(
        unknown.text().await.unwrap(),
        bad.text().await.unwrap(),
        "no account enumeration"
    );

    let signed_in = post(
        "/api/auth/sign_in",
        &[
            ("email", "ada@example.com"),
            ("password", "Correct-Horse-9"),
        ],
    )
    .await
    .unwrap();
    let cookies: Vec<String> = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies
        .iter()
        .all(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")));
    let jar: String = cookies
        .iter()
        .map(|c| c.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ");

    let me: serde_json::Value = app
        .client
        .post(app.url("/api/auth/me"))
        .header("accept", "application/json")
        .header("cookie", &jar)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(
        me["is_admin"], true,
        "the first account of a fresh install is the admin"
    );

    // A forged cookie is anonymous, not an error page.
    let forged: serde_json::Value = app
        .client
        .post(app.url("/api/auth/me"))
        .header("accept", "application/json")
        .header("cookie", "tl_access=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(forged.is_null());
}

#[tokio::test]
async fn malformed_and_hostile_task_input_gets_clear_4xx_and_is_escaped() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let s = |v: &str| v.to_owned();
    // Arguments that do not decode: 400 naming the problem, never 500.
    for (path, form) in [
        (
            "/api/tasks/create",
            vec![("title", s("x")), ("priority", s("EXTREME"))],
        ),
        (
            "/api/tasks/status",
            vec![("id", s("x")), ("version", s("abc")), ("status", s("OPEN"))],
        ),
        ("/api/tasks/update", vec![("id", s("x"))]),
    ] {
        let res = app.post(path, Some(&admin), &form).await;
        assert_eq!(res.status(), 400, "{path}");
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("panicked") && body.len() < 300,
            "{path}: {body}"
        );
    }
    // Values that decode but break a rule: 400 with the rule.
    let long = "t".repeat(201);
    let res = app
        .post(
            "/api/tasks/create",
            Some(&admin),
            &[("title", long), ("priority", s("LOW"))],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .post(
            "/api/tasks/create",
            Some(&admin),
            &[
                ("title", s("ok")),
                ("priority", s("LOW")),
                ("due", s("2026-02-31")),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("due date"));

    // A hostile title is stored as text and rendered escaped.
    let hostile = "<script>alert('x')</script> & \"quotes\"";
    let res = app
        .post(
            "/api/tasks/create",
            Some(&admin),
            &[("title", s(hostile)), ("priority", s("HIGH"))],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let page = app.page_html("/board", &admin).await;
    assert!(
        !page.contains("<script>alert("),
        "unescaped title in the page"
    );
    assert!(
        page.contains("&lt;script&gt;alert("),
        "the title is shown, escaped"
    );

    // A stale version is a 409 that says why, and changes nothing.
    let board: serde_json::Value = app
        .post("/api/tasks/board", Some(&admin), &[])
        .await
        .json()
        .await
        .unwrap();
    let card = &board["columns"][0]["cards"][0];
    let id = card["id"].as_str().unwrap().to_owned();
    let moved = app
        .post(
            "/api/tasks/status",
            Some(&admin),
            &[
                ("id", id.clone()),
                ("version", s("1")),
                ("status", s("BLOCKED")),
            ],
        )
        .await;
    assert!(moved.status().is_success(), "{}", moved.status());
    let stale = app
        .post(
            "/api/tasks/status",
            Some(&admin),
            &[("id", id), ("version", s("1")), ("status", s("DONE"))],
        )
        .await;
    assert_eq!(stale.status(), 409);
    assert!(stale
        .text()
        .await
        .unwrap()
        .contains("changed by someone else"));
}

/// A page whose data the caller may not have answers with the error's
/// status: a task a member may not see is a 404 exactly like a missing one
/// (same sentence), and an anonymous visitor gets a 401 with a sign-in link
/// back. The UI decides on the error's kind, so the link is there whatever
/// the wording.
#[tokio::test]
async fn pages_answer_with_their_errors_status() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (member, _) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let hidden = app
        .store
        .create_task(domain::NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: domain::TaskTitle::parse("Hidden plan").unwrap(),
            description: None,
            priority: domain::Priority::Low,
            due: None,
            assignees: vec![],
            created_by: admin,
        })
        .await
        .unwrap();
    let (status, hidden_body) = app
        .page(&format!("/tasks/{}", hidden.id), Some(&member))
        .await;
    assert_eq!(status, 404);
    assert!(hidden_body.contains("Task not found.") && !hidden_body.contains("Hidden plan"));
    let (status, missing_body) = app
        .page("/tasks/0190a1b2-0000-7000-8000-000000000000", Some(&member))
        .await;
    assert_eq!(status, 404);
    assert!(missing_body.contains("Task not found."));
    let (status, _) = app.page("/dashboard", Some(&member)).await;
    assert_eq!(status, 403);
    let (status, anon) = app.page("/board", None).await;
    assert_eq!(status, 401);
    assert!(anon.contains("href=\"/signin?next=/board\""), "{anon}");
}

/// The attack from the accounts issue: an admin demoted by another keeps a
/// token that says ADMIN, and tries to promote themselves back and demote
/// the admin who demoted them. Authority comes from the store per request,
/// so both are refused at the very next request.
#[tokio::test]
async fn a_demoted_admin_cannot_use_an_old_token_to_take_power_back() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (_, bob) = app.user("bob@example.com", "Bob", "Battery-Staple-7").await;
    app.set_role(&ada_jar, bob, "ADMIN").await;
    let bob_jar = app.sign_in("bob@example.com", "Battery-Staple-7").await;
    app.set_role(&ada_jar, bob, "MEMBER").await;
    for (target, role) in [(bob, "ADMIN"), (ada, "MEMBER")] {
        let version = app.store.get_profile(target).await.unwrap().version;
        let res = app
            .post(
                "/api/team/role",
                Some(&bob_jar),
                &[
                    ("user", target.to_string()),
                    ("version", version.to_string()),
                    ("role", role.to_owned()),
                ],
            )
            .await;
        assert_eq!(res.status(), 403, "{target} -> {role}");
    }
    assert_eq!(
        app.store.get_profile(bob).await.unwrap().role,
        domain::Role::Member
    );
    assert_eq!(
        app.store.get_profile(ada).await.unwrap().role,
        domain::Role::Admin
    );
    let me: serde_json::Value = app
        .post("/api/auth/me", Some(&bob_jar), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["is_admin"], false, "the old token no longer says admin");
}

/// A deactivated member's old token is refused at once, their sign-in is
/// refused with a clear message, and reactivation lets them back in.
#[tokio::test]
async fn a_deactivated_member_is_nobody_until_reactivated() {
    let app = TestApp::spawn().await;
    let (ada_jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    app.set_active(&ada_jar, mo, false).await;
    let res = app.post("/api/tasks/mine", Some(&mo_jar), &[]).await;
    assert_eq!(res.status(), 401);
    let cleared = support::cookie_jar(&res);
    assert!(
        cleared.contains("tl_access=") && cleared.contains("tl_refresh="),
        "cookies cleared: {cleared}"
    );
    let again = app
        .post(
            "/api/auth/sign_in",
            None,
            &[
                ("email", "mo@example.com".into()),
                ("password", "Member-Pass-42".into()),
            ],
        )
        .await;
    assert_eq!(again.status(), 403);
    assert!(again.text().await.unwrap().contains("deactivated"));
    // The last admin cannot be deactivated, and nobody deactivates themselves.
    let ada = app
        .store
        .list_users(store::PageRequest::first(10))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|u| u.email.as_str() == "ada@example.com")
        .unwrap();
    let own = app
        .post(
            "/api/team/active",
            Some(&ada_jar),
            &[
                ("user", ada.id.to_string()),
                ("version", ada.version.to_string()),
                ("active", "false".into()),
            ],
        )
        .await;
    assert_eq!(own.status(), 403);
    app.set_active(&ada_jar, mo, true).await;
    app.sign_in("mo@example.com", "Member-Pass-42").await;
}

/// An address SES reported is shown to admins on the Team page, with why,
/// and the person keeps their in-app notifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_page_shows_whose_email_stopped() {
    let app = TestApp::spawn().await;
    let (ada_jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (_, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let (_, bo) = app.user("bo@example.com", "Bo", "Battery-Staple-7").await;
    let page = || app.page_html("/team", &ada_jar);
    assert!(!page().await.contains("data-testid=\"mail-suppressed\""));
    for (user, reason) in [
        (mo, domain::SuppressionReason::Bounce),
        (bo, domain::SuppressionReason::Complaint),
    ] {
        let current = app.store.get_profile(user).await.unwrap();
        app.store.suppress_mail(&current, reason).await.unwrap();
    }
    let html = page().await;
    assert_eq!(
        html.matches("data-testid=\"mail-suppressed\"").count(),
        2,
        "{html}"
    );
    assert!(
        html.contains("Email bounced") && html.contains("Email stopped"),
        "{html}"
    );
}

/// Sign-in attempts count on the normalized email (padding and case do not
/// buy a fresh budget), and a stream of oversized posts with ever-new
/// "emails" does not grow the server's memory: the limiter keeps no keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_limits_hold_on_the_account_and_memory_stays_flat() {
    let app = TestApp::spawn().await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        let spelled = match i % 3 {
            0 => "victim@example.com".to_owned(),
            1 => "  VICTIM@example.com ".to_owned(),
            _ => "Victim@Example.COM".to_owned(),
        };
        let res = app
            .post(
                "/api/auth/sign_in",
                None,
                &[("email", spelled), ("password", "Guess-Number-1!".into())],
            )
            .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(
        statuses[10], 429,
        "the 11th guess, however spelled: {statuses:?}"
    );

    fn rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }
    // Just under the body limit, so each reaches the limiter.
    let big = "x".repeat(250_000);
    let send = |n: usize| {
        let (app, big) = (&app, &big);
        async move {
            for i in 0..n {
                let res = app
                    .post(
                        "/api/auth/sign_in",
                        None,
                        &[("email", format!("{i}{big}")), ("password", "p".into())],
                    )
                    .await;
                assert!(res.status().is_client_error(), "{}", res.status());
            }
        }
    };
    send(60).await;
    let warm = rss_kb();
    send(1_200).await;
    let after = rss_kb();
    let grown_mb = after.saturating_sub(warm) / 1024;
    println!(
        "RSS over 1,200 posts of 250 KB: {} MB -> {} MB",
        warm / 1024,
        after / 1024
    );
    // Keeping each raw email would grow it by at least 300 MB; allocator
    // retention and the other tests of this binary (running alongside)
    // account for tens of MB, so the bound sits well between the two.
    assert!(grown_mb < 160, "RSS grew {grown_mb} MB");
}

/// Sign-up, confirm, resend and forgot answer byte for byte the same for
/// an email with an account and one without.
#[tokio::test]
async fn account_flows_do_not_reveal_who_has_an_account() {
    let app = TestApp::spawn().await;
    app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        let mut per_email = Vec::new();
        for (path, form) in [
            (
                "/api/auth/sign_up",
                vec![
                    ("display_name", "X".to_owned()),
                    ("password", "Another-Pass-42!".to_owned()),
                ],
            ),
            ("/api/auth/confirm", vec![("code", "123456".to_owned())]),
            ("/api/auth/resend", vec![]),
            ("/api/auth/forgot", vec![]),
            (
                "/api/auth/reset",
                vec![
                    ("code", "123456".to_owned()),
                    ("password", "Another-Pass-42!".to_owned()),
                ],
            ),
        ] {
            let mut f = form.clone();
            f.push(("email", email.to_owned()));
            let res = app.post(path, None, &f).await;
            let status = res.status().as_u16();
            let location = res.headers().get("location").map(|l| {
                l.to_str()
                    .unwrap()
                    .replace("ada%40", "X")
                    .replace("nobody%40", "X")
            });
            let body = res.text().await.unwrap();
            per_email.push((path, status, location, body));
        }
        answers.push(per_email);
    }
    for (a, b) in answers[0].iter().zip(&answers[1]) {
        assert_eq!(a, b, "known and unknown email answer alike");
    }
}

/// A browser whose access token expired presents only its refresh token.
/// The server rotates it before any handler runs, so even a streamed page
/// delivers the new cookies; of 25 such requests at once exactly one gets
/// the next token, and the others are anonymous without clearing anything
/// (their browser receives the winner's cookies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_on_the_way_in_and_only_once() {
    let app = TestApp::spawn().await;
    let (jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let refresh_of = |jar: &str| {
        jar.split("; ")
            .find(|c| c.starts_with("tl_refresh="))
            .unwrap()
            .to_owned()
    };
    let r0 = refresh_of(&jar);
    let page = app
        .client
        .get(app.url("/about"))
        .header("cookie", &r0)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let renewed = support::cookie_jar(&page);
    let r1 = refresh_of(&renewed);
    assert_ne!(r0, r1, "a streamed page delivers the rotated token");
    assert!(renewed.contains("tl_access="), "{renewed}");

    let tries = (0..25).map(|_| {
        let (app, r1) = (&app, r1.clone());
        async move {
            let res = app.post("/api/auth/me", Some(&r1), &[]).await;
            let set = support::cookie_jar(&res);
            let me: serde_json::Value = res.json().await.unwrap();
            (set, me)
        }
    });
    let results = futures::future::join_all(tries).await;
    let winners: Vec<_> = results
        .iter()
        .filter(|(set, _)| set.contains("tl_refresh=") && !set.contains("tl_refresh=;"))
        .collect();
    let cleared = results
        .iter()
        .filter(|(set, _)| set.contains("tl_refresh=;") || set.ends_with("tl_refresh="))
        .count();
    println!(
        "25 concurrent refreshes over HTTP: {} rotated, {cleared} cleared",
        winners.len()
    );
    assert_eq!(winners.len(), 1, "{results:?}");
    assert_eq!(cleared, 0, "a race clears nobody's cookies: {results:?}");
    assert_eq!(winners[0].1["email"], "ada@example.com");
    let r2 = refresh_of(&winners[0].0);
    let me: serde_json::Value = app
        .post("/api/auth/me", Some(&r2), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.com", "the one successor works");
}

/// Signing out, resetting the password and deactivation end sessions: the
/// refresh token stops working everywhere.
#[tokio::test]
async fn sign_out_and_password_reset_end_sessions() {
    let app = TestApp::spawn().await;
    let (jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let refresh = jar
        .split("; ")
        .find(|c| c.starts_with("tl_refresh="))
        .unwrap()
        .to_owned();
    let out = app.post("/api/auth/sign_out", Some(&jar), &[]).await;
    assert!(out.status().is_success() || out.status().is_redirection());
    let me: serde_json::Value = app
        .post("/api/auth/me", Some(&refresh), &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(me.is_null(), "signed-out refresh token: {me}");

    // Another browser, then a password reset from elsewhere.
    let other = app.sign_in("ada@example.com", "Correct-Horse-9").await;
    let other_refresh = other
        .split("; ")
        .find(|c| c.starts_with("tl_refresh="))
        .unwrap()
        .to_owned();
    app.post(
        "/api/auth/forgot",
        None,
        &[("email", "ada@example.com".into())],
    )
    .await;
    let code = reset_code(&app).await;
    let reset = app
        .post(
            "/api/auth/reset",
            None,
            &[
                ("email", "ada@example.com".into()),
                ("code", code),
                ("password", "A-brand-new-Pass-1".into()),
            ],
        )
        .await;
    assert!(!reset.status().is_client_error(), "{}", reset.status());
    let me: serde_json::Value = app
        .post("/api/auth/me", Some(&other_refresh), &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(me.is_null(), "a session from before the reset: {me}");
}

/// Forty wrong reset codes at once: the limiter refuses most, and of those
/// that reach the code check at most five are checked; the right code is
/// then spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_concurrent_wrong_codes_cannot_take_over_an_account() {
    let app = TestApp::spawn().await;
    app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    app.post(
        "/api/auth/forgot",
        None,
        &[("email", "ada@example.com".into())],
    )
    .await;
    let right: u32 = reset_code(&app).await.parse().unwrap();
    let tries = (0..40u32).map(|i| {
        let app = &app;
        async move {
            app.post(
                "/api/auth/reset",
                None,
                &[
                    ("email", "ada@example.com".into()),
                    ("code", format!("{:06}", (right + 1 + i) % 1_000_000)),
                    ("password", "Attacker-Pass-123!".into()),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures::future::join_all(tries).await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    println!("40 concurrent wrong reset codes over HTTP: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, 40, "{statuses:?}");
    assert!(checked <= 5, "{statuses:?}");
    let bad = app
        .post(
            "/api/auth/sign_in",
            None,
            &[
                ("email", "ada@example.com".into()),
                ("password", "Attacker-Pass-123!".into()),
            ],
        )
        .await;
    assert_eq!(bad.status(), 401, "no guess set the attacker's password");
}

/// The newest password reset code in the dev mailbox.
async fn reset_code(app: &TestApp) -> String {
    let mail: serde_json::Value = app
        .client
        .get(app.url("/dev/mailbox.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    mail.to_string()
        .split("reset your password: ")
        .nth(1)
        .expect("a reset code")
        .chars()
        .take(6)
        .collect()
}

/// The web surface against hostile requests: a rebinding-style Host, a
/// cross-origin Origin with the right host but the wrong scheme, redirect
/// targets that browsers would turn into another origin, a control
/// character in `next`, and an oversized body.
#[tokio::test]
async fn hostile_hosts_origins_redirects_and_bodies_get_clear_4xx() {
    let app = TestApp::spawn().await;
    let port = app.addr.port();
    let rebound = app
        .client
        .get(app.url("/dev/mailbox.json"))
        .header("host", format!("rebind.evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421, "a foreign Host is refused");
    let localhost = app
        .client
        .get(format!("http://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(localhost.status(), 200, "loopback names of a loopback bind");

    let wrong_scheme = app
        .client
        .post(app.url("/api/auth/me"))
        .header("origin", format!("https://127.0.0.1:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scheme.status(), 403, "the whole Origin must match");
    let right = app
        .client
        .post(app.url("/api/auth/me"))
        .header("origin", format!("http://127.0.0.1:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);

    app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    for (next, want) in [
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/board\u{1}x", "/board%01x"),
        ("/my?x=1", "/my?x=1"),
    ] {
        let res = app
            .client
            .post(app.url("/api/auth/sign_in"))
            .header("accept", "text/html")
            .form(&[
                ("email", "ada@example.com"),
                ("password", "Correct-Horse-9"),
                ("next", next),
            ])
            .send()
            .await
            .expect("the connection survives any next");
        assert!(res.status().is_redirection(), "{next:?}: {}", res.status());
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            want,
            "{next:?}"
        );
    }

    let huge = app
        .post(
            "/api/auth/sign_in",
            None,
            &[("email", "x".repeat(300_000)), ("password", "p".into())],
        )
        .await;
    assert_eq!(huge.status(), 413);
}

/// The data directory (database, signing key, dev mailbox) is its owner's
/// alone.
#[tokio::test]
async fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("tasklane-private-{}", support::unique()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("old.db"), b"x").unwrap();
    std::fs::set_permissions(dir.join("old.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    server::local::private_dir(&dir).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("old.db")), 0o600);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every response carries the security headers; a page's policy allows
/// exactly the scripts that carry this response's nonce; anything personal
/// is not stored.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let (jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let get = |path: &'static str| {
        let (app, jar) = (&app, jar.clone());
        async move {
            app.client
                .get(app.url(path))
                .header("cookie", jar)
                .send()
                .await
                .unwrap()
        }
    };
    let mut seen = Vec::new();
    for res in [
        get("/board").await,
        get("/signin").await,
        get("/no/such/page").await,
        get("/healthz").await,
        get("/pkg/tasklane.0123456789abcdef.wasm").await,
        app.post("/api/tasks/board", Some(&jar), &[]).await,
        app.post("/api/tasks/get", Some(&jar), &[("id", "nope".into())])
            .await,
    ] {
        let status = res.status().as_u16();
        let h = res.headers().clone();
        let url = res.url().path().to_owned();
        for (name, want) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
        ] {
            assert_eq!(
                h.get(name).map(|v| v.to_str().unwrap()),
                Some(want),
                "{name} on {url}"
            );
        }
        assert!(h.contains_key("permissions-policy"), "{url}");
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{url}: {csp}");
        let body = res.text().await.unwrap();
        if body.contains("<!DOCTYPE html>") {
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .unwrap_or_else(|| panic!("a page's policy has a nonce: {url}: {csp}"));
            assert!(nonce.len() >= 16, "{nonce}");
            assert!(
                !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
                "{csp}"
            );
            let scripts = body.matches("<script").count();
            let nonced = body.matches(&format!("nonce=\"{nonce}\"")).count();
            assert!(
                scripts > 0 && nonced >= scripts,
                "{url}: {scripts} scripts, {nonced} with the nonce"
            );
        } else {
            // Not a document: the locked-down policy, or (server functions
            // run through the page renderer's context) the page's own.
            assert!(!csp.contains("'unsafe-inline'"), "{url}: {csp}");
        }
        if !url.starts_with("/pkg/") {
            assert_eq!(h["cache-control"], "no-store", "{url} ({status})");
        }
        seen.push(url);
    }
    let first = get("/board").await.headers()["content-security-policy"].clone();
    let second = get("/board").await.headers()["content-security-policy"].clone();
    assert_ne!(first, second, "a fresh nonce per response");
    println!("security headers checked on {seen:?}");
}

/// Hostile input for every server function, generated: wrong types, huge
/// and empty strings, control characters, invalid UTF-8 and percent-encoding,
/// deep and repeated keys, wrong content types; anonymous and signed in.
/// The figure to reach: no 5xx, no dropped connection, no panic. Totals per
/// function are printed (`cargo test --release -p server --test server fuzz
/// -- --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_every_server_function_with_hostile_input() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static PANICS: AtomicUsize = AtomicUsize::new(0);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    const PER_FUNCTION: usize = 1_000;
    let app = TestApp::spawn().await;
    let (jar, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    assert!(paths.len() >= 20, "server functions found: {paths:?}");

    // A fresh connection per request: the server closes a keep-alive
    // connection after refusing a body it did not read (413), as HTTP
    // allows, and a pooled client would count its next request as dropped.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let runs = paths.iter().enumerate().map(|(i, path)| {
        let (app, jar, client) = (&app, jar.clone(), client.clone());
        async move {
            let mut runner = TestRunner::new_with_rng(
                Config::default(),
                TestRng::from_seed(RngAlgorithm::ChaCha, &[i as u8 + 1; 32]),
            );
            let strategy = hostile::request();
            let (mut by_class, mut dropped) = ([0usize; 6], Vec::new());
            for n in 0..PER_FUNCTION {
                let req = strategy.new_tree(&mut runner).unwrap().current();
                let signed_in = n % 2 == 1 && !path.starts_with("/api/auth/");
                let mut r = client.post(app.url(path)).body(req.body.clone());
                if let Some(ct) = req.content_type {
                    r = r.header("content-type", ct);
                }
                if let Some(accept) = req.accept {
                    r = r.header("accept", accept);
                }
                if signed_in {
                    r = r.header("cookie", jar.clone());
                }
                match r.send().await {
                    Ok(res) => by_class[(res.status().as_u16() / 100) as usize] += 1,
                    Err(e) => dropped.push(format!("{req:?}: {e}")),
                }
            }
            (path.clone(), by_class, dropped)
        }
    });
    let results = futures::future::join_all(runs).await;
    let mut failures = Vec::new();
    println!(
        "{:<34} {:>6} {:>6} {:>6} {:>6} {:>7}",
        "server function", "2xx", "3xx", "4xx", "5xx", "dropped"
    );
    for (path, c, dropped) in &results {
        println!(
            "{path:<34} {:>6} {:>6} {:>6} {:>6} {:>7}",
            c[2],
            c[3],
            c[4],
            c[5],
            dropped.len()
        );
        if c[5] > 0 || !dropped.is_empty() {
            failures.push(format!(
                "{path}: {} 5xx, dropped {:?}",
                c[5],
                dropped.iter().take(3).collect::<Vec<_>>()
            ));
        }
    }
    let total: usize = results
        .iter()
        .map(|(_, c, d)| c.iter().sum::<usize>() + d.len())
        .sum();
    let panics = PANICS.load(Ordering::SeqCst);
    println!(
        "fuzz: {} functions × {PER_FUNCTION} = {total} requests, {} with 5xx or dropped, {panics} panics",
        results.len(),
        failures.len()
    );
    assert!(failures.is_empty() && panics == 0, "{failures:#?}");
}

mod hostile {
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    pub struct Request {
        pub content_type: Option<&'static str>,
        pub accept: Option<&'static str>,
        pub body: Vec<u8>,
    }

    const NAMES: &[&str] = &[
        "id",
        "version",
        "title",
        "description",
        "priority",
        "due",
        "status",
        "assignees[]",
        "assignees",
        "body",
        "after",
        "q",
        "role",
        "active",
        "user",
        "display_name",
        "email",
        "password",
        "code",
        "next",
        "setup",
        "col",
        "limit",
        "prefs[ASSIGNED_email]",
        "name",
        "sort",
        "assignee",
        "all",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "\\PC{0,40}",
            2 => "[\\x00-\\x1f\\x7f]{1,20}",
            1 => Just(String::new()),
            1 => (1usize..300_000).prop_map(|n| "x".repeat(n)),
            1 => prop::sample::select(vec![
                "18446744073709551616", "-1", "1e309", "NaN", "true", "null", "[]", "{}",
                "0", "OPEN", "ADMIN", "2026-02-31", "../../etc/passwd",
                "<script>alert(1)</script>", "' OR 1=1 --", "ada@example.com",
                "00000000-0000-0000-0000-000000000000", "//evil.example",
            ]).prop_map(str::to_owned),
        ]
    }

    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn form() -> impl Strategy<Value = Vec<u8>> {
        let name = prop_oneof![4 => prop::sample::select(NAMES).prop_map(str::to_owned), 1 => "\\PC{0,12}"];
        prop::collection::vec((name, value()), 0..8).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        })
    }

    fn broken() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            // Invalid UTF-8 and stray percent signs.
            prop::collection::vec(any::<u8>(), 0..2_000),
            Just(b"id=%zz&version=%&title=%E0%A4%A".to_vec()),
            Just(b"title=%FF%FE%FD&id=%C3%28".to_vec()),
            // Deep and repeated keys.
            (1usize..300).prop_map(|d| format!("{}=1", "a[".repeat(d)).into_bytes()),
            (1usize..3_000).prop_map(|n| "id=1&".repeat(n).into_bytes()),
            (1usize..500).prop_map(|n| "assignees[]=x&".repeat(n).into_bytes()),
        ]
    }

    pub fn request() -> impl Strategy<Value = Request> {
        let content_type = prop::sample::select(vec![
            Some("application/x-www-form-urlencoded"),
            Some("application/x-www-form-urlencoded"),
            Some("application/json"),
            Some("multipart/form-data; boundary=x"),
            Some("text/plain"),
            None,
        ]);
        let accept = prop::sample::select(vec![None, Some("application/json"), Some("text/html")]);
        (
            content_type,
            accept,
            prop_oneof![3 => form(), 1 => broken()],
        )
            .prop_map(|(content_type, accept, body)| Request {
                content_type,
                accept,
                body,
            })
    }
}

/// Hostile text for every raw-text context (`title`, `textarea`, `script`,
/// `style`) and for plain markup, as a task title.
const HOSTILE_TITLE: &str =
    "</title></textarea></script></style><script>alert('t')</script><img src=x onerror=alert(1)>";

/// A task made by set-up (not under test), straight in the store.
async fn seed(
    app: &TestApp,
    title: &str,
    due: Option<i64>,
    assignees: Vec<domain::UserId>,
    by: domain::UserId,
) -> domain::Task {
    let today = time::OffsetDateTime::now_utc().date();
    app.store
        .create_task(domain::NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: domain::Status::Open,
            title: domain::TaskTitle::parse(title).unwrap(),
            description: None,
            priority: domain::Priority::High,
            due: due.map(|d| today + time::Duration::days(d)),
            assignees,
            created_by: by,
        })
        .await
        .unwrap()
}

/// The home page's lists as the server function returns them.
async fn agenda(app: &TestApp, jar: Option<&str>) -> serde_json::Value {
    let res = app.post("/api/home", jar, &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn titles(list: &serde_json::Value) -> Vec<String> {
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn home_page(app: &TestApp, jar: Option<&str>) -> (reqwest::header::HeaderMap, String) {
    let mut req = app.client.get(app.url("/"));
    if let Some(j) = jar {
        req = req.header("cookie", j);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    // Leptos marks text-node boundaries with <!> for hydration.
    (headers, res.text().await.unwrap().replace("<!>", ""))
}

/// The section of the page with this test id, up to the next section.
fn section<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html
        .find(&format!("data-testid=\"home-{key}\""))
        .unwrap_or_else(|| panic!("no {key} section in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// Signed in, each person lands on their own overdue, due-soon and newly
/// assigned tasks (admins also on what nobody is assigned to); nobody sees
/// a task that is not theirs, and the lists say what they mean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_shows_each_person_their_own_work() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let (olu_jar, olu) = app.user("olu@example.com", "Olu", "Other-Pass-42").await;
    let late = seed(&app, "Mo late", Some(-3), vec![mo], ada).await;
    seed(&app, "Mo soon", Some(2), vec![mo], ada).await;
    seed(&app, "Mo last soon day", Some(7), vec![mo], ada).await;
    seed(&app, "Mo next week", Some(8), vec![mo], ada).await;
    seed(&app, "Mo undated", None, vec![mo], ada).await;
    let done = seed(&app, "Mo finished", Some(-1), vec![mo], ada).await;
    app.store
        .change_status(&done, domain::Status::Done, mo)
        .await
        .unwrap();
    seed(&app, "Olu private", Some(-1), vec![olu], ada).await;
    seed(&app, "Nobody's job", Some(1), vec![], ada).await;
    seed(&app, "Nobody's later job", None, vec![], ada).await;

    let a = agenda(&app, Some(&mo_jar)).await;
    assert_eq!(titles(&a["overdue"]), ["Mo late"]);
    assert_eq!(titles(&a["due_soon"]), ["Mo soon", "Mo last soon day"]);
    assert_eq!(
        titles(&a["newly_assigned"]),
        [
            "Mo undated",
            "Mo next week",
            "Mo last soon day",
            "Mo soon",
            "Mo late"
        ],
        "open, newest first"
    );
    assert_eq!(
        a["unassigned"],
        serde_json::Value::Null,
        "members: no such list"
    );
    assert_eq!(a["overdue"]["rows"][0]["due_in"], -3);
    assert_eq!(a["newly_assigned"]["rows"][0]["assigned_ago"], 0);

    let (headers, html) = home_page(&app, Some(&mo_jar)).await;
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    assert!(html.contains("<title>Home · tasklane</title>"), "{html}");
    let overdue = section(&html, "overdue");
    assert!(overdue.contains("Overdue"), "{overdue}");
    assert!(overdue.contains(&format!("href=\"/tasks/{}\"", late.id)));
    assert!(overdue.contains("3 days overdue"), "{overdue}");
    assert!(
        overdue.contains("High") && overdue.contains("Open"),
        "priority, status"
    );
    assert!(overdue.contains(">1</span>"), "the count: {overdue}");
    let soon = section(&html, "due-soon");
    let today = time::OffsetDateTime::now_utc().date();
    let through = store::keys::date_text(today + time::Duration::days(7));
    assert!(
        soon.contains(&format!("through {through}")) && soon.contains("the next 7 days"),
        "the window is on the page: {soon}"
    );
    assert!(
        soon.contains("due in 2 days") && soon.contains(">2</span>"),
        "{soon}"
    );
    let newly = section(&html, "newly-assigned");
    assert!(
        newly.contains("last 7 days") && newly.contains("assigned today"),
        "{newly}"
    );
    for hidden in ["Olu private", "Nobody's", "Mo finished", "home-unassigned"] {
        assert!(!html.contains(hidden), "{hidden} on Mo's home");
    }

    let a = agenda(&app, Some(&ada_jar)).await;
    assert_eq!(
        titles(&a["unassigned"]),
        ["Nobody's job", "Nobody's later job"]
    );
    assert!(titles(&a["overdue"]).is_empty() && titles(&a["newly_assigned"]).is_empty());
    let (_, html) = home_page(&app, Some(&ada_jar)).await;
    let spare = section(&html, "unassigned");
    assert!(
        spare.contains("Unassigned") && spare.contains("Nobody's job"),
        "{spare}"
    );
    assert!(spare.contains(">2</span>"), "{spare}");
    // Nothing of her own: every list says what to do next.
    for key in ["overdue", "due-soon", "newly-assigned"] {
        let s = section(&html, key);
        assert!(s.contains("data-testid=\"home-empty\""), "{key}: {s}");
        assert!(s.contains(">0</span>"), "{key}: {s}");
    }
    assert!(section(&html, "overdue").contains("Nothing overdue."));
    assert!(section(&html, "due-soon").contains("href=\"/my\""));

    let a = agenda(&app, Some(&olu_jar)).await;
    assert_eq!(titles(&a["overdue"]), ["Olu private"]);
    let (_, html) = home_page(&app, Some(&olu_jar)).await;
    assert!(!html.contains("Mo ") && !html.contains("Nobody"), "{html}");
}

/// A demoted admin's old token gets a member's home (no "Unassigned"); a
/// deactivated member's gets the landing page, and their cookies end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_follows_demotion_and_deactivation_at_the_next_request() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (_, dee) = app.user("dee@example.com", "Dee", "Demoted-Pass-42").await;
    let (gus_jar, gus) = app.user("gus@example.com", "Gus", "Gone-Pass-4242").await;
    seed(&app, "Spare work", Some(1), vec![], ada).await;
    seed(&app, "Gus overdue", Some(-1), vec![gus], ada).await;
    app.set_role(&ada_jar, dee, "ADMIN").await;
    let dee_jar = app.sign_in("dee@example.com", "Demoted-Pass-42").await;
    assert_eq!(
        titles(&agenda(&app, Some(&dee_jar)).await["unassigned"]),
        ["Spare work"]
    );
    app.set_role(&ada_jar, dee, "MEMBER").await;
    assert_eq!(
        agenda(&app, Some(&dee_jar)).await["unassigned"],
        serde_json::Value::Null
    );
    let (_, html) = home_page(&app, Some(&dee_jar)).await;
    assert!(
        !html.contains("Spare work") && !html.contains("home-unassigned"),
        "{html}"
    );
    assert!(html.contains("Your work"));

    assert_eq!(
        titles(&agenda(&app, Some(&gus_jar)).await["overdue"]),
        ["Gus overdue"]
    );
    app.set_active(&ada_jar, gus, false).await;
    assert_eq!(agenda(&app, Some(&gus_jar)).await, serde_json::Value::Null);
    let res = app
        .client
        .get(app.url("/"))
        .header("cookie", &gus_jar)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cleared = support::cookie_jar(&res);
    assert!(
        cleared.contains("tl_access="),
        "session cookies cleared: {cleared}"
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Welcome to tasklane") && !html.contains("Gus overdue"),
        "{html}"
    );
}

/// Anonymous visitors get what tasklane is and the ways in, and no list.
#[tokio::test]
async fn home_for_visitors_says_what_tasklane_is_and_how_to_get_in() {
    let app = TestApp::spawn().await;
    assert_eq!(agenda(&app, None).await, serde_json::Value::Null);
    let (_, html) = home_page(&app, None).await;
    let landing = &html[html.find("data-testid=\"landing\"").expect("landing")..];
    assert!(landing.contains("href=\"/signin\"") && landing.contains("href=\"/signup\""));
    assert!(
        landing.contains("overdue") && landing.contains("next 7 days"),
        "{landing}"
    );
    assert!(html.contains("<title>tasklane</title>"), "{html}");
    for gone in ["Say hello", "counter", "Click", "home-overdue"] {
        assert!(!html.contains(gone), "{gone} on the landing page");
    }
}

/// A list longer than the page shows says so and links to all of it; the
/// count says "20+" rather than a number it did not count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_home_lists_are_bounded_and_link_to_the_rest() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    for i in 0..21 {
        seed(&app, &format!("Late {i:02}"), Some(-30 + i), vec![ada], ada).await;
    }
    let a = agenda(&app, Some(&ada_jar)).await;
    assert_eq!(a["overdue"]["rows"].as_array().unwrap().len(), 20);
    assert_eq!(a["overdue"]["more"], true);
    assert_eq!(titles(&a["overdue"])[0], "Late 00", "longest overdue first");
    assert_eq!(a["newly_assigned"]["more"], true);
    let (_, html) = home_page(&app, Some(&ada_jar)).await;
    let overdue = section(&html, "overdue");
    assert!(overdue.contains(">20+</span>"), "{overdue}");
    assert!(overdue.contains("Showing the first 20."), "{overdue}");
    assert!(
        overdue.contains(&format!("href=\"/board?due=overdue&amp;assignee={ada}\"")),
        "{overdue}"
    );
}

/// Hostile task titles on the home page are text in every context: the
/// document's title, the lists, and the data the page hands to hydration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_on_the_home_page_stay_text() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    seed(&app, HOSTILE_TITLE, Some(-1), vec![mo], ada).await;
    seed(&app, HOSTILE_TITLE, Some(1), vec![], ada).await;
    for jar in [&mo_jar, &ada_jar] {
        let (_, html) = home_page(&app, Some(jar)).await;
        for raw in [
            "<script>alert(",
            "<img src=x",
            "</title></textarea>",
            "</script></style>",
            "</style><script>",
        ] {
            assert!(!html.contains(raw), "raw {raw:?} in the page: {html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert("),
            "the title shows, escaped"
        );
        assert_eq!(html.matches("<title>").count(), 1);
        assert!(html.contains("<title>Home · tasklane</title>"));
    }
}

/// The board's typed filters (search words, assignee) come back in the
/// page as the field's value: hostile text stays inert for every role, an
/// over-long filter is a clear 400, a member's typed assignee shows only
/// their own work, and a deactivated person gets no board at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_filters_keep_hostile_text_inert_and_bounded() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    seed(&app, HOSTILE_TITLE, None, vec![mo], ada).await;
    seed(&app, "Ada's own", None, vec![ada], ada).await;
    let encoded = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let board_page = |jar: &str, query: String| {
        let (app, jar) = (&app, jar.to_owned());
        async move { app.page(&format!("/board?{query}"), Some(&jar)).await }
    };
    for jar in [&ada_jar, &mo_jar] {
        let query = format!(
            "q={}&assignee={}",
            encoded(HOSTILE_TITLE),
            encoded(HOSTILE_TITLE)
        );
        let (status, html) = board_page(jar, query).await;
        assert_eq!(status, 200);
        for raw in [
            "<script>alert(",
            "<img src=x",
            "</title></textarea>",
            "</style><script>",
        ] {
            assert!(!html.contains(raw), "raw {raw:?} in the board: {html}");
        }
        assert_eq!(html.matches("<title>").count(), 1);
        // The search words still find the hostile title, shown as text.
        let (_, html) = board_page(jar, format!("q={}", encoded("script ALERT"))).await;
        assert!(html.contains("&lt;script&gt;alert("), "{html}");
    }
    // Too long: a 400, through the page's function as through the page.
    for (name, value) in [
        ("query[q]", "x".repeat(201)),
        ("query[assignee]", "é".repeat(201)),
    ] {
        let res = app
            .post("/api/tasks/board", Some(&ada_jar), &[(name, value)])
            .await;
        assert_eq!(res.status(), 400, "{name}");
    }
    // A member's board is their own work whatever assignee they type.
    let res = app
        .post(
            "/api/tasks/board",
            Some(&mo_jar),
            &[("query[assignee]", "ada".into())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let view: serde_json::Value = res.json().await.unwrap();
    let titles: Vec<&str> = view["columns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["cards"].as_array().unwrap())
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, [HOSTILE_TITLE]);
    // Deactivated: no board, typed filters or not.
    app.set_active(&ada_jar, mo, false).await;
    let res = app
        .post(
            "/api/tasks/board",
            Some(&mo_jar),
            &[("query[q]", "script".into())],
        )
        .await;
    assert_eq!(res.status(), 401, "a deactivated member's board");
}

/// The dashboard's workload chart names people inside SVG `text` and
/// `desc`: a hostile display name stays text there. The chart shows the
/// busiest people only (the rest are counted), each bar a link to that
/// person's board; the figures come from the counters, and members,
/// deactivated admins and bad project ids get clear 4xx answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_names_people_as_text_and_shows_the_busiest() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, _) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let hostile_name =
        "</desc></text></svg><script>alert('n')</script><img src=x onerror=alert(2)>";
    let mut people = Vec::new();
    for i in 0..27 {
        let name = if i == 0 {
            hostile_name.to_owned()
        } else {
            format!("Person {i:02}")
        };
        let p = app
            .store
            .create_profile(domain::NewProfile {
                id: domain::UserId::from_uuid(uuid::Uuid::now_v7()),
                email: domain::Email::parse(&format!("p{i}@example.com")).unwrap(),
                display_name: domain::DisplayName::parse(&name).unwrap(),
                role: domain::Role::Member,
            })
            .await
            .unwrap();
        people.push(p.id);
    }
    // The hostile name is the busiest: three tasks, one of them overdue.
    for due in [Some(-1), Some(2), None] {
        seed(&app, "Hostile's", due, vec![people[0]], ada).await;
    }
    for p in &people[1..] {
        seed(&app, "One each", Some(20), vec![*p], ada).await;
    }
    let res = app.post("/api/dashboard", Some(&ada_jar), &[]).await;
    assert_eq!(res.status(), 200);
    let d: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (&d["total"], &d["overdue"], &d["due_this_week"]),
        (&29.into(), &1.into(), &1.into())
    );
    let rows = d["workload"].as_array().unwrap();
    assert_eq!(rows.len(), 25, "the busiest 25");
    assert_eq!(rows[0]["name"], hostile_name);
    assert_eq!(rows[0]["open"], 3);
    assert_eq!(d["more_people"], 2);

    let html = app.page_html("/dashboard", &ada_jar).await;
    for raw in ["<script>alert(", "<img src=x", "</desc></text></svg>"] {
        assert!(!html.contains(raw), "raw {raw:?} in the dashboard");
    }
    assert!(
        html.contains("&lt;/desc&gt;&lt;/text&gt;"),
        "the name, as text"
    );
    assert!(html.contains(&format!("href=\"/board?assignee={}\"", people[0])));
    assert!(html.contains("And 2 more people with open tasks."));

    // Who may see it, and what a project id must be.
    let res = app.post("/api/dashboard", Some(&mo_jar), &[]).await;
    assert_eq!(res.status(), 403, "a member");
    for bad in ["junk", &"0".repeat(5000), "'; DROP TABLE items; --"] {
        let res = app
            .post(
                "/api/dashboard",
                Some(&ada_jar),
                &[("project", bad.to_owned())],
            )
            .await;
        assert_eq!(res.status(), 400, "project {bad:.20}");
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let res = app
        .post("/api/dashboard", Some(&ada_jar), &[("project", unknown)])
        .await;
    assert_eq!(res.status(), 404);
    let (other_jar, other) = app.user("olu@example.com", "Olu", "Another-Pass-7").await;
    app.set_role(&ada_jar, other, "ADMIN").await;
    app.set_active(&ada_jar, other, false).await;
    let res = app.post("/api/dashboard", Some(&other_jar), &[]).await;
    assert_eq!(res.status(), 401, "a deactivated admin");
}

/// A board column's quick-add: the task starts in that column in one write
/// (version 1, one creation entry in its history), and the browser returns
/// to the board it came from, filters and all. `back` is only ever a path on
/// this site; a member cannot quick-add at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_add_creates_in_the_column_and_returns_to_the_board() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let quick_add = |title: &str, status: &str, back: &str| {
        let form = [
            ("title", title.to_owned()),
            ("priority", "MEDIUM".to_owned()),
            ("status", status.to_owned()),
            ("back", back.to_owned()),
        ];
        app.client
            .post(app.url("/api/tasks/create"))
            .header("accept", "text/html")
            .header("cookie", &admin)
            .form(&form)
            .send()
    };

    let res = quick_add(
        "Write the release notes",
        "IN_REVIEW",
        "/board?priority=MEDIUM&sort=title",
    )
    .await
    .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        "/board?priority=MEDIUM&sort=title"
    );
    let board: serde_json::Value = app
        .post("/api/tasks/board", Some(&admin), &[])
        .await
        .json()
        .await
        .unwrap();
    let column = |status: &str| {
        board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == status)
            .unwrap()["cards"]
            .as_array()
            .unwrap()
            .clone()
    };
    let cards = column("IN_REVIEW");
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["title"], "Write the release notes");
    assert_eq!(
        cards[0]["version"], 1,
        "created in place, not created and moved"
    );
    assert!(column("OPEN").is_empty());
    let id = cards[0]["id"].as_str().unwrap().to_owned();
    let task: serde_json::Value = app
        .post("/api/tasks/get", Some(&admin), &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(task["status"], "IN_REVIEW");
    assert_eq!(task["activity"].as_array().unwrap().len(), 1, "{task}");

    // Without `back` the browser goes to the new task, as the new-task page
    // always has; a `back` that would leave the site goes home instead.
    let res = quick_add("Plain", "OPEN", "").await.unwrap();
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/tasks/"));
    for hostile in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let res = quick_add("Hostile back", "OPEN", hostile).await.unwrap();
        assert!(res.status().is_redirection(), "{hostile}");
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            "/",
            "{hostile}"
        );
    }
    // A status that is not one is a 400 and creates nothing.
    let open_tasks = || async {
        let board: serde_json::Value = app
            .post("/api/tasks/board", Some(&admin), &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(board["columns"][0]["status"], "OPEN");
        board["columns"][0]["cards"].as_array().unwrap().len()
    };
    let before = open_tasks().await;
    assert_eq!(before, 5, "Plain and the four hostile-back tasks");
    let res = app
        .post(
            "/api/tasks/create",
            Some(&admin),
            &[
                ("title", "x".into()),
                ("priority", "LOW".into()),
                ("status", "ARCHIVED".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(open_tasks().await, before);

    // The board offers the quick-add to admins only, in every column.
    let (member, _) = app.user("bo@example.com", "Bo", "Correct-Horse-9").await;
    let html = |jar: String| {
        let app = &app;
        async move { app.page_html("/board", &jar).await }
    };
    let admin_page = html(admin.clone()).await;
    for status in ["OPEN", "IN_PROGRESS", "BLOCKED", "IN_REVIEW", "DONE"] {
        assert!(
            admin_page.contains(&format!("data-testid=\"quick-add-{status}\"")),
            "{status}"
        );
    }
    assert!(!html(member).await.contains("quick-add"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checklists_tick_and_repeating_tasks_come_back_through_the_forms() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (member, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let create = |extra: &[(&'static str, &str)]| {
        let mut form = vec![
            ("title", "Weekly report".to_owned()),
            ("priority", "HIGH".to_owned()),
            ("assignees[]", mo.to_string()),
        ];
        form.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let app = &app;
        let admin = admin.clone();
        async move { app.post("/api/tasks/create", Some(&admin), &form).await }
    };

    // Refusals first: each is a clear 400 and creates nothing.
    let fifty_one: String = (0..=domain::MAX_CHECKLIST)
        .map(|i| format!("step {i}\n"))
        .collect();
    for (what, extra) in [
        ("a repeat without a due date", vec![("repeat", "WEEKS")]),
        (
            "an unknown unit",
            vec![("due", "2031-01-01"), ("repeat", "HOURS")],
        ),
        (
            "every 0",
            vec![("due", "2031-01-01"), ("repeat", "DAYS"), ("every", "0")],
        ),
        (
            "every 13 months",
            vec![("due", "2031-01-01"), ("repeat", "MONTHS"), ("every", "13")],
        ),
        (
            "a weekday past Sunday",
            vec![
                ("due", "2031-01-01"),
                ("repeat", "WEEKS"),
                ("weekdays[]", "7"),
            ],
        ),
        (
            "51 checklist items",
            vec![("checklist", fifty_one.as_str())],
        ),
        ("a control character", vec![("checklist", "ok\u{7}")]),
    ] {
        let res = create(&extra).await;
        assert_eq!(res.status(), 400, "{what}");
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("panic") && !body.contains("at src/"),
            "{what}: {body}"
        );
    }
    let board: serde_json::Value = app
        .post("/api/tasks/board", Some(&admin), &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["cards"].as_array().unwrap().is_empty()));

    // Due on Wednesday 2031-01-01, every week on Wednesday and Friday.
    let res = create(&[
        ("due", "2031-01-01"),
        ("checklist", "Collect figures\n\n  Write summary  \n"),
        ("repeat", "WEEKS"),
        ("every", "1"),
        ("weekdays[]", "2"),
        ("weekdays[]", "4"),
    ])
    .await;
    assert_eq!(res.status(), 200);
    let id: String = res.json().await.unwrap();
    let get = |id: String, jar: String| {
        let app = &app;
        async move {
            let v: serde_json::Value = app
                .post("/api/tasks/get", Some(&jar), &[("id", id)])
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    let task = get(id.clone(), member.clone()).await;
    assert_eq!(task["repeat"]["text"], "Every week on Wed, Fri");
    assert_eq!(task["checklist"].as_array().unwrap().len(), 2);
    assert_eq!(task["checklist"][1]["text"], "Write summary");

    // The assigned member ticks; a second tick from the same version is a
    // conflict; an item that does not exist is a 400.
    let tick = |version: &str, index: &str| {
        let form = [
            ("id", id.clone()),
            ("version", version.to_owned()),
            ("index", index.to_owned()),
            ("done", "true".to_owned()),
        ];
        let (app, member) = (&app, member.clone());
        async move { app.post("/api/tasks/check", Some(&member), &form).await }
    };
    assert_eq!(tick("1", "0").await.status(), 200);
    assert_eq!(tick("1", "1").await.status(), 409);
    assert_eq!(tick("2", "7").await.status(), 400);
    let mine: serde_json::Value = app
        .post("/api/tasks/mine", Some(&member), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["cards"][0]["progress"], serde_json::json!([1, 2]));
    assert_eq!(mine["cards"][0]["recurring"], true);

    // The member finishes it along the workflow: the next occurrence is
    // due Friday, with a fresh checklist, and is on the member's list.
    for (version, status) in [("2", "IN_PROGRESS"), ("3", "IN_REVIEW"), ("4", "DONE")] {
        let res = app
            .post(
                "/api/tasks/status",
                Some(&member),
                &[
                    ("id", id.clone()),
                    ("version", version.into()),
                    ("status", status.into()),
                ],
            )
            .await;
        assert_eq!(res.status(), 200, "{status}");
    }
    let done = get(id.clone(), member.clone()).await;
    let next_id = done["next_occurrence"]
        .as_str()
        .expect("a next occurrence")
        .to_owned();
    let next = get(next_id.clone(), member.clone()).await;
    assert_eq!(
        (next["due"].as_str(), next["status"].as_str()),
        (Some("2031-01-03"), Some("OPEN"))
    );
    assert!(next["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["done"] == false));
    let mine: serde_json::Value = app
        .post("/api/tasks/mine", Some(&member), &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(mine["cards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == next_id.as_str()));

    // The admin stops the series on the new one: finishing it makes none.
    let res = app
        .post(
            "/api/tasks/update",
            Some(&admin),
            &[
                ("id", next_id.clone()),
                ("version", "1".into()),
                ("title", "Weekly report".into()),
                ("priority", "HIGH".into()),
                ("due", "2031-01-03".into()),
                ("checklist", "Collect figures\nWrite summary".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            "/api/tasks/status",
            Some(&admin),
            &[
                ("id", next_id.clone()),
                ("version", "2".into()),
                ("status", "DONE".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let last = get(next_id, admin.clone()).await;
    assert_eq!(last["repeat"], serde_json::Value::Null);
    assert_eq!(last["next_occurrence"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_are_managed_by_admins_and_filter_the_board() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (member, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let list = |jar: String| {
        let app = &app;
        async move {
            let v: serde_json::Value = app
                .post("/api/labels/list", Some(&jar), &[])
                .await
                .json()
                .await
                .unwrap();
            v["labels"].as_array().unwrap().clone()
        }
    };
    let hostile = "</title><script>alert(1)</script>";
    for (name, color, status) in [
        ("Bug", "RED", 200),
        (hostile, "TEAL", 200),
        ("", "RED", 400),
        (&"x".repeat(41), "RED", 400),
        ("Nope", "#ff0000", 400),
        ("Nope", "red; background:url(x)", 400),
    ] {
        let res = app
            .post(
                "/api/labels/create",
                Some(&admin),
                &[("name", name.to_owned()), ("color", color.to_owned())],
            )
            .await;
        assert_eq!(res.status(), status, "{name} {color}");
    }
    let res = app
        .post(
            "/api/labels/create",
            Some(&member),
            &[("name", "Mine".into()), ("color", "RED".into())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let labels = list(member.clone()).await;
    assert_eq!(labels.len(), 2, "{labels:?}");
    let bug = labels.iter().find(|l| l["name"] == "Bug").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let odd = labels.iter().find(|l| l["name"] == hostile).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(labels[0]["class"], "label-red");

    // Tasks carry labels from the form; an unknown id is a 400.
    let create = |title: &str, labels: Vec<String>| {
        let mut form = vec![
            ("title", title.to_owned()),
            ("priority", "MEDIUM".to_owned()),
            ("assignees[]", mo.to_string()),
        ];
        form.extend(labels.into_iter().map(|l| ("labels[]", l)));
        let (app, admin) = (&app, admin.clone());
        async move { app.post("/api/tasks/create", Some(&admin), &form).await }
    };
    assert_eq!(
        create("Crash", vec![bug.clone(), odd.clone()])
            .await
            .status(),
        200
    );
    assert_eq!(create("Polish", vec![odd.clone()]).await.status(), 200);
    assert_eq!(create("Plain", vec![]).await.status(), 200);
    let unknown = "0190b2a4-0000-7000-8000-000000000000".to_owned();
    assert_eq!(create("Ghost", vec![unknown]).await.status(), 400);
    assert_eq!(
        create("Garbage", vec!["not-an-id".into()]).await.status(),
        400
    );

    // The board filtered by a label, for the admin (label index) and the
    // member (their own rows) alike; chips come with the cards.
    for jar in [&admin, &member] {
        let board: serde_json::Value = app
            .post(
                "/api/tasks/board",
                Some(jar),
                &[("query[label]", bug.clone())],
            )
            .await
            .json()
            .await
            .unwrap();
        let cards: Vec<_> = board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["cards"].as_array().unwrap().clone())
            .collect();
        assert_eq!(cards.len(), 1, "{board}");
        assert_eq!(cards[0]["title"], "Crash");
        let chips: Vec<_> = cards[0]["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(chips, ["Bug", hostile]);
    }
    let res = app
        .post(
            "/api/tasks/board",
            Some(&admin),
            &[("query[label]", "junk".into())],
        )
        .await;
    assert_eq!(res.status(), 400);

    // The board page shows the hostile name as text, never as markup.
    let html = app.page_html("/board", &admin).await;
    assert!(!html.contains("<script>alert(1)"), "label name injected");
    assert!(html.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));

    // Renaming is version-checked; deleting leaves tasks readable and the
    // chip gone.
    let bug_v = |labels: &[serde_json::Value]| {
        labels
            .iter()
            .find(|l| l["id"] == bug.as_str())
            .map(|l| l["version"].to_string())
    };
    let v1 = bug_v(&list(admin.clone()).await).unwrap();
    let rename = |version: String| {
        let form = [
            ("id", bug.clone()),
            ("version", version),
            ("name", "Defect".into()),
            ("color", "ORANGE".into()),
        ];
        let (app, admin) = (&app, admin.clone());
        async move { app.post("/api/labels/update", Some(&admin), &form).await }
    };
    assert_eq!(rename(v1.clone()).await.status(), 200);
    assert_eq!(rename(v1).await.status(), 409);
    let v2 = bug_v(&list(admin.clone()).await).unwrap();
    let res = app
        .post(
            "/api/labels/delete",
            Some(&member),
            &[("id", bug.clone()), ("version", v2.clone())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post(
            "/api/labels/delete",
            Some(&admin),
            &[("id", bug.clone()), ("version", v2)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let mine: serde_json::Value = app
        .post("/api/tasks/board", Some(&member), &[])
        .await
        .json()
        .await
        .unwrap();
    let crash = mine["columns"][0]["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == "Crash")
        .unwrap()
        .clone();
    assert_eq!(
        crash["labels"].as_array().unwrap().len(),
        1,
        "the deleted label's chip is gone"
    );
}

/// The webhooks page (admins): a webhook is added from the form's fields,
/// listed with its events and last delivery, and removed; every bad field
/// gets a 400 naming the rule, hostile text stays text, and the bound of
/// 20 holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_added_listed_and_removed_by_admins_with_bad_input_refused() {
    let app = TestApp::spawn().await;
    let (ada, admin) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo, _) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let s = |v: &str| v.to_owned();
    let page = |jar: String| {
        let app = &app;
        async move { app.page("/settings/webhooks", Some(&jar)).await }
    };
    assert_eq!(page(mo.clone()).await.0, 403);
    let (status, empty) = page(ada.clone()).await;
    assert_eq!(status, 200);
    assert!(empty.contains("No webhooks yet."), "{empty}");
    assert!(empty.contains("name=\"events[STATUS_CHANGED]\""));

    for (url, events, rule) in [
        ("javascript:alert(1)", "ASSIGNED", "full URL"),
        ("ftp://hooks.example.com/x", "ASSIGNED", "Only https"),
        ("http://hooks.example.com/x", "ASSIGNED", "Only https"),
        ("https://169.254.169.254/latest", "ASSIGNED", "Private"),
        ("https://[fd00:ec2::254]/", "ASSIGNED", "Private"),
        ("https://u:p@hooks.example.com/", "ASSIGNED", "user name"),
        ("not a url", "ASSIGNED", "full URL"),
        ("", "ASSIGNED", "Enter a URL"),
        (
            &format!("https://e.com/{}", "a".repeat(2000)),
            "ASSIGNED",
            "too long",
        ),
        ("https://hooks.example.com/x", "NOPE", "Unknown event"),
    ] {
        let res = app
            .post(
                "/api/webhooks/create",
                Some(&ada),
                &[("url", s(url)), (&format!("events[{events}]"), s("on"))],
            )
            .await;
        assert_eq!(res.status(), 400, "{url}");
        let body = res.text().await.unwrap();
        assert!(body.contains(rule), "{url}: {body}");
    }
    let res = app
        .post(
            "/api/webhooks/create",
            Some(&ada),
            &[("url", s("https://hooks.example.com/x"))],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("at least one event"));
    assert!(app.store.list_webhooks().await.unwrap().is_empty());

    // Hostile text in the URL: the parser percent-encodes what a URL may
    // not hold, and the page shows it as text.
    let hostile = "https://hooks.example.com/</code><script>alert(1)</script>?q=\"'&x=<b>";
    let res = app
        .post(
            "/api/webhooks/create",
            Some(&ada),
            &[
                ("url", s(hostile)),
                ("events[ASSIGNED]", s("on")),
                ("events[COMMENTED]", s("on")),
            ],
        )
        .await;
    let status = res.status();
    let handed = support::cookie_jar(&res);
    assert!(
        status.is_success(),
        "{status} {}",
        res.text().await.unwrap()
    );
    let hooks = app.store.list_webhooks().await.unwrap();
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    // The signing secret goes to the list in a cookie scoped to it, and
    // shows there once.
    assert_eq!(handed, format!("tl_webhook={}", hook.secret));
    let (status, with_secret) = page(format!("{ada}; {handed}")).await;
    assert_eq!(status, 200);
    assert!(
        with_secret.contains(&hook.secret),
        "shown once: {with_secret}"
    );
    assert_eq!(
        hook.events.iter().copied().collect::<Vec<_>>(),
        vec![domain::EventKind::Assigned, domain::EventKind::Commented]
    );
    let (_, html) = page(ada.clone()).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("</code><script>"), "{html}");
    assert!(html.contains("hooks.example.com/"), "{html}");
    assert!(html.contains("Assigned, Commented"), "{html}");
    assert!(html.contains("Nothing sent yet."), "{html}");
    assert!(!html.contains(&hook.secret), "not shown again: {html}");
    assert!(html.contains("shown once, when the webhook was added"));
    // A cookie naming another secret reveals nothing.
    let (_, html) = page(format!("{ada}; tl_webhook=whsec_{}", "0".repeat(64))).await;
    assert!(!html.contains(&hook.secret) && !html.contains("whsec_"));

    // A recorded failure shows as such, error text escaped.
    app.store
        .record_webhook_delivery(
            hook,
            domain::WebhookDelivery {
                at: time::OffsetDateTime::now_utc(),
                event: domain::EventKind::Assigned,
                http_status: None,
                error: Some("<img src=x onerror=alert(2)> refused".into()),
                attempts: 3,
            },
        )
        .await
        .unwrap();
    let (_, html) = page(ada.clone()).await;
    assert!(html.contains("data-ok=\"false\""), "{html}");
    assert!(html.contains("3 attempts"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("&lt;img src=x"), "{html}");

    // Removal, and a second removal is a 404.
    let form = [("id", hook.id.to_string())];
    assert!(app
        .post("/api/webhooks/delete", Some(&ada), &form)
        .await
        .status()
        .is_success());
    assert_eq!(
        app.post("/api/webhooks/delete", Some(&ada), &form)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post("/api/webhooks/delete", Some(&ada), &[("id", s("x"))])
            .await
            .status(),
        400
    );

    // At the bound the form is gone and a post is refused.
    for i in 0..domain::MAX_WEBHOOKS {
        app.store
            .create_webhook(domain::NewWebhook {
                url: domain::WebhookUrl::parse(&format!("https://h{i}.example.com/")).unwrap(),
                events: [domain::EventKind::Overdue].into_iter().collect(),
                created_by: admin,
            })
            .await
            .unwrap();
    }
    let res = app
        .post(
            "/api/webhooks/create",
            Some(&ada),
            &[
                ("url", s("https://one-more.example.com/")),
                ("events[OVERDUE]", s("on")),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("At most 20"));
    let (_, html) = page(ada).await;
    assert!(!html.contains("data-testid=\"webhook-form\""));
    assert_eq!(
        app.store.list_webhooks().await.unwrap().len(),
        domain::MAX_WEBHOOKS
    );
}

/// `@handle` in a comment: stored as typed, resolved to the people who may
/// see the task (an admin, the assignee) and unique on the team; shown as
/// a highlighted span for them and plain, escaped text for everyone else
/// (a member not on the task, a deactivated admin, a shared handle, no one,
/// markup). The notice itself is the notifier's (tests in notifier).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_name_only_people_who_can_see_the_task_and_stay_text() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let (_, other) = app
        .user("other@example.com", "Other", "Member-Pass-42")
        .await;
    let (_, ghost) = app
        .user("ghost@example.com", "Ghost", "Member-Pass-42")
        .await;
    let (_, twin1) = app.user("twin@one.example", "Twin", "Member-Pass-42").await;
    let (_, twin2) = app.user("twin@two.example", "Twin", "Member-Pass-42").await;
    for admin in [ghost, twin1, twin2] {
        app.set_role(&ada_jar, admin, "ADMIN").await;
    }
    app.set_active(&ada_jar, ghost, false).await;
    let task = seed(&app, "Mentions", None, vec![mo], ada).await;
    let body = "@Mo and @other, @ghost @twin @nobody: mail ada@example.com \
                @<img src=x onerror=alert(1)> </textarea><script>alert(1)</script>";
    let res = app
        .post(
            "/api/tasks/comment",
            Some(&ada_jar),
            &[("id", task.id.to_string()), ("body", body.into())],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // The member mentions the admin back.
    let res = app
        .post(
            "/api/tasks/comment",
            Some(&mo_jar),
            &[("id", task.id.to_string()), ("body", "thanks @ADA.".into())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let detail = app.store.get_task(task.id, 10).await.unwrap();
    let comments = &detail.comments.items;
    assert_eq!(comments[1].body.as_str(), body, "stored as typed");
    assert_eq!(comments[1].mentions, vec![mo]);
    assert_eq!(comments[0].mentions, vec![ada]);
    let _ = other;

    for jar in [&ada_jar, &mo_jar] {
        let html = app.page_html(&format!("/tasks/{}", task.id), jar).await;
        assert!(
            html.contains(r#"<span class="mention">@Mo</span>"#),
            "{html}"
        );
        assert!(html.contains(r#"<span class="mention">@ADA</span>."#));
        assert_eq!(html.matches(r#"class="mention""#).count(), 2);
        assert!(html.contains(" and @other, @ghost @twin @nobody: mail ada@example.com @&lt;img"));
        assert!(!html.contains("<img src=x"));
        assert!(!html.contains("<script>alert(1)"));
    }
}

/// The events of a calendar feed as Python's `icalendar` reads them
/// (scripts/parse-ics.py, in the test tools' virtualenv that
/// scripts/setup.sh makes): a parse failure fails the test.
fn parse_ics(body: &str) -> serde_json::Value {
    use std::io::Write as _;
    let home = std::env::var("TASKLANE_HOME")
        .unwrap_or_else(|_| format!("{}/.cache/tasklane", std::env::var("HOME").unwrap()));
    let python = format!("{home}/venv/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/parse-ics.py");
    let mut child = std::process::Command::new(&python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python} (run scripts/setup.sh): {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Makes a feed as the profile page's form does; returns its token.
async fn create_feed(app: &TestApp, jar: &str, me: domain::UserId, all: bool) -> String {
    let version = app.store.get_profile(me).await.unwrap().version;
    let mut form = vec![("version", version.to_string())];
    if all {
        form.push(("all_tasks", "on".into()));
    }
    let res = app.post("/api/profile/calendar", Some(jar), &form).await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    // The address travels to the profile page in a cookie scoped to it,
    // never in the URL (history, proxies' access logs).
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/profile#calendar");
    let set: Vec<&str> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .filter(|c| c.starts_with("tl_calendar="))
        .collect();
    let [cookie] = set[..] else {
        panic!("one flash cookie: {set:?}")
    };
    for attribute in [
        "Path=/profile",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=120",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let token = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.strip_prefix("tl_calendar="))
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 43, "256 random bits, base64url");
    token
}

/// A feed fetch as a calendar app makes it: no cookie.
async fn fetch_feed(app: &TestApp, token: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app
        .client
        .get(app.url(&format!("/calendar/{token}.ics")))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

fn uids(feed: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// The calendar feed end to end: made on the profile, fetched without a
/// cookie, parsed by Python's `icalendar`; only the member's own dated
/// tasks (never after they are unassigned), hostile titles escaped, a
/// change bumps SEQUENCE; regenerating, revoking and deactivating answer
/// the same 404 as a token that never existed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_feed_lists_own_dated_tasks_and_dies_when_revoked() {
    let app = TestApp::spawn().await;
    let (ada_jar, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let (_, other) = app
        .user("other@example.com", "Other", "Member-Pass-42")
        .await;
    let hostile = "</script><script>alert(1)</script>; a,b\\c";
    let mine = seed(&app, hostile, Some(3), vec![mo], ada).await;
    let theirs = seed(&app, "Not Mo's", Some(1), vec![other], ada).await;
    let nobodys = seed(&app, "Nobody's", Some(2), vec![], ada).await;
    seed(&app, "Undated", None, vec![mo], ada).await;

    let (unknown_status, _, unknown_body) = fetch_feed(&app, &"A".repeat(43)).await;
    assert_eq!(unknown_status, 404);
    let token = create_feed(&app, &mo_jar, mo, false).await;
    let (status, headers, body) = fetch_feed(&app, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "text/calendar; charset=utf-8");
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    let feed = parse_ics(&body);
    let host = app.addr.ip().to_string();
    let uid = |t: &domain::Task| format!("task-{}@{host}", t.id);
    assert_eq!(uids(&feed), vec![uid(&mine)]);
    let ev = &feed["events"][0];
    assert_eq!(ev["summary"], hostile);
    assert_eq!(ev["all_day"], true);
    assert_eq!(ev["start"], mine.due.unwrap().to_string());
    assert_eq!(ev["sequence"], mine.version);
    assert_eq!(ev["url"], app.url(&format!("/tasks/{}", mine.id)));
    assert_eq!(ev["categories"], serde_json::json!(["Open"]));

    // The URL shows on the profile page once, for its owner only; the page
    // clears the cookie that brought it.
    let profile_page = |jar: String, token: String| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(app.url("/profile"))
                .header("accept", "text/html")
                .header("cookie", format!("{jar}; tl_calendar={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let cleared = res.headers().get_all("set-cookie").iter().any(|c| {
                c.to_str()
                    .unwrap()
                    .starts_with("tl_calendar=; Path=/profile;")
            });
            assert!(cleared, "{:?}", res.headers());
            res.text().await.unwrap()
        }
    };
    let feed_url = format!("/calendar/{token}.ics");
    assert!(profile_page(mo_jar.clone(), token.clone())
        .await
        .contains(&feed_url));
    assert!(!app.page_html("/profile", &mo_jar).await.contains(&feed_url));
    assert!(!profile_page(ada_jar.clone(), token.clone())
        .await
        .contains(&feed_url));
    assert!(!profile_page(mo_jar.clone(), "A".repeat(43))
        .await
        .contains("calendar-url"));
    // The query string the address once travelled in is ignored.
    assert!(!app
        .page_html(&format!("/profile?calendar={token}"), &mo_jar)
        .await
        .contains(&feed_url));

    // A change of title and due date: same UID, higher SEQUENCE, new values.
    let renamed = app
        .store
        .update_task(
            &mine,
            &domain::TaskPatch {
                title: Some(domain::TaskTitle::parse("Renamed, again").unwrap()),
                due: Some(Some(domain::DueDate(
                    mine.due.unwrap() + time::Duration::days(1),
                ))),
                ..Default::default()
            },
            ada,
        )
        .await
        .unwrap();
    let feed = parse_ics(&fetch_feed(&app, &token).await.2);
    let ev = &feed["events"][0];
    assert_eq!(ev["uid"], uid(&mine));
    assert_eq!(ev["summary"], "Renamed, again");
    assert_eq!(ev["start"], renamed.due.unwrap().to_string());
    assert!(ev["sequence"].as_u64().unwrap() > mine.version);

    // Unassigned: gone from the member's feed at once.
    app.store
        .set_assignees(&renamed, &[], &[mo], ada)
        .await
        .unwrap();
    assert!(uids(&parse_ics(&fetch_feed(&app, &token).await.2)).is_empty());

    // An admin's "all tasks" feed: every open dated task; a member may not.
    let all = create_feed(&app, &ada_jar, ada, true).await;
    let feed = parse_ics(&fetch_feed(&app, &all).await.2);
    let mut want = vec![uid(&renamed), uid(&theirs), uid(&nobodys)];
    want.sort();
    assert_eq!(uids(&feed), want);
    let version = app.store.get_profile(mo).await.unwrap().version;
    let res = app
        .post(
            "/api/profile/calendar",
            Some(&mo_jar),
            &[("version", version.to_string()), ("all_tasks", "on".into())],
        )
        .await;
    assert_eq!(res.status(), 400);

    // Regenerate: the old URL dies. Revoke: the new one dies too. Both
    // answer exactly like a token that never existed.
    let fresh = create_feed(&app, &mo_jar, mo, false).await;
    assert_eq!(fetch_feed(&app, &fresh).await.0, 200);
    let (status, _, body) = fetch_feed(&app, &token).await;
    assert_eq!((status, body.as_str()), (404, unknown_body.as_str()));
    let version = app.store.get_profile(mo).await.unwrap().version;
    let res = app
        .post(
            "/api/profile/calendar/revoke",
            Some(&mo_jar),
            &[("version", version.to_string())],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let (status, _, body) = fetch_feed(&app, &fresh).await;
    assert_eq!((status, body.as_str()), (404, unknown_body.as_str()));

    // Deactivated: the feed answers 404 the same way.
    let last = create_feed(&app, &mo_jar, mo, false).await;
    assert_eq!(fetch_feed(&app, &last).await.0, 200);
    app.set_active(&ada_jar, mo, false).await;
    let (status, _, body) = fetch_feed(&app, &last).await;
    assert_eq!((status, body.as_str()), (404, unknown_body.as_str()));

    // Junk in the path never reaches the store and never errors.
    for junk in ["x", "..%2F..%2Fetc", &format!("{last}.ics"), "%00"] {
        let res = app
            .client
            .get(app.url(&format!("/calendar/{junk}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{junk}");
    }
}

/// A team defines at most `MAX_DEFINED_LABELS` labels: the list stays one
/// small read, and the next one gets a 400 that says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_list_is_bounded() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    for i in 0..domain::MAX_DEFINED_LABELS {
        let form = [("name", format!("label {i}")), ("color", "GRAY".to_owned())];
        let res = app.post("/api/labels/create", Some(&admin), &form).await;
        assert_eq!(res.status(), 200, "label {i}");
    }
    let form = [
        ("name", "one too many".to_owned()),
        ("color", "GRAY".to_owned()),
    ];
    let res = app.post("/api/labels/create", Some(&admin), &form).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("at most 100 labels"));
    assert_eq!(
        app.store.list_labels().await.unwrap().len(),
        domain::MAX_DEFINED_LABELS
    );
}

/// Projects over HTTP, as an admin and a member use them: created and
/// renamed by admins only (hostile names stay text), tasks created in one
/// and moved between them, the board, dashboard and CSV per project and
/// across all, archiving refused while work is open, and an archived
/// project taking no new tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_scope_the_board_dashboard_and_csv() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (member, mo) = app.user("mo@example.com", "Mo", "Member-Pass-42").await;
    let hostile = "</title><script>alert(1)</script>";
    for (name, status) in [
        ("Launch", 200),
        (hostile, 200),
        ("", 400),
        (&"x".repeat(81), 400),
        ("two\nlines", 400),
    ] {
        let res = app
            .post(
                "/api/projects/create",
                Some(&admin),
                &[("name", name.into())],
            )
            .await;
        assert_eq!(res.status(), status, "{name:?}");
    }
    let res = app
        .post(
            "/api/projects/create",
            Some(&member),
            &[("name", "Mine".into())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let projects = app.store.list_projects().await.unwrap();
    assert_eq!(
        projects.len(),
        3,
        "the default one and two new: {projects:?}"
    );
    let id_of = |name: &str| {
        projects
            .iter()
            .find(|p| p.name.as_str() == name)
            .unwrap()
            .id
            .to_string()
    };
    let (launch, odd) = (id_of("Launch"), id_of(hostile));

    // Tasks go to the project their form names (the default one when it
    // names none); an unknown or garbled project is a 400.
    let create = |title: &str, project: &str| {
        let form = vec![
            ("title", title.to_owned()),
            ("priority", "MEDIUM".to_owned()),
            ("assignees[]", mo.to_string()),
            ("project", project.to_owned()),
        ];
        let (app, admin) = (&app, admin.clone());
        async move { app.post("/api/tasks/create", Some(&admin), &form).await }
    };
    for (title, project) in [("Ship", launch.as_str()), ("Tidy", ""), ("Odd", &odd)] {
        assert_eq!(create(title, project).await.status(), 200, "{title}");
    }
    let unknown = "0190b2a4-0000-7000-8000-000000000000";
    assert_eq!(create("Ghost", unknown).await.status(), 400);
    assert_eq!(create("Garbage", "not-an-id").await.status(), 400);

    let titles = |board: &serde_json::Value| {
        let mut t: Vec<String> = board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["cards"].as_array().unwrap().clone())
            .map(|c| c["title"].as_str().unwrap().to_owned())
            .collect();
        t.sort();
        t
    };
    let board = |jar: String, project: String| {
        let app = &app;
        async move {
            let res = app
                .post(
                    "/api/tasks/board",
                    Some(&jar),
                    &[("query[project]", project)],
                )
                .await;
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    // Per project for the admin (the project's index) and the member (their
    // own rows), and across all.
    for jar in [&admin, &member] {
        let b = board(jar.clone(), launch.clone()).await;
        assert_eq!(titles(&b), ["Ship"], "{b}");
        assert_eq!(b["project"]["name"], "Launch");
        let all = board(jar.clone(), String::new()).await;
        assert_eq!(titles(&all), ["Odd", "Ship", "Tidy"]);
    }
    let b = board(admin.clone(), domain::ProjectId::DEFAULT.to_string()).await;
    assert_eq!(titles(&b), ["Tidy"]);
    let res = app
        .post(
            "/api/tasks/board",
            Some(&admin),
            &[("query[project]", "junk".into())],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .post(
            "/api/tasks/board",
            Some(&admin),
            &[("query[project]", unknown.into())],
        )
        .await;
    assert_eq!(res.status(), 404);
    // Members get no project switcher: the names are an admin's to list.
    let b = board(member.clone(), String::new()).await;
    assert_eq!(b["projects"], serde_json::json!([]));

    // The hostile name is text on the board page, in its title too.
    let html = app
        .page_html(&format!("/board?project={odd}"), &admin)
        .await;
    assert!(!html.contains("<script>alert(1)"), "project name injected");
    assert!(html.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));

    // Moving a task moves it between the project boards.
    let ship = app
        .store
        .list_tasks_by_project(
            domain::ProjectId::parse(&launch).unwrap(),
            domain::Status::Open,
            store::PageRequest::first(10),
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let res = app
        .post(
            "/api/tasks/update",
            Some(&admin),
            &[
                ("id", ship.id.to_string()),
                ("version", ship.version.to_string()),
                ("title", "Ship".into()),
                ("priority", "MEDIUM".into()),
                ("project", odd.clone()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        titles(&board(admin.clone(), launch.clone()).await),
        Vec::<String>::new()
    );
    assert_eq!(
        titles(&board(admin.clone(), odd.clone()).await),
        ["Odd", "Ship"]
    );

    // The dashboard counts one project, from its counters.
    let dash: serde_json::Value = app
        .post("/api/dashboard", Some(&admin), &[("project", odd.clone())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dash["total"], 2, "{dash}");
    assert_eq!(dash["project"]["id"], odd.as_str());
    let dash: serde_json::Value = app
        .post("/api/dashboard", Some(&admin), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dash["total"], 3);
    assert_eq!(dash["projects"].as_array().unwrap().len(), 3);

    // The CSV names each task's project, and exports one project alone.
    let csv = |query: String| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let res = app
                .client
                .get(app.url(&format!("/export/tasks.csv{query}")))
                .header("cookie", &admin)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, all) = csv(String::new()).await;
    assert_eq!(status, 200);
    let mut rows = csv::Reader::from_reader(all.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "project").unwrap();
    let title = header.iter().position(|h| h == "title").unwrap();
    let mut seen: Vec<(String, String)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[title].to_owned(), r[col].to_owned())
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Odd".to_owned(), hostile.to_owned()),
            ("Ship".to_owned(), hostile.to_owned()),
            ("Tidy".to_owned(), "General".to_owned()),
        ]
    );
    let (status, one) = csv(format!("?project={}", domain::ProjectId::DEFAULT)).await;
    assert_eq!(status, 200);
    assert_eq!(one.lines().count(), 2, "{one}");
    assert!(one.contains("Tidy"));
    assert_eq!(csv("?project=junk".into()).await.0, 400);
    assert_eq!(csv(format!("?project={unknown}")).await.0, 404);

    // Archiving waits for the project's open work; then it takes no new
    // tasks (and drops out of the pickers) until restored.
    let version_of = |id: &str| {
        let app = &app;
        let id = id.to_owned();
        async move {
            let all = app.store.list_projects().await.unwrap();
            let p = all.into_iter().find(|p| p.id.to_string() == id).unwrap();
            p.version.to_string()
        }
    };
    let archive = |id: String, version: String, archived: bool| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let form = [
                ("id", id),
                ("version", version),
                ("archived", archived.to_string()),
            ];
            app.post("/api/projects/archive", Some(&admin), &form).await
        }
    };
    let res = archive(odd.clone(), version_of(&odd).await, true).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("2 open task(s)"));
    let res = archive(launch.clone(), version_of(&launch).await, true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(create("Late", &launch).await.status(), 400);
    let choices: serde_json::Value = app
        .post("/api/projects/choices", Some(&admin), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(choices.as_array().unwrap().len(), 2, "{choices}");
    let stale = "1".to_owned();
    assert_eq!(archive(launch.clone(), stale, false).await.status(), 409);
    let res = archive(launch.clone(), version_of(&launch).await, false).await;
    assert_eq!(res.status(), 200);
    assert_eq!(create("Late", &launch).await.status(), 200);
    // Renaming is version-checked too, and the default project can be
    // renamed (its first write) but never archived.
    let default = domain::ProjectId::DEFAULT.to_string();
    let rename = |version: String| {
        let (app, admin, default) = (&app, admin.clone(), default.clone());
        async move {
            let form = [
                ("id", default),
                ("version", version),
                ("name", "Home".into()),
            ];
            app.post("/api/projects/rename", Some(&admin), &form).await
        }
    };
    assert_eq!(rename("0".into()).await.status(), 200);
    assert_eq!(rename("0".into()).await.status(), 409);
    assert_eq!(
        archive(default.clone(), "1".into(), true).await.status(),
        409
    );
}

/// The export is written as it is read: a chunked body with no length,
/// one store page at a time (also through the compression a browser asks
/// for), which holds every task of every column once
/// (more than a page in one column, tasks in every status), in board
/// order, with hostile titles still inert.
#[tokio::test]
async fn the_csv_export_streams_every_task_once() {
    let app = TestApp::spawn().await;
    let (admin, ada) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let mut want = std::collections::BTreeMap::new();
    for i in 0..1_203usize {
        // 1,100 open (three pages of one column), then a few of each other status.
        let status = if i < 1_100 {
            domain::Status::Open
        } else {
            domain::Status::ALL[i % domain::Status::ALL.len()]
        };
        let title = if i % 100 == 7 {
            format!("=HYPERLINK(\"http://evil\",\"{i}\")")
        } else {
            format!("Task {i}")
        };
        let t = app
            .store
            .create_task(domain::NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status,
                title: domain::TaskTitle::parse(&title).unwrap(),
                description: None,
                priority: domain::Priority::Low,
                due: None,
                assignees: vec![ada],
                created_by: ada,
            })
            .await
            .unwrap();
        want.insert(t.id.to_string(), (title, status));
    }
    let res = app
        .client
        .get(app.url("/export/tasks.csv"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("content-length").is_none(),
        "streamed, not buffered: {:?}",
        res.headers()
    );
    assert_eq!(res.headers()["transfer-encoding"], "chunked");
    let body = res.text().await.unwrap();
    // As a browser asks for it: compressed on the fly, the same file.
    let res = app
        .client
        .get(app.url("/export/tasks.csv"))
        .header("cookie", &admin)
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "br");
    let compressed = res.bytes().await.unwrap();
    let unpacked = support::unbrotli(&compressed);
    assert_eq!(unpacked, body, "compressed and plain exports differ");
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    let header = rows.headers().unwrap().clone();
    let (id, title, status, who) = ["id", "title", "status", "assignees"]
        .map(|h| header.iter().position(|c| c == h).unwrap())
        .into();
    let mut got = std::collections::BTreeMap::new();
    let mut order = Vec::new();
    for r in rows.records() {
        let r = r.unwrap();
        assert_eq!(&r[who], "Ada");
        let cell = r[title].to_owned();
        let prev = got.insert(r[id].to_owned(), (cell, r[status].to_owned()));
        assert!(prev.is_none(), "{} twice", &r[id]);
        order.push(r[status].to_owned());
    }
    assert_eq!(got.len(), want.len());
    for (k, (title, status)) in &want {
        let (cell, st) = &got[k];
        assert_eq!(st, status.as_str());
        if title.starts_with('=') {
            assert_eq!(cell, &format!("'{title}"), "a formula stays text");
        } else {
            assert_eq!(cell, title);
        }
    }
    // Column by column, in board order.
    let mut columns = order.clone();
    columns.dedup();
    let board: Vec<&str> = domain::Status::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(columns, board);
}

/// A team past `PICKER_LISTS_ALL` people: the task forms list only the
/// assignees as checkboxes and take others by name or email, so the task
/// page weighs the same whatever the team's size; every typed name must
/// name one active person (else a 400 that says which term), ticked
/// assignees are kept, hostile terms stay text, and members cannot use it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_teams_task_forms_take_people_by_name() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.user("ada@example.com", "Ada", "Correct-Horse-9").await;
    let (mo_jar, mo) = app
        .user("mo@example.com", "Mo Member", "Member-Pass-42")
        .await;
    let s = |v: &str| v.to_owned();
    let mut people = Vec::new();
    for i in 0..app::team::PICKER_LISTS_ALL {
        let p = app
            .store
            .create_profile(domain::NewProfile {
                id: domain::UserId::from_uuid(uuid::Uuid::now_v7()),
                email: domain::Email::parse(&format!("person{i:02}@example.com")).unwrap(),
                display_name: domain::DisplayName::parse(&format!("Person {i:02}")).unwrap(),
                role: domain::Role::Member,
            })
            .await
            .unwrap();
        people.push(p);
    }
    let gone = app.store.get_profile(people[7].id).await.unwrap();
    app.store.set_active(&gone, false).await.unwrap();

    // The new-task form: no checkbox per person, a field for names.
    let html = app.page_html("/tasks/new", &ada).await;
    assert!(html.contains("name=\"add_people\""), "{html}");
    assert!(!html.contains("person03@example.com"), "{html}");

    let res = app
        .post(
            "/api/tasks/create",
            Some(&ada),
            &[
                ("title", s("Plan the offsite")),
                ("priority", s("HIGH")),
                ("add_people", s("person03@example.com, Mo Member")),
            ],
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let id = location.strip_prefix("/tasks/").unwrap().to_owned();
    let task = app
        .store
        .get_task(domain::TaskId::parse(&id).unwrap(), 0)
        .await
        .unwrap()
        .task;
    let mut want = vec![people[3].id, mo];
    want.sort();
    assert_eq!(task.assignees, want);

    // The task page lists the two assignees, ticked, and nobody else.
    let html = app.page_html(&location, &ada).await;
    assert!(html.contains("person03@example.com") && html.contains("mo@example.com"));
    assert!(!html.contains("person04@example.com"), "{html}");
    assert!(html.contains("name=\"add_people\""));

    // Untick Mo, keep Person 03, add Person 12 by a unique part of the
    // name: one write of the difference.
    let assign = |version: u64, ticked: Vec<domain::UserId>, typed: &str| {
        let mut form = vec![
            ("id", id.clone()),
            ("version", version.to_string()),
            ("add_people", s(typed)),
        ];
        form.extend(ticked.iter().map(|u| ("assignees[]", u.to_string())));
        let (app, ada) = (&app, &ada);
        async move { app.post("/api/tasks/assign", Some(ada), &form).await }
    };
    let res = assign(task.version, vec![people[3].id], "son 12").await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let task = app.store.get_task(task.id, 0).await.unwrap().task;
    let mut want = vec![people[3].id, people[12].id];
    want.sort();
    assert_eq!(task.assignees, want);

    // Refusals: several, none, deactivated, hostile; nothing changes.
    for (typed, says) in [
        ("Person 1", "“Person 1” matches 10 people (person10@example.com, person11@example.com, person12@example.com, …)"),
        ("Nobody Here", "No active member matches “Nobody Here”."),
        ("person07@example.com", "No active member matches “person07@example.com”."),
        ("<script>alert(1)</script>", "No active member matches “<script>alert(1)</script>”."),
    ] {
        let res = assign(task.version, vec![people[3].id], typed).await;
        assert_eq!(res.status(), 400, "{typed}");
        let body = res.text().await.unwrap();
        assert!(body.contains(says), "{typed}: {body}");
    }
    assert_eq!(app.store.get_task(task.id, 0).await.unwrap().task, task);
    // A member may neither list the assignable nor assign by name.
    let res = app.post("/api/tasks/assignable", Some(&mo_jar), &[]).await;
    assert_eq!(res.status(), 403);
    let res = app
        .post(
            "/api/tasks/assign",
            Some(&mo_jar),
            &[
                ("id", id.clone()),
                ("version", task.version.to_string()),
                ("add_people", s("person20@example.com")),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        404,
        "a member not assigned cannot see the task"
    );
}
