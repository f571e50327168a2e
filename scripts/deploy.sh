#!/usr/bin/env bash
# The AWS path, one command after the one-time bootstrap
# (terraform/bootstrap/README.md):
#   scripts/deploy.sh [dev|prod]                 build, upload assets, apply, prune, smoke check
#   scripts/deploy.sh [dev|prod] --plan          build, then terraform plan only (nothing uploaded)
#   scripts/deploy.sh [dev|prod] --write-config  write backend.hcl / terraform.tfvars from GitHub
#                                                variables (CI; see below) and stop
#   AUTO_APPROVE=1 scripts/deploy.sh prod        no confirmation prompt (CI)
#   KEEP_DEPLOYS=3                               deploys whose hashed assets stay in the bucket
# The environment defaults to dev; its Terraform root is terraform/environments/<env>,
# which needs backend.hcl (from the bootstrap's `backend_hcl` output) and
# terraform.tfvars (from terraform.tfvars.example).
#
# Order matters, because a page already open in a browser keeps asking for the
# hashed bundle its HTML named:
#   1. build everything (scripts/package-lambdas.sh) so a failed build changes nothing;
#   2. upload the new hashed assets next to the old ones (no --delete), and the
#      non-hashed public files;
#   3. terraform apply: only now does the Lambda render pages naming the new
#      assets; then record a manifest object listing this deploy's files;
#   4. prune hashed assets that no manifest of the last KEEP_DEPLOYS deploys
#      lists (and that are older than an hour);
#   5. smoke check: `/` through CloudFront, and the hashed asset it references.
# On the first deploy there is no bucket yet, so 3 runs before 2: nobody can
# have a page of a stack that did not exist open, and applying the whole stack
# (rather than -target=module.cdn, which drags in the API and every Lambda it
# depends on anyway) keeps one code path for the infrastructure.
#
# Needs: the aws CLI with credentials, terraform >= 1.9 (CI uses 1.11), curl, and what
# scripts/package-lambdas.sh needs (it runs scripts/setup.sh itself).
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

env_name=dev
mode=apply
for arg in "$@"; do
  case "$arg" in
    --plan) mode=plan ;;
    --write-config) mode=config ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) die "unknown option $arg (see scripts/deploy.sh --help)" ;;
    *) env_name="$arg" ;;
  esac
done
[[ "$env_name" =~ ^[a-z][a-z0-9-]*$ ]] || die "environment name '$env_name' must be lower-case letters, digits and dashes"
ENV_DIR="$ROOT/terraform/environments/$env_name"
[ -d "$ENV_DIR" ] || die "no Terraform root at terraform/environments/$env_name (environments: $(cd "$ROOT/terraform/environments" && echo */ | tr -d /))"
KEEP_DEPLOYS="${KEEP_DEPLOYS:-3}"
[[ "$KEEP_DEPLOYS" =~ ^[1-9][0-9]*$ ]] || die "KEEP_DEPLOYS must be a positive integer"

# --- CI: config files from repository/environment variables -------------------
# GitHub variables -> terraform/environments/<env>/{backend.hcl,terraform.tfvars}.
# Each Terraform variable of the root (variables.tf) is read from the GitHub
# variable of the same name in upper case (mail_from <- MAIL_FROM), except
# region <- AWS_REGION; lambda_dist_dir is this script's own. For every name,
# NAME_<ENV> (e.g. SES_IDENTITY_PROD) wins over NAME: pull-request plans run
# without a GitHub environment, so that is how they tell dev from prod. An
# unset or empty variable leaves the Terraform default; one without a default
# (ses_identity, mail_from, alarm_email) must be set. Lists are comma-separated.
# Values come from TASKLANE_GITHUB_VARS (deploy.yml passes toJSON(vars)) or,
# without it, from the process environment. The state key layout matches the
# bootstrap's backend_hcl output. Files already present (committed or written
# by an operator) are left alone. terraform/bootstrap/README.md lists the
# variables.
if [ "$mode" = config ]; then
  gh_var() { # NAME -> value of NAME_<ENV> or NAME, empty if unset
    python3 - "$1" "$env_name" <<'PY'
import json, os, sys
name, env = sys.argv[1], sys.argv[2]
# GitHub variable names are case-insensitive.
src = {k.upper(): v for k, v in json.loads(os.environ["TASKLANE_GITHUB_VARS"]).items()} if os.environ.get("TASKLANE_GITHUB_VARS") else os.environ
suffixed = name + "_" + env.upper().replace("-", "_")
print(src.get(suffixed) or src.get(name) or "", end="")
PY
  }
  need() { # NAME -> its value, or stop
    local v; v="$(gh_var "$1")"
    [ -n "$v" ] || die "GitHub variable $1 (or ${1}_$(tr 'a-z-' 'A-Z_' <<<"$env_name")) is empty: set it (terraform/bootstrap/README.md)"
    printf '%s' "$v"
  }
  if [ -f "$ENV_DIR/backend.hcl" ]; then
    step "terraform/environments/$env_name/backend.hcl exists: kept"
  else
    bucket="$(need TF_STATE_BUCKET)"; table="$(need TF_LOCK_TABLE)"; region="$(need AWS_REGION)"
    cat > "$ENV_DIR/backend.hcl" <<HCL
