# What the deploy role may do beyond the state (roles.tf): create, change and
# delete the resources terraform/environments/* declare, upload and prune the
# site assets (scripts/deploy.sh), and nothing that reaches the bootstrap.
#
# Scoping: resources whose ARN carries their name are limited to the
# "<prefix>-*" names the environments use. Services that name resources by
# generated ids (KMS keys, Cognito pools, API Gateway APIs, CloudFront) cannot
# be scoped by name; those statements say so, and use the Project tag the
# environments' provider sets (default_tags) where the service supports it.
#
# Roles: it creates "<prefix>-*" roles and writes their policies only with the
# permissions boundary of boundary.tf attached (iam:PermissionsBoundary), so
# a role it hands out can never exceed that boundary, whatever policy it
# writes; it cannot remove or change the boundary. What else keeps it safe is
# who can assume it (main after ci, prod behind reviewers: deploy.yml) and
# the Deny on the bootstrap's own resources.
#
# Three managed policies (core, messaging, edge): each must stay under IAM's
# 6,144 characters (whitespace not counted); a role may attach 10.

locals {
  regional = "${local.region}:${local.account}"
}

data "aws_iam_policy_document" "deploy_core" {
  #checkov:skip=CKV_AWS_356:The "*" resources are KMS CreateKey (a key's id is generated; conditioned on the Project tag), Lambda event source mappings (UUIDs; conditioned on the function name) and calls that take no resource (list/describe, API Gateway's log deliveries); each statement says why.
  #checkov:skip=CKV_AWS_111:The writes on "*" are creations of resources with no ARN before they exist (CreateKey only with the Project tag, event source mappings only for "<prefix>-*" functions) and the account-level log deliveries API Gateway needs for access logs; everything with a name-based ARN is scoped to "<prefix>-*", and the bootstrap is denied explicitly.

  # --- S3: the site assets and exports buckets of each environment --------------
  statement {
    sid = "AssetBuckets"
    # wildcard: bucket configuration and objects of "<prefix>-*" buckets
    # only (the assets bucket and its objects, uploaded and pruned by
    # scripts/deploy.sh, and the exports bucket); the state bucket is
    # excluded by DenyBootstrap.
    actions = ["s3:*"]
    resources = [
      "${local.arn_prefix}:s3:::${local.named}",
      "${local.arn_prefix}:s3:::${local.named}/*",
    ]
  }

  # --- DynamoDB: tables, control plane only --------------------------------------
  statement {
    sid = "Tables"
    # wildcard: Describe*/List* are reads of table configuration; no item
    # reads or writes are granted.
    actions = [
      "dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable",
      "dynamodb:UpdateTimeToLive", "dynamodb:UpdateContinuousBackups",
      "dynamodb:TagResource", "dynamodb:UntagResource",
      "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetResourcePolicy",
    ]
    resources = [
      "${local.arn_prefix}:dynamodb:${local.regional}:table/${local.named}",
      # wildcard: the tables' indexes and streams.
      "${local.arn_prefix}:dynamodb:${local.regional}:table/${local.named}/*",
    ]
  }

  # --- Lambda --------------------------------------------------------------------
  statement {
    sid = "Functions"
    # wildcard: every Lambda action on "<prefix>-*" functions (code, config,
    # permissions, event invoke config, versions).
    actions = ["lambda:*"]
    resources = [
      "${local.arn_prefix}:lambda:${local.regional}:function:${local.named}",
      "${local.arn_prefix}:lambda:${local.regional}:function:${local.named}:*",
    ]
  }
  statement {
    sid = "EventSourceMappingsWrite"
    actions = [
      "lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping",
    ]
    # wildcard: mappings are named by generated UUIDs; the condition limits
    # them to "<prefix>-*" functions.
    resources = ["*"]
    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = ["${local.arn_prefix}:lambda:${local.regional}:function:${local.named}"]
    }
  }
  statement {
    sid = "EventSourceMappingsTags"
    # The environments' default_tags reach event source mappings too.
    actions = ["lambda:TagResource", "lambda:UntagResource", "lambda:ListTags"]
    # wildcard: mapping ARNs end in a generated UUID.
    resources = ["${local.arn_prefix}:lambda:${local.regional}:event-source-mapping:*"]
  }
  statement {
    sid = "EventSourceMappingsRead"
    # wildcard: reads of mapping configuration; these calls accept no
    # resource-level restriction.
    actions   = ["lambda:GetEventSourceMapping", "lambda:ListEventSourceMappings"]
    resources = ["*"]
  }

  # --- IAM: the functions' and the scheduler's roles ------------------------------
  statement {
    sid = "Roles"
    # Reads, tags, trust and deletion, not conditioned on the boundary so
    # roles that predate it stay readable and get it on the next apply.
    # Creating a role and writing its policies is RolesWithBoundary.
    actions = [
      "iam:GetRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags",
      "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
    ]
    resources = ["${local.arn_prefix}:iam::${local.account}:role/${local.named}"]
  }
  statement {
    sid = "RolesWithBoundary"
    actions = [
      "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary",
    ]
    resources = ["${local.arn_prefix}:iam::${local.account}:role/${local.named}"]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.lambda_boundary_arn]
    }
  }
  statement {
    sid       = "PassRoles"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix}:iam::${local.account}:role/${local.named}"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com", "scheduler.amazonaws.com"]
    }
  }
  statement {
    # Cognito creates this role when the pool switches to SES (DEVELOPER).
    sid       = "CognitoEmailRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn_prefix}:iam::${local.account}:role/aws-service-role/email.cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdpEmailService"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["email.cognito-idp.amazonaws.com"]
    }
  }

  # --- CloudWatch Logs ----------------------------------------------------------
  statement {
    sid = "LogGroups"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
      "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "logs:PutMetricFilter", "logs:DeleteMetricFilter",
    ]
    resources = [
      # wildcard: "<group>:*" is the group's log streams.
      "${local.arn_prefix}:logs:${local.regional}:log-group:/aws/lambda/${local.named}",
      "${local.arn_prefix}:logs:${local.regional}:log-group:/aws/lambda/${local.named}:*",
      "${local.arn_prefix}:logs:${local.regional}:log-group:/aws/apigateway/${local.named}",
      "${local.arn_prefix}:logs:${local.regional}:log-group:/aws/apigateway/${local.named}:*",
    ]
  }
  statement {
    sid = "LogsAccountLevel"
    # wildcard: DescribeLogGroups/DescribeMetricFilters take no resource,
    # and the log-delivery calls API Gateway makes on the caller's behalf
    # to write HTTP API access logs are account-level (AWS documents "*").
    actions = [
      "logs:DescribeLogGroups", "logs:DescribeMetricFilters",
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
    ]
    # wildcard: see the comment above the actions.
    resources = ["*"]
  }

  # --- KMS: the environments' customer-managed keys ---------------------------------
  statement {
    sid     = "KeysCreate"
    actions = ["kms:CreateKey", "kms:TagResource"]
    # wildcard: a key's id is generated; only keys created with the app's
    # Project tag (the environments' default_tags) are allowed.
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [local.prefix]
    }
  }
  statement {
    sid = "KeysManageAndUse"
    # wildcard: Describe/Get/List are reads of key configuration; the rest
    # are the calls Terraform and the services using the keys (DynamoDB,
    # Lambda, CloudWatch Logs, SNS) make; all on app-tagged keys only.
    actions = [
      "kms:Describe*", "kms:Get*", "kms:List*", "kms:PutKeyPolicy", "kms:EnableKeyRotation",
      "kms:DisableKeyRotation", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
      "kms:UntagResource", "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
      "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
    ]
    # wildcard: key ids are generated; the condition keeps this to app-tagged keys.
    resources = ["${local.arn_prefix}:kms:${local.regional}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [local.prefix]
    }
  }
  statement {
    sid       = "KeyAliases"
    actions   = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"]
    resources = ["${local.arn_prefix}:kms:${local.regional}:alias/${local.named}"]
  }
  statement {
    sid = "KeysList"
    # wildcard: ListAliases/ListKeys take no resource.
    actions   = ["kms:ListAliases", "kms:ListKeys"]
    resources = ["*"]
  }

  # --- never the bootstrap itself ---------------------------------------------------------
  statement {
    sid    = "DenyBootstrap"
    effect = "Deny"
    # wildcard: every action except the state reads/writes and lock items
    # (terraform-state policy) on what this module created: the CI roles,
    # the OIDC provider, the state bucket, key and lock table. Their names
    # share the prefix the statements above allow.
    not_actions = [
      "s3:GetObject", "s3:PutObject", "s3:ListBucket",
      "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem",
      "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
    ]
    resources = [
      # wildcard: "<state bucket>/*" is every state object.
      aws_iam_role.plan.arn, aws_iam_role.deploy.arn, local.github_oidc_arn,
      local.state_bucket_arn, "${local.state_bucket_arn}/*", aws_dynamodb_table.lock.arn, aws_kms_key.state.arn,
      aws_kms_alias.state.arn, local.lambda_boundary_arn,
      # wildcard: the deploy role's own managed policies.
      "${local.arn_prefix}:iam::${local.account}:policy/${local.prefix}-github-*",
    ]
  }
}

