// Invitations in Chromium, with sign-up by invitation: an admin invites an
// address from the Team page, the link is read from the dev mailbox, the
// invitee opens it, signs up and confirms, and lands as a member; the used
// link then answers 404, and an uninvited sign-up is refused with the
// reason. Hostile text (the admin's name, the address) stays text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, launchBrowser, waitHydrated, eventually, signUpAll, openSession, latestCode,
} from "../lib.mjs";

let server, browser, admin;
const ADMIN = { email: "ada@example.com", name: "Ada <b>Admin</b>", password: "Correct-Horse-9" };
const INVITEE = { email: "eve@example.com", name: "Eve Invited", password: "Invited-Pass-42" };

before(async () => {
  server = await startServer({ TASKLANE_SIGNUP: "invite" });
  browser = await launchBrowser();
  // Before any admin exists sign-up is open: the first account is the admin.
  await signUpAll(server, browser, [ADMIN]);
  admin = await openSession(server, browser, ADMIN);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function invitationMail(to) {
  const res = await fetch(server.url + "/dev/mailbox.json");
  const mails = await res.json();
  return mails.find((m) => m.to === to && m.subject.includes("invited you"));
}

test("an uninvited sign-up is refused with the reason", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url + "/signup");
  await page.fill("#su-email", "stranger@example.com");
  await page.fill("#su-name", "Stranger");
  await page.fill("#su-password", "Stranger-Pass-42");
  await page.click('form button[type="submit"]');
  const alert = page.locator('[data-testid="form-error"]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /invitation only/);
  assert.doesNotMatch(page.url(), /\/confirm/);
  await ctx.close();
});

test("an admin invites, and the invitation accepted makes a member", async () => {
  const { page } = admin;
  await page.goto(server.url + "/team");
  await page.waitForSelector('[data-testid="no-invitations"]');
  assert.equal(await page.getAttribute('[data-testid="signup-mode"]', "data-mode"), "invite");
  await waitHydrated(page);
  await page.fill("#invite-email", INVITEE.email);
  await page.click('[data-testid="invite-form"] button[type="submit"]');
  const row = page.locator(`[data-testid="pending-invitation"][data-email="${INVITEE.email}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /expires \d{4}-\d{2}-\d{2}/);

  // The worker mails the link, with its expiry.
  const mail = await eventually(() => invitationMail(INVITEE.email), "the invitation email");
  assert.match(mail.text, /The link works until/);
  const link = mail.text.match(/(http:\/\/[^\s]+\/invite\/[0-9a-f]{64})/)[1];
  assert.ok(link.startsWith(server.url));
  assert.doesNotMatch(mail.html, /<b>Admin<\/b>/, "the inviter's name is escaped in the mail");

  // The invitee opens it in their own browser, signs up and confirms.
  const ctx = await browser.newContext();
  const guest = await ctx.newPage();
  await guest.goto(link);
  await guest.waitForSelector('[data-testid="invitation"]');
  assert.equal(await guest.textContent('[data-testid="invitee"]'), INVITEE.email);
  assert.equal(await guest.textContent('[data-testid="inviter"]'), ADMIN.name, "the name is text, not markup");
  await guest.fill("#iv-name", INVITEE.name);
  await guest.fill("#iv-password", INVITEE.password);
  await Promise.all([guest.waitForURL(/\/confirm\?email=/), guest.click('[data-testid="invite-signup"] button[type="submit"]')]);
  await guest.fill("#cf-code", await latestCode(server, INVITEE.email));
  await Promise.all([guest.waitForURL(/\/signin\?confirmed=1/), guest.click('form button[type="submit"]')]);
  await guest.fill("#si-email", INVITEE.email);
  await guest.fill("#si-password", INVITEE.password);
  await Promise.all([guest.waitForURL(server.url + "/"), guest.click('form button[type="submit"]')]);
  // A member: no Team page for them.
  const me = await (await guest.request.post(server.url + "/api/auth/me")).json();
  assert.equal(me.email, INVITEE.email);
  assert.equal(me.is_admin, false);
  const team = await guest.goto(server.url + "/team");
  assert.equal(team.status(), 403);

  // The link is used up.
  const again = await guest.goto(link);
  assert.equal(again.status(), 404);
  await guest.waitForSelector('[data-testid="page-error"]');
  assert.match(await guest.textContent('[data-testid="page-error"]'), /already used/);
  await ctx.close();

  // The admin sees a member, and no pending invitation.
  await page.goto(server.url + "/team");
  await page.waitForSelector(`[data-testid="member"][data-email="${INVITEE.email}"]`);
  await page.waitForSelector('[data-testid="no-invitations"]');
});

test("an admin re-sends and revokes; the revoked link stops working", async () => {
  const { page } = admin;
  // Markup-looking text a browser's email field still accepts: unescaped,
  // "&lt" would render as "<" (HTML's legacy entities need no ";").
  const email = "bob&lt'x@example.com";
  await page.goto(server.url + "/team");
  await waitHydrated(page);
  await page.fill("#invite-email", email);
  await page.click('[data-testid="invite-form"] button[type="submit"]');
  const row = page.locator('[data-testid="pending-invitation"]').filter({ hasText: "bob" });
  await row.waitFor();
  assert.match(await row.textContent(), /bob&lt'x@example\.com/, "the address is text, not an entity");
  const first = await eventually(() => invitationMail(email), "the first invitation");
  await row.locator('[data-testid="resend-invitation"]').click();
  const second = await eventually(async () => {
    const res = await fetch(server.url + "/dev/mailbox.json");
    const mails = (await res.json()).filter((m) => m.to === email && m.subject.includes("invited you"));
    return mails.length === 2 ? mails[0] : null;
  }, "the re-sent invitation");
  const linkOf = (m) => m.text.match(/(http:\/\/[^\s]+\/invite\/[0-9a-f]{64})/)[1];
  assert.notEqual(linkOf(first), linkOf(second));
  assert.equal((await fetch(linkOf(first))).status, 404, "the replaced link");
  assert.equal((await fetch(linkOf(second))).status, 200);
  await page.locator('[data-testid="pending-invitation"]').filter({ hasText: "bob" })
    .locator('[data-testid="revoke-invitation"]').click();
  await page.waitForSelector('[data-testid="no-invitations"]');
  assert.equal((await fetch(linkOf(second))).status, 404, "the revoked link");
});
