#!/usr/bin/env bash
# Prints the monthly AWS cost of tasklane for 10, 100 and 1,000 active users,
# from the DynamoDB, SNS and SES requests each user action measurably makes
# (server/benches/cost.rs, run against moto on loopback), with the
# assumptions that turn them into a bill. Idempotent; a second run rebuilds
# only what changed. TASKLANE_COST_SCALES=10,100 picks the team sizes.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
TC=$(site_toolchain)

step "building the cost bench (release profile, shared with the test build)"
(cd "$ROOT" && cargo "+$TC" bench -p server --bench cost --no-run)

# moto snapshots the whole table (stream records included) with deepcopy for
# every item of every TransactWriteItems, to roll back on a malformed one;
# with hundreds of people's tasks seeded a write takes longer than the
# router's 30 s request timeout. The measured writes are well-formed, so this
# run's moto skips the snapshot (scripts/moto-fast/sitecustomize.py, loaded
# only by this moto process).
SHIM="$ROOT/scripts/moto-fast"

# 1,000 people measure in about 13 minutes (15 for all three sizes): the
# pages and writes in minutes, and the reminders run's downstream, 3-4 s
# a reminder on moto at that table size, is measured on a sample and scaled
# (server/benches/cost.rs, REMINDER_SAMPLE).
export TASKLANE_COST_SCALES="${TASKLANE_COST_SCALES:-10,100,1000}"
step "measuring each action on moto for teams of $TASKLANE_COST_SCALES and pricing the month (about 15 minutes)"
(cd "$ROOT" && PYTHONPATH="$SHIM" bash scripts/with-moto.sh cargo "+$TC" bench -p server --bench cost)
step "done"
