#!/usr/bin/env bash
# The build driver: what cargo-leptos does, in the few steps this project
# needs, so a fresh machine need not compile cargo-leptos itself (an hour on
# two cores). Produces $CARGO_TARGET_DIR/site and the release server binary.
#   1. frontend -> wasm32 (profile wasm-release: opt z, LTO, 1 CGU, abort)
#   2. wasm-bindgen --target web, then wasm-opt -Oz (npm binaryen 132) and
#      esbuild --minify for the JS glue
#   3. CSS and public/ files copied; js/wasm/css renamed with a content hash
#      and listed in hash.txt next to the server binary (leptos reads it there)
#   4. .br and .gz written beside each asset, for the server to send as-is
#   5. server built in release
source "$(dirname "$0")/lib.sh"
TC=$(site_toolchain)
SITE="$CARGO_TARGET_DIR/site"
PKG="$SITE/pkg"
OUT=tasklane

step "building the WASM bundle (toolchain $TC, profile wasm-release)"
# Panic locations name source files: relative to the registry and the
# checkout, not this machine's paths (shorter, and the same on every machine).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src/= --remap-path-prefix=$ROOT/=" \
  cargo "+$TC" build --profile wasm-release --target wasm32-unknown-unknown -p frontend --lib
WASM_IN="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"

stage="$CARGO_TARGET_DIR/site-stage"
rm -rf "$stage"; mkdir -p "$stage"
step "wasm-bindgen $(wasm-bindgen --version | awk '{print $2}')"
wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name "$OUT" "$WASM_IN"
step "wasm-opt -Oz ($(wasm-opt --version))"
wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$stage/${OUT}_bg.wasm" -o "$stage/$OUT.wasm"
rm "$stage/${OUT}_bg.wasm"
step "esbuild --minify the JS glue ($(esbuild --version))"
esbuild "$stage/$OUT.js" --minify --format=esm --log-level=warning --outfile="$stage/$OUT.min.js"
mv "$stage/$OUT.min.js" "$stage/$OUT.js"
cp "$ROOT/style/main.css" "$stage/$OUT.css"

step "hashing and precompressing assets into $SITE"
rm -rf "$SITE"; mkdir -p "$PKG"
cp -R "$ROOT/public/." "$SITE/"
hashes=""
for ext in js wasm css; do
  h=$(sha256sum "$stage/$OUT.$ext" | cut -c1-16)
  cp "$stage/$OUT.$ext" "$PKG/$OUT.$h.$ext"
  hashes+="$ext: $h"$'\n'
done
node "$ROOT/scripts/compress.mjs" "$SITE"

step "building the server (release)"
cargo "+$TC" build --release -p server --bin tasklane
printf '%s' "$hashes" > "$CARGO_TARGET_DIR/release/hash.txt"
step "site ready: $SITE"
