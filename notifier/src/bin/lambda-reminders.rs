//! The reminders Lambda, invoked daily by EventBridge Scheduler. The
//! payload is ignored (any JSON): the run is about the current UTC date.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, ReminderDeps};
use time::OffsetDateTime;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let (store, publisher) = aws::table_and_topic(&aws::permissions::REMINDERS).await?;
    let deps = Arc::new(ReminderDeps { store, publisher });
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
