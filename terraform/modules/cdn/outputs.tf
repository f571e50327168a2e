output "bucket_name" {
  value = aws_s3_bucket.assets.id
}

output "distribution_id" {
  value = aws_cloudfront_distribution.site.id
}

output "domain_name" {
  value = aws_cloudfront_distribution.site.domain_name
}

output "url" {
  value = "https://${aws_cloudfront_distribution.site.domain_name}"
}

output "hosted_zone_id" {
  description = "Route 53 zone of CloudFront distributions (for alias records)."
  value       = aws_cloudfront_distribution.site.hosted_zone_id
}
