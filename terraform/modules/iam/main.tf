# One execution role per Lambda, each with one inline policy made of two
# parts:
#   - code statements, generated from terraform/lambdas.json, which a Rust
#     test writes from the functions' own permission declarations (the same
#     declarations their SDK clients are guarded with), so the role and the
#     code cannot disagree: one statement per service prefix, on that
#     service's resources of this stack;
#   - platform statements (sid "Platform..."), written here because the
#     Lambda platform needs them whatever the code does: logs, X-Ray, KMS
#     through the services that encrypt with it, stream polling, on-failure
#     destinations.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

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

locals {
  lambdas   = jsondecode(file(coalesce(var.lambdas_file, "${path.module}/../../lambdas.json")))
  functions = toset(keys(local.lambdas))

  # The only resources a code action may be granted on, per service prefix.
  # A prefix missing here fails the plan (precondition below) instead of
  # falling back to "*".
  code_resources = {
    # wildcard: "/index/*" is this table's own GSIs (GSI1-3), not other tables.
    "dynamodb" = [var.table_arn, "${var.table_arn}/index/*"]
    "sns"      = [var.topic_arn]
    # SES v2 authorizes SendEmail on the sending identity and on the
    # configuration set; in the sandbox also on each recipient's identity.
    "ses"         = concat([var.ses_identity_arn, var.ses_configuration_set_arn], var.ses_recipient_identity_arns)
    "cognito-idp" = [var.user_pool_arn]
    # wildcard: the export files the API writes and presigns, under
    # exports/ of the one exports bucket.
    "s3" = ["${var.exports_bucket_arn}/exports/*"]
  }

  # fn => { service prefix => [actions] }
  code_actions = {
    for fn, d in local.lambdas : fn => { for a in d.actions : split(":", a)[0] => a... }
  }

  unknown_services = flatten([
    for fn, by in local.code_actions : [
      for s in keys(by) : "${fn}: ${s}" if !contains(keys(local.code_resources), s)
    ]
  ])

  malformed_actions = flatten([
    for fn, d in local.lambdas : [
      for a in d.actions : "${fn}: ${a}" if !can(regex("^[a-z0-9-]+:[A-Za-z0-9]+$", a))
    ]
  ])

  platform = {
    "api"               = data.aws_iam_policy_document.platform_api.json
    "post-confirmation" = data.aws_iam_policy_document.platform_post_confirmation.json
    "pre-sign-up"       = data.aws_iam_policy_document.platform_pre_sign_up.json
    "stream-processor"  = data.aws_iam_policy_document.platform_stream_processor.json
    "email-formatter"   = data.aws_iam_policy_document.platform_email_formatter.json
    "webhooks"          = data.aws_iam_policy_document.platform_webhooks.json
    "reminders"         = data.aws_iam_policy_document.platform_reminders.json
  }

  dynamodb_via = "dynamodb.${data.aws_region.current.name}.amazonaws.com"
  sns_via      = "sns.${data.aws_region.current.name}.amazonaws.com"
}

# What each function's code calls, exactly as lambdas.json declares it.
data "aws_iam_policy_document" "code" {
  for_each = local.functions

  dynamic "statement" {
    for_each = local.code_actions[each.key]
    content {
      sid       = "Code${replace(title(replace(statement.key, "-", " ")), " ", "")}"
      actions   = sort(statement.value)
      resources = local.code_resources[statement.key]
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.unknown_services) == 0
      error_message = "terraform/lambdas.json declares actions of services modules/iam has no resources for (${join(", ", local.unknown_services)}): add that service's resources to local.code_resources in modules/iam; nothing is granted on \"*\"."
    }
    precondition {
      condition     = length(local.malformed_actions) == 0
      error_message = "terraform/lambdas.json has actions that are not a plain service:Action (wildcards are refused): ${join(", ", local.malformed_actions)}."
    }
    precondition {
      condition     = setunion(local.functions, keys(local.platform)) == setintersection(local.functions, keys(local.platform))
      error_message = "terraform/lambdas.json declares the functions [${join(", ", sort(local.functions))}] but modules/iam has platform statements for [${join(", ", sort(keys(local.platform)))}]: they must be the same set."
    }
  }
}

data "aws_iam_policy_document" "fn" {
  for_each                = local.functions
  source_policy_documents = [data.aws_iam_policy_document.code[each.key].json, local.platform[each.key]]
}

resource "aws_iam_role" "fn" {
  for_each           = local.functions
  name               = "${var.name_prefix}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  # The bootstrap's boundary caps the role whatever its policy says (and its
  # deploy role creates roles only with it); empty: no boundary.
  permissions_boundary = var.permissions_boundary_arn != "" ? var.permissions_boundary_arn : null
}

resource "aws_iam_role_policy" "fn" {
  for_each = local.functions
  name     = "${var.name_prefix}-${each.key}"
  role     = aws_iam_role.fn[each.key].id
  policy   = data.aws_iam_policy_document.fn[each.key].json

  lifecycle {
    precondition {
      condition     = alltrue([for f in local.functions : contains(keys(var.log_group_arns), f)])
      error_message = "log_group_arns must name a log group for every function in terraform/lambdas.json (${join(", ", sort(local.functions))})."
    }
  }
}

# --- platform statements ---------------------------------------------------
# Every function reads the table (or its stream), which is encrypted with the
# table's CMK, and writes its own log group and X-Ray segments.

data "aws_iam_policy_document" "platform_api" {
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

data "aws_iam_policy_document" "platform_post_confirmation" {
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

data "aws_iam_policy_document" "platform_pre_sign_up" {
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
    resources = ["${var.log_group_arns["pre-sign-up"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions.
    resources = ["*"]
  }
}

# The event source mapping polls the stream with the function's role, and
# sends records it gives up on to the on-failure queue with it too.
data "aws_iam_policy_document" "platform_stream_processor" {
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

  # Publishing to the CMK-encrypted topic.
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

# Lambda's asynchronous invoke sends events that exhausted their retries to
# the on-failure destination with the function's role.
data "aws_iam_policy_document" "platform_email_formatter" {
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

data "aws_iam_policy_document" "platform_webhooks" {
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
    resources = [var.webhooks_dlq_arn]
  }

  statement {
    sid     = "PlatformLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # wildcard: ":*" is the log streams inside this function's own log group.
    resources = ["${var.log_group_arns["webhooks"]}:*"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray trace APIs have no resource-level permissions.
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "platform_reminders" {
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

  # Publishing to the CMK-encrypted topic.
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

  # A scheduled run that still fails after its retries goes to the DLQ.
  statement {
    sid       = "PlatformFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [var.reminders_dlq_arn]
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
