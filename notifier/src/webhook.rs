//! Outgoing webhooks: the payload an event becomes, its signature, and the
//! one HTTP client allowed to send it. Shared by the local worker and the
//! webhooks Lambda, so both deployments post the same bytes.
//!
//! # What a receiver gets
//!
//! `POST` with `Content-Type: application/json`, the body of [`payload`],
//! and two headers: `X-Tasklane-Timestamp` (unix seconds) and
//! `X-Tasklane-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body">`
//! keyed by the webhook's secret. Signing the timestamp with the body lets
//! a receiver refuse replays of an old delivery (check the timestamp is
//! recent). The `text` field is a Slack-compatible one-liner, so a Slack
//! incoming-webhook URL works as is (Slack ignores the other fields and
//! the headers).
//!
//! # Server-side request forgery
//!
//! The sender, not the admin's browser, opens the connection, so the URL
//! could point at what only the server can reach. Defences, in order:
//! `domain::WebhookUrl` refuses non-http(s), credentials, plain http to
//! anything but loopback, and private/link-local/metadata IP literals on
//! save; here every address a name resolves to is checked again at
//! connection time (so a DNS name pointing at 169.254.169.254 or 10.0.0.5
//! is refused, and so is a rebinding between save and send), loopback is
//! refused unless the sender was built with `allow_loopback` (the embedded
//! server on a loopback public URL; never the Lambda, whose runtime API
//! listens on loopback), redirects are never followed (hyper has no
//! redirect support, and a 3xx counts as a failure), the response body is
//! never read, and the whole request is bounded by a timeout. What is not
//! covered: a public address the admin legitimately points at is reached,
//! with the response status recorded on the page (that is the feature).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use domain::{Task, Webhook, WebhookDelivery};
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde_json::{json, Value};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::classify::Event;
use crate::render::{render_email, RenderContext};

/// How long one delivery may take, connection to status line: a slow
/// receiver costs at most this per event, then counts as failed and is
/// retried later.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Names and links the payload needs beyond the event.
#[derive(Debug, Clone, Copy)]
pub struct PayloadContext<'a> {
    /// The app's public URL, without a trailing slash.
    pub base_url: &'a str,
    /// The task as read at delivery time, when it still exists.
    pub task: &'a Task,
    pub actor_name: Option<&'a str>,
    /// The (un)assigned person's name, for those events.
    pub subject_name: Option<&'a str>,
}

/// Escapes text for Slack's message format, which reserves exactly these
/// three characters (`<` and `>` make links and mentions).
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JSON body of one delivery. User text (titles, names) goes through
/// the JSON serializer, and through [`slack_escape`] in `text`.
pub fn payload(event: &Event, ctx: &PayloadContext<'_>) -> Value {
    let url = format!("{}/tasks/{}", ctx.base_url, event.task_id);
    let mut event = event.clone();
    if event.task_title.is_empty() {
        event.task_title = ctx.task.title.as_str().to_owned();
    }
    // The email subject is already the one-line summary; rendered for
    // nobody in particular, so it never says "you".
    let summary = render_email(
        &event,
        &RenderContext {
            base_url: ctx.base_url,
            recipient: domain::UserId::from_uuid(uuid::Uuid::nil()),
            recipient_name: "",
            actor_name: ctx.actor_name,
            subject_name: ctx.subject_name,
        },
    )
    .subject;
    let text = format!("{} <{url}|Open task>", slack_escape(&summary));
    json!({
        "type": event.kind.as_str(),
        "task": {
            "id": event.task_id,
            "title": ctx.task.title.as_str(),
            "status": ctx.task.status.as_str(),
            "url": url,
        },
        "actor": event.actor.map(|id| json!({ "id": id, "name": ctx.actor_name })),
        "detail": event.detail,
        "at": event.occurred_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "id": event.dedupe_key,
        "text": text,
    })
}

/// `sha256=<hex>` over `timestamp.body`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256=");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// What the idempotency marker of one (webhook, event) is called, on both
/// paths.
pub fn marker_key(hook: &Webhook, event: &Event) -> String {
    format!("webhook#{}#{}", hook.id, event.dedupe_key)
}

/// A failed attempt: the receiver's status when it answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct PostError {
    pub status: Option<u16>,
    pub reason: String,
}

impl PostError {
    fn new(status: Option<u16>, reason: impl Into<String>) -> Self {
        PostError {
            status,
            reason: reason.into(),
        }
    }
}

