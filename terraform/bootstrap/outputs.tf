output "backend_hcl" {
  description = "terraform/environments/<env>/backend.hcl for each environment (see README.md)."
  value = { for e, key in local.state_keys : e => <<-HCL
    bucket         = "${aws_s3_bucket.state.id}"
    key            = "${key}"
    region         = "${local.region}"
    dynamodb_table = "${aws_dynamodb_table.lock.name}"
    encrypt        = true
  HCL
  }
}

output "plan_role_arn" {
  description = "GitHub variable AWS_PLAN_ROLE_ARN (repository level)."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "GitHub variable AWS_DEPLOY_ROLE_ARN (repository level, or per environment)."
  value       = aws_iam_role.deploy.arn
}

output "lambda_permissions_boundary_arn" {
  description = "Permissions boundary the environments put on their roles: their lambda_permissions_boundary_arn (GitHub variable LAMBDA_PERMISSIONS_BOUNDARY_ARN). The deploy role creates roles only with it."
  value       = aws_iam_policy.lambda_boundary.arn
}

output "github_variables" {
  description = "The repository variables .github/workflows/deploy.yml reads that this module knows (README.md lists the others)."
  value = {
    AWS_REGION                      = local.region
    AWS_PLAN_ROLE_ARN               = aws_iam_role.plan.arn
    AWS_DEPLOY_ROLE_ARN             = aws_iam_role.deploy.arn
    TF_STATE_BUCKET                 = aws_s3_bucket.state.id
    TF_LOCK_TABLE                   = aws_dynamodb_table.lock.name
    LAMBDA_PERMISSIONS_BOUNDARY_ARN = aws_iam_policy.lambda_boundary.arn
  }
}

output "state_bucket" {
  value = aws_s3_bucket.state.id
}

output "lock_table" {
  value = aws_dynamodb_table.lock.name
}
