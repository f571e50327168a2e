//! Who may become the first admin of a fresh installation.
//!
//! The first confirmed account becomes admin (a one-time store marker decides,
//! so two racing sign-ups cannot both win). On an install only the operator's
//! machine can reach, any sign-up may claim it. Once the server is reachable
//! from elsewhere (a non-loopback public URL, a forwarding proxy, a remote
//! peer), a stranger who confirms first would own the installation, so the
//! claim then needs a one-time token that only the operator sees: it is
//! printed in the server's log at start-up.

use rsa::rand_core::{OsRng, RngCore};

pub struct Bootstrap {
    token: Option<String>,
    public_is_loopback: bool,
}

/// Where a sign-up request came from, as far as the bootstrap rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The TCP peer is a loopback address.
    pub peer_is_loopback: bool,
    /// A proxy says it forwarded the request (so the peer is the proxy).
    pub forwarded: bool,
}

impl Bootstrap {
    /// Local installs: a fresh random token, and whether the public URL names
    /// a loopback host.
    pub fn local(public_is_loopback: bool) -> Self {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        Self {
            token: Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            public_is_loopback,
        }
    }

    /// No sign-up claims the first admin this way (Cognito deployments make
    /// the first admin with their own documented step).
    pub fn disabled() -> Self {
        Self {
            token: None,
            public_is_loopback: false,
        }
    }

    /// The token to print for the operator, if this install uses one.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Whether a sign-up from `origin`, presenting `presented`, may become
    /// the first admin (if it is still to be had when it is confirmed).
    pub fn allows(&self, origin: Origin, presented: Option<&str>) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        if self.public_is_loopback && origin.peer_is_loopback && !origin.forwarded {
            return true;
        }
        presented.is_some_and(|p| constant_time_eq(p.trim().as_bytes(), token.as_bytes()))
    }
}

/// Whether a URL's host is a loopback name or address (any scheme).
pub fn url_is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares secrets without an early exit, so response time says nothing
/// about how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: Origin = Origin {
        peer_is_loopback: true,
        forwarded: false,
    };
    const REMOTE: Origin = Origin {
        peer_is_loopback: false,
        forwarded: false,
    };

    #[test]
    fn loopback_install_lets_the_operators_machine_claim_it() {
        let b = Bootstrap::local(true);
        assert!(b.allows(LOCAL, None));
        assert!(!b.allows(REMOTE, None));
        let proxied = Origin {
            peer_is_loopback: true,
            forwarded: true,
        };
        assert!(!b.allows(proxied, None), "a local proxy forwards strangers");
        assert!(b.allows(REMOTE, b.token()));
    }

    #[test]
    fn loopback_urls() {
        for u in [
            "http://127.0.0.1:3000",
            "http://localhost",
            "https://[::1]:8443/x",
            "http://127.8.9.1",
        ] {
            assert!(url_is_loopback(u), "{u}");
        }
        for u in [
            "http://0.0.0.0:3000",
            "https://tasks.example.com",
            "http://127.0.0.1.evil.io",
            "http://localhost@evil.io",
        ] {
            assert!(!url_is_loopback(u), "{u}");
        }
    }

    #[test]
    fn reachable_install_needs_the_token_even_from_loopback() {
        let b = Bootstrap::local(false);
        let t = b.token().unwrap().to_owned();
        assert_eq!(t.len(), 32);
        assert!(!b.allows(LOCAL, None));
        assert!(!b.allows(LOCAL, Some("0".repeat(32).as_str())));
        assert!(b.allows(REMOTE, Some(&format!(" {t} "))));
        assert!(!Bootstrap::disabled().allows(LOCAL, Some(&t)));
    }
}
