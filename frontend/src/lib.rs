#![recursion_limit = "256"]
//! The browser entry point: the WASM bundle's only export wires the
//! server-rendered page up to the same `app` components. It is a crate of its
//! own so the server never links browser-only code and the bundle never links
//! server code.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
