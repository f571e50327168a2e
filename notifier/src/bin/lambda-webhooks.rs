//! The webhooks Lambda: SNS app events → signed POSTs to the webhooks that
//! chose them. A returned error makes Lambda retry, then park the event in
//! the DLQ.

use std::sync::Arc;

use aws_lambda_events::event::sns::SnsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, WebhookConfig, WebhookDeps};
use notifier::webhook::{WebhookSender, DEFAULT_TIMEOUT};
use store::DynamoStore;

/// Every SDK client below is limited to these (see notifier::aws::permissions).
const PERMISSIONS: store::Permissions = aws::permissions::WEBHOOKS;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let config = WebhookConfig::from_lookup(|name| std::env::var(name).ok())?;
    let conf = store::lambda_sdk_config();
    let deps = Arc::new(WebhookDeps {
        store: DynamoStore::new(PERMISSIONS.dynamodb(&conf), config.table),
        // Never loopback: the Lambda runtime API listens there.
        sender: WebhookSender::new(DEFAULT_TIMEOUT, false),
        public_url: config.public_url,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| {
        let deps = Arc::clone(&deps);
        async move {
            aws::handle_webhooks(&deps, event.payload)
                .await
                .map_err(Error::from)
        }
    }))
    .await
}
