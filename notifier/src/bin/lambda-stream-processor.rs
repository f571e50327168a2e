//! The stream-processor Lambda: DynamoDB Stream → events → SNS.
//! Clients are built once per instance, here, not per invocation.

use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, StreamDeps};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let (store, publisher) = aws::table_and_topic(&aws::permissions::STREAM_PROCESSOR).await?;
    let deps = Arc::new(StreamDeps { store, publisher });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let deps = Arc::clone(&deps);
        async move { Ok::<_, Error>(aws::handle_stream_batch(&deps, event.payload).await) }
    }))
    .await
}
