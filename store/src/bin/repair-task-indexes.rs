//! `repair-task-indexes TABLE`: brings what a DynamoDB table derives from
//! its tasks up to date (terraform/README.md, "Upgrading a table written
//! before task counters or projects"): each task's project copy, which a
//! project's board reads, and the task counters the dashboard counts from.
//! Every task write keeps both; a table that held tasks before they were
//! kept needs this once. Credentials, region and endpoint come from the
//! environment, as in the Lambdas (`AWS_ACCESS_KEY_ID`, …).
use store::{lambda_sdk_config, DynamoStore, Store};

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(table), None) = (args.next(), args.next()) else {
        eprintln!("usage: repair-task-indexes TABLE");
        return std::process::ExitCode::from(2);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let client = aws_sdk_dynamodb::Client::new(&lambda_sdk_config());
        match DynamoStore::new(client, table).repair_task_indexes().await {
            Ok(c) => {
                print!("{c}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("repair failed: {e}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
