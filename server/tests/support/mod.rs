//! The real router on a random loopback port, shared by the test suites,
//! plus the sign-up flow they use to get sessions, and the Lambda
//! Runtime API emulator (`emulator`) shared with the benches.
#![allow(dead_code)] // the scale bench uses a subset

pub mod emulator;

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use app::ssr::ServerContext;
use leptos::prelude::LeptosOptions;
use server::{assets::Site, AppState};
use store::Store;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// The running server's store, for test set-up that is not under test.
    pub store: Arc<store::SqliteStore>,
    /// The notification worker, not running: tests tick it with `run_once`.
    pub worker: Arc<notifier::local::Worker>,
    /// The install's invitation key (`invite.key` in the data directory).
    pub invite_key: store::InviteKey,
    _site: TempDir,
}

/// A throwaway directory removed on drop, so parallel tests never share files.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_on(None).await
    }

    /// The same server with `pages` answering every page and server
    /// function (profiles included), while accounts and the dev mailbox
    /// stay on the embedded store: how a test measures what pages cost on
    /// DynamoDB. Profiles must then be copied to `pages` after sign-up.
    pub async fn spawn_on(pages: Option<Arc<dyn Store>>) -> Self {
        Self::spawn_with(pages, None).await
    }

    /// The server with an explicit sign-up mode (`TASKLANE_SIGNUP`).
    pub async fn spawn_with(
        pages: Option<Arc<dyn Store>>,
        signup: Option<domain::SignupMode>,
    ) -> Self {
        let dir =
            std::env::temp_dir().join(format!("tasklane-http-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("pkg/tasklane.0123456789abcdef.wasm"), b"\0asm-raw").unwrap();
        std::fs::write(
            dir.join("pkg/tasklane.0123456789abcdef.wasm.br"),
            b"brotli-bytes",
        )
        .unwrap();
        std::fs::write(
            dir.join("pkg/tasklane.0123456789abcdef.wasm.gz"),
            b"gzip-bytes",
        )
        .unwrap();
        std::fs::write(dir.join("favicon.svg"), b"<svg/>").unwrap();
        let leptos = LeptosOptions::builder()
            .output_name("tasklane")
            .site_root(dir.to_string_lossy().into_owned())
            .hash_files(false)
            .build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");
        let local = server::local::open(
            &dir.join("data"),
            &base_url,
            None,
            "t <t@localhost>",
            false,
            signup,
        )
        .await
        .unwrap();
        let state = AppState {
            leptos,
            ctx: ServerContext {
                store: pages.unwrap_or_else(|| local.store.clone()),
                auth: local.auth.clone(),
                storage_label: "test",
                public_origin: Arc::from(server::csrf::origin_of(&base_url).unwrap_or_default()),
                directory: Default::default(),
                exports: None,
            },
            site: Arc::new(Site::new(&dir)),
            jwks_json: Some(local.jwks_json.clone()),
            public_origin: server::csrf::origin_of(&base_url),
        };
        let hosts = server::hosts::AllowedHosts::new(&base_url, addr);
        let app = server::local_router(state, local.mailbox.clone(), local.worker.waker(), hosts)
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            addr,
            client,
            store: local.store.clone(),
            worker: Arc::new(local.worker),
            invite_key: store::InviteKey::load_or_create(&dir.join("data")).unwrap(),
            _site: TempDir(dir),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl TestApp {
    /// POSTs a form to a server function as an API client would.
    pub async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, String)],
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(path))
            .header("accept", "application/json")
            .form(form);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.expect("request")
    }

    /// Signs up, confirms from the dev mailbox and signs in; returns the
    /// session's cookie header and the user's id.
    pub async fn user(&self, email: &str, name: &str, password: &str) -> (String, domain::UserId) {
        self.confirmed_account(email, name, password).await;
        let jar = self.sign_in(email, password).await;
        let me: serde_json::Value = self
            .post("/api/auth/me", Some(&jar), &[])
            .await
            .json()
            .await
            .unwrap();
        let id = domain::UserId::parse(me["user_id"].as_str().unwrap()).unwrap();
        (jar, id)
    }

    /// Signs up and confirms from the dev mailbox.
    pub async fn confirmed_account(&self, email: &str, name: &str, password: &str) {
        let s = |v: &str| v.to_owned();
        let up = self
            .post(
                "/api/auth/sign_up",
                None,
                &[
                    ("email", s(email)),
                    ("display_name", s(name)),
                    ("password", s(password)),
                ],
            )
            .await;
        assert!(
            !up.status().is_client_error(),
            "sign up {email}: {}",
            up.status()
        );
        let mail: serde_json::Value = self
            .client
            .get(self.url("/dev/mailbox.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let msg = mail
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["to"] == email)
            .unwrap_or_else(|| panic!("no mail for {email}: {mail}"));
        let text = msg["text"].as_str().unwrap();
        let code: String = text
            .split("confirm your email address: ")
            .nth(1)
            .expect("a confirmation code")
            .chars()
            .take(6)
            .collect();
        let ok = self
            .post(
                "/api/auth/confirm",
                None,
                &[("email", s(email)), ("code", code)],
            )
            .await;
        assert!(
            !ok.status().is_client_error(),
            "confirm {email}: {}",
            ok.status()
        );
    }

    /// Signs in; returns the session's cookie header.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let signed_in = self
            .post(
                "/api/auth/sign_in",
                None,
                &[
                    ("email", email.to_owned()),
                    ("password", password.to_owned()),
                ],
            )
            .await;
        let status = signed_in.status();
        let jar = cookie_jar(&signed_in);
        assert!(jar.contains("tl_access="), "sign in {email}: {status}");
        jar
    }

    /// An admin changes someone's role through the Team page's function.
    pub async fn set_role(&self, admin_jar: &str, user: domain::UserId, role: &str) {
        let version = self.store.get_profile(user).await.unwrap().version;
        let res = self
            .post(
                "/api/team/role",
                Some(admin_jar),
                &[
                    ("user", user.to_string()),
                    ("version", version.to_string()),
                    ("role", role.to_owned()),
                ],
            )
            .await;
        assert!(
            res.status().is_success(),
            "set role {role}: {}",
            res.status()
        );
    }

    /// An admin deactivates or reactivates someone through the Team page.
    pub async fn set_active(&self, admin_jar: &str, user: domain::UserId, active: bool) {
        let version = self.store.get_profile(user).await.unwrap().version;
        let res = self
            .post(
                "/api/team/active",
                Some(admin_jar),
                &[
                    ("user", user.to_string()),
                    ("version", version.to_string()),
                    ("active", active.to_string()),
                ],
            )
            .await;
        assert!(
            res.status().is_success(),
            "set active {active}: {}",
            res.status()
        );
    }
}

