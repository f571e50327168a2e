#!/usr/bin/env python3
"""Infrastructure agrees with code: compares the Rust Lambda binaries with the
Terraform that deploys them. Reads the CODE (Cargo.toml files and Rust
sources), never a hand-written list of what the binaries need.

Usage:
  python3 scripts/check-infra.py              # the real repository
  python3 scripts/check-infra.py --self-test  # proves the check fails/passes on fixtures
  python3 scripts/check-infra.py --root DIR --terraform DIR [--no-routes]

Needs python-hcl2 (>= 7, which keeps quotes and comments) on sys.path;
scripts/check-infra.sh provides it.

CONVENTIONS (what the check relies on)
--------------------------------------
Binaries. Every `[[bin]]` of a workspace member whose name starts with
  `lambda-` is a Lambda. Bin `lambda-<fn>` (e.g. lambda-api,
  lambda-post-confirmation) is deployed by
    * `module "fn_<fn, '-' as '_'>"` in terraform/environments/dev/*.tf,
      whose `zip_path` names `<fn>` (…/lambda-<fn>/bootstrap.zip) and whose
      `role_arn` is `module.iam.role_arns["<fn>"]`;
    * `data "aws_iam_policy_document" "<fn, '-' as '_'>"` in
      terraform/modules/iam/*.tf, the role's only policy.
  A `fn_*` module without a matching bin is reported as a missing binary.

Attribution to one binary (what it links, approximated from the source):
  * files: the bin's own file and the `mod` files it declares; of its own
    crate's library, src/lib.rs plus the top-level modules reachable by
    name (`<crate>::m`, `crate::m`, `super::m`, `m::`), transitively; of
    every workspace crate it depends on ([dependencies], transitively), the
    whole library (src/**/*.rs minus src/main.rs and src/bin/);
  * within those files, FUNCTIONS: everything in the bin's own files, then
    every library `fn` whose name appears as an identifier in reached code
    (calls, and functions passed as values), transitively. Name-based, so it
    over-approximates (reaching `new` reaches every `fn new`) but never
    misses a function the binary calls; env reads and SDK calls count only
    inside reached functions, so `store`'s operations and `notifier`'s
    variables are charged to the binaries that can reach them, not to
    every binary linking the crate.
  Removed before scanning: `#[cfg(test)]` items and any item (fn, impl, mod,
  statement block) directly preceded by the marker comment
      // infra-check: not-deployed
  (use it on local-only code such as a create_table used by tests).
  Features and cfg(feature) are NOT evaluated: code behind a feature counts.

Environment variables read (each must be set in the function's
  `environment` map), in reached functions:
  * env::var("X"), env::var_os("X");
  * a read through a string const `const X_CONST: &str = "X"`:
    env::var(X_CONST), std::env::var(env::X_CONST), and any function whose
    name contains var/env/required/optional called with the const alone:
    required_env(env::TABLE), required(env::X), optional(env::Y);
  * any function or macro whose name contains `env` called with a string
    literal first argument: env_var!("X"), required_env("X"), …
    (compile-time `env!`/`option_env!` and `.env(...)` method calls are not
    reads at run time and are ignored);
  * clap `env = "X"` attributes in the bin's own files.
  Optional (listed, not required): reads through a function whose name
  starts with `optional`, reads on a line carrying (or directly below)
  `// infra-check: optional`, and clap args with a `default_value`.
  Variables the Lambda runtime provides or that are optional by nature are
  allowed without being set: see RUNTIME_ENV.

AWS actions: DECLARED, in code, once per binary, as
      const NAME: Permissions = Permissions::new("lambda-<fn>", &["dynamodb:Query", …]);
  (store::Permissions, anywhere in the workspace's sources). The binary
  builds every SDK client through it; its PermissionGuard interceptor
  refuses any undeclared call at run time, and the moto tests use the same
  constants, so a declaration too narrow for the code fails a test. The
  check requires: exactly one declaration per bin, used by reached code;
  no SDK client (`aws_sdk_*::Client::new`, `Client::from_conf`) built in
  reached code without an `.interceptor(` in the same function; and every
  declared action performed by reached code -- fluent SDK calls `.op()`
  named in SDK_OPS (counted only when the statement mentions `client` or
  `.send()`, so `uri.query()` is not DynamoDB Query) and the transaction
  builders TransactWriteItem::builder().put/update/delete/condition_check,
  which IAM authorises as PutItem/UpdateItem/DeleteItem/ConditionCheckItem.
  Actions reachable but undeclared are listed (the guard refuses them).
  Cognito's public APIs (SignUp, InitiateAuth, …) need no IAM permission.

The role: every non-"Platform" statement's actions must be exactly the
  declared actions (missing -> fail; extra -> fail), on the resource
  variable for that service (RESOURCE_VARS), never "*". Statements whose sid
  starts with "Platform" must be in PLATFORM and be needed by this function
  (see `platform_needed`).

Wildcards: every `*` in an IAM action/resource/principal/condition value or
  a Lambda permission source_arn, in any .tf file, needs a comment containing
  `wildcard:` with the reason, on the same line or above it in the same block.

Routes (skipped with --no-routes or when there is no modules/cdn): CloudFront
  sends `/<site_pkg_dir>/*` and every file of public/ to S3, the default
  behaviour to the API origin with every method; no app route or server
  function path is shadowed by an S3 behaviour; API Gateway has the
  `$default` route, the `$default` stage and a payload 2.0 proxy integration
  to fn_api.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

try:
    import hcl2  # python-hcl2 >= 7
except ImportError:  # pragma: no cover - reported clearly below
    hcl2 = None

# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

# SDK method -> IAM actions. An empty list: the API needs no IAM permission.
SDK_OPS: dict[str, list[str]] = {
    # DynamoDB
    "get_item": ["dynamodb:GetItem"],
    "put_item": ["dynamodb:PutItem"],
    "update_item": ["dynamodb:UpdateItem"],
    "delete_item": ["dynamodb:DeleteItem"],
    "query": ["dynamodb:Query"],
    "scan": ["dynamodb:Scan"],
    "batch_get_item": ["dynamodb:BatchGetItem"],
    "batch_write_item": ["dynamodb:BatchWriteItem"],
    "transact_get_items": ["dynamodb:GetItem"],
    "transact_write_items": [],  # authorised per item: see TRANSACT_ITEMS
    "create_table": ["dynamodb:CreateTable"],
    "delete_table": ["dynamodb:DeleteTable"],
    "describe_table": ["dynamodb:DescribeTable"],
    "wait_until_table_exists": ["dynamodb:DescribeTable"],
    "update_time_to_live": ["dynamodb:UpdateTimeToLive"],
    "describe_stream": ["dynamodb:DescribeStream"],
    "get_records": ["dynamodb:GetRecords"],
    "get_shard_iterator": ["dynamodb:GetShardIterator"],
    "list_streams": ["dynamodb:ListStreams"],
    # SNS
    "publish": ["sns:Publish"],
    "publish_batch": ["sns:Publish"],
    # SES v2
    "send_email": ["ses:SendEmail"],
    "send_bulk_email": ["ses:SendBulkEmail"],
    # SQS
    "send_message": ["sqs:SendMessage"],
    "receive_message": ["sqs:ReceiveMessage"],
    "delete_message": ["sqs:DeleteMessage"],
    # Cognito, admin APIs (IAM-authorised)
    "admin_add_user_to_group": ["cognito-idp:AdminAddUserToGroup"],
    "admin_remove_user_from_group": ["cognito-idp:AdminRemoveUserFromGroup"],
    "admin_list_groups_for_user": ["cognito-idp:AdminListGroupsForUser"],
    "admin_get_user": ["cognito-idp:AdminGetUser"],
    "admin_create_user": ["cognito-idp:AdminCreateUser"],
    "admin_delete_user": ["cognito-idp:AdminDeleteUser"],
    "admin_disable_user": ["cognito-idp:AdminDisableUser"],
    "admin_enable_user": ["cognito-idp:AdminEnableUser"],
    "admin_update_user_attributes": ["cognito-idp:AdminUpdateUserAttributes"],
    "admin_user_global_sign_out": ["cognito-idp:AdminUserGlobalSignOut"],
    "admin_confirm_sign_up": ["cognito-idp:AdminConfirmSignUp"],
    "admin_initiate_auth": ["cognito-idp:AdminInitiateAuth"],
    "list_users": ["cognito-idp:ListUsers"],
    "list_users_in_group": ["cognito-idp:ListUsersInGroup"],
    # Cognito public APIs: called with the user's own credentials or none,
    # so no IAM permission exists or is needed.
    "sign_up": [],
    "confirm_sign_up": [],
    "resend_confirmation_code": [],
    "initiate_auth": [],
    "respond_to_auth_challenge": [],
    "forgot_password": [],
    "confirm_forgot_password": [],
    "change_password": [],
    "global_sign_out": [],
    "revoke_token": [],
    "get_user": [],
}

# TransactWriteItem::builder().<x>(...) -> IAM action
TRANSACT_ITEMS = {
    "put": "dynamodb:PutItem",
    "update": "dynamodb:UpdateItem",
    "delete": "dynamodb:DeleteItem",
    "condition_check": "dynamodb:ConditionCheckItem",
}

# service prefix -> the Terraform variable its resources must reference
RESOURCE_VARS = {
    "dynamodb": "var.table_arn",
    "sns": "var.topic_arn",
    "ses": "var.ses_identity_arn",
    "cognito-idp": "var.user_pool_arn",
    "sqs": "_dlq_arn",
}

# Provided by the Lambda runtime, or optional by nature.
RUNTIME_ENV_EXACT = {
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",  # optional: only set for moto/local runs
    "_HANDLER", "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    "TZ", "LANG", "PATH", "LD_LIBRARY_PATH", "HOME",
    "RUST_LOG", "RUST_BACKTRACE",  # optional, sensible defaults in code
}
RUNTIME_ENV_PREFIXES = ("AWS_LAMBDA_", "AWS_XRAY_", "AWS_ENDPOINT_URL_")

# Statements the Lambda platform needs regardless of the code.
PLATFORM = {
    "PlatformLogs": {"logs:CreateLogStream", "logs:PutLogEvents"},
    "PlatformXRay": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    "PlatformTableKey": {"kms:Decrypt", "kms:DescribeKey"},
    "PlatformTopicKey": {"kms:Decrypt", "kms:GenerateDataKey"},
    "PlatformStreamRead": {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
    "PlatformStreamList": {"dynamodb:ListStreams"},
    "PlatformFailureDestination": {"sqs:SendMessage"},
}
# Attributes of the dev environment's module blocks that wire a function into
# a platform feature: attribute name -> feature.
WIRING = {
    "stream_consumer_function_name": "stream",
    "email_function_name": "async_failure_destination",
}

NOT_DEPLOYED = "infra-check: not-deployed"
OPTIONAL = "infra-check: optional"
WILDCARD_REASON = "wildcard:"
IAM_KEYS = {
    "actions", "not_actions", "resources", "not_resources", "identifiers",
    "values", "Action", "NotAction", "Resource", "NotResource", "Principal",
    "AWS", "source_arn",
}
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------
class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def section(self, title: str) -> None:
        print(f"\n== {title}")

    def ok(self, msg: str) -> None:
        print(f"  ok    {msg}")

    def info(self, msg: str) -> None:
        print(f"  info  {msg}")

    def fail(self, msg: str) -> None:
        self.problems.append(msg)
        print(f"  FAIL  {msg}")


# --------------------------------------------------------------------------
# Rust source handling
# --------------------------------------------------------------------------
def _block_end(text: str, start: int) -> int:
    """Index just past the item starting at `start`: its matching `}` or the
    first `;` at depth 0. Skips string literals and comments roughly."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == ";" and depth == 0:
            return i + 1
        i += 1
    return n


