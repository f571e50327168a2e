#[tokio::main]
async fn main() {
    let _table = std::env::var(demo::TABLE_VAR);
    let conf = aws_config::load_from_env().await;
    let client = demo::READER.dynamodb(&conf);
    let _ = demo::store::load(&client).await;
}
