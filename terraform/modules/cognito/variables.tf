variable "name" {
  type = string
}

variable "post_confirmation_function_arn" {
  type = string
}

variable "post_confirmation_function_name" {
  type = string
}

variable "pre_sign_up_function_arn" {
  description = "Refuses sign-ups domain::admit refuses (sign-up by invitation)."
  type        = string
}

variable "pre_sign_up_function_name" {
  type = string
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "threat_protection" {
  description = "Plus feature plan with threat protection ENFORCED (billed per monthly active user)."
  type        = bool
  default     = false
}

variable "ses_identity_arn" {
  description = "SES identity Cognito sends from once it is verified."
  type        = string
}

variable "ses_identity_verified" {
  description = "Whether SES has verified the identity (until then Cognito uses its built-in sender)."
  type        = bool
}

variable "mail_from" {
  description = "From address of Cognito's mails (at the SES identity)."
  type        = string
}

variable "ses_configuration_set_name" {
  type = string
}

variable "access_token_minutes" {
  description = "Access and ID token lifetime."
  type        = number
  default     = 60
}

variable "refresh_token_days" {
  type    = number
  default = 30
}
