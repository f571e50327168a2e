//! The API Lambda: configuration from the environment, the application state
//! built once per container, and the adapter between API Gateway HTTP API
//! events (payload 2.0) and the shared router.
//!
//! `src/bin/lambda-api.rs` is only `main`; everything here is a library so
//! tests and the figures benchmark can check the pieces, and so the binary
//! stays a thin, obviously-correct entry point.

use std::{path::PathBuf, sync::Arc};

use app::ssr::ServerContext;
use auth::cognito::{CognitoConfigError, CognitoSettings};
use auth::session::AuthState;
use leptos::prelude::LeptosOptions;
use store::{DynamoStore, Permissions};

use crate::{assets::Site, telemetry::LogFormat, AppState};

/// Names of the environment variables the API Lambda reads. [`REQUIRED_ENV`]
/// and [`OPTIONAL_ENV`] are what `terraform/lambdas.json` publishes, and the
/// configuration reader refuses to read anything else (see
/// `store::permissions::declared`), so Terraform's check of the function's
/// environment map and the code cannot drift apart.
pub mod env {
    /// The single table (name, not ARN).
    pub const TABLE: &str = "TASKLANE_TABLE";
    /// The AWS region (set by the Lambda runtime): the Cognito issuer and
    /// JWKS URL are derived from it and the pool id. The pool and client
    /// variables themselves are `auth::cognito::env`
    /// (`TASKLANE_COGNITO_USER_POOL_ID`, `TASKLANE_COGNITO_CLIENT_ID`,
    /// optional `TASKLANE_JWT_ISSUER`, `TASKLANE_JWKS_URL`).
    pub const REGION: &str = "AWS_REGION";
    /// The address people use (CloudFront's or the custom domain): CSRF
    /// compares a state change's `Origin` with it. Only plain-HTTP
    /// localhost turns `Secure` cookies off.
    pub const PUBLIC_URL: &str = "TASKLANE_PUBLIC_URL";
    /// The value CloudFront sends in [`super::ORIGIN_SECRET_HEADER`]: a
    /// request without it did not come through the CDN (someone called
    /// the execute-api URL directly) and is refused.
    pub const ORIGIN_SECRET: &str = "TASKLANE_ORIGIN_SECRET";
    /// Optional: where built site files live inside the package, for the
    /// few requests that reach the function instead of S3. Default: `site`
    /// next to the executable.
    pub const SITE_ROOT: &str = "LEPTOS_SITE_ROOT";
    /// Optional, default `true`: whether page HTML names the content-hashed
    /// bundle listed in `hash.txt` next to the executable (the package puts
    /// it there). Leptos' own variable name.
    pub const HASH_FILES: &str = "LEPTOS_HASH_FILES";
    /// Optional: `text` for people; anything else, or unset, is JSON,
    /// which CloudWatch Logs Insights queries.
    pub const LOG_FORMAT: &str = "TASKLANE_LOG_FORMAT";
    /// Optional, default `invite`: who may sign up (`open` or `invite`,
    /// see `domain::admit`); Terraform passes the pre-sign-up trigger the
    /// same value, so the form and Cognito agree.
    pub const SIGNUP: &str = "TASKLANE_SIGNUP";
    /// The install's invitation key (`store::InviteKey`): the API turns a
    /// new invitation's nonce into the stored lookup hash, and a presented
    /// link into that hash, with it. The email formatter holds the same
    /// key to build the link. A Terraform `random_password`.
    pub const INVITE_KEY: &str = "TASKLANE_INVITE_KEY";
    /// The private bucket exports too large for one response are written
    /// to (name, not ARN); see `crate::exports`.
    pub const EXPORT_BUCKET: &str = "TASKLANE_EXPORT_BUCKET";
}

/// What Terraform must set on the function.
pub const REQUIRED_ENV: &[&str] = &[
    env::TABLE,
    auth::cognito::env::USER_POOL_ID,
    auth::cognito::env::CLIENT_ID,
    env::PUBLIC_URL,
    env::ORIGIN_SECRET,
    env::INVITE_KEY,
    env::EXPORT_BUCKET,
];

