variable "table_arn" {
  type = string
}

data "aws_iam_policy_document" "demo" {
  statement {
    sid       = "Table"
    actions   = ["dynamodb:PutItem"]
    resources = [var.table_arn]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = ["arn:aws:kms:eu-west-1:123456789012:key/demo"]
  }

  statement {
    sid       = "PlatformLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/demo"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray has no resource-level permissions.
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "reader" {
  statement {
    sid     = "Table"
    actions = ["dynamodb:Query"]
    # wildcard: the table's own indexes.
    resources = [var.table_arn, "${var.table_arn}/index/*"]
  }

  statement {
    sid       = "PlatformTableKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = ["arn:aws:kms:eu-west-1:123456789012:key/demo"]
  }

  statement {
    sid       = "PlatformLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/reader"]
  }

  statement {
    sid     = "PlatformXRay"
    actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # wildcard: X-Ray has no resource-level permissions.
    resources = ["*"]
  }
}
