//! The `lambda-api` binary under a Lambda Runtime API emulator on loopback,
//! fed API Gateway HTTP API (payload 2.0) events, with DynamoDB and Cognito
//! on moto: what runs in AWS, minus AWS.
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (scripts/with-moto.sh sets it); without
//! it the tests fail rather than skip.

use crate::support;

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
};

use base64::{engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};
use support::emulator::{
    http_event, lambda_env, Emulator, HttpEvent, Outcome, INVITE_KEY, ORIGIN_SECRET,
};

fn moto() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TASKLANE_MOTO_ENDPOINT is not set: run these tests through scripts/with-moto.sh \
             (the test command does)"
        )
    })
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// One call of Cognito's JSON protocol on moto (signatures are not checked).
async fn cognito(op: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/", moto()))
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto reachable");
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{op} on moto: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

const PASSWORD: &str = "Correct-Horse-9-Battery";

/// A user pool with the MEMBER group, an app client, and one confirmed
/// member; returns (pool id, client id, username, access token).
async fn cognito_member() -> (String, String, String, String) {
    let pool = cognito(
        "CreateUserPool",
        json!({ "PoolName": format!("tl-{}", unique()) }),
    )
    .await;
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = cognito(
        "CreateUserPoolClient",
        json!({
            "UserPoolId": pool_id,
            "ClientName": "web",
            "ExplicitAuthFlows": [
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH"
            ]
        }),
    )
    .await;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    cognito(
        "CreateGroup",
        json!({ "UserPoolId": pool_id, "GroupName": "MEMBER" }),
    )
    .await;
    let username = format!("member-{}@example.com", unique());
    let password = PASSWORD;
    cognito(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS",
            "TemporaryPassword": password,
            "UserAttributes": [{ "Name": "email", "Value": username }]
        }),
    )
    .await;
    cognito(
        "AdminSetUserPassword",
        json!({ "UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": true }),
    )
    .await;
    cognito(
        "AdminAddUserToGroup",
        json!({ "UserPoolId": pool_id, "Username": username, "GroupName": "MEMBER" }),
    )
    .await;
    let auth = cognito(
        "AdminInitiateAuth",
        json!({
            "UserPoolId": pool_id, "ClientId": client_id, "AuthFlow": "ADMIN_NO_SRP_AUTH",
            "AuthParameters": { "USERNAME": username, "PASSWORD": password }
        }),
    )
    .await;
    let access = auth["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {auth}"))
        .to_owned();
    (pool_id, client_id, username, access)
}

/// A throwaway site root (removed on drop) holding one hashed, precompressed
/// asset and an icon.
struct Site(PathBuf);
impl Site {
    fn new() -> Site {
        let dir = std::env::temp_dir().join(format!("tasklane-lambda-{}", unique()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(
            dir.join("pkg/tasklane.0123456789abcdef.wasm"),
            b"\0asm\x01\0\0\0",
        )
        .unwrap();
        // Not valid UTF-8, so only a base64 body can carry it.
        std::fs::write(
            dir.join("pkg/tasklane.0123456789abcdef.wasm.br"),
            [0x8b_u8, 0xff, 0x00, 0x80, 0xfe, 0x01],
        )
        .unwrap();
        std::fs::write(dir.join("favicon.svg"), b"<svg/>").unwrap();
        Site(dir)
    }
}
impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary running under the emulator, its stdout collected.
struct Function {
    emulator: Emulator,
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    _site: Site,
}

impl Function {
    /// Stops the process and returns everything it wrote to stdout (the
    /// reader runs to end of file, so no line is missed).
    fn stop_and_logs(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stdout reader");
        }
        self.stdout.lock().unwrap().clone()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Setup {
    table: String,
    /// Created on moto's S3, empty.
    export_bucket: String,
    pool_id: String,
    client_id: String,
    username: String,
    access_token: String,
}

async fn setup() -> Setup {
    let table = format!("tasklane-lambda-{}", unique());
    let store = store::DynamoStore::new(store::DynamoStore::local_client(&moto(), None), &table);
    store.create_table().await.expect("create table on moto");
    let (pool_id, client_id, username, access_token) = cognito_member().await;
    // What the post-confirmation trigger does (moto runs no triggers): the
    // member's profile, whose role and active flag authorise every request.
    let user = cognito(
        "AdminGetUser",
        json!({ "UserPoolId": pool_id, "Username": username }),
    )
    .await;
    let sub = user["UserAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
        .and_then(|x| x["Value"].as_str())
        .unwrap_or_else(|| panic!("no sub: {user}"));
    store::Store::create_profile(
        &store,
        domain::NewProfile {
            id: domain::UserId::parse(sub).expect("sub is a UUID"),
            email: domain::Email::parse(&username).unwrap(),
            display_name: domain::DisplayName::parse("Mo Member").unwrap(),
            role: domain::Role::Member,
        },
    )
    .await
    .expect("profile");
    Setup {
        table,
        export_bucket: s3_bucket().await,
        pool_id,
        client_id,
        username,
        access_token,
    }
}

fn function_env(s: &Setup, site: &Site) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("TASKLANE_TABLE".into(), s.table.clone()),
        ("TASKLANE_COGNITO_USER_POOL_ID".into(), s.pool_id.clone()),
        ("TASKLANE_COGNITO_CLIENT_ID".into(), s.client_id.clone()),
        (
            "TASKLANE_PUBLIC_URL".into(),
            "https://d111111abcdef8.cloudfront.net".into(),
        ),
        ("TASKLANE_ORIGIN_SECRET".into(), ORIGIN_SECRET.into()),
        ("TASKLANE_INVITE_KEY".into(), INVITE_KEY.into()),
        ("TASKLANE_EXPORT_BUCKET".into(), s.export_bucket.clone()),
        (
            "TASKLANE_JWKS_URL".into(),
            format!("{}/{}/.well-known/jwks.json", moto(), s.pool_id),
        ),
        (
            "LEPTOS_SITE_ROOT".into(),
            site.0.to_string_lossy().into_owned(),
        ),
        // The test binary has no packaged hash.txt next to it.
        ("LEPTOS_HASH_FILES".into(), "false".into()),
        ("TASKLANE_LOG_FORMAT".into(), "json".into()),
        ("RUST_LOG".into(), "info".into()),
        ("AWS_ENDPOINT_URL".into(), moto()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
    ];
    // The function runs with a cleared environment; the record of the
    // actions its permission guard lets through must still reach the test
    // command's unused-permission check.
    if let Ok(dir) = std::env::var("TASKLANE_PERMISSIONS_SEEN") {
        env.push(("TASKLANE_PERMISSIONS_SEEN".into(), dir));
    }
    env
}

async fn spawn(env: Vec<(String, String)>, site: Site) -> Function {
    let emulator = Emulator::start().await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-api"));
    cmd.env_clear()
        .envs(lambda_env(&emulator, "tasklane-api"))
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn lambda-api");
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let lines = stdout.clone();
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            eprintln!("[lambda-api] {line}");
            lines.lock().unwrap().push(line);
        }
    });
    Function {
        emulator,
        child,
        stdout,
        reader: Some(reader),
        _site: site,
    }
}

