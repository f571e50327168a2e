variable "name" {
  type = string
}

variable "post_confirmation_function_arn" {
  type = string
}

variable "post_confirmation_function_name" {
  type = string
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "advanced_security_mode" {
  description = "OFF, AUDIT or ENFORCED (AUDIT/ENFORCED need the Cognito Plus feature plan)."
  type        = string
  default     = "OFF"
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
