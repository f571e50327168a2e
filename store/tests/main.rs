//! One integration-test binary for the conformance suite on both stores
//! (`cargo test -p store --test store sqlite::` runs one); the crash test
//! owns its own binary (`durability`).

mod dynamo;
mod sqlite;
