# The AWS notification path (DESIGN.md "Notifications"):
#   table stream --(event source mapping)--> stream-processor --> SNS topic
#   SNS topic --(subscription)--> email-formatter --> SES v2
#   EventBridge Scheduler (daily) --> reminders --> SNS topic
# Every asynchronous hop has finite retries and a dead-letter destination.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# --- SNS topic, encrypted with its own CMK ----------------------------------
resource "aws_kms_key" "topic" {
  description             = "${var.name}: SNS events topic encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # wildcard: the standard IAM-delegation statement; "Resource" in a key
        # policy means "this key". Publishers get kms:GenerateDataKey and
        # kms:Decrypt through their own IAM policies (modules/iam).
        Sid       = "AccountRootIamDelegation"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "topic" {
  name          = "alias/${var.name}-events"
  target_key_id = aws_kms_key.topic.key_id
}

resource "aws_sns_topic" "events" {
  name              = "${var.name}-events"
  kms_master_key_id = aws_kms_key.topic.arn
}

# --- dead-letter queues (SSE-SQS) -------------------------------------------
resource "aws_sqs_queue" "email_dlq" {
  name                      = "${var.name}-email-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "stream_dlq" {
  name                      = "${var.name}-stream-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "reminders_dlq" {
  name                      = "${var.name}-reminders-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

# SNS moves messages it could not deliver to the email-formatter here.
data "aws_iam_policy_document" "email_dlq" {
  statement {
    sid       = "SnsRedrive"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.email_dlq.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.events.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "email_dlq" {
  queue_url = aws_sqs_queue.email_dlq.id
  policy    = data.aws_iam_policy_document.email_dlq.json
}

# --- SNS -> email-formatter --------------------------------------------------
resource "aws_sns_topic_subscription" "email" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "lambda"
  endpoint  = var.email_function_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.email_dlq.arn
  })
}

resource "aws_lambda_permission" "sns_email" {
  statement_id  = "AllowSnsInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.email_function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.events.arn
}

# SNS invokes asynchronously: a failed send is retried a finite number of
# times by Lambda, then the event lands in the DLQ.
resource "aws_lambda_function_event_invoke_config" "email" {
  function_name                = var.email_function_name
  maximum_retry_attempts       = var.email_max_retries
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.email_dlq.arn
    }
  }
}

# --- table stream -> stream-processor ---------------------------------------
# The mapping is validated against the consumer's role when it is created, so
# it waits for that role's policy (passed in as stream_consumer_policy_id).
resource "terraform_data" "stream_consumer_policy" {
  input = var.stream_consumer_policy_id
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn                   = var.stream_arn
  function_name                      = var.stream_consumer_function_name
  starting_position                  = "LATEST"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  parallelization_factor             = 1
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = var.stream_max_retries
  maximum_record_age_in_seconds      = 3600
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_dlq.arn
    }
  }

  depends_on = [terraform_data.stream_consumer_policy]
}

# --- daily schedule -> reminders ---------------------------------------------
data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeReminders"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.reminders_function_arn]
  }

  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.reminders_dlq.arn]
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-reminders-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${var.name}-reminders-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "reminders" {
  #checkov:skip=CKV_AWS_297:The schedule carries no input payload (the reminders function derives everything from the date), so there is nothing for a CMK to protect.
  name                         = "${var.name}-reminders"
  description                  = "Daily due-soon and overdue reminders"
  schedule_expression          = var.reminders_schedule
  schedule_expression_timezone = var.reminders_timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.reminders_function_arn
    role_arn = aws_iam_role.scheduler.arn

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.reminders_dlq.arn
    }
  }
}

# --- SES v2 sending identity -------------------------------------------------
# A domain (verified by the DKIM CNAMEs in the dkim_tokens output) or a single
# address (verified by the link SES mails to it).
resource "aws_sesv2_email_identity" "sender" {
  email_identity = var.ses_identity
}
