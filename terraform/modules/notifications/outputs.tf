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