def strip_items(text: str) -> str:
    """Blanks `#[cfg(test)]` items and items after the not-deployed marker
    (keeping line numbers)."""
    pattern = re.compile(r"#\[cfg\(test\)\]|//[^\n]*" + re.escape(NOT_DEPLOYED) + r"[^\n]*")
    out = text
    pos = 0
    while True:
        m = pattern.search(out, pos)
        if not m:
            return out
        end = _block_end(out, m.end())
        blank = re.sub(r"[^\n]", " ", out[m.start():end])
        out = out[: m.start()] + blank + out[end:]
        pos = m.start() + 1


def strip_comments(text: str) -> str:
    """Removes // and /* */ comments, keeps strings and line structure."""
    res = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            res.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            res.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            res.append(text[i: j + 1])
            i = j + 1
        else:
            res.append(text[i])
            i += 1
    return "".join(res)


@dataclass
class Source:
    path: Path
    raw: str  # after strip_items, with comments (for `optional` markers)
    code: str  # after strip_items and strip_comments


def load_source(path: Path) -> Source:
    raw = strip_items(path.read_text(encoding="utf-8", errors="replace"))
    return Source(path, raw, strip_comments(raw))


@dataclass
class Crate:
    name: str
    dir: Path
    manifest: dict
    deps: list[str] = field(default_factory=list)  # workspace crate names

    @property
    def ident(self) -> str:
        return self.name.replace("-", "_")


