//! The JWT validator against a real JWKS server on loopback and tokens from
//! the local issuer, plus every forgery the auth issue lists. Time is a
//! `ManualClock`, so nothing sleeps.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use auth::{
    AuthError, Clock, Jwks, KeySource, LocalIssuer, LocalIssuerConfig, ManualClock, TokenSubject,
    TokenUse, Validator, ValidatorConfig, KEY_FILE_NAME, MAX_TOKEN_BYTES,
};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use domain::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use tempfile::TempDir;

/// Shaped like a real user pool so the exact-match check is meaningful; the
/// JWKS deliberately lives elsewhere (loopback), as with moto.
const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_tasklane";
const CLIENT_ID: &str = "tasklane-web-client";

// ---------------------------------------------------------------- fixtures

/// Key generation costs CPU, so most tests share two pre-made keys, written
/// into each test's own data dir (which also exercises the load path).
fn shared_key_pem(slot: &'static OnceLock<String>) -> &'static str {
    slot.get_or_init(|| {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("keygen");
        key.to_pkcs8_pem(LineEnding::LF).expect("pem").to_string()
    })
}
static MAIN_KEY: OnceLock<String> = OnceLock::new();
static OTHER_KEY: OnceLock<String> = OnceLock::new();

fn data_dir_with_key(pem: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(KEY_FILE_NAME), pem).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            dir.path().join(KEY_FILE_NAME),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
    }
    dir
}

fn encoding_key(pem: &str) -> EncodingKey {
    let key = RsaPrivateKey::from_pkcs8_pem(pem).expect("parse pem");
    EncodingKey::from_rsa_der(key.to_pkcs1_der().expect("der").as_bytes())
}

/// A JWKS endpoint that counts its hits and can be re-pointed at another
/// key set, like a provider rotating keys.
struct JwksServer {
    base: String,
    hits: Arc<AtomicUsize>,
    body: Arc<Mutex<String>>,
}

#[derive(Clone)]
struct ServerState {
    hits: Arc<AtomicUsize>,
    body: Arc<Mutex<String>>,
}

async fn serve_jwks(
    State(state): State<ServerState>,
) -> ([(&'static str, &'static str); 1], String) {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let body = state.body.lock().expect("lock").clone();
    ([("content-type", "application/json")], body)
}

impl JwksServer {
    async fn start(jwks_json: String) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let body = Arc::new(Mutex::new(jwks_json));
        let state = ServerState {
            hits: Arc::clone(&hits),
            body: Arc::clone(&body),
        };
        let router = Router::new()
            .route("/.well-known/jwks.json", get(serve_jwks))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            base: format!("http://{addr}"),
            hits,
            body,
        }
    }

    fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn set_jwks(&self, jwks: &Jwks) {
        *self.body.lock().expect("lock") = serde_json::to_string(jwks).expect("json");
    }
}

struct Fixture {
    _dir: TempDir,
    clock: Arc<ManualClock>,
    issuer: LocalIssuer,
    server: JwksServer,
    validator: Validator,
    /// The issuer's private key, for forging tokens with chosen claims.
    signing_key: EncodingKey,
}

impl Fixture {
    async fn new() -> Self {
        captured_logs();
        let pem = shared_key_pem(&MAIN_KEY);
        let dir = data_dir_with_key(pem);
        let clock = Arc::new(ManualClock::starting_now());
        let issuer = LocalIssuer::load_or_create_with_clock(
            dir.path(),
            LocalIssuerConfig::new(ISSUER, CLIENT_ID),
            clock.clone(),
        )
        .expect("issuer");
        let server = JwksServer::start(issuer.jwks_json()).await;
        let validator = Validator::with_clock(
            ValidatorConfig {
                issuer: ISSUER.into(),
                client_id: CLIENT_ID.into(),
                jwks_url: server.jwks_url(),
            },
            clock.clone(),
        )
        .expect("validator");
        Self {
            _dir: dir,
            clock,
            issuer,
            server,
            validator,
            signing_key: encoding_key(pem),
        }
    }

    fn now(&self) -> u64 {
        self.clock.unix_now()
    }

    fn kid(&self) -> String {
        self.issuer.kid().to_owned()
    }

