variable "name_prefix" {
  description = "Prefix of role and policy names, e.g. tasklane-dev."
  type        = string
}

variable "table_arn" {
  type = string
}

variable "table_stream_arn" {
  type = string
}

variable "table_kms_key_arn" {
  type = string
}

variable "topic_arn" {
  type = string
}

variable "topic_kms_key_arn" {
  type = string
}

variable "ses_identity_arn" {
  type = string
}

variable "user_pool_arn" {
  type = string
}

variable "email_dlq_arn" {
  type = string
}

variable "stream_dlq_arn" {
  type = string
}

variable "log_group_arns" {
  description = "Log group ARN per function key (api, post-confirmation, ...)."
  type        = map(string)
}