@dataclass
class Bin:
    name: str
    crate: Crate
    path: Path

    @property
    def fn(self) -> str:
        return self.name[len("lambda-"):]


def load_workspace(root: Path) -> tuple[dict[str, Crate], list[Bin]]:
    top = tomllib.loads((root / "Cargo.toml").read_text())
    ws = top.get("workspace", {})
    members = ws.get("members", [])
    ws_deps = ws.get("dependencies", {})
    crates: dict[str, Crate] = {}
    for m in members:
        for d in sorted(root.glob(m)):
            mf = d / "Cargo.toml"
            if not mf.is_file():
                continue
            man = tomllib.loads(mf.read_text())
            name = man.get("package", {}).get("name", d.name)
            crates[name] = Crate(name, d, man)
    by_dir = {c.dir.resolve(): c.name for c in crates.values()}
    for c in crates.values():
        for key, spec in c.manifest.get("dependencies", {}).items():
            spec = spec if isinstance(spec, dict) else {}
            pkg = spec.get("package", key)
            path = spec.get("path")
            if spec.get("workspace"):
                w = ws_deps.get(key, {})
                w = w if isinstance(w, dict) else {}
                pkg = w.get("package", pkg)
                path = w.get("path")
                if path:
                    path = str(root / path)
            elif path:
                path = str(c.dir / path)
            if path and Path(path).resolve() in by_dir:
                c.deps.append(by_dir[Path(path).resolve()])
            elif pkg in crates and path:
                c.deps.append(pkg)
    bins = []
    for c in crates.values():
        for b in c.manifest.get("bin", []):
            n = b.get("name", "")
            if n.startswith("lambda-"):
                p = c.dir / b.get("path", f"src/bin/{n}.rs")
                bins.append(Bin(n, c, p))
    return crates, sorted(bins, key=lambda b: b.name)


def module_files(src: Path, parent_file: Path, code: str) -> list[Path]:
    """Files of the `mod x;` declarations in `code` (a file at parent_file)."""
    files = []
    if parent_file.name in ("lib.rs", "main.rs", "mod.rs") or parent_file.parent.name == "bin":
        base = parent_file.parent
    else:
        base = parent_file.parent / parent_file.stem
    for m in re.finditer(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code, re.M):
        for cand in (base / f"{m.group(1)}.rs", base / m.group(1) / "mod.rs"):
            if cand.is_file():
                files.append(cand)
                break
    return files


def tree(start: Path, src: Path) -> list[Path]:
    """start and every module file declared below it."""
    out, todo, seen = [], [start], set()
    while todo:
        f = todo.pop()
        if f in seen or not f.is_file():
            continue
        seen.add(f)
        out.append(f)
        todo.extend(module_files(src, f, load_source(f).code))
    return out


def files_for_bin(b: Bin, crates: dict[str, Crate]) -> list[Path]:
    crate = b.crate
    src = crate.dir / "src"
    files = list(tree(b.path, src))
    lib = src / "lib.rs"
    if lib.is_file():
        lib_code = load_source(lib).code
        top_mods = {}
        for m in re.finditer(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", lib_code, re.M):
            for cand in (src / f"{m.group(1)}.rs", src / m.group(1) / "mod.rs"):
                if cand.is_file():
                    top_mods[m.group(1)] = cand
                    break
        bin_code = "\n".join(load_source(f).code for f in files)
        if re.search(rf"\b{crate.ident}::", bin_code):
            files.append(lib)  # lib root items (router, AppState, ...)
            reached: set[str] = set()
            frontier = [bin_code, lib_code]
            while frontier:
                code = frontier.pop()
                for name, path in top_mods.items():
                    if name in reached:
                        continue
                    uses = re.search(
                        rf"(?:\b{crate.ident}::|\bcrate::|\bsuper::|[^:\w]){name}::|"
                        rf"\b{crate.ident}::\{{[^}}]*\b{name}\b",
                        code,
                    )
                    if uses:
                        reached.add(name)
                        sub = tree(path, src)
                        files.extend(sub)
                        frontier.extend(load_source(f).code for f in sub)
    # workspace dependencies, transitively: whole libraries
    seen: set[str] = set()
    todo = list(crate.deps)
    while todo:
        name = todo.pop()
        if name in seen or name not in crates:
            continue
        seen.add(name)
        dep = crates[name]
        dsrc = dep.dir / "src"
        for f in sorted(dsrc.rglob("*.rs")):
            rel = f.relative_to(dsrc)
            if rel.parts[0] == "bin" or rel == Path("main.rs"):
                continue
            files.append(f)
        todo.extend(dep.deps)
    uniq, seen_f = [], set()
    for f in files:
        if f.resolve() not in seen_f:
            seen_f.add(f.resolve())
            uniq.append(f)
    return uniq


ENV_PATTERNS = [
    re.compile(r"\benv::var(?:_os)?\s*\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\""),
    re.compile(r"\benv\s*=\s*\"([A-Za-z_][A-Za-z0-9_]*)\""),
]
ENV_FN = re.compile(r"(?<![.\w])(\w*env\w*)\s*(!?)\s*\(\s*\"([A-Z_][A-Z0-9_]*)\"")
ENV_CONST_READ = re.compile(r"\benv::var(?:_os)?\s*\(\s*(?:&\s*)?([A-Z_][A-Z0-9_]*)\s*\)")
CONST_STR = re.compile(r"\bconst\s+([A-Z_][A-Z0-9_]*)\s*:\s*&(?:'static\s+)?str\s*=\s*\"([^\"]+)\"")


@dataclass
class Usage:
    env: dict[str, tuple[str, bool]]  # name -> (where, optional)
    actions: dict[str, str]  # IAM action -> where
    uses_index: bool


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def is_optional(raw: str, pos: int) -> bool:
    lines = raw.splitlines()
    ln = line_of(raw, pos) - 1
    here = lines[ln] if ln < len(lines) else ""
    above = lines[ln - 1] if ln > 0 else ""
    return OPTIONAL in here or OPTIONAL in above


# --------------------------------------------------------------------------
# Per-binary attribution: what the binary can reach, what it declares
# --------------------------------------------------------------------------
FN_ITEM = re.compile(r"\bfn\s+([a-z_][a-z0-9_]*)\s*(?:<[^{;]*?>)?\s*\(")
IDENT = re.compile(r"\b[a-z_][a-z0-9_]*\b")
PERMISSIONS_DECL = re.compile(
    r"(?:const|static)\s+([A-Z_][A-Z0-9_]*)\s*:\s*(?:[\w:]*::)?Permissions\s*=\s*"
    r"(?:[\w:]*::)?Permissions::new\(\s*\"([^\"]+)\"\s*,\s*&\[([^\]]*)\]",
    re.S,
)
# A read of an env var through a const: `required(env::TABLE)`,
# `optional(env::X)`, `std::env::var(env::LOG_FORMAT)`, `required_env(X)`.
ENV_CALL = re.compile(
    r"(?<![\w.])((?:std::)?(?:env::)?[a-z_]*(?:var|var_os|required|optional|env)[a-z_]*)\s*\(\s*&?\s*"
    r"(?:[a-z_][\w]*::)*([A-Z_][A-Z0-9_]*)\s*\)"
)
# SDK client constructors: every client a deployed binary builds must carry
# the permission guard (store::Permissions), so these must not appear in
# the code a Lambda reaches unless an `.interceptor(` is in the same function.
RAW_CLIENT = re.compile(r"\baws_sdk_\w+::Client::(?:new|from_conf)\s*\(|\bClient::from_conf\s*\(")


@dataclass
class FnItem:
    name: str
    source: Source
    start: int
    end: int

    @property
    def code(self) -> str:
        return self.source.code[self.start:self.end]


# A `#[server(...)]` attribute right before a function (see `reach`).
SERVER_FN_ATTR = re.compile(r"#\[server\b[^\]]*\]\s*(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?$")
# The shared router (server/src/lib.rs) that serves every server function.
ROUTER_FN = "router"


def fn_items(src: Source) -> list[FnItem]:
    out = []
    code = src.code
    for m in FN_ITEM.finditer(code):
        # skip the parameter list (it may hold `[u8; 4]`), then the body
        # starts at the first `{` unless a `;` ends a bodiless declaration
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[i], 0)
            i += 1
        brace = code.find("{", i)
        semi = code.find(";", i)
        if brace < 0 or 0 <= semi < brace:
            continue  # a declaration without a body (trait method)
        out.append(FnItem(m.group(1), src, m.start(), _block_end(code, brace)))
    return out


