variable "key" {
  description = "The function's key in terraform/lambdas.json (api, post-confirmation, ...)."
  type        = string
}

variable "lambdas_file" {
  description = "Path of lambdas.json; null uses terraform/lambdas.json."
  type        = string
  default     = null
}

variable "function_name" {
  description = "Full function name, e.g. tasklane-dev-api."
  type        = string
}

variable "description" {
  type    = string
  default = ""
}

variable "zip_path" {
  description = "cargo-lambda output: <dist>/lambda/<binary>/bootstrap.zip."
  type        = string
}

variable "role_arn" {
  description = "Execution role from modules/iam (one role per function)."
  type        = string
}

variable "environment" {
  description = "Environment variables; checked against the function's declaration in lambdas.json."
  type        = map(string)
  default     = {}
}

variable "memory_size" {
  type    = number
  default = 256
}

variable "timeout" {
  type    = number
  default = 10
}

variable "reserved_concurrency" {
  description = "Reserved concurrency; null leaves the function in the unreserved pool."
  type        = number
  default     = null
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "kms_key_arn" {
  description = "CMK for the log group and the environment variables."
  type        = string
}
