//! The built-in identity provider's token half: an RS256 key pair kept in the
//! data directory, and tokens shaped like Cognito's so that they pass through
//! the same [`Validator`] as production tokens.
//!
//! The key is created on first run rather than shipped or configured so a
//! fresh local install works with no setup, and it is persisted so restarts
//! do not sign everyone out.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::rand_core::{OsRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::clock::{Clock, SystemClock};
use super::error::AuthError;
use super::jwks::{Jwk, Jwks, KeySource};
use super::jwt::Validator;

/// The private key's file name inside the data directory.
pub const KEY_FILE_NAME: &str = "jwt-signing-key.pem";

/// Ten minutes: short, because only a refresh (which checks the session
/// family and the account) renews it. Authority is read per request anyway.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(600);

const KEY_BITS: usize = 2048;

/// The scope Cognito puts on tokens from USER_PASSWORD_AUTH, kept so local
/// tokens carry the same claims as production ones.
const ACCESS_TOKEN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Who the local issuer is and how long its tokens live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalIssuerConfig {
    /// The `iss` claim; the validator must be configured with the same
    /// string.
    pub issuer: String,
    /// `aud` of ID tokens and `client_id` of access tokens.
    pub client_id: String,
    pub id_token_ttl: Duration,
    pub access_token_ttl: Duration,
}

impl LocalIssuerConfig {
    /// Lifetimes default to Cognito's hour.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            id_token_ttl: DEFAULT_TOKEN_TTL,
            access_token_ttl: DEFAULT_TOKEN_TTL,
        }
    }
}

/// Failures of the local issuer. These are server faults, not client ones,
/// and are never shown to users.
#[derive(Debug, thiserror::Error)]
pub enum LocalIssuerError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("signing key {} is unusable: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("generating the signing key failed: {0}")]
    Generate(String),
    #[error("signing a token failed: {0}")]
    Sign(String),
}

/// The user a token is minted for, as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSubject {
    /// Stable user id, the `sub` claim.
    pub sub: String,
    /// `cognito:username` / `username`.
    pub username: String,
    pub email: String,
    /// `cognito:groups`: `ADMIN` and/or `MEMBER`.
    pub groups: Vec<String>,
}

/// The pair handed out at sign-in and refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    pub id_token: String,
    pub access_token: String,
    /// Seconds the access token lives, as in Cognito's `ExpiresIn`.
    pub expires_in: u64,
}

