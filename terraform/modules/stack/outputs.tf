output "url" {
  description = "The app, through CloudFront."
  value       = module.cdn.url
}

output "assets_bucket" {
  value = module.cdn.bucket_name
}

output "distribution_id" {
  value = module.cdn.distribution_id
}

output "api_endpoint" {
  value = module.api_gateway.api_endpoint
}

output "table_name" {
  value = module.dynamodb.table_name
}

output "user_pool_id" {
  value = module.cognito.user_pool_id
}

output "user_pool_client_id" {
  value = module.cognito.client_id
}

output "topic_arn" {
  value = module.notifications.topic_arn
}

output "ses_dkim_tokens" {
  value = module.notifications.ses_dkim_tokens
}

output "dead_letter_queues" {
  value = {
    email     = module.notifications.email_dlq_arn
    stream    = module.notifications.stream_dlq_arn
    reminders = module.notifications.reminders_dlq_arn
  }
}