@dataclass
class Reach:
    fns: list[FnItem]
    roots: list[Source]  # the bin's own files: everything in them counts

    def chunks(self):
        """(source, start, text) of every piece of reached code."""
        for s in self.roots:
            yield s, 0, s.code
        for f in self.fns:
            if f.source in self.roots:
                continue
            yield f.source, f.start, f.code


def reach(b: Bin, files: list[Path]) -> Reach:
    """The functions a binary can reach: its own files, then, transitively,
    every function of the scanned library files whose name appears as an
    identifier in reached code (calls, and functions passed as values).
    Name-based, so it over-approximates (every `fn new` is reached once
    `new` is used) but never misses a function the binary calls."""
    sources = {f: load_source(f) for f in files}
    own = [sources[f] for f in tree(b.path, b.crate.dir / "src") if f in sources]
    by_name: dict[str, list[FnItem]] = {}
    for f, s in sources.items():
        if s in own:
            continue
        for item in fn_items(s):
            by_name.setdefault(item.name, []).append(item)
    # Leptos server functions are never called by name on the server: the
    # `#[server]` macro registers them, and the shared router serves every
    # registered one. So a binary that reaches `router` reaches them all.
    server_fns = [
        item
        for items in by_name.values()
        for item in items
        if SERVER_FN_ATTR.search(item.source.code[max(0, item.start - 300):item.start])
    ]
    reached: list[FnItem] = []
    seen_names: set[str] = set()
    todo = [s.code for s in own]
    while todo:
        code = todo.pop()
        for ident in set(IDENT.findall(code)):
            if ident in seen_names or ident not in by_name:
                continue
            seen_names.add(ident)
            for item in by_name[ident]:
                reached.append(item)
                todo.append(item.code)
            if ident == ROUTER_FN:
                for item in server_fns:
                    if item not in reached:
                        reached.append(item)
                        todo.append(item.code)
    return Reach(reached, own)


def declared_permissions(root: Path, crates: dict[str, Crate]) -> dict[str, list[tuple[str, list[str], str]]]:
    """bin name -> [(const name, actions, where)] from every
    `Permissions::new("lambda-x", &[...])` in the workspace's sources."""
    out: dict[str, list[tuple[str, list[str], str]]] = {}
    for c in crates.values():
        for f in sorted((c.dir / "src").rglob("*.rs")):
            s = load_source(f)
            for m in PERMISSIONS_DECL.finditer(s.code):
                actions = re.findall(r"\"([^\"]+)\"", m.group(3))
                where = f"{f.relative_to(root)}:{line_of(s.code, m.start())}"
                out.setdefault(m.group(2), []).append((m.group(1), actions, where))
    return out


def scan_reach(r: Reach, files: list[Path], root: Path) -> Usage:
    """Env reads and possible AWS actions in the reached code."""
    all_sources = [load_source(f) for f in files]
    consts: dict[str, str] = {}
    for s in all_sources:
        for m in CONST_STR.finditer(s.code):
            consts.setdefault(m.group(1), m.group(2))
    env: dict[str, tuple[str, bool]] = {}
    actions: dict[str, str] = {}
    uses_index = False

    def add_env(name: str, s: Source, pos: int, opt: bool) -> None:
        where = f"{s.path.relative_to(root)}:{line_of(s.code, pos)}"
        opt = opt or is_optional(s.raw, pos)
        if name not in env or (env[name][1] and not opt):
            env[name] = (where, opt)

    for s, base, code in r.chunks():
        for m in ENV_PATTERNS[0].finditer(code):
            add_env(m.group(1), s, base + m.start(), False)
        for m in ENV_FN.finditer(code):
            fname, bang = m.group(1), m.group(2)
            if (fname in ("env", "option_env") and bang) or fname == "var":
                continue
            add_env(m.group(3), s, base + m.start(), fname.startswith("optional"))
        for m in ENV_CALL.finditer(code):
            fname = m.group(1).rsplit("::", 1)[-1]
            if m.group(2) in consts and re.fullmatch(r"[A-Z][A-Z0-9_]*", consts[m.group(2)]):
                add_env(consts[m.group(2)], s, base + m.start(), fname.startswith("optional"))
        for m in re.finditer(r"\.([a-z_]+)\(\s*\)", code):
            op = m.group(1)
            if op not in SDK_OPS:
                continue
            before = code.rfind(";", max(0, m.start() - 600), m.start())
            stmt_start = max(0, m.start() - 600) if before < 0 else before
            stmt_end = code.find(";", m.end())
            stmt_end = len(code) if stmt_end < 0 else min(stmt_end, m.end() + 3000)
            stmt = code[stmt_start:stmt_end]
            if "client" not in stmt and ".send()" not in stmt and ".wait(" not in stmt:
                continue
            for a in SDK_OPS[op]:
                actions.setdefault(a, f"{s.path.relative_to(root)}:{line_of(s.code, base + m.start())} .{op}()")
        for m in re.finditer(r"TransactWriteItem::builder\(\)\s*\.(put|update|delete|condition_check)\s*\(", code):
            a = TRANSACT_ITEMS[m.group(1)]
            actions.setdefault(a, f"{s.path.relative_to(root)}:{line_of(s.code, base + m.start())} transaction {m.group(1)}")
        if re.search(r"\.index_name\s*\(", code):
            uses_index = True
    # clap `env = "X"` attributes sit on struct fields, not in functions:
    # taken from the files of the bin's own crate that the bin reaches.
    for s in r.roots:
        for m in ENV_PATTERNS[1].finditer(s.code):
            line = s.code.splitlines()[line_of(s.code, m.start()) - 1]
            add_env(m.group(1), s, m.start(), "default_value" in line)
    return Usage(env, actions, uses_index)


