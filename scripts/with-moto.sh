#!/usr/bin/env bash
# Runs a command with moto_server on a free loopback port: exports
# TASKLANE_MOTO_ENDPOINT and dummy AWS settings, stops moto on exit.
# moto's state is shared, so tests isolate themselves by unique names.
source "$(dirname "$0")/lib.sh"
PY="$VENV/bin/python"
[ -x "$VENV/bin/moto_server" ] || die "moto is not installed in $VENV: run scripts/setup.sh"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
LOG="$TASKLANE_HOME/moto.log"
# moto_serial.py: moto with requests handled one at a time (see its docstring).
# The one key pair moto's S3 checks accept (moto_s3_auth.py), and the tests use.
KEY=testing SECRET=testing
TASKLANE_MOTO_ACCESS_KEY=$KEY TASKLANE_MOTO_SECRET_KEY=$SECRET \
  "$PY" "$ROOT/scripts/moto_serial.py" 127.0.0.1 "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true' EXIT INT TERM
export TASKLANE_MOTO_ENDPOINT="http://127.0.0.1:$PORT"
export AWS_ENDPOINT_URL="$TASKLANE_MOTO_ENDPOINT" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$TASKLANE_MOTO_ENDPOINT/moto-api/" 2>/dev/null && break
  kill -0 "$MOTO_PID" 2>/dev/null || die "moto exited: $(tail -5 "$LOG")"
  sleep 0.2
done
curl -fsS -o /dev/null "$TASKLANE_MOTO_ENDPOINT/moto-api/" || die "moto did not answer on $TASKLANE_MOTO_ENDPOINT"
step "moto_server on $TASKLANE_MOTO_ENDPOINT"
"$@"
