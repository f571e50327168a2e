//! The Cognito post-confirmation Lambda: profile + MEMBER group, event back
//! unchanged (`server::post_confirmation`). The SDK clients are built once
//! per instance, here, not per invocation. The user pool comes with each
//! event; only the table is configuration (`TASKLANE_TABLE`).

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, env};
use server::post_confirmation::{self, PostConfirmationDeps, PostConfirmationEvent};
use store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let table = aws::required_env(env::TABLE)?;
    let conf = aws::sdk_config().await;
    let deps = Arc::new(PostConfirmationDeps {
        store: Arc::new(DynamoStore::new(
            post_confirmation::PERMISSIONS.dynamodb(&conf),
            table,
        )),
        cognito: post_confirmation::cognito_client(&conf, &post_confirmation::PERMISSIONS),
    });
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