def unguarded_clients(r: Reach, root: Path) -> list[str]:
    out = []
    for s, base, code in r.chunks():
        for m in RAW_CLIENT.finditer(code):
            # the function (or bin file) must install an interceptor
            if ".interceptor(" in code:
                continue
            out.append(f"{s.path.relative_to(root)}:{line_of(s.code, base + m.start())}")
    return out


def runtime_provided(name: str) -> bool:
    return name in RUNTIME_ENV_EXACT or name.startswith(RUNTIME_ENV_PREFIXES)


# --------------------------------------------------------------------------
# Terraform handling
# --------------------------------------------------------------------------
def unq(v):
    if isinstance(v, str) and len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        return v[1:-1]
    return v


def norm(obj):
    """Strips quotes from keys and string values, drops __is_block__ etc."""
    if isinstance(obj, dict):
        return {unq(k): norm(v) for k, v in obj.items() if k not in ("__is_block__", "__comments__", "__inline_comments__")}
    if isinstance(obj, list):
        return [norm(x) for x in obj]
    return unq(obj)


def load_tf_dir(d: Path) -> dict[str, list]:
    merged: dict[str, list] = {}
    for f in sorted(d.glob("*.tf")):
        with f.open() as fh:
            data = norm(hcl2.load(fh))
        for k, v in data.items():
            merged.setdefault(k, []).extend(v if isinstance(v, list) else [v])
    return merged


def blocks(tf: dict, kind: str, type_: str | None = None) -> dict[str, dict]:
    """{name: body} for `module "name"` or `resource/data "type" "name"`."""
    out = {}
    for entry in tf.get(kind, []):
        for k, v in entry.items():
            if type_ is None:
                out[k] = v
            elif k == type_:
                for name, body in v.items():
                    out[name] = body
    return out


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def check_wildcards(tf_root: Path, rep: Report) -> None:
    rep.section("wildcards in IAM actions/resources (need a `wildcard:` comment)")
    count = 0
    for f in sorted(tf_root.rglob("*.tf")):
        if ".terraform" in f.parts:
            continue
        lines = f.read_text().splitlines()
        open_key = None
        for i, line in enumerate(lines):
            code = re.sub(r"\s(#|//).*$", "", line)
            km = re.match(r'\s*"?([A-Za-z_]+)"?\s*=\s*(.*)$', code)
            if km:
                key, rest = km.group(1), km.group(2)
                open_key = key if rest.strip().startswith("[") and "]" not in rest else None
            elif code.strip().startswith("]"):
                open_key = None
            key_here = km.group(1) if km else open_key
            strings = re.findall(r'"((?:[^"\\]|\\.)*)"', km.group(2) if km else code)
            if key_here not in IAM_KEYS or not any("*" in s for s in strings):
                continue
            count += 1
            ok = WILDCARD_REASON in line
            j = i - 1
            while not ok and j >= 0:
                prev = lines[j].strip()
                if prev.startswith(("#", "//")):
                    if WILDCARD_REASON in prev:
                        ok = True
                    j -= 1
                    continue
                if prev.endswith("{") or prev in ("}", "},", "]", "],") or prev == "":
                    break
                j -= 1
            where = f"{f.relative_to(tf_root.parent)}:{i + 1}"
            if ok:
                rep.ok(f"{where}: {line.strip()[:90]}")
            else:
                rep.fail(f"{where}: `*` without a `{WILDCARD_REASON}` justification comment: {line.strip()}")
    if count == 0:
        rep.info("no wildcards found")


def stmt_list(doc: dict) -> list[dict]:
    return as_list(doc.get("statement"))


