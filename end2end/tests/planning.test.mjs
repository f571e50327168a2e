// Planning features in Chromium: labels (defined by an admin, put on tasks,
// filtering the board), checklists and repeating tasks. An admin plans a
// weekly task with a checklist, the assigned member ticks items in place and
// finishes it along the workflow, and the next occurrence appears with a
// fresh checklist, due on the series' next date; finished again, a third.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, launchBrowser, waitHydrated, signIn, inPlace, signUpAll, openSession,
} from "../lib.mjs";

let server, browser, admin, member;
const ADMIN = { email: "ada@example.com", name: "Ada Admin", password: "Correct-Horse-9" };
const MEMBER = { email: "mo@example.com", name: "Mo Member", password: "Member-Pass-42" };

const session = async (user) => (await openSession(server, browser, user)).page;

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

const progress = async (page) => (await page.textContent('[data-testid="checklist-progress"]')).trim();
const ticked = (page) => page.locator('[data-testid="check-item"][aria-checked="true"]').count();

async function moveTo(page, status) {
  const before = await page.getAttribute('[data-testid="task-detail"]', "data-version");
  await page.selectOption('[data-testid="status-select"]', status);
  await page.click('[data-testid="move-button"]');
  await page.waitForFunction(
    (v) => document.querySelector('[data-testid="task-detail"]')?.dataset.version !== v,
    before,
  );
}

test("a weekly task with a checklist is ticked, finished twice, and comes back each time", async () => {
  await admin.goto(server.url + "/tasks/new");
  await waitHydrated(admin);
  await admin.fill("#n-title", "Weekly report");
  await admin.fill("#n-due", "2031-01-01"); // a Wednesday
  await admin.fill("#n-checklist", "Collect figures\nWrite summary\nSend it");
  await admin.fill("#n-every", "1");
  await admin.selectOption("#n-repeat", "WEEKS");
  await admin.getByLabel("Mo Member", { exact: false }).check();
  await Promise.all([admin.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), admin.click('[data-testid="create-form"] button[type="submit"]')]);
  const first = admin.url();
  assert.match(await admin.textContent('[data-testid="repeat-rule"]'), /Every week on Wed/);
  assert.equal(await progress(admin), "0/3");

  // The member ticks two items in place; the page keeps its place.
  await member.goto(first);
  await waitHydrated(member);
  await inPlace(member, async () => {
    await member.locator('[data-testid="check-item"]').nth(0).click();
    await member.waitForFunction(() => document.querySelector('[data-testid="checklist-progress"]')?.textContent === "1/3");
    await member.locator('[data-testid="check-item"]').nth(2).click();
    await member.waitForFunction(() => document.querySelector('[data-testid="checklist-progress"]')?.textContent === "2/3");
  });
  assert.equal(await ticked(member), 2);
  // Unticking works too, and the member cannot edit the list itself.
  await member.locator('[data-testid="check-item"]').nth(2).click();
  await member.waitForFunction(() => document.querySelector('[data-testid="checklist-progress"]')?.textContent === "1/3");
  assert.equal(await member.locator("#e-checklist").count(), 0);

  // The board card and the member's list show the progress and the repeat.
  await admin.goto(server.url + "/board");
  const card = admin.locator('[data-testid="card"]', { hasText: "Weekly report" });
  assert.match(await card.locator('[data-testid="card-progress"]').textContent(), /1\/3/);
  assert.equal(await card.locator('[data-testid="card-repeats"]').count(), 1);
  await member.goto(server.url + "/my");
  assert.match(await member.textContent('[data-testid="my-task"]'), /1\/3/);

  // The member finishes it through review; the next occurrence is a week
  // after the due date, open, with every item unticked.
  await member.goto(first);
  await waitHydrated(member);
  for (const s of ["IN_PROGRESS", "IN_REVIEW", "DONE"]) await moveTo(member, s);
  await member.reload();
  await Promise.all([member.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), member.click('[data-testid="next-occurrence"]')]);
  const second = member.url();
  assert.notEqual(second, first);
  assert.match(await member.textContent('[data-testid="task-detail"]'), /Due 2031-01-08/);
  assert.equal(await progress(member), "0/3");
  assert.match(await member.textContent('[data-testid="task-detail"]'), /Open/);

  // Reopening and finishing the first again creates nothing new.
  await admin.goto(first);
  await waitHydrated(admin);
  await moveTo(admin, "IN_PROGRESS");
  await moveTo(admin, "DONE");
  await admin.goto(server.url + "/board");
  assert.equal(await admin.locator('[data-testid="column-OPEN"] [data-testid="card"]', { hasText: "Weekly report" }).count(), 1);

  // The admin finishes the second straight away: the third is due a week later.
  await admin.goto(second);
  await waitHydrated(admin);
  await moveTo(admin, "DONE");
  await admin.reload();
  await Promise.all([admin.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), admin.click('[data-testid="next-occurrence"]')]);
  assert.match(await admin.textContent('[data-testid="task-detail"]'), /Due 2031-01-15/);
  await admin.goto(server.url + "/board");
  assert.equal(await admin.locator('[data-testid="column-DONE"] [data-testid="card"]', { hasText: "Weekly report" }).count(), 2);
  assert.equal(await admin.locator('[data-testid="column-OPEN"] [data-testid="card"]', { hasText: "Weekly report" }).count(), 1);
});

