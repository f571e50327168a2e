# One-time, per-account bootstrap (README.md here): the remote state backend
# the environments use (S3 bucket + DynamoDB lock table, both under a
# customer-managed KMS key) and the GitHub Actions OIDC roles
# .github/workflows/deploy.yml assumes:
#   plan   - pull requests of var.github_repository: read-only, state read + lock;
#   deploy - jobs in one of var.environments: what Terraform needs to manage
#            terraform/environments/*, scoped to "${var.name_prefix}-*" names.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account      = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = data.aws_region.current.name
  prefix       = var.name_prefix
  state_bucket = var.state_bucket_name != "" ? var.state_bucket_name : "${local.prefix}-tfstate-${local.account}-${local.region}"
  # Each environment's state lives at <prefix>/<env>/terraform.tfstate
  # (scripts/deploy.sh --write-config writes the same key).
  state_keys = { for e in var.environments : e => "${local.prefix}/${e}/terraform.tfstate" }

  github_oidc_host = "token.actions.githubusercontent.com"
  github_oidc_arn  = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}

# --- KMS key for the state bucket and the lock table -------------------------
data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_109:False positive for a key policy: "Resource": "*" in a key policy means this key only, and kms:* for the account root is the IAM-delegation statement AWS requires to keep a key manageable.
  #checkov:skip=CKV_AWS_111:Same key-policy false positive as CKV_AWS_109: write access is granted only to the account root, i.e. delegated to IAM policies (the operator's and the two roles below).
  #checkov:skip=CKV_AWS_356:Same key-policy false positive: a key policy's resource can only be the key itself, written "*".
  statement {
    sid = "AccountRootIamDelegation"
    # wildcard: the standard IAM-delegation statement; in a key policy the
    # resource "*" means this key. Who may use it is decided by IAM policies.
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "${local.prefix}: Terraform state bucket and lock table"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/${local.prefix}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

# --- state bucket -------------------------------------------------------------
resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:No server access logging: a log bucket would need its own log bucket, and S3 delivers these logs best-effort; who read or wrote state is answered by CloudTrail (S3 data events can be enabled account-wide), and every write leaves a version here.
  #checkov:skip=CKV_AWS_144:No cross-region replication: the state is versioned (noncurrent versions kept var.state_noncurrent_version_days) and can be rebuilt with terraform import; a replica bucket, its role and its key would double what must be secured for a small team's stack.
  #checkov:skip=CKV2_AWS_62:No event notifications: nothing reacts to state writes; the lock table serialises writers.
  bucket = local.state_bucket
  # A state bucket must never disappear with objects in it: destroy fails
  # until it is emptied by hand (README.md, "Teardown").
  force_destroy = false
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    # One KMS request per bucket key period instead of per object.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.state_noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # wildcard: a Deny of every action for every principal when the request
    # is not TLS; it can only take access away.
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
    principals {
      # wildcard: the Deny applies to every principal.
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- lock table -----------------------------------------------------------------
resource "aws_dynamodb_table" "lock" {
  name                        = var.lock_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.state.arn
  }
}

# --- GitHub Actions OIDC provider -------------------------------------------------
resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_github_oidc_provider ? 1 : 0
  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # IAM verifies GitHub's certificate against its own trusted CAs for this
  # host and ignores thumbprints; the API still records a list, so these are
  # GitHub's published intermediate thumbprints.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1
  url   = "https://${local.github_oidc_host}"
}
