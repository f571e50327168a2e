variable "name" {
  type = string
}

variable "function_name" {
  description = "Name of the created api Lambda (the invoke permission needs it to exist)."
  type        = string
}

variable "function_arn" {
  description = "ARN of the api Lambda, derived from its name (known before the function exists)."
  type        = string
}

variable "throttling_burst_limit" {
  description = "Default route burst limit of the stage."
  type        = number
  default     = 200
}

variable "throttling_rate_limit" {
  description = "Default route steady-state requests per second of the stage."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "kms_key_arn" {
  description = "CMK for the access log group."
  type        = string
}
