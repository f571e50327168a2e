terraform {
  # Same floor as terraform/environments/* (one Terraform for both; CI uses 1.11).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # No backend block: local state on purpose. This module creates the remote
  # backend every environment uses, so it cannot keep its own state there.
  # terraform.tfstate here holds names and ARNs, no secrets; keep it (it is
  # what a later `terraform apply` or `destroy` of the bootstrap reads).
}

provider "aws" {
  region = var.region

  # Project differs from the environments' "tasklane" on purpose: the deploy
  # role's tag-conditioned KMS statement then never reaches the state key.
  default_tags {
    tags = {
      Project   = "${var.name_prefix}-bootstrap"
      ManagedBy = "terraform"
    }
  }
}
