// Test harness: starts the release server on a free loopback port with a
// fresh data directory, and launches Chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync, readFileSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, "artifacts");
mkdirSync(artifacts, { recursive: true });

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through scripts/test.sh`);
  return v;
}

/** Starts `tasklane` on 127.0.0.1:0 and resolves once it logs its address. */
export async function startServer(extraEnv = {}) {
  const bin = required("TASKLANE_BIN");
  const siteRoot = required("LEPTOS_SITE_ROOT");
  if (!existsSync(bin)) throw new Error(`server binary ${bin} is missing: build it with scripts/build-site.sh`);
  const dataDir = mkdtempSync(join(tmpdir(), "tasklane-e2e-"));
  const child = spawn(bin, [], {
    env: { ...process.env, TASKLANE_ADDR: "127.0.0.1:0", TASKLANE_DATA_DIR: dataDir, LEPTOS_SITE_ROOT: siteRoot,
           TASKLANE_LOG_FORMAT: "json", RUST_LOG: "info", ...extraEnv },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs = [];
  const addr = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.fields?.message === "listening") resolve(rec.fields.addr);
        } catch { /* not JSON: ignore */ }
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening:\n${logs.join("\n")}`)));
  });
  return {
    url: `http://${addr}`,
    dataDir,
    logs,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise((r) => child.on("exit", (code, sig) => r(code ?? sig)));
      child.kill("SIGTERM");
      return done;
    },
  };
}

/**
 * The browser scripts/setup.sh chose (an existing Chromium or Chrome, or
 * Debian's): CHROMIUM_PATH if set, else the path setup.sh recorded under
 * $TASKLANE_HOME, which test.sh's own environment does not carry when setup
 * ran in the same invocation.
 */
function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const home = process.env.TASKLANE_HOME || join(homedir(), ".cache", "tasklane");
  try {
    const recorded = readFileSync(join(home, "chromium-path"), "utf8").trim();
    if (recorded) return recorded;
  } catch { /* setup.sh has not run yet: fall through */ }
  return "/usr/bin/chromium";
}

/**
 * Launches Chromium. Every page of every context is watched: a Content
 * Security Policy violation or an uncaught script error anywhere makes
 * `browser.close()` (each file's `after` hook) fail with the list, so no
 * journey passes while the page is broken or blocked. (Plain console errors
 * are not counted: journeys load 4xx pages and forge refused requests on
 * purpose.)
 */
export async function launchBrowser() {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: run scripts/setup.sh`);
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  const watch = (page) => {
    page.on("pageerror", (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
    page.on("console", (m) => {
      if (/Content.Security.Policy|Refused to (execute|load|apply|connect|frame|evaluate|compile)/i.test(m.text())) {
        problems.push(`CSP violation on ${page.url()}: ${m.text()}`);
      }
    });
  };
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const ctx = await newContext(...args);
    ctx.on("page", watch);
    return ctx;
  };
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close();
    if (problems.length) throw new Error(`the browser saw ${problems.length} problem(s):\n${problems.join("\n")}`);
  };
  browser.problems = problems;
  return browser;
}

/**
 * Waits until every island on the page has hydrated: each one sets its own
 * `data-hydrated="true"` once its code has wired it up. A page without
 * islands never hydrates, so waiting on one fails the test.
 */
let wiggle = 0;
/**
 * Waits until every island on the page is interactive. Off the board the
 * islands load on the visitor's first sign of use, so this first moves the
 * pointer the way a visitor would (to a point it was not at, so the browser
 * sees a move).
 */
export async function waitHydrated(page) {
  wiggle ^= 1;
  await page.mouse.move(2 + wiggle, 2);
  await page.mouse.move(4 + wiggle, 4);
  await page.waitForFunction(() => {
    const islands = [...document.querySelectorAll("[data-hydrated]")];
    return islands.length > 0 && islands.every((i) => i.dataset.hydrated === "true");
  }, null, { timeout: 30_000 });
}

/**
 * Runs `action` and checks the page was updated in place: the document that
 * was there before is still there (a navigation would have dropped the
 * marker). Returns what `action` returned.
 */
export async function inPlace(page, action) {
  await page.evaluate(() => { window.__stayed = true; });
  const result = await action();
  assert.equal(await page.evaluate(() => window.__stayed === true), true, "the page was not reloaded");
  return result;
}

/** The newest confirmation code mailed to `to`, from the dev mailbox. */
export async function latestCode(server, to) {
  const res = await fetch(server.url + "/dev/mailbox.json");
  if (res.status !== 200) throw new Error(`dev mailbox answered ${res.status}`);
  const mails = await res.json();
  const text = JSON.stringify(mails.filter((m) => JSON.stringify(m).includes(to)));
  const found = text.match(/confirm your email address: (\d{6})/);
  if (!found) throw new Error(`no confirmation code for ${to} in ${text.slice(0, 500)}`);
  return found[1];
}

/** Signs up and confirms through the UI (works with or without JS). */
export async function signUp(server, page, { email, name, password }) {
  await page.goto(server.url + "/signup");
  await page.fill("#su-email", email);
  await page.fill("#su-name", name);
  await page.fill("#su-password", password);
  await Promise.all([page.waitForURL(/\/confirm\?email=/), page.click('form button[type="submit"]')]);
  await page.fill("#cf-code", await latestCode(server, email));
  await Promise.all([page.waitForURL(/\/signin\?confirmed=1/), page.click('form button[type="submit"]')]);
}

/**
 * Signs `users` up in order (the first becomes the admin) in a throwaway
 * browser context, so every journey starts from the same team.
 */
export async function signUpAll(server, browser, users) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const u of users) await signUp(server, page, u);
  await ctx.close();
}

/** A browser context signed in as `user`: `{ ctx, page }`. */
export async function openSession(server, browser, user, options = {}) {
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  await signIn(server, page, user.email, user.password);
  return { ctx, page };
}

/** Signs in from the sign-in page and waits for the home page. */
export async function signIn(server, page, email, password) {
  await page.goto(server.url + "/signin");
  await page.fill("#si-email", email);
  await page.fill("#si-password", password);
  await Promise.all([page.waitForURL(server.url + "/"), page.click('form button[type="submit"]')]);
}

/**
 * Resolves once `check()` returns a truthy value; for effects that happen
 * off the request path (the notification worker). Bounded, never a fixed
 * sleep: it returns as soon as the effect is visible.
 */
export async function eventually(check, what, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
