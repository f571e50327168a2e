# The two roles GitHub Actions assumes with its OIDC token. The token's `sub`
# names what the job is: `repo:<repo>:pull_request` for a pull request job
# without an environment, `repo:<repo>:environment:<env>` for a job that runs
# in an environment (after its protection rules, e.g. prod's reviewers).

locals {
  arn_prefix       = "arn:${local.partition}"
  state_bucket_arn = aws_s3_bucket.state.arn
  # The state of every environment, and nothing else in the bucket.
  state_objects = "${aws_s3_bucket.state.arn}/${local.prefix}/*"
  # Everything the environments create is named "<prefix>-<env>-...".
  named = "${local.prefix}-*"
}

# --- trust -------------------------------------------------------------------------
data "aws_iam_policy_document" "trust_plan" {
  statement {
    sid     = "GitHubPullRequests"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = ["repo:${var.github_repository}:pull_request"]
    }
  }
}

data "aws_iam_policy_document" "trust_deploy" {
  statement {
    sid     = "GitHubEnvironments"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = [for e in var.environments : "repo:${var.github_repository}:environment:${e}"]
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${local.prefix}-github-plan"
  description          = "GitHub Actions, pull requests of ${var.github_repository}: terraform plan (read-only)"
  assume_role_policy   = data.aws_iam_policy_document.trust_plan.json
  max_session_duration = 3600
}

resource "aws_iam_role" "deploy" {
  name                 = "${local.prefix}-github-deploy"
  description          = "GitHub Actions, environments ${join("/", var.environments)} of ${var.github_repository}: terraform apply and asset upload"
  assume_role_policy   = data.aws_iam_policy_document.trust_deploy.json
  max_session_duration = 7200
}

# --- state access, shared by both roles ------------------------------------------
data "aws_iam_policy_document" "state_read_lock" {
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      # wildcard: every environment's state key under "<prefix>/".
      values = ["${local.prefix}/*"]
    }
  }
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [local.state_objects]
  }
  statement {
    # Terraform's lock (and the state digest it keeps beside it) are items
    # of this table; plan takes the lock too.
    sid       = "StateLock"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.lock.arn]
  }
  statement {
    sid       = "StateKeyUse"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "terraform-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.state_read_lock.json
}

resource "aws_iam_role_policy" "deploy_state" {
  name   = "terraform-state"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.state_read_lock.json
}

# Only the deploy role writes state (plan never does).
data "aws_iam_policy_document" "state_write" {
  statement {
    sid       = "StateWrite"
    actions   = ["s3:PutObject"]
    resources = [local.state_objects]
  }
}

resource "aws_iam_role_policy" "deploy_state_write" {
  name   = "terraform-state-write"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.state_write.json
}

# --- plan: read every resource's configuration, no data ----------------------------
# A plan refreshes every resource type the environments use, so it needs the
# broad read of ReadOnlyAccess. That policy also reads data (objects, items,
# messages, users, logs, secrets): the Deny below takes those away, except the
# state the plan must read.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan_no_data" {
  statement {
    sid    = "DenyDataReads"
    effect = "Deny"
    actions = [
      "s3:GetObject", "s3:GetObjectVersion",
      "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
      "dynamodb:PartiQLSelect", "dynamodb:GetRecords",
      "sqs:ReceiveMessage",
      "cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup", "cognito-idp:AdminGetUser",
      "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults",
      "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
    ]
    # wildcard: a Deny everywhere except the state objects and the lock
    # table, which the plan must read (StateRead/StateLock above).
    not_resources = [local.state_objects, aws_dynamodb_table.lock.arn]
  }

  statement {
    # Lambda returns a function's environment (table names, URLs: no
    # secrets) only to a caller that may decrypt it with the function's key;
    # without it the plan would see the variables vanish.
    sid     = "LambdaEnvironmentRead"
    actions = ["kms:Decrypt"]
    # wildcard: the environments' keys have generated ids; the conditions
    # keep this to keys tagged for the app and to calls made by Lambda.
    resources = ["${local.arn_prefix}:kms:${local.region}:${local.account}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [local.prefix]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["lambda.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "plan_no_data" {
  name   = "no-data-reads-lambda-env"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_no_data.json
}
