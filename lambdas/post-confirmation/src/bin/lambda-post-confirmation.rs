//! The Cognito post-confirmation Lambda (`post_confirmation`). The SDK
//! clients and the configuration are built once per instance, here, not per
//! invocation; a configuration error fails the start, so Cognito reports
//! it rather than the trigger guessing.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use post_confirmation::{Config, PostConfirmationDeps, PostConfirmationEvent, PERMISSIONS};
use store::DynamoStore;

// One invocation at a time per instance: no worker threads to start or hold.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    post_confirmation::init_logging();
    let config = Config::from_env()?;
    let conf = store::lambda_sdk_config();
    let deps = Arc::new(PostConfirmationDeps {
        store: Arc::new(DynamoStore::new(PERMISSIONS.dynamodb(&conf), config.table)),
        cognito: post_confirmation::cognito_client(&conf, &PERMISSIONS),
        first_admin: config.first_admin,
    });
    tracing::info!(
        first_admin_configured = deps.first_admin.is_some(),
        "post-confirmation ready"
    );
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<PostConfirmationEvent>| {
            let deps = Arc::clone(&deps);
            async move {
                post_confirmation::handle(event.payload, &deps)
                    .await
                    .map_err(Error::from)
            }
        },
    ))
    .await
}