/// What Terraform may set on the function. Variables the Lambda runtime
/// itself provides (`AWS_REGION`) are neither.
pub const OPTIONAL_ENV: &[&str] = &[
    env::SITE_ROOT,
    env::HASH_FILES,
    env::LOG_FORMAT,
    env::SIGNUP,
    auth::cognito::env::ISSUER,
    auth::cognito::env::JWKS_URL,
];

/// The header CloudFront adds to every request it forwards to the API
/// origin, carrying [`env::ORIGIN_SECRET`].
pub const ORIGIN_SECRET_HEADER: &str = "x-tasklane-origin-secret";

/// CloudFront's record of the viewer's address (`ip:port`), forwarded by
/// the origin request policy. Trusted only on requests carrying the origin
/// secret: anyone else could write it.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// Shorter secrets could be guessed by whoever can reach the execute-api
/// URL; Terraform generates 48 characters.
const MIN_ORIGIN_SECRET_LEN: usize = 32;

/// What the API function may do on AWS: everything the store sends for
/// the server functions (reads, one-item and transactional writes, and
/// BatchWriteItem for purging a deleted task's comments and history), the
/// Cognito admin actions of the Team page (role changes, deactivation)
/// and of ending sessions, and writing large exports to the export bucket
/// and presigning their download (`crate::exports`; S3 authorises every
/// step of a multipart upload as `s3:PutObject`). Sign-up, sign-in and
/// refresh are Cognito's public APIs and token validation fetches the
/// public JWKS: no IAM permission. The function's IAM role is built from this list
/// (`terraform/lambdas.json`).
pub const PERMISSIONS: Permissions = Permissions::new(
    "lambda-api",
    &[
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminRemoveUserFromGroup",
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminEnableUser",
        "cognito-idp:AdminUserGlobalSignOut",
        "s3:PutObject",
        "s3:GetObject",
    ],
);

/// The largest export body the function answers itself, as
/// `app::export` measures it (escaped or base64, whichever is larger).
/// Lambda caps a synchronous answer at 6 MB of JSON, headers and envelope
/// included; the MiB left over is for those. Larger exports go to the
/// export bucket.
pub const INLINE_EXPORT_LIMIT: usize = 5 * 1024 * 1024;

/// A configuration problem found before the function can serve. Reported
/// to the Runtime API's `/init/error`, so it shows up as `Runtime.InitError`
/// with this message instead of as a timeout.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("Cognito: {0}")]
    Cognito(#[from] CognitoConfigError),
}

/// Everything that can stop the function from starting.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("Cognito: {0}")]
    Cognito(#[from] CognitoConfigError),
    #[error("export bucket: {0}")]
    Exports(#[from] crate::exports::S3Error),
    #[error(
        "{} is missing: page HTML would name a bundle that does not exist \
         (package hash.txt next to the executable, or set LEPTOS_HASH_FILES=false)",
        .0.display()
    )]
    HashFile(PathBuf),
}

/// The API Lambda's whole configuration, from the environment only (no
/// files, no flags: Lambda has neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaConfig {
    pub table: String,
    /// The user pool and app client whose tokens are accepted.
    pub cognito: CognitoSettings,
    pub secure_cookies: bool,
    /// `scheme://host[:port]` of `TASKLANE_PUBLIC_URL`: what a browser's
    /// `Origin` must be for a state change (see `csrf`).
    pub public_origin: Option<String>,
    /// What CloudFront presents in [`ORIGIN_SECRET_HEADER`].
    pub origin_secret: OriginSecret,
    pub site_root: PathBuf,
    pub hash_files: bool,
    pub log_format: LogFormat,
    /// [`env::SIGNUP`].
    pub signup: domain::SignupMode,
    /// [`env::INVITE_KEY`].
    pub invite_key: store::InviteKey,
    /// [`env::EXPORT_BUCKET`].
    pub export_bucket: String,
}