bucket         = "$bucket"
key            = "tasklane/$env_name/terraform.tfstate"
region         = "$region"
dynamodb_table = "$table"
encrypt        = true
HCL
    step "wrote terraform/environments/$env_name/backend.hcl"
  fi
  if [ -f "$ENV_DIR/terraform.tfvars" ]; then
    step "terraform/environments/$env_name/terraform.tfvars exists: kept"
  else
    python3 - "$ENV_DIR/variables.tf" "$env_name" > "$ENV_DIR/terraform.tfvars.tmp" <<'PY' \
      || { rm -f "$ENV_DIR/terraform.tfvars.tmp"; die "terraform.tfvars not written (see above)"; }
import json, os, re, sys
path, env = sys.argv[1], sys.argv[2]
# GitHub variable names are case-insensitive.
src = {k.upper(): v for k, v in json.loads(os.environ["TASKLANE_GITHUB_VARS"]).items()} if os.environ.get("TASKLANE_GITHUB_VARS") else os.environ
suffix = "_" + env.upper().replace("-", "_")
text = open(path).read()
errors, out = [], []
for m in re.finditer(r'^variable "([a-z0-9_]+)" \{\n(.*?)^\}', text, re.M | re.S):
    name, body = m.group(1), m.group(2)
    if name == "lambda_dist_dir":
        continue
    gh = "AWS_REGION" if name == "region" else name.upper()
    t = re.search(r'^\s*type\s*=\s*(.+?)\s*$', body, re.M)
    t = t.group(1) if t else "string"
    required = not re.search(r'^\s*default\s*=', body, re.M)
    v = (src.get(gh + suffix) or src.get(gh) or "").strip()
    if not v:
        if required:
            errors.append(f"GitHub variable {gh} (or {gh}{suffix}) is empty: {name} has no default")
        continue
    q = lambda s: json.dumps(s).replace("${", "$${").replace("%{", "%%{")
    if t == "string":
        val = q(v)
    elif t == "number":
        if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?|null", v):
            errors.append(f"{gh}={v!r}: {name} must be a number")
            continue
        val = v
    elif t == "bool":
        if v not in ("true", "false"):
            errors.append(f"{gh}={v!r}: {name} must be true or false")
            continue
        val = v
    elif t == "list(string)":
        val = "[" + ", ".join(q(x.strip()) for x in v.split(",") if x.strip()) + "]"
    else:
        errors.append(f"{name}: type {t} is not supported by --write-config")
        continue
    out.append(f"{name} = {val}")
