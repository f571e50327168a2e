use aws_sdk_dynamodb::Client;

pub async fn save(client: &Client, table: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    client.put_item().table_name(table).send().await?;
    // next-op
    Ok(())
}

/// Only lambda-reader calls this: its Query and its env read are not
/// charged to lambda-demo.
pub async fn load(client: &Client) -> Result<(), aws_sdk_dynamodb::Error> {
    let index = std::env::var("READER_INDEX").unwrap_or_default(); // infra-check: optional
    client.query().table_name(crate::TABLE_VAR).index_name(index).send().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    // Test-only calls are not charged to the Lambda.
    async fn cleanup(client: &aws_sdk_dynamodb::Client) {
        client.delete_table().table_name("t").send().await.ok();
    }
}
