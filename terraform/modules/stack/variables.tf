variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "lambda_dist_dir" {
  description = "cargo-lambda output directory holding <bin>/bootstrap.zip (scripts/deploy.sh passes $CARGO_TARGET_DIR/lambda)."
  type        = string
  default     = "../../../target/lambda"
}

variable "ses_identity" {
  description = "Sender domain or address for notification emails."
  type        = string
}

variable "public_url" {
  description = "Public base URL used in email links, e.g. https://tasks.example.com. Empty: the CloudFront URL."
  type        = string
  default     = ""
}

variable "assets_bucket_name" {
  description = "Globally unique bucket for the site assets; empty derives one from the account id."
  type        = string
  default     = ""
}

variable "table_deletion_protection" {
  type    = bool
  default = true
}
