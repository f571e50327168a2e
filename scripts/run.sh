#!/usr/bin/env bash
# Builds and runs tasklane locally on the embedded default at
# http://127.0.0.1:3000, with data under ./data. Extra flags go to the server
# (see `--help`); every flag also has an environment variable.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh" run
bash "$ROOT/scripts/build-site.sh"
step "starting tasklane on http://${TASKLANE_ADDR:-127.0.0.1:3000} (Ctrl-C stops it)"
cd "$ROOT"
exec "$CARGO_TARGET_DIR/release/tasklane" --site-root "$CARGO_TARGET_DIR/site" "$@"