async fn start() -> (Function, Setup) {
    let s = setup().await;
    let site = Site::new();
    let env = function_env(&s, &site);
    (spawn(env, site).await, s)
}

/// The function's API Gateway v2 response to `event`.
async fn call(f: &Function, event: Value) -> Value {
    match f.emulator.invoke(event).await {
        Outcome::Response { body, .. } => body,
        other => panic!("expected a response, got {other:?}"),
    }
}

fn header<'a>(res: &'a Value, name: &str) -> Option<&'a str> {
    res["headers"][name].as_str()
}

fn text(res: &Value) -> String {
    assert_eq!(res["isBase64Encoded"], false, "{res}");
    res["body"].as_str().unwrap_or_default().replace("<!>", "")
}

/// A server-function call as the app's own forms make it through
/// CloudFront: a same-origin form POST that asks for JSON.
fn api_post(path: &str) -> HttpEvent {
    http_event("POST", path, "$default")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssr_page_server_data_and_json_logs() {
    let (f, _) = start().await;
    let res = call(&f, http_event("GET", "/", "$default").build()).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert!(header(&res, "content-type")
        .unwrap()
        .starts_with("text/html"));
    let body = text(&res);
    assert!(body.contains("Welcome to tasklane"), "{body}");
    assert!(
        body.contains("/pkg/tasklane.js"),
        "hydration script: {body}"
    );

    // Logs are JSON objects, one per line; start-up says what it serves.
    let lines = f.stop_and_logs();
    let parsed: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    assert!(
        !lines.is_empty() && parsed.len() == lines.len(),
        "non-JSON log lines: {lines:?}"
    );
    assert!(
        parsed
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string()),
        "{lines:?}"
    );
    assert!(
        parsed
            .iter()
            .any(|l| l["fields"]["message"] == "lambda-api ready"),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_cloudfront_may_call_and_limits_count_its_viewer_address() {
    let (f, _) = start().await;
    // Straight to the execute-api URL: no secret, or a guessed one.
    for event in [
        http_event("GET", "/", "$default").without_header("x-tasklane-origin-secret"),
        http_event("GET", "/", "$default").header("x-tasklane-origin-secret", "guess"),
        http_event("POST", "/api/auth/me", "$default")
            .header(
                "x-tasklane-origin-secret",
                &ORIGIN_SECRET[..ORIGIN_SECRET.len() - 1],
            )
            .header("sec-fetch-site", "same-origin")
            .body(""),
    ] {
        let res = call(&f, event.build()).await;
        assert_eq!(res["statusCode"], 403, "{res}");
        assert_eq!(text(&res), "Forbidden");
    }

    // The account-flow limits count per viewer address (10 forgotten
    // passwords per client per 15 minutes; malformed input counts too),
    // whatever X-Forwarded-For a client makes up.
    let forgot = |viewer: &str, n: usize| {
        api_post("/api/auth/forgot")
            .header("cloudfront-viewer-address", viewer)
            .header("x-forwarded-for", &format!("192.0.2.{n}"))
            .body("email=not-an-address")
            .build()
    };
    for n in 0..10 {
        let res = call(&f, forgot("198.51.100.77:4000", n)).await;
        assert_eq!(res["statusCode"], 400, "attempt {n}: {res}");
    }
    let res = call(&f, forgot("198.51.100.77:4001", 10)).await;
    assert_eq!(res["statusCode"], 429, "{res}");
    // Another viewer has a budget of its own.
    let res = call(&f, forgot("198.51.100.78:4000", 11)).await;
    assert_eq!(res["statusCode"], 400, "{res}");
    // IPv6 viewers share one budget per /64.
    for n in 0..10 {
        let viewer = format!("2001:db8:7:7::{n:x}:443");
        let res = call(&f, forgot(&viewer, n)).await;
        assert_eq!(res["statusCode"], 400, "attempt {n}: {res}");
    }
    let res = call(&f, forgot("2001:db8:7:7:ffff::1:443", 10)).await;
    assert_eq!(res["statusCode"], 429, "{res}");
}

/// The Team page's changes through the deployed function: each sends its
/// Cognito admin action (the API role's `ManagePeople` grants), and the
/// store and the pool agree afterwards.
/// The Cognito user's id (`sub`) of `AdminGetUser`'s answer.
fn sub_of(user: Value) -> domain::UserId {
    user["UserAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
        .and_then(|x| x["Value"].as_str())
        .map(|s| domain::UserId::parse(s).unwrap())
        .unwrap()
}

/// An admin beside the setup's member, in the pool and the store; returns
/// the admin's id and access token.
async fn admin_beside(s: &Setup, store: &store::DynamoStore) -> (domain::UserId, String) {
    let admin = format!("admin-{}@example.com", unique());
    for (op, body) in [
        (
            "CreateGroup",
            json!({ "UserPoolId": s.pool_id, "GroupName": "ADMIN" }),
        ),
        (
            "AdminCreateUser",
            json!({
                "UserPoolId": s.pool_id, "Username": admin, "MessageAction": "SUPPRESS",
                "TemporaryPassword": PASSWORD,
                "UserAttributes": [{ "Name": "email", "Value": admin }]
            }),
        ),
        (
            "AdminSetUserPassword",
            json!({ "UserPoolId": s.pool_id, "Username": admin, "Password": PASSWORD, "Permanent": true }),
        ),
        (
            "AdminAddUserToGroup",
            json!({ "UserPoolId": s.pool_id, "Username": admin, "GroupName": "ADMIN" }),
        ),
    ] {
        cognito(op, body).await;
    }
    let admin_id = sub_of(
        cognito(
            "AdminGetUser",
            json!({ "UserPoolId": s.pool_id, "Username": admin }),
        )
        .await,
    );
    store::Store::create_profile(
        store,
        domain::NewProfile {
            id: admin_id,
            email: domain::Email::parse(&admin).unwrap(),
            display_name: domain::DisplayName::parse("Ada Admin").unwrap(),
            role: domain::Role::Admin,
        },
    )
    .await
    .unwrap();
    let token = cognito(
        "AdminInitiateAuth",
        json!({
            "UserPoolId": s.pool_id, "ClientId": s.client_id, "AuthFlow": "ADMIN_NO_SRP_AUTH",
            "AuthParameters": { "USERNAME": admin, "PASSWORD": PASSWORD }
        }),
    )
    .await["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (admin_id, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_people_through_the_function() {
    let (f, s) = start().await;
    let store = store::DynamoStore::new(store::DynamoStore::local_client(&moto(), None), &s.table);
    let (_, token) = admin_beside(&s, &store).await;
    let member = sub_of(
        cognito(
            "AdminGetUser",
            json!({ "UserPoolId": s.pool_id, "Username": s.username }),
        )
        .await,
    );

    let change = |endpoint: &'static str, field: &'static str, value: &'static str| {
        let store = store.clone();
        let token = token.clone();
        let f = &f;
        async move {
            let version = store::Store::get_profile(&store, member)
                .await
                .unwrap()
                .version;
            let res = call(
                f,
                api_post(&format!("/api/team/{endpoint}"))
                    .cookie(&format!("__Host-tl_access={token}"))
                    .body(&format!("user={member}&version={version}&{field}={value}"))
                    .build(),
            )
            .await;
            assert_eq!(res["statusCode"], 200, "{endpoint} {value}: {res}");
        }
    };
    let groups = || async {
        let out = cognito(
            "AdminListGroupsForUser",
            json!({ "UserPoolId": s.pool_id, "Username": s.username }),
        )
        .await;
        let mut names: Vec<String> = out["Groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["GroupName"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let enabled = || async {
        cognito(
            "AdminGetUser",
            json!({ "UserPoolId": s.pool_id, "Username": s.username }),
        )
        .await["Enabled"]
            .as_bool()
            .unwrap()
    };

    change("role", "role", "ADMIN").await;
    assert_eq!(groups().await, ["ADMIN"]);
    change("role", "role", "MEMBER").await;
    assert_eq!(groups().await, ["MEMBER"]);
    let profile = store::Store::get_profile(&store, member).await.unwrap();
    assert_eq!(profile.role, domain::Role::Member);

    change("active", "active", "false").await;
    assert!(!enabled().await, "deactivated in the pool");
    assert!(
        !store::Store::get_profile(&store, member)
            .await
            .unwrap()
            .active
    );
    // Its sessions ended: the member's token no longer counts.
    let res = call(
        &f,
        api_post("/api/auth/me")
            .cookie(&format!("__Host-tl_access={}", s.access_token))
            .body("")
            .build(),
    )
    .await;
    assert_eq!(text(&res), "null", "{res}");
    change("active", "active", "true").await;
    assert!(enabled().await, "reactivated in the pool");

    // Invitations work on the function: the link it stores is made with
    // the deployment's key (the one the email formatter also holds), and
    // the invitation page opens from that link.
    let invitee = format!("invitee-{}@example.com", unique());
    let res = call(
        &f,
        api_post("/api/invites/create")
            .cookie(&format!("__Host-tl_access={token}"))
            .body(&format!("email={invitee}"))
            .build(),
    )
    .await;
    assert_eq!(res["statusCode"], 200, "invite: {res}");
    let inv = store::Store::get_invitation(&store, &domain::Email::parse(&invitee).unwrap())
        .await
        .expect("the invitation is stored");
    let key = store::InviteKey::from_text(INVITE_KEY).unwrap();
    let link_token = key.token(&inv.nonce);
    assert_eq!(inv.token_hash, key.lookup_hash(&link_token));
    let page = call(
        &f,
        http_event("GET", &format!("/invite/{link_token}"), "$default").build(),
    )
    .await;
    assert_eq!(page["statusCode"], 200, "{page}");
    assert!(
        text(&page).contains(&invitee),
        "the page names the invited address"
    );

    // The export, within the response limit, is the file itself.
    let res = call(
        &f,
        http_event("GET", "/export/tasks.csv", "$default")
            .cookie(&format!("__Host-tl_access={token}"))
            .build(),
    )
    .await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(
        header(&res, "content-type"),
        Some(app::export::CONTENT_TYPE)
    );
    assert!(text(&res).starts_with("id,title,"), "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_function_answers_over_post() {
    let (f, _) = start().await;
    let res = call(&f, api_post("/api/auth/me").body("").build()).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(text(&res), "null", "anonymous: {res}");

    // The CSRF guard works behind API Gateway too.
    let res = call(
        &f,
        http_event("POST", "/api/auth/me", "$default")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site")
            .body("")
            .build(),
    )
    .await;
    assert_eq!(res["statusCode"], 403, "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_prefixed_paths_reach_the_routes() {
    let (f, _) = start().await;
    // HTTP API named stage: the stage is in rawPath.
    let res = call(&f, http_event("GET", "/prod/healthz", "prod").build()).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(text(&res), "ok");
    let res = call(&f, http_event("GET", "/prod/about", "prod").build()).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    let res = call(&f, http_event("GET", "/prod", "prod").build()).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert!(text(&res).contains("Welcome to tasklane"));
    // A stage-less path under a named stage (lambda_http prefixes it).
    let res = call(&f, http_event("GET", "/healthz", "prod").build()).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    // Query strings survive the rewrite; unknown paths still 404.
    let res = call(
        &f,
        http_event("GET", "/prod/signin", "prod")
            .query("next=%2Fabout")
            .build(),
    )
    .await;
    assert_eq!(res["statusCode"], 200, "{res}");
    let res = call(&f, http_event("GET", "/prod/no/such/page", "prod").build()).await;
    assert_eq!(res["statusCode"], 404, "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cognito_tokens_are_validated_and_forgeries_refused() {
    let (f, s) = start().await;
    let me = |cookies: Vec<String>| {
        let mut ev = api_post("/api/auth/me").body("");
        for c in cookies {
            ev = ev.cookie(&c);
        }
        ev.build()
    };

    // A genuine moto-issued token: the validator fetched moto's JWKS.
    let res = call(&f, me(vec![format!("__Host-tl_access={}", s.access_token)])).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    let who: Value = serde_json::from_str(&text(&res)).unwrap();
    assert!(who.is_object(), "a valid token is a session: {res}");
    assert_eq!(who["is_admin"], false);
    // Access tokens carry no email; the profile says who this is.
    assert_eq!(who["email"], s.username.as_str(), "{who}");

    // The same token with its payload edited to claim ADMIN: the
    // signature no longer matches, so it is anonymous.
    let mut parts: Vec<String> = s.access_token.split('.').map(str::to_owned).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["cognito:groups"] = json!(["ADMIN"]);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = parts.join(".");
    let res = call(&f, me(vec![format!("__Host-tl_access={forged}")])).await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(text(&res), "null", "a forged token is no session: {res}");

    // Forged access token plus a refresh token: the refresh is refused
    // and both session cookies are cleared, as two Set-Cookie values in
    // the v2 response's `cookies` field (not folded into one header).
    let res = call(
        &f,
        me(vec![
            format!("__Host-tl_access={forged}"),
            "__Host-tl_refresh=not-a-refresh-token".into(),
        ]),
    )
    .await;
    assert_eq!(text(&res), "null", "{res}");
    let cookies: Vec<&str> = res["cookies"]
        .as_array()
        .unwrap_or_else(|| panic!("no cookies field: {res}"))
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2, "{res}");
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("__Host-tl_access=;") && c.contains("Max-Age=0")));
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("__Host-tl_refresh=;") && c.contains("Max-Age=0")));
    assert!(
        cookies
            .iter()
            .all(|c| c.contains("HttpOnly") && c.contains("Secure")),
        "{cookies:?}"
    );
    assert!(header(&res, "set-cookie").is_none(), "{res}");

    // Signing in through the Lambda (Cognito USER_PASSWORD_AUTH on moto)
    // sets both session cookies; the access cookie is then a session.
    let body = format!(
        "email={}&password={}",
        s.username.replace('@', "%40"),
        PASSWORD
    );
    let res = call(&f, api_post("/api/auth/sign_in").body(&body).build()).await;
    assert!(res["statusCode"].as_i64().unwrap() < 400, "{res}");
    let cookies: Vec<String> = res["cookies"]
        .as_array()
        .unwrap_or_else(|| panic!("no cookies field: {res}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{res}");
    let access = cookies
        .iter()
        .find_map(|c| c.strip_prefix("__Host-tl_access="))
        .and_then(|c| c.split(';').next())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("no access cookie: {cookies:?}"))
        .to_owned();
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("__Host-tl_refresh=") && !c.starts_with("__Host-tl_refresh=;")));
    let res = call(&f, me(vec![format!("__Host-tl_access={access}")])).await;
    let who: Value = serde_json::from_str(&text(&res)).unwrap();
    assert_eq!(who["email"], s.username.as_str(), "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_bodies_are_base64_encoded() {
    let (f, _) = start().await;
    let res = call(
        &f,
        http_event("GET", "/pkg/tasklane.0123456789abcdef.wasm", "$default")
            .header("accept-encoding", "gzip, br")
            .build(),
    )
    .await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(res["isBase64Encoded"], true, "{res}");
    assert_eq!(header(&res, "content-encoding"), Some("br"));
    assert_eq!(header(&res, "content-type"), Some("application/wasm"));
    let bytes = STANDARD.decode(res["body"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, [0x8b, 0xff, 0x00, 0x80, 0xfe, 0x01]);
}

/// Pages are compressed by the function itself (CloudFront's behaviour for
/// the API has caching, and so compression, off): the compressed page
/// travels base64-encoded and decodes to the whole page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_pages_travel_base64_encoded() {
    let (f, _) = start().await;
    let res = call(
        &f,
        http_event("GET", "/signin", "$default")
            .header("accept-encoding", "gzip, deflate, br")
            .build(),
    )
    .await;
    assert_eq!(res["statusCode"], 200, "{res}");
    assert_eq!(res["isBase64Encoded"], true, "{res}");
    assert_eq!(header(&res, "content-encoding"), Some("br"));
    let bytes = STANDARD.decode(res["body"].as_str().unwrap()).unwrap();
    let page = support::unbrotli(&bytes);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("Sign in"), "{page}");
    assert!(page.contains("</body></html>"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_are_reported_as_init_errors() {
    let s = setup().await;
    let site = Site::new();
    let env: Vec<_> = function_env(&s, &site)
        .into_iter()
        .filter(|(k, _)| k != "TASKLANE_TABLE")
        .collect();
    let mut f = spawn(env, site).await;
    match f.emulator.init_error().await {
        Outcome::InitError { body, error_type } => {
            assert_eq!(error_type.as_deref(), Some("Runtime.InitError"));
            assert_eq!(body["errorType"], "Runtime.InvalidConfiguration", "{body}");
            assert!(
                body["errorMessage"]
                    .as_str()
                    .unwrap()
                    .contains("TASKLANE_TABLE"),
                "{body}"
            );
        }
        other => panic!("expected an init error, got {other:?}"),
    }
    let status = f.child.wait().expect("exit status");
    assert!(
        !status.success(),
        "a function that cannot start exits non-zero"
    );
    assert_eq!(f.emulator.polls(), 0, "it never asked for an event");
}

// --- exports past the response limit: the export bucket -----------------

/// A new, empty bucket on moto's S3. The bucket is the test's to make (the
/// function only writes objects), so its request is signed with a
/// placeholder, which moto accepts for bucket calls.
async fn s3_bucket() -> String {
    s3_bucket_named("tasklane-exports").await
}

/// A new bucket whose name starts with `prefix`: `flaky-` makes the S3
/// layer in front of moto answer each write 503 SlowDown once
/// (`scripts/moto_s3_auth.py`).
async fn s3_bucket_named(prefix: &str) -> String {
    let bucket = format!("{prefix}-{}", unique());
    let res = reqwest::Client::new()
        .put(format!("{}/{bucket}", moto()))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .send()
        .await
        .expect("moto reachable");
    assert!(res.status().is_success(), "CreateBucket: {}", res.status());
    bucket
}

/// The function's export bucket client, as `build_state` makes it, but
/// retrying at once.
fn s3_exports(bucket: &str) -> server::exports::S3Exports {
    server::exports::S3Exports::new(
        &store::lambda_sdk_config(),
        bucket.to_owned(),
        server::lambda::PERMISSIONS,
    )
    .expect("export bucket client")
    .with_retry_base(std::time::Duration::ZERO)
}

/// The file a link downloads: (status, headers, body).
async fn download(link: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = reqwest::get(link).await.expect("moto reachable");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// The object key a link names (`/<bucket>/<key>?...` on moto).
fn key_of(link: &str, bucket: &str) -> String {
    let path = link.split('?').next().unwrap();
    path.split_once(&format!("/{bucket}/"))
        .map(|(_, key)| key.to_owned())
        .unwrap_or_else(|| panic!("{link} is not in {bucket}"))
}

/// Chunks as an export yields them.
fn file_of(chunks: Vec<std::io::Result<Vec<u8>>>) -> app::export::FileChunks {
    Box::pin(futures::stream::iter(chunks))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_bucket_stores_in_parts_and_its_links_expire() {
    use app::export::ExportBucket;
    use server::exports::{LINK_LIFETIME, PART_SIZE};
    let bucket = s3_bucket().await;
    let exports = s3_exports(&bucket);

    // Two full parts and a short one, in chunks of an export page's size.
    let file: Vec<u8> = (0..2 * PART_SIZE + 12_345)
        .map(|i| b"tasklane,csv\n"[i % 13])
        .collect();
    let chunks = file.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let link = exports.store(file_of(chunks)).await.expect("stored");
    let (status, headers, body) = download(&link).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == file, "the download is the file, byte for byte");
    let etag = headers["etag"].to_str().unwrap();
    assert!(etag.ends_with("-3\""), "uploaded as three parts: {etag}");
    assert_eq!(headers["content-type"], app::export::CONTENT_TYPE);
    assert_eq!(
        headers["content-disposition"],
        app::export::CONTENT_DISPOSITION
    );

    // A file smaller than a part is one PutObject.
    let small = exports
        .store(file_of(vec![
            Ok(b"id,title\n".to_vec()),
            Ok(b"1,one\n".to_vec()),
        ]))
        .await
        .expect("stored");
    let (status, headers, body) = download(&small).await;
    assert_eq!(status, 200);
    assert_eq!(body, b"id,title\n1,one\n");
    assert!(!headers["etag"].to_str().unwrap().contains('-'), "one part");
    assert_ne!(
        key_of(&small, &bucket),
        key_of(&link, &bucket),
        "a new name per export"
    );

    // A link signed longer ago than its lifetime is refused, as S3 refuses
    // it; one signed just now still works.
    let key = key_of(&small, &bucket);
    let long_ago = std::time::SystemTime::now() - LINK_LIFETIME - std::time::Duration::from_secs(1);
    let expired = exports.presign_get(&key, long_ago).await.unwrap();
    let (status, _, body) = download(&expired).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Request has expired"), "{body}");
    let fresh = exports
        .presign_get(&key, std::time::SystemTime::now())
        .await
        .unwrap();
    assert_eq!(download(&fresh).await.0, 200);

    // A link altered in any signed part is refused: another object, or
    // a longer lifetime.
    for forged in [
        fresh.replacen(&key, &key_of(&link, &bucket), 1),
        fresh.replacen("X-Amz-Expires=300", "X-Amz-Expires=604800", 1),
    ] {
        assert_ne!(forged, fresh);
        let (status, _, body) = download(&forged).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 403, "{forged}: {body}");
        assert!(body.contains("SignatureDoesNotMatch"), "{body}");
    }

    // A read that fails part-way stores no file and makes no link.
    let failing = vec![
        Ok(vec![b'x'; PART_SIZE]),
        Err(std::io::Error::other("export interrupted")),
    ];
    let err = exports.store(file_of(failing)).await.unwrap_err();
    assert!(err.to_string().contains("export interrupted"), "{err}");

    // A bucket that is not there is an error, not a link to nothing.
    let missing = s3_exports(&format!("tasklane-missing-{}", unique()));
    let err = missing
        .store(file_of(vec![Ok(b"id\n".to_vec())]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

/// S3 under load answers 503 SlowDown and asks for a retry: each write of
/// an export (create, every part, complete; or the one PutObject) is tried
/// again and the file arrives whole; a bucket that stays busy is an error
/// after three attempts, not a link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_export_bucket_is_retried_and_one_that_stays_busy_fails() {
    use app::export::ExportBucket;
    use server::exports::PART_SIZE;
    let flaky = s3_exports(&s3_bucket_named("flaky-exports").await);
    let file: Vec<u8> = (0..PART_SIZE + 999).map(|i| b"a,b\n"[i % 4]).collect();
    let chunks = file.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let link = flaky
        .store(file_of(chunks))
        .await
        .expect("stored after retries");
    let (status, headers, body) = download(&link).await;
    assert_eq!(status, 200);
    assert!(body == file, "the download is the file, byte for byte");
    assert!(
        headers["etag"].to_str().unwrap().ends_with("-2\""),
        "two parts"
    );
    let small = flaky
        .store(file_of(vec![Ok(b"id\n1\n".to_vec())]))
        .await
        .expect("one PutObject, retried");
    assert_eq!(download(&small).await.2, b"id\n1\n");

    let down = s3_exports(&format!("down-exports-{}", unique()));
    let err = down
        .store(file_of(vec![Ok(b"id\n".to_vec())]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("503") && err.contains("SlowDown"), "{err}");
    assert!(
        err.contains("(attempt 3)"),
        "three attempts, then the error: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_past_the_response_limit_is_a_short_lived_link() {
    use tower::ServiceExt;
    let s = setup().await;
    let store = store::DynamoStore::new(store::DynamoStore::local_client(&moto(), None), &s.table);
    let (admin, token) = admin_beside(&s, &store).await;
    let hostile = [
        "=HYPERLINK(\"https://evil.example\",\"open\")",
        "quote \" and comma, and \\ backslash",
        "</script><script>alert(1)</script>",
        "naïve 日本語 🎉",
    ];
    for i in 0..24 {
        store::Store::create_task(
            &store,
            domain::NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::ALL[i % domain::Status::ALL.len()],
                title: domain::TaskTitle::parse(&format!("{} #{i}", hostile[i % hostile.len()]))
                    .unwrap(),
                description: Some(domain::Description::parse("line one\nline \"two\"").unwrap()),
                priority: domain::Priority::Medium,
                due: None,
                assignees: vec![admin],
                created_by: admin,
            },
        )
        .await
        .unwrap();
    }

    // The function's own state, as its main builds it from its environment.
    let site = Site::new();
    let env: std::collections::HashMap<String, String> =
        function_env(&s, &site).into_iter().collect();
    let config = server::lambda::LambdaConfig::from_lookup(|k| env.get(k).cloned()).unwrap();
    let state = server::lambda::build_state(&config).await.expect("state");
    let offload = state
        .ctx
        .exports
        .clone()
        .expect("the function has an export bucket");
    assert_eq!(offload.inline_limit, server::lambda::INLINE_EXPORT_LIMIT);
    let export = |state: server::AppState, who: &str| {
        let event = http_event("GET", "/export/tasks.csv", "$default")
            .cookie(&format!("__Host-tl_access={who}"))
            .build();
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        let svc = server::lambda::service(state, config.origin_secret.clone());
        async move {
            let res = svc.oneshot(req).await.unwrap();
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, headers, body.to_vec())
        }
    };

    // Within the limit: the file itself.
    let (status, headers, inline) = export(state.clone(), &token).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&inline));
    assert_eq!(headers["content-type"], app::export::CONTENT_TYPE);
    let rows = csv::Reader::from_reader(inline.as_slice())
        .records()
        .count();
    assert_eq!(rows, 24, "every task, once");

    // Past it (a limit below this file's size): a link to the same file.
    let mut small = state.clone();
    small.ctx.exports = Some(std::sync::Arc::new(app::export::Offload {
        inline_limit: inline.len() / 3,
        ..(*offload).clone()
    }));
    let (status, headers, body) = export(small.clone(), &token).await;
    assert_eq!(status, 303, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["cache-control"], "no-store");
    let link = headers["location"].to_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("{}/{}/exports/", moto(), s.export_bucket)),
        "{link}"
    );
    assert!(link.contains("X-Amz-Expires=300"), "{link}");
    let (status, headers, file) = download(&link).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        app::export::CONTENT_DISPOSITION
    );
    assert!(file == inline, "the link downloads the very file");
    let text = String::from_utf8(file).unwrap();
    assert!(text.contains("'=HYPERLINK"), "formulas stay text");

    // A member may not export, however large: no link is made.
    let (status, headers, _) = export(small.clone(), &s.access_token).await;
    assert_eq!(status, 403);
    assert!(headers.get("location").is_none());

    // A bucket the function cannot write is an internal error, logged and
    // not shown: no S3 answer reaches the admin.
    let mut broken = small.clone();
    broken.ctx.exports = Some(std::sync::Arc::new(app::export::Offload {
        bucket: std::sync::Arc::new(s3_exports(&format!("tasklane-missing-{}", unique()))),
        inline_limit: inline.len() / 3,
    }));
    let (status, _, body) = export(broken, &token).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 500, "{body}");
    assert!(
        !body.contains("NoSuchBucket") && !body.contains("tasklane-missing"),
        "{body}"
    );
}

