//! The AWS actions one deployed function may perform, declared in code and
//! enforced on every SDK client that function builds.
//!
//! Why: each Lambda's IAM role must grant exactly what its code calls
//! (DESIGN.md "Deployment"). What a binary *can* call is not decidable by
//! scanning source — the Lambdas share `store`, whose DynamoDB backend
//! contains every operation — so each function declares its actions in one
//! [`Permissions`] constant, and:
//!
//! * [`PermissionGuard`], an SDK interceptor installed on every client the
//!   function builds, refuses any operation outside the declaration before
//!   it is sent, so the binary cannot exceed it in production, and the moto
//!   tests (which build their clients with the same constant) fail if the
//!   declaration is too narrow for what the code does;
//! * `scripts/check-infra.py` reads the declaration and requires the
//!   function's IAM role to grant exactly those actions, and every declared
//!   action to be reachable in the code the binary links.
//!
//! Actions are named as IAM names them (`dynamodb:PutItem`), so the
//! declaration, the role and the checker speak one language. Operations IAM
//! does not authorise (Cognito's public user APIs such as `InitiateAuth`)
//! need no declaration.

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// What one Lambda function may do on AWS. Declare it as a `const` next to
/// the function's code; `scripts/check-infra.py` finds it by the function's
/// binary name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permissions {
    function: &'static str,
    actions: &'static [&'static str],
}

impl Permissions {
    /// `function` is the binary's name (`lambda-reminders`), `actions` the
    /// IAM actions (`"dynamodb:Query"`) its role grants.
    pub const fn new(function: &'static str, actions: &'static [&'static str]) -> Self {
        Self { function, actions }
    }

    pub fn function(&self) -> &'static str {
        self.function
    }

    pub fn actions(&self) -> &'static [&'static str] {
        self.actions
    }

    pub fn allows(&self, action: &str) -> bool {
        self.actions.contains(&action)
    }

    /// The interceptor to install on each SDK client of this function.
    pub fn guard(&self) -> PermissionGuard {
        PermissionGuard { permissions: *self }
    }

    /// A DynamoDB client on `conf` that can only perform these actions.
    pub fn dynamodb(&self, conf: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        let conf = aws_sdk_dynamodb::config::Builder::from(conf)
            .interceptor(self.guard())
            .build();
        aws_sdk_dynamodb::Client::from_conf(conf)
    }
}

/// Why a call was refused before it left the process.
#[derive(Debug, thiserror::Error)]
#[error(
    "{function} called {service}.{operation}, which needs {action}; \
     it is not in the function's declared permissions (and so not in its IAM role)"
)]
pub struct Undeclared {
    pub function: &'static str,
    pub service: String,
    pub operation: String,
    pub action: String,
}

/// SDK interceptor enforcing a [`Permissions`] declaration. Fails closed:
/// an operation of a service it cannot map is refused.
#[derive(Debug, Clone)]
pub struct PermissionGuard {
    permissions: Permissions,
}

/// Cognito user-pool APIs authorised by the user's own tokens (or by
/// nothing, for sign-up and sign-in), never by IAM.
const COGNITO_PUBLIC: &[&str] = &[
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ChangePassword",
    "GlobalSignOut",
    "RevokeToken",
    "GetUser",
];

/// The IAM prefix of an SDK service id (`Metadata::service`).
fn iam_prefix(service: &str) -> Option<&'static str> {
    Some(match service {
        "DynamoDB" | "DynamoDB Streams" | "DynamoDBStreams" => "dynamodb",
        "SNS" => "sns",
        "SESv2" | "SES" => "ses",
        "SQS" => "sqs",
        "Cognito Identity Provider" | "CognitoIdentityProvider" => "cognito-idp",
        _ => return None,
    })
}

/// The IAM actions one SDK call needs. Transactions are authorised per
/// item (there is no `dynamodb:TransactWriteItems` action), so their input
/// is inspected.
fn required_actions(
    prefix: &str,
    operation: &str,
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<String> {
    if prefix == "cognito-idp" && COGNITO_PUBLIC.contains(&operation) {
        return Vec::new();
    }
    if prefix == "dynamodb" && operation == "TransactWriteItems" {
        let mut out = Vec::new();
        if let Some(input) = input.downcast_ref::<TransactWriteItemsInput>() {
            for item in input.transact_items() {
                let action = if item.put().is_some() {
                    "PutItem"
                } else if item.update().is_some() {
                    "UpdateItem"
                } else if item.delete().is_some() {
                    "DeleteItem"
                } else {
                    "ConditionCheckItem"
                };
                let action = format!("dynamodb:{action}");
                if !out.contains(&action) {
                    out.push(action);
                }
            }
            return out;
        }
    }
    if prefix == "dynamodb" && operation == "TransactGetItems" {
        return vec!["dynamodb:GetItem".to_owned()];
    }
    vec![format!("{prefix}:{operation}")]
}

impl Intercept for PermissionGuard {
    fn name(&self) -> &'static str {
        "tasklane::PermissionGuard"
    }

    // Not `read_before_execution`: client-level interceptors see that hook
    // before the operation's configuration (its `Metadata`) is applied.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_owned(), m.name().to_owned()))
            .unwrap_or_else(|| ("unknown".to_owned(), "unknown".to_owned()));
        let refuse = |action: String| Undeclared {
            function: self.permissions.function,
            service: service.clone(),
            operation: operation.clone(),
            action,
        };
        let Some(prefix) = iam_prefix(&service) else {
            return Err(refuse(format!("an IAM action of service {service:?}")).into());
        };
        for action in required_actions(prefix, &operation, context.input()) {
            if !self.permissions.allows(&action) {
                tracing::error!(
                    function = self.permissions.function,
                    %service,
                    %operation,
                    %action,
                    "AWS call outside the declared permissions refused"
                );
                return Err(refuse(action).into());
            }
        }
        Ok(())
    }
}

/// Every action [`crate::DynamoStore`]'s [`crate::Store`] implementation
/// can send: GetItem and Query for reads, a conditional Put/Update/Delete
/// for one-item writes, TransactWriteItems (authorised per item, condition
/// checks included) for multi-item writes, BatchWriteItem for deleting a
/// task's items. A function handed the whole `Store` trait (the API) needs
/// all of them; the conformance suite runs on moto through a client guarded
/// by exactly this list (store/tests/dynamo.rs), which keeps it complete.
pub const STORE_ACTIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchWriteItem",
];
