//! The reminders Lambda, invoked daily by EventBridge Scheduler. The
//! payload is ignored (any JSON): the run is about the current UTC date.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, env, Publisher, ReminderDeps};
use store::DynamoStore;
use time::OffsetDateTime;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let table = aws::required_env(env::TABLE)?;
    let topic = aws::required_env(env::TOPIC_ARN)?;
    let conf = aws::sdk_config().await;
    let deps = Arc::new(ReminderDeps {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&conf), table),
        publisher: Publisher::new(aws_sdk_sns::Client::new(&conf), topic),
    });
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let deps = Arc::clone(&deps);
        async move {
            let now = OffsetDateTime::now_utc();
            let report = aws::run_reminders(&deps, now.date(), now).await?;
            Ok::<_, Error>(serde_json::json!({
                "scanned": report.scanned,
                "published": report.published,
                "alreadySent": report.already_sent,
            }))
        }
    }))
    .await
}
