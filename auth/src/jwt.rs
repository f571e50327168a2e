//! The one JWT validator: Cognito's tokens and the local issuer's go through
//! the same checks, so the embedded default exercises the production path.
//!
//! `jsonwebtoken` verifies the signature; the claim checks are done here,
//! against an injectable [`Clock`], because the crate's own time checks read
//! the system clock and its audience check cannot express Cognito's split
//! between `aud` (ID tokens) and `client_id` (access tokens).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use domain::Role;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Deserializer};

use super::clock::{Clock, SystemClock};
use super::error::{truncate_for_log, AuthError};
use super::jwks::KeySource;
use super::token_use::TokenUse;

/// Tokens above this are refused unread. Cognito tokens are 1–2 KiB, even
/// with many groups.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 30;

/// The most verified tokens a validator remembers (see `Validator::verified`):
/// a few hundred signed-in people, each with a token or two, at about a
/// kilobyte each.
pub const REMEMBERED_TOKENS: usize = 1024;

/// What a validator trusts. The JWKS URL is separate from the issuer because
/// they need not share a host: moto's Cognito names the AWS host in `iss`
/// while serving keys on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorConfig {
    /// Compared byte for byte with `iss`.
    pub issuer: String,
    /// The app client: `aud` of ID tokens, `client_id` of access tokens.
    pub client_id: String,
    pub jwks_url: String,
}

/// The verified identity in a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    /// `cognito:groups`, as issued.
    pub groups: Vec<String>,
    /// The tasklane role the groups grant.
    pub role: Role,
    pub token_use: TokenUse,
    /// `cognito:username` on ID tokens, `username` on access tokens.
    pub username: Option<String>,
    pub exp: u64,
    pub iat: u64,
    pub auth_time: Option<u64>,
    pub jti: Option<String>,
    /// Access tokens only.
    pub scope: Option<String>,
}

/// The tasklane role for a set of Cognito groups; ADMIN wins over MEMBER so
/// a promoted user who is still in MEMBER is an admin.
pub fn role_from_groups<S: AsRef<str>>(groups: &[S]) -> Option<Role> {
    let has = |name: &str| groups.iter().any(|g| g.as_ref() == name);
    if has(Role::Admin.as_str()) {
        Some(Role::Admin)
    } else if has(Role::Member.as_str()) {
        Some(Role::Member)
    } else {
        None
    }
}

/// Checks tokens against one issuer, one app client and one key source.
/// Cheap to share behind an `Arc`; the key cache lives inside.
pub struct Validator {
    issuer: String,
    client_id: String,
    keys: KeySource,
    clock: Arc<dyn Clock>,
    /// Tokens whose signature verified, by their exact text, with the key
    /// that verified them. Every request carries the same token until it
    /// expires, and the RSA check was the largest single cost of a page
    /// after the store. A hit skips only the signature: the header checks
    /// run, the key must still be the one the key source gives for the
    /// `kid`, and the claims are checked against the clock every time, so
    /// a remembered token expires exactly as an unremembered one. Only
    /// tokens this issuer signed can get in, and at most
    /// [`REMEMBERED_TOKENS`] of them.
    verified: Mutex<HashMap<Box<str>, Verified>>,
}

struct Verified {
    key: Arc<DecodingKey>,
    claims: RawClaims,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// A validator fetching keys from `config.jwks_url`, on the system clock.
    pub fn new(config: ValidatorConfig) -> Result<Self, AuthError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// As [`Validator::new`], on a given clock (tests move it by hand).
    pub fn with_clock(config: ValidatorConfig, clock: Arc<dyn Clock>) -> Result<Self, AuthError> {
        let keys = KeySource::remote(config.jwks_url, Arc::clone(&clock))?;
        Ok(Self::with_key_source(
            config.issuer,
            config.client_id,
            keys,
            clock,
        ))
    }

