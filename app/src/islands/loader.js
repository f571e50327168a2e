// Loads the WASM bundle only on pages that have islands, once the browser is
// idle, and hydrates each island (outer ones first, so nested islands see
// their parent's context). Adapted from Leptos's island_script.js, which
// would also preload the bundle on pages that have none.
((js, wasm) => {
  if (!document.querySelector("leptos-island")) return;
  const parents = [];
  async function hydrateIsland(el, id, mod) {
    const f = mod[id];
    if (!f) { console.warn(`no WASM function for the island ${id}`); return; }
    const enter = parents[parents.length - 1];
    if (enter) enter();
    const res = f(el);
    if (res && res.then) await res;
  }
  async function traverse(node, mod) {
    const tag = node.tagName.toLowerCase();
    if (tag === "leptos-island") await hydrateIsland(node, node.dataset.component, mod);
    const children = tag === "leptos-children";
    if (children) parents.push(node.$$on_hydrate);
    for (const child of node.children) await traverse(child, mod);
    if (children) parents.pop();
  }
  const load = () => import(js).then(async (mod) => {
    await mod.default({ module_or_path: wasm });
    mod.hydrate();
    window.__hydrateIsland = (el, id) => hydrateIsland(el, id, mod);
    await traverse(document.body, mod);
  });
  if ("requestIdleCallback" in window) requestIdleCallback(load, { timeout: 2000 });
  else load();
})