    fn id_claims(&self) -> Value {
        let now = self.now();
        json!({
            "sub": "7d1c5f0e-0000-4000-8000-000000000001",
            "email": "alice@example.com",
            "cognito:groups": ["MEMBER"],
            "cognito:username": "alice",
            "token_use": "id",
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
        })
    }

    fn access_claims(&self) -> Value {
        let now = self.now();
        json!({
            "sub": "7d1c5f0e-0000-4000-8000-000000000001",
            "cognito:groups": ["MEMBER"],
            "username": "alice",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "iss": ISSUER,
            "client_id": CLIENT_ID,
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
        })
    }

    /// Signs `claims` with the genuine key and kid: only the claims are
    /// wrong, so the rejection can only come from the claim checks.
    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid());
        jsonwebtoken::encode(&header, claims, &self.signing_key).expect("sign")
    }

    /// A genuine signature under a `kid` the JWKS may not have.
    fn sign_with_kid(&self, kid: &str) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, &self.id_claims(), &self.signing_key).expect("sign")
    }

    async fn check_id(&self, token: &str) -> Result<auth::Claims, AuthError> {
        self.validator.validate(token, TokenUse::Id).await
    }
}

fn alice() -> TokenSubject {
    TokenSubject {
        sub: "7d1c5f0e-0000-4000-8000-000000000001".into(),
        username: "alice".into(),
        email: "alice@example.com".into(),
        groups: vec!["MEMBER".into()],
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("json"))
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

// ---------------------------------------------------------------- accepted

#[tokio::test]
async fn valid_id_token_from_local_issuer_is_accepted_over_http_jwks() {
    let fx = Fixture::new().await;
    let mut subject = alice();
    subject.groups = vec!["MEMBER".into(), "ADMIN".into()];
    let tokens = fx.issuer.mint(&subject, None).expect("mint");

    let claims = fx.check_id(&tokens.id_token).await.expect("valid");

    assert_eq!(claims.sub, subject.sub);
    assert_eq!(claims.email.as_deref(), Some("alice@example.com"));
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(
        claims.groups,
        vec!["MEMBER".to_string(), "ADMIN".to_string()]
    );
    assert_eq!(claims.role, Role::Admin, "ADMIN wins over MEMBER");
    assert_eq!(claims.token_use, TokenUse::Id);
    assert_eq!(claims.exp, fx.now() + 600);
    assert_eq!(claims.auth_time, Some(fx.now()));
    assert_eq!(tokens.expires_in, 600);
    assert_eq!(fx.server.hits(), 1, "first use fetches the JWKS once");

    // Cached: a second validation makes no request.
    fx.check_id(&tokens.id_token).await.expect("still valid");
    assert_eq!(fx.server.hits(), 1);
}

#[tokio::test]
async fn valid_access_token_is_accepted() {
    let fx = Fixture::new().await;
    let tokens = fx
        .issuer
        .mint(&alice(), Some(fx.now() - 600))
        .expect("mint");

    let claims = fx
        .validator
        .validate(&tokens.access_token, TokenUse::Access)
        .await
        .expect("valid");

    assert_eq!(claims.token_use, TokenUse::Access);
    assert_eq!(claims.role, Role::Member);
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(
        claims.scope.as_deref(),
        Some("aws.cognito.signin.user.admin")
    );
    assert_eq!(
        claims.auth_time,
        Some(fx.now() - 600),
        "refresh keeps auth_time"
    );
    assert_eq!(claims.email, None, "access tokens carry no email");
}

#[tokio::test]
async fn local_issuer_tokens_validate_in_process_without_http() {
    let fx = Fixture::new().await;
    let validator = fx.issuer.validator().expect("validator");
    let tokens = fx.issuer.mint(&alice(), None).expect("mint");

    let claims = validator
        .validate(&tokens.id_token, TokenUse::Id)
        .await
        .expect("valid");

    assert_eq!(claims.role, Role::Member);
    assert_eq!(validator.key_source().fetch_count(), 0);
    assert_eq!(fx.server.hits(), 0);
}

#[tokio::test]
async fn tokens_within_the_leeway_are_accepted() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    claims["nbf"] = json!(fx.now() + 30);
    claims["iat"] = json!(fx.now() + 30);
    let early = fx.sign(&claims);
    fx.check_id(&early)
        .await
        .expect("nbf/iat 30 s ahead is skew");

    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    fx.clock.advance(Duration::from_secs(600 + 30));
    fx.check_id(&token).await.expect("30 s past exp is skew");
}

