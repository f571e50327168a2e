//! The one seam between the worker and the outside world's mail.
//!
//! Why a trait object rather than a generic: the server picks the mailer at
//! start-up from configuration (dev mailbox or SMTP), and tests swap in
//! mailers that fail or count on purpose; a `dyn Mailer` keeps the worker's
//! type the same in every case.

use async_trait::async_trait;
use domain::Email;

use crate::render::EmailMessage;

/// Why a message could not be handed over. Every variant is treated as
/// retryable by the worker (the change stays unacknowledged); the variants
/// exist so logs say which side failed.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Bad configuration (an unparsable `SMTP_URL` or From address). Raised
    /// at construction, so a misconfigured server fails at start-up.
    #[error("mail configuration: {0}")]
    Config(String),
    /// A recipient address the transport will not accept.
    #[error("invalid recipient address {address:?}: {reason}")]
    Address { address: String, reason: String },
    /// The message could not be assembled.
    #[error("could not build the message: {0}")]
    Build(String),
    /// The SMTP server refused or the connection failed.
    #[error("mail transport: {0}")]
    Transport(String),
    /// The dev mailbox could not be written or read.
    #[error("dev mailbox I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A stored dev-mailbox message that does not decode.
    #[error("dev mailbox message {id} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
}

/// Hands one rendered message to one recipient. `Ok` means the message is
/// durably accepted (written to disk, or accepted by the SMTP server with a
/// 250), which is the point after which the worker records it as sent.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError>;
}

#[async_trait]
impl<M: Mailer + ?Sized> Mailer for std::sync::Arc<M> {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError> {
        (**self).send(to, msg).await
    }
}