data "aws_iam_policy_document" "deploy_messaging" {
  #checkov:skip=CKV_AWS_356:The only "*" resource is Cognito CreateUserPool (a pool's id is generated; conditioned on the Project tag); SES identities, pools and HTTP APIs are scoped to this account and region, each statement says why.
  #checkov:skip=CKV_AWS_111:The only write on "*" is CreateUserPool, allowed only with the Project tag; topics, queues, schedules and configuration sets are scoped to "<prefix>-*" names.

  # --- SNS, SQS, EventBridge Scheduler, SES ------------------------------------------
  statement {
    sid = "Topics"
    # wildcard: every SNS action on "<prefix>-*" topics and their
    # subscriptions (whose ARNs are the topic's plus ":<id>").
    actions = ["sns:*"]
    resources = [
      "${local.arn_prefix}:sns:${local.regional}:${local.named}",
      # wildcard: subscriptions of those topics.
      "${local.arn_prefix}:sns:${local.regional}:${local.named}:*",
    ]
  }
  statement {
    sid = "Queues"
    actions = [
      "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl",
      "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags", "sqs:ListDeadLetterSourceQueues",
    ]
    resources = ["${local.arn_prefix}:sqs:${local.regional}:${local.named}"]
  }
  statement {
    sid = "Schedules"
    actions = [
      "scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule",
      "scheduler:TagResource", "scheduler:UntagResource", "scheduler:ListTagsForResource",
    ]
    resources = [
      # wildcard: a schedule of any group named "<prefix>-*".
      "${local.arn_prefix}:scheduler:${local.regional}:schedule/*/${local.named}",
      "${local.arn_prefix}:scheduler:${local.regional}:schedule-group/default",
    ]
  }
  statement {
    sid = "Email"
    # wildcard: "PutConfigurationSet*Options" is the delivery, reputation,
    # sending, suppression (and tracking/VDM) settings of a configuration set.
    actions = [
      "ses:CreateEmailIdentity", "ses:GetEmailIdentity", "ses:DeleteEmailIdentity",
      "ses:PutEmailIdentityDkimAttributes", "ses:PutEmailIdentityDkimSigningAttributes",
      "ses:PutEmailIdentityFeedbackAttributes", "ses:PutEmailIdentityMailFromAttributes",
      "ses:PutEmailIdentityConfigurationSetAttributes",
      "ses:CreateConfigurationSet", "ses:GetConfigurationSet", "ses:DeleteConfigurationSet",
      "ses:PutConfigurationSet*Options", "ses:GetConfigurationSetEventDestinations",
      "ses:CreateConfigurationSetEventDestination", "ses:UpdateConfigurationSetEventDestination",
      "ses:DeleteConfigurationSetEventDestination",
      "ses:TagResource", "ses:UntagResource", "ses:ListTagsForResource",
    ]
    resources = [
      # wildcard: an identity is named by its domain or address
      # (ses_identity, sandbox recipients), which carries no prefix.
      "${local.arn_prefix}:ses:${local.regional}:identity/*",
      "${local.arn_prefix}:ses:${local.regional}:configuration-set/${local.named}",
    ]
  }

  # --- Cognito ------------------------------------------------------------------------
  statement {
    sid     = "UserPoolsCreate"
    actions = ["cognito-idp:CreateUserPool"]
    # wildcard: a pool's id is generated; only pools created with the app's
    # Project tag are allowed.
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [local.prefix]
    }
  }
  statement {
    sid = "UserPoolsManage"
    # wildcard: Describe* reads pool, client, domain and risk configuration;
    # no user data (ListUsers, AdminGetUser) is granted. UpdateUserPool also
    # sets the feature plan (user_pool_tier) and threat protection (add-ons).
    actions = [
      "cognito-idp:Describe*", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:GetGroup",
      "cognito-idp:GetLogDeliveryConfiguration", "cognito-idp:ListTagsForResource",
      "cognito-idp:ListUserPoolClients", "cognito-idp:ListGroups",
      "cognito-idp:UpdateUserPool", "cognito-idp:DeleteUserPool", "cognito-idp:SetUserPoolMfaConfig",
      "cognito-idp:CreateUserPoolClient", "cognito-idp:UpdateUserPoolClient", "cognito-idp:DeleteUserPoolClient",
      "cognito-idp:CreateGroup", "cognito-idp:UpdateGroup", "cognito-idp:DeleteGroup",
      "cognito-idp:CreateUserPoolDomain", "cognito-idp:UpdateUserPoolDomain", "cognito-idp:DeleteUserPoolDomain",
      "cognito-idp:SetRiskConfiguration", "cognito-idp:SetLogDeliveryConfiguration",
      "cognito-idp:AddCustomAttributes", "cognito-idp:TagResource", "cognito-idp:UntagResource",
    ]
    # wildcard: pool ids are generated; the condition keeps this to app-tagged pools.
    resources = ["${local.arn_prefix}:cognito-idp:${local.regional}:userpool/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [local.prefix]
    }
  }

  # --- API Gateway (HTTP API) ------------------------------------------------------------
  statement {
    sid = "HttpApis"
    # wildcard: APIs are named by generated ids, so this covers the HTTP APIs
    # (and their tags) of this region, nothing account-wide.
    actions = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:TagResource", "apigateway:UntagResource"]
    resources = [
      "${local.arn_prefix}:apigateway:${local.region}::/apis",
      "${local.arn_prefix}:apigateway:${local.region}::/apis/*",
      "${local.arn_prefix}:apigateway:${local.region}::/tags/*",
    ]
  }
}

