// Accounts on the embedded default: the first user signs up, confirms with
// the code from the dev mailbox, signs in and is the admin; a second user is
// a member; every form also works with JavaScript disabled.
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

async function latestCode(to) {
  const res = await fetch(server.url + "/dev/mailbox.json");
  assert.equal(res.status, 200);
  const text = JSON.stringify(await res.json());
  const all = [...text.matchAll(/confirm your email address: (\d{6})/g)];
  assert.ok(all.length > 0, `no confirmation code for ${to} in ${text.slice(0, 500)}`);
  // Newest first: the first match belongs to the latest sign-up.
  return all[0][1];
}

async function signUpAndConfirm(page, { email, name, password }) {
  await page.goto(server.url + "/signup");
  await page.fill("#su-email", email);
  await page.fill("#su-name", name);
  await page.fill("#su-password", password);
  await Promise.all([page.waitForURL(/\/confirm\?email=/), page.click('form button[type="submit"]')]);
  const code = await latestCode(email);
  await page.fill("#cf-code", code);
  await Promise.all([page.waitForURL(/\/signin\?confirmed=1/), page.click('form button[type="submit"]')]);
  assert.match(await page.textContent('[role="status"]'), /email is confirmed/);
}

async function signIn(page, email, password) {
  await page.fill("#si-email", email);
  await page.fill("#si-password", password);
  await Promise.all([page.waitForURL(server.url + "/"), page.click('form button[type="submit"]')]);
}

test("the first user signs up, confirms from the dev mailbox and is the admin", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signUpAndConfirm(page, { email: "admin@example.com", name: "Ada Admin", password: "Correct-Horse-9" });
  await signIn(page, "admin@example.com", "Correct-Horse-9");
  await waitHydrated(page);
  assert.equal((await page.textContent('[data-testid="whoami"]')).trim(), "admin@example.com (admin)");
  const cookies = await ctx.cookies();
  const access = cookies.find((c) => c.name === "tl_access");
  assert.ok(access?.httpOnly, "session cookie is HttpOnly");
  assert.equal(access.sameSite, "Lax");
  await page.screenshot({ path: join(artifacts, "signed-in.png"), fullPage: true });

  await Promise.all([page.waitForURL(server.url + "/"), page.click('form[action="/api/auth/sign_out"] button')]);
  assert.equal(await page.locator('[data-testid="whoami"]').count(), 0, "signed out");
  await ctx.close();
});

test("with JavaScript disabled: sign-up errors show inline and a member can sign in", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(server.url + "/signup");
  await page.fill("#su-email", "member@example.com");
  await page.fill("#su-name", "Mo Member");
  await page.fill("#su-password", "weakweakweak");
  await Promise.all([page.waitForURL(/\/signup/), page.click('form button[type="submit"]')]);
  assert.match(await page.textContent('[data-testid="form-error"]'), /Choose a stronger password/);

  await signUpAndConfirm(page, { email: "member@example.com", name: "Mo Member", password: "Member-Pass-42" });
  await page.fill("#si-email", "member@example.com");
  await page.fill("#si-password", "not-the-password");
  await Promise.all([page.waitForURL(/\/signin/), page.click('form button[type="submit"]')]);
  assert.equal((await page.textContent('[data-testid="form-error"]')).trim(), "Incorrect email or password.");

  await signIn(page, "member@example.com", "Member-Pass-42");
  assert.equal((await page.textContent('[data-testid="whoami"]')).trim(), "member@example.com");
  await ctx.close();
});

test("an admin deactivates a member: their open session ends at once, sign-in is refused, reactivation lets them back", async () => {
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await admin.goto(server.url + "/signin");
  await signIn(admin, "admin@example.com", "Correct-Horse-9");
  const memberCtx = await browser.newContext();
  const member = await memberCtx.newPage();
  await member.goto(server.url + "/signin");
  await signIn(member, "member@example.com", "Member-Pass-42");
  await member.goto(server.url + "/my");
  assert.equal((await member.textContent('[data-testid="whoami"]')).trim(), "member@example.com");

  await admin.goto(server.url + "/team");
  await waitHydrated(admin);
  const row = '[data-testid="member"][data-email="member@example.com"]';
  assert.equal(await admin.getAttribute(row, "data-active"), "true");
  assert.equal(
    await admin.locator('[data-testid="member"][data-email="admin@example.com"] [data-testid="toggle-active"]').count(),
    0,
    "no button to deactivate yourself",
  );
  await admin.click(`${row} [data-testid="toggle-active"]`);
  await admin.waitForSelector(`${row}[data-active="false"] [data-testid="deactivated"]`);

  await member.goto(server.url + "/my");
  assert.equal(await member.locator('[data-testid="whoami"]').count(), 0, "the member's session ended");
  await member.goto(server.url + "/signin");
  await member.fill("#si-email", "member@example.com");
  await member.fill("#si-password", "Member-Pass-42");
  await member.click('form button[type="submit"]');
  await member.waitForSelector('[data-testid="form-error"]');
  assert.match(await member.textContent('[data-testid="form-error"]'), /deactivated/);

  await admin.click(`${row} [data-testid="toggle-active"]`);
  await admin.waitForSelector(`${row}[data-active="true"]`);
  await member.goto(server.url + "/signin");
  await signIn(member, "member@example.com", "Member-Pass-42");
  assert.equal((await member.textContent('[data-testid="whoami"]')).trim(), "member@example.com");
  await adminCtx.close();
  await memberCtx.close();
});

test("a confirmation code can be sent again, and a known email at sign-up reveals nothing", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url + "/signup");
  await page.fill("#su-email", "admin@example.com");
  await page.fill("#su-name", "Someone Else");
  await page.fill("#su-password", "Another-Pass-42!");
  await Promise.all([page.waitForURL(/\/confirm\?email=/), page.click('form button[type="submit"]')]);
  const mail = JSON.stringify(await (await fetch(server.url + "/dev/mailbox.json")).json());
  assert.match(mail, /Someone tried to create a tasklane account with this email address/);

  await page.goto(server.url + "/signup");
  await page.fill("#su-email", "late@example.com");
  await page.fill("#su-name", "Late Comer");
  await page.fill("#su-password", "Late-Comer-Pass-1");
  await Promise.all([page.waitForURL(/\/confirm\?email=/), page.click('form button[type="submit"]')]);
  const first = await latestCode("late@example.com");
  await Promise.all([page.waitForURL(/resent=1/), page.click('button:has-text("Send a new code")')]);
  assert.match(await page.textContent('[role="status"]'), /new code is on its way/);
  const second = await latestCode("late@example.com");
  await page.fill("#cf-code", second);
  await Promise.all([page.waitForURL(/\/signin\?confirmed=1/), page.click('form button[type="submit"]')]);
  assert.ok(first.length === 6 && second.length === 6);
  await ctx.close();
});
