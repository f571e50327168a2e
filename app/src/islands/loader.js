// Loads the WASM bundle only on pages that have islands and hydrates each
// island, outer ones first: before a nested island, the children of the
// island around it restore that island's reactive owner, so the inner one
// sees its context. Adapted from Leptos's island_script.js, which also
// preloads the bundle on pages without islands and walks every element of
// the page to find them.
//
// When: the board (drag and drop) loads it as soon as the browser is idle.
// Every other page is complete without it (its forms post, its links go),
// so it loads on the visitor's first sign of use: a pointer moving or
// pressing, a key, focus entering the page or coming back to the window,
// a form being sent, or after a minute (the bell's first refresh). A first
// load that is only read transfers no WASM; what woke the islands is handed
// to them once they are up: the form is sent in place, the shortcut key
// runs, the bell sees the focus.
((js, wasm) => {
  if (!document.querySelector("leptos-island")) return;
  async function hydrateIsland(el, id, mod) {
    const f = mod[id];
    if (!f) { console.warn(`no WASM function for the island ${id}`); return; }
    const around = el.parentElement?.closest("leptos-children");
    if (around?.$$on_hydrate) around.$$on_hydrate();
    const res = f(el);
    if (res && res.then) await res;
  }
  // Each island hydrates in a task of its own (awaiting a resolved promise
  // would not end the task), so no one task blocks input for long.
  const nextTask = () => new Promise((r) => setTimeout(r, 0));
  let loading;
  const load = () => loading ??= import(js).then(async (mod) => {
    await mod.default({ module_or_path: wasm });
    mod.hydrate();
    window.__hydrateIsland = (el, id) => hydrateIsland(el, id, mod);
    for (const el of document.querySelectorAll("leptos-island")) {
      await nextTask();
      await hydrateIsland(el, el.dataset.component, mod);
    }
  });
  if (document.querySelector('leptos-island[data-component^="BoardMoves"]')) {
    if ("requestIdleCallback" in window) requestIdleCallback(load, { timeout: 2000 });
    else load();
    return;
  }
  const SHORTCUTS = new Set(["n", "/", "j", "k", "?"]);
  const typing = (t) => t instanceof Element && (t.matches("input, textarea, select") || t.closest("[contenteditable]"));
  let failed = false;
  const wake = (ev) => {
    if (failed) return;
    for (const [t, target] of triggers) target.removeEventListener(t, wake, true);
    clearTimeout(timer);
    let replay = () => {};
    if (ev?.type === "submit" && ev.target instanceof HTMLFormElement && ev.target.closest("leptos-island")
        && (ev.target.getAttribute("method") ?? "").toLowerCase() === "post" && !ev.target.hasAttribute("data-reload")) {
      ev.preventDefault();
      const form = ev.target, submitter = ev.submitter;
      replay = () => form.requestSubmit(submitter?.form === form ? submitter : undefined);
    } else if (ev?.type === "keydown" && SHORTCUTS.has(ev.key) && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !typing(ev.target)) {
      ev.preventDefault();
      const { key, code, shiftKey } = ev, target = ev.target;
      replay = () => (target?.isConnected ? target : document.body)
        .dispatchEvent(new KeyboardEvent("keydown", { key, code, shiftKey, bubbles: true, cancelable: true }));
    } else if (ev?.type === "focus" || ev?.type === "visibilitychange") {
      replay = () => (ev.type === "focus" ? window : document).dispatchEvent(new Event(ev.type));
    }
    load().then(replay, (e) => {
      // Without the islands the page still works the plain way.
      console.warn("islands did not load", e);
      failed = true;
      if (ev?.type === "submit" && ev.defaultPrevented) replay();
    });
  };
  // Only the events it may have to hold back (a key, a form) are not passive.
  const triggers = [
    ["pointermove", document], ["pointerdown", document], ["touchstart", document], ["keydown", document],
    ["focusin", document], ["submit", document], ["visibilitychange", document], ["focus", window],
  ];
  for (const [t, target] of triggers) {
    target.addEventListener(t, wake, { capture: true, passive: t !== "keydown" && t !== "submit" });
  }
  const timer = setTimeout(wake, 60_000);
})
