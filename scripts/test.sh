#!/usr/bin/env bash
# Runs every test: unit and integration tests (SQLite, moto on loopback), then
# the browser tests against the release server in Chromium. Installs what it
# needs first; a second run is incremental.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
TC=$(site_toolchain)

step "checking formatting"
(cd "$ROOT" && cargo fmt --all --check) || die "run 'cargo fmt --all' and commit the result"

bash "$ROOT/scripts/build-site.sh"

step "cargo test (release profile, shared with the server build)"
(cd "$ROOT" && bash scripts/with-moto.sh cargo "+$TC" test --release -p domain -p store -p auth -p app -p server -p notifier -p post-confirmation)

step "browser tests (Chromium, release server)"
export TASKLANE_BIN="$CARGO_TARGET_DIR/release/tasklane" LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site"
(cd "$ROOT/end2end" && node --test --test-concurrency=1 tests/)

step "infrastructure checks (HCL, terraform fmt, check-infra self-test, code/infra agreement, checkov)"
bash "$ROOT/scripts/check-infra.sh"

step "first-load bytes"
node "$ROOT/scripts/compress.mjs" "$CARGO_TARGET_DIR/site" --report-only
step "all tests passed"
