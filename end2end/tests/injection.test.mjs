// Stored injection in Chromium: breakout payloads for every raw-text
// context (`</title>`, `</textarea>`, `</script>`, `</style>`), SVG and
// event-handler forms go into every user-controlled field that reaches a
// page (task titles, descriptions, checklist items, comments, display
// names, label and project names); every page
// that shows them is opened with JavaScript on and off, and no injected
// script may run while the text shows literally.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, launchBrowser, waitHydrated, signIn, eventually, signUpAll,
} from "../lib.mjs";

let server, browser;
const mark = (where) => `window.__pwned=(window.__pwned||[]).concat('${where}')`;
const TITLE = `</title><script>${mark("title")}</script><img src=x onerror="${mark("title-img")}">`;
const DESC = `</textarea><script>${mark("desc")}</script><svg onload="${mark("desc-svg")}"></style><img src=x onerror="${mark("desc-img")}">`;
const COMMENT = `</script><script>${mark("comment")}</script><svg/onload=${mark("comment-svg")}>`;
const NAME = `</style><script>${mark("name")}</script>`;
// A label name holds at most 40 characters: a breakout with a handler fits.
const LABEL = "</title><img src=x onerror=__pwned=1>";
// A project name holds at most 80 characters, and is a page's title.
const PROJECT = `</title><script>${mark("project")}</script>`;
const CHECK = [`</textarea><script>${mark("check")}</script>`, `<img src=x onerror="${mark("check-img")}">`];
const ADMIN = { email: "ada@example.com", name: `Ada ${NAME}`.slice(0, 100), password: "Correct-Horse-9" };
const MEMBER = { email: "mo@example.com", name: `Mo <img src=x onerror="${mark("member")}">`.slice(0, 100), password: "Member-Pass-42" };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await signUpAll(server, browser, [ADMIN, MEMBER]);
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "server exits 0 on SIGTERM");
});

async function assertInert(page, where) {
  const pwned = await page.evaluate(() => window.__pwned ?? null);
  assert.equal(pwned, null, `an injected script ran on ${where}: ${JSON.stringify(pwned)}`);
}

test("hostile titles, descriptions, comments and names stay text on every page, with and without JavaScript", async () => {
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(server, admin, ADMIN.email, ADMIN.password);
  await admin.goto(server.url + "/labels");
  await waitHydrated(admin);
  await admin.fill("#l-name", LABEL);
  await admin.click('[data-testid="label-create"] button[type="submit"]');
  await admin.waitForSelector('[data-testid="label"]');
  await admin.goto(server.url + "/projects");
  await waitHydrated(admin);
  await admin.fill("#p-name", PROJECT);
  await admin.click('[data-testid="project-create"] button[type="submit"]');
  await admin.waitForSelector('[data-testid="project"][data-name^="</title>"]');
  const projectBoard = await admin.locator('[data-testid="project"][data-name^="</title>"] a').getAttribute("href");
  const projectId = new URL(projectBoard, server.url).searchParams.get("project");
  await admin.goto(server.url + "/tasks/new");
  await waitHydrated(admin);
  await admin.selectOption("#n-project", projectId);
  await admin.locator('[data-testid="label-picker"] input').check();
  await admin.fill("#n-title", TITLE);
  await admin.fill("#n-desc", DESC);
  await admin.fill("#n-checklist", CHECK.join("\n"));
  await admin.getByLabel("mo@example.com", { exact: false }).check();
  await Promise.all([admin.waitForURL(/\/tasks\/[0-9a-f-]{36}$/), admin.click('[data-testid="create-form"] button[type="submit"]')]);
  const taskUrl = admin.url();
  await admin.waitForSelector('[data-testid="task-title"]');

  const memberCtx = await browser.newContext();
  const member = await memberCtx.newPage();
  await signIn(server, member, MEMBER.email, MEMBER.password);
  await member.goto(taskUrl);
  await waitHydrated(member);
  await member.fill("#comment-body", COMMENT);
  await member.click('#comment-body ~ div button[type="submit"]');
  await member.waitForSelector('[data-testid="comments"] .comment-body');
  assert.equal((await member.textContent('[data-testid="comments"] .comment-body')).trim(), COMMENT);
  await eventually(
    async () => (await (await fetch(server.url + "/dev/mailbox.json")).json()).length >= 3,
    "notification mails",
  );

  for (const js of [true, false]) {
    const ctxA = await browser.newContext({ javaScriptEnabled: js });
    const a = await ctxA.newPage();
    await signIn(server, a, ADMIN.email, ADMIN.password);
    const ctxM = await browser.newContext({ javaScriptEnabled: js });
    const m = await ctxM.newPage();
    await signIn(server, m, MEMBER.email, MEMBER.password);
    for (const [page, path] of [
      [a, "/"], [a, new URL(taskUrl).pathname], [a, "/board"], [a, "/my"], [a, "/dashboard"], [a, "/team"],
      [a, "/notifications"], [a, "/profile"], [a, "/labels"], [a, "/projects"], [a, projectBoard],
      [a, `/dashboard?project=${projectId}`], [m, "/"], [m, new URL(taskUrl).pathname], [m, "/board"], [m, "/my"],
      [m, "/notifications"], [m, "/profile"],
    ]) {
      await page.goto(server.url + path);
      if (js) await waitHydrated(page);
      await assertInert(page, `${path} (js ${js})`);
    }
    await m.goto(server.url + "/");
    assert.ok((await m.textContent('[data-testid="home-newly-assigned"]')).includes(TITLE), "the title shows literally at home");
    await assertInert(m, `/ again (js ${js})`);
    await a.goto(taskUrl);
    assert.equal(await a.title(), `${TITLE} · tasklane`, "the title shows literally");
    assert.equal((await a.textContent('[data-testid="task-title"]')).trim(), TITLE);
    assert.equal(await a.inputValue("#e-desc"), DESC, "the description edits literally");
    assert.equal(await a.inputValue("#e-checklist"), CHECK.join("\n"), "the checklist edits literally");
    assert.deepEqual(
      (await a.locator('[data-testid="check-item"] .text').allTextContents()).map((t) => t.trim()),
      CHECK,
      "checklist items show literally",
    );
    assert.match(await a.textContent('[data-testid="task-detail"]'), /<\/script><script>/);
    assert.equal((await a.textContent('[data-testid="task-labels"]')).trim(), LABEL, "the label name shows literally");
    assert.equal((await a.textContent('[data-testid="task-project"] a')).trim(), PROJECT, "the project name shows literally");
    await a.goto(server.url + projectBoard);
    assert.equal(await a.title(), `${PROJECT} · Board · tasklane`, "the project name is the board's title, literally");
    assert.equal((await a.textContent('[data-testid="board-title"]')).trim(), PROJECT);
    await assertInert(a, "the project board again");
    await a.goto(server.url + "/team");
    assert.match(await a.textContent('[data-testid="team"]'), /<\/style><script>/);
    await assertInert(a, "/team again");
    await ctxA.close();
    await ctxM.close();
  }
  await adminCtx.close();
  await memberCtx.close();
});
