//! The stream-processor Lambda: DynamoDB Stream → events → SNS.
//! Clients are built once per instance, here, not per invocation.

use std::sync::Arc;

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use notifier::aws::{self, env, Publisher, StreamDeps};
use store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws::init_logging();
    let table = aws::required_env(env::TABLE)?;
    let topic = aws::required_env(env::TOPIC_ARN)?;
    let conf = aws::sdk_config().await;
    let deps = Arc::new(StreamDeps {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&conf), table),
        publisher: Publisher::new(aws_sdk_sns::Client::new(&conf), topic),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let deps = Arc::clone(&deps);
        async move { Ok::<_, Error>(aws::handle_stream_batch(&deps, event.payload).await) }
    }))
    .await
}
