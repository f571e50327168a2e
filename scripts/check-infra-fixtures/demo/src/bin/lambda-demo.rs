#[tokio::main]
async fn main() {
    let table = std::env::var("DEMO_TABLE").expect("DEMO_TABLE");
    // more-env
    let region = std::env::var("AWS_REGION").unwrap_or_default();
    let conf = aws_config::load_from_env().await;
    let client = demo::DEMO.dynamodb(&conf);
    let _ = (region, demo::store::save(&client, &table).await);
}
