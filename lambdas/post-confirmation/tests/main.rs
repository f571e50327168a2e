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
use aws_sdk_dynamodb::types::AttributeValue;
use domain::{Actor, DisplayName, Email, Role, UserId};
use post_confirmation::{
    handle, provision, PostConfirmationDeps, PostConfirmationError, PostConfirmationEvent,
    Provisioned, FIRST_ADMIN_MARKER, PERMISSIONS,
};
use serde_json::{json, Value};
use store::{DynamoStore, Store, StoreError};

const REGION: &str = "us-east-1";
const PASSWORD: &str = "Correct-Horse-9-battery";

fn endpoint() -> String {
    std::env::var("TASKLANE_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TASKLANE_MOTO_ENDPOINT is not set: the post-confirmation tests need moto_server \
             (run `bash scripts/with-moto.sh cargo test --release -p post-confirmation --test main`)"
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
    conf: SdkConfig,
    cognito: Client,
    pool_id: String,
    store: Arc<DynamoStore>,
    auth: AuthState,
    deps: PostConfirmationDeps,
}

impl World {
    /// A fresh table and pool; `first_admin` is what
    /// `TASKLANE_FIRST_ADMIN_EMAIL` would say.
    async fn new(first_admin: Option<&str>) -> World {
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
        let mut w = World {
            deps: PostConfirmationDeps {
                store: store.clone(),
                cognito: cognito.clone(),
                first_admin: None,
            },
            conf,
            cognito,
            pool_id,
            store,
            auth,
        };
        w.deps = w.deps_limited_to(PERMISSIONS);
        w.deps.first_admin = first_admin.map(|e| {
            post_confirmation::Config::from_lookup(|name| match name {
                "TASKLANE_TABLE" => Some("t".into()),
                "TASKLANE_FIRST_ADMIN_EMAIL" => Some(e.to_owned()),
                _ => None,
            })
            .expect("config")
            .first_admin
            .expect("first admin configured")
        });
        w
    }

    /// The handler's clients built as the binary builds them: limited to
    /// `permissions`, so a call the role lacks fails here.
    fn deps_limited_to(&self, permissions: store::Permissions) -> PostConfirmationDeps {
        PostConfirmationDeps {
            store: Arc::new(DynamoStore::new(
                permissions.dynamodb(&self.conf),
                self.store.table_name(),
            )),
            cognito: post_confirmation::cognito_client(&self.conf, &permissions),
            first_admin: self.deps.first_admin.clone(),
        }
    }

    /// The store's count of active admins (what guards the last admin).
    async fn admin_count(&self) -> i64 {
        let (pk, sk) = store::keys::ADMIN_COUNT;
        let item = aws_sdk_dynamodb::Client::new(&self.conf)
            .get_item()
            .table_name(self.store.table_name())
            .key("PK", AttributeValue::S(pk.into()))
            .key("SK", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("read the admin count");
        match item.item().and_then(|i| i.get("count")) {
            None => 0,
            Some(AttributeValue::N(n)) => n.parse().expect("a number"),
            Some(other) => panic!("admin count is {other:?}"),
        }
    }

    /// Who holds the first-admin claim, read straight from the table:
    /// `None` while it is still free.
    async fn first_admin_holder(&self) -> Option<String> {
        let (pk, sk) = store::keys::marker_key(FIRST_ADMIN_MARKER);
        let out = aws_sdk_dynamodb::Client::new(&self.conf)
            .get_item()
            .table_name(self.store.table_name())
            .key("PK", AttributeValue::S(pk))
            .key("SK", AttributeValue::S(sk))
            .consistent_read(true)
            .send()
            .await
            .expect("read the marker");
        let item = store::item_from_attrs(out.item()?).expect("a marker item");
        let data: serde_json::Value = item.entity().expect("a marker's JSON");
        Some(
            data["holder"]
                .as_str()
                .expect("a claim records its holder")
                .to_owned(),
        )
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
        // Cognito marks the address verified when the emailed code confirms
        // the sign-up, and sends it so; moto does not record it.
        attributes
            .entry("email_verified")
            .or_insert_with(|| json!("true"));
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

fn address(who: &str) -> Email {
    Email::parse(&format!("{who}-{}@example.com", unique())).unwrap()
}

/// A permanent admin acting through `change_role` (not in the store: the
/// function takes the actor from the session).
fn some_admin() -> Actor {
    Actor {
        user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
        role: Role::Admin,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reruns_change_nothing_and_never_reset_a_promotion() {
    let w = World::new(None).await;
    let email = address("ada");
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
        Provisioned::Existing(Role::Member)
    );
    assert_eq!(
        w.store.get_profile(id).await.unwrap(),
        created,
        "profile untouched"
    );
    assert_eq!(w.groups(&email).await, vec!["MEMBER".to_owned()]);

    // An admin promotes the user; then the trigger runs again (a password
    // reset fires it too). The role stays ADMIN in the store and in tokens.
    let promoted = change_role(
        w.store.as_ref(),
        w.auth.provider.as_ref(),
        some_admin(),
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
    let w = World::new(None).await;
    let email = address("grace");
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
        Provisioned::Existing(Role::Member)
    );
    assert_eq!(w.groups(&email).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.token_role(&email).await, Role::Member);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_without_a_sub_is_refused_and_writes_nothing() {
    let w = World::new(None).await;
    let email = address("kay");
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

// --- the first admin ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_named_address_confirming_first_becomes_admin_everywhere() {
    let boss = address("boss");
    // Configured with other capitalisation and spaces: compared normalised.
    let configured = format!("  {} ", boss.as_str().to_uppercase());
    let w = World::new(Some(&configured)).await;
    assert_eq!(w.admin_count().await, 0);
    let (id, event) = w.confirmed_user(&boss, "The Boss").await;

    let out = handle(parse(&event), &w.deps).await.expect("first run");
    assert_eq!(
        serde_json::to_value(&out).unwrap(),
        event,
        "event unchanged"
    );
    let profile = w.store.get_profile(id).await.expect("profile");
    assert_eq!(profile.role, Role::Admin);
    assert!(profile.active);
    assert_eq!(w.groups(&boss).await, vec!["ADMIN".to_owned()]);
    assert_eq!(w.token_role(&boss).await, Role::Admin);
    assert_eq!(w.admin_count().await, 1);
    assert_eq!(w.first_admin_holder().await, Some(id.to_string()));

    // A rerun (retry, password reset) changes nothing and counts nothing.
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("rerun"),
        Provisioned::Existing(Role::Admin)
    );
    assert_eq!(w.store.get_profile(id).await.unwrap(), profile);
    assert_eq!(w.admin_count().await, 1);
    assert_eq!(w.groups(&boss).await, vec!["ADMIN".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_confirming_first_is_a_member_and_leaves_the_claim() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;

    let stranger = address("stranger");
    let (sid, event) = w.confirmed_user(&stranger, "Stranger").await;
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("stranger"),
        Provisioned::Created(Role::Member)
    );
    assert_eq!(w.store.get_profile(sid).await.unwrap().role, Role::Member);
    assert_eq!(w.groups(&stranger).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.first_admin_holder().await, None, "claim still free");
    assert_eq!(w.admin_count().await, 0);

    // The named address, but Cognito has not verified it (say an operator
    // confirmed the account without the code): no claim either.
    let (bid, event) = w.confirmed_user(&boss, "The Boss").await;
    let mut unverified = event.clone();
    unverified["request"]["userAttributes"]["email_verified"] = json!("false");
    assert_eq!(
        provision(&parse(&unverified), &w.deps)
            .await
            .expect("unverified"),
        Provisioned::Created(Role::Member)
    );
    assert_eq!(w.first_admin_holder().await, None, "claim still free");
    assert_eq!(w.admin_count().await, 0);
    // An existing MEMBER account never claims on a later trigger (a
    // password reset), so the claim cannot be burnt without an admin.
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("reset"),
        Provisioned::Existing(Role::Member)
    );
    assert_eq!(w.first_admin_holder().await, None, "claim still free");
    assert_eq!(w.store.get_profile(bid).await.unwrap().role, Role::Member);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_is_still_there_for_the_named_address_after_strangers() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;
    for n in 0..2 {
        let stranger = address(&format!("early{n}"));
        let (_, event) = w.confirmed_user(&stranger, "Early").await;
        handle(parse(&event), &w.deps).await.expect("stranger");
    }
    let (id, event) = w.confirmed_user(&boss, "The Boss").await;
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("boss"),
        Provisioned::Created(Role::Admin)
    );
    assert_eq!(w.groups(&boss).await, vec!["ADMIN".to_owned()]);
    assert_eq!(w.first_admin_holder().await, Some(id.to_string()));
    assert_eq!(w.admin_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_first_admin_another_user_with_that_address_cannot_win() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;
    let (id, event) = w.confirmed_user(&boss, "The Boss").await;
    handle(parse(&event), &w.deps).await.expect("boss");

    // Cognito cannot hold two users with one address; this is what it would
    // take anyway: another user (another sub) whose verified email reads
    // like the named one.
    let other = address("other");
    let (oid, mut forged) = w.confirmed_user(&other, "Other").await;
    forged["request"]["userAttributes"]["email"] = json!(boss.as_str().to_uppercase());
    assert_eq!(
        provision(&parse(&forged), &w.deps).await.expect("other"),
        Provisioned::Created(Role::Member)
    );
    assert_eq!(w.store.get_profile(oid).await.unwrap().role, Role::Member);
    assert_eq!(w.groups(&other).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.first_admin_holder().await, Some(id.to_string()));
    assert_eq!(w.admin_count().await, 1);
}

/// The first run won the claim, then failed before the profile existed
/// (here: its transaction is refused because the role lacks UpdateItem,
/// which is how a throttled or timed-out write looks to the next run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_winner_whose_profile_write_failed_finishes_as_admin_on_retry() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;
    let (id, event) = w.confirmed_user(&boss, "The Boss").await;

    let crippled = w.deps_limited_to(store::Permissions::new(
        "lambda-post-confirmation",
        &[
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "cognito-idp:AdminAddUserToGroup",
        ],
    ));
    let err = handle(parse(&event), &crippled)
        .await
        .expect_err("profile transaction refused");
    assert!(matches!(err, PostConfirmationError::Store(_)), "{err:?}");
    assert_eq!(w.first_admin_holder().await, Some(id.to_string()));
    assert!(matches!(
        w.store.get_profile(id).await,
        Err(StoreError::NotFound)
    ));
    assert!(w.groups(&boss).await.is_empty());
    assert_eq!(w.admin_count().await, 0);

    // Cognito's retry, with the function as deployed.
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("retry"),
        Provisioned::Created(Role::Admin)
    );
    assert_eq!(w.store.get_profile(id).await.unwrap().role, Role::Admin);
    assert_eq!(w.groups(&boss).await, vec!["ADMIN".to_owned()]);
    assert_eq!(w.token_role(&boss).await, Role::Admin);
    assert_eq!(w.admin_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_winner_whose_group_call_failed_finishes_as_admin_on_retry() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;
    let (id, mut event) = w.confirmed_user(&boss, "The Boss").await;

    let good_pool = event["userPoolId"].clone();
    event["userPoolId"] = json!(format!("{REGION}_doesnotexist"));
    let err = handle(parse(&event), &w.deps)
        .await
        .expect_err("group call fails");
    assert!(
        matches!(err, PostConfirmationError::Group { group: "ADMIN", .. }),
        "{err:?}"
    );
    assert_eq!(w.store.get_profile(id).await.unwrap().role, Role::Admin);
    assert!(w.groups(&boss).await.is_empty());
    assert_eq!(w.admin_count().await, 1);

    event["userPoolId"] = good_pool;
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("retry"),
        Provisioned::Existing(Role::Admin)
    );
    assert_eq!(w.groups(&boss).await, vec!["ADMIN".to_owned()]);
    assert_eq!(w.token_role(&boss).await, Role::Admin);
    assert_eq!(w.admin_count().await, 1, "counted once");
}

/// A password reset after the first admin was demoted must not give the
/// role back: the claim only ever creates a profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_first_admin_stays_demoted_on_a_later_trigger() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;
    let (id, event) = w.confirmed_user(&boss, "The Boss").await;
    handle(parse(&event), &w.deps).await.expect("boss");
    let deputy = address("deputy");
    let (did, devent) = w.confirmed_user(&deputy, "Deputy").await;
    handle(parse(&devent), &w.deps).await.expect("deputy");
    change_role(
        w.store.as_ref(),
        w.auth.provider.as_ref(),
        some_admin(),
        did,
        Role::Admin,
    )
    .await
    .expect("promote deputy");
    change_role(
        w.store.as_ref(),
        w.auth.provider.as_ref(),
        some_admin(),
        id,
        Role::Member,
    )
    .await
    .expect("demote boss");
    assert_eq!(w.admin_count().await, 1);

    let mut reset = event.clone();
    reset["triggerSource"] = json!("PostConfirmation_ConfirmForgotPassword");
    assert_eq!(
        provision(&parse(&reset), &w.deps).await.expect("reset"),
        Provisioned::Existing(Role::Member)
    );
    assert_eq!(w.store.get_profile(id).await.unwrap().role, Role::Member);
    assert_eq!(w.groups(&boss).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.token_role(&boss).await, Role::Member);
    assert_eq!(w.admin_count().await, 1);
}

/// The named user and a stranger confirm at once, and Cognito retries the
/// named user's trigger while the first invocation is still running:
/// exactly one admin, counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_confirmations_make_exactly_one_admin() {
    let boss = address("boss");
    let w = World::new(Some(boss.as_str())).await;
    let (bid, bevent) = w.confirmed_user(&boss, "The Boss").await;
    let stranger = address("stranger");
    let (sid, sevent) = w.confirmed_user(&stranger, "Stranger").await;

    let barrier = Arc::new(tokio::sync::Barrier::new(3));
    let mut set = tokio::task::JoinSet::new();
    for event in [bevent.clone(), sevent, bevent] {
        let (deps, barrier) = (w.deps.clone(), barrier.clone());
        set.spawn(async move {
            barrier.wait().await;
            provision(&parse(&event), &deps).await
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next().await {
        outcomes.push(joined.expect("task").expect("provision"));
    }
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        vec![
            Provisioned::Created(Role::Admin),
            Provisioned::Created(Role::Member),
            Provisioned::Existing(Role::Admin),
        ]
    );
    assert_eq!(w.store.get_profile(bid).await.unwrap().role, Role::Admin);
    assert_eq!(w.store.get_profile(sid).await.unwrap().role, Role::Member);
    assert_eq!(w.groups(&boss).await, vec!["ADMIN".to_owned()]);
    assert_eq!(w.groups(&stranger).await, vec!["MEMBER".to_owned()]);
    assert_eq!(w.first_admin_holder().await, Some(bid.to_string()));
    assert_eq!(w.admin_count().await, 1);
}

/// The pre-sign-up trigger applies `domain::admit` with the function's
/// own permissions (GetItem only): open before any admin, then only live
/// invitations; AdminCreateUser and `open` mode pass; the refusal reads as
/// the app's does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_sign_up_refuses_the_uninvited_as_the_app_does() {
    use post_confirmation::pre_sign_up::{self, PreSignUpDeps, PreSignUpError, PreSignUpEvent};
    let w = World::new(None).await;
    let deps = |signup| PreSignUpDeps {
        store: Arc::new(DynamoStore::new(
            pre_sign_up::PERMISSIONS.dynamodb(&w.conf),
            w.store.table_name(),
        )),
        signup,
    };
    let invite = deps(domain::SignupMode::Invite);
    let event = |email: &str, source: &str| -> PreSignUpEvent {
        serde_json::from_value(json!({
            "version": "1",
            "triggerSource": source,
            "region": REGION,
            "userPoolId": w.pool_id,
            "userName": email,
            "callerContext": {"awsSdkVersion": "x", "clientId": "c"},
            "request": {"userAttributes": {"email": email}},
            "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
        }))
        .unwrap()
    };
    // No admin yet: anyone (the first admin is made separately).
    let e = event("first@example.com", "PreSignUp_SignUp");
    assert_eq!(pre_sign_up::handle(e.clone(), &invite).await.unwrap(), e);
    w.store
        .create_profile(domain::NewProfile {
            id: UserId::from_uuid(uuid::Uuid::now_v7()),
            email: Email::parse("ada@example.com").unwrap(),
            display_name: DisplayName::parse("Ada").unwrap(),
            role: Role::Admin,
        })
        .await
        .unwrap();
    // Now: the uninvited are refused with the app's sentence.
    let err = pre_sign_up::handle(event("eve@example.com", "PreSignUp_SignUp"), &invite)
        .await
        .unwrap_err();
    assert!(matches!(err, PreSignUpError::Refused(_)), "{err}");
    assert!(err.to_string().contains("invitation only"), "{err}");
    assert!(matches!(
        pre_sign_up::handle(event("not an email", "PreSignUp_SignUp"), &invite).await,
        Err(PreSignUpError::BadEmail)
    ));
    // An operator's AdminCreateUser and `open` mode are not checked.
    let admin_made = event("ops@example.com", "PreSignUp_AdminCreateUser");
    assert!(pre_sign_up::handle(admin_made, &invite).await.is_ok());
    let open = deps(domain::SignupMode::Open);
    assert!(
        pre_sign_up::handle(event("eve@example.com", "PreSignUp_SignUp"), &open)
            .await
            .is_ok()
    );

    // Invited (the address normalised): admitted; expired: refused.
    let key = store::InviteKey::generate();
    let invitation = |email: &str, expires_in: time::Duration| {
        let nonce = store::InviteKey::new_nonce();
        let now = time::OffsetDateTime::now_utc();
        domain::Invitation {
            email: Email::parse(email).unwrap(),
            invited_by: UserId::from_uuid(uuid::Uuid::now_v7()),
            inviter_name: "Ada".into(),
            sent_at: now,
            expires_at: now + expires_in,
            token_hash: key.lookup_hash(&key.token(&nonce)),
            nonce,
            version: 0,
        }
    };
    w.store
        .save_invitation(invitation("eve@example.com", domain::INVITE_TTL), None)
        .await
        .unwrap();
    let e = event("Eve@Example.com", "PreSignUp_SignUp");
    assert_eq!(pre_sign_up::handle(e.clone(), &invite).await.unwrap(), e);
    w.store
        .save_invitation(
            invitation("late@example.com", time::Duration::seconds(-1)),
            None,
        )
        .await
        .unwrap();
    let err = pre_sign_up::handle(event("late@example.com", "PreSignUp_SignUp"), &invite)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}

/// An invited address's confirmation consumes the invitation in the
/// profile's transaction (as the local sign-up does): the Team page stops
/// listing it and its link stops working the moment the account exists.
/// A retry changes nothing, and nobody else's invitation is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirming_an_invited_address_consumes_its_invitation() {
    let w = World::new(None).await;
    let key = store::InviteKey::generate();
    let invite = |email: &Email| {
        let nonce = store::InviteKey::new_nonce();
        let now = time::OffsetDateTime::now_utc();
        domain::Invitation {
            email: email.clone(),
            invited_by: UserId::from_uuid(uuid::Uuid::now_v7()),
            inviter_name: "Ada".into(),
            sent_at: now,
            expires_at: now + domain::INVITE_TTL,
            token_hash: key.lookup_hash(&key.token(&nonce)),
            nonce,
            version: 0,
        }
    };
    let (eve, other) = (address("eve"), address("other"));
    let invitation = w.store.save_invitation(invite(&eve), None).await.unwrap();
    w.store.save_invitation(invite(&other), None).await.unwrap();

    let (id, event) = w.confirmed_user(&eve, "Eve").await;
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("provision"),
        Provisioned::Created(Role::Member)
    );
    let profile = w.store.get_profile(id).await.expect("profile");
    assert_eq!(profile.email, eve);
    assert_eq!(w.groups(&eve).await, vec!["MEMBER".to_owned()]);
    assert!(matches!(
        w.store.get_invitation(&eve).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        matches!(
            w.store.invitation_by_token(&invitation.token_hash).await,
            Err(StoreError::NotFound)
        ),
        "the link is dead"
    );
    assert_eq!(
        provision(&parse(&event), &w.deps).await.expect("retry"),
        Provisioned::Existing(Role::Member)
    );
    assert_eq!(w.store.get_profile(id).await.unwrap(), profile);
    let pending = w.store.list_invitations().await.unwrap();
    assert_eq!(
        pending.iter().map(|i| &i.email).collect::<Vec<_>>(),
        vec![&other],
        "only the accepted invitation went"
    );
}

#[test]
fn pre_sign_up_configuration() {
    use post_confirmation::pre_sign_up::Config;
    let cfg = |pairs: &'static [(&'static str, &'static str)]| {
        Config::from_lookup(|n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
    };
    assert_eq!(
        cfg(&[("TASKLANE_TABLE", "t")]).unwrap().signup,
        domain::SignupMode::Invite
    );
    assert_eq!(
        cfg(&[("TASKLANE_TABLE", "t"), ("TASKLANE_SIGNUP", "open")])
            .unwrap()
            .signup,
        domain::SignupMode::Open
    );
    assert!(cfg(&[("TASKLANE_TABLE", "t"), ("TASKLANE_SIGNUP", "closed")]).is_err());
    assert!(cfg(&[]).is_err());
}
