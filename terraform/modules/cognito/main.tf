# The user pool: email as the user name, a 12-character password policy with
# every character class, email verification by code, the ADMIN and MEMBER
# groups (ADMIN is what the post-confirmation trigger gives the first admin),
# the post-confirmation trigger, and an app client without a secret
# for USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH (the server calls Cognito on
# the user's behalf and keeps tokens in HttpOnly cookies).

data "aws_region" "current" {}

resource "aws_cognito_user_pool" "this" {
  name                     = var.name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
    email_subject        = "Your tasklane confirmation code"
    email_message        = "Your tasklane confirmation code is {####}"
  }

  # Codes and password resets go out through the app's own SES identity and
  # configuration set (Cognito's built-in sender allows 50 mails a day and
  # bypasses the bounce/complaint suppression). Cognito refuses an identity
  # SES has not verified yet, so until it is (DNS records or a link, which
  # can take a while after the first apply) the pool uses the built-in
  # sender, and the next apply after verification switches it.
  email_configuration {
    email_sending_account = var.ses_identity_verified ? "DEVELOPER" : "COGNITO_DEFAULT"
    source_arn            = var.ses_identity_verified ? var.ses_identity_arn : null
    from_email_address    = var.ses_identity_verified ? var.mail_from : null
    configuration_set     = var.ses_identity_verified ? var.ses_configuration_set_name : null
  }

  # Threat protection (adaptive authentication, compromised credentials)
  # needs the Plus feature plan, which is billed per active user: prod turns
  # both on (threat_protection), dev stays on Essentials.
  user_pool_tier = var.threat_protection ? "PLUS" : "ESSENTIALS"

  user_pool_add_ons {
    advanced_security_mode = var.threat_protection ? "ENFORCED" : "OFF"
  }

  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true
    string_attribute_constraints {
      min_length = 3
      max_length = 254
    }
  }

  lambda_config {
    pre_sign_up       = var.pre_sign_up_function_arn
    post_confirmation = var.post_confirmation_function_arn
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name                          = "${var.name}-web"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  auth_session_validity         = 3
  access_token_validity         = var.access_token_minutes
  id_token_validity             = var.access_token_minutes
  refresh_token_validity        = var.refresh_token_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

resource "aws_cognito_user_group" "admin" {
  name         = "ADMIN"
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "Manage tasks, members and roles"
  precedence   = 1
}

resource "aws_cognito_user_group" "member" {
  name         = "MEMBER"
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "Work on assigned tasks"
  precedence   = 10
}

resource "aws_lambda_permission" "post_confirmation" {
  statement_id  = "AllowCognitoPostConfirmation"
  action        = "lambda:InvokeFunction"
  function_name = var.post_confirmation_function_name
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = aws_cognito_user_pool.this.arn
}

resource "aws_lambda_permission" "pre_sign_up" {
  statement_id  = "AllowCognitoPreSignUp"
  action        = "lambda:InvokeFunction"
  function_name = var.pre_sign_up_function_name
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = aws_cognito_user_pool.this.arn
}
