#!/usr/bin/env bash
# Installs every tool the build and the tests need. Idempotent: each step checks
# first and says what it skipped, so a second run takes seconds.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

# sudo only when not root: containers and this kind of dev box run as root
# without sudo installed; GitHub's runners run as a user with passwordless sudo.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: run scripts/setup.sh as root or install sudo"
  SUDO="sudo"
fi
apt_missing() { local m=(); for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || m+=("$p"); done; echo "${m[@]:-}"; }
apt_install() {
  local missing; missing=$(apt_missing "$@")
  if [ -z "$missing" ]; then step "apt: $* already installed"; return; fi
  command -v apt-get >/dev/null || die "need $missing but apt-get is not available; install them by hand"
  step "apt: installing $missing"
  if [ ! -f "$TASKLANE_HOME/apt-updated" ] || [ -n "$(find "$TASKLANE_HOME/apt-updated" -mmin +1440)" ]; then
    $SUDO apt-get update -q && touch "$TASKLANE_HOME/apt-updated"
  fi
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
}

need_browser="${1:-all}"

# --- Rust toolchain able to build wasm32 --------------------------------------
command -v cargo >/dev/null || die "cargo not found: install rustup from your OS packages first"
if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  step "rust: rustup stable already has wasm32-unknown-unknown"
  echo stable > "$TASKLANE_HOME/toolchain"
elif [ -z "$(cat "$TASKLANE_HOME/toolchain" 2>/dev/null)" ] && timeout 180 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
  step "rust: added wasm32-unknown-unknown to rustup stable"
  echo stable > "$TASKLANE_HOME/toolchain"
else
  # rustup cannot download the target here: build std for wasm32 from Debian's
  # rust-web sources once, and link that toolchain into rustup as "debweb".
  apt_install rustc-web cargo-web rust-web-src lld-22
  sysroot_lib=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  if ! ls "$sysroot_lib"/libstd-*.rlib >/dev/null 2>&1; then
    step "rust: building std for wasm32-unknown-unknown (one time, a few minutes)"
    work="$TASKLANE_HOME/wasm-std"; rm -rf "$work"; mkdir -p "$work/src"
    printf '[package]\nname = "wasmstd"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n[profile.release]\npanic = "abort"\n' > "$work/Cargo.toml"
    : > "$work/src/lib.rs"
    (cd "$work" && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 RUSTUP_TOOLCHAIN='' CARGO_TARGET_DIR="$work/target" /usr/bin/cargo build --release \
      --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
    $SUDO mkdir -p "$sysroot_lib"
    find "$work/target/wasm32-unknown-unknown/release/deps" -name '*.rlib' ! -name 'libwasmstd-*' \
      -exec $SUDO cp {} "$sysroot_lib/" \;
  else
    step "rust: wasm32 std already in $sysroot_lib"
  fi
  if ! rustup toolchain list | grep -q '^debweb'; then
    step "rust: linking /usr as rustup toolchain debweb"
    rustup toolchain link debweb /usr
  fi
  echo debweb > "$TASKLANE_HOME/toolchain"
fi
TC=$(site_toolchain)

# --- wasm-bindgen, pinned to Cargo.lock ----------------------------------------
wbg=$(locked_version wasm-bindgen)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$wbg" ]; then
  step "wasm-bindgen $wbg already installed"
else
  step "installing wasm-bindgen-cli $wbg (one time, several minutes)"
  # Not --locked: the registry here lacks one of its locked dependencies.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_TARGET_DIR="$TASKLANE_HOME/install-target" \
    cargo "+$TC" install wasm-bindgen-cli --version "$wbg" --root "$TOOLS" --force
fi

# --- npm tools: wasm-opt (binaryen 132; Debian's 108 breaks the bundle),
# esbuild (minifies the JS glue), playwright-core, and Lighthouse 12.2.3 for
# scripts/web-bench.sh (13 needs Node 22); pinned in package.json and
# package-lock.json
command -v npm >/dev/null || apt_install nodejs npm
stamp="$ROOT/node_modules/.tasklane-stamp"
want=$(cat "$ROOT/package.json" "$ROOT/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  step "npm: node_modules up to date"
else
  step "npm: installing build and browser-test tools"
  (cd "$ROOT" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
  echo "$want" > "$stamp"
fi

[ "$need_browser" = "run" ] && { step "setup done (toolchain: $TC)"; exit 0; }

# --- test-only tools: a Chromium for the browser tests, moto for AWS on loopback
# Any Chromium or Chrome that runs will do, so a machine that has one installs
# nothing: GitHub's ubuntu-24.04 image unpacks Chromium into
# /usr/local/share/chromium (linked as /usr/bin/chromium) and installs Google
# Chrome, while Ubuntu's own `chromium` deb is only a snap stub. Elsewhere
# Debian's chromium package is the fallback. The choice is written to
# $CHROMIUM_FILE, which scripts/lib.sh and end2end/lib.mjs read, so the tests
# launch the same binary.
CHROMIUM_FILE="$TASKLANE_HOME/chromium-path"
browser_runs() { [ -x "$1" ] && timeout 30 "$1" --version 2>/dev/null | grep -qiE 'chromium|chrome'; }
find_browser() {
  local c
  for c in "$(cat "$CHROMIUM_FILE" 2>/dev/null || true)" \
      /usr/local/share/chromium/chrome-linux/chrome \
      "$(command -v chromium || true)" "$(command -v chromium-browser || true)" \
      "$(command -v google-chrome || true)" "$(command -v google-chrome-stable || true)"; do
    if [ -n "$c" ] && browser_runs "$c"; then echo "$c"; return 0; fi
  done
  return 1
}
# An explicit CHROMIUM_PATH (not the one lib.sh read back from $CHROMIUM_FILE)
# is the user's choice: use it or stop, never silently pick another.
if [ -n "${CHROMIUM_PATH:-}" ] && [ "$CHROMIUM_PATH" != "$(cat "$CHROMIUM_FILE" 2>/dev/null || true)" ]; then
  browser_runs "$CHROMIUM_PATH" || die "CHROMIUM_PATH=$CHROMIUM_PATH does not run ($CHROMIUM_PATH --version failed): point it at a Chromium or Chrome binary, or unset it"
  browser="$CHROMIUM_PATH"
elif ! browser=$(find_browser); then
  apt_install chromium || die "no Chromium or Chrome found and apt could not install Debian's chromium: install one and set CHROMIUM_PATH"
  browser=/usr/bin/chromium
  browser_runs "$browser" || die "$browser was installed but does not run ($browser --version)"
fi
[ "$(cat "$CHROMIUM_FILE" 2>/dev/null || true)" = "$browser" ] || echo "$browser" > "$CHROMIUM_FILE"
step "browser: $browser ($(timeout 30 "$browser" --version 2>/dev/null | head -1))"
apt_install python3-venv curl
if [ -x "$VENV/bin/moto_server" ] && [ "$(cat "$VENV/.stamp" 2>/dev/null)" = "$(sha256sum "$ROOT/scripts/requirements-test.txt" | cut -c1-16)" ]; then
  step "python: test tools already installed"
else
  step "python: installing test tools into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/scripts/requirements-test.txt"
  sha256sum "$ROOT/scripts/requirements-test.txt" | cut -c1-16 > "$VENV/.stamp"
fi
step "setup done (toolchain: $TC)"
