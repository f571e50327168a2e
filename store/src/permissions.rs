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
//! * a test (`server/tests/lambda_api.rs`, `deployment_contract`) writes
//!   every function's declaration, with the environment variables it reads,
//!   to `terraform/lambdas.json`, from which Terraform builds the function's
//!   IAM policy and checks its environment map, so the two cannot disagree;
//! * with `TASKLANE_PERMISSIONS_SEEN` set (the test command sets it), the
//!   guard records every action it let through, and the test command fails
//!   when a declared action was never exercised by any test: a declaration
//!   cannot keep a grant the code no longer needs.
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
/// the function's code.
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

    /// The guard for a call made without the SDK (the API's S3 exports are
    /// signed requests on the SDK's connector, to keep aws-sdk-s3 out of
    /// its zip): refused unless declared, and recorded for the
    /// unused-permission check like the SDK guard's calls.
    pub fn check(&self, service: &str, operation: &str, action: &str) -> Result<(), Undeclared> {
        if self.allows(action) {
            seen::record(self.function, action);
            return Ok(());
        }
        tracing::error!(
            function = self.function,
            service,
            operation,
            action,
            "AWS call outside the declared permissions refused"
        );
        Err(Undeclared {
            function: self.function,
            service: service.to_owned(),
            operation: operation.to_owned(),
            action: action.to_owned(),
        })
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
            if self.permissions.allows(&action) {
                seen::record(self.permissions.function, &action);
            } else {
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

/// The record of actions guards let through, for the unused-permission
/// check of the test command. Off unless `TASKLANE_PERMISSIONS_SEEN` names
/// a directory; then each process appends `function action` lines, each
/// pair once, to its own file there (processes never share a file, so no
/// locking is needed).
mod seen {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};

    const VAR: &str = "TASKLANE_PERMISSIONS_SEEN";

    struct Log {
        file: std::fs::File,
        written: HashSet<(&'static str, String)>,
    }

    pub(super) fn record(function: &'static str, action: &str) {
        static LOG: OnceLock<Option<Mutex<Log>>> = OnceLock::new();
        let log = LOG.get_or_init(|| {
            let dir = std::env::var_os(VAR)?;
            let path = std::path::Path::new(&dir).join(format!("{}.txt", std::process::id()));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap_or_else(|e| panic!("{VAR}: cannot open {}: {e}", path.display()));
            Some(Mutex::new(Log {
                file,
                written: HashSet::new(),
            }))
        });
        let Some(log) = log else { return };
        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
        if log.written.insert((function, action.to_owned())) {
            writeln!(log.file, "{function} {action}")
                .unwrap_or_else(|e| panic!("{VAR}: cannot record {function} {action}: {e}"));
        }
    }
}

/// Wraps a function's environment lookup so that reading a variable it did
/// not declare panics. The declarations are what `terraform/lambdas.json`
/// publishes; with every read going through this, a variable the code
/// reads but Terraform does not know about fails the configuration tests
/// instead of surfacing as a missing setting in production. `runtime` are
/// variables the Lambda platform sets itself (`AWS_REGION`), which
/// Terraform neither sets nor may set.
pub fn declared<F: Fn(&str) -> Option<String>>(
    required: &'static [&'static str],
    optional: &'static [&'static str],
    runtime: &'static [&'static str],
    get: F,
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        assert!(
            required.contains(&name) || optional.contains(&name) || runtime.contains(&name),
            "the code reads {name}, which its REQUIRED_ENV/OPTIONAL_ENV do not declare"
        );
        get(name)
    }
}

/// Every action [`crate::DynamoStore`]'s [`crate::Store`] implementation
/// can send: GetItem and Query for reads, a conditional Put/Update/Delete
/// for one-item writes, TransactWriteItems (authorised per item, condition
/// checks included) for multi-item writes, BatchWriteItem for deleting a
/// task's items, BatchGetItem for the tasks a search finds. A function handed the whole `Store` trait (the API) needs
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
    "dynamodb:BatchGetItem",
];