# CloudFront and what stands in front of it (ACM, Route 53, WAF: the
# certificate and the web ACL live in us-east-1), alarms and the budget.
data "aws_iam_policy_document" "deploy_edge" {
  #checkov:skip=CKV_AWS_356:The "*" resources are CloudFront (distributions, policies and origin access controls are named by generated ids and the policies take no tags), ACM RequestCertificate (conditioned on the Project tag) and calls that take no resource; each statement says why.
  #checkov:skip=CKV_AWS_111:The writes on "*" are CloudFront's distribution, policy, origin access control and invalidation calls, which cannot be scoped by name, and certificate requests carrying the Project tag; Route 53 changes are limited to the stack's record types (and to route53_zone_ids when set).

  # --- CloudFront -----------------------------------------------------------------------
  statement {
    sid = "CloudFront"
    # wildcard: distributions, cache/origin-request/response-headers
    # policies and origin access controls are named by generated ids, and
    # the policies take no tags; the actions are the ones modules/cdn and
    # scripts/deploy.sh (invalidations) use.
    actions = [
      "cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags", "cloudfront:GetDistribution",
      "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution",
      "cloudfront:TagResource", "cloudfront:UntagResource", "cloudfront:ListTagsForResource",
      "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation",
      "cloudfront:CreateCachePolicy", "cloudfront:GetCachePolicy", "cloudfront:UpdateCachePolicy",
      "cloudfront:DeleteCachePolicy", "cloudfront:ListCachePolicies",
      "cloudfront:CreateOriginRequestPolicy", "cloudfront:GetOriginRequestPolicy",
      "cloudfront:UpdateOriginRequestPolicy", "cloudfront:DeleteOriginRequestPolicy",
      "cloudfront:ListOriginRequestPolicies",
      "cloudfront:CreateResponseHeadersPolicy", "cloudfront:GetResponseHeadersPolicy",
      "cloudfront:UpdateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy",
      "cloudfront:ListResponseHeadersPolicies",
      "cloudfront:CreateOriginAccessControl", "cloudfront:GetOriginAccessControl",
      "cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl",
      "cloudfront:ListOriginAccessControls",
    ]
    # wildcard: see the comment above the actions.
    resources = ["*"]
  }

  # --- ACM (us-east-1, for CloudFront) ------------------------------------------------------
  statement {
    sid     = "CertificatesRequest"
    actions = ["acm:RequestCertificate", "acm:AddTagsToCertificate"]
    # wildcard: a certificate's id is generated; only requests carrying the
    # app's Project tag (the environments' default_tags) are allowed.
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [local.prefix]
    }
  }
  statement {
    sid = "Certificates"
    actions = [
      "acm:DescribeCertificate", "acm:ListTagsForCertificate", "acm:DeleteCertificate",
      "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate",
    ]
    # wildcard: certificate ids are generated; the condition keeps this to
    # app-tagged certificates in us-east-1.
    resources = ["${local.arn_prefix}:acm:us-east-1:${local.account}:certificate/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [local.prefix]
    }
  }

  # --- Route 53: alias, DKIM and certificate-validation records -------------------------
  statement {
    sid     = "DnsRecords"
    actions = ["route53:ChangeResourceRecordSets", "route53:GetHostedZone", "route53:ListResourceRecordSets"]
    # wildcard: without route53_zone_ids, any zone of the account (the
    # operator's zone_id and ses_dkim_zone_id); changes are limited to the
    # record types the stack writes by the condition below.
    resources = length(var.route53_zone_ids) > 0 ? [for z in var.route53_zone_ids : "${local.arn_prefix}:route53:::hostedzone/${z}"] : ["${local.arn_prefix}:route53:::hostedzone/*"]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "route53:ChangeResourceRecordSetsRecordTypes"
      values   = ["A", "AAAA", "CNAME"]
    }
  }
  statement {
    sid = "DnsChanges"
    # wildcard: the status of a change (Terraform waits for INSYNC), named
    # by a generated id.
    actions   = ["route53:GetChange"]
    resources = ["${local.arn_prefix}:route53:::change/*"]
  }

  # --- WAF (CLOUDFRONT scope lives in us-east-1) -------------------------------------------
  statement {
    sid = "WebAcls"
    # wildcard: WAF actions on "<prefix>-*" web ACLs, IP sets and rule
    # groups for CloudFront, and the AWS managed rule groups they reference.
    actions = ["wafv2:*"]
    resources = [
      "${local.arn_prefix}:wafv2:us-east-1:${local.account}:global/webacl/${local.named}/*",
      "${local.arn_prefix}:wafv2:us-east-1:${local.account}:global/ipset/${local.named}/*",
      "${local.arn_prefix}:wafv2:us-east-1:${local.account}:global/rulegroup/${local.named}/*",
      "${local.arn_prefix}:wafv2:us-east-1:${local.account}:global/managedruleset/*/*",
    ]
  }

  # --- alarms and the budget ------------------------------------------------------------------
  statement {
    sid = "Alarms"
    actions = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource",
      "cloudwatch:ListTagsForResource",
    ]
    resources = ["${local.arn_prefix}:cloudwatch:${local.regional}:alarm:${local.named}"]
  }
  statement {
    sid = "NoResourceReads"
    # wildcard: DescribeAlarms and ListCertificates take no resource.
    actions   = ["cloudwatch:DescribeAlarms", "acm:ListCertificates"]
    resources = ["*"]
  }
  statement {
    sid = "Budgets"
    actions = [
      "budgets:ViewBudget", "budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource",
      "budgets:ListTagsForResource",
    ]
    resources = ["${local.arn_prefix}:budgets::${local.account}:budget/${local.named}"]
  }
}

# Managed policies rather than inline: a role's inline policies share a
# 10,240-character quota, a managed policy has 6,144 of its own.
locals {
  deploy_policies = {
    core      = { doc = data.aws_iam_policy_document.deploy_core.json, what = "assets buckets, tables, functions, their roles, logs and keys" }
    messaging = { doc = data.aws_iam_policy_document.deploy_messaging.json, what = "topics, queues, schedules, SES, Cognito and the HTTP API" }
    edge      = { doc = data.aws_iam_policy_document.deploy_edge.json, what = "CloudFront, ACM, Route 53 records, WAF, alarms and the budget" }
  }
}

resource "aws_iam_policy" "deploy" {
  for_each    = local.deploy_policies
  name        = "${local.prefix}-github-deploy-${each.key}"
  description = "tasklane deploy role: ${each.value.what}"
  policy      = each.value.doc
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each   = aws_iam_policy.deploy
  role       = aws_iam_role.deploy.name
  policy_arn = each.value.arn
}

moved {
  from = aws_iam_policy.deploy_core
  to   = aws_iam_policy.deploy["core"]
}

moved {
  from = aws_iam_role_policy_attachment.deploy_core
  to   = aws_iam_role_policy_attachment.deploy["core"]
}
