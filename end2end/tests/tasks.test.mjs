// The task manager journeys in Chromium against the release server on the
// embedded default: an admin plans and assigns, a member works their tasks,
// and every claim is checked by what the user sees (and, for refusals, by
// what the server answers to a forged request).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  startServer, launchBrowser, waitHydrated, artifacts, signIn, eventually, inPlace, signUpAll, openSession,
} from "../lib.mjs";

let server, browser, admin, member, other;
const ADMIN = { email: "ada@example.com", name: "Ada Admin", password: "Correct-Horse-9" };
const MEMBER = { email: "mo@example.com", name: "Mo Member", password: "Member-Pass-42" };
const OTHER = { email: "olu@example.com", name: "Olu Other", password: "Other-Pass-42" };
const ids = {};

function isoDay(offsetDays) {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return d.toISOString().slice(0, 10);
}

const session = (user, options) => openSession(server, browser, user, options);

async function cardTitles(page, status) {
  const sel = status ? `[data-testid="column-${status}"] [data-testid="card"] .card-title` : '[data-testid="card"] .card-title';
  return (await page.locator(sel).allTextContents()).map((t) => t.trim()).sort();
}

async function createTask(page, { title, description = "", priority = "MEDIUM", due = "", assignees = [] }) {
  await page.goto(server.url + "/tasks/new");
  await waitHydrated(page);
  await page.fill("#n-title", title);
  if (description) await page.fill("#n-desc", description);
  await page.selectOption("#n-priority", priority);
  if (due) await page.fill("#n-due", due);
  for (const name of assignees) await page.getByLabel(name, { exact: false }).check();
  await Promise.all([page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), page.click('[data-testid="create-form"] button[type="submit"]')]);
  await page.waitForSelector('[data-testid="task-title"]');
  return page.url().split("/").pop();
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await signUpAll(server, browser, [ADMIN, MEMBER, OTHER]);
  admin = await session(ADMIN);
  member = await session(MEMBER);
  other = await session(OTHER);
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "server exits 0 on SIGTERM");
});

test("the admin creates tasks with assignees in one step, and the member is emailed", async () => {
  const { page } = admin;
  ids.login = await createTask(page, {
    title: "Fix the login bug", description: "Users on Safari are logged out.", priority: "URGENT",
    due: isoDay(-2), assignees: ["Mo Member"],
  });
  assert.equal((await page.textContent('[data-testid="task-title"]')).trim(), "Fix the login bug");
  assert.match(await page.textContent('[data-testid="task-detail"]'), /Assigned to: Mo Member/);
  assert.match(await page.textContent('[data-testid="task-detail"]'), /Overdue/);
  assert.match(await page.textContent('[data-testid="activity"]'), /Ada Admin created the task/);

  ids.docs = await createTask(page, { title: "Write the docs", priority: "LOW", due: isoDay(3), assignees: ["Mo Member"] });
  ids.secret = await createTask(page, { title: "Plan the secret offsite", description: "budget", assignees: ["Olu Other"] });
  ids.spare = await createTask(page, { title: "Order spare keyboards", priority: "HIGH" });

  // The notifier worker emails the member about the assignment (#6).
  const mail = await eventually(async () => {
    const all = await (await fetch(server.url + "/dev/mailbox.json")).json();
    return all.find((m) => m.to === MEMBER.email && m.subject === "You were assigned: Fix the login bug");
  }, "the assignment email in the dev mailbox");
  assert.match(mail.text, /Ada Admin assigned you to “Fix the login bug”/);
  assert.match(mail.text, new RegExp(`/tasks/${ids.login}`));
  await page.screenshot({ path: join(artifacts, "task-detail.png"), fullPage: true });
});

