terraform {
  # 1.9: variable validations that refer to other variables (mail_from,
  # acm_certificate_arn, ses_sandbox_recipients).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.us_east_1]
    }
    random = {
      source = "hashicorp/random"
    }
  }
}
