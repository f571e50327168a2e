# HTTP API in front of the api Lambda: payload format 2.0, one `$default`
# route and the `$default` stage (no stage prefix in paths, so the router sees
# the same paths as locally), auto-deploy, throttling and JSON access logs.
# Clients reach it only through CloudFront: the function refuses requests
# without the origin secret CloudFront adds (modules/cdn).

data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  description   = "tasklane SSR pages and server functions"
  protocol_type = "HTTP"
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, chosen per environment (30 days dev, 90 prod): access logs carry client addresses, and keeping them a year would keep personal data nobody reads.
  name              = "/aws/apigateway/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# The invoke ARN is built from the function's ARN, which the caller derives
# from the function's name before the function exists (see modules/stack),
# so nothing here waits for the function: the function's environment names
# the public URL, which can be the distribution in front of this API.
resource "aws_apigatewayv2_integration" "lambda" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = "arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.name}:lambda:path/2015-03-31/functions/${var.function_arn}/invocations"
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

# Every method and path goes to the one router, which owns routing, auth and
# the 404 page.
resource "aws_apigatewayv2_route" "default" {
  #checkov:skip=CKV_AWS_309:Authorization is done by the application (Cognito JWTs in HttpOnly cookies, checked on every server function); sign-in, sign-up and public pages must be reachable without a token, so an API Gateway authorizer cannot sit on the catch-all route.
  api_id    = aws_apigatewayv2_api.this.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.lambda.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }
}

# Lambda refuses a permission for a function that does not exist yet, so this
# one takes the created function's name (var.function_name), unlike the
# integration above.
resource "aws_lambda_permission" "invoke" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  # wildcard: any stage and route of *this* API (there is only `$default`).
  source_arn = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}