// ---------------------------------------------------------------- time

/// Whether or not the validator remembers the token (see below): the
/// claims are checked against the clock on every request.
#[tokio::test]
async fn expired_token_is_rejected_remembered_or_not() {
    let fx = Fixture::new().await;
    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    let remembered = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    fx.check_id(&remembered).await.expect("valid");
    assert_eq!(fx.validator.remembered(), 1);
    let exp = fx.now() + 600;
    fx.clock.advance(Duration::from_secs(600 + 31));

    for token in [token, remembered] {
        assert_eq!(
            fx.check_id(&token).await,
            Err(AuthError::Expired { exp, now: exp + 31 })
        );
    }
}

/// A remembered token skips only the signature check: it is still checked
/// as the kind of token asked for (and expires, above), and a token that
/// differs from it anywhere (its signature included) is verified anew.
#[tokio::test]
async fn a_remembered_token_is_still_checked_and_a_lookalike_is_verified() {
    let fx = Fixture::new().await;
    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    assert_eq!(fx.validator.remembered(), 0);
    let first = fx.check_id(&token).await.expect("valid");
    assert_eq!(fx.validator.remembered(), 1);
    assert_eq!(fx.check_id(&token).await.expect("valid, remembered"), first);
    assert_eq!(fx.validator.remembered(), 1, "one entry per token");

    assert_eq!(
        fx.validator.validate(&token, TokenUse::Access).await,
        Err(AuthError::WrongTokenUse {
            expected: TokenUse::Access,
            found: "id".into()
        })
    );
    let parts = segments(&token);
    let other_signature = {
        let mut sig = URL_SAFE_NO_PAD.decode(&parts[2]).expect("b64");
        sig[0] ^= 1;
        URL_SAFE_NO_PAD.encode(sig)
    };
    let lookalike = format!("{}.{}.{other_signature}", parts[0], parts[1]);
    assert_eq!(fx.check_id(&lookalike).await, Err(AuthError::BadSignature));
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    claims["cognito:groups"] = json!(["ADMIN"]);
    let promoted = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_eq!(fx.check_id(&promoted).await, Err(AuthError::BadSignature));
    assert_eq!(fx.validator.remembered(), 1, "refused tokens are not kept");
}

/// However many tokens pass, the validator remembers at most
/// `REMEMBERED_TOKENS`, and the newest is always among them.
#[tokio::test]
async fn the_remembered_tokens_are_bounded() {
    let fx = Fixture::new().await;
    let token = |i: usize| {
        let mut claims = fx.id_claims();
        claims["jti"] = json!(format!("token-{i}"));
        fx.sign(&claims)
    };
    for i in 0..auth::REMEMBERED_TOKENS {
        fx.check_id(&token(i)).await.expect("valid");
    }
    assert_eq!(fx.validator.remembered(), auth::REMEMBERED_TOKENS);
    // Full of live tokens: making room forgets them, then keeps the new one.
    let newest = token(auth::REMEMBERED_TOKENS);
    fx.check_id(&newest).await.expect("valid");
    assert_eq!(fx.validator.remembered(), 1);
    fx.check_id(&newest).await.expect("still valid");
    assert_eq!(fx.validator.remembered(), 1);
}

#[tokio::test]
async fn future_nbf_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    let nbf = fx.now() + 120;
    claims["nbf"] = json!(nbf);

    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::NotYetValid { nbf, now: fx.now() })
    );
}

#[tokio::test]
async fn future_iat_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    let iat = fx.now() + 120;
    claims["iat"] = json!(iat);

    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::IssuedInFuture { iat, now: fx.now() })
    );
}

#[tokio::test]
async fn missing_exp_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    claims.as_object_mut().expect("object").remove("exp");

    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::MissingClaim("exp"))
    );
}

// ---------------------------------------------------------------- who for

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    // A prefix of the real issuer: exact comparison, not starts_with.
    claims["iss"] = json!(format!("{ISSUER}x"));

    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::WrongIssuer(format!("{ISSUER}x")))
    );
}

