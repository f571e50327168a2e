//! The email-formatter Lambda: SNS → SES v2 email + in-app notification,
//! and SES bounce/complaint reports → suppressed addresses.
//! A returned error makes Lambda retry, then park the event in the DLQ.

use std::sync::Arc;

use aws_lambda_events::event::sns::SnsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, EmailConfig, EmailDeps};
use store::DynamoStore;

/// Every SDK client below is limited to these (see notifier::aws::permissions).
const PERMISSIONS: store::Permissions = aws::permissions::EMAIL_FORMATTER;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let config = EmailConfig::from_lookup(|name| std::env::var(name).ok())?;
    let conf = store::lambda_sdk_config();
    let deps = Arc::new(EmailDeps {
        store: DynamoStore::new(PERMISSIONS.dynamodb(&conf), config.table),
        ses: aws::sesv2_client(&conf, &PERMISSIONS),
        mail_from: config.mail_from,
        public_url: config.public_url,
        configuration_set: config.configuration_set,
        invite_key: config.invite_key,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| {
        let deps = Arc::clone(&deps);
        async move {
            aws::handle_sns(&deps, event.payload)
                .await
                .map_err(Error::from)
        }
    }))
    .await
}
