# prod: the same stack with a WAF web ACL (per-IP rate limit and AWS managed
# rules), reserved concurrency on the API, Cognito threat protection, and
# deletion protection on the table and the user pool.
module "stack" {
  source = "../../modules/stack"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
    random        = random
  }

  environment                = "prod"
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

  deletion_protection       = true
  waf_enabled               = true
  waf_rate_limit            = var.waf_rate_limit
  api_reserved_concurrency  = var.api_reserved_concurrency
  cognito_threat_protection = true
}
