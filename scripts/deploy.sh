#!/usr/bin/env bash
# The AWS path: build every Lambda, build the site, upload the assets, apply
# Terraform (terraform/environments/dev).
#   scripts/deploy.sh            build + upload + terraform apply (asks to confirm)
#   scripts/deploy.sh --plan     build, then terraform plan only (nothing uploaded)
# Building is scripts/package-lambdas.sh (arm64 zips via cargo-lambda from
# PyPI, which it installs, and the site staged for S3), run before anything
# is applied so a failed build changes nothing.
#   AUTO_APPROVE=1 scripts/deploy.sh   no confirmation prompt (CI)
# Needs: the aws CLI with credentials, terraform >= 1.6, and
# terraform/environments/dev/backend.hcl
# (printed by terraform/scripts/bootstrap-backend.sh) plus terraform.tfvars.
source "$(dirname "$0")/lib.sh"

mode=apply
[ "${1:-}" = "--plan" ] && mode=plan
ENV_DIR="$ROOT/terraform/environments/dev"

# --- prerequisites, each with what to do about it -----------------------------
command -v cargo >/dev/null || die "cargo not found: run scripts/setup.sh"
command -v terraform >/dev/null || die "terraform not found: install terraform >= 1.6 (https://developer.hashicorp.com/terraform/install)"
command -v aws >/dev/null || die "aws CLI not found: install AWS CLI v2"
aws sts get-caller-identity >/dev/null 2>&1 || die "no AWS credentials: configure a profile or SSO (aws configure sso) and export AWS_PROFILE"
[ -f "$ENV_DIR/backend.hcl" ] || die "missing $ENV_DIR/backend.hcl: run terraform/scripts/bootstrap-backend.sh and save its output there"
[ -f "$ENV_DIR/terraform.tfvars" ] || [ -n "${TF_VAR_ses_identity:-}" ] \
  || die "missing $ENV_DIR/terraform.tfvars (copy terraform.tfvars.example; set ses_identity)"

# --- packages: arm64 zips of every lambda-* bin, and the site for S3 -------------
DIST="${DIST:-$TASKLANE_HOME/dist}"
DIST="$DIST" bash "$ROOT/scripts/package-lambdas.sh"
LAMBDA_DIR="$DIST/lambda"
SITE="$DIST/site"

# --- Terraform ---------------------------------------------------------------------
cd "$ENV_DIR"
terraform init -input=false -backend-config=backend.hcl >/dev/null
TF_ARGS=(-input=false -var "lambda_dist_dir=$LAMBDA_DIR")
if [ "$mode" = plan ]; then
  step "terraform plan"
  terraform plan "${TF_ARGS[@]}"
  exit 0
fi

step "terraform apply"
if [ "${AUTO_APPROVE:-0}" = 1 ]; then
  terraform apply -auto-approve "${TF_ARGS[@]}"
else
  terraform apply "${TF_ARGS[@]}"
fi
BUCKET=$(terraform output -raw assets_bucket)
DIST=$(terraform output -raw distribution_id)
URL=$(terraform output -raw url)

# Same Cache-Control as the server (server/src/assets.rs): names with a hex
# hash segment of >= 8 digits are immutable for a year, the rest revalidate.
# The .br/.gz copies are for the local server; CloudFront compresses itself.
step "uploading site assets to s3://$BUCKET"
IMMUTABLE="public, max-age=31536000, immutable"
REVALIDATE="public, max-age=0, must-revalidate"
aws s3 sync "$SITE" "s3://$BUCKET" --exclude '*' --include '*.*.*' --exclude '*.br' --exclude '*.gz' \
  --cache-control "$IMMUTABLE" --only-show-errors
# Re-upload everything not matched above with the revalidate header; sync
# skips the unchanged hashed files by size and time.
(cd "$SITE" && find . -type f ! -name '*.br' ! -name '*.gz' | sed 's|^\./||') | while read -r f; do
  name=$(basename "$f")
  if [[ "$name" =~ ^[^.]+\.[0-9a-fA-F]{8,}\.[^.]+$ ]]; then continue; fi
  aws s3 cp "$SITE/$f" "s3://$BUCKET/$f" --cache-control "$REVALIDATE" --only-show-errors
done
# Correct type for the WASM bundle (streaming compilation needs application/wasm).
for w in "$SITE"/pkg/*.wasm; do
  [ -f "$w" ] || continue
  aws s3 cp "$w" "s3://$BUCKET/pkg/$(basename "$w")" --content-type application/wasm \
    --cache-control "$IMMUTABLE" --only-show-errors
done
step "invalidating the non-hashed paths on CloudFront"
aws cloudfront create-invalidation --distribution-id "$DIST" --paths '/favicon.svg' >/dev/null
step "deployed: $URL"
