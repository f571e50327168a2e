output "role_arns" {
  description = "Execution role ARN per function key."
  value       = { for k, r in aws_iam_role.fn : k => r.arn }
}

output "policy_ids" {
  description = "Inline policy id per function key (for resources that must wait for the policy)."
  value       = { for k, p in aws_iam_role_policy.fn : k => p.id }
}

output "functions" {
  description = "The function keys declared in terraform/lambdas.json."
  value       = local.functions
}
