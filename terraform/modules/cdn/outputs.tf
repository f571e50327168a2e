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
