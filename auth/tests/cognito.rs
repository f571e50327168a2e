//! `CognitoProvider` end to end against moto's Cognito on loopback: a pool
//! shaped like `terraform/modules/cognito` (email user names, the 12-char
//! policy, ADMIN and MEMBER groups, a secretless client with
//! USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH), tokens checked by the real
//! `Validator` through moto's JWKS, roles changed through
//! `roles::change_role`, and the error mapping on real Cognito answers.
//!
//! What moto cannot do, and what stands in:
//! - ConfirmSignUp accepts any code, so a wrong sign-up code cannot be
//!   provoked; the wrong-code path is exercised on ConfirmForgotPassword,
//!   where moto checks codes it issued (returned in a moto-only response
//!   header, captured here by an interceptor). The ConfirmSignUp mapping is
//!   covered by the unit tests of `classify`.
//! - Moto never runs the post-confirmation trigger; the test does its work
//!   (profile + MEMBER) by hand here, and `server/tests/post_confirmation.rs`
//!   runs the real trigger handler.
//! - Moto has no RevokeToken; sign-out is checked against a loopback fake
//!   that records the request (`sign_out_revokes_the_refresh_token`).
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (`scripts/with-moto.sh` sets it). Without
//! it these tests fail loudly rather than skip.

use std::sync::{Arc, Mutex};

use auth::cognito::{auth_state, CognitoProvider, CognitoSettings};
use auth::provider::{AuthProvider, ProviderError};
use auth::roles::{change_role, RoleChangeError};
use auth::session::AuthState;
use auth::{AuthError, TokenUse};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cognitoidentityprovider::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_cognitoidentityprovider::config::{
    ConfigBag, Credentials, Intercept, RuntimeComponents,
};
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, ExplicitAuthFlowsType, PasswordPolicyType, RecoveryOptionNameType,
    RecoveryOptionType, UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use domain::{Actor, DisplayName, Email, NewProfile, Role, UserId};
use store::{SqliteStore, Store};

const REGION: &str = "us-east-1";
const PASSWORD: &str = "Correct-Horse-9-battery";

fn endpoint() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TASKLANE_MOTO_ENDPOINT is not set: the Cognito tests need moto_server \
             (run `bash scripts/with-moto.sh cargo test --release -p auth --test auth cognito::`)"
        )
    })
}

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .http_client(store::http_client())
        .load()
        .await
}

/// Records moto's `x-moto-forgot-password-confirmation-code` header: moto
/// hands out the reset code there instead of mailing it.
#[derive(Debug, Clone, Default)]
struct ResetCodes(Arc<Mutex<Vec<String>>>);

impl Intercept for ResetCodes {
    fn name(&self) -> &'static str {
        "tests::ResetCodes"
    }

    fn read_before_deserialization(
        &self,
        ctx: &BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_cognitoidentityprovider::error::BoxError> {
        if let Some(code) = ctx
            .response()
            .headers()
            .get("x-moto-forgot-password-confirmation-code")
        {
            self.0.lock().unwrap().push(code.to_owned());
        }
        Ok(())
    }
}

impl ResetCodes {
    fn last(&self) -> String {
        self.0
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("moto sent no reset code header")
    }
}