test("the member sees only their tasks, and a task not theirs is a 404", async () => {
  const { page } = member;
  await page.goto(server.url + "/board");
  await waitHydrated(page);
  assert.deepEqual(await cardTitles(page), ["Fix the login bug", "Write the docs"]);
  await page.goto(server.url + "/my");
  const mine = (await page.locator('[data-testid="my-task"] a').allTextContents()).sort();
  assert.deepEqual(mine, ["Fix the login bug", "Write the docs"]);
  assert.equal(await page.locator('[data-testid="my-task"].overdue').count(), 1, "the overdue task is highlighted");

  await page.goto(server.url + `/tasks/${ids.secret}`);
  assert.equal((await page.textContent('[data-testid="page-error"]')).trim(), "Task not found.");
  const res = await page.request.post(server.url + "/api/tasks/get", { form: { id: ids.secret } });
  assert.equal(res.status(), 404);
  const missing = await page.request.post(server.url + "/api/tasks/get", { form: { id: "0190a1b2-0000-7000-8000-000000000000" } });
  assert.equal(missing.status(), 404);
  assert.equal(await res.text(), await missing.text(), "a hidden task and a missing one answer the same");
  assert.equal(await page.locator("nav >> text=Dashboard").count(), 0, "members get no admin links");
});

test("the member moves a task through statuses but cannot edit its title", async () => {
  const { page } = member;
  await page.goto(server.url + `/tasks/${ids.login}`);
  await waitHydrated(page);
  assert.equal(await page.locator('[data-testid="edit-form"]').count(), 0, "no edit form for members");
  assert.equal(await page.locator("#e-title").count(), 0);
  const options = await page.locator('[data-testid="status-select"] option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ["IN_PROGRESS", "BLOCKED"], "only the workflow's next steps");

  for (const [to, label] of [["IN_PROGRESS", "In progress"], ["IN_REVIEW", "In review"]]) {
    await inPlace(page, async () => {
      await page.selectOption('[data-testid="status-select"]', to);
      await page.click('[data-testid="move-button"]');
      await page.waitForFunction((l) => document.querySelector(".task-detail .badge")?.textContent === l, label);
    });
    // Focus stays on the button that was pressed.
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "move-button");
  }
  assert.match(await page.textContent('[data-testid="activity"]'), /Mo Member moved it from In progress to In review/);

  // A forged edit through the API is refused, and nothing changes.
  const version = await page.getAttribute('[data-testid="task-detail"]', "data-version");
  const forged = await page.request.post(server.url + "/api/tasks/update", {
    form: { id: ids.login, version, title: "Hacked", description: "", priority: "LOW", due: "" },
  });
  assert.equal(forged.status(), 403);
  const del = await page.request.post(server.url + "/api/tasks/delete", { form: { id: ids.login, version } });
  assert.equal(del.status(), 403);
  await page.reload();
  assert.equal((await page.textContent('[data-testid="task-title"]')).trim(), "Fix the login bug");

  // A comment from the member shows up in the thread, and the field is
  // empty again for the next one.
  await waitHydrated(page);
  await inPlace(page, async () => {
    await page.fill("#comment-body", "Reproduced on Safari 17; fix in review.");
    await page.click('#comment-body ~ div button[type="submit"]');
    await page.waitForSelector('[data-testid="comments"] >> text=Reproduced on Safari 17');
  });
  assert.equal(await page.inputValue("#comment-body"), "");
});

test("the admin's dashboard and board reflect the member's change", async () => {
  const { page } = admin;
  await page.goto(server.url + "/dashboard");
  const count = (s) => page.getAttribute(`[data-testid="chart-status"] g[data-status="${s}"]`, "data-count");
  assert.equal(await count("IN_REVIEW"), "1");
  assert.equal(await count("OPEN"), "3");
  assert.equal((await page.textContent('[data-testid="stat-total"] .num')).trim(), "4");
  assert.equal((await page.textContent('[data-testid="stat-overdue"] .num')).trim(), "1");
  assert.equal((await page.textContent('[data-testid="stat-week"] .num')).trim(), "1");
  assert.match(await page.textContent('[data-testid="chart-workload"] desc'), /Mo Member: 2 open/);
  await page.screenshot({ path: join(artifacts, "dashboard.png"), fullPage: true });
  // A person's bar opens the board of their work.
  await Promise.all([
    page.waitForURL(/\/board\?assignee=[0-9a-f-]{36}$/),
    page.click('[data-testid="chart-workload"] a text.label:text-is("Mo Member")'),
  ]);
  assert.deepEqual((await cardTitles(page)).sort(), ["Fix the login bug", "Write the docs"]);

  await page.goto(server.url + "/board");
  await waitHydrated(page);
  assert.deepEqual(await cardTitles(page, "IN_REVIEW"), ["Fix the login bug"]);
  assert.deepEqual(await cardTitles(page, "OPEN"), ["Order spare keyboards", "Plan the secret offsite", "Write the docs"]);
  await page.screenshot({ path: join(artifacts, "board.png"), fullPage: true });
});

