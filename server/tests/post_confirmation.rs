//! The post-confirmation trigger against moto: DynamoDB (the real table
//! layout via `DynamoStore`) and Cognito (a pool shaped like Terraform's).
//! Moto never runs triggers, so the test signs a user up and confirms it
//! through `CognitoProvider`, then hands the handler the event Cognito
//! would send, built from the user moto holds.
//!
//! Needs `TASKLANE_MOTO_ENDPOINT` (`scripts/with-moto.sh` sets it). Without
//! it these tests fail loudly rather than skip.

use std::sync::Arc;

use auth::cognito::{auth_state, CognitoSettings};
use auth::roles::change_role;
use auth::session::AuthState;
use auth::{role_from_groups, TokenUse};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, ExplicitAuthFlowsType, RecoveryOptionNameType, RecoveryOptionType,
    UsernameAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use domain::{Actor, DisplayName, Email, Role, UserId};
use serde_json::{json, Value};
use server::post_confirmation::{
    self, handle, provision, PostConfirmationDeps, PostConfirmationError, PostConfirmationEvent,
    Provisioned,
};
use store::{DynamoStore, Store, StoreError};

const REGION: &str = "us-east-1";
const PASSWORD: &str = "Correct-Horse-9-battery";

fn endpoint() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TASKLANE_MOTO_ENDPOINT is not set: the post-confirmation tests need moto_server \
             (run `bash scripts/with-moto.sh cargo test --release -p server --test post_confirmation`)"
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

struct World {
    cognito: Client,
    pool_id: String,
    store: Arc<DynamoStore>,
    auth: AuthState,
    deps: PostConfirmationDeps,
}

impl World {
    async fn new() -> World {
        let conf = sdk_config().await;
        let id = unique();
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&conf),
            format!("tasklane-postconf-{id}"),
        ));
        store.create_table().await.expect("create table on moto");
        let cognito = Client::new(&conf);
        let pool_id = cognito
            .create_user_pool()
            .pool_name(format!("tasklane-{id}"))
            .username_attributes(UsernameAttributeType::Email)
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
            .expect("create user pool")
            .user_pool()
            .and_then(|p| p.id())
            .expect("pool id")
            .to_owned();
        let client_id = cognito
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("web")
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
        for group in ["ADMIN", "MEMBER"] {
            cognito
                .create_group()
                .user_pool_id(&pool_id)
                .group_name(group)
                .send()
                .await
                .expect("create group");
        }
        let mut settings = CognitoSettings::for_pool(REGION, &pool_id, &client_id);
        settings.jwks_url = format!("{}/{pool_id}/.well-known/jwks.json", endpoint());
        let auth = auth_state(cognito.clone(), &settings).expect("auth state");
        // The handler's clients are built as the binary builds them: limited
        // to its declared permissions, so a call its role lacks fails here.
        let deps = PostConfirmationDeps {
            store: Arc::new(DynamoStore::new(
                post_confirmation::PERMISSIONS.dynamodb(&conf),
                store.table_name(),
            )),
            cognito: post_confirmation::cognito_client(&conf, &post_confirmation::PERMISSIONS),
        };
        World {
            cognito,
            pool_id,
            store,
            auth,
            deps,
        }
    }

    /// Signs up and confirms through the provider, then returns the event
    /// Cognito would send the trigger for that user (the shape of the
    /// example in the Cognito developer guide, plus an extra field to show
    /// that unmodelled fields survive).
    async fn confirmed_user(&self, email: &Email, name: &str) -> (UserId, Value) {
        let p = &self.auth.provider;
        p.sign_up(email, PASSWORD, &DisplayName::parse(name).unwrap(), false)
            .await
            .expect("sign up");
        p.confirm_sign_up(email, "123456").await.expect("confirm");
        let user = self
            .cognito
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(email.as_str())
            .send()
            .await
            .expect("admin get user");
        let mut attributes = serde_json::Map::new();
        for a in user.user_attributes() {
            attributes.insert(a.name().to_owned(), json!(a.value().unwrap_or_default()));
        }
        attributes.insert("cognito:user_status".into(), json!("CONFIRMED"));
        let sub = attributes["sub"].as_str().expect("sub").to_owned();
        let event = json!({
            "version": "1",
            "region": REGION,
            "userPoolId": self.pool_id,
            "userName": user.username(),
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": "web"
            },
            "triggerSource": "PostConfirmation_ConfirmSignUp",
            "request": {
                "userAttributes": attributes,
                "clientMetadata": {}
            },
            "response": {},
            "futureField": {"kept": true}
        });
        (UserId::parse(&sub).expect("sub is a UUID"), event)
    }

    async fn groups(&self, email: &Email) -> Vec<String> {
        let mut groups: Vec<String> = self
            .cognito
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

    async fn token_role(&self, email: &Email) -> Role {
        let tokens = self
            .auth
            .provider
            .sign_in(email, PASSWORD)
            .await
            .expect("sign in");
        self.auth
            .validator
            .validate(&tokens.access_token, TokenUse::Access)
            .await
            .expect("token carries a role")
            .role
    }
}

