variable "region" {
  description = "Region of the state bucket, the lock table and the environments."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows may assume the roles, spelled exactly as GitHub does (the OIDC subject is case-sensitive)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "environments" {
  description = "GitHub environments (and terraform/environments/<name> roots) the deploy role serves."
  type        = list(string)
  default     = ["dev", "prod"]

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9-]*$", e))])
    error_message = "environments must be lower-case names such as dev and prod."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name the environments create (tasklane-<env>-...); the deploy role is scoped to it."
  type        = string
  default     = "tasklane"
}

variable "state_bucket_name" {
  description = "Globally unique name for the state bucket; empty derives <prefix>-tfstate-<account>-<region>."
  type        = string
  default     = ""
}

variable "lock_table_name" {
  description = "DynamoDB table for Terraform state locks."
  type        = string
  default     = "tasklane-tfstate-lock"
}

variable "create_github_oidc_provider" {
  description = "Create the account's token.actions.githubusercontent.com OIDC provider. An account holds at most one per URL: set false if another stack already made it."
  type        = bool
  default     = true
}

variable "state_noncurrent_version_days" {
  description = "Days a replaced or deleted state version is kept (the way back from a bad apply)."
  type        = number
  default     = 90
}

variable "route53_zone_ids" {
  description = "Hosted zones the deploy role may write records in (the environments' zone_id and ses_dkim_zone_id); empty: any zone of the account, still only A, AAAA and CNAME records."
  type        = list(string)
  default     = []
}