test("the edit form keeps ticks when items move, and stops a series", async () => {
  await admin.goto(server.url + "/board");
  await admin.click('[data-testid="column-OPEN"] [data-testid="card"] .card-title');
  await admin.waitForSelector('[data-testid="task-detail"]');
  await waitHydrated(admin);
  await admin.locator('[data-testid="check-item"]').nth(1).click();
  await admin.waitForFunction(() => document.querySelector('[data-testid="checklist-progress"]')?.textContent === "1/3");
  assert.equal(await admin.inputValue("#e-checklist"), "Collect figures\nWrite summary\nSend it");
  await admin.fill("#e-checklist", "Write summary\nCollect figures\nSend it\nArchive");
  await admin.selectOption("#e-repeat", "");
  await admin.click('[data-testid="edit-form"] button[type="submit"]');
  await admin.waitForFunction(() => document.querySelector('[data-testid="checklist-progress"]')?.textContent === "1/4");
  assert.equal(await admin.locator('[data-testid="check-item"]').nth(0).getAttribute("aria-checked"), "true", "the tick moved with its item");
  assert.equal(await admin.locator('[data-testid="repeat-rule"]').count(), 0);
});

test("without JavaScript, ticking and the repeat fields still work", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await signIn(server, page, MEMBER.email, MEMBER.password);
  await page.goto(server.url + "/my");
  await page.click('[data-testid="my-task"] a');
  await page.waitForSelector('[data-testid="checklist"]');
  const before = await progress(page);
  await page.locator('[data-testid="check-item"][aria-checked="false"]').first().click();
  await page.waitForSelector('[data-testid="checklist-progress"]');
  assert.notEqual(await progress(page), before);
  await ctx.close();
});

test("labels: an admin defines them, puts them on a task, and the board filters by them", async () => {
  await admin.goto(server.url + "/labels");
  await waitHydrated(admin);
  for (const [name, color] of [["Bug", "RED"], ["Customer", "TEAL"]]) {
    await admin.fill("#l-name", name);
    await admin.selectOption("#l-color", color);
    await admin.click('[data-testid="label-create"] button[type="submit"]');
    await admin.waitForSelector(`[data-testid="label"][data-name="${name}"]`);
  }
  assert.deepEqual(await admin.locator('[data-testid="labels"] [data-testid="label-chip"]').allTextContents(), ["Bug", "Customer"]);

  // A new task with the Bug label, and another without.
  for (const [title, labels] of [["Fix the crash", ["Bug"]], ["Tidy the docs", []]]) {
    await admin.goto(server.url + "/tasks/new");
    await waitHydrated(admin);
    await admin.fill("#n-title", title);
    for (const l of labels) await admin.locator('[data-testid="label-picker"] label', { hasText: l }).locator("input").check();
    await Promise.all([admin.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), admin.click('[data-testid="create-form"] button[type="submit"]')]);
  }
  await admin.goto(server.url + "/board");
  await admin.selectOption("#f-label", { label: "Bug" });
  await Promise.all([admin.waitForURL(/label=/), admin.click('form[role="search"] button[type="submit"]')]);
  const titles = (await admin.locator('[data-testid="card"] .card-title').allTextContents()).map((t) => t.trim());
  assert.deepEqual(titles, ["Fix the crash"]);
  // Search finds a label's name as it finds title words.
  await admin.goto(server.url + "/board?q=bu");
  assert.equal((await admin.textContent('[data-testid="board-empty"]')).trim(), "No task matches these filters.");
  await admin.goto(server.url + "/board?q=BUG");
  const found = (await admin.locator('[data-testid="card"] .card-title').allTextContents()).map((t) => t.trim());
  assert.deepEqual(found, ["Fix the crash"]);
  await admin.goto(server.url + "/board");
  await admin.selectOption("#f-label", { label: "Bug" });
  await Promise.all([admin.waitForURL(/label=/), admin.click('form[role="search"] button[type="submit"]')]);
  const chip = admin.locator('[data-testid="card"] [data-testid="label-chip"]');
  assert.equal((await chip.textContent()).trim(), "Bug");
  // The chip's colours come from the palette (red on pale red in light mode).
  const colours = await chip.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
  assert.deepEqual(colours, ["rgb(254, 226, 226)", "rgb(153, 27, 27)"]);

  // The edit form adds the second label; the task page shows both.
  await admin.click('[data-testid="card"] .card-title');
  await admin.waitForSelector('[data-testid="task-detail"]');
  await waitHydrated(admin);
  await admin.locator('[data-testid="label-picker"] label', { hasText: "Customer" }).locator("input").check();
  await admin.click('[data-testid="edit-form"] button[type="submit"]');
  await admin.waitForFunction(() => document.querySelectorAll('[data-testid="task-labels"] [data-testid="label-chip"]').length === 2);
  const csv = await (await admin.request.get(server.url + "/export/tasks.csv")).text();
  assert.ok(csv.split("\n").some((l) => l.includes("Fix the crash") && l.includes(",Bug; Customer,General")), csv);
});