/// Signs Cognito-shaped tokens with a key kept under the data directory.
pub struct LocalIssuer {
    config: LocalIssuerConfig,
    kid: String,
    encoding_key: EncodingKey,
    jwks: Jwks,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LocalIssuer {
    /// Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("config", &self.config)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl LocalIssuer {
    /// Loads `data_dir/`[`KEY_FILE_NAME`], creating the directory and a new
    /// 2048-bit key on first run. Key generation takes up to a second of
    /// CPU: call this at startup or from a blocking task.
    pub fn load_or_create(
        data_dir: &Path,
        config: LocalIssuerConfig,
    ) -> Result<Self, LocalIssuerError> {
        Self::load_or_create_with_clock(data_dir, config, Arc::new(SystemClock))
    }

    /// As [`LocalIssuer::load_or_create`], stamping tokens with `clock`.
    pub fn load_or_create_with_clock(
        data_dir: &Path,
        config: LocalIssuerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LocalIssuerError> {
        let key = load_or_create_key(data_dir)?;
        let path = data_dir.join(KEY_FILE_NAME);
        let der = key.to_pkcs1_der().map_err(|e| LocalIssuerError::BadKey {
            path,
            reason: e.to_string(),
        })?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let kid = rsa_thumbprint(&n, &e);
        let jwks = Jwks {
            keys: vec![Jwk {
                kty: "RSA".into(),
                alg: Some("RS256".into()),
                use_: Some("sig".into()),
                kid: Some(kid.clone()),
                n: Some(n),
                e: Some(e),
            }],
        };
        Ok(Self {
            config,
            kid,
            encoding_key: EncodingKey::from_rsa_der(der.as_bytes()),
            jwks,
            clock,
        })
    }

    /// The `kid` of the signing key: its RFC 7638 thumbprint, so it changes
    /// exactly when the key does.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn config(&self) -> &LocalIssuerConfig {
        &self.config
    }

    /// The public half, to serve at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// [`LocalIssuer::jwks`] as JSON text.
    pub fn jwks_json(&self) -> String {
        // Serialising plain strings into JSON cannot fail.
        serde_json::to_string(&self.jwks).unwrap_or_else(|_| r#"{"keys":[]}"#.to_owned())
    }

    /// A key source over this issuer's JWKS, with no HTTP round trip.
    pub fn key_source(&self) -> Result<KeySource, AuthError> {
        KeySource::from_jwks(&self.jwks)
    }

    /// A validator for this issuer's tokens, in-process and on the issuer's
    /// clock.
    pub fn validator(&self) -> Result<Validator, AuthError> {
        Ok(Validator::with_key_source(
            self.config.issuer.clone(),
            self.config.client_id.clone(),
            self.key_source()?,
            Arc::clone(&self.clock),
        ))
    }

    /// Both tokens for a sign-in (`auth_time: None`, meaning now) or a
    /// refresh (`Some` original sign-in time, which Cognito preserves).
    pub fn mint(
        &self,
        subject: &TokenSubject,
        auth_time: Option<u64>,
    ) -> Result<IssuedTokens, LocalIssuerError> {
        let auth_time = auth_time.unwrap_or_else(|| self.clock.unix_now());
        Ok(IssuedTokens {
            id_token: self.mint_id_token(subject, auth_time)?,
            access_token: self.mint_access_token(subject, auth_time)?,
            expires_in: self.config.access_token_ttl.as_secs(),
        })
    }

    pub fn mint_id_token(
        &self,
        subject: &TokenSubject,
        auth_time: u64,
    ) -> Result<String, LocalIssuerError> {
        let iat = self.clock.unix_now();
        let claims = IdTokenClaims {
            sub: &subject.sub,
            email: &subject.email,
            email_verified: true,
            groups: &subject.groups,
            username: &subject.username,
            token_use: "id",
            iss: &self.config.issuer,
            aud: &self.config.client_id,
            auth_time,
            iat,
            exp: iat.saturating_add(self.config.id_token_ttl.as_secs()),
            jti: random_id(),
        };
        self.sign(&claims)
    }

    pub fn mint_access_token(
        &self,
        subject: &TokenSubject,
        auth_time: u64,
    ) -> Result<String, LocalIssuerError> {
        let iat = self.clock.unix_now();
        let claims = AccessTokenClaims {
            sub: &subject.sub,
            groups: &subject.groups,
            token_use: "access",
            scope: ACCESS_TOKEN_SCOPE,
            auth_time,
            iss: &self.config.issuer,
            client_id: &self.config.client_id,
            iat,
            exp: iat.saturating_add(self.config.access_token_ttl.as_secs()),
            jti: random_id(),
            username: &subject.username,
        };
        self.sign(&claims)
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, LocalIssuerError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding_key)
            .map_err(|e| LocalIssuerError::Sign(e.to_string()))
    }
}

#[derive(Serialize)]
struct IdTokenClaims<'a> {
    sub: &'a str,
    email: &'a str,
    email_verified: bool,
    #[serde(rename = "cognito:groups")]
    groups: &'a [String],
    #[serde(rename = "cognito:username")]
    username: &'a str,
    token_use: &'static str,
    iss: &'a str,
    aud: &'a str,
    auth_time: u64,
    iat: u64,
    exp: u64,
    jti: String,
}

#[derive(Serialize)]
struct AccessTokenClaims<'a> {
    sub: &'a str,
    #[serde(rename = "cognito:groups")]
    groups: &'a [String],
    token_use: &'static str,
    scope: &'static str,
    auth_time: u64,
    iss: &'a str,
    client_id: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
    username: &'a str,
}

