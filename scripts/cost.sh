#!/usr/bin/env bash
# Prints the monthly AWS cost of tasklane for 10, 100 and 1,000 active users,
# from the DynamoDB, SNS and SES requests each user action measurably makes
# (server/benches/cost.rs, run against moto on loopback), with the
# assumptions that turn them into a bill. Idempotent; a second run rebuilds
# only what changed. TASKLANE_COST_SCALES=10,100 narrows the team sizes.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
TC=$(site_toolchain)

step "building the cost bench (release profile, shared with the test build)"
(cd "$ROOT" && cargo "+$TC" bench -p server --bench cost --no-run)

step "measuring each action on moto and pricing the month (1,000 users: seeding takes minutes)"
(cd "$ROOT" && bash scripts/with-moto.sh cargo "+$TC" bench -p server --bench cost)
step "done"
