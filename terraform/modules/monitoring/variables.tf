variable "name" {
  description = "Name prefix, e.g. tasklane-prod."
  type        = string
}

variable "alarm_email" {
  description = "Receives alarms (after confirming the SNS subscription) and budget alerts."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "function_names" {
  description = "Function name per short name (api, post-confirmation, ...)."
  type        = map(string)
}

variable "stream_function_name" {
  type = string
}

variable "dlq_names" {
  description = "Dead-letter queue name per path (email, stream, reminders)."
  type        = map(string)
}

variable "api_id" {
  type = string
}

variable "iterator_age_threshold_seconds" {
  type    = number
  default = 60
}

variable "api_5xx_threshold" {
  description = "5xx answers per 5 minutes above which the API alarms."
  type        = number
  default     = 0
}

variable "monthly_budget_usd" {
  type = number
}

variable "budget_environment_tag" {
  description = "Limit the budget to resources tagged Environment=<this> (needs the cost allocation tag activated); empty: the whole account."
  type        = string
  default     = ""
}
