# shellcheck shell=bash
# Shared by the README commands: where caches live, how to print progress,
# which toolchain builds the site. Sourced, never run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Everything slow to rebuild lives outside the clone, so a fresh clone (and CI
# on the same machine) reuses it.
TASKLANE_HOME="${TASKLANE_HOME:-$HOME/.cache/tasklane}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$TASKLANE_HOME/target}"
TOOLS="$TASKLANE_HOME/tools"
VENV="$TASKLANE_HOME/venv"
export PATH="$TOOLS/bin:$ROOT/node_modules/.bin:$VENV/bin:$PATH"
mkdir -p "$TASKLANE_HOME" "$TOOLS/bin"
# Exported so node (end2end/lib.mjs) finds the same cache directory.
export TASKLANE_HOME
# The browser scripts/setup.sh chose; an explicit CHROMIUM_PATH wins.
if [ -z "${CHROMIUM_PATH:-}" ] && [ -s "$TASKLANE_HOME/chromium-path" ]; then
  CHROMIUM_PATH="$(cat "$TASKLANE_HOME/chromium-path")"
  export CHROMIUM_PATH
fi

_t0=$(date +%s)
step() { printf '\033[1;34m==>\033[0m [%4ss] %s\n' "$(( $(date +%s) - _t0 ))" "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The toolchain that can build wasm32-unknown-unknown: rustup's stable where the
# target is installable, else Debian's rustc-web linked as "debweb".
site_toolchain() {
  if [ -f "$TASKLANE_HOME/toolchain" ]; then cat "$TASKLANE_HOME/toolchain"; else echo stable; fi
}

locked_version() { # crate name -> version in Cargo.lock
  awk -v n="$1" '$0=="name = \""n"\"" {getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock"
}