#[tokio::test]
async fn wrong_audience_on_id_token_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    claims["aud"] = json!("some-other-client");
    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::WrongAudience)
    );

    claims.as_object_mut().expect("object").remove("aud");
    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::MissingClaim("aud"))
    );
}

#[tokio::test]
async fn wrong_client_id_on_access_token_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.access_claims();
    claims["client_id"] = json!("some-other-client");
    // An `aud` naming us must not stand in for client_id.
    claims["aud"] = json!(CLIENT_ID);

    assert_eq!(
        fx.validator
            .validate(&fx.sign(&claims), TokenUse::Access)
            .await,
        Err(AuthError::WrongClientId)
    );
}

#[tokio::test]
async fn access_token_where_id_token_expected_is_rejected_and_vice_versa() {
    let fx = Fixture::new().await;
    let tokens = fx.issuer.mint(&alice(), None).expect("mint");

    assert_eq!(
        fx.check_id(&tokens.access_token).await,
        Err(AuthError::WrongTokenUse {
            expected: TokenUse::Id,
            found: "access".into()
        })
    );
    assert_eq!(
        fx.validator
            .validate(&tokens.id_token, TokenUse::Access)
            .await,
        Err(AuthError::WrongTokenUse {
            expected: TokenUse::Access,
            found: "id".into()
        })
    );
}

#[tokio::test]
async fn missing_groups_claim_is_rejected() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    claims
        .as_object_mut()
        .expect("object")
        .remove("cognito:groups");
    assert_eq!(
        fx.check_id(&fx.sign(&claims)).await,
        Err(AuthError::MissingGroups)
    );

    claims["cognito:groups"] = json!(["VIEWERS"]);
    assert_eq!(fx.check_id(&fx.sign(&claims)).await, Err(AuthError::NoRole));
}

// ---------------------------------------------------------------- algorithm

#[tokio::test]
async fn alg_none_is_rejected_without_a_key_lookup() {
    let fx = Fixture::new().await;
    let payload = b64(&fx.id_claims());
    for alg in ["none", "None", "NONE"] {
        let header = b64(&json!({"alg": alg, "typ": "JWT", "kid": fx.kid()}));
        for signature in ["", "c2ln"] {
            let token = format!("{header}.{payload}.{signature}");
            assert_eq!(
                fx.check_id(&token).await,
                Err(AuthError::DisallowedAlgorithm(alg.into()))
            );
        }
    }
    assert_eq!(fx.server.hits(), 0);
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let fx = Fixture::new().await;
    let private = RsaPrivateKey::from_pkcs8_pem(shared_key_pem(&MAIN_KEY)).expect("key");
    let public = private.to_public_key();
    let public_pem = public.to_public_key_pem(LineEnding::LF).expect("pem");
    let public_der = public.to_public_key_der().expect("der");
    let n_bytes = URL_SAFE_NO_PAD
        .decode(fx.issuer.jwks().keys[0].n.as_deref().expect("n"))
        .expect("n");

    for secret in [public_pem.as_bytes(), public_der.as_bytes(), &n_bytes] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(fx.kid());
        let token =
            jsonwebtoken::encode(&header, &fx.id_claims(), &EncodingKey::from_secret(secret))
                .expect("sign");
        assert_eq!(
            fx.check_id(&token).await,
            Err(AuthError::DisallowedAlgorithm("HS256".into()))
        );
    }
    assert_eq!(fx.server.hits(), 0);
}

#[tokio::test]
async fn other_rsa_algorithms_with_the_genuine_key_are_rejected() {
    let fx = Fixture::new().await;
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        let mut header = Header::new(alg);
        header.kid = Some(fx.kid());
        let token = jsonwebtoken::encode(&header, &fx.id_claims(), &fx.signing_key).expect("sign");
        assert_eq!(
            fx.check_id(&token).await,
            Err(AuthError::DisallowedAlgorithm(format!("{alg:?}")))
        );
    }
}

// ---------------------------------------------------------------- keys

