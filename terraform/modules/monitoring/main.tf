# Alarms to one encrypted SNS topic with an e-mail subscription, and a
# monthly cost budget (DESIGN.md "Deployment"). What each alarm means and what
# to do about it: terraform/README.md, "Alarms".

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
}

# --- alarm topic ----------------------------------------------------------------
# CloudWatch publishes to an encrypted topic only if the key lets it (the
# AWS managed SNS key does not), hence a CMK with a statement for it.
resource "aws_kms_key" "alarms" {
  description             = "${var.name}: alarm topic encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # wildcard: the standard IAM-delegation statement; "Resource" in a key
        # policy means "this key".
        Sid       = "AccountRootIamDelegation"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # No source condition: an alarm that cannot encrypt is dropped
        # silently, and CloudWatch only uses the key for alarms of this
        # account that name this topic.
        # wildcard: "GenerateDataKey*" is the pair SNS encryption needs, and
        # "Resource" in a key policy means this key.
        Sid       = "CloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "alarms" {
  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.alarms.key_id
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
}

# SNS mails a confirmation link first; nothing arrives until it is clicked.
resource "aws_sns_topic_subscription" "alarm_email" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# --- Lambda errors and throttles -------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each            = var.function_names
  alarm_name          = "${var.name}-${each.key}-errors"
  alarm_description   = "${each.value} failed invocations (Errors > 0 in 5 min): read its log group."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each            = var.function_names
  alarm_name          = "${var.name}-${each.key}-throttles"
  alarm_description   = "${each.value} was throttled (account or reserved concurrency exhausted)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- dead-letter queues ----------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "dlq" {
  for_each            = var.dlq_names
  alarm_name          = "${var.name}-${each.key}-dlq"
  alarm_description   = "Messages in ${each.value}: events the ${each.key} path gave up on after its retries."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- stream lag ------------------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "stream_iterator_age" {
  alarm_name          = "${var.name}-stream-iterator-age"
  alarm_description   = "The stream processor is more than ${var.iterator_age_threshold_seconds} s behind the table: notifications are late."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = var.stream_function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.iterator_age_threshold_seconds * 1000
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- API 5xx -----------------------------------------------------------------------
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The HTTP API answered 5xx (function errors, timeouts or throttling at the integration)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = var.api_id }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_threshold
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- mail ---------------------------------------------------------------------------
# SES reviews an account at a 5 % bounce rate and 0.1 % complaint rate (and
# may pause sending at 10 % / 0.5 %); the metrics are fractions.
resource "aws_cloudwatch_metric_alarm" "ses_bounce_rate" {
  alarm_name          = "${var.name}-ses-bounce-rate"
  alarm_description   = "SES bounce rate above 5 %: SES may put the account under review and pause sending."
  namespace           = "AWS/SES"
  metric_name         = "Reputation.BounceRate"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0.05
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "ses_complaint_rate" {
  alarm_name          = "${var.name}-ses-complaint-rate"
  alarm_description   = "SES complaint rate above 0.1 %: recipients mark notifications as spam."
  namespace           = "AWS/SES"
  metric_name         = "Reputation.ComplaintRate"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0.001
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Embedded Metric Format lines written by the email-formatter (namespace
# Tasklane, dimension Function = the function's short name).
resource "aws_cloudwatch_metric_alarm" "emails_failed" {
  alarm_name          = "${var.name}-emails-failed"
  alarm_description   = "The email formatter could not send a notification (EmailsFailed > 0): read its log group."
  namespace           = "Tasklane"
  metric_name         = "EmailsFailed"
  dimensions          = { Function = "email-formatter" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- cost ----------------------------------------------------------------------------
# Budgets mails the addresses itself (no SNS topic involved). Without the tag
# filter it covers the whole account; the filter needs the Environment tag
# activated as a cost allocation tag (Billing console) first.
resource "aws_budgets_budget" "monthly" {
  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  dynamic "cost_filter" {
    for_each = var.budget_environment_tag == "" ? [] : [var.budget_environment_tag]
    content {
      name   = "TagKeyValue"
      values = [format("user:Environment$%s", cost_filter.value)]
    }
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = [var.alarm_email]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = [var.alarm_email]
  }
}
