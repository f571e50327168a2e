output "url" {
  description = "The app's public URL."
  value       = module.stack.url
}

output "assets_bucket" {
  value = module.stack.assets_bucket
}

output "distribution_id" {
  value = module.stack.distribution_id
}

output "distribution_domain" {
  description = "Point a DNS name managed outside Route 53 here (CNAME)."
  value       = module.stack.distribution_domain
}

output "api_endpoint" {
  value = module.stack.api_endpoint
}

output "table_name" {
  value = module.stack.table_name
}

output "user_pool_id" {
  value = module.stack.user_pool_id
}

output "user_pool_client_id" {
  value = module.stack.user_pool_client_id
}

output "topic_arn" {
  value = module.stack.topic_arn
}

output "ses_dkim_tokens" {
  description = "For a domain identity: <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com."
  value       = module.stack.ses_dkim_tokens
}

output "ses_configuration_set" {
  value = module.stack.ses_configuration_set
}

output "alarm_topic_arn" {
  value = module.stack.alarm_topic_arn
}

output "dead_letter_queues" {
  value = module.stack.dead_letter_queues
}

output "ses_identity_verified" {
  description = "false: verify the SES identity, then deploy again (Cognito switches to SES)."
  value       = module.stack.ses_identity_verified
}
