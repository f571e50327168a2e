#!/usr/bin/env bash
# The web benchmark: builds the site if needed, starts the release server on
# loopback with seeded data (an admin, four members, 60 tasks), and prints for
# the sign-in, board, task, my-tasks and dashboard pages the bytes a cold
# first load transfers by type (html, js, wasm, css, other) as Chromium
# counts them, and a Lighthouse mobile run (performance, accessibility, best
# practices, LCP, TBT). Prints figures against the targets; not a test.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build-site.sh"
step "web benchmark (Chromium $(timeout 30 "${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null | awk '{print $2}'), Lighthouse $(lighthouse --version))"
export TASKLANE_BIN="$CARGO_TARGET_DIR/release/tasklane" LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site"
node "$ROOT/scripts/web-bench.mjs"