#[tokio::test]
async fn unknown_kid_refetches_at_most_once_per_ten_seconds() {
    let fx = Fixture::new().await;
    let genuine = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    fx.check_id(&genuine).await.expect("valid");
    assert_eq!(fx.server.hits(), 1);

    // The first fetch counts against the limit too: within 10 s of it, an
    // unknown kid is refused without asking the server again.
    assert_eq!(
        fx.check_id(&fx.sign_with_kid("unknown-0")).await,
        Err(AuthError::UnknownKid {
            kid: "unknown-0".into(),
            refetched: false
        })
    );
    assert_eq!(fx.server.hits(), 1);
    fx.clock.advance(Duration::from_secs(10));

    let with_kid = |kid: &str| fx.sign_with_kid(kid);

    assert_eq!(
        fx.check_id(&with_kid("unknown-1")).await,
        Err(AuthError::UnknownKid {
            kid: "unknown-1".into(),
            refetched: true
        })
    );
    assert_eq!(fx.server.hits(), 2, "an unknown kid refetches once");

    assert_eq!(
        fx.check_id(&with_kid("unknown-2")).await,
        Err(AuthError::UnknownKid {
            kid: "unknown-2".into(),
            refetched: false
        })
    );
    fx.clock.advance(Duration::from_millis(9_999));
    assert_eq!(
        fx.check_id(&with_kid("unknown-3")).await,
        Err(AuthError::UnknownKid {
            kid: "unknown-3".into(),
            refetched: false
        })
    );
    assert_eq!(fx.server.hits(), 2, "no refetch inside the 10 s window");

    fx.clock.advance(Duration::from_millis(1));
    assert_eq!(
        fx.check_id(&with_kid("unknown-4")).await,
        Err(AuthError::UnknownKid {
            kid: "unknown-4".into(),
            refetched: true
        })
    );
    assert_eq!(fx.server.hits(), 3, "the window reopened after 10 s");
    assert_eq!(fx.validator.key_source().fetch_count(), 3);

    // Known keys keep working without fetching.
    fx.check_id(&genuine).await.expect("still valid");
    assert_eq!(fx.server.hits(), 3);
}

#[tokio::test]
async fn rotated_key_is_picked_up_by_the_refetch() {
    let fx = Fixture::new().await;
    fx.check_id(&fx.issuer.mint(&alice(), None).expect("mint").id_token)
        .await
        .expect("valid");

    let other_dir = data_dir_with_key(shared_key_pem(&OTHER_KEY));
    let rotated = LocalIssuer::load_or_create_with_clock(
        other_dir.path(),
        LocalIssuerConfig::new(ISSUER, CLIENT_ID),
        fx.clock.clone(),
    )
    .expect("issuer");
    assert_ne!(rotated.kid(), fx.kid());
    fx.server.set_jwks(&Jwks {
        keys: vec![
            fx.issuer.jwks().keys[0].clone(),
            rotated.jwks().keys[0].clone(),
        ],
    });

    let token = rotated.mint(&alice(), None).expect("mint").id_token;
    // Rotation right after the first fetch waits out the rate limit...
    assert_eq!(
        fx.check_id(&token).await,
        Err(AuthError::UnknownKid {
            kid: rotated.kid().into(),
            refetched: false
        })
    );
    assert_eq!(fx.server.hits(), 1);
    // ...and is picked up by the first request after it.
    fx.clock.advance(Duration::from_secs(10));
    let claims = fx.check_id(&token).await.expect("new key fetched");
    assert_eq!(claims.sub, alice().sub);
    assert_eq!(fx.server.hits(), 2);
    // Both keys are now served, so the old one still works, from cache.
    fx.check_id(&fx.issuer.mint(&alice(), None).expect("mint").id_token)
        .await
        .expect("old key still valid");
    assert_eq!(fx.server.hits(), 2);
}

#[tokio::test]
async fn different_rsa_key_with_the_same_kid_is_rejected() {
    let fx = Fixture::new().await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(fx.kid());
    let impostor = encoding_key(shared_key_pem(&OTHER_KEY));
    let token = jsonwebtoken::encode(&header, &fx.id_claims(), &impostor).expect("sign");

    assert_eq!(fx.check_id(&token).await, Err(AuthError::BadSignature));
}

#[tokio::test]
async fn missing_kid_is_rejected() {
    let fx = Fixture::new().await;
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &fx.id_claims(),
        &fx.signing_key,
    )
    .expect("sign");

    assert_eq!(fx.check_id(&token).await, Err(AuthError::MissingKid));
}

