#!/usr/bin/env python3
"""Fails when a Lambda declares an AWS action that no test exercised.

Each function's declared actions (terraform/lambdas.json, written by a Rust
test from the code's `store::Permissions` constants) become its IAM role.
While the test command runs, every permission guard records the actions it
let through (`TASKLANE_PERMISSIONS_SEEN`, one `function action` line per
pair, one file per process). A declared action nobody saw is a grant the
code may no longer need, or a path no test covers: either way, not
something to deploy unnoticed.

  python3 scripts/check-permissions-used.py terraform/lambdas.json SEEN_DIR
"""
import json
import pathlib
import sys


def main(contract_path: str, seen_dir: str) -> int:
    contract = json.loads(pathlib.Path(contract_path).read_text())
    files = sorted(pathlib.Path(seen_dir).glob("*.txt"))
    seen: dict[str, set[str]] = {}
    for f in files:
        for line in f.read_text().splitlines():
            function, _, action = line.partition(" ")
            if action:
                seen.setdefault(function, set()).add(action)
    if not seen:
        print(f"  no guard recorded anything in {seen_dir} ({len(files)} files): "
              "was TASKLANE_PERMISSIONS_SEEN passed to the tests?")
        return 1
    unused = []
    for name, spec in sorted(contract.items()):
        binary = spec["binary"]
        declared = spec["actions"]
        used = seen.get(binary, set())
        missing = [a for a in declared if a not in used]
        print(f"  {binary}: {len(declared) - len(missing)}/{len(declared)} declared actions exercised")
        unused += [f"{binary}: {a}" for a in missing]
    for u in unused:
        print(f"  UNUSED  {u}")
    return 1 if unused else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
