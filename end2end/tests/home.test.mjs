// The home page in Chromium: signing in lands on your work (overdue, due
// soon, newly assigned; admins also what nobody is on), with and without
// JavaScript and at phone width; visitors get what tasklane is and the ways
// in; a member never sees someone else's task or the admins' list.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, launchBrowser, waitHydrated, artifacts, signUp, signIn } from "../lib.mjs";

let server, browser;
const ADMIN = { email: "ada@example.com", name: "Ada Admin", password: "Correct-Horse-9" };
const MEMBER = { email: "mo@example.com", name: "Mo Member", password: "Member-Pass-42" };
const OTHER = { email: "olu@example.com", name: "Olu Other", password: "Other-Pass-42" };
const ids = {};

function isoDay(offsetDays) {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

async function createTask(page, { title, priority = "MEDIUM", due = "", assignees = [] }) {
  await page.goto(server.url + "/tasks/new");
  await waitHydrated(page);
  await page.fill("#n-title", title);
  await page.selectOption("#n-priority", priority);
  if (due) await page.fill("#n-due", due);
  for (const name of assignees) await page.getByLabel(name, { exact: false }).check();
  await Promise.all([page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), page.click('[data-testid="create-form"] button[type="submit"]')]);
  return page.url().split("/").pop();
}

async function rows(page, key) {
  return (await page.locator(`[data-testid="home-${key}"] [data-testid="home-row"] a`).allTextContents()).map((t) => t.trim());
}

async function count(page, key) {
  return (await page.textContent(`[data-testid="home-${key}"] [data-testid="home-count"]`)).trim();
}

/** What a member must see on their home, whichever way it was rendered. */
async function assertMembersWork(page) {
  assert.deepEqual(await rows(page, "overdue"), ["Ship the release"]);
  assert.equal(await count(page, "overdue"), "1");
  assert.match(await page.textContent('[data-testid="home-overdue"]'), /2 days overdue/);
  assert.deepEqual(await rows(page, "due-soon"), ["Review the budget"]);
  assert.match(await page.textContent('[data-testid="home-due-soon"]'), new RegExp(`due today \\(${isoDay(0)}\\) through ${isoDay(7)}`));
  assert.deepEqual(await rows(page, "newly-assigned"), ["Plan next quarter", "Review the budget", "Ship the release"]);
  assert.equal(await page.locator('[data-testid="home-unassigned"]').count(), 0, "no admin list for members");
  const main = await page.textContent("main");
  assert.doesNotMatch(main, /Olu's secret|Nobody's spare task/, "nobody else's tasks");
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const u of [ADMIN, MEMBER, OTHER]) await signUp(server, page, u);
  await signIn(server, page, ADMIN.email, ADMIN.password);
  // Oldest first, so "newly assigned" (newest first) has a known order.
  ids.late = await createTask(page, { title: "Ship the release", priority: "URGENT", due: isoDay(-2), assignees: ["Mo Member"] });
  await createTask(page, { title: "Review the budget", due: isoDay(3), assignees: ["Mo Member"] });
  await createTask(page, { title: "Plan next quarter", priority: "LOW", due: isoDay(20), assignees: ["Mo Member"] });
  await createTask(page, { title: "Olu's secret", due: isoDay(-1), assignees: ["Olu Other"] });
  await createTask(page, { title: "Nobody's spare task", priority: "HIGH", due: isoDay(1) });
  await ctx.close();
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "server exits 0 on SIGTERM");
});

test("visitors learn what tasklane is and find the way in", async () => {
  for (const js of [true, false]) {
    const ctx = await browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(server.url + "/");
    assert.equal(await page.locator("leptos-island").count(), 0, "the landing page has no island to load");
    assert.equal(await page.textContent("h1"), "Welcome to tasklane");
    assert.equal(await page.title(), "tasklane");
    assert.match(await page.textContent('[data-testid="landing"]'), /overdue/);
    assert.equal(await page.locator('[data-testid^="home-"]').count(), 0, "no lists for visitors");
    await Promise.all([page.waitForURL(server.url + "/signup"), page.click('[data-testid="landing-signup"]')]);
    await page.goto(server.url + "/");
    await Promise.all([page.waitForURL(server.url + "/signin"), page.click('[data-testid="landing-signin"]')]);
    await ctx.close();
  }
});

test("signing in lands a member on their work, with JavaScript", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(server, page, MEMBER.email, MEMBER.password);
  assert.equal(page.url(), server.url + "/");
  await waitHydrated(page);
  assert.equal(await page.title(), "Home · tasklane");
  await assertMembersWork(page);
  await page.screenshot({ path: join(artifacts, "home-member.png"), fullPage: true });
  // The list links to the task; the brand link comes back.
  await Promise.all([page.waitForURL(`${server.url}/tasks/${ids.late}`), page.click('[data-testid="home-overdue"] [data-testid="home-row"] a')]);
  await page.waitForSelector('[data-testid="task-title"]');
  await page.click("a.brand");
  await page.waitForSelector('[data-testid="home-overdue"]');
  assert.equal(page.url(), server.url + "/");
  await assertMembersWork(page);
  await ctx.close();
});

test("signing in lands a member on their work, without JavaScript", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await signIn(server, page, MEMBER.email, MEMBER.password);
  assert.equal(page.url(), server.url + "/");
  assert.equal(await page.getAttribute("[data-hydrated]", "data-hydrated"), "false");
  await assertMembersWork(page);
  await ctx.close();
});

test("an admin also sees what nobody is assigned to; empty lists say what to do next", async () => {
  for (const js of [true, false]) {
    const ctx = await browser.newContext({ javaScriptEnabled: js });
    const page = await ctx.newPage();
    await signIn(server, page, ADMIN.email, ADMIN.password);
    if (js) await waitHydrated(page);
    assert.deepEqual(await rows(page, "unassigned"), ["Nobody's spare task"]);
    assert.equal(await count(page, "unassigned"), "1");
    for (const key of ["overdue", "due-soon", "newly-assigned"]) {
      assert.equal(await count(page, key), "0", key);
      assert.ok(await page.locator(`[data-testid="home-${key}"] [data-testid="home-empty"] a`).count(), `${key}: a next step`);
    }
    assert.doesNotMatch(await page.textContent("main"), /Ship the release|Olu's secret/, "other people's work is not the admin's");
    await ctx.close();
  }
});

test("the home page at 375×812 has no horizontal scroll, with and without JavaScript", async () => {
  for (const js of [true, false]) {
    for (const user of [MEMBER, ADMIN]) {
      const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, javaScriptEnabled: js });
      const page = await ctx.newPage();
      await signIn(server, page, user.email, user.password);
      if (js) await waitHydrated(page);
      if (user === MEMBER) await assertMembersWork(page);
      const { scroll, client } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
      }));
      assert.ok(scroll <= client, `${user.email} (js ${js}): content is ${scroll}px wide in a ${client}px viewport`);
      // One column: each list starts below the one before it.
      const tops = await page.locator(".home-list").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
      assert.ok(tops.every((t, i) => i === 0 || t > tops[i - 1]), `stacked: ${tops}`);
      if (js && user === MEMBER) await page.screenshot({ path: join(artifacts, "home-mobile.png"), fullPage: true });
      await ctx.close();
    }
  }
});