def check_functions(root: Path, tf_root: Path, rep: Report) -> None:
    crates, bins = load_workspace(root)
    env_dir = tf_root / "environments" / "dev"
    env_tf = load_tf_dir(env_dir)
    iam_tf = load_tf_dir(tf_root / "modules" / "iam")
    modules = blocks(env_tf, "module")
    fn_modules = {k[3:].replace("_", "-"): (k, v) for k, v in modules.items() if k.startswith("fn_")}
    docs = blocks(iam_tf, "data", "aws_iam_policy_document")
    declarations = declared_permissions(root, crates)

    rep.section("Lambda binaries (Cargo.toml [[bin]] named lambda-*) and Terraform functions")
    bin_names = {b.fn for b in bins}
    for b in bins:
        where = f"{b.crate.dir.relative_to(root)}/Cargo.toml"
        if b.fn in fn_modules:
            rep.ok(f"bin {b.name} ({where}) -> module.{fn_modules[b.fn][0]}")
        else:
            rep.fail(f"bin {b.name} ({where}) has no Terraform function: add module \"fn_{b.fn.replace('-', '_')}\" to {env_dir.relative_to(tf_root.parent)}")
        if not b.path.is_file():
            rep.fail(f"bin {b.name}: source file {b.path.relative_to(root)} does not exist")
    for fn, (mod, _) in sorted(fn_modules.items()):
        if fn not in bin_names:
            rep.fail(f"module.{mod} deploys lambda-{fn}, but no workspace crate has a [[bin]] named lambda-{fn} (binary missing)")

    # wiring of platform features, from the environment's module blocks
    wired: dict[str, set[str]] = {}
    for mname, body in modules.items():
        for attr, feature in WIRING.items():
            v = str(body.get(attr, ""))
            m = re.search(r"module\.fn_(\w+)\.", v)
            if m:
                wired.setdefault(m.group(1).replace("_", "-"), set()).add(feature)

    for b in bins:
        if b.fn not in fn_modules or not b.path.is_file():
            continue
        mod, body = fn_modules[b.fn]
        rep.section(f"lambda-{b.fn}  <->  module.{mod} + data.aws_iam_policy_document.{b.fn.replace('-', '_')}")
        files = files_for_bin(b, crates)
        r = reach(b, files)
        rep.info("scanned: " + ", ".join(str(f.relative_to(root)) for f in files))
        reached_files = sorted({str(f.source.path.relative_to(root)) for f in r.fns} | {str(x.path.relative_to(root)) for x in r.roots})
        rep.info(f"reached: {len(r.fns)} functions in " + ", ".join(reached_files))
        usage = scan_reach(r, files, root)
        for where in unguarded_clients(r, root):
            rep.fail(f"{where}: an AWS SDK client built without the permission guard (store::Permissions) in code lambda-{b.fn} reaches")

        # the declaration: one Permissions::new("lambda-<fn>", &[...])
        decls = declarations.get(b.name, [])
        if len(decls) != 1:
            rep.fail(f"lambda-{b.fn} must declare its AWS actions exactly once with store::Permissions::new(\"{b.name}\", &[...]); found {len(decls)}: {[d[2] for d in decls]}")
            continue
        const_name, declared_list, decl_where = decls[0]
        declared = set(declared_list)
        rep.info(f"declared at {decl_where} ({const_name}): {', '.join(declared_list) or '(nothing)'}")
        code_text = "\n".join(c for _, _, c in r.chunks())
        if not re.search(rf"\b{const_name}\b", code_text):
            rep.fail(f"lambda-{b.fn} never uses {const_name} ({decl_where}): its SDK clients are not built through the declaration")
        for a in sorted(declared):
            if a in usage.actions:
                rep.ok(f"declared {a} is performed by reachable code ({usage.actions[a]})")
            else:
                rep.fail(f"declared {a} ({decl_where}) is performed by no code lambda-{b.fn} reaches: drop it from the declaration and the role")
        for a in sorted(set(usage.actions) - declared):
            rep.info(f"{a} appears in reachable code ({usage.actions[a]}) but is not declared: the guard refuses it at run time")

        # wiring sanity
        if b.fn not in str(body.get("zip_path", "")):
            rep.fail(f"module.{mod}.zip_path does not name {b.fn} (expected …/lambda-{b.fn}/bootstrap.zip)")
        if f'role_arns["{b.fn}"]' not in str(body.get("role_arn", "")).replace('\\"', '"'):
            rep.fail(f"module.{mod}.role_arn is not module.iam.role_arns[\"{b.fn}\"]")

        # environment
        env_set = set((body.get("environment") or {}).keys())
        for name, (where, opt) in sorted(usage.env.items()):
            if name in env_set:
                rep.ok(f"env {name} read at {where} is set")
            elif runtime_provided(name):
                rep.ok(f"env {name} read at {where} is provided by the Lambda runtime / optional")
            elif opt:
                rep.info(f"env {name} read at {where} is optional (clap default_value or `infra-check: optional`) and not set")
            else:
                rep.fail(f"env {name} read at {where} is not set in module.{mod}.environment")
        for name in sorted(env_set - set(usage.env)):
            rep.info(f"env {name} is set in module.{mod} but the code never reads it")

        # permissions
        doc_name = b.fn.replace("-", "_")
        doc = docs.get(doc_name)
        if doc is None:
            rep.fail(f"no data.aws_iam_policy_document.{doc_name} in modules/iam")
            continue
        code_actions = declared
        where_of = lambda a: usage.actions.get(a, decl_where)  # noqa: E731
        granted: dict[str, list[str]] = {}
        platform_sids = []
        for st in stmt_list(doc):
            sid = st.get("sid", "")
            acts = [a for a in as_list(st.get("actions"))]
            res = [str(r) for r in as_list(st.get("resources"))]
            if str(st.get("effect", "Allow")) != "Allow":
                continue
            if sid.startswith("Platform"):
                platform_sids.append(sid)
                if sid not in PLATFORM:
                    rep.fail(f"statement {sid}: unknown platform statement (known: {', '.join(PLATFORM)})")
                    continue
                extra = set(acts) - PLATFORM[sid]
                if extra:
                    rep.fail(f"statement {sid} grants {sorted(extra)} beyond the platform need {sorted(PLATFORM[sid])}")
                need, why = platform_needed(sid, b.fn, code_actions, wired)
                if need:
                    rep.ok(f"platform {sid}: {', '.join(acts)} ({why})")
                else:
                    rep.fail(f"platform {sid} is granted but not needed: {why}")
                continue
            for a in acts:
                granted.setdefault(a, []).extend(res)
                if "*" in a:
                    rep.fail(f"statement {sid or '?'}: wildcard action {a}")
            for x in res:
                if x.strip() == "*":
                    rep.fail(f"statement {sid or '?'}: resource \"*\" for {acts}")
        for a in sorted(code_actions):
            if a in granted:
                service = a.split(":")[0]
                want = RESOURCE_VARS.get(service)
                res = granted[a]
                if want and not any(want in x for x in res):
                    rep.fail(f"{a} (declared at {decl_where}) is granted on {res}, not on {want}")
                elif service == "dynamodb" and a == "dynamodb:Query" and usage.uses_index and not any(x.endswith("/index/*") for x in res):
                    rep.fail(f"{a} on a GSI (code calls .index_name()) needs \"${{var.table_arn}}/index/*\"")
                else:
                    rep.ok(f"{a} (declared, used at {where_of(a)}) is allowed on {', '.join(res)}")
            else:
                rep.fail(f"{a} (declared at {decl_where}) is not allowed by the role")
        for a in sorted(set(granted) - code_actions):
            rep.fail(f"role allows {a} but lambda-{b.fn} does not declare it (broader than the code)")
        for sid in PLATFORM:
            need, why = platform_needed(sid, b.fn, code_actions, wired)
            if need and sid not in platform_sids:
                rep.fail(f"platform statement {sid} is missing ({why})")


def platform_needed(sid: str, fn: str, code_actions: set[str], wired: dict[str, set[str]]) -> tuple[bool, str]:
    features = wired.get(fn, set())
    uses = lambda prefix: any(a.startswith(prefix) for a in code_actions)  # noqa: E731
    if sid in ("PlatformLogs", "PlatformXRay"):
        return True, "every function logs and is traced"
    if sid == "PlatformTableKey":
        if uses("dynamodb:") or "stream" in features:
            return True, "the table and its stream are encrypted with a CMK"
        return False, "the code makes no DynamoDB call and reads no stream"
    if sid == "PlatformTopicKey":
        if "sns:Publish" in code_actions:
            return True, "the topic is encrypted with a CMK"
        return False, "the code never publishes to SNS"
    if sid in ("PlatformStreamRead", "PlatformStreamList"):
        if "stream" in features:
            return True, "the function consumes the table stream (event source mapping)"
        return False, "the function is not wired as the stream consumer"
    if sid == "PlatformFailureDestination":
        if features & {"stream", "async_failure_destination"}:
            return True, "the function has an SQS on-failure destination"
        return False, "the function has no on-failure destination"
    return False, "unknown"