impl TestApp {
    /// Signs a person up on the embedded store (accounts live there), puts
    /// their profile in `pages` (where a `spawn_on` server's pages read
    /// it), and signs them in: the session's cookie header and their id.
    pub async fn person_on(
        &self,
        pages: &dyn Store,
        email: &str,
        name: &str,
        password: &str,
    ) -> (String, domain::UserId) {
        self.confirmed_account(email, name, password).await;
        let p = self
            .store
            .profile_by_email(&domain::Email::parse(email).unwrap())
            .await
            .unwrap();
        pages
            .create_profile(domain::NewProfile {
                id: p.id,
                email: p.email.clone(),
                display_name: p.display_name.clone(),
                role: p.role,
            })
            .await
            .unwrap();
        (self.sign_in(email, password).await, p.id)
    }
}

impl TestApp {
    /// GETs a page as a browser would, signed in when `jar` is given: its
    /// status and HTML. Leptos' `<!>` hydration markers are removed so that
    /// assertions match the text a reader sees, whichever nodes it spans.
    pub async fn page(&self, path: &str, jar: Option<&str>) -> (u16, String) {
        let mut req = self
            .client
            .get(self.url(path))
            .header("accept", "text/html");
        if let Some(jar) = jar {
            req = req.header("cookie", jar);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap().replace("<!>", ""))
    }

    /// A page a signed-in person may see: its HTML, after asserting 200.
    pub async fn page_html(&self, path: &str, jar: &str) -> String {
        let (status, html) = self.page(path, Some(jar)).await;
        assert_eq!(status, 200, "GET {path}: {html}");
        html
    }
}

/// A brotli body, decoded as a browser would; panics on a broken stream.
pub fn unbrotli(compressed: &[u8]) -> String {
    let mut out = String::new();
    std::io::Read::read_to_string(&mut brotli::Decompressor::new(compressed, 4096), &mut out)
        .expect("a valid brotli stream");
    out
}

/// The `name=value` pairs a response sets, as a `Cookie` header.
pub fn cookie_jar(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}
