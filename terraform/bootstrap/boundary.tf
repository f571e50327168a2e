# The permissions boundary of every role the environments create (the
# functions' roles in modules/iam, the reminders scheduler's role in
# modules/notifications). A role's effective permissions are its own policy
# intersected with this, so it caps what the deploy role can hand out: the
# deploy role may create roles and write their policies only with this
# boundary attached (deploy.tf, RolesWithBoundary). It allows at most what
# the functions may ever need; each function's own policy (generated from
# terraform/lambdas.json) stays far narrower.

locals {
  lambda_boundary_name = "${local.prefix}-lambda-boundary"
  lambda_boundary_arn  = "${local.arn_prefix}:iam::${local.account}:policy/${local.lambda_boundary_name}"
}

data "aws_iam_policy_document" "lambda_boundary" {
  #checkov:skip=CKV_AWS_356:The "*" resources are X-Ray's trace calls and DynamoDB ListStreams, which accept no other resource; everything else is scoped to "<prefix>-*" names, this account's identities and pools, or keys used through a service.
  #checkov:skip=CKV_AWS_111:A permissions boundary grants nothing by itself; its writes (items, messages, mail, user changes, export files) are scoped to "<prefix>-*" names, this account's SES identities and Cognito pools, and KMS through DynamoDB/SNS/SQS only.
  statement {
    sid = "Tables"
    actions = [
      "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
      "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
    ]
    resources = [
      "${local.arn_prefix}:dynamodb:${local.regional}:table/${local.named}",
      # wildcard: the indexes and streams of "<prefix>-*" tables.
      "${local.arn_prefix}:dynamodb:${local.regional}:table/${local.named}/*",
    ]
  }
  statement {
    sid = "NoResourceCalls"
    # wildcard: X-Ray's trace calls and DynamoDB ListStreams (the stream
    # poller) take no resource.
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams"]
    resources = ["*"]
  }
  statement {
    sid = "Messaging"
    actions = [
      "sns:Publish", "lambda:InvokeFunction", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
    ]
    resources = [
      "${local.arn_prefix}:sns:${local.regional}:${local.named}",
      "${local.arn_prefix}:sqs:${local.regional}:${local.named}",
      "${local.arn_prefix}:lambda:${local.regional}:function:${local.named}",
    ]
  }
  statement {
    sid     = "Mail"
    actions = ["ses:SendEmail", "ses:SendRawEmail"]
    resources = [
      # wildcard: identities are named by their domain or address (no
      # prefix), and in the sandbox SES also checks each recipient's.
      "${local.arn_prefix}:ses:${local.regional}:identity/*",
      "${local.arn_prefix}:ses:${local.regional}:configuration-set/${local.named}",
    ]
  }
  statement {
    sid = "Users"
    # wildcard: Admin* is Cognito's set of user operations by an
    # administrator (groups, enable/disable, sign-out, attributes); pools
    # are named by generated ids, so any pool of this account and region.
    actions   = ["cognito-idp:Admin*"]
    resources = ["${local.arn_prefix}:cognito-idp:${local.regional}:userpool/*"]
  }
  statement {
    sid     = "Exports"
    actions = ["s3:PutObject", "s3:GetObject"]
    # wildcard: the export files of "<prefix>-*" buckets (the API writes
    # large CSV exports there and presigns their download).
    resources = ["${local.arn_prefix}:s3:::${local.named}/exports/*"]
  }
  statement {
    sid     = "Logs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "${local.arn_prefix}:logs:${local.regional}:log-group:/aws/lambda/${local.named}",
      # wildcard: the log streams of those groups.
      "${local.arn_prefix}:logs:${local.regional}:log-group:/aws/lambda/${local.named}:*",
    ]
  }
  statement {
    sid     = "KeysThroughServices"
    actions = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    # wildcard: key ids are generated; the condition allows them only in
    # calls DynamoDB, SNS or SQS make for the function.
    resources = ["${local.arn_prefix}:kms:${local.regional}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [for s in ["dynamodb", "sns", "sqs"] : "${s}.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "lambda_boundary" {
  name        = local.lambda_boundary_name
  description = "Permissions boundary of the roles terraform/environments/* create (functions, scheduler)"
  policy      = data.aws_iam_policy_document.lambda_boundary.json
}