impl LambdaConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `get`, so tests need not touch the process
    /// environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = store::permissions::declared(REQUIRED_ENV, OPTIONAL_ENV, &[env::REGION], get);
        let region = get(env::REGION);
        let cognito = CognitoSettings::from_lookup(region.as_deref(), &get)?;
        Self::with_cognito(cognito, get)
    }

    fn with_cognito(
        cognito: CognitoSettings,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let optional = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let table = required(env::TABLE)?;
        let export_bucket = required(env::EXPORT_BUCKET)?;
        // S3's rules for a name that works as a host name (Terraform's
        // names have no dots, so virtual-host addressing keeps TLS valid).
        let valid_bucket = (3..=63).contains(&export_bucket.len())
            && export_bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !export_bucket.starts_with('-')
            && !export_bucket.ends_with('-');
        if !valid_bucket {
            return Err(ConfigError::Invalid {
                var: env::EXPORT_BUCKET,
                reason: format!("{export_bucket:?} is not an S3 bucket name without dots"),
            });
        }
        let public_url = required(env::PUBLIC_URL)?;
        let secure_cookies =
            !is_loopback_http(&public_url) && !public_url.starts_with("http://localhost");
        let public_origin =
            Some(
                crate::csrf::origin_of(&public_url).ok_or_else(|| ConfigError::Invalid {
                    var: env::PUBLIC_URL,
                    reason: format!("{public_url:?} is not an http(s) URL"),
                })?,
            );
        let origin_secret = required(env::ORIGIN_SECRET)?;
        if origin_secret.len() < MIN_ORIGIN_SECRET_LEN {
            return Err(ConfigError::Invalid {
                var: env::ORIGIN_SECRET,
                reason: format!("shorter than {MIN_ORIGIN_SECRET_LEN} characters"),
            });
        }
        let origin_secret = OriginSecret(Arc::from(origin_secret));
        let site_root = optional(env::SITE_ROOT).map_or_else(default_site_root, PathBuf::from);
        let hash_files = match optional(env::HASH_FILES).as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: env::HASH_FILES,
                    reason: format!("{other:?} is neither true nor false"),
                })
            }
        };
        let log_format = match optional(env::LOG_FORMAT).as_deref() {
            Some(v) if v.eq_ignore_ascii_case("text") => LogFormat::Text,
            _ => LogFormat::Json,
        };
        let signup = match optional(env::SIGNUP) {
            None => domain::SignupMode::Invite,
            Some(v) => v.parse().map_err(|reason| ConfigError::Invalid {
                var: env::SIGNUP,
                reason,
            })?,
        };
        let invite_key = store::InviteKey::from_text(&required(env::INVITE_KEY)?).map_err(|e| {
            ConfigError::Invalid {
                var: env::INVITE_KEY,
                reason: e.to_string(),
            }
        })?;
        Ok(LambdaConfig {
            export_bucket,
            signup,
            invite_key,
            table,
            cognito,
            secure_cookies,
            public_origin,
            origin_secret,
            site_root,
            hash_files,
            log_format,
        })
    }
}

/// The shared secret between CloudFront and the function. Its `Debug`
/// never prints it, so configuration dumps in logs stay safe.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginSecret(Arc<str>);

impl std::fmt::Debug for OriginSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OriginSecret(..)")
    }
}

/// The API's outermost layer: a request that does not carry the origin
/// secret did not come through CloudFront (so it skipped the WAF, the
/// security-header policy and the caching) and is refused before it costs
/// a store read. A request that does gets its client address from
/// CloudFront's viewer address, which limits then count under.
pub async fn through_cloudfront(
    axum::extract::State(secret): axum::extract::State<OriginSecret>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let presented = req
        .headers()
        .get(ORIGIN_SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !auth::bootstrap::constant_time_eq(presented, secret.0.as_bytes()) {
        tracing::warn!(path = %req.uri().path(), "refused a request that did not come through CloudFront");
        return (http::StatusCode::FORBIDDEN, "Forbidden").into_response();
    }
    // Handlers never see the secret, so no log or error can repeat it.
    req.headers_mut().remove(ORIGIN_SECRET_HEADER);
    if let Some(ip) = req
        .headers()
        .get(VIEWER_ADDRESS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(viewer_ip)
    {
        req.extensions_mut().insert(app::session::ClientAddr(ip));
    }
    next.run(req).await
}

/// The address in a `CloudFront-Viewer-Address` value: `ip:port`, where an
/// IPv6 address is written without brackets.
pub fn viewer_ip(value: &str) -> Option<std::net::IpAddr> {
    let value = value.trim();
    let (ip, port) = value.rsplit_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ip.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The function's whole HTTP service: the shared router behind the
/// CloudFront gate, with named stages removed from paths.
pub fn service(
    state: AppState,
    secret: OriginSecret,
) -> impl tower::Service<
    lambda_http::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    let app = crate::router(state).layer(axum::middleware::from_fn_with_state(
        secret,
        through_cloudfront,
    ));
    tower::ServiceBuilder::new()
        .map_request(strip_stage)
        .service(app)
}

fn is_loopback_http(url: &str) -> bool {
    url.starts_with("http://127.") || url.starts_with("http://[::1]")
}

fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("site")))
        .unwrap_or_else(|| PathBuf::from("site"))
}

