//! The interactive parts of the pages, and the only code the browser runs.
//!
//! Pages render on the server, and every form is a plain HTML form posting
//! to its server function, so everything works before the WASM arrives and
//! without JavaScript. These islands add what a page cannot do by itself:
//!
//! - [`LiveForms`] submits the forms inside it in place: it posts the same
//!   form data a browser would, receives the page the server renders after
//!   its redirect, and morphs the current page into it, so focus, scroll and
//!   anything typed elsewhere stay where they are.
//! - [`BoardMoves`] moves board cards by drag and drop and by keyboard, by
//!   choosing the status in the card's own move form and submitting it, and
//!   loads further cards of a column in place.
//! - [`Bell`] keeps the unread count current.
//! - [`Shortcuts`] adds keyboard shortcuts (`n`, `/`, `j`, `k`, `?`) and
//!   their help dialog.
//!
//! Islands take their server-rendered content as children, so that content
//! ships as HTML only, never as WASM or serialized props. Each island marks
//! its root `data-hydrated="true"` once its code runs: that is the honest
//! signal that the page is interactive (tests wait for it).

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
mod dom;

// The islands' views are static: each one wires its server-rendered
// children up once, from a directive that runs when the island hydrates,
// and flips `data-hydrated` to "true" when it has. Nothing in them is
// reactive, so the bundle carries no signals or effects for them.

/// Forms inside submit in place once hydrated (see the module docs). A form
/// marked `data-reload` keeps the browser's own full-page submission.
#[island]
pub fn LiveForms(children: Children) -> impl IntoView {
    view! {
        <div class="live" data-hydrated="false" use:live_forms>
            {children()}
        </div>
    }
}

/// Drag and drop and Shift + ←/→ for the board's cards, and "load more" in
/// place. A move is the card's own move form, submitted: the server decides,
/// and the page shows what it decided.
#[island]
pub fn BoardMoves(children: Children) -> impl IntoView {
    view! {
        <div class="board-moves" data-hydrated="false" use:board_moves>
            <p class="sr-only" aria-live="polite" data-testid="announce"></p>
            <p class="muted hint" data-hydrated-text="Drag a card to another column, or focus it and press Shift + ← / → to move it.">
                "Use a card's “Move to” menu to change its status."
            </p>
            {children()}
        </div>
    }
}

/// The notification bell (server-rendered, as children): its count is
/// refreshed after every in-place change, when the tab comes back into
/// view or the window regains focus, and once a minute while visible.
#[island]
pub fn Bell(children: Children) -> impl IntoView {
    view! {
        <span class="bell-live" data-hydrated="false" use:bell>
            {children()}
        </span>
    }
}

/// Keyboard shortcuts for signed-in pages: `n` new task (where the page
/// offers it), `/` search the board, `j` / `k` next and previous card, `?`
/// this help. Its children are the help dialog, rendered on the server.
#[island]
pub fn Shortcuts(children: Children) -> impl IntoView {
    view! {
        <div class="shortcuts" data-hydrated="false" use:shortcuts>
            {children()}
        </div>
    }
}

type El = leptos::tachys::renderer::types::Element;

fn shortcuts(el: El) {
    #[cfg(feature = "hydrate")]
    dom::shortcuts(el);
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}

fn live_forms(el: El) {
    #[cfg(feature = "hydrate")]
    dom::live_forms(el);
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}

fn board_moves(el: El) {
    #[cfg(feature = "hydrate")]
    dom::board_moves(el);
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}

fn bell(el: El) {
    #[cfg(feature = "hydrate")]
    dom::bell(el);
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}

/// The script that loads the islands' WASM: instead of Leptos's
/// `HydrationScripts`, which preloads the bundle on every page, this loads
/// it only where an island is, once the browser is idle, so pages without
/// one (sign-in, the landing page) transfer no WASM or JS at all.
///
/// Server-only: it belongs in the shell's `<head>`.
#[component]
pub fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    // As `HydrationScripts islands=true` does: outside islands nothing is
    // hydrated, so resources are not serialized into the page.
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let (js, wasm) = bundle_urls(&options);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <script type="module" nonce=nonce>
            {format!("{}({js:?}, {wasm:?});", include_str!("loader.js"))}
        </script>
    }
}

/// The bundle's URLs: content-hashed names from `hash.txt` beside the
/// server binary (where the build driver writes them, as cargo-leptos
/// does), read once. Unhashed, they are the output name itself (set at
/// compile time in `.cargo/config.toml`, so never `_bg`).
fn bundle_urls(options: &LeptosOptions) -> (String, String) {
    static NAMES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let (mut js, mut wasm) = (
                options.output_name.to_string(),
                options.output_name.to_string(),
            );
            if options.hash_files {
                let hashes = std::env::current_exe()
                    .ok()
                    .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
                    .and_then(|path| std::fs::read_to_string(path).ok())
                    .unwrap_or_default();
                for (kind, hash) in hashes.lines().filter_map(|l| l.split_once(':')) {
                    match kind.trim() {
                        "js" => js = format!("{js}.{}", hash.trim()),
                        "wasm" => wasm = format!("{wasm}.{}", hash.trim()),
                        _ => {}
                    }
                }
            }
            let pkg = &options.site_pkg_dir;
            (format!("/{pkg}/{js}.js"), format!("/{pkg}/{wasm}.wasm"))
        })
        .clone()
}
