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

# One moto_server for every AWS test, on a free loopback port; tests isolate
# themselves by unique table/pool/topic names.
MOTO_LOG="$TASKLANE_HOME/moto.log"
MOTO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
step "starting moto_server on 127.0.0.1:$MOTO_PORT"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" > "$MOTO_LOG" 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1 && break
  kill -0 $MOTO_PID 2>/dev/null || die "moto_server exited: $(tail -5 "$MOTO_LOG")"
  sleep 0.2
done
curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null || die "moto_server did not answer on port $MOTO_PORT"
export TASKLANE_MOTO_ENDPOINT="http://127.0.0.1:$MOTO_PORT"

step "cargo test (release profile, shared with the server build)"
(cd "$ROOT" && cargo "+$TC" test --release -p domain -p store -p app -p server -p notifier)

step "browser tests (Chromium, release server)"
export TASKLANE_BIN="$CARGO_TARGET_DIR/release/tasklane" LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site"
(cd "$ROOT/end2end" && node --test --test-concurrency=1 tests/)

step "first-load bytes"
node "$ROOT/scripts/compress.mjs" "$CARGO_TARGET_DIR/site" --report-only
step "all tests passed"