test("search and filters narrow the board", async () => {
  const { page } = admin;
  await page.goto(server.url + "/board");
  await page.fill("#f-q", "DOCS");
  await Promise.all([page.waitForURL(/q=DOCS/), page.click('form[role="search"] button[type="submit"]')]);
  assert.deepEqual(await cardTitles(page), ["Write the docs"]);
  await page.goto(server.url + "/board?q=offs+SECRET");
  assert.deepEqual(await cardTitles(page), ["Plan the secret offsite"], "every word, each from the start of a title word");
  await page.goto(server.url + "/board?q=ecret");
  assert.equal((await page.textContent('[data-testid="board-empty"]')).trim(), "No task matches these filters.");
  await page.goto(server.url + "/board?priority=HIGH");
  assert.deepEqual(await cardTitles(page), ["Order spare keyboards"]);
  await page.goto(server.url + "/board?due=overdue");
  assert.deepEqual(await cardTitles(page), ["Fix the login bug"]);
  // The assignee filter is typed: part of a name or an email.
  await page.goto(server.url + "/board");
  await page.fill("#f-assignee", "olu");
  await Promise.all([page.waitForURL(/assignee=olu/), page.click('form[role="search"] button[type="submit"]')]);
  assert.deepEqual(await cardTitles(page), ["Plan the secret offsite"]);
  assert.equal(await page.inputValue("#f-assignee"), "olu");
  await page.goto(server.url + "/board?q=nothing-matches-this");
  assert.equal((await page.textContent('[data-testid="board-empty"]')).trim(), "No task matches these filters.");
  const bad = await page.request.post(server.url + "/api/tasks/board", { form: { "query[priority]": "EXTREME" } });
  assert.equal(bad.status(), 400);
});

test("once hydrated, cards move by drag and drop and by keyboard", async () => {
  const { page } = admin;
  await page.goto(server.url + "/board");
  await waitHydrated(page);
  const card = (title) => page.locator('[data-testid="card"]', { hasText: title });
  const id = await card("Order spare keyboards").getAttribute("data-id");
  await inPlace(page, async () => {
    await card("Order spare keyboards").dragTo(page.locator('[data-testid="column-BLOCKED"]'));
    await page.waitForFunction(() => document.querySelector('[data-testid="column-BLOCKED"]')?.textContent.includes("Order spare keyboards"));
    await page.waitForFunction(() => /is now Blocked/.test(document.querySelector('[data-testid="announce"]').textContent));
    await card("Order spare keyboards").focus();
    await page.keyboard.press("Shift+ArrowRight");
    await page.waitForFunction(() => document.querySelector('[data-testid="column-IN_REVIEW"]')?.textContent.includes("Order spare keyboards"));
  });
  assert.deepEqual(await cardTitles(page, "IN_REVIEW"), ["Fix the login bug", "Order spare keyboards"]);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.id), id, "focus follows the moved card");
  // A move the workflow forbids a member is refused, and said why.
  const m = member.page;
  await m.goto(server.url + "/board");
  await waitHydrated(m);
  await m.locator('[data-testid="card"]', { hasText: "Fix the login bug" }).focus();
  await m.keyboard.press("Shift+ArrowLeft");
  assert.equal(await m.textContent('[data-testid="announce"]'), "A task cannot move from In review to Blocked.");
  assert.deepEqual(await cardTitles(m, "IN_REVIEW"), ["Fix the login bug"]);
});

