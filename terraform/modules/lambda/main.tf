# One Rust Lambda: a cargo-lambda zip holding `bootstrap`, provided.al2023 on
# arm64, its own log group (created here so retention and encryption are ours,
# and so the role can be scoped to exactly this group), X-Ray tracing.
#
# Its environment is checked against what the code declares in
# terraform/lambdas.json (written by a Rust test): a missing required
# variable or one the code never reads fails the plan, not the first request.

locals {
  declarations = jsondecode(file(coalesce(var.lambdas_file, "${path.module}/../../lambdas.json")))
  declared     = contains(keys(local.declarations), var.key)
  env_required = try(tolist(local.declarations[var.key].environment.required), [])
  env_optional = try(tolist(local.declarations[var.key].environment.optional), [])
  env_missing  = sort(setsubtract(local.env_required, keys(var.environment)))
  env_unknown  = sort(setsubtract(keys(var.environment), concat(local.env_required, local.env_optional)))
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, chosen per environment (30 days dev, 90 prod): these logs carry e-mail and client addresses, and keeping them a year would keep personal data nobody reads.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:No VPC on purpose: the function talks only to public AWS endpoints (DynamoDB, SNS, SES, Cognito) under IAM; a VPC would add NAT/endpoint cost and cold-start latency and protect nothing.
  #checkov:skip=CKV_AWS_272:Code signing is not set up: zips are built and deployed by the same OIDC-authenticated CI job, so a signing profile would not add a separate trust boundary.
  #checkov:skip=CKV_AWS_116:A function-level DLQ only applies to asynchronous invokes; the asynchronous paths (SNS -> email-formatter, scheduler -> reminders, stream mapping) have on-failure destinations/DLQs configured in modules/notifications, and the api and Cognito trigger are synchronous.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is optional (var.reserved_concurrency, set for the API in prod): new accounts have a concurrency quota of 10 and must keep 10 unreserved, so a default reservation would make the first apply fail.
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

  lifecycle {
    precondition {
      condition     = local.declared
      error_message = "${var.function_name}: terraform/lambdas.json declares no function \"${var.key}\" (regenerate it with the Rust test, or fix the key)."
    }
    precondition {
      condition     = length(local.env_missing) == 0
      error_message = "${var.function_name}: required environment variables not set (terraform/lambdas.json): ${join(", ", local.env_missing)}."
    }
    precondition {
      condition     = length(local.env_unknown) == 0
      error_message = "${var.function_name}: environment variables the code neither requires nor reads (terraform/lambdas.json): ${join(", ", local.env_unknown)}."
    }
  }
}