/// The server functions get the whole `Store` trait, so the API's declared
/// DynamoDB actions must cover every access pattern: the conformance suite
/// runs through a client guarded by exactly `server::lambda::PERMISSIONS`
/// (an action outside it fails the check that needs it), which also records
/// each of them as exercised for the unused-permission check.
mod store_within_the_api_permissions {
    async fn fresh() -> std::sync::Arc<dyn store::Store> {
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(super::moto())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .http_client(store::http_client())
            .load()
            .await;
        let name = format!("tasklane-api-permissions-{}", super::unique());
        let created = store::DynamoStore::new(
            store::DynamoStore::local_client(&super::moto(), None),
            name.clone(),
        );
        created.create_table().await.expect("create table on moto");
        std::sync::Arc::new(store::DynamoStore::new(
            server::lambda::PERMISSIONS.dynamodb(&conf),
            name,
        ))
    }

    store::conformance_suite!(fresh());
}

/// `terraform/lambdas.json`: every Lambda's declared AWS actions and the
/// environment variables it reads, from the constants the code itself is
/// held to (its permission guard, its `declared` environment lookup).
/// Terraform builds each role's policy and checks each function's
/// environment map from this file, so the two cannot disagree; this test
/// fails when the committed file is stale. `TASKLANE_BLESS=1` rewrites it.
mod deployment_contract {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use serde_json::{json, Map, Value};
    use store::Permissions;

