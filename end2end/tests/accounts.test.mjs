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
