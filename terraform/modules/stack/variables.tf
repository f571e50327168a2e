variable "environment" {
  description = "dev or prod: names every resource tasklane-<environment>-..."
  type        = string
}

variable "lambda_dist_dir" {
  description = "Directory holding <binary>/bootstrap.zip for every function in lambdas.json (scripts/deploy.sh passes it)."
  type        = string
}

# --- mail ------------------------------------------------------------------------
variable "ses_identity" {
  description = "SES sending identity: a domain (example.com, verified by DKIM) or one address (verified by a link SES mails)."
  type        = string
}

variable "mail_from" {
  description = "From address of every mail (notifications and Cognito codes): the identity itself, or an address at the identity's domain."
  type        = string

  validation {
    condition = can(regex("^[^@\\s]+@[^@\\s]+$", var.mail_from)) && (
      lower(var.mail_from) == lower(var.ses_identity) ||
      (!strcontains(var.ses_identity, "@") && endswith(lower(var.mail_from), "@${lower(var.ses_identity)}"))
    )
    error_message = "mail_from must be an e-mail address that SES can send from: equal to ses_identity when that is an address, or at the domain ses_identity when that is a domain."
  }
}

variable "ses_dkim_zone_id" {
  description = "Route 53 zone id where the DKIM records of a domain ses_identity are created; empty: create them by hand."
  type        = string
  default     = ""
}

variable "ses_sandbox_recipients" {
  description = "While the SES account is in the sandbox: addresses to verify so they can receive mail."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains([for a in var.ses_sandbox_recipients : lower(a)], lower(var.ses_identity))
    error_message = "ses_sandbox_recipients must not repeat ses_identity (that identity exists already)."
  }
}

# --- people ----------------------------------------------------------------------
variable "first_admin_email" {
  description = "The account confirmed first with this address becomes ADMIN. Empty: nobody becomes admin by signing up."
  type        = string
  default     = ""

  validation {
    condition     = var.first_admin_email == "" || can(regex("^[^@\\s]+@[^@\\s]+$", var.first_admin_email))
    error_message = "first_admin_email must be an e-mail address or empty."
  }
}

variable "signup" {
  description = "Who may sign up: \"invite\" (once an admin exists, only invited addresses; the app and the pre-sign-up trigger enforce it) or \"open\" (anyone who can reach the sign-up page)."
  type        = string
  default     = "invite"

  validation {
    condition     = contains(["invite", "open"], var.signup)
    error_message = "signup must be \"invite\" or \"open\"."
  }
}

variable "cognito_threat_protection" {
  description = "Cognito Plus plan with threat protection ENFORCED (billed per monthly active user)."
  type        = bool
  default     = false
}

# --- operations ------------------------------------------------------------------
variable "alarm_email" {
  description = "Receives CloudWatch alarms (confirm the SNS subscription mail) and budget alerts."
  type        = string
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget: mail at 80 % actual and at 100 % forecast."
  type        = number
}

variable "budget_by_environment_tag" {
  description = "Budget only resources tagged Environment=<environment> (activate that cost allocation tag first); false: the whole account."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the Lambda and API access log groups."
  type        = number
}

variable "lambda_permissions_boundary_arn" {
  description = "Permissions boundary on every role the stack creates (functions, scheduler): terraform/bootstrap's lambda_permissions_boundary_arn output, which its deploy role requires. Empty: no boundary (deploying without the bootstrap)."
  type        = string
  default     = ""

  validation {
    condition     = var.lambda_permissions_boundary_arn == "" || can(regex("^arn:[a-z-]+:iam::[0-9]{12}:policy/.+$", var.lambda_permissions_boundary_arn))
    error_message = "lambda_permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>) or empty."
  }
}

variable "deletion_protection" {
  description = "Deletion protection on the table and the user pool."
  type        = bool
}

# --- edge ------------------------------------------------------------------------
variable "domain_name" {
  description = "Custom host name for the app (tasks.example.com); empty: the CloudFront name."
  type        = string
  default     = ""
}

variable "zone_id" {
  description = "Route 53 hosted zone of domain_name: certificate validation and alias records go there."
  type        = string
  default     = ""
}

variable "acm_certificate_arn" {
  description = "Existing us-east-1 ACM certificate for domain_name; empty: one is requested and validated in zone_id."
  type        = string
  default     = ""

  validation {
    condition     = var.domain_name == "" || var.zone_id != "" || var.acm_certificate_arn != ""
    error_message = "domain_name needs zone_id (a certificate is requested and DNS-validated there) or acm_certificate_arn (an issued us-east-1 certificate)."
  }
}

variable "assets_bucket_name" {
  description = "Globally unique bucket for the site assets; empty derives one from the account id."
  type        = string
  default     = ""
}

variable "waf_enabled" {
  description = "Attach a WAF web ACL (rate limit per IP, AWS managed rules) to the distribution."
  type        = bool
  default     = false
}

variable "waf_rate_limit" {
  description = "Requests (other than /pkg/ assets) per client IP per 5 minutes before WAF blocks that IP; a team behind one NAT address shares it."
  type        = number
  default     = 1000
}

variable "api_reserved_concurrency" {
  description = "Reserved concurrency of the API function; null: none (the account's unreserved pool)."
  type        = number
  default     = null
}

variable "api_throttling_burst_limit" {
  description = "API stage default route burst limit."
  type        = number
  default     = 200
}

variable "api_throttling_rate_limit" {
  description = "API stage default route steady-state requests per second."
  type        = number
  default     = 100
}
