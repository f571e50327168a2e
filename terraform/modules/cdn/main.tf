# The site's front door (DESIGN.md "Deployment"): CloudFront serves `/pkg/*`
# and the static files from a private S3 bucket through Origin Access
# Control, and sends everything else (SSR pages, server functions) to the
# HTTP API uncached, with cookies, query strings and every viewer header
# except Host. Same origin for pages and server functions, so no CORS.

# --- private bucket for the built site assets -------------------------------
resource "aws_s3_bucket" "assets" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not needed: every object is a build output that scripts/deploy.sh re-uploads from source.
  #checkov:skip=CKV_AWS_18:Server access logging is not enabled: the bucket is reachable only by this distribution (bucket policy below), so request logging belongs at CloudFront, and a log bucket would itself need a log bucket.
  #checkov:skip=CKV2_AWS_62:No S3 event notifications are needed: nothing reacts to uploads; deploys are driven by scripts/deploy.sh.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) instead of SSE-KMS: the objects are public web assets served to any browser; a CMK would add per-request KMS cost and a CloudFront key-policy dependency without protecting anything secret.
  bucket        = var.bucket_name
  force_destroy = false
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "assets" {
  bucket = aws_s3_bucket.assets.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "assets" {
  bucket = aws_s3_bucket.assets.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {
  bucket = aws_s3_bucket.assets.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Old hashed bundles stay for a while (pages rendered before a deploy still
# reference them), then go.
resource "aws_s3_bucket_lifecycle_configuration" "assets" {
  bucket = aws_s3_bucket.assets.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.assets]
}

# Only this distribution may read, and only over TLS.
data "aws_iam_policy_document" "assets" {
  statement {
    sid     = "CloudFrontReadViaOac"
    actions = ["s3:GetObject"]
    # wildcard: every object of this one bucket (the site assets).
    resources = ["${aws_s3_bucket.assets.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.site.arn]
    }
  }

  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # wildcard: a Deny for every action by every principal when the request
    # is not TLS; it can only take access away.
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.assets.arn, "${aws_s3_bucket.assets.arn}/*"]
    principals {
      # wildcard: the Deny applies to every principal (anyone not using TLS).
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "assets" {
  bucket = aws_s3_bucket.assets.id
  policy = data.aws_iam_policy_document.assets.json

  depends_on = [aws_s3_bucket_public_access_block.assets]
}

# --- CloudFront ----------------------------------------------------------------
resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "${var.name}-assets"
  description                       = "CloudFront to the private assets bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Long TTLs bounded by the objects' own Cache-Control (hashed files are
# uploaded as immutable, the rest as must-revalidate: scripts/deploy.sh).
resource "aws_cloudfront_cache_policy" "assets" {
  name        = "${var.name}-assets"
  comment     = "Static assets: long TTL, compressed"
  min_ttl     = 0
  default_ttl = 86400
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

# What the API receives: every cookie and query string, the viewer headers
# the app reads, and CloudFront-Viewer-Address, the client address the app
# rate-limits by (a viewer cannot forge it; the app trusts it only on a
# request that also carries the origin secret). A header list, not
# Managed-AllViewerExceptHostHeader: an "all except" policy cannot add
# CloudFront-* headers, and "all viewer and CloudFront" also forwards Host,
# which API Gateway refuses (it must see its own host name).
resource "aws_cloudfront_origin_request_policy" "api" {
  name    = "${var.name}-api"
  comment = "API: cookies, query strings, app headers, viewer address"

  cookies_config {
    cookie_behavior = "all"
  }

  headers_config {
    header_behavior = "whitelist"
    headers {
      items = concat(var.api_forwarded_headers, ["CloudFront-Viewer-Address"])
    }
  }

  query_strings_config {
    query_string_behavior = "all"
  }
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "HSTS, nosniff, frame denial, referrer policy, CSP"

  # The same headers the application sets (server/src/headers.rs). Pages
  # carry a CSP with a per-response nonce that CloudFront cannot know, so
  # the origin's policy wins (override = false); assets from S3 get the
  # locked-down one.
  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
      override = false
    }
  }

  security_headers_config {
    content_security_policy {
      content_security_policy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
      override                = false
    }
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "same-origin"
      override        = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}

locals {
  s3_origin_id  = "assets-s3"
  api_origin_id = "api-gateway"
}

resource "aws_cloudfront_distribution" "site" {
  #checkov:skip=CKV_AWS_374:No geo restriction: a team task manager used by members wherever they are; there is no legal or licensing reason to block countries.
  #checkov:skip=CKV_AWS_68:The web ACL is var.web_acl_id: prod attaches one (modules/stack, rate-based rule and AWS managed rules); dev has none because it costs a fixed monthly fee, and its API stage is throttled and sign-in rate limited by the application.
  #checkov:skip=CKV2_AWS_47:Follows from CKV_AWS_68: prod's web ACL carries AWSManagedRulesKnownBadInputsRuleSet (the Log4j rules); dev has no web ACL, and the origin is Rust, not a JVM.
  #checkov:skip=CKV_AWS_86:CloudFront standard logging needs an ACL-enabled log bucket (ACLs are disabled on every bucket here); the API Gateway JSON access logs record every dynamic request, and CloudFront metrics and WAF sampled requests cover the rest.
  #checkov:skip=CKV_AWS_310:No origin failover: each path pattern has exactly one origin (S3 for assets, the regional API for pages); there is no secondary to fail over to.
  #checkov:skip=CKV_AWS_305:No default root object: "/" is a server-rendered page handled by the API origin, not an S3 object.
  #checkov:skip=CKV_AWS_174:With the default *.cloudfront.net certificate CloudFront fixes the TLS policy itself; with a custom domain (var.acm_certificate_arn) the viewer certificate below uses TLSv1.2_2021.
  #checkov:skip=CKV2_AWS_42:Without a custom domain the distribution runs on its *.cloudfront.net name and certificate; with domain_name set (modules/stack) it uses an ACM certificate for it.
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "${var.name} site"
  price_class     = var.price_class
  aliases         = var.aliases
  web_acl_id      = var.web_acl_id

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = aws_s3_bucket.assets.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
  }

  origin {
    origin_id   = local.api_origin_id
    domain_name = var.api_domain

    # The API function refuses requests without it: only requests that came
    # through this distribution (and its WAF) reach the app.
    custom_header {
      name  = "x-tasklane-origin-secret"
      value = var.origin_secret
    }

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  # Everything else: SSR pages and server functions, never cached.
  default_cache_behavior {
    target_origin_id           = local.api_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.api.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    compress                   = true
  }

  # The WASM bundle, its JS glue and CSS (content-hashed names).
  ordered_cache_behavior {
    path_pattern               = "/pkg/*"
    target_origin_id           = local.s3_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = aws_cloudfront_cache_policy.assets.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    compress                   = true
  }

  # Files copied from public/ to the site root (one behaviour per file).
  dynamic "ordered_cache_behavior" {
    for_each = var.static_files
    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.s3_origin_id
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = ["GET", "HEAD"]
      cached_methods             = ["GET", "HEAD"]
      cache_policy_id            = aws_cloudfront_cache_policy.assets.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
      compress                   = true
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }
}
