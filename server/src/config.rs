//! Configuration of the local server: flags, each with an environment
//! variable, and defaults that need no configuration at all.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

pub use crate::telemetry::LogFormat;

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

    /// The address people use to reach the app, for links in emails and to
    /// decide whether cookies need `Secure`. Default: http://<addr>.
    #[arg(long, env = "TASKLANE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Send mail over SMTP (`smtp://user:pass@host:587`, `smtps://…`)
    /// instead of the dev mailbox.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Sender of every email.
    #[arg(
        long,
        env = "TASKLANE_MAIL_FROM",
        default_value = "tasklane <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// Who may sign up: `open` (anyone) or `invite` (only people an admin
    /// invited, once an admin exists). Default: `invite` when the public URL
    /// is not a loopback address, `open` when it is.
    #[arg(long, env = "TASKLANE_SIGNUP")]
    pub signup: Option<domain::SignupMode>,

    /// Log format: `text` for people, `json` for log pipelines.
    #[arg(long, env = "TASKLANE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}
