//! Authentication: one JWT validator for every identity provider, and the
//! built-in RS256 issuer used when tasklane runs without Cognito.
//!
//! Cognito and the local issuer mint tokens of the same shape, so the rest of
//! the server never learns which one signed in the user: it asks
//! [`Validator::validate`] and gets [`Claims`] or an [`AuthError`] whose
//! public face is always a bare 401.

pub mod clock;
pub mod cognito;
pub mod error;
pub mod jwks;
pub mod jwt;
pub mod local;
pub mod provider;
pub mod roles;
pub mod session;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AuthError;
pub use jwks::{Jwk, Jwks, KeySource, JWKS_REFETCH_INTERVAL};
pub use jwt::{
    role_from_groups, Claims, TokenUse, Validator, ValidatorConfig, LEEWAY_SECS, MAX_TOKEN_BYTES,
};
pub use local::{
    new_refresh_token, refresh_token_hash, IssuedTokens, LocalIssuer, LocalIssuerConfig,
    LocalIssuerError, TokenSubject, DEFAULT_TOKEN_TTL, KEY_FILE_NAME,
};
