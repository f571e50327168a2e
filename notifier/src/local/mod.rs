//! The local delivery path (DESIGN.md "Notifications", **Local path**).
//!
//! On AWS a DynamoDB Stream drives Lambdas; the embedded server has no such
//! machinery, so a [`Worker`] inside the server process reads the SQLite
//! `changes` table instead and runs the very same [`crate::classify`],
//! [`crate::recipients`] and [`crate::render_email`] code. Only the edges
//! differ: in-app notifications go straight into the store, and mail goes
//! through a [`Mailer`] — the [`DevMailbox`] (files under the data
//! directory, shown at `/dev/mailbox`) when running locally, or
//! [`SmtpMailer`] when `SMTP_URL` is set.
//!
//! Delivery is at-least-once with per-delivery dedupe: see [`worker`] for the
//! exact guarantee and its one residual window.

pub mod mailbox;
pub mod mailer;
pub mod smtp;
pub mod worker;

pub use mailbox::{render_mailbox_html, render_mailbox_json, DevMailbox, MailboxMessage};
pub use mailer::{MailError, Mailer};
pub use smtp::SmtpMailer;
pub use worker::{Worker, WorkerConfig, WorkerError};
