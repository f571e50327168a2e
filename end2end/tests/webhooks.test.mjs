// Webhooks in Chromium: an admin adds one from the settings page, pointing
// at a real HTTP receiver on loopback started here; assigning a task makes
// the server POST a signed JSON event to it (checked with node's own HMAC),
// the receiver fails once and then recovers, the event arrives exactly once
// after recovery, and the page shows the last delivery. Members are
// refused, and hostile text stays text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";
import {
  startServer, launchBrowser, waitHydrated, eventually, signUpAll, openSession,
} from "../lib.mjs";

let server, browser, receiver, admin, member;
const ADMIN = { email: "ada@example.com", name: "Ada <Admin>", password: "Correct-Horse-9" };
const MEMBER = { email: "mo@example.com", name: "Mo Member", password: "Member-Pass-42" };
const got = [];
// The receiver's answers, in order; the last repeats.
const script = [500, 200];

const session = (user, options) => openSession(server, browser, user, options);

before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const status = script[Math.min(got.length, script.length - 1)];
      got.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  server = await startServer();
  browser = await launchBrowser();
  await signUpAll(server, browser, [ADMIN, MEMBER]);
  admin = await session(ADMIN);
  member = await session(MEMBER);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((r) => receiver ? receiver.close(r) : r());
});

test("an admin adds a webhook and receives a signed event that survives a failing receiver", async () => {
  const { page } = admin;
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/tasklane`;
  await page.goto(server.url + "/");
  await page.click('nav a[href="/settings/webhooks"]');
  await page.waitForURL(server.url + "/settings/webhooks");
  await page.waitForSelector('[data-testid="no-webhooks"]');
  await waitHydrated(page);
  await page.fill("#wh-url", hookUrl);
  // Only assignments: untick the others.
  for (const box of await page.locator('[data-testid="webhook-form"] input[type="checkbox"]').all()) {
    if ((await box.getAttribute("name")) !== "events[ASSIGNED]") await box.uncheck();
  }
  await page.click('[data-testid="webhook-form"] button[type="submit"]');
  const row = page.locator('[data-testid="webhook"]');
  await row.waitFor();
  assert.equal((await row.locator('[data-testid="webhook-url"]').textContent()).trim(), hookUrl);
  assert.match(await row.textContent(), /Nothing sent yet\./);
  const secret = (await row.locator('[data-testid="webhook-secret"]').textContent()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);
  assert.ok(!page.url().includes(secret), page.url());

  // Assign a task with a title Slack would read as markup.
  const title = "Ship <v2> & tell <!channel>";
  await page.goto(server.url + "/tasks/new");
  await waitHydrated(page);
  await page.fill("#n-title", title);
  await page.getByLabel("Mo Member", { exact: false }).check();
  await Promise.all([page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), page.click('[data-testid="create-form"] button[type="submit"]')]);
  const taskId = page.url().split("/").pop();

  // The first POST is answered 500; the worker's backoff retries it.
  await eventually(() => got.some((r) => r.status === 200), "a successful webhook delivery", 30_000);
  const ok = got.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, "delivered exactly once after recovery");
  assert.equal(got[0].status, 500);
  assert.equal(got[0].body, ok[0].body, "the retry posts the same event");
  const r = ok[0];
  assert.equal(r.path, "/tasklane");
  assert.equal(r.headers["content-type"], "application/json");
  const ts = r.headers["x-tasklane-timestamp"];
  assert.ok(Math.abs(Date.now() / 1000 - Number(ts)) < 300, `timestamp ${ts}`);
  const expected = "sha256=" + createHmac("sha256", secret).update(`${ts}.${r.body}`).digest("hex");
  assert.equal(r.headers["x-tasklane-signature"], expected, "the signature checks with node's HMAC");
  const body = JSON.parse(r.body);
  assert.equal(body.type, "ASSIGNED");
  assert.equal(body.task.id, taskId);
  assert.equal(body.task.title, title);
  assert.equal(body.task.status, "OPEN");
  assert.equal(body.task.url, `${server.url}/tasks/${taskId}`);
  assert.equal(body.actor.name, ADMIN.name);
  assert.ok(body.text.includes("Ship &lt;v2&gt; &amp; tell &lt;!channel&gt;"), body.text);
  assert.ok(body.text.endsWith(`<${server.url}/tasks/${taskId}|Open task>`), body.text);

  // Nothing more arrives, and the page shows how the last delivery went
  // (and no longer the secret: it showed once).
  await page.goto(server.url + "/settings/webhooks");
  assert.equal(await page.locator('[data-testid="webhook-secret"]').count(), 0);
  assert.ok(!(await page.content()).includes(secret));
  const last = page.locator('[data-testid="last-delivery"]');
  await eventually(async () => (await last.getAttribute("data-ok")) === "true", "the delivery on the page");
  const shown = await last.textContent();
  assert.match(shown, /HTTP 200/);
  assert.match(shown, /2 attempts/);
  assert.equal(got.length, 2);
});

test("members get no webhooks page and cannot add one by a forged post", async () => {
  const { page } = member;
  await page.goto(server.url + "/");
  assert.equal(await page.locator('nav a[href="/settings/webhooks"]').count(), 0);
  const res = await page.goto(server.url + "/settings/webhooks");
  assert.equal(res.status(), 403);
  const status = await page.evaluate(async () => {
    const r = await fetch("/api/webhooks/create", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: "url=https%3A%2F%2Fevil.example.com%2F&events%5BASSIGNED%5D=on",
    });
    return r.status;
  });
  assert.equal(status, 403);
});

test("hostile URLs are refused or shown as text, and removal works", async () => {
  const { page } = admin;
  await page.goto(server.url + "/settings/webhooks");
  await waitHydrated(page);
  await page.fill("#wh-url", "https://169.254.169.254/latest/meta-data");
  await page.click('[data-testid="webhook-form"] button[type="submit"]');
  await page.getByText("Private, link-local and metadata addresses are not allowed.").waitFor();
  const hostile = "https://hooks.example.com/</code><img src=x onerror=window.__pwned=1>";
  await page.fill("#wh-url", hostile);
  await page.click('[data-testid="webhook-form"] button[type="submit"]');
  await eventually(async () => (await page.locator('[data-testid="webhook"]').count()) === 2, "the second webhook");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('[data-testid="webhooks"] img').count(), 0);
  const urls = await page.locator('[data-testid="webhook-url"]').allTextContents();
  assert.ok(urls.some((u) => u.startsWith("https://hooks.example.com/%3C/code%3E%3Cimg")), urls.join(" | "));
  await page.locator('[data-testid="webhook"]').nth(1).locator('[data-testid="delete-webhook"]').click();
  await eventually(async () => (await page.locator('[data-testid="webhook"]').count()) === 1, "removal");
});