/// The hash file Leptos reads: next to the executable, like cargo-leptos
/// and `scripts/build-site.sh` put it.
fn hash_file_path() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .unwrap_or_else(|| PathBuf::from("hash.txt"))
}

/// Builds everything a request needs, once per container: the SDK
/// configuration and DynamoDB client (guarded by [`PERMISSIONS`]), the token
/// validator with its JWKS cache, the export bucket, and the Leptos options.
#[tracing::instrument(skip_all, fields(table = %config.table))]
pub async fn build_state(config: &LambdaConfig) -> Result<AppState, InitError> {
    if config.hash_files && !hash_file_path().is_file() {
        return Err(InitError::HashFile(hash_file_path()));
    }
    let sdk = store::lambda_sdk_config();
    let store = Arc::new(DynamoStore::new(
        PERMISSIONS.dynamodb(&sdk),
        config.table.clone(),
    ));
    let auth = Arc::new(auth_state(&sdk, config)?);
    let exports = crate::exports::S3Exports::new(&sdk, config.export_bucket.clone(), PERMISSIONS)?;
    let leptos = LeptosOptions::builder()
        .output_name(env!("LEPTOS_OUTPUT_NAME"))
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .hash_files(config.hash_files)
        .build();
    Ok(AppState {
        leptos,
        ctx: ServerContext {
            store,
            auth,
            storage_label: "dynamodb",
            public_origin: Arc::from(config.public_origin.as_deref().unwrap_or_default()),
            directory: Default::default(),
            exports: Some(Arc::new(app::export::Offload {
                bucket: Arc::new(exports),
                inline_limit: INLINE_EXPORT_LIMIT,
            })),
        },
        site: Arc::new(Site::new(&config.site_root)),
        jwks_json: None,
        public_origin: config.public_origin.clone(),
    })
}

/// Authentication for the API function: the Cognito provider (sign-up,
/// sign-in, refresh, reset) on a client limited to [`PERMISSIONS`], and the
/// shared validator with its JWKS cache, both built once per container.
pub fn auth_state(
    sdk: &aws_config::SdkConfig,
    config: &LambdaConfig,
) -> Result<AuthState, CognitoConfigError> {
    let client = aws_sdk_cognitoidentityprovider::Client::from_conf(
        aws_sdk_cognitoidentityprovider::config::Builder::from(sdk)
            .interceptor(PERMISSIONS.guard())
            .build(),
    );
    let mut auth = auth::cognito::auth_state(client, &config.cognito)?;
    auth.secure_cookies = config.secure_cookies;
    auth.signup = config.signup;
    auth.invite_key = Some(config.invite_key.clone());
    Ok(auth)
}

/// Removes a named stage from the path. API Gateway HTTP APIs put a
/// non-`$default` stage in `rawPath` (`/prod/signin`), and `lambda_http`
/// keeps it (and prefixes it when absent, turning the stage root `/prod`
/// into `/prod/prod`), so without this every route of a named stage would
/// 404. The path is therefore rebuilt from the event's raw path. The
/// deployment uses the `$default` stage (no prefix); this keeps the app
/// correct when invoked through a named one as well.
pub fn strip_stage(mut req: lambda_http::Request) -> lambda_http::Request {
    use lambda_http::{request::RequestContext, RequestExt};
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && s != "$default") else {
        return req;
    };
    let raw = req.raw_http_path().to_owned();
    let prefix = format!("/{stage}");
    let rest = match raw.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        // A path without the stage (some test consoles send these).
        _ if raw.starts_with('/') => raw.as_str(),
        _ => "/",
    };
    let path_and_query = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    let mut parts = req.uri().clone().into_parts();
    match path_and_query.parse() {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return req,
    }
    if let Ok(uri) = http::Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
    req
}

