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
# Every permission guard records the AWS actions it lets through here, for
# the unused-permission check below.
export TASKLANE_PERMISSIONS_SEEN="$TASKLANE_HOME/permissions-seen"
rm -rf "$TASKLANE_PERMISSIONS_SEEN" && mkdir -p "$TASKLANE_PERMISSIONS_SEEN"
(cd "$ROOT" && bash scripts/with-moto.sh cargo "+$TC" test --release -p domain -p store -p auth -p app -p server -p notifier -p post-confirmation)

step "every AWS action a Lambda declares was exercised by a test"
python3 "$ROOT/scripts/check-permissions-used.py" "$ROOT/terraform/lambdas.json" "$TASKLANE_PERMISSIONS_SEEN" \
  || die "a Lambda declares an action no test performs: drop it from its Permissions, or test the path that needs it"

step "browser tests (Chromium, release server)"
export TASKLANE_BIN="$CARGO_TARGET_DIR/release/tasklane" LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site"
(cd "$ROOT/end2end" && node --test --test-concurrency=1 tests/)

step "infrastructure checks (HCL, terraform fmt, checkov)"
bash "$ROOT/scripts/check-infra.sh"

step "first-load bytes"
node "$ROOT/scripts/compress.mjs" "$CARGO_TARGET_DIR/site" --report-only
step "all tests passed"
