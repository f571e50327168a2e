//! The reminders Lambda, invoked daily by EventBridge Scheduler. The
//! payload is ignored (any JSON): the run is about the current UTC date.
//! A run with failed reminders returns an error, so Lambda's asynchronous
//! retries (and then the on-failure destination) take over; see
//! `notifier::aws::reminders`.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, reminders, Publisher, ReminderDeps, ReminderEnv};
use store::DynamoStore;
use time::OffsetDateTime;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let env = ReminderEnv::from_env()?;
    let conf = store::lambda_sdk_config();
    let deps = Arc::new(ReminderDeps {
        store: DynamoStore::new(reminders::PERMISSIONS.dynamodb(&conf), env.table),
        publisher: Publisher::new(
            aws::sns_client(&conf, &reminders::PERMISSIONS),
            env.topic_arn,
        ),
    });
    let config = env.config;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let deps = Arc::clone(&deps);
        async move {
            let now = OffsetDateTime::now_utc();
            let report = aws::run_reminders_with(&deps, config, now.date(), now).await?;
            Ok::<_, Error>(serde_json::json!({
                "scanned": report.scanned,
                "published": report.published,
                "alreadySent": report.already_sent,
                "failed": report.failed,
                "pages": report.pages,
            }))
        }
    }))
    .await
}