    /// A validator over any key source, e.g. the local issuer's in-process
    /// JWKS.
    pub fn with_key_source(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        keys: KeySource,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            keys,
            clock,
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// How many verified tokens are remembered now.
    pub fn remembered(&self) -> usize {
        self.verified.lock().map_or(0, |m| m.len())
    }

    /// The key source, for its fetch counter.
    pub fn key_source(&self) -> &KeySource {
        &self.keys
    }

    /// Verifies `token` as a token of kind `expected`. A rejection is logged
    /// with its precise reason here, so callers only map it to
    /// [`AuthError::status`] and [`AuthError::public_message`].
    pub async fn validate(&self, token: &str, expected: TokenUse) -> Result<Claims, AuthError> {
        let result = self.check(token, expected).await;
        if let Err(err) = &result {
            tracing::warn!(reason = %err, expected = %expected, "token rejected");
        }
        result
    }

    async fn check(&self, token: &str, expected: TokenUse) -> Result<Claims, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TooLarge {
                len: token.len(),
                max: MAX_TOKEN_BYTES,
            });
        }
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(AuthError::Malformed(
                "expected three dot-separated segments",
            ));
        };

        // The header is inspected by hand first so that `none`, HMAC and any
        // other algorithm are refused by name, before a key is looked up.
        let header = parse_header(header)?;
        if header.alg != "RS256" {
            return Err(AuthError::DisallowedAlgorithm(truncate_for_log(
                &header.alg,
            )));
        }
        if header.crit.is_some() {
            return Err(AuthError::Malformed(
                "crit header extensions are not supported",
            ));
        }
        let kid = header.kid.ok_or(AuthError::MissingKid)?;
        for segment in [payload, signature] {
            if segment.is_empty() || !is_base64url(segment) {
                return Err(AuthError::Malformed("segment is not unpadded base64url"));
            }
        }

        let key = self.keys.key_for(&kid).await?;
        if let Some(raw) = self.remembered_claims(token, &key) {
            return self.check_claims(raw, expected);
        }

        let mut validation = Validation::new(Algorithm::RS256);
        // Claims are checked below against our clock and Cognito's rules;
        // the crate does the signature and nothing else.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let raw = jsonwebtoken::decode::<RawClaims>(token, &key, &validation)
            .map_err(|e| map_decode_error(e.kind()))?
            .claims;

        let claims = self.check_claims(raw.clone(), expected)?;
        self.remember(token, key, raw);
        Ok(claims)
    }

    /// The claims of `token` if it was verified before with this very key.
    fn remembered_claims(&self, token: &str, key: &Arc<DecodingKey>) -> Option<RawClaims> {
        let verified = self.verified.lock().ok()?;
        let hit = verified.get(token)?;
        Arc::ptr_eq(&hit.key, key).then(|| hit.claims.clone())
    }

    /// Remembers a token whose signature and claims passed. When full, the
    /// expired go first, and everything if none has expired: a bound, not
    /// an LRU, since a miss only costs one signature check.
    fn remember(&self, token: &str, key: Arc<DecodingKey>, claims: RawClaims) {
        let Ok(mut verified) = self.verified.lock() else {
            return;
        };
        if verified.len() >= REMEMBERED_TOKENS {
            let now = self.clock.unix_now();
            verified.retain(|_, v| {
                v.claims
                    .exp
                    .is_some_and(|exp| now <= exp.saturating_add(LEEWAY_SECS))
            });
            if verified.len() >= REMEMBERED_TOKENS {
                verified.clear();
            }
        }
        verified.insert(token.into(), Verified { key, claims });
    }

    fn check_claims(&self, raw: RawClaims, expected: TokenUse) -> Result<Claims, AuthError> {
        let now = self.clock.unix_now();

        let exp = raw.exp.ok_or(AuthError::MissingClaim("exp"))?;
        if now > exp.saturating_add(LEEWAY_SECS) {
            return Err(AuthError::Expired { exp, now });
        }
        if let Some(nbf) = raw.nbf {
            if nbf > now.saturating_add(LEEWAY_SECS) {
                return Err(AuthError::NotYetValid { nbf, now });
            }
        }
        let iat = raw.iat.ok_or(AuthError::MissingClaim("iat"))?;
        if iat > now.saturating_add(LEEWAY_SECS) {
            return Err(AuthError::IssuedInFuture { iat, now });
        }

        let iss = raw.iss.ok_or(AuthError::MissingClaim("iss"))?;
        if iss != self.issuer {
            return Err(AuthError::WrongIssuer(truncate_for_log(&iss)));
        }

        let token_use = raw.token_use.ok_or(AuthError::MissingClaim("token_use"))?;
        if token_use != expected.as_str() {
            return Err(AuthError::WrongTokenUse {
                expected,
                found: truncate_for_log(&token_use),
            });
        }
        let username = match expected {
            TokenUse::Id => {
                let aud = raw.aud.ok_or(AuthError::MissingClaim("aud"))?;
                if !aud.contains(&self.client_id) {
                    return Err(AuthError::WrongAudience);
                }
                raw.cognito_username
            }
            TokenUse::Access => {
                let client_id = raw.client_id.ok_or(AuthError::MissingClaim("client_id"))?;
                if client_id != self.client_id {
                    return Err(AuthError::WrongClientId);
                }
                raw.username
            }
        };

        let sub = raw
            .sub
            .filter(|s| !s.is_empty())
            .ok_or(AuthError::MissingClaim("sub"))?;
        let groups = raw.groups.ok_or(AuthError::MissingGroups)?;
        let role = role_from_groups(&groups).ok_or(AuthError::NoRole)?;

        Ok(Claims {
            sub,
            email: raw.email,
            groups,
            role,
            token_use: expected,
            username,
            exp,
            iat,
            auth_time: raw.auth_time,
            jti: raw.jti,
            scope: raw.scope,
        })
    }
}