test("projects: an admin plans a labelled task with a checklist in one, and every view scopes to it", async () => {
  await admin.goto(server.url + "/labels");
  await waitHydrated(admin);
  await admin.fill("#l-name", "Release");
  await admin.selectOption("#l-color", "PURPLE");
  await admin.click('[data-testid="label-create"] button[type="submit"]');
  await admin.waitForSelector('[data-testid="label"][data-name="Release"]');

  await admin.goto(server.url + "/projects");
  await waitHydrated(admin);
  await admin.fill("#p-name", "Launch");
  await admin.click('[data-testid="project-create"] button[type="submit"]');
  const row = admin.locator('[data-testid="project"][data-name="Launch"]');
  await row.waitFor();
  const href = await row.locator("a").getAttribute("href");
  const launch = new URL(href, server.url).searchParams.get("project");

  // A task planned in the project, with a label, a checklist and the member.
  await admin.goto(server.url + "/tasks/new");
  await waitHydrated(admin);
  await admin.fill("#n-title", "Launch checklist");
  await admin.selectOption("#n-project", { label: "Launch" });
  await admin.fill("#n-checklist", "Press kit\nAnnounce");
  await admin.locator('[data-testid="label-picker"] label', { hasText: "Release" }).locator("input").check();
  await admin.getByLabel("Mo Member", { exact: false }).check();
  await Promise.all([admin.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), admin.click('[data-testid="create-form"] button[type="submit"]')]);
  assert.equal((await admin.textContent('[data-testid="task-project"] a')).trim(), "Launch");

  // The project's board, reached from the projects page, holds it alone; a
  // quick-add there lands in the project too.
  await admin.goto(server.url + "/projects");
  await Promise.all([admin.waitForURL(/project=/), row.locator("a").click()]);
  assert.equal((await admin.textContent('[data-testid="board-title"]')).trim(), "Launch");
  await waitHydrated(admin);
  await admin.fill("#quick-open", "Book the venue");
  await admin.click('[data-testid="quick-add-OPEN"] button[type="submit"]');
  await admin.waitForSelector('[data-testid="card"]:has-text("Book the venue")');
  const titles = async () => (await admin.locator('[data-testid="card"] .card-title').allTextContents()).map((t) => t.trim()).sort();
  assert.deepEqual(await titles(), ["Book the venue", "Launch checklist"]);
  assert.equal(await admin.locator('[data-testid="card-project"]').count(), 0, "one project's board names no project per card");
  // Filtered by a label inside the project: one Query of the label's copies.
  await admin.selectOption("#f-label", { label: "Release" });
  await Promise.all([admin.waitForURL(/label=/), admin.click('form[role="search"] button[type="submit"]')]);
  assert.match(admin.url(), new RegExp(`project=${launch}`));
  assert.deepEqual(await titles(), ["Launch checklist"]);
  assert.match(await admin.locator('[data-testid="card"] [data-testid="card-progress"]').textContent(), /0\/2/);
  // Across all projects, each card names its project.
  await admin.goto(server.url + "/board");
  const card = admin.locator('[data-testid="card"]', { hasText: "Launch checklist" });
  assert.equal((await card.locator('[data-testid="card-project"]').textContent()).trim(), "Launch");

  // The member's list groups their work by project.
  await member.goto(server.url + "/my");
  const group = member.locator('[data-testid="my-project"][aria-label="Launch"]');
  assert.deepEqual((await group.locator('[data-testid="my-task"] a').allTextContents()).map((t) => t.trim()), ["Launch checklist"]);
  assert.ok(await member.locator('[data-testid="my-project"][aria-label="General"]').count() === 1);

  // The dashboard and the CSV per project.
  await admin.goto(server.url + "/dashboard");
  await admin.selectOption("#dash-project", { label: "Launch" });
  await Promise.all([admin.waitForURL(/project=/), admin.click('[data-testid="dashboard-project"] button')]);
  assert.equal((await admin.textContent('[data-testid="stat-total"] .num')).trim(), "2");
  const csvHref = await admin.getAttribute('[data-testid="csv-link"]', "href");
  const csv = await (await admin.request.get(server.url + csvHref)).text();
  const lines = csv.trim().split("\n");
  assert.equal(lines.length, 3, csv);
  assert.ok(lines.slice(1).every((l) => l.endsWith(",Launch")), csv);

  // Archiving waits until its work is done.
  await admin.goto(server.url + "/projects");
  await waitHydrated(admin);
  await row.locator('button[aria-label^="Archive"]').click();
  await admin.waitForSelector('[data-testid="form-error"]');
  assert.match(await admin.textContent('[data-testid="form-error"]'), /2 open task/);
  assert.equal(await row.getAttribute("data-archived"), "false");
});
