//! Authentication and account security, server-only and free of Leptos.
//!
//! One JWT validator for every identity provider (Cognito and the built-in
//! RS256 issuer mint tokens of the same shape), sessions whose authority is
//! read from the store on every request, both providers behind
//! [`provider::AuthProvider`], role and activation changes that keep store
//! and provider in agreement, the attempt limits of every account flow, and
//! the first-admin rule. Token errors ([`AuthError`]) always face the client
//! as a bare 401.
//!
//! Module dependencies point one way: `token_use`, `clock` and `error` are
//! leaves; `jwks` → `jwt` → `local` → `provider` → `roles`/`session`.

pub mod bootstrap;
pub mod clock;
pub mod cognito;
pub mod error;
pub mod jwks;
pub mod jwt;
pub mod limits;
pub mod local;
pub mod provider;
pub mod roles;
pub mod session;
pub mod token_use;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AuthError;
pub use jwks::{Jwk, Jwks, KeySource, JWKS_REFETCH_INTERVAL};
pub use jwt::{
    role_from_groups, Claims, Validator, ValidatorConfig, LEEWAY_SECS, MAX_TOKEN_BYTES,
    REMEMBERED_TOKENS,
};
pub use local::{
    new_refresh_token, refresh_token_hash, IssuedTokens, LocalIssuer, LocalIssuerConfig,
    LocalIssuerError, TokenSubject, DEFAULT_TOKEN_TTL, KEY_FILE_NAME,
};
pub use token_use::TokenUse;

/// Runs `work`, answering no sooner than `floor` after it started, so how
/// long an account flow takes does not tell whether the email has an account
/// (which decides how much work is done). `floor` is set above the slowest
/// branch's usual time.
pub async fn at_least<T>(
    floor: std::time::Duration,
    work: impl std::future::Future<Output = T>,
) -> T {
    let deadline = tokio::time::Instant::now() + floor;
    let out = work.await;
    tokio::time::sleep_until(deadline).await;
    out
}
