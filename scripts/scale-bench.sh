#!/usr/bin/env bash
# The scale benchmark (issue #16): the release server on loopback with 2,000
# people and 2,000, 10,000 and 100,000 tasks seeded through the store; prints
# for the board, a member's tasks, a board search, the dashboard and a task
# page the requests a second, p50 and p99 at one and 16 connections, each against
# /healthz in the same run, the server's memory, a 16-connection board soak
# at 10,000 tasks, and the DynamoDB requests per page on moto
# (server/benches/scale.rs). Prints figures; not a test. Idempotent; a second
# run rebuilds only what changed. TASKLANE_SCALE_TASKS=2000,10000 and
# TASKLANE_SCALE_SOAK_SECS=60 narrow a run.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build-site.sh"
TC=$(site_toolchain)

step "building the scale bench (release profile, shared with the test build)"
(cd "$ROOT" && cargo "+$TC" bench -p server --bench scale --no-run)

export TASKLANE_BIN="$CARGO_TARGET_DIR/release/tasklane" LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site"
step "seeding and measuring (about 10 minutes with 100,000 tasks)"
# moto without its per-transaction table snapshot (scripts/moto-fast), so
# seeding 2,000 people and tasks through the store takes seconds a thousand.
(cd "$ROOT" && PYTHONPATH="$ROOT/scripts/moto-fast" bash scripts/with-moto.sh cargo "+$TC" bench -p server --bench scale)
step "done"
