variable "name" {
  type = string
}

variable "function_name" {
  description = "Name of the api Lambda."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the api Lambda."
  type        = string
}

variable "throttling_burst_limit" {
  type    = number
  default = 200
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second for the whole stage."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  type    = number
  default = 365
}

variable "kms_key_arn" {
  description = "CMK for the access log group."
  type        = string
}
