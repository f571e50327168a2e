//! Configuration of the local server: flags, each with an environment
//! variable, and defaults that need no configuration at all.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "tasklane",
    version,
    about = "tasklane: the team task manager, served locally"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TASKLANE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory for the embedded database, keys and dev mailbox.
    #[arg(long, env = "TASKLANE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Directory holding the built site (`pkg/`, icons).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Log format: `text` for people, `json` for log pipelines.
    #[arg(long, env = "TASKLANE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
