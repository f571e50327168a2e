use aws_sdk_dynamodb::Client;

pub async fn save(client: &Client, table: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    client.put_item().table_name(table).send().await?;
    // next-op
    Ok(())
}

#[cfg(test)]
mod tests {
    // Test-only calls are not charged to the Lambda.
    async fn cleanup(client: &aws_sdk_dynamodb::Client) {
        client.delete_table().table_name("t").send().await.ok();
    }
}
