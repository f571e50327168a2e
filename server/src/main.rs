//! The local server: `tasklane` serves the app on the embedded default.

use std::sync::Arc;

use app::ssr::ServerContext;
use clap::Parser;
use leptos::prelude::LeptosOptions;
use server::{assets::Site, config::Config, local, telemetry, AppState};
use tokio::{net::TcpListener, sync::watch};

/// mimalloc instead of glibc's malloc for Rust's allocations: a page
/// decodes and encodes a few thousand small strings and maps, freed on
/// other threads than the ones that made them, and glibc spent about a
/// fifth of a board page's CPU in malloc, free and consolidation under the
/// scale benchmark's soak, with a resident size that kept growing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Threads for blocking work. The embedded store runs its writes and its
/// large reads on one (`SqliteStore` has four reader connections and one
/// writer), so threads beyond these wait on a connection's lock; capping
/// them keeps a burst of concurrent pages from starting dozens of threads.
const BLOCKING_THREADS: usize = 8;

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    let config = Config::parse();
    telemetry::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What still allocates through glibc (SQLite's page caches and
/// statements) should not multiply either. glibc gives each thread that
/// allocates its own heap ("arena"), up to
/// eight per core, and keeps what each freed for reuse by that thread. A
/// server whose requests hop between worker and blocking threads then holds
/// several copies of its peak working set: 192 MiB resident after the scale
/// benchmark's 16-connection runs, against 82 MiB with two arenas, for the
/// same request times (server/benches/scale.rs), before Rust's own
/// allocations moved to mimalloc.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any thread
    // exists, as glibc asks.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    // Every file this process creates (database, WAL, key, mail) is the
    // owner's alone.
    // SAFETY: umask only sets the process's file-creation mask; it cannot
    // fail and touches no memory.
    unsafe {
        libc::umask(0o077);
    }
    server::local::private_dir(&config.data_dir)?;
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let base_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let secure_cookies =
        !(base_url.starts_with("http://127.") || base_url.starts_with("http://localhost"));

    let local = local::open(
        &config.data_dir,
        &base_url,
        config.smtp_url.as_deref(),
        &config.mail_from,
        secure_cookies,
        config.signup,
    )
    .await?;
    tracing::info!(dir = %config.data_dir.display(), "embedded default: SQLite, built-in sign-in");

    let leptos = LeptosOptions::builder()
        .output_name(env!("LEPTOS_OUTPUT_NAME"))
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .hash_files(true)
        .build();
    let waker = local.worker.waker();
    let state = AppState {
        leptos,
        ctx: ServerContext {
            store: local.store.clone(),
            auth: local.auth.clone(),
            storage_label: "sqlite",
            public_origin: Arc::from(server::csrf::origin_of(&base_url).unwrap_or_default()),
            directory: Default::default(),
            exports: None,
        },
        site: Arc::new(Site::new(&config.site_root)),
        jwks_json: Some(local.jwks_json.clone()),
        public_origin: server::csrf::origin_of(&base_url),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut worker_stop = stop_rx.clone();
    let worker = tokio::spawn(local.worker.run(async move {
        let _ = worker_stop.wait_for(|s| *s).await;
    }));

    let hosts = server::hosts::AllowedHosts::new(&base_url, addr);
    let app = server::local_router(state, local.mailbox.clone(), waker, hosts);
    // Tests and scripts read this line to learn the port when binding :0.
    tracing::info!(%addr, %base_url, site_root = %config.site_root.display(), "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM, so in-flight requests finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}