/// The outcome to record on the webhook after an attempt.
pub fn delivery_status(
    event: &Event,
    result: &Result<u16, PostError>,
    attempts: u32,
    at: OffsetDateTime,
) -> WebhookDelivery {
    WebhookDelivery {
        at,
        event: event.kind,
        http_status: match result {
            Ok(s) => Some(*s),
            Err(e) => e.status,
        },
        error: result.as_ref().err().map(|e| e.reason.clone()),
        attempts,
    }
}

/// Resolves names like the system does, then drops every address a
/// webhook may not reach, and fails if none is left.
#[derive(Debug, Clone, Copy)]
struct GuardedResolver {
    allow_loopback: bool,
}

fn reachable(ip: IpAddr, allow_loopback: bool) -> bool {
    domain::webhook::is_public_ip(ip) || (allow_loopback && ip.is_loopback())
}

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow = self.allow_loopback;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| reachable(a.ip(), allow))
                .collect();
            if addrs.is_empty() {
                return Err(std::io::Error::other(
                    "the host resolves only to addresses webhooks may not reach",
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

type Https = hyper_rustls::HttpsConnector<HttpConnector<GuardedResolver>>;

/// The webhook HTTP client: TLS by rustls on ring with the system's roots,
/// HTTP/1.1, the guarded resolver, no redirects, a timeout per request.
#[derive(Clone)]
pub struct WebhookSender {
    client: Client<Https, Full<Bytes>>,
    timeout: Duration,
    allow_loopback: bool,
}

impl std::fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSender")
            .field("timeout", &self.timeout)
            .field("allow_loopback", &self.allow_loopback)
            .finish_non_exhaustive()
    }
}

impl WebhookSender {
    /// Without any system root certificate, https deliveries fail (and
    /// say why on the page) while loopback http still works.
    pub fn new(timeout: Duration, allow_loopback: bool) -> Self {
        let mut http = HttpConnector::new_with_resolver(GuardedResolver { allow_loopback });
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let builder = match hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider.clone())
        {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "no system root certificates; https webhooks will fail");
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .expect("ring supports the default protocol versions")
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
            }
        };
        let https = builder.https_or_http().enable_http1().wrap_connector(http);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
        WebhookSender {
            client,
            timeout,
            allow_loopback,
        }
    }

    /// Signs and posts `body` to the webhook; `Ok(status)` for a 2xx
    /// answer, anything else (3xx included: redirects are not followed)
    /// is a [`PostError`].
    pub async fn post(
        &self,
        hook: &Webhook,
        body: &Value,
        now: OffsetDateTime,
    ) -> Result<u16, PostError> {
        let url = hook.url.as_str();
        let parsed = url::Url::parse(url).map_err(|_| PostError::new(None, "invalid URL"))?;
        // IP literals never reach the resolver: check them here.
        let literal: Option<IpAddr> = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(ip.into()),
            Some(url::Host::Ipv6(ip)) => Some(ip.into()),
            _ => None,
        };
        if let Some(ip) = literal {
            if !reachable(ip, self.allow_loopback) {
                return Err(PostError::new(None, "address not allowed for webhooks"));
            }
        }
        if parsed.scheme() == "http" && !(self.allow_loopback && hook.url.is_loopback()) {
            return Err(PostError::new(None, "plain http is not allowed here"));
        }
        let bytes = serde_json::to_vec(body).map_err(|e| PostError::new(None, e.to_string()))?;
        let ts = now.unix_timestamp();
        let request = http::Request::post(url)
            .header("content-type", "application/json")
            .header("user-agent", "tasklane-webhooks/1")
            .header("x-tasklane-timestamp", ts.to_string())
            .header("x-tasklane-signature", sign(&hook.secret, ts, &bytes))
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| PostError::new(None, e.to_string()))?;
        let response = match tokio::time::timeout(self.timeout, self.client.request(request)).await
        {
            Err(_) => {
                return Err(PostError::new(
                    None,
                    format!("no answer within {} s", self.timeout.as_secs_f32()),
                ))
            }
            Ok(Err(e)) => {
                let mut reason = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    reason = format!("{reason}: {s}");
                    source = s.source();
                }
                return Err(PostError::new(None, reason));
            }
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(PostError::new(Some(status), format!("HTTP {status}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_reserved_characters_are_escaped() {
        assert_eq!(
            slack_escape("<!channel> & <https://x|y>"),
            "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
        );
    }

    #[test]
    fn loopback_only_when_allowed() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(reachable(lo, true));
        assert!(!reachable(lo, false));
        assert!(!reachable("169.254.169.254".parse().unwrap(), true));
        assert!(!reachable("10.1.2.3".parse().unwrap(), true));
        assert!(reachable("8.8.8.8".parse().unwrap(), false));
    }
}
