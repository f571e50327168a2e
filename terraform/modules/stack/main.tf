# Everything one environment runs: environments/dev and environments/prod are
# thin roots that call this with their differences (WAF, reserved
# concurrency, threat protection, deletion protection, domain, retention).
#
# Each function's role (modules/iam) and environment check (modules/lambda)
# come from terraform/lambdas.json, which a Rust test writes from the code.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name    = "tasklane-${var.environment}"
  lambdas = jsondecode(file("${path.module}/../../lambdas.json"))
  zip     = { for f, d in local.lambdas : f => "${var.lambda_dist_dir}/${d.binary}/bootstrap.zip" }

  # CSRF compares a request's Origin with this, and e-mails link to it.
  public_url = var.domain_name != "" ? "https://${var.domain_name}" : module.cdn.url

  # The api function's name and ARN are fixed strings, known before the
  # function exists, and the API Gateway integration is built from them
  # rather than from module.fn_api's outputs. The function's environment
  # holds the public URL, which without a custom domain is the
  # distribution's, whose origin is this API: module to module, fn_api ->
  # cdn -> api_gateway -> fn_api is a cycle. Terraform orders single
  # resources, so it would get by today (the distribution needs only the
  # API's endpoint); with the derived ARN no resource of the API depends on
  # the function at all, whatever its configuration comes to reference. Only
  # the invoke permission waits for the created function (modules/api-gateway).
  api_function_name = "${local.name}-api"
  api_function_arn  = "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:function:${local.api_function_name}"

  log_format = { TASKLANE_LOG_FORMAT = "json" }
}

