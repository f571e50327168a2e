// Writes .br and .gz beside each compressible file under a directory, and
// prints the first-load transfer size (WASM + JS + CSS) per encoding.
// Usage: node compress.mjs <site-dir> [--report-only]
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const [dir, flag] = process.argv.slice(2);
if (!dir) { console.error("usage: compress.mjs <site-dir> [--report-only]"); process.exit(2); }
const compressible = new Set([".js", ".wasm", ".css", ".svg", ".html", ".txt", ".json"]);
const firstLoad = new Set([".js", ".wasm", ".css"]);

function* walk(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* walk(p); else yield p;
  }
}

const rows = [];
for (const file of walk(dir)) {
  const ext = extname(file);
  if (!compressible.has(ext)) continue;
  const raw = readFileSync(file);
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  const gz = gzipSync(raw, { level: 9 });
  if (flag !== "--report-only") { writeFileSync(file + ".br", br); writeFileSync(file + ".gz", gz); }
  if (firstLoad.has(ext)) rows.push({ file: file.slice(dir.length + 1), raw: raw.length, gzip: gz.length, brotli: br.length });
}
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + " KB";
console.log("first-load assets".padEnd(44) + "     raw".padStart(11) + "    gzip".padStart(11) + "  brotli".padStart(11));
const total = { raw: 0, gzip: 0, brotli: 0 };
for (const r of rows.sort((a, b) => a.file.localeCompare(b.file))) {
  console.log(r.file.padEnd(44) + kb(r.raw) + kb(r.gzip) + kb(r.brotli));
  for (const k of Object.keys(total)) total[k] += r[k];
}
console.log("TOTAL".padEnd(44) + kb(total.raw) + kb(total.gzip) + kb(total.brotli));
