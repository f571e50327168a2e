# One Rust Lambda: a cargo-lambda zip holding `bootstrap`, provided.al2023 on
# arm64, its own log group (created here so retention and encryption are ours,
# and so the role can be scoped to exactly this group), X-Ray tracing.

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:No VPC on purpose: the function talks only to public AWS endpoints (DynamoDB, SNS, SES, Cognito) under IAM; a VPC would add NAT/endpoint cost and cold-start latency and protect nothing.
  #checkov:skip=CKV_AWS_272:Code signing is not set up: zips are built and deployed by the same OIDC-authenticated CI job, so a signing profile would not add a separate trust boundary.
  #checkov:skip=CKV_AWS_116:A function-level DLQ only applies to asynchronous invokes; the asynchronous paths (SNS -> email-formatter, scheduler -> reminders, stream mapping) have on-failure destinations/DLQs configured in modules/notifications, and the api and Cognito trigger are synchronous.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is optional (var.reserved_concurrency): new accounts have a concurrency quota of 10 and must keep 10 unreserved, so a default reservation would make the first apply fail.
  function_name                  = var.function_name
  description                    = var.description
  role                           = var.role_arn
  filename                       = var.zip_path
  source_code_hash               = filebase64sha256(var.zip_path)
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = ["arm64"]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  dynamic "environment" {
    for_each = length(var.environment) > 0 ? [1] : []
    content {
      variables = var.environment
    }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }
}
