// The app shell: server rendering, islands hydrating under the page's CSP,
// and which pages load WASM at all.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, launchBrowser, waitHydrated, artifacts, signUp, signIn } from "../lib.mjs";

const ADMIN = { email: "ada@example.com", name: "Ada Admin", password: "Correct-Horse-9" };

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "server exits 0 on SIGTERM");
});

test("the page is server-rendered: content is there with JavaScript disabled", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  const res = await page.goto(server.url + "/");
  assert.equal(res.status(), 200);
  assert.equal(await page.textContent("h1"), "Welcome to tasklane");
  assert.doesNotMatch(await page.textContent("main"), /storage|version/i, "nothing about the server");
  assert.equal(await page.locator("leptos-island").count(), 0, "the landing page has no island");
  await ctx.close();
});

test("pages without islands load no script or WASM; pages with them do", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const bundle = [];
  page.on("request", (r) => { if (/\/pkg\/.*\.(js|wasm)$/.test(r.url())) bundle.push(r.url()); });
  for (const path of ["/", "/signin", "/signup", "/about"]) {
    await page.goto(server.url + path);
    // The loader would fetch on idle: wait for idle, then look.
    await page.evaluate(() => new Promise((r) => requestIdleCallback(r, { timeout: 2000 })));
    await page.waitForLoadState("networkidle");
  }
  assert.deepEqual(bundle, [], "no bundle requested by pages without islands");
  await signUp(server, page, ADMIN);
  await signIn(server, page, ADMIN.email, ADMIN.password);
  await waitHydrated(page);
  assert.equal(bundle.filter((u) => u.endsWith(".wasm")).length, 1, "a signed-in page (the bell) loads the bundle once");
  await ctx.close();
});

test("off the board, a page that is only read loads no WASM; a form sent before the islands are up is still sent in place", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(server, page, ADMIN.email, ADMIN.password);
  const wasmLoads = () => page.evaluate(() => performance.getEntriesByType("resource").filter((e) => /\.wasm$/.test(e.name)).length);
  await page.goto(server.url + "/profile");
  await page.evaluate(() => new Promise((r) => requestIdleCallback(r, { timeout: 2000 })));
  await page.waitForLoadState("networkidle");
  assert.equal(await wasmLoads(), 0, "nothing loaded while the page is only read");
  assert.equal(await page.getAttribute(".live", "data-hydrated"), "false");
  // Sent from script (no pointer, key or focus first): the loader holds the
  // submission, brings the islands up, then sends it in place.
  await page.evaluate(() => { window.__stayed = true; });
  await page.evaluate(() => {
    const name = document.querySelector("#p-name");
    name.value = "Ada Before Islands";
    name.form.requestSubmit();
  });
  await page.waitForFunction(() => document.querySelector('[data-testid="profile-form"] [data-saved]')?.textContent === "Saved.");
  assert.equal(await page.evaluate(() => window.__stayed), true, "sent in place, not by a page load");
  assert.equal(await wasmLoads(), 1);
  assert.equal(await page.inputValue("#p-name"), "Ada Before Islands");
  await page.reload();
  assert.equal(await page.inputValue("#p-name"), "Ada Before Islands", "saved on the server");
  await ctx.close();
});

test("a shortcut pressed before the islands are up still runs once they are", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(server, page, ADMIN.email, ADMIN.password);
  await page.goto(server.url + "/");
  await page.waitForLoadState("networkidle");
  assert.equal(await page.getAttribute(".shortcuts", "data-hydrated"), "false");
  await page.keyboard.press("?");
  await page.waitForSelector('[data-testid="shortcuts-help"]', { state: "visible" });
  assert.equal(await page.getAttribute(".shortcuts", "data-hydrated"), "true");
  await ctx.close();
});

test("the islands hydrate under the page's Content-Security-Policy", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(server, page, ADMIN.email, ADMIN.password);
  const res = await page.goto(server.url + "/board");
  const csp = res.headers()["content-security-policy"];
  assert.match(csp, /script-src 'nonce-[A-Za-z0-9_-]{16,}' 'strict-dynamic' 'wasm-unsafe-eval'/);
  await waitHydrated(page);
  assert.deepEqual(
    await page.locator("leptos-island").evaluateAll((is) => is.map((i) => i.dataset.component.replace(/_\d+$/, "")).sort()),
    ["Bell", "BoardMoves", "LiveForms", "Shortcuts"],
  );
  await page.screenshot({ path: join(artifacts, "home.png"), fullPage: true });
  // An injected inline event handler is refused by the browser.
  const ran = await page.evaluate(async () => {
    const div = document.createElement("div");
    div.innerHTML = '<img src="/no-such-image.png" onerror="window.__inline = true">';
    await new Promise((r) => div.firstChild.addEventListener("error", r));
    return window.__inline === true;
  });
  assert.equal(ran, false, "an inline handler must not run");
  browser.problems.length = 0; // that refusal was this test's own doing
  await ctx.close();
});

test("links navigate and the 404 page", async () => {
  const page = await browser.newPage();
  await page.goto(server.url + "/");
  await Promise.all([page.waitForURL(server.url + "/about"), page.click('nav a[href="/about"]')]);
  assert.equal(await page.textContent("h1"), "About tasklane");
  const res = await page.goto(server.url + "/definitely/not/here");
  assert.equal(res.status(), 404);
  assert.equal(await page.textContent("h1"), "Page not found");
  await page.close();
});

test("assets are served precompressed with long cache headers", async () => {
  const page = await browser.newPage();
  const res = await page.goto(server.url + "/");
  const html = await res.text();
  const wasm = html.match(/\/pkg\/tasklane\.[0-9a-f]{16}\.wasm/)?.[0];
  assert.ok(wasm, "hashed wasm link in the page");
  const r = await fetch(server.url + wasm, { headers: { "accept-encoding": "br" } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/wasm");
  assert.equal(r.headers.get("content-encoding"), "br");
  assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await page.close();
});
