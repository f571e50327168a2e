// Loads the WASM bundle only on pages that have islands, once the browser is
// idle, and hydrates each island, outer ones first: before a nested island,
// the children of the island around it restore that island's reactive
// owner, so the inner one sees its context. Adapted from Leptos's
// island_script.js, which also preloads the bundle on pages without islands
// and walks every element of the page to find them.
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
  const load = () => import(js).then(async (mod) => {
    await mod.default({ module_or_path: wasm });
    mod.hydrate();
    window.__hydrateIsland = (el, id) => hydrateIsland(el, id, mod);
    for (const el of document.querySelectorAll("leptos-island")) await hydrateIsland(el, el.dataset.component, mod);
  });
  if ("requestIdleCallback" in window) requestIdleCallback(load, { timeout: 2000 });
  else load();
})
