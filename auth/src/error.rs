//! Why a token was refused.
//!
//! The variants are precise because operators need to tell a clock-skewed
//! client from a forged token in the logs; clients only ever see
//! [`AuthError::public_message`], so the precision cannot help an attacker
//! probe the validator.

use super::token_use::TokenUse;

/// A rejected token, or a failure to obtain the keys needed to check one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Checked before any parsing so a huge header cannot cost CPU or memory.
    #[error("token is {len} bytes, above the {max} byte limit")]
    TooLarge { len: usize, max: usize },
    /// Not three base64url segments of JSON, or a part that fails to decode.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// Anything but RS256, including `none` and HMAC (which would let the
    /// public key act as a shared secret).
    #[error("algorithm {0:?} is not accepted (RS256 only)")]
    DisallowedAlgorithm(String),
    /// Without a `kid` there is no way to pick a key from the JWKS.
    #[error("token header has no kid")]
    MissingKid,
    /// Not in the JWKS even after the refetch that the rate limit allowed.
    #[error("no key with kid {kid:?} in the JWKS (refetched: {refetched})")]
    UnknownKid { kid: String, refetched: bool },
    /// The signature does not verify with the key named by `kid`.
    #[error("signature does not verify")]
    BadSignature,
    #[error("token expired at {exp}, now {now}")]
    Expired { exp: u64, now: u64 },
    #[error("token not valid before {nbf}, now {now}")]
    NotYetValid { nbf: u64, now: u64 },
    #[error("token issued in the future at {iat}, now {now}")]
    IssuedInFuture { iat: u64, now: u64 },
    /// Holds the (truncated) issuer the token claimed.
    #[error("issuer {0:?} is not the configured issuer")]
    WrongIssuer(String),
    /// ID token `aud` is not our app client.
    #[error("audience is not the configured client id")]
    WrongAudience,
    /// Access token `client_id` is not our app client.
    #[error("client_id is not the configured client id")]
    WrongClientId,
    /// An access token where an ID token was expected or the reverse; they
    /// carry different claims and must not stand in for each other.
    #[error("token_use is {found:?}, expected {expected}")]
    WrongTokenUse { expected: TokenUse, found: String },
    #[error("required claim {0:?} is missing")]
    MissingClaim(&'static str),
    #[error("claim {0:?} has the wrong type or value")]
    InvalidClaim(&'static str),
    /// Every tasklane user is in ADMIN or MEMBER; Cognito omits the claim for
    /// a user in no group, which means the account was never provisioned.
    #[error("no cognito:groups claim")]
    MissingGroups,
    /// Groups are present but none is ADMIN or MEMBER.
    #[error("groups grant no tasklane role")]
    NoRole,
    /// The JWKS endpoint could not be reached or answered badly.
    #[error("fetching the JWKS failed: {0}")]
    JwksFetch(String),
    /// The JWKS document itself is unusable.
    #[error("invalid JWKS: {0}")]
    InvalidJwks(String),
    /// The validator could not be built (HTTP client setup).
    #[error("validator setup failed: {0}")]
    Setup(String),
}

impl AuthError {
    /// What the client is told, whatever the reason: distinguishing reasons
    /// would turn the endpoint into an oracle for forging tokens.
    pub fn public_message(&self) -> &'static str {
        "unauthorized"
    }

    /// The HTTP status for every rejection.
    pub fn status(&self) -> u16 {
        401
    }
}

/// Keeps attacker-chosen strings short in log lines.
pub(crate) fn truncate_for_log(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    if value.chars().count() <= MAX_CHARS {
        value.to_owned()
    } else {
        let mut out: String = value.chars().take(MAX_CHARS).collect();
        out.push('…');
        out
    }
}