#[tokio::test]
async fn unreachable_jwks_is_a_fetch_error() {
    let fx = Fixture::new().await;
    let validator = Validator::with_clock(
        ValidatorConfig {
            issuer: ISSUER.into(),
            client_id: CLIENT_ID.into(),
            jwks_url: format!("{}/no-such-path", fx.server.base),
        },
        fx.clock.clone(),
    )
    .expect("validator");
    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;

    assert!(matches!(
        validator.validate(&token, TokenUse::Id).await,
        Err(AuthError::JwksFetch(reason)) if reason.contains("404")
    ));
}

// ---------------------------------------------------------------- shape

#[tokio::test]
async fn tampered_payload_is_rejected() {
    let fx = Fixture::new().await;
    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    let parts = segments(&token);
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    claims["cognito:groups"] = json!(["ADMIN"]);
    let forged = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);

    assert_eq!(fx.check_id(&forged).await, Err(AuthError::BadSignature));
}

#[tokio::test]
async fn truncated_tokens_are_rejected() {
    let fx = Fixture::new().await;
    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    let parts = segments(&token);

    let without_signature = format!("{}.{}", parts[0], parts[1]);
    assert_eq!(
        fx.check_id(&without_signature).await,
        Err(AuthError::Malformed(
            "expected three dot-separated segments"
        ))
    );
    let cut_in_payload = &token[..parts[0].len() + 1 + parts[1].len() / 2];
    assert_eq!(
        fx.check_id(cut_in_payload).await,
        Err(AuthError::Malformed(
            "expected three dot-separated segments"
        ))
    );
    let header_only = &parts[0][..10];
    assert_eq!(
        fx.check_id(header_only).await,
        Err(AuthError::Malformed(
            "expected three dot-separated segments"
        ))
    );
    assert_eq!(
        fx.check_id("").await,
        Err(AuthError::Malformed(
            "expected three dot-separated segments"
        ))
    );
    // Six base64 characters off the signature leave whole 4-character
    // groups: it decodes, to a signature too short to verify.
    let short_signature = &token[..token.len() - 6];
    assert_eq!(
        fx.check_id(short_signature).await,
        Err(AuthError::BadSignature)
    );
    // Five off leaves a length of 1 mod 4, which no base64 text can have.
    let ragged_signature = &token[..token.len() - 5];
    assert_eq!(
        fx.check_id(ragged_signature).await,
        Err(AuthError::Malformed("part is not valid base64url"))
    );
}

#[tokio::test]
async fn non_base64_parts_are_rejected() {
    let fx = Fixture::new().await;
    let token = fx.issuer.mint(&alice(), None).expect("mint").id_token;
    let parts = segments(&token);

    let bad_header = format!("{}*.{}.{}", parts[0], parts[1], parts[2]);
    assert_eq!(
        fx.check_id(&bad_header).await,
        Err(AuthError::Malformed("header is not unpadded base64url"))
    );
    let bad_payload = format!("{}.{}*.{}", parts[0], parts[1], parts[2]);
    assert_eq!(
        fx.check_id(&bad_payload).await,
        Err(AuthError::Malformed("segment is not unpadded base64url"))
    );
    let padded_signature = format!("{}.{}.{}==", parts[0], parts[1], parts[2]);
    assert_eq!(
        fx.check_id(&padded_signature).await,
        Err(AuthError::Malformed("segment is not unpadded base64url"))
    );
    let standard_alphabet = format!("{}.{}.{}+/", parts[0], parts[1], parts[2]);
    assert_eq!(
        fx.check_id(&standard_alphabet).await,
        Err(AuthError::Malformed("segment is not unpadded base64url"))
    );
    let header_not_json = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode("{alg"),
        parts[1],
        parts[2]
    );
    assert_eq!(
        fx.check_id(&header_not_json).await,
        Err(AuthError::Malformed("header is not a JWS header"))
    );
    assert_eq!(fx.server.hits(), 0, "all refused before any key lookup");
}

#[tokio::test]
async fn oversized_token_is_rejected_before_parsing() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    claims["padding"] = json!("x".repeat(MAX_TOKEN_BYTES));
    let token = fx.sign(&claims);

    assert_eq!(
        fx.check_id(&token).await,
        Err(AuthError::TooLarge {
            len: token.len(),
            max: MAX_TOKEN_BYTES
        })
    );
    assert_eq!(fx.server.hits(), 0);
}

