#!/usr/bin/env bash
# Lists every server function in app/ with its length: the lines of its
# body as rustfmt writes it, between the line that opens it and its closing
# brace (the signature, attribute and doc comment are not counted; this is
# how issue #14 counted "task_detail 59"). Prints one function a line,
# longest first, then the count, the average and the longest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
find app/src -name '*.rs' | sort | xargs awk '
  FNR == 1 { pending = 0; sig = 0; body = 0 }
  /^#\[server/ { pending = 1; next }
  pending && /^pub async fn / {
    name = $0; sub(/^pub async fn /, "", name); sub(/[(<].*/, "", name)
    pending = 0; sig = 1
  }
  sig && /\{$/ { sig = 0; body = FNR + 1; next }
  body && /^}/ {
    printf "%4d  %-24s %s\n", FNR - body, name, FILENAME
    body = 0
  }
' | sort -k1,1nr -k2 | awk '
  { print; n++; total += $1; if ($1 > max) max = $1 }
  END {
    if (n == 0) { print "no server functions found" > "/dev/stderr"; exit 1 }
    printf "%d server functions, %.1f lines on average, longest %d\n", n, total / n, max
  }
'
