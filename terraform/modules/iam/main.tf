# One execution role per Lambda, each with one inline policy built from a
# policy document named after the function (data.aws_iam_policy_document.<fn>).
#
# scripts/check-infra.py reads these documents and compares them with the Rust
# code: statements whose sid starts with "Platform" are what the Lambda
# platform needs whatever the code does (logs, X-Ray, stream polling, KMS for
# encrypted resources, on-failure destinations) and must match the table of
# platform statements in that script; every other action must be one the
# function's code calls, on the ARN of the resource it calls it on.

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  functions = toset(["api", "post-confirmation", "stream-processor", "email-formatter", "reminders"])

  policies = {
    "api"               = data.aws_iam_policy_document.api.json
    "post-confirmation" = data.aws_iam_policy_document.post_confirmation.json
    "stream-processor"  = data.aws_iam_policy_document.stream_processor.json
    "email-formatter"   = data.aws_iam_policy_document.email_formatter.json
    "reminders"         = data.aws_iam_policy_document.reminders.json
  }

  dynamodb_via = "dynamodb.${data.aws_region.current.name}.amazonaws.com"
  sns_via      = "sns.${data.aws_region.current.name}.amazonaws.com"
}

resource "aws_iam_role" "fn" {
  for_each           = local.functions
  name               = "${var.name_prefix}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_iam_role_policy" "fn" {
  for_each = local.functions
  name     = "${var.name_prefix}-${each.key}"
  role     = aws_iam_role.fn[each.key].id
  policy   = local.policies[each.key]
}

# --- api: SSR pages and server functions ------------------------------------
data "aws_iam_policy_document" "api" {
  statement {
    sid = "TableReadWrite"
    # Exactly server::lambda::PERMISSIONS (scripts/check-infra.py).
    actions = [
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    # wildcard: "/index/*" is the table's own GSIs (GSI1-3), not other tables.
    resources = [var.table_arn, "${var.table_arn}/index/*"]
  }

  statement {
    sid = "ManagePeople"
    # Team page role changes and deactivation (auth::roles::change_role,
    # change_active), and ending every session on deactivation and reset.
    actions = [
      "cognito-idp:AdminAddUserToGroup",
      "cognito-idp:AdminDisableUser",
      "cognito-idp:AdminEnableUser",
      "cognito-idp:AdminRemoveUserFromGroup",
      "cognito-idp:AdminUserGlobalSignOut",
    ]
    resources = [var.user_pool_arn]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.table_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via]
    }
  }

  statement {
    sid     = "PlatformLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # wildcard: ":*" is the log streams inside this function's own log group.
    resources = ["${var.log_group_arns["api"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions; "*" is
    # the only accepted resource (as in AWSXRayDaemonWriteAccess).
    resources = ["*"]
  }
}

# --- post-confirmation: Cognito trigger -------------------------------------
data "aws_iam_policy_document" "post_confirmation" {
  statement {
    sid       = "ProfileCreate"
    actions   = ["dynamodb:PutItem"]
    resources = [var.table_arn]
  }

  statement {
    sid       = "MemberGroup"
    actions   = ["cognito-idp:AdminAddUserToGroup"]
    resources = [var.user_pool_arn]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.table_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via]
    }
  }

  statement {
    sid     = "PlatformLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # wildcard: ":*" is the log streams inside this function's own log group.
    resources = ["${var.log_group_arns["post-confirmation"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions.
    resources = ["*"]
  }
}

# --- stream-processor: DynamoDB stream -> events -> SNS ---------------------
data "aws_iam_policy_document" "stream_processor" {
  statement {
    sid = "TableReadAndMarkers"
    # Exactly notifier::aws::permissions::STREAM_PROCESSOR.
    actions = [
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]
    # wildcard: "/index/*" is the table's own GSIs.
    resources = [var.table_arn, "${var.table_arn}/index/*"]
  }

  statement {
    sid       = "PublishEvents"
    actions   = ["sns:Publish"]
    resources = [var.topic_arn]
  }

  statement {
    sid = "PlatformStreamRead"
    actions = [
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
    ]
    resources = [var.table_stream_arn]
  }

  statement {
    sid     = "PlatformStreamList"
    actions = ["dynamodb:ListStreams"]
    # wildcard: ListStreams has no resource-level permissions ("*" only); the
    # event source mapping poller lists streams before reading this one.
    resources = ["*"]
  }

  statement {
    sid       = "PlatformFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [var.stream_dlq_arn]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.table_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via]
    }
  }

  statement {
    sid       = "PlatformTopicKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.topic_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.sns_via]
    }
  }

  statement {
    sid     = "PlatformLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # wildcard: ":*" is the log streams inside this function's own log group.
    resources = ["${var.log_group_arns["stream-processor"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions.
    resources = ["*"]
  }
}

# --- email-formatter: SNS -> SES v2 ------------------------------------------
data "aws_iam_policy_document" "email_formatter" {
  statement {
    sid       = "SendEmail"
    actions   = ["ses:SendEmail"]
    resources = [var.ses_identity_arn]
  }

  # Reads the task, its comments and the recipients' profiles; writes in-app
  # notifications and delivery markers. Base table only: no index is queried.
  statement {
    sid       = "TableReadWrite"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = [var.table_arn]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.table_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via]
    }
  }

  statement {
    sid       = "PlatformFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [var.email_dlq_arn]
  }

  statement {
    sid     = "PlatformLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # wildcard: ":*" is the log streams inside this function's own log group.
    resources = ["${var.log_group_arns["email-formatter"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions.
    resources = ["*"]
  }
}

# --- reminders: daily, GSI3 -> due-soon/overdue events -> SNS ---------------
data "aws_iam_policy_document" "reminders" {
  statement {
    sid = "DueTasksAndMarkers"
    actions = [
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]
    # wildcard: "/index/*" is the table's own GSIs (the reminders query GSI3).
    resources = [var.table_arn, "${var.table_arn}/index/*"]
  }

  statement {
    sid       = "PublishEvents"
    actions   = ["sns:Publish"]
    resources = [var.topic_arn]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.table_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.dynamodb_via]
    }
  }

  statement {
    sid       = "PlatformTopicKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.topic_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.sns_via]
    }
  }

  statement {
    sid     = "PlatformLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # wildcard: ":*" is the log streams inside this function's own log group.
    resources = ["${var.log_group_arns["reminders"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions.
    resources = ["*"]
  }
}
