output "url" {
  description = "The app's public URL (custom domain, else CloudFront)."
  value       = local.public_url
}

output "assets_bucket" {
  value = module.cdn.bucket_name
}

output "distribution_id" {
  value = module.cdn.distribution_id
}

output "distribution_domain" {
  value = module.cdn.domain_name
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
  description = "For a domain identity: <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com."
  value       = module.notifications.ses_dkim_tokens
}

output "ses_configuration_set" {
  value = module.notifications.ses_configuration_set_name
}

output "alarm_topic_arn" {
  value = module.monitoring.alarm_topic_arn
}

output "dead_letter_queues" {
  value = module.notifications.dlq_names
}

output "ses_identity_verified" {
  description = "false: mail is not sent yet and Cognito uses its built-in sender; verify, then deploy again."
  value       = module.notifications.ses_identity_verified
}
