//! Notifications, off the write path: what happened (classification of old
//! and new item images), who should hear of it (recipients and their
//! preferences) and what they are told (email and in-app text).
//!
//! The same pure code serves both deployments: on AWS the stream-processor
//! Lambda feeds it DynamoDB Stream images and the email-formatter renders;
//! locally a worker feeds it the SQLite `changes` table. Keeping I/O out of
//! this core is what makes the two paths provably the same.

pub mod aws;
pub mod classify;
pub mod local;
pub mod metrics;
pub mod recipients;
pub mod render;
pub mod webhook;

pub use classify::{classify, ClassifyError, Detail, Event};
pub use recipients::{recipients, Delivery, TaskContext};
pub use render::{invitation_link, render_email, render_invitation, EmailMessage, RenderContext};
