//! The real router on a random loopback port, spoken to over HTTP.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use app::ssr::ServerContext;
use leptos::prelude::LeptosOptions;
use server::{assets::Site, router, AppState};

struct TestApp {
    addr: SocketAddr,
    client: reqwest::Client,
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
    async fn spawn() -> Self {
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
        let state = AppState {
            leptos,
            ctx: ServerContext {
                storage_label: "test",
            },
            site: Arc::new(Site::new(&dir)),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            addr,
            client,
            _site: TempDir(dir),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn home_page_is_server_rendered_with_server_data() {
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
    // The Suspense resolved on the server: the server function's answer is in the HTML.
    assert!(body.contains("storage: test"), "{body}");
    assert!(
        body.contains("/pkg/tasklane.js"),
        "hydration script missing: {body}"
    );
}

#[tokio::test]
async fn unknown_path_renders_404_page_with_404_status() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body = res.text().await.unwrap();
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
        .post(app.url("/api/greet"))
        .header("accept", "application/json")
        .form(&[("name", "  Ada  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<String>().await.unwrap(), "Hello, Ada!");

    let bad = app
        .client
        .post(app.url("/api/greet"))
        .header("accept", "application/json")
        .form(&[("name", "   ")])
        .send()
        .await
        .unwrap();
    assert!(bad.status().is_server_error() || bad.status().is_client_error());
    assert!(bad.text().await.unwrap().contains("Please enter a name."));

    let malformed = app
        .client
        .post(app.url("/api/greet"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("nope=%%%")
        .send()
        .await
        .unwrap();
    assert!(
        !malformed.status().is_success(),
        "malformed input must not succeed"
    );
}
