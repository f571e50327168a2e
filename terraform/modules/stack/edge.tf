# What sits in front of the distribution: an optional custom domain (ACM
# certificate + Route 53 records) and, in prod, a WAF web ACL. CloudFront
# only takes certificates and CLOUDFRONT-scope web ACLs from us-east-1,
# hence the aws.us_east_1 provider.

locals {
  # A certificate is made here when a domain is given without one.
  create_certificate = var.domain_name != "" && var.acm_certificate_arn == ""
  certificate_arn = (
    var.domain_name == "" ? null :
    local.create_certificate ? aws_acm_certificate_validation.site[0].certificate_arn :
    var.acm_certificate_arn
  )
}

# --- custom domain ---------------------------------------------------------------
resource "aws_acm_certificate" "site" {
  count             = local.create_certificate ? 1 : 0
  provider          = aws.us_east_1
  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = local.create_certificate ? {
    for o in aws_acm_certificate.site[0].domain_validation_options : o.domain_name => o
  } : {}
  zone_id         = var.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

# Waits until ACM has seen the records and issued the certificate.
resource "aws_acm_certificate_validation" "site" {
  count                   = local.create_certificate ? 1 : 0
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.site[0].arn
  validation_record_fqdns = [for r in aws_route53_record.certificate_validation : r.fqdn]
}

resource "aws_route53_record" "site" {
  for_each = var.domain_name != "" && var.zone_id != "" ? toset(["A", "AAAA"]) : toset([])
  zone_id  = var.zone_id
  name     = var.domain_name
  type     = each.key

  alias {
    name                   = module.cdn.domain_name
    zone_id                = module.cdn.hosted_zone_id
    evaluate_target_health = false
  }
}

# --- WAF (prod) --------------------------------------------------------------------
# A per-client-address rate limit on pages and server functions (sign-in and
# sign-up included), then AWS's common and known-bad-input rule sets.
resource "aws_wafv2_web_acl" "site" {
  #checkov:skip=CKV2_AWS_31:No WAF request logging: it would ship every request (cookies included) to a us-east-1 log destination with its own key and retention; the rules' CloudWatch metrics and sampled requests are enabled below, and the API access logs record every dynamic request.
  count       = var.waf_enabled ? 1 : 0
  provider    = aws.us_east_1
  name        = "${local.name}-site"
  description = "Rate limit per client address and AWS managed rules for ${local.name}"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-per-ip"
    priority = 0

    action {
      block {}
    }

    # Hashed bundles under /pkg/ do not count: a page load fetches several,
    # and people in one office share an address.
    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"

        scope_down_statement {
          not_statement {
            statement {
              byte_match_statement {
                search_string         = "/pkg/"
                positional_constraint = "STARTS_WITH"

                field_to_match {
                  uri_path {}
                }

                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-rate-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 1

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"

        # The rule blocks bodies over 8 KB; long task descriptions and
        # comments exceed that, and the app enforces its own body limit.
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
        vendor_name = "AWS"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.name}-site"
    sampled_requests_enabled   = true
  }
}
