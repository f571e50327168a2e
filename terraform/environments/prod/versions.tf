terraform {
  # 1.9: variable validations that refer to other variables (modules/stack).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.83+: aws_cognito_user_pool.user_pool_tier (threat protection).
      version = "~> 5.83"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Partial configuration: bucket, key, region and the lock table come from
  # `terraform init -backend-config=backend.hcl` (see backend.hcl.example and
  # terraform/bootstrap/README.md, which creates them).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# CloudFront takes ACM certificates and WAF web ACLs from us-east-1 only.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.tags
  }
}

locals {
  tags = {
    Project     = "tasklane"
    Environment = "prod"
    ManagedBy   = "terraform"
  }
}
