terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # Partial configuration: bucket, key, region and dynamodb_table come from
  # `terraform init -backend-config=backend.hcl` (see backend.hcl.example and
  # terraform/scripts/bootstrap-backend.sh, which creates both).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "tasklane"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