// ---------------------------------------------------------------- errors

/// Captures log output so a test can see the reason was logged.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// One process-wide subscriber, installed before any test can reach a log
/// call: a per-test `set_default` races with other test threads caching the
/// callsite as uninteresting, which made the log assertion flaky.
fn captured_logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = LogBuffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish();
        // Only fails if something else installed one first; then the log
        // test below fails loudly rather than silently passing.
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
}

#[tokio::test]
async fn rejection_logs_the_reason_and_shows_a_generic_401() {
    let fx = Fixture::new().await;
    let mut claims = fx.id_claims();
    // An issuer no other test uses, to find this rejection's log line.
    claims["iss"] = json!("https://log-test.invalid/pool");
    let err = fx
        .check_id(&fx.sign(&claims))
        .await
        .expect_err("wrong issuer");

    assert_eq!(err.status(), 401);
    assert_eq!(err.public_message(), "unauthorized");
    let logged = String::from_utf8(captured_logs().0.lock().expect("lock").clone()).expect("utf8");
    let line = logged
        .lines()
        .find(|line| line.contains("log-test.invalid"))
        .unwrap_or_else(|| panic!("no log line for the rejection in:\n{logged}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("token rejected"), "{line}");
    assert!(line.contains("is not the configured issuer"), "{line}");
    assert!(
        !line.contains(&fx.sign(&claims)[..40]),
        "the token itself is never logged"
    );
}

// ---------------------------------------------------------------- key file

#[tokio::test]
async fn key_pair_is_created_once_persisted_private_and_reloaded() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let config = LocalIssuerConfig::new(ISSUER, CLIENT_ID);

    let first = LocalIssuer::load_or_create(&data, config.clone()).expect("create");
    let key_path = data.join(KEY_FILE_NAME);
    let pem = std::fs::read_to_string(&key_path).expect("key file");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&key_path), 0o600);
        assert_eq!(mode(&data), 0o700);
    }

    let second = LocalIssuer::load_or_create(&data, config).expect("reload");
    assert_eq!(first.kid(), second.kid());
    assert_eq!(first.jwks(), second.jwks());
    assert_eq!(std::fs::read_to_string(&key_path).expect("key file"), pem);

    // A token from before the restart still validates after it.
    let token = first.mint(&alice(), None).expect("mint").id_token;
    let claims = second
        .validator()
        .expect("validator")
        .validate(&token, TokenUse::Id)
        .await
        .expect("valid after reload");
    assert_eq!(claims.sub, alice().sub);
}

#[cfg(unix)]
#[test]
fn loose_key_file_permissions_are_tightened() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = data_dir_with_key(shared_key_pem(&MAIN_KEY));
    let key_path = dir.path().join(KEY_FILE_NAME);
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    LocalIssuer::load_or_create(dir.path(), LocalIssuerConfig::new(ISSUER, CLIENT_ID))
        .expect("load");

    let mode = std::fs::metadata(&key_path)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn corrupt_key_file_is_an_error_not_a_silent_regeneration() {
    let dir = data_dir_with_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    let err = LocalIssuer::load_or_create(dir.path(), LocalIssuerConfig::new(ISSUER, CLIENT_ID))
        .expect_err("corrupt key refused");
    assert!(
        matches!(err, auth::LocalIssuerError::BadKey { .. }),
        "{err}"
    );
}

#[test]
fn jwks_document_has_the_served_shape() {
    let dir = data_dir_with_key(shared_key_pem(&MAIN_KEY));
    let issuer = LocalIssuer::load_or_create(dir.path(), LocalIssuerConfig::new(ISSUER, CLIENT_ID))
        .expect("load");
    let doc: Value = serde_json::from_str(&issuer.jwks_json()).expect("json");

    let keys = doc["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"], issuer.kid());
    assert_eq!(key["e"], "AQAB");
    let n = URL_SAFE_NO_PAD
        .decode(key["n"].as_str().expect("n"))
        .expect("b64");
    assert_eq!(n.len(), 256, "2048-bit modulus");
    assert!(KeySource::from_jwks_json(&issuer.jwks_json()).is_ok());
}
