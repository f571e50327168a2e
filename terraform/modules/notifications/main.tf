# The AWS notification path (DESIGN.md "Notifications"):
#   table stream --(event source mapping)--> stream-processor --> SNS topic
#   SNS topic --(subscription)--> email-formatter --> SES v2
#   EventBridge Scheduler (daily) --> reminders --> SNS topic
#   SES configuration set --(bounces, complaints)--> ses-events topic
#     --> email-formatter (marks the address suppressed in the store)
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
      {
        # SES publishes bounce and complaint events to the ses-events topic,
        # which is encrypted with this key; only on behalf of this account.
        # wildcard: "GenerateDataKey*" is the pair SNS encryption needs, and
        # "Resource" in a key policy means this key.
        Sid       = "SesEventPublishing"
        Effect    = "Allow"
        Principal = { Service = "ses.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
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

resource "aws_sqs_queue" "webhooks_dlq" {
  name                      = "${var.name}-webhooks-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "reminders_dlq" {
  name                      = "${var.name}-reminders-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

# SNS moves messages it could not deliver to the email-formatter here (from
# either topic it is subscribed to).
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
      values   = [aws_sns_topic.events.arn, aws_sns_topic.ses_events.arn]
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

# SES bounce and complaint events reach the same function, which tells them
# from notification events by their shape.
resource "aws_sns_topic_subscription" "ses_events" {
  topic_arn = aws_sns_topic.ses_events.arn
  protocol  = "lambda"
  endpoint  = var.email_function_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.email_dlq.arn
  })
}

resource "aws_lambda_permission" "sns_ses_events" {
  statement_id  = "AllowSesEventsInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.email_function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.ses_events.arn
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

# --- SNS -> webhooks -----------------------------------------------------------
# Another subscriber of the same topic: app events only (SES reports go to
# their own topic). A receiver that is down fails the invocation; Lambda
# retries it (its own backoff), then parks the event in the DLQ for a
# redrive; deliveries already made are marked and not repeated.
data "aws_iam_policy_document" "webhooks_dlq" {
  statement {
    sid       = "SnsRedrive"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.webhooks_dlq.arn]
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

resource "aws_sqs_queue_policy" "webhooks_dlq" {
  queue_url = aws_sqs_queue.webhooks_dlq.id
  policy    = data.aws_iam_policy_document.webhooks_dlq.json
}

resource "aws_sns_topic_subscription" "webhooks" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "lambda"
  endpoint  = var.webhooks_function_arn
  # Invitation emails (type INVITATION) are no webhook's business.
  filter_policy = jsonencode({
    type = [{ "anything-but" = ["INVITATION"] }]
  })
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.webhooks_dlq.arn
  })
}

resource "aws_lambda_permission" "sns_webhooks" {
  statement_id  = "AllowSnsInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.webhooks_function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.events.arn
}

resource "aws_lambda_function_event_invoke_config" "webhooks" {
  function_name                = var.webhooks_function_name
  maximum_retry_attempts       = var.webhooks_max_retries
  maximum_event_age_in_seconds = 21600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.webhooks_dlq.arn
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
  name                 = "${var.name}-reminders-scheduler"
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume.json
  permissions_boundary = var.permissions_boundary_arn != "" ? var.permissions_boundary_arn : null
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

# The schedule invokes asynchronously. The function fails the invocation when
# any task's reminder could not be sent; a retry skips what was already sent
# (idempotent per task, day and kind), and a run that still fails lands in
# the reminders DLQ beside the scheduler's own undeliverable invocations.
resource "aws_lambda_function_event_invoke_config" "reminders" {
  function_name                = var.reminders_function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.reminders_dlq.arn
    }
  }
}

# --- SES v2 -------------------------------------------------------------------
# The sending identity: a domain (verified by the DKIM CNAMEs in the
# ses_dkim_tokens output, created here when ses_dkim_zone_id is set) or a
# single address (verified by the link SES mails to it). Mail sent from it
# uses the configuration set unless a sender names another.
resource "aws_sesv2_email_identity" "sender" {
  email_identity         = var.ses_identity
  configuration_set_name = aws_sesv2_configuration_set.mail.configuration_set_name
}

resource "aws_route53_record" "dkim" {
  for_each = var.ses_dkim_zone_id != "" && !strcontains(var.ses_identity, "@") ? toset(["0", "1", "2"]) : toset([])
  zone_id  = var.ses_dkim_zone_id
  name     = "${aws_sesv2_email_identity.sender.dkim_signing_attributes[0].tokens[tonumber(each.key)]}._domainkey.${var.ses_identity}"
  type     = "CNAME"
  ttl      = 1800
  records  = ["${aws_sesv2_email_identity.sender.dkim_signing_attributes[0].tokens[tonumber(each.key)]}.dkim.amazonses.com"]
}

# While the account is in the SES sandbox only verified addresses receive
# mail: each address listed here gets a verification link from SES.
resource "aws_sesv2_email_identity" "sandbox_recipient" {
  for_each       = toset(var.ses_sandbox_recipients)
  email_identity = each.value
}

# Bounced and complained-about addresses are suppressed by SES itself (no
# further sends, no further damage to the account's reputation), and their
# events go to the ses-events topic so the app can show them.
resource "aws_sesv2_configuration_set" "mail" {
  configuration_set_name = var.name

  delivery_options {
    # Notifications carry task titles and comments: never in clear text
    # between mail servers.
    tls_policy = "REQUIRE"
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }

  suppression_options {
    suppressed_reasons = ["BOUNCE", "COMPLAINT"]
  }
}

# Only what the app acts on: a DELIVERY event per mail would invoke the
# formatter for every notification sent, for nothing it shows.
resource "aws_sesv2_configuration_set_event_destination" "sns" {
  configuration_set_name = aws_sesv2_configuration_set.mail.configuration_set_name
  event_destination_name = "ses-events"

  event_destination {
    enabled              = true
    matching_event_types = ["BOUNCE", "COMPLAINT"]

    sns_destination {
      topic_arn = aws_sns_topic.ses_events.arn
    }
  }

  depends_on = [aws_sns_topic_policy.ses_events]
}

resource "aws_sns_topic" "ses_events" {
  name              = "${var.name}-ses-events"
  kms_master_key_id = aws_kms_key.topic.arn
}

data "aws_iam_policy_document" "ses_events" {
  statement {
    sid       = "SesPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.ses_events.arn]
    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  # The topic policy replaces SNS's default one; the account keeps managing
  # and subscribing through its own IAM policies.
  statement {
    sid = "AccountManage"
    actions = [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:ListSubscriptionsByTopic",
      "sns:DeleteTopic",
    ]
    resources = [aws_sns_topic.ses_events.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_sns_topic_policy" "ses_events" {
  arn    = aws_sns_topic.ses_events.arn
  policy = data.aws_iam_policy_document.ses_events.json
}