# --- one CMK for log groups and Lambda environment variables ----------------
data "aws_iam_policy_document" "app_key" {
  #checkov:skip=CKV_AWS_109:False positive for a key policy: "Resource": "*" in a key policy means this key only, and kms:* for the account root is the IAM-delegation statement AWS requires to keep a key manageable.
  #checkov:skip=CKV_AWS_111:Same key-policy false positive as CKV_AWS_109; write access is granted to the account root (IAM delegation) and to CloudWatch Logs constrained by encryption context.
  #checkov:skip=CKV_AWS_356:Same key-policy false positive: a key policy's resource can only be the key itself, written "*".
  statement {
    sid = "AccountRootIamDelegation"
    # wildcard: the standard IAM-delegation statement; in a key policy the
    # resource "*" means this key, and kms:* for the root keeps it manageable.
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogs"
    # wildcard: "Encrypt*"/"GenerateDataKey*" etc. are the documented set
    # CloudWatch Logs needs; Resource "*" is this key; the condition limits
    # use to log groups of this account and region.
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      # wildcard: any log group of this account in this region.
      values = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "app" {
  description             = "${local.name}: log groups and Lambda environment"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.app_key.json
}

resource "aws_kms_alias" "app" {
  name          = "alias/${local.name}-app"
  target_key_id = aws_kms_key.app.key_id
}

# --- data ---------------------------------------------------------------------
module "dynamodb" {
  source              = "../dynamodb"
  name                = "${local.name}-main"
  deletion_protection = var.deletion_protection
}

# Exports too large for one Lambda answer (server/src/exports.rs).
module "exports" {
  source      = "../exports"
  bucket_name = "${local.name}-exports-${data.aws_caller_identity.current.account_id}"
}

# --- roles ----------------------------------------------------------------------
module "iam" {
  source                      = "../iam"
  name_prefix                 = local.name
  table_arn                   = module.dynamodb.table_arn
  table_stream_arn            = module.dynamodb.stream_arn
  table_kms_key_arn           = module.dynamodb.kms_key_arn
  topic_arn                   = module.notifications.topic_arn
  topic_kms_key_arn           = module.notifications.topic_kms_key_arn
  ses_identity_arn            = module.notifications.ses_identity_arn
  ses_configuration_set_arn   = module.notifications.ses_configuration_set_arn
  ses_recipient_identity_arns = module.notifications.ses_recipient_identity_arns
  user_pool_arn               = module.cognito.user_pool_arn
  exports_bucket_arn          = module.exports.bucket_arn
  email_dlq_arn               = module.notifications.email_dlq_arn
  stream_dlq_arn              = module.notifications.stream_dlq_arn
  reminders_dlq_arn           = module.notifications.reminders_dlq_arn
  webhooks_dlq_arn            = module.notifications.webhooks_dlq_arn
  permissions_boundary_arn    = var.lambda_permissions_boundary_arn
  log_group_arns = {
    "api"               = module.fn_api.log_group_arn
    "post-confirmation" = module.fn_post_confirmation.log_group_arn
    "pre-sign-up"       = module.fn_pre_sign_up.log_group_arn
    "stream-processor"  = module.fn_stream_processor.log_group_arn
    "email-formatter"   = module.fn_email_formatter.log_group_arn
    "webhooks"          = module.fn_webhooks.log_group_arn
    "reminders"         = module.fn_reminders.log_group_arn
  }
}

# --- functions ------------------------------------------------------------------
# CloudFront sends it with every API request; the API function refuses
# requests without it, so nothing reaches the app around CloudFront.
resource "random_password" "origin_secret" {
  length  = 48
  special = false
}

# The install's invitation key (store::InviteKey): the API makes and looks
# up invitation links with it, the email formatter builds the link it mails.
# The table holds only the key's hashes, so a backup yields no working link.
resource "random_password" "invite_key" {
  length  = 64
  special = false
}

module "fn_api" {
  source               = "../lambda"
  key                  = "api"
  function_name        = local.api_function_name
  description          = "SSR pages and server functions (lambda_http)"
  zip_path             = local.zip["api"]
  role_arn             = module.iam.role_arns["api"]
  kms_key_arn          = aws_kms_key.app.arn
  memory_size          = 512
  timeout              = 15
  reserved_concurrency = var.api_reserved_concurrency
  log_retention_days   = var.log_retention_days
  # The issuer and JWKS URL derive from AWS_REGION and the pool id.
  environment = merge(local.log_format, {
    TASKLANE_TABLE                = module.dynamodb.table_name
    TASKLANE_COGNITO_USER_POOL_ID = module.cognito.user_pool_id
    TASKLANE_COGNITO_CLIENT_ID    = module.cognito.client_id
    TASKLANE_PUBLIC_URL           = local.public_url
    TASKLANE_ORIGIN_SECRET        = random_password.origin_secret.result
    TASKLANE_INVITE_KEY           = random_password.invite_key.result
    TASKLANE_EXPORT_BUCKET        = module.exports.bucket_name
    TASKLANE_SIGNUP               = var.signup
  })
}

module "fn_post_confirmation" {
  source             = "../lambda"
  key                = "post-confirmation"
  function_name      = "${local.name}-post-confirmation"
  description        = "Cognito post-confirmation: profile, group, first admin"
  zip_path           = local.zip["post-confirmation"]
  role_arn           = module.iam.role_arns["post-confirmation"]
  kms_key_arn        = aws_kms_key.app.arn
  memory_size        = 128
  timeout            = 5
  log_retention_days = var.log_retention_days
  # The first account confirmed with first_admin_email becomes ADMIN (a
  # one-time marker in the table decides); every other one MEMBER.
  environment = merge(
    local.log_format,
    { TASKLANE_TABLE = module.dynamodb.table_name },
    var.first_admin_email == "" ? {} : { TASKLANE_FIRST_ADMIN_EMAIL = var.first_admin_email },
  )
}

# Refuses Cognito sign-ups that domain::admit refuses (sign-up by
# invitation once an admin exists), the same rule as the app's form.
module "fn_pre_sign_up" {
  source             = "../lambda"
  key                = "pre-sign-up"
  function_name      = "${local.name}-pre-sign-up"
  description        = "Cognito pre-sign-up: invitation-only sign-up"
  zip_path           = local.zip["pre-sign-up"]
  role_arn           = module.iam.role_arns["pre-sign-up"]
  kms_key_arn        = aws_kms_key.app.arn
  memory_size        = 128
  timeout            = 5
  log_retention_days = var.log_retention_days
  environment = merge(local.log_format, {
    TASKLANE_TABLE  = module.dynamodb.table_name
    TASKLANE_SIGNUP = var.signup
  })
}

module "fn_stream_processor" {
  source             = "../lambda"
  key                = "stream-processor"
  function_name      = "${local.name}-stream-processor"
  description        = "DynamoDB stream -> notification events -> SNS"
  zip_path           = local.zip["stream-processor"]
  role_arn           = module.iam.role_arns["stream-processor"]
  kms_key_arn        = aws_kms_key.app.arn
  memory_size        = 256
  timeout            = 30
  log_retention_days = var.log_retention_days
  environment = merge(local.log_format, {
    TASKLANE_TABLE     = module.dynamodb.table_name
    TASKLANE_TOPIC_ARN = module.notifications.topic_arn
  })
}

module "fn_email_formatter" {
  source             = "../lambda"
  key                = "email-formatter"
  function_name      = "${local.name}-email-formatter"
  description        = "SNS event -> e-mail via SES v2; SES bounces/complaints -> suppressed"
  zip_path           = local.zip["email-formatter"]
  role_arn           = module.iam.role_arns["email-formatter"]
  kms_key_arn        = aws_kms_key.app.arn
  memory_size        = 256
  timeout            = 15
  log_retention_days = var.log_retention_days
  environment = merge(local.log_format, {
    TASKLANE_TABLE                 = module.dynamodb.table_name
    TASKLANE_MAIL_FROM             = var.mail_from
    TASKLANE_PUBLIC_URL            = local.public_url
    TASKLANE_SES_CONFIGURATION_SET = module.notifications.ses_configuration_set_name
    TASKLANE_INVITE_KEY            = random_password.invite_key.result
  })
}

# No VPC: webhook URLs are public endpoints, and the sender refuses
# private, link-local and loopback addresses itself (notifier::webhook).
module "fn_webhooks" {
  source             = "../lambda"
  key                = "webhooks"
  function_name      = "${local.name}-webhooks"
  description        = "SNS event -> signed POST to each admin-configured webhook"
  zip_path           = local.zip["webhooks"]
  role_arn           = module.iam.role_arns["webhooks"]
  kms_key_arn        = aws_kms_key.app.arn
  memory_size        = 256
  timeout            = 120
  log_retention_days = var.log_retention_days
  environment = merge(local.log_format, {
    TASKLANE_TABLE      = module.dynamodb.table_name
    TASKLANE_PUBLIC_URL = local.public_url
  })
}

module "fn_reminders" {
  source             = "../lambda"
  key                = "reminders"
  function_name      = "${local.name}-reminders"
  description        = "Daily due-soon and overdue events from GSI3"
  zip_path           = local.zip["reminders"]
  role_arn           = module.iam.role_arns["reminders"]
  kms_key_arn        = aws_kms_key.app.arn
  memory_size        = 256
  timeout            = 300
  log_retention_days = var.log_retention_days
  environment = merge(local.log_format, {
    TASKLANE_TABLE     = module.dynamodb.table_name
    TASKLANE_TOPIC_ARN = module.notifications.topic_arn
  })
}

# --- wiring ---------------------------------------------------------------------
module "notifications" {
  source                        = "../notifications"
  name                          = local.name
  stream_arn                    = module.dynamodb.stream_arn
  stream_consumer_function_name = module.fn_stream_processor.function_arn
  stream_consumer_policy_id     = module.iam.policy_ids["stream-processor"]
  email_function_arn            = module.fn_email_formatter.function_arn
  email_function_name           = module.fn_email_formatter.function_name
  webhooks_function_arn         = module.fn_webhooks.function_arn
  webhooks_function_name        = module.fn_webhooks.function_name
  reminders_function_arn        = module.fn_reminders.function_arn
  reminders_function_name       = module.fn_reminders.function_name
  ses_identity                  = var.ses_identity
  ses_dkim_zone_id              = var.ses_dkim_zone_id
  ses_sandbox_recipients        = var.ses_sandbox_recipients
  permissions_boundary_arn      = var.lambda_permissions_boundary_arn
}

module "cognito" {
  source                          = "../cognito"
  name                            = local.name
  post_confirmation_function_arn  = module.fn_post_confirmation.function_arn
  post_confirmation_function_name = module.fn_post_confirmation.function_name
  pre_sign_up_function_arn        = module.fn_pre_sign_up.function_arn
  pre_sign_up_function_name       = module.fn_pre_sign_up.function_name
  deletion_protection             = var.deletion_protection
  threat_protection               = var.cognito_threat_protection
  ses_identity_arn                = module.notifications.ses_identity_arn
  ses_identity_verified           = module.notifications.ses_identity_verified
  mail_from                       = var.mail_from
  ses_configuration_set_name      = module.notifications.ses_configuration_set_name
}

module "api_gateway" {
  source                 = "../api-gateway"
  name                   = local.name
  function_arn           = local.api_function_arn
  function_name          = module.fn_api.function_name
  kms_key_arn            = aws_kms_key.app.arn
  throttling_burst_limit = var.api_throttling_burst_limit
  throttling_rate_limit  = var.api_throttling_rate_limit
  log_retention_days     = var.log_retention_days
}

module "cdn" {
  source              = "../cdn"
  name                = local.name
  bucket_name         = var.assets_bucket_name != "" ? var.assets_bucket_name : "${local.name}-assets-${data.aws_caller_identity.current.account_id}"
  api_domain          = module.api_gateway.api_domain
  origin_secret       = random_password.origin_secret.result
  static_files        = ["/favicon.svg"]
  aliases             = var.domain_name != "" ? [var.domain_name] : []
  acm_certificate_arn = local.certificate_arn
  web_acl_id          = var.waf_enabled ? aws_wafv2_web_acl.site[0].arn : null
}

module "monitoring" {
  source      = "../monitoring"
  name        = local.name
  alarm_email = var.alarm_email
  function_names = {
    "api"               = module.fn_api.function_name
    "post-confirmation" = module.fn_post_confirmation.function_name
    "pre-sign-up"       = module.fn_pre_sign_up.function_name
    "stream-processor"  = module.fn_stream_processor.function_name
    "email-formatter"   = module.fn_email_formatter.function_name
    "webhooks"          = module.fn_webhooks.function_name
    "reminders"         = module.fn_reminders.function_name
  }
  stream_function_name   = module.fn_stream_processor.function_name
  dlq_names              = module.notifications.dlq_names
  api_id                 = module.api_gateway.api_id
  monthly_budget_usd     = var.monthly_budget_usd
  budget_environment_tag = var.budget_by_environment_tag ? var.environment : ""
}

# A warning, not an error: the stack works before SES has verified the
# identity, but no notification mail goes out and Cognito uses its built-in
# sender until it has (terraform/README.md, step 3).
check "ses_identity_verified" {
  assert {
    condition     = module.notifications.ses_identity_verified
    error_message = "SES has not verified ${var.ses_identity} yet: notification mail fails and Cognito sends codes with its built-in sender. Publish the DKIM records (output ses_dkim_tokens) or click SES's link, then deploy again."
  }
}
