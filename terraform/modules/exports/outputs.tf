output "bucket_name" {
  value = aws_s3_bucket.exports.id
}

output "bucket_arn" {
  value = aws_s3_bucket.exports.arn
}