/// One isolated pool on the shared moto, with the auth state the API
/// Lambda would build for it (but keys from moto's loopback JWKS).
struct World {
    admin: Client,
    pool_id: String,
    auth: AuthState,
    codes: ResetCodes,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let conf = sdk_config().await;
        let admin = Client::new(&conf);
        let name = format!("tasklane-{}", unique());
        let pool = admin
            .create_user_pool()
            .pool_name(&name)
            .username_attributes(UsernameAttributeType::Email)
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .policies(
                UserPoolPolicyType::builder()
                    .password_policy(
                        PasswordPolicyType::builder()
                            .minimum_length(12)
                            .require_lowercase(true)
                            .require_uppercase(true)
                            .require_numbers(true)
                            .require_symbols(true)
                            .build(),
                    )
                    .build(),
            )
            .account_recovery_setting(
                AccountRecoverySettingType::builder()
                    .recovery_mechanisms(
                        RecoveryOptionType::builder()
                            .name(RecoveryOptionNameType::VerifiedEmail)
                            .priority(1)
                            .build()
                            .expect("recovery mechanism"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("create user pool on moto");
        let pool_id = pool
            .user_pool()
            .and_then(|p| p.id())
            .expect("pool id")
            .to_owned();
        let client_id = admin
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name(format!("{name}-web"))
            .generate_secret(false)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .expect("create app client")
            .user_pool_client()
            .and_then(|c| c.client_id())
            .expect("client id")
            .to_owned();
        for (group, precedence) in [("ADMIN", 1), ("MEMBER", 10)] {
            admin
                .create_group()
                .user_pool_id(&pool_id)
                .group_name(group)
                .precedence(precedence)
                .send()
                .await
                .expect("create group");
        }

        // The issuer as Cognito (and moto) writes it; the keys from moto.
        let mut settings = CognitoSettings::for_pool(REGION, &pool_id, &client_id);
        settings.jwks_url = format!("{}/{pool_id}/.well-known/jwks.json", endpoint());
        let codes = ResetCodes::default();
        let provider_client = Client::from_conf(
            aws_sdk_cognitoidentityprovider::config::Builder::from(&conf)
                .interceptor(codes.clone())
                .build(),
        );
        let auth = auth_state(provider_client, &settings).expect("auth state");

        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(
            SqliteStore::open(dir.path().join("tasklane.db"))
                .await
                .expect("sqlite store"),
        );
        World {
            admin,
            pool_id,
            auth,
            codes,
            store,
            _dir: dir,
        }
    }

    fn provider(&self) -> &dyn AuthProvider {
        self.auth.provider.as_ref()
    }

    /// What the post-confirmation trigger does, which moto never runs.
    async fn provision(&self, email: &Email, name: &DisplayName) -> UserId {
        let user = self
            .admin
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(email.as_str())
            .send()
            .await
            .expect("admin get user");
        let sub = user
            .user_attributes()
            .iter()
            .find(|a| a.name() == "sub")
            .and_then(|a| a.value())
            .expect("sub attribute");
        let id = UserId::parse(sub).expect("sub is a UUID");
        self.store
            .create_profile(NewProfile {
                id,
                email: email.clone(),
                display_name: name.clone(),
                role: Role::Member,
            })
            .await
            .expect("create profile");
        self.admin
            .admin_add_user_to_group()
            .user_pool_id(&self.pool_id)
            .username(user.username())
            .group_name("MEMBER")
            .send()
            .await
            .expect("add to MEMBER");
        id
    }

    async fn groups(&self, email: &Email) -> Vec<String> {
        let mut groups: Vec<String> = self
            .admin
            .admin_list_groups_for_user()
            .user_pool_id(&self.pool_id)
            .username(email.as_str())
            .send()
            .await
            .expect("list groups")
            .groups()
            .iter()
            .filter_map(|g| g.group_name().map(str::to_owned))
            .collect();
        groups.sort();
        groups
    }

    async fn signed_up_and_confirmed(&self, tag: &str) -> (Email, DisplayName) {
        let email = Email::parse(&format!("{tag}-{}@example.com", unique())).unwrap();
        let name = DisplayName::parse(&format!("User {tag}")).unwrap();
        self.provider()
            .sign_up(&email, PASSWORD, &name, false)
            .await
            .expect("sign up");
        self.provider()
            .confirm_sign_up(&email, "123456")
            .await
            .expect("confirm");
        (email, name)
    }
}

fn admin_actor() -> Actor {
    Actor {
        user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
        role: Role::Admin,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_confirm_sign_in_change_role_and_refresh() {
    let w = World::new().await;
    let email = Email::parse(&format!("ada-{}@example.com", unique())).unwrap();
    let name = DisplayName::parse("Ada Lovelace").unwrap();
    let p = w.provider();
    let v = &w.auth.validator;

    p.sign_up(&email, PASSWORD, &name, false)
        .await
        .expect("sign up");
    assert!(
        matches!(
            p.sign_in(&email, PASSWORD).await,
            Err(ProviderError::NotConfirmed)
        ),
        "an unconfirmed account cannot sign in"
    );
    // Moto accepts any code here (see the module docs).
    p.confirm_sign_up(&email, " 123456 ")
        .await
        .expect("confirm");

    // Confirmed but not yet provisioned: Cognito issues tokens without
    // groups, and the validator refuses them, which is why the trigger
    // must add MEMBER.
    let bare = p.sign_in(&email, PASSWORD).await.expect("sign in");
    assert_eq!(
        v.validate(&bare.access_token, TokenUse::Access).await,
        Err(AuthError::MissingGroups)
    );

    let id = w.provision(&email, &name).await;
    let tokens = p.sign_in(&email, PASSWORD).await.expect("sign in");
    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    assert!(tokens.expires_in > 0);
    let access = v
        .validate(&tokens.access_token, TokenUse::Access)
        .await
        .expect("moto's access token passes the real validator");
    assert_eq!(access.sub, id.to_string());
    assert_eq!(access.role, Role::Member);
    assert_eq!(access.groups, vec!["MEMBER".to_owned()]);
    let id_claims = v
        .validate(&tokens.id_token, TokenUse::Id)
        .await
        .expect("moto's ID token passes the real validator");
    assert_eq!(id_claims.email.as_deref(), Some(email.as_str()));
    assert_eq!(id_claims.role, Role::Member);
    // An ID token is not an access token and the reverse.
    assert!(v
        .validate(&tokens.id_token, TokenUse::Access)
        .await
        .is_err());
    assert!(v
        .validate(&tokens.access_token, TokenUse::Id)
        .await
        .is_err());

    // Promote through the one role-change path: store, then Cognito.
    let profile = change_role(w.store.as_ref(), p, admin_actor(), id, Role::Admin)
        .await
        .expect("promote");
    assert_eq!(profile.role, Role::Admin);
    assert_eq!(w.groups(&email).await, vec!["ADMIN".to_owned()]);

    let renewed = p.refresh(&refresh).await.expect("refresh");
    assert!(
        renewed.refresh_token.is_none(),
        "Cognito keeps the refresh token"
    );
    let access = v
        .validate(&renewed.access_token, TokenUse::Access)
        .await
        .expect("refreshed access token");
    assert_eq!(access.role, Role::Admin);
    assert_eq!(access.groups, vec!["ADMIN".to_owned()]);
    let id_claims = v
        .validate(&renewed.id_token, TokenUse::Id)
        .await
        .expect("refreshed ID token");
    assert_eq!(id_claims.role, Role::Admin);

    // The only admin in this store cannot be demoted; nothing changes.
    let refused = change_role(w.store.as_ref(), p, admin_actor(), id, Role::Member).await;
    assert!(
        matches!(refused, Err(RoleChangeError::LastAdmin)),
        "{refused:?}"
    );
    assert_eq!(w.groups(&email).await, vec!["ADMIN".to_owned()]);

    // With a second admin, demotion goes through to Cognito too.
    let (other, other_name) = w.signed_up_and_confirmed("grace").await;
    let other_id = w.provision(&other, &other_name).await;
    change_role(w.store.as_ref(), p, admin_actor(), other_id, Role::Admin)
        .await
        .expect("promote the second admin");
    change_role(w.store.as_ref(), p, admin_actor(), id, Role::Member)
        .await
        .expect("demote");
    assert_eq!(w.groups(&email).await, vec!["MEMBER".to_owned()]);
    let access = v
        .validate(
            &p.refresh(&refresh).await.expect("refresh").access_token,
            TokenUse::Access,
        )
        .await
        .expect("valid");
    assert_eq!(access.role, Role::Member);

    // A member cannot change roles at all.
    let member = Actor {
        user_id: id,
        role: Role::Member,
    };
    assert!(matches!(
        change_role(w.store.as_ref(), p, member, other_id, Role::Member).await,
        Err(RoleChangeError::Forbidden)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cognito_refusals_map_to_the_same_errors_as_the_local_provider() {
    let w = World::new().await;
    let p = w.provider();
    let (email, name) = w.signed_up_and_confirmed("errors").await;

    // A known email answers exactly like a new one: no enumeration.
    p.sign_up(&email, PASSWORD, &name, false)
        .await
        .expect("a known email signs up like a new one");

    let wrong = p
        .sign_in(&email, "Wrong-password-42!")
        .await
        .expect_err("wrong password");
    assert!(
        matches!(wrong, ProviderError::InvalidCredentials),
        "{wrong:?}"
    );
    assert_eq!(wrong.status(), 401);
    let stranger = Email::parse(&format!("nobody-{}@example.com", unique())).unwrap();
    let unknown = p
        .sign_in(&stranger, PASSWORD)
        .await
        .expect_err("unknown user");
    assert_eq!(
        unknown.public_message(),
        wrong.public_message(),
        "unknown accounts and wrong passwords read the same"
    );

    let (pending, pending_name) = (
        Email::parse(&format!("pending-{}@example.com", unique())).unwrap(),
        DisplayName::parse("Pending").unwrap(),
    );
    p.sign_up(&pending, PASSWORD, &pending_name, false)
        .await
        .expect("sign up");
    let unconfirmed = p
        .sign_in(&pending, PASSWORD)
        .await
        .expect_err("unconfirmed");
    assert!(
        matches!(unconfirmed, ProviderError::NotConfirmed),
        "{unconfirmed:?}"
    );
    assert_eq!(unconfirmed.status(), 403);

    let weak = p
        .sign_up(&stranger, "short", &name, false)
        .await
        .expect_err("weak");
    assert!(matches!(weak, ProviderError::WeakPassword(_)), "{weak:?}");
    assert_eq!(weak.status(), 400);

    let expired = p
        .refresh("not-a-refresh-token")
        .await
        .expect_err("garbage refresh");
    assert!(
        matches!(expired, ProviderError::SessionExpired),
        "{expired:?}"
    );

    // Password reset: unknown accounts get the same Ok; a wrong code is a
    // 400; the issued code sets the new password.
    p.forgot_password(&stranger).await.expect("no enumeration");
    p.forgot_password(&email).await.expect("forgot password");
    let code = w.codes.last();
    let new_password = "Another-Secret-77x";
    let bad_code = "moto-confirmation-code:000000";
    let mismatch = p
        .confirm_forgot_password(&email, bad_code, new_password)
        .await
        .expect_err("wrong code");
    assert!(
        matches!(mismatch, ProviderError::InvalidCode),
        "{mismatch:?}"
    );
    assert_eq!(mismatch.status(), 400);
    let weak = p
        .confirm_forgot_password(&email, &code, "weak")
        .await
        .expect_err("weak new password");
    assert!(matches!(weak, ProviderError::WeakPassword(_)));
    p.confirm_forgot_password(&email, &code, new_password)
        .await
        .expect("reset with the issued code");
    assert!(matches!(
        p.sign_in(&email, PASSWORD).await,
        Err(ProviderError::InvalidCredentials)
    ));
    // Not yet provisioned, so tokens carry no group; signing in is the point.
    p.sign_in(&email, new_password)
        .await
        .expect("new password works");
}

/// Moto has no RevokeToken, so sign-out is checked against a loopback fake
/// Cognito that records the request and answers as Cognito would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_revokes_the_refresh_token() {
    use axum::http::HeaderMap;
    use axum::routing::post;

    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<(String, serde_json::Value)>>>);
    let seen = Seen::default();
    let app = axum::Router::new().route(
        "/",
        post({
            let seen = seen.clone();
            move |headers: HeaderMap, body: String| {
                let seen = seen.clone();
                async move {
                    let target = headers
                        .get("x-amz-target")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                    let revoked = body["Token"] == "revoked-token";
                    seen.0.lock().unwrap().push((target, body));
                    if revoked {
                        (
                            axum::http::StatusCode::BAD_REQUEST,
                            [("content-type", "application/x-amz-json-1.1")],
                            r#"{"__type":"UnauthorizedException","message":"Invalid token"}"#,
                        )
                    } else {
                        (
                            axum::http::StatusCode::OK,
                            [("content-type", "application/x-amz-json-1.1")],
                            "{}",
                        )
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let conf = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(format!("http://{addr}"))
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "fake"))
        .http_client(store::http_client())
        .load()
        .await;
    let provider = CognitoProvider::new(Client::new(&conf), "us-east-1_fake", "web-client");

    provider
        .sign_out("the-refresh-token")
        .await
        .expect("revoked");
    let err = provider
        .sign_out("revoked-token")
        .await
        .expect_err("refused");
    assert!(matches!(err, ProviderError::SessionExpired), "{err:?}");
    provider.sign_out("").await.expect("nothing to revoke");

    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "an empty token is not sent: {seen:?}");
    assert_eq!(seen[0].0, "AWSCognitoIdentityProviderService.RevokeToken");
    assert_eq!(seen[0].1["Token"], "the-refresh-token");
    assert_eq!(seen[0].1["ClientId"], "web-client");
}

/// Deactivation through the one path (`roles::change_active`): the store
/// first, then AdminDisableUser and a global sign-out at Cognito. The user
/// can neither sign in nor refresh; reactivation lets them sign in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_disables_the_cognito_user_and_ends_their_sessions() {
    let w = World::new().await;
    let p = w.provider();
    let (email, name) = w.signed_up_and_confirmed("gone").await;
    let id = w.provision(&email, &name).await;
    let tokens = p.sign_in(&email, PASSWORD).await.expect("sign in");
    let refresh = tokens.refresh_token.expect("refresh token");

    let off = auth::roles::change_active(w.store.as_ref(), p, admin_actor(), id, false)
        .await
        .expect("deactivate");
    assert!(!off.active);
    let enabled = |w: &World| {
        let (admin, pool, email) = (w.admin.clone(), w.pool_id.clone(), email.clone());
        async move {
            admin
                .admin_get_user()
                .user_pool_id(pool)
                .username(email.as_str())
                .send()
                .await
                .expect("admin get user")
                .enabled()
        }
    };
    assert!(!enabled(&w).await, "disabled at Cognito");
    assert!(matches!(
        p.sign_in(&email, PASSWORD).await,
        Err(ProviderError::InvalidCredentials)
    ));
    assert!(p.refresh(&refresh).await.is_err(), "sessions ended");

    auth::roles::change_active(w.store.as_ref(), p, admin_actor(), id, true)
        .await
        .expect("reactivate");
    assert!(enabled(&w).await);
    p.sign_in(&email, PASSWORD).await.expect("back in");
}