# --------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------
def resolve(v, env: dict[str, str]) -> str:
    s = str(v)
    for k, val in env.items():
        s = s.replace("${" + k + "}", val)
    return s


def check_routes(root: Path, tf_root: Path, rep: Report) -> None:
    rep.section("routes: CloudFront / API Gateway reach everything the app serves")
    cdn = load_tf_dir(tf_root / "modules" / "cdn")
    apigw = load_tf_dir(tf_root / "modules" / "api-gateway")
    env_mods = blocks(load_tf_dir(tf_root / "environments" / "dev"), "module")
    locals_ = {}
    for entry in cdn.get("locals", []):
        locals_.update({f"local.{k}": str(v) for k, v in entry.items()})
    dists = blocks(cdn, "resource", "aws_cloudfront_distribution")
    if len(dists) != 1:
        rep.fail(f"expected one aws_cloudfront_distribution in modules/cdn, found {len(dists)}")
        return
    dist = next(iter(dists.values()))
    origins = {resolve(o.get("origin_id"), locals_): o for o in as_list(dist.get("origin"))}
    s3_ids = {k for k, o in origins.items() if o.get("origin_access_control_id")}
    api_ids = {k for k, o in origins.items() if o.get("custom_origin_config") and "api_domain" in str(o.get("domain_name"))}
    if not s3_ids:
        rep.fail("no S3 origin with an origin access control")
    if not api_ids:
        rep.fail("no custom origin pointing at var.api_domain")
    default = as_list(dist.get("default_cache_behavior"))[0]
    d_target = resolve(default.get("target_origin_id"), locals_)
    if d_target in api_ids:
        rep.ok(f"default behaviour -> API origin {d_target}")
    else:
        rep.fail(f"default behaviour goes to {d_target}, not the API origin")
    methods = set(as_list(default.get("allowed_methods")))
    if ALL_METHODS <= methods:
        rep.ok("default behaviour allows every method (server functions POST)")
    else:
        rep.fail(f"default behaviour lacks methods {sorted(ALL_METHODS - methods)}")
    if default.get("viewer_protocol_policy") not in ("redirect-to-https", "https-only"):
        rep.fail("default behaviour does not redirect to HTTPS")

    # S3 path patterns: literal ordered behaviours and the dynamic one fed by static_files
    s3_patterns: list[str] = []
    for ob in as_list(dist.get("ordered_cache_behavior")):
        if resolve(ob.get("target_origin_id"), locals_) in s3_ids:
            s3_patterns.append(str(ob.get("path_pattern")))
    dyn = [d for d in as_list(dist.get("dynamic")) if "ordered_cache_behavior" in d]
    static_files = []
    if dyn:
        cdn_mod = env_mods.get("cdn", {})
        static_files = as_list(cdn_mod.get("static_files"))
        if not static_files:
            for v in blocks(cdn, "variable").get("static_files", {}).get("default", []) or []:
                static_files.append(v)
        body = as_list(dyn[0]["ordered_cache_behavior"].get("content"))[0]
        if resolve(body.get("target_origin_id"), locals_) in s3_ids:
            s3_patterns.extend(str(s) for s in static_files)
    rep.info(f"S3 path patterns: {s3_patterns}")

    # what the code serves from the site root
    pkg_dir = "pkg"
    for f in (root / "server" / "src").rglob("*.rs"):
        m = re.search(r"\.site_pkg_dir\(\s*\"([^\"]+)\"", f.read_text())
        if m:
            pkg_dir = m.group(1)
    if f"/{pkg_dir}/*" in s3_patterns:
        rep.ok(f"/{pkg_dir}/* (site_pkg_dir in server code) is served from S3")
    else:
        rep.fail(f"/{pkg_dir}/* (site_pkg_dir in server code) has no S3 behaviour")
    public = root / "public"
    for f in sorted(public.rglob("*")) if public.is_dir() else []:
        if f.is_file():
            p = "/" + str(f.relative_to(public))
            if any(fnmatch.fnmatchcase(p, pat) for pat in s3_patterns):
                rep.ok(f"static file {p} (public/) is served from S3")
            else:
                rep.fail(f"static file {p} (public/) has no S3 behaviour: add it to static_files of module.cdn")

    # app routes must reach the API, i.e. not be shadowed by an S3 pattern
    routes = set()
    for d in ("app/src", "server/src"):
        for f in (root / d).rglob("*.rs") if (root / d).is_dir() else []:
            code = strip_comments(f.read_text())
            routes.update(re.findall(r"path!\(\s*\"([^\"]*)\"", code))
            routes.update(re.findall(r"\.route\(\s*\"([^\"]*)\"", code))
            for m in re.finditer(r"#\[server\(([^\]]*)\)\]", code):
                pm = re.search(r"prefix\s*=\s*\"([^\"]+)\"", m.group(1))
                routes.add((pm.group(1) if pm else "/api") + "/x")
    routes.add("/api/x")  # Leptos server functions' default prefix
    for r in sorted(routes):
        path = r if r.startswith("/") else "/" + r
        probe = re.sub(r":\w+\*?|\*\w*", "x", path)
        hit = [p for p in s3_patterns if fnmatch.fnmatchcase(probe, p)]
        if hit:
            rep.fail(f"app route {path} is shadowed by the S3 behaviour {hit[0]}")
        else:
            rep.ok(f"app route {path} -> default behaviour -> API")

    # API Gateway
    routes_tf = blocks(apigw, "resource", "aws_apigatewayv2_route")
    stages = blocks(apigw, "resource", "aws_apigatewayv2_stage")
    integ = blocks(apigw, "resource", "aws_apigatewayv2_integration")
    apis = blocks(apigw, "resource", "aws_apigatewayv2_api")
    if any(a.get("protocol_type") == "HTTP" for a in apis.values()):
        rep.ok("API Gateway is an HTTP API")
    else:
        rep.fail("API Gateway is not an HTTP API")
    if any(r.get("route_key") == "$default" for r in routes_tf.values()):
        rep.ok("route $default sends every path and method to the Lambda")
    else:
        rep.fail("no $default route: some app paths would 404 at API Gateway")
    if any(s.get("name") == "$default" for s in stages.values()):
        rep.ok("stage $default (no stage prefix in paths)")
    else:
        rep.fail("no $default stage: paths would carry a stage prefix")
    if any(i.get("payload_format_version") == "2.0" and i.get("integration_type") == "AWS_PROXY" for i in integ.values()):
        rep.ok("integration: AWS_PROXY, payload format 2.0")
    else:
        rep.fail("integration is not AWS_PROXY with payload format 2.0")
    perms = blocks(apigw, "resource", "aws_lambda_permission")
    if not any(p.get("principal") == "apigateway.amazonaws.com" for p in perms.values()):
        rep.fail("no lambda permission for apigateway.amazonaws.com")
    gw_mod = env_mods.get("api_gateway", {})
    if "module.fn_api." in str(gw_mod.get("function_invoke_arn", "")):
        rep.ok("module.api_gateway integrates module.fn_api")
    else:
        rep.fail("module.api_gateway.function_invoke_arn is not module.fn_api.invoke_arn")
    cdn_mod = env_mods.get("cdn", {})
    if "module.api_gateway." in str(cdn_mod.get("api_domain", "")):
        rep.ok("module.cdn's API origin is module.api_gateway")
    else:
        rep.fail("module.cdn.api_domain does not come from module.api_gateway")


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------
def run(root: Path, tf_root: Path, routes: bool) -> int:
    rep = Report()
    print(f"check-infra: code in {root}, Terraform in {tf_root}")
    try:
        check_functions(root, tf_root, rep)
        check_wildcards(tf_root, rep)
        if routes and (tf_root / "modules" / "cdn").is_dir():
            check_routes(root, tf_root, rep)
        elif routes:
            rep.section("routes")
            rep.info("skipped: no modules/cdn")
    except Exception as e:  # report, never crash silently
        import traceback

        traceback.print_exc()
        rep.fail(f"check crashed: {e!r}")
    print()
    if rep.problems:
        print(f"check-infra: {len(rep.problems)} disagreement(s) between code and infrastructure:")
        for p in rep.problems:
            print(f"  - {p}")
        return 1
    print("check-infra: infrastructure agrees with the code")
    return 0


