output "topic_arn" {
  value = aws_sns_topic.events.arn
}

output "topic_kms_key_arn" {
  value = aws_kms_key.topic.arn
}

output "email_dlq_arn" {
  value = aws_sqs_queue.email_dlq.arn
}

output "stream_dlq_arn" {
  value = aws_sqs_queue.stream_dlq.arn
}

output "webhooks_dlq_arn" {
  value = aws_sqs_queue.webhooks_dlq.arn
}

output "reminders_dlq_arn" {
  value = aws_sqs_queue.reminders_dlq.arn
}

output "ses_identity_arn" {
  value = aws_sesv2_email_identity.sender.arn
}

output "ses_dkim_tokens" {
  description = "For a domain identity: create <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com."
  value       = aws_sesv2_email_identity.sender.dkim_signing_attributes[0].tokens
}

output "ses_events_topic_arn" {
  value = aws_sns_topic.ses_events.arn
}

output "ses_configuration_set_name" {
  value = aws_sesv2_configuration_set.mail.configuration_set_name
}

output "ses_configuration_set_arn" {
  value = aws_sesv2_configuration_set.mail.arn
}

output "ses_recipient_identity_arns" {
  value = [for i in aws_sesv2_email_identity.sandbox_recipient : i.arn]
}

output "dlq_names" {
  description = "Dead-letter queue name per path (for alarms)."
  value = {
    email     = aws_sqs_queue.email_dlq.name
    stream    = aws_sqs_queue.stream_dlq.name
    reminders = aws_sqs_queue.reminders_dlq.name
    webhooks  = aws_sqs_queue.webhooks_dlq.name
  }
}

output "ses_identity_verified" {
  description = "SES has verified the sending identity (re-read on every plan)."
  value       = aws_sesv2_email_identity.sender.verified_for_sending_status
}
