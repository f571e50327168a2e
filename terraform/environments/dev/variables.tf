variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "lambda_dist_dir" {
  description = "Directory holding <binary>/bootstrap.zip (scripts/deploy.sh passes the one scripts/package-lambdas.sh fills)."
  type        = string
  default     = "../../../target/lambda"
}

variable "ses_identity" {
  description = "SES sending identity: a domain or one address."
  type        = string
}

variable "mail_from" {
  description = "From address of every mail: ses_identity itself, or an address at that domain."
  type        = string
}

variable "ses_dkim_zone_id" {
  description = "Route 53 zone id for the DKIM records of a domain ses_identity; empty: create them by hand."
  type        = string
  default     = ""
}

variable "ses_sandbox_recipients" {
  description = "Addresses to verify as recipients while the SES account is in the sandbox."
  type        = list(string)
  default     = []
}

variable "first_admin_email" {
  description = "The first account confirmed with this address becomes ADMIN."
  type        = string
  default     = ""
}

variable "alarm_email" {
  description = "Receives alarms and budget alerts."
  type        = string
}

variable "monthly_budget_usd" {
  type    = number
  default = 20
}

variable "budget_by_environment_tag" {
  description = "Budget only resources tagged Environment=dev (activate the cost allocation tag first)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "domain_name" {
  description = "Custom host name; empty: the CloudFront name."
  type        = string
  default     = ""
}

variable "zone_id" {
  description = "Route 53 zone of domain_name."
  type        = string
  default     = ""
}

variable "acm_certificate_arn" {
  description = "Existing us-east-1 certificate for domain_name; empty: requested and validated in zone_id."
  type        = string
  default     = ""
}

variable "assets_bucket_name" {
  type    = string
  default = ""
}

variable "lambda_permissions_boundary_arn" {
  description = "terraform/bootstrap's lambda_permissions_boundary_arn output (required by its deploy role); empty: roles without a boundary."
  type        = string
  default     = ""
}

variable "api_throttling_burst_limit" {
  type    = number
  default = 50
}

variable "api_throttling_rate_limit" {
  type    = number
  default = 25
}

variable "deletion_protection" {
  description = "Deletion protection on the table and the user pool (turn off, apply, then destroy to tear dev down)."
  type        = bool
  default     = true
}
