#!/usr/bin/env bash
# Infrastructure checks, run by the test command and CI:
#   1. every .tf file parses with python-hcl2 (syntax errors fail);
#   2. `terraform fmt -check -recursive terraform/` if a terraform binary is on
#      PATH (offline-safe; `init`/`validate`/`plan` need provider downloads
#      and run in CI instead: .github/workflows/ci.yml, deploy.yml);
#   3. checkov on terraform/ (only inline, justified skips).
# Every step runs and prints what it found; the exit status is non-zero if
# any step failed.
#
# Code and Terraform agree by construction, not by this script: a Rust test
# writes each Lambda's actions and environment to terraform/lambdas.json
# (and fails when the committed file is stale), Terraform builds the roles
# and checks each function's environment from it at plan time, and the test
# command fails on a declared action no test exercised
# (scripts/check-permissions-used.py).
source "$(dirname "$0")/lib.sh"

PY="$VENV/bin/python"
[ -x "$PY" ] || die "no test virtualenv at $VENV: run scripts/setup.sh first"

# python-hcl2 and checkov cannot share a site-packages: checkov depends on
# bc-python-hcl2, a fork that installs the same top-level `hcl2` package, so
# installing both into one venv overwrites files of one with the other. The
# current python-hcl2 therefore lives in its own --target directory, put on
# PYTHONPATH for the parse step only; checkov stays in the venv.
HCL2_VERSION=8.1.4
HCL2_DIR="$TASKLANE_HOME/python-hcl2-$HCL2_VERSION"
if [ ! -f "$HCL2_DIR/.ok" ]; then
  step "installing python-hcl2 $HCL2_VERSION into $HCL2_DIR"
  rm -rf "$HCL2_DIR"
  "$VENV/bin/pip" install -q --disable-pip-version-check --target "$HCL2_DIR" "python-hcl2==$HCL2_VERSION"
  touch "$HCL2_DIR/.ok"
fi
PYHCL() { PYTHONPATH="$HCL2_DIR${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$@"; }

failed=()

step "parsing every .tf file with python-hcl2 $HCL2_VERSION"
if ! PYHCL - "$ROOT/terraform" <<'PYEOF'
import sys, pathlib, hcl2
bad = 0
n = 0
for top in sys.argv[1:]:
    for f in sorted(pathlib.Path(top).rglob("*.tf")):
        if ".terraform" in f.parts:
            continue
        n += 1
        try:
            with f.open() as fh:
                hcl2.load(fh)
        except Exception as e:
            bad += 1
            print(f"  FAIL  {f}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
print(f"  {n} files parsed, {bad} with syntax errors")
sys.exit(1 if bad else 0)
PYEOF
then failed+=("HCL syntax"); fi

if command -v terraform >/dev/null; then
  step "terraform fmt -check -recursive (terraform $(terraform version 2>/dev/null | head -1 | awk '{print $2}'))"
  if ! terraform fmt -check -recursive -diff "$ROOT/terraform" 2>/dev/null; then
    failed+=("terraform fmt (run: terraform fmt -recursive terraform)")
  else
    echo "  formatted"
  fi
else
  step "terraform not on PATH: skipping terraform fmt -check (CI runs it)"
fi

step "checkov on terraform/ (inline skips carry their reasons)"
if [ -x "$VENV/bin/checkov" ]; then
  ck_json="$TASKLANE_HOME/checkov.json"
  env -u PYTHONPATH "$VENV/bin/checkov" -d "$ROOT/terraform" --framework terraform --compact \
    --skip-download --download-external-modules false -o json > "$ck_json" 2>"$ck_json.err" \
    && ck_rc=0 || ck_rc=$?
  "$PY" - "$ck_json" <<'PYEOF' || { cat "$ck_json.err"; ck_rc=1; }
import json, sys
d = json.load(open(sys.argv[1]))
d = d if isinstance(d, list) else [d]
for r in d:
    s = r.get("summary", {})
    res = r.get("results", {})
    for c in res.get("failed_checks", []):
        print(f"  FAIL  {c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']}:{c['file_line_range'][0]})")
    for c in res.get("skipped_checks", []):
        print(f"  skip  {c['check_id']} on {c['resource']}: {c.get('check_result', {}).get('suppress_comment', '')}")
    print(f"  checkov: passed={s.get('passed')} failed={s.get('failed')} skipped={s.get('skipped')}")
PYEOF
  [ "$ck_rc" -eq 0 ] || failed+=("checkov")
else
  echo "  checkov is not installed in $VENV (scripts/requirements-test.txt lists it; run scripts/setup.sh)"
  failed+=("checkov missing")
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '\033[1;31mcheck-infra failed:\033[0m %s\n' "$(IFS=';'; echo "${failed[*]}")" >&2
  exit 1
fi
step "infrastructure checks passed"