test("a move that loses to a concurrent edit says so and reloads the card", async () => {
  const stale = await browser.newContext();
  const stalePage = await stale.newPage();
  await signIn(server, stalePage, ADMIN.email, ADMIN.password);
  await stalePage.goto(server.url + "/board");
  await waitHydrated(stalePage);
  // Meanwhile someone else moves the same task.
  const { page } = admin;
  await page.goto(server.url + `/tasks/${ids.docs}`);
  await waitHydrated(page);
  await page.selectOption('[data-testid="status-select"]', "IN_PROGRESS");
  await page.click('[data-testid="move-button"]');
  await page.waitForFunction(() => document.querySelector(".task-detail .badge")?.textContent === "In progress");
  // The stale board still shows it as OPEN and tries to block it.
  const staleCard = stalePage.locator('[data-testid="column-OPEN"] [data-testid="card"]', { hasText: "Write the docs" });
  await inPlace(stalePage, async () => {
    await staleCard.locator("select").selectOption("BLOCKED");
    await staleCard.locator('button[type="submit"]').click();
    await stalePage.waitForSelector('[data-testid="form-error"]');
  });
  assert.match(await stalePage.textContent('[data-testid="form-error"]'), /changed by someone else/);
  await stalePage.waitForFunction(() => document.querySelector('[data-testid="column-IN_PROGRESS"]')?.textContent.includes("Write the docs"));
  await stale.close();
});

test("with JavaScript disabled, board and task forms still work", async () => {
  const { ctx, page } = await session(MEMBER, { javaScriptEnabled: false });
  await page.goto(server.url + "/board");
  const card = page.locator('[data-testid="column-IN_PROGRESS"] [data-testid="card"]', { hasText: "Write the docs" });
  await card.locator("select").selectOption("IN_REVIEW");
  await Promise.all([page.waitForLoadState("load"), card.locator('button[type="submit"]').click()]);
  await page.goto(server.url + "/board");
  assert.deepEqual(await cardTitles(page, "IN_REVIEW"), ["Fix the login bug", "Write the docs"]);

  await page.goto(server.url + `/tasks/${ids.docs}`);
  await page.fill("#comment-body", "Posted without JavaScript.");
  await Promise.all([page.waitForLoadState("load"), page.click('#comment-body ~ div button[type="submit"]')]);
  await page.goto(server.url + `/tasks/${ids.docs}`);
  assert.match(await page.textContent('[data-testid="comments"]'), /Posted without JavaScript\./);
  // A refused move comes back as an inline message, not a blank page.
  await page.goto(server.url + `/tasks/${ids.secret}`);
  assert.equal((await page.textContent('[data-testid="page-error"]')).trim(), "Task not found.");
  await ctx.close();
});

test("the admin edits, clears and reassigns; the team page guards the last admin", async () => {
  const { page } = admin;
  await page.goto(server.url + `/tasks/${ids.docs}`);
  await waitHydrated(page);
  await inPlace(page, async () => {
    await page.fill("#e-title", "Write the user docs");
    await page.fill("#e-due", "");
    await page.click('[data-testid="edit-form"] button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-title"]')?.textContent === "Write the user docs");
  });
  assert.equal(await page.title(), "Write the user docs · tasklane");
  assert.equal((await page.textContent('[data-testid="edit-form"] [role="status"]')).trim(), "Saved.");
  assert.doesNotMatch(await page.textContent('[data-testid="task-detail"] .meta'), /Due/);
  await page.locator('[data-testid="assign-form"]').getByLabel("Olu Other").check();
  await page.click('[data-testid="assign-form"] button[type="submit"]');
  await page.waitForFunction(() => /Assigned to: Mo Member, Olu Other|Assigned to: Olu Other, Mo Member/.test(document.querySelector('[data-testid="task-detail"]').textContent));
  assert.match(await page.textContent('[data-testid="activity"]'), /Ada Admin assigned Olu Other/);

  await page.goto(server.url + "/team");
  await waitHydrated(page);
  const adminRow = page.locator('[data-testid="member"][data-email="ada@example.com"]');
  assert.equal(await adminRow.locator('[data-testid="toggle-role"]').isDisabled(), true, "the last admin cannot be demoted");
  assert.match(await page.textContent("main"), /The last admin cannot be demoted/);
  const moRow = page.locator('[data-testid="member"][data-email="mo@example.com"]');
  await inPlace(page, async () => {
    await moRow.locator('[data-testid="toggle-role"]').click();
    await page.waitForFunction(() => document.querySelector('[data-email="mo@example.com"] [data-testid="role"]')?.textContent === "Admin");
  });
  assert.equal(await adminRow.locator('[data-testid="toggle-role"]').isDisabled(), false, "two admins: either may be demoted");
  await moRow.locator('[data-testid="toggle-role"]').click();
  await page.waitForFunction(() => document.querySelector('[data-email="mo@example.com"] [data-testid="role"]')?.textContent === "Member");
});

