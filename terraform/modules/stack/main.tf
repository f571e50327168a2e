# The dev environment: every module wired together.
#
# Naming convention read by scripts/check-infra.py: the Rust binary
# `lambda-<fn>` is deployed by `module "fn_<fn with - as _>"` below, from
# <lambda_dist_dir>/lambda-<fn>/bootstrap.zip, with the role and policy
# document `<fn>` of modules/iam. Its `environment` map must set every
# variable the binary reads.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name       = "tasklane-${var.environment}"
  public_url = var.public_url != "" ? var.public_url : module.cdn.url
  zip        = { for f in ["api", "post-confirmation", "stream-processor", "email-formatter", "reminders"] : f => "${var.lambda_dist_dir}/lambda-${f}/bootstrap.zip" }
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
  source              = "../../modules/dynamodb"
  name                = "${local.name}-main"
  deletion_protection = var.table_deletion_protection
}

# --- roles ----------------------------------------------------------------------
module "iam" {
  source            = "../../modules/iam"
  name_prefix       = local.name
  table_arn         = module.dynamodb.table_arn
  table_stream_arn  = module.dynamodb.stream_arn
  table_kms_key_arn = module.dynamodb.kms_key_arn
  topic_arn         = module.notifications.topic_arn
  topic_kms_key_arn = module.notifications.topic_kms_key_arn
  ses_identity_arn  = module.notifications.ses_identity_arn
  user_pool_arn     = module.cognito.user_pool_arn
  email_dlq_arn     = module.notifications.email_dlq_arn
  stream_dlq_arn    = module.notifications.stream_dlq_arn
  log_group_arns = {
    "api"               = module.fn_api.log_group_arn
    "post-confirmation" = module.fn_post_confirmation.log_group_arn
    "stream-processor"  = module.fn_stream_processor.log_group_arn
    "email-formatter"   = module.fn_email_formatter.log_group_arn
    "reminders"         = module.fn_reminders.log_group_arn
  }
}

# --- functions ------------------------------------------------------------------
module "fn_api" {
  source        = "../../modules/lambda"
  function_name = "${local.name}-api"
  description   = "SSR pages and server functions (lambda_http)"
  zip_path      = local.zip["api"]
  role_arn      = module.iam.role_arns["api"]
  kms_key_arn   = aws_kms_key.app.arn
  memory_size   = 512
  timeout       = 15
  environment = {
    # server/src/lambda.rs and app::auth::cognito::env: the issuer and JWKS
    # URL derive from AWS_REGION and the pool id; TASKLANE_PUBLIC_URL is
    # left unset (it would make this function depend on the CDN in front of
    # it; cookies default to Secure).
    TASKLANE_TABLE                = module.dynamodb.table_name
    TASKLANE_COGNITO_USER_POOL_ID = module.cognito.user_pool_id
    TASKLANE_COGNITO_CLIENT_ID    = module.cognito.client_id
    TASKLANE_LOG_FORMAT           = "json"
  }
}

module "fn_post_confirmation" {
  source        = "../../modules/lambda"
  function_name = "${local.name}-post-confirmation"
  description   = "Cognito post-confirmation: profile + MEMBER group"
  zip_path      = local.zip["post-confirmation"]
  role_arn      = module.iam.role_arns["post-confirmation"]
  kms_key_arn   = aws_kms_key.app.arn
  memory_size   = 128
  timeout       = 5
  environment = {
    TASKLANE_TABLE      = module.dynamodb.table_name
    TASKLANE_LOG_FORMAT = "json"
  }
}

module "fn_stream_processor" {
  source        = "../../modules/lambda"
  function_name = "${local.name}-stream-processor"
  description   = "DynamoDB stream -> notification events -> SNS"
  zip_path      = local.zip["stream-processor"]
  role_arn      = module.iam.role_arns["stream-processor"]
  kms_key_arn   = aws_kms_key.app.arn
  memory_size   = 256
  timeout       = 30
  environment = {
    TASKLANE_TABLE      = module.dynamodb.table_name
    TASKLANE_TOPIC_ARN  = module.notifications.topic_arn
    TASKLANE_LOG_FORMAT = "json"
  }
}

module "fn_email_formatter" {
  source        = "../../modules/lambda"
  function_name = "${local.name}-email-formatter"
  description   = "SNS event -> HTML/text email via SES v2"
  zip_path      = local.zip["email-formatter"]
  role_arn      = module.iam.role_arns["email-formatter"]
  kms_key_arn   = aws_kms_key.app.arn
  memory_size   = 256
  timeout       = 15
  environment = {
    TASKLANE_TABLE      = module.dynamodb.table_name
    TASKLANE_MAIL_FROM  = var.ses_identity
    TASKLANE_PUBLIC_URL = local.public_url
    TASKLANE_LOG_FORMAT = "json"
  }
}

module "fn_reminders" {
  source        = "../../modules/lambda"
  function_name = "${local.name}-reminders"
  description   = "Daily due-soon and overdue events from GSI3"
  zip_path      = local.zip["reminders"]
  role_arn      = module.iam.role_arns["reminders"]
  kms_key_arn   = aws_kms_key.app.arn
  memory_size   = 256
  timeout       = 60
  environment = {
    TASKLANE_TABLE      = module.dynamodb.table_name
    TASKLANE_TOPIC_ARN  = module.notifications.topic_arn
    TASKLANE_LOG_FORMAT = "json"
  }
}

# --- wiring ---------------------------------------------------------------------
module "notifications" {
  source                        = "../../modules/notifications"
  name                          = local.name
  stream_arn                    = module.dynamodb.stream_arn
  stream_consumer_function_name = module.fn_stream_processor.function_arn
  stream_consumer_policy_id     = module.iam.policy_ids["stream-processor"]
  email_function_arn            = module.fn_email_formatter.function_arn
  email_function_name           = module.fn_email_formatter.function_name
  reminders_function_arn        = module.fn_reminders.function_arn
  ses_identity                  = var.ses_identity
}

module "cognito" {
  source                          = "../../modules/cognito"
  name                            = local.name
  post_confirmation_function_arn  = module.fn_post_confirmation.function_arn
  post_confirmation_function_name = module.fn_post_confirmation.function_name
}

module "api_gateway" {
  source              = "../../modules/api-gateway"
  name                = local.name
  function_name       = module.fn_api.function_name
  function_invoke_arn = module.fn_api.invoke_arn
  kms_key_arn         = aws_kms_key.app.arn
}

module "cdn" {
  source       = "../../modules/cdn"
  name         = local.name
  bucket_name  = var.assets_bucket_name != "" ? var.assets_bucket_name : "${local.name}-assets-${data.aws_caller_identity.current.account_id}"
  api_domain   = module.api_gateway.api_domain
  static_files = ["/favicon.svg"]
}
