// The web benchmark (scripts/web-bench.sh runs it): the release server on
// loopback with seeded data, then per page what a first load transfers, by
// type, as Chromium counts it on the wire (compressed, with headers), and a
// Lighthouse mobile run against the same Chromium. Prints figures; it is not
// a test and fails only if it cannot measure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, launchBrowser, signUp, signIn, waitHydrated } from "../end2end/lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
// Targets (DESIGN.md, issue #14): first-load WASM + JS + CSS, brotli.
const WEIGHT_TARGET = { board: 60 * 1024, other: 40 * 1024 };
const LH_TARGET = { performance: 98, accessibility: 100, lcp: 1500, tbt: 50 };

const ADMIN = { email: "ada@example.com", name: "Ada Admin", password: "Correct-Horse-9" };
const MEMBERS = ["Mo Member", "Olu Other", "Pia Park", "Quinn Quade"].map((name, i) => ({
  email: `member${i}@example.com`, name, password: `Member-Pass-4${i}`,
}));
const TASKS = 60;

function form(pairs) {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

async function post(page, path, pairs) {
  const res = await page.request.post(page.url().replace(/^(https?:\/\/[^/]+).*$/, "$1") + path, {
    data: form(pairs), headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  if (!res.ok()) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** An admin, four members, 60 tasks spread over every status and person. */
async function seed(server, browser) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const u of [ADMIN, ...MEMBERS]) await signUp(server, page, u);
  await signIn(server, page, ADMIN.email, ADMIN.password);
  const team = await post(page, "/api/team/list", []);
  const people = team.members.map((m) => m.person.id);
  const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const priorities = ["LOW", "MEDIUM", "HIGH", "URGENT"];
  const ids = [];
  for (let i = 0; i < TASKS; i++) {
    const assignees = [people[i % people.length], people[(i * 3 + 1) % people.length]];
    const id = await post(page, "/api/tasks/create", [
      ["title", `Task ${i + 1}: ${["Fix", "Write", "Review", "Plan", "Ship"][i % 5]} the ${["login flow", "release notes", "billing page", "onboarding", "search index", "audit log"][i % 6]}`],
      ["description", "Steps, context and links for whoever picks this up. ".repeat(1 + (i % 4))],
      ["priority", priorities[i % 4]],
      ["due", i % 3 === 0 ? "" : day((i % 20) - 5)],
      ...[...new Set(assignees)].map((a) => ["assignees[]", a]),
    ]);
    ids.push(id);
  }
  // Spread over the columns along the workflow.
  const path = ["IN_PROGRESS", "IN_REVIEW", "DONE"];
  for (let i = 0; i < TASKS; i++) {
    const steps = i % 4 === 0 ? ["BLOCKED"] : path.slice(0, i % 4);
    for (const status of steps) {
      const detail = await post(page, "/api/tasks/get", [["id", ids[i]]]);
      await post(page, "/api/tasks/status", [["id", ids[i]], ["version", String(detail.version)], ["status", status]]);
    }
  }
  for (let c = 0; c < 8; c++) {
    await post(page, "/api/tasks/comment", [["id", ids[1]], ["body", `Comment ${c + 1}: an update on where this stands, with enough words to wrap a line or two.`]]);
  }
  await ctx.close();
  return { task: ids[1] };
}

/** A signed-in context's cookies, for a fresh (cold-cache) context and for Lighthouse. */
async function session(server, browser, user) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(server, page, user.email, user.password);
  const state = await ctx.storageState();
  await ctx.close();
  return state;
}

function kind(url, mime, type) {
  if (type === "Document") return "html";
  if (/\.wasm$/.test(url) || mime === "application/wasm") return "wasm";
  if (type === "Script" || /javascript/.test(mime)) return "js";
  if (type === "Stylesheet" || mime === "text/css") return "css";
  return "other";
}

/**
 * Bytes on the wire per type for one cold first load (until the network is
 * idle, nobody touching the page), then what the first use adds (a pointer
 * move, until every island is hydrated): off the board the islands load on
 * first use, so both are printed.
 */
async function transfer(browser, url, state) {
  const ctx = await browser.newContext({ storageState: state });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const seen = new Map();
  let bytes = { html: 0, js: 0, wasm: 0, css: 0, other: 0 };
  cdp.on("Network.responseReceived", (e) => seen.set(e.requestId, kind(e.response.url, e.response.mimeType, e.type)));
  cdp.on("Network.loadingFinished", (e) => { bytes[seen.get(e.requestId) ?? "other"] += e.encodedDataLength; });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  const first = bytes;
  bytes = { html: 0, js: 0, wasm: 0, css: 0, other: 0 };
  if (await page.locator("leptos-island").count()) {
    await waitHydrated(page);
    await page.waitForLoadState("networkidle");
  }
  await ctx.close();
  return { first, use: bytes };
}

function lighthouse(url, state) {
  const out = mkdtempSync(join(tmpdir(), "tasklane-lh-"));
  const headers = join(out, "headers.json");
  const cookie = (state?.cookies ?? []).map((c) => `${c.name}=${c.value}`).join("; ");
  writeFileSync(headers, JSON.stringify(cookie ? { Cookie: cookie } : {}));
  const report = join(out, "report.json");
  const run = spawnSync(join(root, "node_modules", ".bin", "lighthouse"), [
    url, "--output=json", `--output-path=${report}`, "--quiet",
    "--only-categories=performance,accessibility,best-practices",
    `--extra-headers=${headers}`, `--chrome-flags=${CHROME_FLAGS.join(" ")}`,
  ], { env: { ...process.env, CHROME_PATH: process.env.CHROMIUM_PATH || "/usr/bin/chromium" }, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`lighthouse failed on ${url}:\n${run.stderr}`);
  const r = JSON.parse(readFileSync(report, "utf8"));
  const failing = (cat) => r.categories[cat].auditRefs
    .filter((a) => a.weight > 0 && r.audits[a.id].score !== null && r.audits[a.id].score < 1)
    .map((a) => a.id);
  return {
    performance: Math.round(r.categories.performance.score * 100),
    accessibility: Math.round(r.categories.accessibility.score * 100),
    bestPractices: Math.round(r.categories["best-practices"].score * 100),
    lcp: r.audits["largest-contentful-paint"].numericValue,
    tbt: r.audits["total-blocking-time"].numericValue,
    flagged: [...failing("accessibility"), ...failing("best-practices")],
    longTasks: (r.audits["long-tasks"]?.details?.items ?? [])
      .map((t) => `${Math.round(t.duration)} ms at ${Math.round(t.startTime)} ms (${t.url})`),
  };
}

const kb = (n) => (n / 1024).toFixed(1);
const server = await startServer();
const browser = await launchBrowser();
try {
  process.stderr.write("seeding: 1 admin, 4 members, 60 tasks…\n");
  const { task } = await seed(server, browser);
  const admin = await session(server, browser, ADMIN);
  const member = await session(server, browser, MEMBERS[0]);
  const pages = [
    ["sign-in", "/signin", null, "other"],
    ["board", "/board", admin, "board"],
    ["task", `/tasks/${task}`, admin, "other"],
    ["my tasks", "/my", member, "other"],
    ["dashboard", "/dashboard", admin, "other"],
  ];
  // WEB_BENCH_PAGES=board,task measures just those.
  const only = process.env.WEB_BENCH_PAGES?.split(",").map((p) => p.trim());
  const rows = [];
  for (const [name, path, state, target] of pages.filter(([name]) => !only || only.includes(name))) {
    process.stderr.write(`measuring ${name}…\n`);
    const { first: bytes, use } = await transfer(browser, server.url + path, state);
    const lh = lighthouse(server.url + path, state);
    rows.push({
      name, bytes, lh, first: bytes.wasm + bytes.js + bytes.css, target: WEIGHT_TARGET[target],
      use: use.wasm + use.js + use.css + use.other,
    });
  }
  const head = ["page", "html", "js", "wasm", "css", "other", "js+wasm+css", "target", "+ first use", "perf", "a11y", "best", "LCP ms", "TBT ms"];
  const table = [head, ...rows.map((r) => [
    r.name, kb(r.bytes.html), kb(r.bytes.js), kb(r.bytes.wasm), kb(r.bytes.css), kb(r.bytes.other),
    kb(r.first) + (r.first <= r.target ? "" : " !"), "≤ " + kb(r.target), kb(r.use),
    r.lh.performance + (r.lh.performance >= LH_TARGET.performance ? "" : " !"),
    r.lh.accessibility + (r.lh.accessibility >= LH_TARGET.accessibility ? "" : " !"),
    String(r.lh.bestPractices),
    Math.round(r.lh.lcp) + (r.lh.lcp <= LH_TARGET.lcp ? "" : " !"),
    Math.round(r.lh.tbt) + (r.lh.tbt <= LH_TARGET.tbt ? "" : " !"),
  ])];
  const widths = head.map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  console.log("KB transferred on a cold first load (Chromium, compressed, headers included), and what the first use (a pointer move) adds before every island is hydrated; Lighthouse 12.2.3 mobile");
  for (const row of table) console.log(row.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "));
  console.log(`targets: js+wasm+css ≤ 60 KB (board), ≤ 40 KB (others); performance ≥ ${LH_TARGET.performance}, accessibility ${LH_TARGET.accessibility}, LCP ≤ ${LH_TARGET.lcp} ms, TBT ≤ ${LH_TARGET.tbt} ms; "!" marks a miss`);
  for (const r of rows) if (r.lh.flagged.length) console.log(`${r.name}: Lighthouse flags ${r.lh.flagged.join(", ")}`);
  for (const r of rows) if (r.lh.tbt > LH_TARGET.tbt) console.log(`${r.name}: long tasks ${r.lh.longTasks.join("; ")}`);
} finally {
  await browser.close();
  await server.stop();
}
