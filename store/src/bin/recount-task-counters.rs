//! `recount-task-counters TABLE`: brings a DynamoDB table's task counters
//! to what its tasks add up to (terraform/README.md, "Upgrading a table
//! written before task counters"). The dashboard counts from these
//! counters, which every task write keeps; a table that held tasks before
//! they were kept needs this once. Credentials, region and endpoint come
//! from the environment, as in the Lambdas (`AWS_ACCESS_KEY_ID`, …).

use store::{lambda_sdk_config, DynamoStore, Store};

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(table), None) = (args.next(), args.next()) else {
        eprintln!("usage: recount-task-counters TABLE");
        return std::process::ExitCode::from(2);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let client = aws_sdk_dynamodb::Client::new(&lambda_sdk_config());
        match DynamoStore::new(client, table)
            .recount_task_counters()
            .await
        {
            Ok(c) => {
                print!("{c}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("recount failed: {e}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
