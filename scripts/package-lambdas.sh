#!/usr/bin/env bash
# Packages the AWS deployment: every Lambda for arm64 (provided.al2023) as a
# zip, and the site assets staged for S3. Slow (a cold aarch64 build of the
# whole tree), so it is not part of the test command; scripts/deploy.sh
# runs it.
#
#   scripts/package-lambdas.sh
#
# Output, under $DIST (default $TASKLANE_HOME/dist):
#   lambda/lambda-<fn>/bootstrap.zip   one per [[bin]] named lambda-* (what
#                                      terraform's lambda_dist_dir expects);
#                                      the API's also holds hash.txt
#   lambda/hello-lambda/bootstrap.zip  bare lambda_http baseline, size only
#   site/                              pkg/ and public files for S3, without
#                                      the .br/.gz copies (CloudFront
#                                      compresses itself)
# and a size table. cargo-lambda comes from PyPI (scripts/requirements-lambda.txt)
# and cross-links with the zig its wheel brings. The aarch64 build has its
# own target dir ($TASKLANE_HOME/target-aarch64) so it never invalidates the
# host build cache the test command uses.
source "$(dirname "$0")/lib.sh"
DIST="${DIST:-$TASKLANE_HOME/dist}"
LAMBDA_TARGET_DIR="$TASKLANE_HOME/target-aarch64"
TC=$(site_toolchain)

# --- tools ------------------------------------------------------------------------
# The host tools and the wasm32 target the site build needs (idempotent,
# seconds when already there); a fresh machine has neither.
bash "$ROOT/scripts/setup.sh" run
[ -x "$VENV/bin/pip" ] || { step "creating the virtualenv $VENV"; python3 -m venv "$VENV"; }
want=$(grep -E '^cargo-lambda==' "$ROOT/scripts/requirements-lambda.txt" | cut -d= -f3)
# `pip show` fails when the package is absent; under pipefail that must not
# end the script before it installs it.
have=$({ "$VENV/bin/pip" show cargo-lambda 2>/dev/null || true; } | awk '/^Version:/ {print $2}')
if [ "$have" != "$want" ]; then
  step "installing cargo-lambda $want (and zig) into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/scripts/requirements-lambda.txt"
fi
if ! rustup target list --installed 2>/dev/null | grep -q '^aarch64-unknown-linux-gnu$'; then
  step "adding the aarch64-unknown-linux-gnu target to rustup"
  timeout 300 rustup target add aarch64-unknown-linux-gnu \
    || die "could not add aarch64-unknown-linux-gnu (rustup target add aarch64-unknown-linux-gnu)"
fi

# --- site (also writes hash.txt, which the API Lambda needs next to bootstrap) ---
bash "$ROOT/scripts/build-site.sh"
HASH_TXT="$CARGO_TARGET_DIR/release/hash.txt"
[ -s "$HASH_TXT" ] || die "build-site.sh did not write $HASH_TXT"

# --- Lambdas ---------------------------------------------------------------------
mapfile -t BINS < <(cd "$ROOT" && cargo metadata --no-deps --format-version 1 \
  | python3 -c 'import json,sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"] and (t["name"].startswith("lambda-") or t["name"] == "hello-lambda"):
            print(p["name"], t["name"])')
[ ${#BINS[@]} -gt 1 ] || die "no [[bin]] named lambda-* in the workspace"
rm -rf "$DIST/lambda"; mkdir -p "$DIST/lambda"
# The size-tuned profile of the workspace Cargo.toml (opt-level z, fat LTO,
# one codegen unit, stripped): every zip should stay under MAX_ZIP_BYTES.
PROFILE=lambda
MAX_ZIP_BYTES=$((5 * 1024 * 1024))
# The functions log at info and above (their default RUST_LOG): debug and
# trace call sites, ours and the SDK's, hyper's and rustls' alike, are
# compiled out, which is about 100 KB of the API zip. RUST_LOG can still
# raise the level (warn, error) but no longer lower it below info; the
# tests' builds and the local server keep every level. Each function's
# package depends on tracing directly, which the feature syntax needs.
LOG_LEVELS=tracing/release_max_level_info
t0=$(date +%s)
for entry in "${BINS[@]}"; do
  read -r pkg bin <<<"$entry"
  step "cargo lambda build --profile $PROFILE --arm64 --output-format zip -p $pkg --bin $bin --features $LOG_LEVELS"
  # No unwind tables: with the profile's panic = "abort" nothing unwinds,
  # and the tables are about a tenth of each binary (Cargo.toml says why).
  (cd "$ROOT" && CARGO_TARGET_DIR="$LAMBDA_TARGET_DIR" RUSTFLAGS="${RUSTFLAGS:-} -C force-unwind-tables=no" \
    cargo "+$TC" lambda build --profile "$PROFILE" --arm64 \
    --output-format zip --lambda-dir "$DIST/lambda" -p "$pkg" --bin "$bin" --features "$LOG_LEVELS")
  [ -f "$DIST/lambda/$bin/bootstrap.zip" ] || die "expected $DIST/lambda/$bin/bootstrap.zip"
  if [ "$bin" = lambda-api ]; then
    # Leptos reads hash.txt next to the executable to name the hashed bundle.
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[2], "hash.txt")' "$DIST/lambda/$bin/bootstrap.zip" "$HASH_TXT"
  fi
done
build_secs=$(( $(date +%s) - t0 ))


# --- site assets for S3 ---------------------------------------------------------
rm -rf "$DIST/site"; mkdir -p "$DIST/site"
(cd "$CARGO_TARGET_DIR/site" && find . -type f ! -name '*.br' ! -name '*.gz' -print0 \
  | xargs -0 -I{} cp --parents {} "$DIST/site/")

# --- report ------------------------------------------------------------------------
step "packages in $DIST (arm64, profile $PROFILE, build: ${build_secs}s)"
printf '    %-28s %12s %12s\n' package "zip bytes" "bootstrap"
oversize=()
for entry in "${BINS[@]}"; do
  read -r _ bin <<<"$entry"
  zip="$DIST/lambda/$bin/bootstrap.zip"
  size=$(stat -c %s "$zip")
  raw=$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).getinfo("bootstrap").file_size)' "$zip")
  printf '    %-28s %12s %12s\n' "$bin" "$size" "$raw"
  [ "$size" -le "$MAX_ZIP_BYTES" ] || oversize+=("$bin ($size bytes)")
done
printf '    %-28s %12s\n' "site/ (for S3)" "$(du -sb "$DIST/site" | cut -f1)"
# DESIGN.md caps each function zip at 5 MB: a zip that grew past it is a
# regression to fix before it ships, not a warning to scroll past.
# TASKLANE_ALLOW_LARGE_ZIP=1 deploys anyway (Lambda itself accepts 50 MB).
if [ ${#oversize[@]} -gt 0 ]; then
  [ "${TASKLANE_ALLOW_LARGE_ZIP:-0}" = 1 ] \
    || die "zip above $MAX_ZIP_BYTES bytes: ${oversize[*]} (TASKLANE_ALLOW_LARGE_ZIP=1 deploys anyway)"
  printf '\033[1;33mwarning:\033[0m zip above the %s-byte target: %s\n' "$MAX_ZIP_BYTES" "${oversize[*]}" >&2
fi
