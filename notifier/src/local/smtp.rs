//! SMTP delivery with `lettre`, used when `SMTP_URL` is set.
//!
//! Why lettre without its defaults: the default features pull native-tls
//! (OpenSSL) and a hostname lookup; the workspace standardises on rustls
//! with the ring provider (aws-lc-sys is slow to build here and needs a C
//! toolchain), and plain `smtp://` to a loopback relay needs no TLS at all.

use std::time::Duration;

use async_trait::async_trait;
use domain::Email;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::mailer::{MailError, Mailer};
use crate::render::EmailMessage;

/// How long one SMTP exchange may take before the delivery counts as
/// failed and is retried; bounded so a hung relay cannot stall the worker.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends multipart (text + HTML) mail through one SMTP relay. One
/// connection per message: notification volume is low, and no idle
/// connection can go stale between ticks.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `scheme://host:port`, for logs; never the credentials.
    endpoint: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpMailer {
    /// Builds the mailer from an `SMTP_URL` and a From address such as
    /// `Tasklane <noreply@example.com>`. No connection is made here.
    ///
    /// Accepted URLs (credentials percent-encoded, port optional):
    /// - `smtp://host:port` — plain SMTP (a local relay, or tests);
    /// - `smtp://user:pass@host:port?tls=starttls` (alias of lettre's
    ///   `tls=required`) — STARTTLS, refusing to continue without it;
    /// - `smtp://…?tls=opportunistic` — STARTTLS when offered;
    /// - `smtps://user:pass@host:port` — implicit TLS (port 465).
    pub fn from_url(smtp_url: &str, from: &str) -> Result<SmtpMailer, MailError> {
        let (url, endpoint) = normalise_url(smtp_url)?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Config(format!("invalid From address {from:?}: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| MailError::Config(format!("SMTP_URL for {endpoint}: {e}")))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(SmtpMailer {
            transport,
            from,
            endpoint,
        })
    }

    /// `scheme://host:port` of the relay, safe to log.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn build(&self, to: &Email, msg: &EmailMessage) -> Result<Message, MailError> {
        let to: Mailbox = to.as_str().parse().map_err(|e| MailError::Address {
            address: to.as_str().to_owned(),
            reason: format!("{e}"),
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(msg.subject.as_str());
        let built = if msg.html.is_empty() {
            // Rendering fell back to text only; an empty HTML alternative
            // would show a blank message in HTML-preferring clients.
            builder.singlepart(SinglePart::plain(msg.text.clone()))
        } else {
            builder.multipart(MultiPart::alternative_plain_html(
                msg.text.clone(),
                msg.html.clone(),
            ))
        };
        built.map_err(|e| MailError::Build(e.to_string()))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError> {
        let message = self.build(to, msg)?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Transport(format!("{}: {e}", self.endpoint)))?;
        tracing::info!(endpoint = %self.endpoint, to = %to.as_str(), subject = %msg.subject, "smtp: message accepted");
        Ok(())
    }
}

/// Maps our `tls=starttls` spelling onto lettre's `tls=required` and
/// derives a credential-free name for logs.
fn normalise_url(raw: &str) -> Result<(String, String), MailError> {
    let mut url = url::Url::parse(raw.trim())
        .map_err(|e| MailError::Config(format!("SMTP_URL is not a URL: {e}")))?;
    let scheme = url.scheme().to_owned();
    if scheme != "smtp" && scheme != "smtps" {
        return Err(MailError::Config(format!(
            "SMTP_URL scheme must be smtp or smtps, not {scheme:?}"
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| MailError::Config("SMTP_URL has no host".to_owned()))?
        .to_owned();
    let endpoint = match url.port() {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    };
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "tls" && v.eq_ignore_ascii_case("starttls") {
                "required".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    Ok((url.to_string(), endpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttls_alias_and_redaction() {
        let (url, endpoint) =
            normalise_url("smtp://u%40x:p%2Fw@mail.example.com:2525?tls=starttls").unwrap();
        assert_eq!(url, "smtp://u%40x:p%2Fw@mail.example.com:2525?tls=required");
        assert_eq!(endpoint, "smtp://mail.example.com:2525");
        assert!(normalise_url("http://x").is_err());
        assert!(normalise_url("not a url").is_err());
    }

    #[test]
    fn every_documented_form_builds() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pass@mail.example.com:587?tls=starttls",
            "smtp://mail.example.com?tls=opportunistic",
            "smtps://user:pass@mail.example.com",
        ] {
            let m = SmtpMailer::from_url(url, "Tasklane <noreply@example.com>");
            assert!(m.is_ok(), "{url}: {:?}", m.err());
        }
        assert!(matches!(
            SmtpMailer::from_url("smtp://127.0.0.1:25", "not an address"),
            Err(MailError::Config(_))
        ));
        let dbg = format!(
            "{:?}",
            SmtpMailer::from_url("smtps://user:secret@h.example.com", "a@b.example").unwrap()
        );
        assert!(!dbg.contains("secret"), "{dbg}");
    }
}
