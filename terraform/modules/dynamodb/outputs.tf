output "table_name" {
  value = aws_dynamodb_table.main.name
}

output "table_arn" {
  value = aws_dynamodb_table.main.arn
}

output "stream_arn" {
  value = aws_dynamodb_table.main.stream_arn
}

output "kms_key_arn" {
  value = aws_kms_key.table.arn
}
