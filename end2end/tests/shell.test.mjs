// The app shell: server rendering, hydration and a server function round trip.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, launchBrowser, waitHydrated, artifacts } from "../lib.mjs";

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
  assert.match(await page.textContent('[data-testid="server-info"]'), /storage: sqlite/);
  assert.equal(await page.getAttribute("[data-hydrated]", "data-hydrated"), "false");
  await ctx.close();
});

test("the page hydrates: the counter only counts once the WASM runs", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url + "/");
  await waitHydrated(page);
  await page.click('[data-testid="counter"]');
  await page.click('[data-testid="counter"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="counter"]').textContent === "Clicks: 2");
  await page.screenshot({ path: join(artifacts, "home.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a server function round-trips without a page load", async () => {
  const page = await browser.newPage();
  await page.goto(server.url + "/");
  await waitHydrated(page);
  const navigations = [];
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
  await page.fill("#greet-name", "Ada Lovelace");
  await page.click('form[action="/api/greet"] button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="greeting"]').textContent === "Hello, Ada Lovelace!");
  await page.fill("#greet-name", "   ");
  await page.click('form[action="/api/greet"] button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="greeting"]').textContent === "Please enter a name.");
  assert.deepEqual(navigations, [], "the hydrated form must not reload the page");
  await page.close();
});

test("client-side navigation and the 404 page", async () => {
  const page = await browser.newPage();
  await page.goto(server.url + "/");
  await waitHydrated(page);
  await page.click('nav a[href="/about"]');
  await page.waitForFunction(() => document.querySelector("h1")?.textContent === "About tasklane");
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
