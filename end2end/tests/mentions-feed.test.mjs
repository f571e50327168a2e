// Mentions and the calendar feed in Chromium (issue #15, items 6 and 7): an
// admin mentions a member in a comment and the member is told, in the app
// and by mail; the member makes a calendar feed on the profile page, and
// what a calendar app would fetch parses with Python's `icalendar`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import {
  startServer, launchBrowser, waitHydrated, artifacts, eventually, signUpAll, openSession,
} from "../lib.mjs";

let server, browser, admin, member;
const ADMIN = { email: "ada@example.com", name: "Ada Admin", password: "Correct-Horse-9" };
const MEMBER = { email: "mo@example.com", name: "Mo Member", password: "Member-Pass-42" };
const ids = {};
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function isoDay(offsetDays) {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** The feed's events as Python's icalendar reads them (scripts/parse-ics.py). */
function parseIcs(body) {
  const home = process.env.TASKLANE_HOME ?? join(homedir(), ".cache", "tasklane");
  const out = execFileSync(join(home, "venv", "bin", "python"), [join(root, "scripts", "parse-ics.py")], { input: body });
  return JSON.parse(out.toString());
}

const session = (user, options) => openSession(server, browser, user, options);

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await signUpAll(server, browser, [ADMIN, MEMBER]);
  admin = await session(ADMIN);
  member = await session(MEMBER);
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "server exits 0 on SIGTERM");
});

test("an admin mentions the member in a comment; the member is told once, as mentioned", async () => {
  const { page } = admin;
  await page.goto(server.url + "/tasks/new");
  await waitHydrated(page);
  await page.fill("#n-title", "Review; the, launch\\plan <b>now</b>");
  await page.fill("#n-due", isoDay(4));
  await page.getByLabel("Mo Member", { exact: false }).check();
  await Promise.all([page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), page.click('[data-testid="create-form"] button[type="submit"]')]);
  ids.task = page.url().split("/").pop();

  await page.fill("#comment-body", "@mo can you check? @nobody <img src=x onerror=alert(1)>");
  await page.click('#comment-body ~ div button[type="submit"]');
  await page.waitForSelector('[data-testid="comments"] .mention');
  assert.deepEqual(await page.locator('[data-testid="comments"] .mention').allTextContents(), ["@mo"]);
  const shown = await page.textContent('[data-testid="comments"] .comment-body');
  assert.equal(shown, "@mo can you check? @nobody <img src=x onerror=alert(1)>", "stored and shown as typed");
  assert.equal(await page.locator('[data-testid="comments"] img').count(), 0, "markup stays text");

  const subject = "Ada Admin mentioned you on Review; the, launch\\plan <b>now</b>";
  const mail = await eventually(async () => {
    const all = await (await fetch(server.url + "/dev/mailbox.json")).json();
    return all.find((m) => m.to === MEMBER.email && m.subject === subject);
  }, "the mention email in the dev mailbox");
  assert.match(mail.text, /@mo can you check\?/);
  const all = await (await fetch(server.url + "/dev/mailbox.json")).json();
  assert.equal(all.filter((m) => m.to === MEMBER.email && /comment/i.test(m.subject)).length, 0, "no second, 'commented' email");

  const m = member.page;
  await m.goto(server.url + "/notifications");
  const notices = await m.locator('[data-testid="notification"] a').allTextContents();
  assert.deepEqual(notices.filter((n) => /mention|comment/.test(n)), [subject]);
  await m.goto(server.url + `/tasks/${ids.task}`);
  assert.deepEqual(await m.locator('[data-testid="comments"] .mention').allTextContents(), ["@mo"]);
  await m.screenshot({ path: join(artifacts, "mention.png"), fullPage: true });
});

test("the member makes a calendar feed on the profile page; a calendar app can read it until it is revoked", async () => {
  const { page } = member;
  await page.goto(server.url + "/profile");
  await waitHydrated(page);
  assert.match(await page.textContent('[data-testid="calendar"]'), /You have no calendar feed/);
  assert.equal(await page.locator('input[name="all_tasks"]').count(), 0, "only admins may choose every task");
  await page.click('[data-testid="calendar"] button:has-text("Create a feed address")');
  await page.waitForSelector('[data-testid="calendar-url"]');
  const url = await page.inputValue('[data-testid="calendar-url"]');
  assert.match(url, new RegExp(`^${server.url}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
  await page.screenshot({ path: join(artifacts, "calendar-feed.png"), fullPage: true });

  // What a calendar app does: a plain GET, no cookie.
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/calendar; charset=utf-8");
  const feed = parseIcs(await res.text());
  const host = new URL(server.url).hostname;
  assert.deepEqual(feed.events.map((e) => e.uid), [`task-${ids.task}@${host}`]);
  assert.equal(feed.events[0].summary, "Review; the, launch\\plan <b>now</b>");
  assert.equal(feed.events[0].start, isoDay(4));
  assert.equal(feed.events[0].all_day, true);
  assert.equal(feed.events[0].url, `${server.url}/tasks/${ids.task}`);

  // The address never entered the page's URL (history, proxies' logs).
  const token = url.match(/\/calendar\/([A-Za-z0-9_-]{43})\.ics$/)[1];
  assert.ok(!page.url().includes(token), page.url());

  // Reloaded, the page no longer shows the address; revoking kills it.
  await page.reload();
  await waitHydrated(page);
  assert.equal(await page.locator('[data-testid="calendar-url"]').count(), 0);
  await page.click('[data-testid="calendar"] button:has-text("Revoke the feed")');
  await page.waitForFunction(() => /You have no calendar feed/.test(document.querySelector('[data-testid="calendar"]')?.textContent ?? ""));
  assert.equal((await fetch(url)).status, 404);
});
