//! Where verification keys come from: a JWKS document fetched over HTTP and
//! cached by `kid`, or a fixed document handed over in-process by the local
//! issuer.
//!
//! An unknown `kid` is the normal signal of key rotation, so it triggers a
//! refetch; but anyone can put any `kid` in a token, so refetches are limited
//! to one per [`JWKS_REFETCH_INTERVAL`] per source, counting failed attempts,
//! or forged tokens could make us hammer the identity provider.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::DecodingKey;
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::error::{truncate_for_log, AuthError};

/// Minimum time between two JWKS fetches from one source.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// A JWKS larger than this is not a key set we want to parse.
const MAX_JWKS_BYTES: usize = 64 * 1024;

/// Below 2048 bits an RSA key is forgeable in practice; refusing it keeps a
/// misconfigured or hostile JWKS from weakening every token.
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// Above this the verification cost becomes a denial-of-service lever.
const MAX_RSA_MODULUS_BYTES: usize = 512;

/// One public key as published in a JWKS (RFC 7517). Only the RSA members
/// are modelled because RS256 is the only accepted algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// A JWKS document, `{"keys": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// Verification keys by `kid`.
type KeyMap = HashMap<String, Arc<DecodingKey>>;

/// Turns a JWKS into usable RS256 keys, skipping keys meant for other
/// algorithms or for encryption rather than failing the whole set, since
/// providers may publish those alongside.
fn keys_from_jwks(jwks: &Jwks) -> Result<KeyMap, AuthError> {
    let mut keys = KeyMap::new();
    for jwk in &jwks.keys {
        if jwk.kty != "RSA" {
            continue;
        }
        if jwk.alg.as_deref().is_some_and(|alg| alg != "RS256") {
            continue;
        }
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (&jwk.kid, &jwk.n, &jwk.e) else {
            continue;
        };
        let n = URL_SAFE_NO_PAD
            .decode(n)
            .map_err(|_| AuthError::InvalidJwks(format!("key {kid:?}: n is not base64url")))?;
        let e = URL_SAFE_NO_PAD
            .decode(e)
            .map_err(|_| AuthError::InvalidJwks(format!("key {kid:?}: e is not base64url")))?;
        let modulus_len = n.iter().skip_while(|b| **b == 0).count();
        if !(MIN_RSA_MODULUS_BYTES..=MAX_RSA_MODULUS_BYTES).contains(&modulus_len) {
            return Err(AuthError::InvalidJwks(format!(
                "key {:?}: {}-bit modulus outside 2048..=4096",
                truncate_for_log(kid),
                modulus_len * 8
            )));
        }
        keys.insert(
            kid.clone(),
            Arc::new(DecodingKey::from_rsa_raw_components(&n, &e)),
        );
    }
    if keys.is_empty() {
        return Err(AuthError::InvalidJwks("no RS256 signing keys".into()));
    }
    Ok(keys)
}

/// The keys a [`super::Validator`] checks signatures with.
pub struct KeySource {
    inner: Inner,
}

/// Boxed: the remote source (client, cache, gate) is ten times the static
/// map, and one `KeySource` lives for the process either way.
enum Inner {
    Static(KeyMap),
    Remote(Box<Remote>),
}

/// hyper with rustls on ring and the system's roots: the very stack the AWS
/// SDK client already links (aws-smithy-http-client), so fetching keys adds
/// no second HTTP client, TLS setup or root bundle to the Lambda. It never
/// follows redirects: the JWKS location is configuration, and following one
/// would let whoever controls the response pick where keys come from.
type HttpsClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Empty<bytes::Bytes>,
>;

/// Connecting and the whole fetch (headers and body) are each bounded, so a
/// slow identity provider cannot hold a request for longer.
const JWKS_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);

struct Remote {
    url: http::Uri,
    client: HttpsClient,
    clock: Arc<dyn Clock>,
    keys: RwLock<Arc<KeyMap>>,
    /// Held across a fetch so concurrent unknown-kid requests wait for one
    /// fetch instead of each starting their own; holds the time of the last
    /// attempt, which is the rate limit's state.
    fetch_gate: tokio::sync::Mutex<Option<Instant>>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Static(keys) => f
                .debug_struct("KeySource::Static")
                .field("kids", &keys.keys().collect::<Vec<_>>())
                .finish(),
            Inner::Remote(remote) => f
                .debug_struct("KeySource::Remote")
                .field("url", &remote.url)
                .field("fetches", &remote.fetches.load(Ordering::SeqCst))
                .finish_non_exhaustive(),
        }
    }
}

