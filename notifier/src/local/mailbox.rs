//! The dev mailbox: every email the local server "sends", kept as files so
//! a developer (at `/dev/mailbox`) and the tests can read exactly what a
//! recipient would have received, without any mail server.
//!
//! Why one JSON file per message: appending to a shared file can tear on a
//! crash and needs locking between writers; a file written under a
//! temporary name, fsynced and then renamed into place is either wholly
//! there or not there at all. Names are UUIDv7 (time-ordered), so "newest
//! first" is a sort of the directory listing, with no index to keep.

use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use domain::Email;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::mailer::{MailError, Mailer};
use crate::render::EmailMessage;

/// Where under the data directory messages live.
pub const MAILBOX_DIR: &str = "mailbox";
const EXT: &str = "json";
/// Temporary files start with a dot so listings never mistake one for mail.
const TMP_PREFIX: &str = ".tmp-";

/// One delivered message, as stored and as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailboxMessage {
    /// A UUIDv7: unique, and ordered by creation.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A [`Mailer`] that files messages under `<data_dir>/mailbox/`.
#[derive(Debug, Clone)]
pub struct DevMailbox {
    dir: PathBuf,
}

impl DevMailbox {
    /// Opens (creating if needed) `<data_dir>/mailbox/`. Temporary files
    /// left by a crash mid-write are removed: their message was never
    /// reported as sent, so the worker will write it again.
    pub async fn open(data_dir: impl AsRef<Path>) -> Result<DevMailbox, MailError> {
        let dir = data_dir.as_ref().join(MAILBOX_DIR);
        let d = dir.clone();
        blocking(move || {
            std::fs::create_dir_all(&d)?;
            for entry in std::fs::read_dir(&d)? {
                let entry = entry?;
                if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                    // Best effort: a leftover that cannot be removed is
                    // still ignored by every listing.
                    let _ = std::fs::remove_file(entry.path());
                }
            }
            Ok(())
        })
        .await?;
        Ok(DevMailbox { dir })
    }

    /// The directory holding the message files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores one message and returns it as stored.
    pub async fn store(&self, to: &str, msg: &EmailMessage) -> Result<MailboxMessage, MailError> {
        let message = MailboxMessage {
            id: Uuid::now_v7().to_string(),
            to: to.to_owned(),
            subject: msg.subject.clone(),
            text: msg.text.clone(),
            html: msg.html.clone(),
            created_at: OffsetDateTime::now_utc(),
        };
        let bytes = serde_json::to_vec_pretty(&message).map_err(|e| MailError::Corrupt {
            id: message.id.clone(),
            reason: e.to_string(),
        })?;
        let dir = self.dir.clone();
        let id = message.id.clone();
        blocking(move || write_atomically(&dir, &id, &bytes)).await?;
        Ok(message)
    }

    /// At most `limit` messages, newest first. A file that does not decode
    /// (edited by hand, say) is skipped with a warning rather than hiding
    /// every other message.
    pub async fn list(&self, limit: usize) -> Result<Vec<MailboxMessage>, MailError> {
        let dir = self.dir.clone();
        blocking(move || {
            let mut ids: Vec<Uuid> = Vec::new();
            for entry in std::fs::read_dir(&dir)? {
                if let Some(id) = message_id(&entry?.file_name().to_string_lossy()) {
                    ids.push(id);
                }
            }
            ids.sort_unstable_by(|a, b| b.cmp(a));
            let mut out = Vec::with_capacity(limit.min(ids.len()));
            for id in ids {
                if out.len() >= limit {
                    break;
                }
                match read_message(&dir, id) {
                    Ok(Some(m)) => out.push(m),
                    // Deleted between listing and reading: not an error.
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(%id, error = %e, "skipping unreadable dev mailbox message")
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    /// One message by id; `None` for an unknown id or one that is not a
    /// message id at all (ids come from URLs, so they are never trusted as
    /// file names).
    pub async fn get(&self, id: &str) -> Result<Option<MailboxMessage>, MailError> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let dir = self.dir.clone();
        blocking(move || read_message(&dir, id)).await
    }
}

#[async_trait]
impl Mailer for DevMailbox {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError> {
        let stored = self.store(to.as_str(), msg).await?;
        tracing::info!(id = %stored.id, to = %stored.to, subject = %stored.subject, "dev mailbox: message stored");
        Ok(())
    }
}

async fn blocking<T, F>(f: F) -> Result<T, MailError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, MailError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| MailError::Io(std::io::Error::other(e.to_string())))?
}

fn message_id(file_name: &str) -> Option<Uuid> {
    let stem = file_name.strip_suffix(EXT)?.strip_suffix('.')?;
    Uuid::parse_str(stem).ok()
}

fn message_path(dir: &Path, id: Uuid) -> PathBuf {
    dir.join(format!("{id}.{EXT}"))
}

fn read_message(dir: &Path, id: Uuid) -> Result<Option<MailboxMessage>, MailError> {
    let bytes = match std::fs::read(message_path(dir, id)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| MailError::Corrupt {
            id: id.to_string(),
            reason: e.to_string(),
        })
}

/// Temp file, fsync, rename, fsync the directory: after a crash the message
/// is either complete under its final name or absent.
fn write_atomically(dir: &Path, id: &str, bytes: &[u8]) -> Result<(), MailError> {
    let tmp = dir.join(format!("{TMP_PREFIX}{id}.{EXT}"));
    let fin = dir.join(format!("{id}.{EXT}"));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &fin)?;
        // The rename is durable only once the directory entry is.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(MailError::from)
}

/// The `/dev/mailbox` page: a standalone HTML document listing `messages`
/// (pass them newest first, as [`DevMailbox::list`] returns them). Every
/// stored field is escaped — the HTML part is shown as source, never
/// rendered, since it carries user-written task titles and comments.
pub fn render_mailbox_html(messages: &[MailboxMessage]) -> String {
    let mut out = String::with_capacity(1024 + messages.len() * 2048);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Dev mailbox</title>\
         <style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}\
         article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}\
         pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}\
         .meta{color:#555;font-size:.9rem}</style></head><body>\n<h1>Dev mailbox</h1>\n",
    );
    if messages.is_empty() {
        out.push_str("<p>No messages yet.</p>\n");
    }
    for m in messages {
        out.push_str(&format!(
            "<article id=\"msg-{id}\"><h2>{subject}</h2>\
             <p class=\"meta\">To: <span class=\"to\">{to}</span> · {at} · id {id}</p>\
             <pre class=\"text\">{text}</pre>\
             <details><summary>HTML part (source)</summary><pre class=\"html\">{html}</pre></details>\
             </article>\n",
            id = escape(&m.id),
            subject = escape(&m.subject),
            to = escape(&m.to),
            at = escape(
                &m.created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            ),
            text = escape(&m.text),
            html = escape(&m.html),
        ));
    }
    out.push_str("</body></html>\n");
    out
}

/// The same list as JSON (an array of [`MailboxMessage`]), for tests and
/// scripts that assert on delivered mail.
pub fn render_mailbox_json(messages: &[MailboxMessage]) -> String {
    serde_json::to_string(messages).unwrap_or_else(|_| "[]".to_owned())
}

/// Escapes text for both element content and quoted attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_final_message_names_are_listed() {
        let id = Uuid::now_v7();
        assert_eq!(message_id(&format!("{id}.json")), Some(id));
        assert_eq!(message_id(&format!("{TMP_PREFIX}{id}.json")), None);
        assert_eq!(message_id("../etc/passwd.json"), None);
        assert_eq!(message_id(&format!("{id}json")), None);
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