fn is_base64url(segment: &str) -> bool {
    segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

fn parse_header(segment: &str) -> Result<RawHeader, AuthError> {
    if segment.is_empty() || !is_base64url(segment) {
        return Err(AuthError::Malformed("header is not unpadded base64url"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| AuthError::Malformed("header is not unpadded base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed("header is not a JWS header"))
}

fn map_decode_error(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm => AuthError::DisallowedAlgorithm("mismatch".into()),
        ErrorKind::InvalidToken => AuthError::Malformed("not a JWT"),
        ErrorKind::Base64(_) => AuthError::Malformed("part is not valid base64url"),
        ErrorKind::Utf8(_) => AuthError::Malformed("part is not UTF-8"),
        ErrorKind::Json(_) => {
            AuthError::Malformed("claims are not a JSON object of the expected shape")
        }
        _ => AuthError::Malformed("token could not be decoded"),
    }
}

/// `aud` is a string in Cognito tokens, but RFC 7519 allows an array.
#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, client_id: &str) -> bool {
        match self {
            Audience::One(aud) => aud == client_id,
            Audience::Many(auds) => auds.iter().any(|a| a == client_id),
        }
    }
}

/// The payload as sent; checked into [`Claims`] by the validator. Unknown
/// claims are ignored, duplicated ones are refused by serde.
#[derive(Clone, Deserialize)]
struct RawClaims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    token_use: Option<String>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<u64>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<u64>,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<u64>,
    #[serde(default, deserialize_with = "numeric_date")]
    auth_time: Option<u64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Option<Vec<String>>,
    #[serde(rename = "cognito:username", default)]
    cognito_username: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    jti: Option<String>,
}

/// RFC 7519 NumericDate: seconds, possibly fractional. Negative or
/// non-finite values are refused rather than clamped.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Number>::deserialize(deserializer)?;
    let Some(number) = value else {
        return Ok(None);
    };
    if let Some(secs) = number.as_u64() {
        return Ok(Some(secs));
    }
    match number.as_f64() {
        // Truncation to whole seconds is the intent.
        Some(secs) if secs.is_finite() && secs >= 0.0 && secs < u64::MAX as f64 => {
            Ok(Some(secs as u64))
        }
        _ => Err(serde::de::Error::custom("invalid NumericDate")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Axum handlers need to share the validator across tasks and hold its
    /// future across awaits.
    #[test]
    fn validator_is_shareable_and_its_future_is_send() {
        fn shareable<T: Send + Sync + 'static>() {}
        fn send<F: std::future::Future + Send>(_: F) {}
        shareable::<Validator>();
        shareable::<super::super::LocalIssuer>();
        let validator = Validator::with_key_source(
            "iss",
            "client",
            KeySource::from_jwks(&super::super::Jwks { keys: vec![] }).unwrap_or_else(|_| {
                KeySource::remote("http://127.0.0.1:9/", Arc::new(SystemClock))
                    .expect("client builds")
            }),
            Arc::new(SystemClock),
        );
        send(validator.validate("a.b.c", TokenUse::Id));
    }

    #[test]
    fn admin_wins_over_member() {
        assert_eq!(role_from_groups(&["MEMBER", "ADMIN"]), Some(Role::Admin));
        assert_eq!(role_from_groups(&["MEMBER"]), Some(Role::Member));
        assert_eq!(role_from_groups(&["admins", "Member"]), None);
        assert_eq!(role_from_groups::<&str>(&[]), None);
    }

    #[test]
    fn numeric_dates_accept_integers_and_fractions_only() {
        let parse = |json: &str| serde_json::from_str::<RawClaims>(json).map(|c| c.exp);
        assert_eq!(
            parse(r#"{"exp":1700000000}"#).ok(),
            Some(Some(1_700_000_000))
        );
        assert_eq!(
            parse(r#"{"exp":1700000000.9}"#).ok(),
            Some(Some(1_700_000_000))
        );
        assert!(parse(r#"{"exp":-5}"#).is_err());
        assert!(parse(r#"{"exp":"1700000000"}"#).is_err());
    }

    #[test]
    fn duplicate_claims_are_refused() {
        let json = r#"{"sub":"a","sub":"b"}"#;
        assert!(serde_json::from_str::<RawClaims>(json).is_err());
    }

    #[test]
    fn every_error_is_a_generic_401() {
        let errors = [
            AuthError::BadSignature,
            AuthError::MissingGroups,
            AuthError::JwksFetch("down".into()),
            AuthError::WrongTokenUse {
                expected: TokenUse::Id,
                found: "access".into(),
            },
        ];
        for err in errors {
            assert_eq!(err.status(), 401);
            assert_eq!(err.public_message(), "unauthorized");
        }
    }
}