impl KeySource {
    /// Keys fetched from `url` on first use and again when a token names a
    /// `kid` we do not have, at most once per [`JWKS_REFETCH_INTERVAL`].
    pub fn remote(url: impl Into<String>, clock: Arc<dyn Clock>) -> Result<Self, AuthError> {
        let url: String = url.into();
        let url: http::Uri = url
            .parse()
            .map_err(|e| AuthError::Setup(format!("JWKS URL {url:?}: {e}")))?;
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.set_connect_timeout(Some(JWKS_CONNECT_TIMEOUT));
        // The scheme check is hyper-rustls's job; keep the URI's.
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| AuthError::Setup(format!("TLS roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(https);
        Ok(Self {
            inner: Inner::Remote(Box::new(Remote {
                url,
                client,
                clock,
                keys: RwLock::new(Arc::new(KeyMap::new())),
                fetch_gate: tokio::sync::Mutex::new(None),
                fetches: AtomicU64::new(0),
            })),
        })
    }

    /// A fixed key set, for the local issuer whose keys live in-process: no
    /// HTTP, and an unknown `kid` is final.
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, AuthError> {
        Ok(Self {
            inner: Inner::Static(keys_from_jwks(jwks)?),
        })
    }

    /// Like [`KeySource::from_jwks`], from the JSON text of a JWKS.
    pub fn from_jwks_json(json: &str) -> Result<Self, AuthError> {
        let jwks: Jwks =
            serde_json::from_str(json).map_err(|e| AuthError::InvalidJwks(e.to_string()))?;
        Self::from_jwks(&jwks)
    }

    /// How many HTTP fetches were attempted (0 for a static source), for
    /// metrics and tests.
    pub fn fetch_count(&self) -> u64 {
        match &self.inner {
            Inner::Static(_) => 0,
            Inner::Remote(remote) => remote.fetches.load(Ordering::SeqCst),
        }
    }

    /// The key for `kid`, refetching the JWKS if it is unknown and the rate
    /// limit allows.
    pub async fn key_for(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        match &self.inner {
            Inner::Static(keys) => keys.get(kid).cloned().ok_or_else(|| AuthError::UnknownKid {
                kid: truncate_for_log(kid),
                refetched: false,
            }),
            Inner::Remote(remote) => remote.key_for(kid).await,
        }
    }
}

impl Remote {
    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.get(kid).cloned()
    }

    async fn key_for(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut last_attempt = self.fetch_gate.lock().await;
        // Whoever held the gate before us may just have fetched this key.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let now = self.clock.instant_now();
        if let Some(last) = *last_attempt {
            if now.saturating_duration_since(last) < JWKS_REFETCH_INTERVAL {
                return Err(AuthError::UnknownKid {
                    kid: truncate_for_log(kid),
                    refetched: false,
                });
            }
        }
        *last_attempt = Some(now);
        self.fetches.fetch_add(1, Ordering::SeqCst);
        // A failed fetch keeps the old keys: tokens signed with them stay
        // valid through a provider outage.
        let fresh = self.fetch().await?;
        let key = fresh.get(kid).cloned();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        key.ok_or_else(|| AuthError::UnknownKid {
            kid: truncate_for_log(kid),
            refetched: true,
        })
    }

    async fn fetch(&self) -> Result<KeyMap, AuthError> {
        let body = tokio::time::timeout(JWKS_FETCH_TIMEOUT, self.fetch_body())
            .await
            .map_err(|_| AuthError::JwksFetch("timed out".into()))??;
        let jwks: Jwks =
            serde_json::from_slice(&body).map_err(|e| AuthError::InvalidJwks(e.to_string()))?;
        keys_from_jwks(&jwks)
    }

    async fn fetch_body(&self) -> Result<bytes::Bytes, AuthError> {
        use http_body_util::BodyExt as _;
        let response = self
            .client
            .get(self.url.clone())
            .await
            .map_err(|e| AuthError::JwksFetch(e.to_string()))?;
        if !response.status().is_success() {
            return Err(AuthError::JwksFetch(format!(
                "HTTP status {}",
                response.status()
            )));
        }
        // Limited stops reading past the cap, so neither a lying nor an
        // absent Content-Length can make us buffer an unbounded body.
        http_body_util::Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    AuthError::JwksFetch("response too large".into())
                } else {
                    AuthError::JwksFetch(e.to_string())
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsa_jwk(kid: &str, modulus_bytes: usize) -> Jwk {
        let mut n = vec![0xC5_u8; modulus_bytes];
        n[modulus_bytes - 1] = 0x01;
        Jwk {
            kty: "RSA".into(),
            alg: Some("RS256".into()),
            use_: Some("sig".into()),
            kid: Some(kid.into()),
            n: Some(URL_SAFE_NO_PAD.encode(&n)),
            e: Some("AQAB".into()),
        }
    }

    #[test]
    fn skips_keys_for_other_algorithms_and_uses() {
        let mut hmac = rsa_jwk("hmac", 256);
        hmac.kty = "oct".into();
        let mut rs512 = rsa_jwk("rs512", 256);
        rs512.alg = Some("RS512".into());
        let mut enc = rsa_jwk("enc", 256);
        enc.use_ = Some("enc".into());
        let jwks = Jwks {
            keys: vec![hmac, rs512, enc, rsa_jwk("good", 256)],
        };
        let keys = keys_from_jwks(&jwks).expect("one usable key");
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["good"]);
    }

    #[test]
    fn refuses_short_rsa_moduli() {
        let jwks = Jwks {
            keys: vec![rsa_jwk("weak", 128)],
        };
        assert!(matches!(
            keys_from_jwks(&jwks),
            Err(AuthError::InvalidJwks(msg)) if msg.contains("1024-bit")
        ));
    }

    #[test]
    fn refuses_a_set_without_signing_keys() {
        assert_eq!(
            keys_from_jwks(&Jwks { keys: vec![] }).err(),
            Some(AuthError::InvalidJwks("no RS256 signing keys".into()))
        );
    }
}
