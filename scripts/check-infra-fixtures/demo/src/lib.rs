pub mod store;

/// What each function may do (store::Permissions in the real workspace).
pub const DEMO: Permissions = Permissions::new("lambda-demo", &["dynamodb:PutItem"]);
pub const READER: Permissions = Permissions::new("lambda-reader", &["dynamodb:Query"]);

pub const TABLE_VAR: &str = "DEMO_TABLE";
