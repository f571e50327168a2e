//! Outgoing webhooks (admin): where events are posted and which ones.
//!
//! The URL is the dangerous field: the server itself sends the requests,
//! so an admin-chosen URL could make it reach addresses only it can reach
//! (server-side request forgery: a cloud metadata endpoint, a database on
//! the private network, the Lambda runtime API on loopback). Checks here
//! are the first line, on save; the sender repeats the address check on
//! every resolved address at delivery time (a name can resolve anywhere),
//! and never follows redirects.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{UserId, WebhookId};
use crate::model::EventKind;

/// An admin who needs more is better served by a relay (Zapier, a queue).
pub const MAX_WEBHOOKS: usize = 20;
/// Longer than any real endpoint; bounds what one item and one page hold.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2000;

/// Why a webhook URL was refused; the message is shown to the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("Enter a URL.")]
    Empty,
    #[error("The URL is too long (at most 2,000 characters).")]
    TooLong,
    #[error("Enter a full URL, like https://hooks.example.com/tasklane.")]
    Invalid,
    #[error("Only https URLs are allowed (plain http only to this machine).")]
    Scheme,
    #[error("The URL must not contain a user name or password.")]
    Credentials,
    #[error("Private, link-local and metadata addresses are not allowed.")]
    PrivateAddress,
}

/// A checked webhook URL: `https`, or `http` to a loopback host; no
/// credentials; at most [`MAX_WEBHOOK_URL_CHARS`]; not an IP literal in a
/// private, link-local, shared or reserved range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(s: &str) -> Result<Self, WebhookUrlError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(WebhookUrlError::Empty);
        }
        if s.chars().count() > MAX_WEBHOOK_URL_CHARS {
            return Err(WebhookUrlError::TooLong);
        }
        let url = url::Url::parse(s).map_err(|_| WebhookUrlError::Invalid)?;
        let host = url.host().ok_or(WebhookUrlError::Invalid)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Credentials);
        }
        let loopback = match &host {
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(WebhookUrlError::Scheme),
        }
        let literal = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        if let Some(ip) = literal {
            if !ip.is_loopback() && !is_public_ip(ip) {
                return Err(WebhookUrlError::PrivateAddress);
            }
        }
        // The normalised form (lowercase scheme and host, punycode) is
        // what is stored and posted to, so what is shown is what is used.
        Ok(WebhookUrl(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the host is this machine: allowed only where the operator
    /// says so (the embedded server), never on AWS.
    pub fn is_loopback(&self) -> bool {
        url::Url::parse(&self.0).is_ok_and(|u| match u.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        })
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = WebhookUrlError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        WebhookUrl::parse(&s)
    }
}

impl From<WebhookUrl> for String {
    fn from(u: WebhookUrl) -> String {
        u.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a request to `ip` leaves the private network: false for
/// loopback, private (RFC 1918, unique local), link-local (which holds the
/// cloud metadata endpoints 169.254.169.254 and fd00:ec2::254 is unique
/// local), shared (100.64/10), unspecified, broadcast, multicast,
/// documentation and benchmarking ranges, and IPv4-mapped forms of those.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

/// The outcome of the newest delivery attempt to a webhook, shown to admins
/// so a broken receiver is noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub event: EventKind,
    /// The receiver's HTTP status, when it answered at all.
    pub http_status: Option<u16>,
    /// Why the attempt failed (connection refused, timeout, a non-2xx
    /// answer); `None` on success.
    pub error: Option<String>,
    /// Attempts made for this event so far, this one included.
    pub attempts: u32,
}

impl WebhookDelivery {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// A configured webhook. The secret is kept in clear: HMAC signing needs
/// it, so it cannot be stored hashed; it is shown to the admin once, on
/// creation, and never rendered again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: WebhookId,
    pub url: WebhookUrl,
    pub events: BTreeSet<EventKind>,
    pub secret: String,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub last_delivery: Option<WebhookDelivery>,
}

impl Webhook {
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.contains(&kind)
    }
}

/// What an admin submits; the store mints the id and the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: BTreeSet<EventKind>,
    pub created_by: UserId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in [
            "https://hooks.slack.com/services/T0/B0/x",
            "  https://example.com:8443/a?b=c ",
            "http://127.0.0.1:4000/hook",
            "http://localhost/x",
            "http://[::1]:9/x",
            "https://93.184.216.34/x",
        ] {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_could_reach_inside() {
        use WebhookUrlError::*;
        for (bad, why) in [
            ("", Empty),
            ("hooks.example.com", Invalid),
            ("ftp://example.com/x", Scheme),
            ("javascript:alert(1)", Invalid),
            ("http://example.com/x", Scheme),
            ("https://user:pw@example.com/x", Credentials),
            ("https://169.254.169.254/latest/meta-data", PrivateAddress),
            ("https://10.0.0.1/x", PrivateAddress),
            ("https://192.168.1.1/x", PrivateAddress),
            ("https://172.16.0.1/x", PrivateAddress),
            ("https://100.64.0.1/x", PrivateAddress),
            ("https://0.0.0.0/x", PrivateAddress),
            ("https://[fd00:ec2::254]/x", PrivateAddress),
            ("https://[fe80::1]/x", PrivateAddress),
            ("https://[::ffff:10.0.0.1]/x", PrivateAddress),
            // Decimal and hex IPv4 forms are normalised by the URL parser.
            ("https://2852039166/x", PrivateAddress),
            ("https://0xa9fea9fe/x", PrivateAddress),
        ] {
            assert_eq!(WebhookUrl::parse(bad), Err(why), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2000));
        assert_eq!(WebhookUrl::parse(&long), Err(WebhookUrlError::TooLong));
    }

    #[test]
    fn public_addresses_are_public() {
        assert!(is_public_ip("8.8.8.8".parse().unwrap()));
        assert!(is_public_ip("2606:4700::1111".parse().unwrap()));
        assert!(!is_public_ip("127.0.0.1".parse().unwrap()));
        assert!(!is_public_ip("::1".parse().unwrap()));
    }
}
