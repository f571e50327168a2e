variable "name_prefix" {
  description = "Prefix of role and policy names, e.g. tasklane-dev."
  type        = string
}

variable "lambdas_file" {
  description = "The functions' declarations written by the Rust test (binary, actions, environment)."
  type        = string
  default     = null
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
  description = "The app's events topic (code sns:* actions are granted on it)."
  type        = string
}

variable "topic_kms_key_arn" {
  type = string
}

variable "ses_identity_arn" {
  type = string
}

variable "ses_configuration_set_arn" {
  type = string
}

variable "ses_recipient_identity_arns" {
  description = "Recipient identities verified for the SES sandbox (SES authorizes SendEmail on them while the account is in the sandbox)."
  type        = list(string)
  default     = []
}

variable "user_pool_arn" {
  type = string
}

variable "exports_bucket_arn" {
  description = "The bucket large exports go to (code s3:* actions are granted on its exports/ objects)."
  type        = string
}

variable "email_dlq_arn" {
  type = string
}

variable "stream_dlq_arn" {
  type = string
}

variable "webhooks_dlq_arn" {
  type = string
}

variable "reminders_dlq_arn" {
  type = string
}

variable "log_group_arns" {
  description = "Log group ARN per function key (api, post-confirmation, ...)."
  type        = map(string)
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of every function role (terraform/bootstrap's lambda_permissions_boundary_arn); empty: none."
  type        = string
  default     = ""
}