def self_test() -> int:
    fixtures = Path(__file__).resolve().parent / "check-infra-fixtures"
    bin_rs = Path("demo/src/bin/lambda-demo.rs")
    store_rs = Path("demo/src/store.rs")
    iam_tf = Path("terraform/modules/iam/main.tf")
    env_tf = Path("terraform/environments/dev/main.tf")

    def edit(rel: Path, old: str, new: str):
        def apply(d: Path) -> None:
            p = d / rel
            text = p.read_text()
            assert old in text, f"self-test edit: {old!r} not in {rel}"
            p.write_text(text.replace(old, new, 1))
        return apply

    def append(rel: Path, extra: str):
        def apply(d: Path) -> None:
            p = d / rel
            p.write_text(p.read_text() + extra)
        return apply

    lib_rs = Path("demo/src/lib.rs")
    cases = [
        ("code and Terraform agree", [], 0),
        ("code reads an env var the function does not set",
         [edit(bin_rs, "let table = std::env::var(\"DEMO_TABLE\")",
               "let _topic = std::env::var(\"DEMO_TOPIC_ARN\");\n    let table = std::env::var(\"DEMO_TABLE\")")], 1),
        ("code declares and calls an operation the role lacks",
         [edit(store_rs, "// next-op", "client.delete_item().table_name(table).send().await?;"),
          edit(lib_rs, '&["dynamodb:PutItem"]', '&["dynamodb:PutItem", "dynamodb:DeleteItem"]')], 1),
        ("role allows an action the function does not declare",
         [edit(iam_tf, '"dynamodb:PutItem"', '"dynamodb:PutItem", "dynamodb:GetItem"')], 1),
        ("declared action that no code the binary reaches performs (the other bin's Query)",
         [edit(lib_rs, '&["dynamodb:PutItem"]', '&["dynamodb:PutItem", "dynamodb:Query"]'),
          edit(iam_tf, '"dynamodb:PutItem"', '"dynamodb:PutItem", "dynamodb:Query"')], 1),
        ("a binary without a permissions declaration",
         [edit(lib_rs, 'Permissions::new("lambda-demo"', 'Permissions::new("lambda-other"')], 1),
        ("an SDK client built without the permission guard",
         [edit(bin_rs, "demo::DEMO.dynamodb(&conf)", "aws_sdk_dynamodb::Client::new(&conf)")], 1),
        ("wildcard without a justification comment",
         [edit(iam_tf, "# wildcard: X-Ray has no resource-level permissions.", "# (no reason)")], 1),
        ("binary without a Terraform function",
         [edit(env_tf, 'module "fn_demo"', 'module "fn_other"')], 1),
        ("local-only code behind the not-deployed marker is ignored",
         [append(store_rs, "\n// infra-check: not-deployed\npub async fn create(client: &Client) {\n"
                           "    client.create_table().table_name(\"t\").send().await.ok();\n}\n")], 0),
        ("env var read through a const (env::var(CONST)) is found",
         [edit(bin_rs, "// more-env", "const REGION_VAR: &str = \"DEMO_STAGE\";\n"
                                      "    let _s = std::env::var(REGION_VAR);")], 1),
        ("env var read through a library const (env::var(demo::TABLE_VAR)) must be set",
         [edit(env_tf, 'role_arn = module.iam.role_arns["reader"]\n  environment = {\n    DEMO_TABLE = "demo"\n  }',
               'role_arn = module.iam.role_arns["reader"]\n  environment = {\n  }')], 1),
    ]
    failures = 0
    for title, edits, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp) / "fx"
            shutil.copytree(fixtures, d)
            for e in edits:
                e(d)
            print(f"\n######## self-test: {title} (expect {'PASS' if want == 0 else 'FAIL'})")
            got = run(d, d / "terraform", routes=False)
            ok = (got == 0) == (want == 0)
            failures += 0 if ok else 1
            print(f"######## {'ok' if ok else 'WRONG'}: check returned {got}, expected {want}")
    print()
    if failures:
        print(f"self-test: {failures} case(s) wrong")
        return 1
    print(f"self-test: all {len(cases)} cases behaved as expected")
    return 0


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=here.parent)
    ap.add_argument("--terraform", type=Path)
    ap.add_argument("--no-routes", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if hcl2 is None or not hasattr(hcl2, "load"):
        print("check-infra: python-hcl2 is not importable (scripts/check-infra.sh installs it)", file=sys.stderr)
        return 2
    if args.self_test:
        return self_test()
    root = args.root.resolve()
    return run(root, (args.terraform or root / "terraform").resolve(), routes=not args.no_routes)


if __name__ == "__main__":
    sys.exit(main())
