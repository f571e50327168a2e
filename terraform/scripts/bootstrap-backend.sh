#!/usr/bin/env bash
# Creates the Terraform state backend for tasklane, once per account/region:
#   - an S3 bucket with versioning, default encryption (SSE-KMS with the AWS
#     managed key), a full public access block, TLS-only bucket policy;
#   - a DynamoDB table for state locking (LockID, on-demand, PITR).
# Idempotent: each step checks what exists and only fills the gaps, so it can
# be re-run safely. Prints the backend.hcl to use with `terraform init`.
#
# Usage: terraform/scripts/bootstrap-backend.sh [region]   (default: $AWS_REGION or eu-west-1)
# Env:   TF_STATE_BUCKET, TF_LOCK_TABLE to override the derived names.
set -euo pipefail

command -v aws >/dev/null || { echo "error: the aws CLI v2 is required (https://docs.aws.amazon.com/cli/)" >&2; exit 1; }

REGION="${1:-${AWS_REGION:-${AWS_DEFAULT_REGION:-eu-west-1}}}"
ACCOUNT=$(aws sts get-caller-identity --query Account --output text) \
  || { echo "error: no AWS credentials (aws sts get-caller-identity failed)" >&2; exit 1; }
BUCKET="${TF_STATE_BUCKET:-tasklane-tfstate-$ACCOUNT-$REGION}"
TABLE="${TF_LOCK_TABLE:-tasklane-tfstate-lock}"
say() { printf '==> %s\n' "$*" >&2; }

if aws s3api head-bucket --bucket "$BUCKET" 2>/dev/null; then
  say "bucket $BUCKET exists"
else
  say "creating bucket $BUCKET in $REGION"
  if [ "$REGION" = "us-east-1" ]; then
    aws s3api create-bucket --bucket "$BUCKET" --region "$REGION" >/dev/null
  else
    aws s3api create-bucket --bucket "$BUCKET" --region "$REGION" \
      --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null
  fi
  aws s3api wait bucket-exists --bucket "$BUCKET"
fi

# The settings below are PUTs of the desired state: re-applying them is a no-op.
say "bucket: versioning, encryption, public access block, ownership, TLS-only policy"
aws s3api put-bucket-versioning --bucket "$BUCKET" --versioning-configuration Status=Enabled
aws s3api put-bucket-encryption --bucket "$BUCKET" --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}'
aws s3api put-public-access-block --bucket "$BUCKET" --public-access-block-configuration \
  BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
aws s3api put-bucket-ownership-controls --bucket "$BUCKET" --ownership-controls \
  'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'
aws s3api put-bucket-policy --bucket "$BUCKET" --policy "$(cat <<JSON
{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",
 "Resource":["arn:aws:s3:::$BUCKET","arn:aws:s3:::$BUCKET/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}
JSON
)"

if aws dynamodb describe-table --table-name "$TABLE" --region "$REGION" >/dev/null 2>&1; then
  say "lock table $TABLE exists"
else
  say "creating lock table $TABLE"
  aws dynamodb create-table --region "$REGION" --table-name "$TABLE" \
    --attribute-definitions AttributeName=LockID,AttributeType=S \
    --key-schema AttributeName=LockID,KeyType=HASH \
    --billing-mode PAY_PER_REQUEST --sse-specification Enabled=true >/dev/null
  aws dynamodb wait table-exists --region "$REGION" --table-name "$TABLE"
fi
aws dynamodb update-continuous-backups --region "$REGION" --table-name "$TABLE" \
  --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true >/dev/null

say "done. Use this as terraform/environments/dev/backend.hcl:"
cat <<HCL
bucket         = "$BUCKET"
key            = "tasklane/dev/terraform.tfstate"
region         = "$REGION"
dynamodb_table = "$TABLE"
encrypt        = true
HCL