/// A new opaque refresh token and the SHA-256 hex digest to store: the
/// database never holds a usable token, so a leaked table cannot be replayed.
/// Panics only if the operating system's random source fails, when no
/// secret could safely be made anyway.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = refresh_token_hash(&token);
    (token, hash)
}

/// The digest under which a refresh token is stored and looked up.
pub fn refresh_token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn random_id() -> String {
    let mut bytes = [0_u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 7638 JWK thumbprint of an RSA key: SHA-256 over the required members
/// in lexicographic order, base64url.
fn rsa_thumbprint(n: &str, e: &str) -> String {
    // n and e are base64url, which needs no JSON escaping.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> LocalIssuerError {
    let path = path.to_path_buf();
    move |source| LocalIssuerError::Io {
        action,
        path,
        source,
    }
}

fn load_or_create_key(data_dir: &Path) -> Result<RsaPrivateKey, LocalIssuerError> {
    let path = data_dir.join(KEY_FILE_NAME);
    match fs::read_to_string(&path) {
        Ok(pem) => {
            restrict_permissions(&path)?;
            parse_key(&pem, &path)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_key(data_dir, &path),
        Err(e) => Err(io_err("reading", &path)(e)),
    }
}

fn parse_key(pem: &str, path: &Path) -> Result<RsaPrivateKey, LocalIssuerError> {
    let bad = |reason: String| LocalIssuerError::BadKey {
        path: path.to_path_buf(),
        reason,
    };
    // PKCS#8 is what we write; PKCS#1 is accepted so an operator can drop in
    // a key from older `openssl genrsa`.
    let key = RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| bad(format!("not an RSA private key in PEM: {e}")))?;
    key.validate().map_err(|e| bad(e.to_string()))?;
    if key.size() * 8 < KEY_BITS {
        return Err(bad(format!(
            "{} bits, at least {KEY_BITS} required",
            key.size() * 8
        )));
    }
    Ok(key)
}

/// Writes the new key to a private temporary file and hard-links it into
/// place, so a concurrent starter never reads half a key and exactly one
/// key wins; the loser loads the winner's.
fn create_key(data_dir: &Path, path: &Path) -> Result<RsaPrivateKey, LocalIssuerError> {
    create_private_dir(data_dir)?;
    let key = RsaPrivateKey::new(&mut OsRng, KEY_BITS)
        .map_err(|e| LocalIssuerError::Generate(e.to_string()))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| LocalIssuerError::Generate(e.to_string()))?;

    let tmp = data_dir.join(format!(".{KEY_FILE_NAME}.{}.tmp", random_id()));
    let written = write_private_file(&tmp, pem.as_bytes());
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    // The temporary name is never needed again, whatever happened.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a new local JWT signing key");
            Ok(key)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let pem = fs::read_to_string(path).map_err(io_err("reading", path))?;
            parse_key(&pem, path)
        }
        Err(e) => Err(io_err("writing", path)(e)),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), LocalIssuerError> {
    use std::os::unix::fs::DirBuilderExt as _;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err("creating", dir))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), LocalIssuerError> {
    fs::create_dir_all(dir).map_err(io_err("creating", dir))
}

fn write_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// A key readable by other local users is as good as published; tighten it
/// rather than refuse to start, and say so.
#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<(), LocalIssuerError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(path)
        .map_err(io_err("inspecting", path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "signing key was readable by others; setting 0600");
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(io_err("restricting", path))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> Result<(), LocalIssuerError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            rsa_thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn refresh_tokens_are_32_random_bytes_stored_as_sha256_hex() {
        let (token, hash) = new_refresh_token();
        let (other, _) = new_refresh_token();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&token).map(|b| b.len()).ok(),
            Some(32)
        );
        assert_ne!(token, other);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, refresh_token_hash(&token));
        assert_eq!(
            refresh_token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
