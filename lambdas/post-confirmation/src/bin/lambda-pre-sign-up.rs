//! The Cognito pre-sign-up Lambda (`post_confirmation::pre_sign_up`):
//! refuses sign-ups `domain::admit` refuses. Built once per instance.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use post_confirmation::pre_sign_up::{self, Config, PreSignUpDeps, PreSignUpEvent, PERMISSIONS};
use store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    post_confirmation::init_logging();
    let config = Config::from_env()?;
    let conf = store::lambda_sdk_config();
    let deps = Arc::new(PreSignUpDeps {
        store: Arc::new(DynamoStore::new(PERMISSIONS.dynamodb(&conf), config.table)),
        signup: config.signup,
    });
    tracing::info!(signup = %deps.signup, "pre-sign-up ready");
    lambda_runtime::run(service_fn(move |event: LambdaEvent<PreSignUpEvent>| {
        let deps = Arc::clone(&deps);
        async move {
            pre_sign_up::handle(event.payload, &deps)
                .await
                .map_err(Error::from)
        }
    }))
    .await
}