/// Tells the Runtime API that initialisation failed, as Lambda expects of
/// a runtime that cannot start: the error then appears in the invocation
/// result and the logs as `Runtime.InitError` with its message.
pub async fn report_init_error(err: &InitError) {
    use lambda_runtime_api_client::{build_request, Client};
    let error_type = match err {
        InitError::Config(_) => "Runtime.InvalidConfiguration",
        InitError::Cognito(_) => "Runtime.InvalidAuthConfiguration",
        InitError::HashFile(_) => "Runtime.MissingHashFile",
        InitError::Exports(_) => "Runtime.InvalidConfiguration",
    };
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": err.to_string() });
    let req = build_request()
        .method(http::Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", "Runtime.InitError")
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_string().into());
    let sent = match (Client::builder().build(), req) {
        (Ok(client), Ok(req)) => client.call(req).await.map(|_| ()),
        (Err(e), _) => Err(e.to_string().into()),
        (_, Err(e)) => Err(e.to_string().into()),
    };
    if let Err(e) = sent {
        tracing::error!(error = %e, "could not report the init error to the Runtime API");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const BASE: &[(&str, &str)] = &[
        ("TASKLANE_TABLE", "t"),
        ("TASKLANE_COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
        ("TASKLANE_COGNITO_CLIENT_ID", "client"),
        ("TASKLANE_PUBLIC_URL", "https://tasks.example.com"),
        (
            "TASKLANE_ORIGIN_SECRET",
            "0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
        (
            "TASKLANE_INVITE_KEY",
            "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
        ),
        ("AWS_REGION", "eu-west-1"),
        (
            "TASKLANE_EXPORT_BUCKET",
            "tasklane-prod-exports-123456789012",
        ),
    ];

    #[test]
    fn derives_issuer_and_jwks_from_the_pool() {
        let c = LambdaConfig::from_lookup(lookup(BASE)).unwrap();
        assert_eq!(
            c.cognito.issuer,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
        );
        assert_eq!(
            c.cognito.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json"
        );
        assert!(c.secure_cookies && c.hash_files);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn refuses_missing_and_malformed_settings() {
        for missing in REQUIRED_ENV {
            let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| k != missing).collect();
            let err = LambdaConfig::from_lookup(lookup(&pairs)).unwrap_err();
            assert!(err.to_string().contains(missing), "{err}");
        }
        let mut pairs = BASE.to_vec();
        pairs[4] = ("TASKLANE_ORIGIN_SECRET", "short");
        let err = LambdaConfig::from_lookup(lookup(&pairs)).unwrap_err();
        assert!(err.to_string().contains("TASKLANE_ORIGIN_SECRET"), "{err}");
        let mut pairs = BASE.to_vec();
        pairs[3] = ("TASKLANE_PUBLIC_URL", "tasks.example.com");
        let err = LambdaConfig::from_lookup(lookup(&pairs)).unwrap_err();
        assert!(err.to_string().contains("TASKLANE_PUBLIC_URL"), "{err}");
        let mut pairs = BASE.to_vec();
        pairs[1] = ("TASKLANE_COGNITO_USER_POOL_ID", "nounderscore");
        assert!(LambdaConfig::from_lookup(lookup(&pairs)).is_err());
        let mut pairs = BASE.to_vec();
        pairs.push(("LEPTOS_HASH_FILES", "yes"));
        assert!(LambdaConfig::from_lookup(lookup(&pairs)).is_err());
        let mut pairs = BASE.to_vec();
        pairs[5] = ("TASKLANE_INVITE_KEY", "too-short-to-be-a-key");
        let err = LambdaConfig::from_lookup(lookup(&pairs)).unwrap_err();
        assert!(err.to_string().contains("TASKLANE_INVITE_KEY"), "{err}");
        for bad in ["", "Upper-Case", "has.dots", "-edge", "ab", "under_score"] {
            let mut pairs = BASE.to_vec();
            pairs[7] = ("TASKLANE_EXPORT_BUCKET", bad);
            let err = LambdaConfig::from_lookup(lookup(&pairs)).unwrap_err();
            assert!(
                err.to_string().contains("TASKLANE_EXPORT_BUCKET"),
                "{bad:?}: {err}"
            );
        }
        let mut pairs = BASE.to_vec();
        pairs.push(("TASKLANE_SIGNUP", "closed"));
        assert!(LambdaConfig::from_lookup(lookup(&pairs)).is_err());
        let c = LambdaConfig::from_lookup(lookup(BASE)).unwrap();
        assert_eq!(c.signup, domain::SignupMode::Invite, "the default");
    }

    #[test]
    fn optional_settings_may_all_be_absent_and_all_be_read() {
        // Every optional variable set: all of them are declared reads.
        let mut pairs = BASE.to_vec();
        pairs.extend([
            ("LEPTOS_SITE_ROOT", "/var/task/site"),
            ("LEPTOS_HASH_FILES", "false"),
            ("TASKLANE_LOG_FORMAT", "text"),
            ("TASKLANE_SIGNUP", "open"),
            ("TASKLANE_JWT_ISSUER", "https://issuer.example.com"),
            ("TASKLANE_JWKS_URL", "https://issuer.example.com/jwks.json"),
        ]);
        assert_eq!(pairs.len(), BASE.len() + OPTIONAL_ENV.len());
        let c = LambdaConfig::from_lookup(lookup(&pairs)).unwrap();
        assert!(!c.hash_files);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.signup, domain::SignupMode::Open);
        assert_eq!(c.cognito.issuer, "https://issuer.example.com");
    }

    #[test]
    #[should_panic(expected = "TASKLANE_SURPRISE")]
    fn reading_an_undeclared_variable_is_a_programming_error() {
        let get =
            store::permissions::declared(REQUIRED_ENV, OPTIONAL_ENV, &[env::REGION], |_| None);
        get("TASKLANE_SURPRISE");
    }

    #[test]
    fn plain_http_localhost_turns_secure_cookies_off() {
        let mut pairs = BASE.to_vec();
        pairs[3] = ("TASKLANE_PUBLIC_URL", "http://127.0.0.1:9000");
        assert!(
            !LambdaConfig::from_lookup(lookup(&pairs))
                .unwrap()
                .secure_cookies
        );
        let c = LambdaConfig::from_lookup(lookup(BASE)).unwrap();
        assert!(c.secure_cookies);
        assert_eq!(
            c.public_origin.as_deref(),
            Some("https://tasks.example.com")
        );
        assert!(
            !format!("{c:?}").contains("0123456789abcdef"),
            "the secret is never printed"
        );
    }

    #[test]
    fn viewer_addresses_of_both_families() {
        assert_eq!(
            viewer_ip("198.51.100.10:46532"),
            Some("198.51.100.10".parse().unwrap())
        );
        assert_eq!(
            viewer_ip("2001:db8:1:2::7:46532"),
            Some("2001:db8:1:2::7".parse().unwrap())
        );
        assert_eq!(
            viewer_ip("[2001:db8::7]:443"),
            Some("2001:db8::7".parse().unwrap())
        );
        for bad in [
            "",
            "198.51.100.10",
            "198.51.100.10:",
            "evil:80",
            "1.2.3.4:x",
        ] {
            assert_eq!(viewer_ip(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_api_reaches_aws_through_the_store_people_changes_and_exports_only() {
        // Role changes and deactivation (Team page), and ending sessions on
        // a password reset, are the only provider calls needing IAM; the
        // export bucket is written and read by link, nothing else.
        const MANAGE_PEOPLE: [&str; 5] = [
            "cognito-idp:AdminAddUserToGroup",
            "cognito-idp:AdminRemoveUserFromGroup",
            "cognito-idp:AdminDisableUser",
            "cognito-idp:AdminEnableUser",
            "cognito-idp:AdminUserGlobalSignOut",
        ];
        for action in PERMISSIONS.actions() {
            assert!(
                store::STORE_ACTIONS.contains(action)
                    || MANAGE_PEOPLE.contains(action)
                    || ["s3:PutObject", "s3:GetObject"].contains(action),
                "{action} is neither a store action, a change to people nor an export"
            );
        }
        // The API hands the whole Store trait to server functions.
        for action in store::STORE_ACTIONS {
            assert!(PERMISSIONS.actions().contains(action), "{action} missing");
        }
    }
}