if errors:
    print("\n".join("error: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print("# Written by scripts/deploy.sh --write-config from GitHub variables.")
print("\n".join(out))
PY
    mv "$ENV_DIR/terraform.tfvars.tmp" "$ENV_DIR/terraform.tfvars"
    step "wrote terraform/environments/$env_name/terraform.tfvars ($(grep -c ' = ' "$ENV_DIR/terraform.tfvars") variables)"
  fi
  exit 0
fi

# --- prerequisites, each with what to do about it -----------------------------
command -v cargo >/dev/null || die "cargo not found: run scripts/setup.sh"
command -v terraform >/dev/null || die "terraform not found: install terraform >= 1.9 (https://developer.hashicorp.com/terraform/install)"
# 1.9: the stack's variable validations refer to other variables.
tf_version="$(terraform version | sed -n '1s/^Terraform v\([0-9.]*\).*/\1/p')"
[ "$(printf '%s\n' 1.9.0 "$tf_version" | sort -V | head -1)" = 1.9.0 ] \
  || die "terraform ${tf_version:-(unknown version)} is too old: install terraform >= 1.9 (CI uses 1.11)"
command -v aws >/dev/null || die "aws CLI not found: install AWS CLI v2"
command -v curl >/dev/null || die "curl not found: run scripts/setup.sh"
[ -f "$ENV_DIR/backend.hcl" ] || die "missing terraform/environments/$env_name/backend.hcl: write the bootstrap's output there, e.g.
  terraform -chdir=terraform/bootstrap output -json backend_hcl | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"$env_name\"])' > terraform/environments/$env_name/backend.hcl
(terraform/bootstrap/README.md)"
[ -f "$ENV_DIR/terraform.tfvars" ] || die "missing terraform/environments/$env_name/terraform.tfvars: copy terraform/environments/$env_name/terraform.tfvars.example and set at least ses_identity, mail_from, alarm_email and lambda_permissions_boundary_arn (terraform/README.md, step 4)"
aws sts get-caller-identity >/dev/null 2>&1 || die "no AWS credentials: configure a profile or SSO (aws configure sso) and export AWS_PROFILE"

# --- packages: arm64 zips of every lambda-* bin, and the site for S3 ------------
DIST="${DIST:-$TASKLANE_HOME/dist}"
DIST="$DIST" bash "$ROOT/scripts/package-lambdas.sh"
LAMBDA_DIR="$DIST/lambda"
SITE="$DIST/site"
[ -d "$SITE/pkg" ] || die "package-lambdas.sh left no $SITE/pkg"

cd "$ENV_DIR" || die "cannot enter $ENV_DIR"
step "terraform init (terraform/environments/$env_name)"
terraform init -input=false -reconfigure -backend-config=backend.hcl >/dev/null
# A plan (pull requests) may hold the state lock for a while: wait for it.
TF_ARGS=(-input=false -lock-timeout=10m -var "lambda_dist_dir=$LAMBDA_DIR")
if [ "$mode" = plan ]; then
  step "terraform plan ($env_name)"
  terraform plan "${TF_ARGS[@]}"
  exit 0
fi

tf_apply() {
  step "terraform apply ($env_name)"
  if [ "${AUTO_APPROVE:-0}" = 1 ]; then
    terraform apply -auto-approve "${TF_ARGS[@]}"
  else
    terraform apply "${TF_ARGS[@]}"
  fi
}
tf_out() { terraform output -raw "$1" 2>/dev/null || true; }

# --- the site split by cache lifetime -------------------------------------------
# Same rule and Cache-Control as the server (server/src/assets.rs): a name with
# a hex segment of >= 8 digits between stem and extension never changes, so
# it is immutable for a year; everything else revalidates. sync compares by
# size and time, and a hashed name is its content, so re-deploys upload only
# new bundles.
IMMUTABLE="public, max-age=31536000, immutable"
REVALIDATE="public, max-age=0, must-revalidate"
HASHED_RE='^[^./]+\.[0-9a-fA-F]{8,}\.[^./]+$'
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/hashed" "$STAGE/plain"
: > "$STAGE/hashed.txt"; : > "$STAGE/plain.txt"
while IFS= read -r -d '' f; do
  f="${f#./}"
  if [[ "$(basename "$f")" =~ $HASHED_RE ]]; then
    (cd "$SITE" && cp --parents "$f" "$STAGE/hashed/"); echo "$f" >> "$STAGE/hashed.txt"
  else
    (cd "$SITE" && cp --parents "$f" "$STAGE/plain/"); echo "$f" >> "$STAGE/plain.txt"
  fi
done < <(cd "$SITE" && find . -type f ! -name '*.br' ! -name '*.gz' -print0)
[ -s "$STAGE/hashed.txt" ] || die "no hashed assets in $SITE (expected pkg/tasklane.<hash>.wasm|js|css)"

DEPLOY_ID="$(date -u +%Y%m%dT%H%M%SZ)-$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo nogit)"
MANIFESTS=deploys/

upload_assets() { # bucket
  local b="$1"
  step "uploading $(wc -l < "$STAGE/hashed.txt") hashed assets to s3://$b (kept next to the previous ones)"
  # .wasm gets its own type: streaming compilation needs application/wasm.
  aws s3 sync "$STAGE/hashed" "s3://$b" --exclude '*.wasm' \
    --cache-control "$IMMUTABLE" --only-show-errors
  aws s3 sync "$STAGE/hashed" "s3://$b" --exclude '*' --include '*.wasm' \
    --content-type application/wasm --cache-control "$IMMUTABLE" --only-show-errors
  if [ -s "$STAGE/plain.txt" ]; then
    step "uploading $(wc -l < "$STAGE/plain.txt") non-hashed public files (revalidated on every use)"
    aws s3 cp "$STAGE/plain" "s3://$b" --recursive \
      --cache-control "$REVALIDATE" --only-show-errors
  fi
}

BUCKET="$(tf_out assets_bucket)"
if [ -n "$BUCKET" ] && aws s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  upload_assets "$BUCKET"
  tf_apply
else
  step "first deploy of $env_name: no assets bucket yet, so apply first, then upload"
  tf_apply
  BUCKET="$(tf_out assets_bucket)"
  [ -n "$BUCKET" ] || die "terraform output assets_bucket is empty after apply"
  upload_assets "$BUCKET"
fi
# Written only once the code naming these files is live, so a deploy whose
# apply failed does not take one of the KEEP_DEPLOYS places of a deploy that
# served pages.
step "recording deploy manifest $MANIFESTS$DEPLOY_ID.txt"
aws s3 cp "$STAGE/hashed.txt" "s3://$BUCKET/$MANIFESTS$DEPLOY_ID.txt" \
  --content-type text/plain --cache-control no-store --only-show-errors

URL="$(tf_out url)"; URL="${URL%/}"
DIST_ID="$(tf_out distribution_id)"
if [ -z "$URL" ] || [ -z "$DIST_ID" ]; then
  die "terraform outputs url and distribution_id are required (terraform/environments/$env_name/outputs.tf)"
fi

# Non-hashed files are served with max-age=0 already; the invalidation drops
# what CloudFront cached before this deploy changed their headers or content.
if [ -s "$STAGE/plain.txt" ]; then
  mapfile -t paths < <(sed 's|^|/|' "$STAGE/plain.txt")
  step "invalidating ${#paths[@]} non-hashed paths on CloudFront"
  aws cloudfront create-invalidation --distribution-id "$DIST_ID" --paths "${paths[@]}" >/dev/null
fi

# --- prune: keep the hashed files of the last KEEP_DEPLOYS deploys -------------
# Deletes only hashed names, only when at least KEEP_DEPLOYS manifests exist
# (a bucket filled before manifests existed keeps everything until then),
# never a file a kept manifest lists, and never one uploaded in the last hour
# (another deploy, e.g. an operator's next to CI's, may be between its upload
# and its apply). Versioning keeps deleted objects as noncurrent versions
# until the bucket's lifecycle expires them.
mapfile -t manifests < <(aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "$MANIFESTS" \
  --query 'Contents[].Key' --output text | tr '\t' '\n' | grep -E '\.txt$' | sort)
if [ "${#manifests[@]}" -lt "$KEEP_DEPLOYS" ]; then
  step "prune: ${#manifests[@]} deploy manifest(s), fewer than KEEP_DEPLOYS=$KEEP_DEPLOYS: nothing deleted"
else
  keep_from=$(( ${#manifests[@]} - KEEP_DEPLOYS ))
  : > "$STAGE/keep.txt"
  for m in "${manifests[@]:keep_from}"; do
    aws s3 cp "s3://$BUCKET/$m" - --only-show-errors >> "$STAGE/keep.txt"
  done
  cutoff=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%S)
  aws s3api list-objects-v2 --bucket "$BUCKET" --query 'Contents[].[Key,LastModified]' --output text \
    | while IFS=$'\t' read -r key modified; do
      if [[ "$key" != "$MANIFESTS"* && "$(basename "$key")" =~ $HASHED_RE && "${modified:0:19}" < "$cutoff" ]]; then
        echo "$key"
      fi
    done | sort -u > "$STAGE/hashed-in-bucket.txt"
  sort -u "$STAGE/keep.txt" > "$STAGE/keep-sorted.txt"
  comm -23 "$STAGE/hashed-in-bucket.txt" "$STAGE/keep-sorted.txt" > "$STAGE/stale.txt"
  step "prune: keeping the assets of the last $KEEP_DEPLOYS deploys, deleting $(wc -l < "$STAGE/stale.txt") older hashed file(s)"
  while IFS= read -r key; do
    aws s3api delete-object --bucket "$BUCKET" --key "$key" >/dev/null
  done < "$STAGE/stale.txt"
  for m in "${manifests[@]:0:keep_from}"; do
    aws s3api delete-object --bucket "$BUCKET" --key "$m" >/dev/null
  done
fi

# --- smoke check: the page, and the hashed asset that page names ----------------
# Retries cover CloudFront propagation and the first (cold) Lambda start.
fetch() { # url outfile -> final HTTP status, following redirects (sign-in)
  curl -sS -L --max-time 20 -o "$2" -w '%{http_code}' "$1" 2>/dev/null || echo 000
}
page_status=000
for _ in $(seq 1 12); do
  page_status=$(fetch "$URL/" "$STAGE/index.html")
  [ "$page_status" = 200 ] && break
  sleep 10
done
[ "$page_status" = 200 ] || die "smoke check: GET $URL/ returned $page_status"
asset=$(grep -oE '/pkg/[^"'"'"' ?#]+' "$STAGE/index.html" | head -1 || true)
[ -n "$asset" ] || asset="/$(grep -m1 '^pkg/' "$STAGE/hashed.txt")"
asset_status=$(fetch "$URL$asset" /dev/null)
[ "$asset_status" = 200 ] || die "smoke check: GET $URL$asset returned $asset_status (the page names an asset the bucket does not serve)"
step "smoke check: GET / and GET $asset returned 200"
step "deployed $env_name ($DEPLOY_ID): $URL"