    struct Function {
        name: &'static str,
        permissions: Permissions,
        required: &'static [&'static str],
        optional: &'static [&'static str],
    }

    fn functions() -> Vec<Function> {
        use notifier::aws::{env as notifier_env, permissions as notifier_permissions};
        vec![
            Function {
                name: "api",
                permissions: server::lambda::PERMISSIONS,
                required: server::lambda::REQUIRED_ENV,
                optional: server::lambda::OPTIONAL_ENV,
            },
            Function {
                name: "post-confirmation",
                permissions: post_confirmation::PERMISSIONS,
                required: post_confirmation::REQUIRED_ENV,
                optional: post_confirmation::OPTIONAL_ENV,
            },
            Function {
                name: "pre-sign-up",
                permissions: post_confirmation::pre_sign_up::PERMISSIONS,
                required: post_confirmation::pre_sign_up::REQUIRED_ENV,
                optional: post_confirmation::pre_sign_up::OPTIONAL_ENV,
            },
            Function {
                name: "stream-processor",
                permissions: notifier_permissions::STREAM_PROCESSOR,
                required: notifier_env::STREAM_PROCESSOR_REQUIRED,
                optional: notifier_env::STREAM_PROCESSOR_OPTIONAL,
            },
            Function {
                name: "email-formatter",
                permissions: notifier_permissions::EMAIL_FORMATTER,
                required: notifier_env::EMAIL_FORMATTER_REQUIRED,
                optional: notifier_env::EMAIL_FORMATTER_OPTIONAL,
            },
            Function {
                name: "webhooks",
                permissions: notifier_permissions::WEBHOOKS,
                required: notifier_env::WEBHOOKS_REQUIRED,
                optional: notifier_env::WEBHOOKS_OPTIONAL,
            },
            Function {
                name: "reminders",
                permissions: notifier_permissions::REMINDERS,
                required: notifier_env::REMINDERS_REQUIRED,
                optional: notifier_env::REMINDERS_OPTIONAL,
            },
        ]
    }

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_owned()
    }

    /// Every `lambda-*` binary in the workspace, from the source tree (a
    /// binary is `src/bin/<name>.rs` or a `[[bin]]` entry), so a new Lambda
    /// without an entry here fails instead of deploying with no contract.
    fn lambda_binaries() -> BTreeSet<String> {
        let root = workspace();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let members: Vec<String> = manifest
            .split("members = [")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .expect("workspace members")
            .split(',')
            .map(|m| m.trim().trim_matches('"').to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        let mut found = BTreeSet::new();
        for member in members {
            let dir = root.join(&member);
            if let Ok(entries) = std::fs::read_dir(dir.join("src/bin")) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if let Some(bin) = name.strip_suffix(".rs") {
                        if bin.starts_with("lambda-") {
                            found.insert(bin.to_owned());
                        }
                    }
                }
            }
            let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
            for line in cargo.lines() {
                let line = line.trim();
                if let Some(v) = line.strip_prefix("name = \"lambda-") {
                    found.insert(format!("lambda-{}", v.trim_end_matches('"')));
                }
            }
        }
        found
    }

    fn sorted(items: &[&str]) -> Vec<String> {
        let set: BTreeSet<&str> = items.iter().copied().collect();
        assert_eq!(set.len(), items.len(), "duplicates in {items:?}");
        set.into_iter().map(str::to_owned).collect()
    }

    fn render() -> String {
        let mut out = Map::new();
        for f in functions() {
            let binary = f.permissions.function();
            assert_eq!(
                binary,
                format!("lambda-{}", f.name),
                "binary name of {}",
                f.name
            );
            for v in f.required.iter().chain(f.optional) {
                assert!(
                    v.starts_with("TASKLANE_") || v.starts_with("LEPTOS_"),
                    "{}: {v} is not the application's to set (the Lambda runtime owns AWS_*)",
                    f.name
                );
            }
            let overlap: Vec<_> = f
                .required
                .iter()
                .filter(|v| f.optional.contains(v))
                .collect();
            assert!(
                overlap.is_empty(),
                "{}: both required and optional: {overlap:?}",
                f.name
            );
            out.insert(
                f.name.to_owned(),
                json!({
                    "binary": binary,
                    "actions": sorted(f.permissions.actions()),
                    "environment": {
                        "required": sorted(f.required),
                        "optional": sorted(f.optional),
                    },
                }),
            );
        }
        let mut text = serde_json::to_string_pretty(&Value::Object(out)).unwrap();
        text.push('\n');
        text
    }

    #[test]
    fn every_lambda_binary_has_a_contract() {
        let declared: BTreeSet<String> = functions()
            .iter()
            .map(|f| f.permissions.function().to_owned())
            .collect();
        assert_eq!(declared, lambda_binaries());
    }

    #[test]
    fn terraform_reads_the_current_contract() {
        let path = workspace().join("terraform/lambdas.json");
        let want = render();
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have == want {
            return;
        }
        if std::env::var("TASKLANE_BLESS").as_deref() == Ok("1") {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        panic!(
            "{} is stale: the code declares\n{want}\nRun `TASKLANE_BLESS=1 cargo test -p server \
             --test server deployment_contract` and commit the file (Terraform builds the \
             roles and checks the environments from it).",
            path.display()
        );
    }
}
