# dev: the whole stack, cheap. No WAF, no reserved concurrency, Cognito on
# the Essentials plan, short log retention, no custom domain unless given.
module "stack" {
  source = "../../modules/stack"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
    random        = random
  }

  environment                = "dev"
  lambda_dist_dir            = var.lambda_dist_dir
  ses_identity               = var.ses_identity
  mail_from                  = var.mail_from
  ses_dkim_zone_id           = var.ses_dkim_zone_id
  ses_sandbox_recipients     = var.ses_sandbox_recipients
  first_admin_email          = var.first_admin_email
  alarm_email                = var.alarm_email
  monthly_budget_usd         = var.monthly_budget_usd
  budget_by_environment_tag  = var.budget_by_environment_tag
  log_retention_days         = var.log_retention_days
  domain_name                = var.domain_name
  zone_id                    = var.zone_id
  acm_certificate_arn        = var.acm_certificate_arn
  assets_bucket_name         = var.assets_bucket_name
  api_throttling_burst_limit = var.api_throttling_burst_limit
  api_throttling_rate_limit  = var.api_throttling_rate_limit

  lambda_permissions_boundary_arn = var.lambda_permissions_boundary_arn

  deletion_protection       = var.deletion_protection
  waf_enabled               = false
  cognito_threat_protection = false
}