test("CSV export has every task with assignees, for admins only", async () => {
  const res = await admin.page.request.get(server.url + "/export/tasks.csv");
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-type"], /^text\/csv/);
  const lines = (await res.text()).trim().split("\n");
  assert.equal(lines[0], "id,title,description,status,priority,due,assignees,assignee_emails,created_by,created_at,updated_at,version,checklist_done,checklist,repeat,labels,project");
  assert.equal(lines.length, 5);
  assert.ok(lines.slice(1).every((l) => l.endsWith(",General")), "every task is in the default project");
  assert.ok(lines.some((l) => l.includes("Write the user docs") && l.includes("Mo Member; Olu Other")));
  const denied = await member.page.request.get(server.url + "/export/tasks.csv");
  assert.equal(denied.status(), 403);
});

test("notifications: the bell counts unread ones and they can be marked read", async () => {
  const { page } = other;
  await page.goto(server.url + "/notifications");
  await eventually(async () => {
    await page.reload();
    return (await page.locator('[data-testid="notification"]').count()) >= 2;
  }, "in-app notifications for Olu");
  assert.match(await page.textContent('[data-testid="notifications"]'), /Plan the secret offsite/);
  assert.ok(Number(await page.textContent('[data-testid="bell-count"]')) >= 2);
  await waitHydrated(page);
  await inPlace(page, async () => {
    await page.click('text=Mark all read');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="notification"].unread').length === 0);
    // The bell follows without a reload.
    await page.waitForFunction(() => !document.querySelector('[data-testid="bell-count"]'));
  });
  await page.reload();
  assert.equal(await page.locator('[data-testid="bell-count"]').count(), 0);
});

test("the bell picks up a new notification when the window regains focus", async () => {
  const { page } = other;
  await page.goto(server.url + "/my");
  await waitHydrated(page);
  assert.equal(await page.locator('[data-testid="bell-count"]').count(), 0);
  // Meanwhile the admin comments on a task assigned to Olu.
  await admin.page.goto(server.url + `/tasks/${ids.secret}`);
  await admin.page.fill("#comment-body", "Budget approved.");
  await admin.page.click('#comment-body ~ div button[type="submit"]');
  await admin.page.waitForSelector('[data-testid="comments"] >> text=Budget approved.');
  await inPlace(page, () => eventually(async () => {
    await page.evaluate(() => window.dispatchEvent(new Event("focus")));
    return (await page.locator('[data-testid="bell-count"]').count()) === 1;
  }, "the bell to count the comment"));
  assert.match(await page.getAttribute('[data-testid="bell"]', "aria-label"), /Notifications, [1-9]\d* unread/);
});

test("profile: display name and notification preferences are saved", async () => {
  const { page } = other;
  await page.goto(server.url + "/profile");
  await waitHydrated(page);
  await page.fill("#p-name", "Olu O.");
  await page.uncheck('input[name="prefs[COMMENTED_email]"]');
  await inPlace(page, async () => {
    await page.click('[data-testid="profile-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="profile-form"] .success');
  });
  await page.reload();
  assert.equal(await page.inputValue("#p-name"), "Olu O.");
  assert.equal(await page.isChecked('input[name="prefs[COMMENTED_email]"]'), false);
  assert.equal(await page.isChecked('input[name="prefs[COMMENTED_app]"]'), true);
});