fn parse(event: &Value) -> PostConfirmationEvent {
    serde_json::from_value(event.clone()).expect("a post-confirmation event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reruns_change_nothing_and_never_reset_a_promotion() {
    let w = World::new().await;
    let email = Email::parse(&format!("ada-{}@example.com", unique())).unwrap();
    let (id, event) = w.confirmed_user(&email, "Ada Lovelace").await;

    // First run: profile as MEMBER, MEMBER group, event handed back as is.
    let out = handle(parse(&event), &w.deps).await.expect("first run");
    assert_eq!(
        serde_json::to_value(&out).unwrap(),
        event,
        "event returned unchanged"
    );
    let created = w.store.get_profile(id).await.expect("profile created");
    assert_eq!(created.role, Role::Member);
    assert_eq!(created.email, email);
    assert_eq!(created.display_name.as_str(), "Ada Lovelace");
    assert_eq!(w.groups(&email).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.token_role(&email).await, Role::Member);

    // A retry changes nothing.
    assert_eq!(
        provision(&parse(&event), &w.deps)
            .await
            .expect("second run"),
        Provisioned::Existing
    );
    assert_eq!(
        w.store.get_profile(id).await.unwrap(),
        created,
        "profile untouched"
    );
    assert_eq!(w.groups(&email).await, vec!["MEMBER".to_owned()]);

    // An admin promotes the user; then the trigger runs again (a password
    // reset fires it too). The role stays ADMIN in the store and in tokens.
    let actor = Actor {
        user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
        role: Role::Admin,
    };
    let promoted = change_role(
        w.store.as_ref(),
        w.auth.provider.as_ref(),
        actor,
        id,
        Role::Admin,
    )
    .await
    .expect("promote");
    assert_eq!(w.groups(&email).await, vec!["ADMIN".to_owned()]);

    let mut reset = event.clone();
    reset["triggerSource"] = json!("PostConfirmation_ConfirmForgotPassword");
    let out = handle(parse(&reset), &w.deps).await.expect("third run");
    assert_eq!(serde_json::to_value(&out).unwrap(), reset);
    assert_eq!(
        w.store.get_profile(id).await.unwrap(),
        promoted,
        "role not reset"
    );
    let groups = w.groups(&email).await;
    assert_eq!(role_from_groups(&groups), Some(Role::Admin), "{groups:?}");
    assert_eq!(w.token_role(&email).await, Role::Admin);
}

/// A first run that created the profile but failed before the group (a
/// Cognito throttle, a timeout) is repaired by Cognito's retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_adds_the_group_a_failed_first_run_missed() {
    let w = World::new().await;
    let email = Email::parse(&format!("grace-{}@example.com", unique())).unwrap();
    let (id, mut event) = w.confirmed_user(&email, "Grace Hopper").await;

    // First attempt: the pool id is wrong, so the group call fails after
    // the profile was written.
    let good_pool = event["userPoolId"].clone();
    event["userPoolId"] = json!(format!("{REGION}_doesnotexist"));
    let err = handle(parse(&event), &w.deps)
        .await
        .expect_err("group call fails");
    assert!(
        matches!(err, PostConfirmationError::Group { .. }),
        "{err:?}"
    );
    assert_eq!(w.store.get_profile(id).await.unwrap().role, Role::Member);
    assert!(w.groups(&email).await.is_empty());

    event["userPoolId"] = good_pool;
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("retry"),
        Provisioned::Existing
    );
    assert_eq!(w.groups(&email).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.token_role(&email).await, Role::Member);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_without_a_sub_is_refused_and_writes_nothing() {
    let w = World::new().await;
    let email = Email::parse(&format!("kay-{}@example.com", unique())).unwrap();
    let (id, mut event) = w.confirmed_user(&email, "Kay").await;
    event["request"]["userAttributes"]
        .as_object_mut()
        .unwrap()
        .remove("sub");
    let err = handle(parse(&event), &w.deps).await.expect_err("no sub");
    assert!(
        matches!(err, PostConfirmationError::MissingField("sub")),
        "{err:?}"
    );
    assert!(matches!(
        w.store.get_profile(id).await,
        Err(StoreError::NotFound)
    ));
    assert!(w.groups(&email).await.is_empty());
}
