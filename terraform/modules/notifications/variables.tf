variable "name" {
  description = "Name prefix, e.g. tasklane-dev."
  type        = string
}

variable "stream_arn" {
  description = "The table's stream ARN."
  type        = string
}

variable "stream_consumer_function_name" {
  description = "stream-processor function name or ARN."
  type        = string
}

variable "stream_consumer_policy_id" {
  description = "Id of the stream-processor role policy; the mapping waits for it."
  type        = string
}

variable "stream_max_retries" {
  type    = number
  default = 5
}

variable "email_function_arn" {
  type = string
}

variable "email_function_name" {
  type = string
}

variable "email_max_retries" {
  description = "Lambda async retries for the email-formatter (0-2)."
  type        = number
  default     = 2
}

variable "webhooks_function_arn" {
  type = string
}

variable "webhooks_function_name" {
  type = string
}

variable "webhooks_max_retries" {
  description = "Lambda async retries for the webhooks function (0-2)."
  type        = number
  default     = 2
}

variable "reminders_function_arn" {
  type = string
}

variable "reminders_schedule" {
  type    = string
  default = "cron(0 7 * * ? *)"
}

variable "reminders_timezone" {
  type    = string
  default = "UTC"
}

variable "ses_identity" {
  description = "Sender domain (example.com) or address (noreply@example.com)."
  type        = string
}

variable "reminders_function_name" {
  type = string
}

variable "ses_dkim_zone_id" {
  description = "Route 53 zone of a domain ses_identity: the DKIM CNAMEs are created there. Empty: create them by hand from the ses_dkim_tokens output."
  type        = string
  default     = ""
}

variable "ses_sandbox_recipients" {
  description = "Addresses to verify as recipients while the SES account is in the sandbox (SES mails each a verification link)."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the scheduler's role (the same as the functions'); empty: none."
  type        = string
  default     = ""
}