test("keyboard shortcuts: j/k between cards, / to search, ? for help, n for a new task", async () => {
  const { page } = admin;
  await page.goto(server.url + "/board");
  await waitHydrated(page);
  const focused = () => page.evaluate(() => document.activeElement?.dataset.id ?? document.activeElement?.id ?? null);
  const ids = await page.locator('[data-testid="card"]').evaluateAll((cs) => cs.map((c) => c.dataset.id));
  await page.keyboard.press("j");
  assert.equal(await focused(), ids[0]);
  await page.keyboard.press("j");
  assert.equal(await focused(), ids[1]);
  await page.keyboard.press("k");
  assert.equal(await focused(), ids[0]);
  // Shift + → still moves the card j/k landed on.
  await page.keyboard.press("/");
  assert.equal(await focused(), "f-q");
  await page.keyboard.type("j");
  assert.equal(await focused(), "f-q", "typing in a field is text, not a shortcut");
  assert.equal(await page.inputValue("#f-q"), "j");
  await page.keyboard.press("Escape");
  await page.locator("h1").click();
  await page.keyboard.press("?");
  assert.equal(await page.locator('[data-testid="shortcuts-help"]').isVisible(), true);
  await page.keyboard.press("Escape");
  assert.equal(await page.locator('[data-testid="shortcuts-help"]').isVisible(), false);
  // Elsewhere, / goes to the board's search.
  await page.goto(server.url + "/my");
  await waitHydrated(page);
  await Promise.all([page.waitForURL(/\/board#search$/), page.keyboard.press("/")]);
  await waitHydrated(page);
  assert.equal(await focused(), "f-q");
  await page.locator("h1").click();
  await Promise.all([page.waitForURL(/\/tasks\/new$/), page.keyboard.press("n")]);
  // Members have no "new task": n does nothing for them.
  const m = member.page;
  await m.goto(server.url + "/my");
  await waitHydrated(m);
  await m.keyboard.press("n");
  assert.match(m.url(), /\/my$/);
});

test("the board at 375×812 has no horizontal scroll", async () => {
  const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await signIn(server, page, ADMIN.email, ADMIN.password);
  for (const path of ["/board", `/tasks/${ids.login}`, "/dashboard", "/team", "/my"]) {
    await page.goto(server.url + path);
    await waitHydrated(page);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
    }));
    assert.ok(scroll <= client, `${path}: content is ${scroll}px wide in a ${client}px viewport`);
  }
  await page.goto(server.url + "/board");
  await page.screenshot({ path: join(artifacts, "board-mobile.png"), fullPage: true });
  await ctx.close();
});

test("quick-add: a title typed at the top of a column lands in that column, in place, and the field stays ready", async () => {
  const { page } = admin;
  await page.goto(server.url + "/board?sort=title");
  await waitHydrated(page);
  const field = "#quick-in_progress";
  const inColumn = (status, title) =>
    page.waitForFunction(([s, t]) => [...document.querySelectorAll(`[data-testid="column-${s}"] .card-title`)]
      .some((a) => a.textContent.trim() === t), [status, title]);
  await inPlace(page, async () => {
    await page.focus(field);
    await page.keyboard.type("Quick one");
    await page.keyboard.press("Enter");
    await inColumn("IN_PROGRESS", "Quick one");
    await page.waitForFunction((f) => document.querySelector(f).value === "", field);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "quick-in_progress", "focus stays in the field");
    // The next one goes straight in, and a hostile title stays text.
    await page.keyboard.type("</textarea><script>window.__owned=1</script><b>bold</b>");
    await page.keyboard.press("Enter");
    await inColumn("IN_PROGRESS", "</textarea><script>window.__owned=1</script><b>bold</b>");
  });
  assert.match(page.url(), /\/board\?sort=title$/, "the filters are kept");
  assert.equal(await page.evaluate(() => window.__owned), undefined);
  assert.equal(await page.locator('[data-testid="column-IN_PROGRESS"] b').count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "quick-in_progress");

  // Without JavaScript the same form posts and comes back to the board.
  const { ctx, page: plain } = await session(ADMIN, { javaScriptEnabled: false });
  await plain.goto(server.url + "/board");
  await plain.fill("#quick-done", "Already shipped");
  await Promise.all([plain.waitForURL(/\/board$/), plain.click('[data-testid="quick-add-DONE"] button')]);
  assert.ok((await cardTitles(plain, "DONE")).includes("Already shipped"));
  await ctx.close();

  // Members work their tasks; they are offered no quick-add.
  await member.page.goto(server.url + "/board");
  assert.equal(await member.page.locator(".quick-add").count(), 0);
});
