//! `roles::change_role` on the embedded default (SQLite + the local
//! provider, whose tokens are minted from the profile), and its failure
//! path with a provider double whose `set_role` fails: the point there is
//! what the store looks like afterwards, so the provider is the one part
//! that is faked. The Cognito happy path is in `tests/cognito.rs`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use auth::provider::{AuthProvider, CodeSender, LocalProvider, ProviderError, SessionTokens};
use auth::roles::{change_role, RoleChangeError};
use auth::{LocalIssuer, LocalIssuerConfig, ManualClock, TokenUse, Validator};
use domain::{Actor, DisplayName, Email, NewProfile, ProfilePatch, Role, UserId, UserProfile};
use store::{SqliteStore, Store};

pub(crate) const PASSWORD: &str = "Correct-Horse-9-battery";

/// Keeps the last code per address, as the dev mailbox would show it.
#[derive(Default)]
pub(crate) struct Codes(pub(crate) Mutex<Vec<(String, String)>>);

#[async_trait]
impl CodeSender for Codes {
    async fn send_code(&self, to: &Email, subject: &str, text: &str) -> Result<(), String> {
        // A mail without a code (the "someone tried to sign up" notice)
        // is kept as a notice for that address.
        let code = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .map_or_else(|| format!("notice: {subject}"), str::to_owned);
        self.0.lock().unwrap().push((to.as_str().to_owned(), code));
        Ok(())
    }
}

impl Codes {
    pub(crate) fn for_email(&self, email: &Email) -> String {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(to, c)| to == email.as_str() && !c.starts_with("notice: "))
            .map(|(_, c)| c.clone())
            .expect("a code was sent")
    }
}

pub(crate) struct Local {
    pub(crate) store: Arc<SqliteStore>,
    pub(crate) provider: LocalProvider,
    pub(crate) validator: Validator,
    pub(crate) codes: Arc<Codes>,
    pub(crate) clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl Local {
    pub(crate) async fn new() -> Local {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(
            SqliteStore::open(dir.path().join("tasklane.db"))
                .await
                .expect("store"),
        );
        let issuer = Arc::new(
            LocalIssuer::load_or_create(
                dir.path(),
                LocalIssuerConfig::new("urn:tasklane:test", "tasklane-test"),
            )
            .expect("issuer"),
        );
        let validator = issuer.validator().expect("validator");
        let codes = Arc::new(Codes::default());
        let clock = Arc::new(ManualClock::starting_now());
        let provider =
            LocalProvider::with_clock(store.clone(), issuer, codes.clone(), clock.clone());
        Local {
            store,
            provider,
            validator,
            codes,
            clock,
            _dir: dir,
        }
    }

    /// Signs up and confirms; the first account becomes ADMIN.
    pub(crate) async fn account(&self, tag: &str) -> (UserId, Email, String) {
        let email = Email::parse(&format!("{tag}@example.com")).unwrap();
        let name = DisplayName::parse(tag).unwrap();
        self.provider
            .sign_up(&email, PASSWORD, &name, true)
            .await
            .expect("sign up");
        self.provider
            .confirm_sign_up(&email, &self.codes.for_email(&email))
            .await
            .expect("confirm");
        let tokens = self
            .provider
            .sign_in(&email, PASSWORD)
            .await
            .expect("sign in");
        let claims = self
            .validator
            .validate(&tokens.access_token, TokenUse::Access)
            .await
            .expect("valid");
        let id = UserId::parse(&claims.sub).unwrap();
        (id, email, tokens.refresh_token.expect("refresh token"))
    }

    /// Refreshes (which rotates the token held in `refresh`) and returns the
    /// role the new access token carries.
    async fn role_in_refreshed_token(&self, refresh: &mut String) -> Role {
        let tokens = self.provider.refresh(refresh).await.expect("refresh");
        *refresh = tokens
            .refresh_token
            .clone()
            .expect("a rotated refresh token");
        self.validator
            .validate(&tokens.access_token, TokenUse::Access)
            .await
            .expect("valid")
            .role
    }
}

fn actor(user_id: UserId, role: Role) -> Actor {
    Actor { user_id, role }
}

#[tokio::test]
async fn admins_change_roles_and_the_next_token_carries_them() {
    let l = Local::new().await;
    let (ada, _, mut ada_refresh) = l.account("ada").await;
    let (bob, _, mut bob_refresh) = l.account("bob").await;
    assert_eq!(
        l.role_in_refreshed_token(&mut ada_refresh).await,
        Role::Admin
    );
    assert_eq!(
        l.role_in_refreshed_token(&mut bob_refresh).await,
        Role::Member
    );

    let promoted = change_role(
        l.store.as_ref(),
        &l.provider,
        actor(ada, Role::Admin),
        bob,
        Role::Admin,
    )
    .await
    .expect("promote");
    assert_eq!(promoted.role, Role::Admin);
    assert_eq!(
        l.role_in_refreshed_token(&mut bob_refresh).await,
        Role::Admin
    );

    // Bob, now an admin, demotes Ada; then he is the last admin.
    change_role(
        l.store.as_ref(),
        &l.provider,
        actor(bob, Role::Admin),
        ada,
        Role::Member,
    )
    .await
    .expect("demote");
    assert_eq!(
        l.role_in_refreshed_token(&mut ada_refresh).await,
        Role::Member
    );
    let last = change_role(
        l.store.as_ref(),
        &l.provider,
        actor(bob, Role::Admin),
        bob,
        Role::Member,
    )
    .await;
    assert!(matches!(last, Err(RoleChangeError::LastAdmin)), "{last:?}");
    assert_eq!(last.as_ref().unwrap_err().status(), 409);
    assert_eq!(l.store.get_profile(bob).await.unwrap().role, Role::Admin);
}

#[tokio::test]
async fn members_and_unknown_targets_are_refused_without_writes() {
    let l = Local::new().await;
    let (ada, _, _) = l.account("ada").await;
    let (bob, _, _) = l.account("bob").await;
    let before = l.store.get_profile(ada).await.unwrap();

    let forbidden = change_role(
        l.store.as_ref(),
        &l.provider,
        actor(bob, Role::Member),
        ada,
        Role::Member,
    )
    .await
    .expect_err("members cannot change roles");
    assert!(matches!(forbidden, RoleChangeError::Forbidden));
    assert_eq!(forbidden.status(), 403);
    assert_eq!(l.store.get_profile(ada).await.unwrap(), before);

    let nobody = UserId::from_uuid(uuid::Uuid::now_v7());
    let missing = change_role(
        l.store.as_ref(),
        &l.provider,
        actor(ada, Role::Admin),
        nobody,
        Role::Admin,
    )
    .await
    .expect_err("unknown user");
    assert!(matches!(missing, RoleChangeError::NotFound));
    assert_eq!(missing.status(), 404);
}

/// A provider whose `set_role` records the call and then fails, optionally
/// after editing the profile's display name (as a concurrent self-service
/// edit would), which bumps its version under `change_role`'s feet.
struct FailingProvider {
    store: Arc<dyn Store>,
    fail: bool,
    edit_meanwhile: bool,
    calls: Mutex<Vec<(UserId, Role)>>,
}

impl FailingProvider {
    fn new(store: Arc<dyn Store>, fail: bool, edit_meanwhile: bool) -> Self {
        Self {
            store,
            fail,
            edit_meanwhile,
            calls: Mutex::new(Vec::new()),
        }
    }
}

fn unused() -> ProviderError {
    ProviderError::Internal("not used by these tests".into())
}

#[async_trait]
impl AuthProvider for FailingProvider {
    async fn sign_up(
        &self,
        _: &Email,
        _: &str,
        _: &DisplayName,
        _: bool,
    ) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn resend_confirmation(&self, _: &Email) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn set_active(&self, _: UserId, _: &Email, _: bool) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn confirm_sign_up(&self, _: &Email, _: &str) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn sign_in(&self, _: &Email, _: &str) -> Result<SessionTokens, ProviderError> {
        Err(unused())
    }
    async fn refresh(&self, _: &str) -> Result<SessionTokens, ProviderError> {
        Err(unused())
    }
    async fn sign_out(&self, _: &str) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn forgot_password(&self, _: &Email) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn confirm_forgot_password(
        &self,
        _: &Email,
        _: &str,
        _: &str,
    ) -> Result<(), ProviderError> {
        Err(unused())
    }
    async fn set_role(&self, user: UserId, _: &Email, role: Role) -> Result<(), ProviderError> {
        self.calls.lock().unwrap().push((user, role));
        if self.edit_meanwhile {
            let p = self.store.get_profile(user).await.expect("profile");
            let patch = ProfilePatch {
                display_name: Some(DisplayName::parse("Renamed meanwhile").unwrap()),
                prefs: None,
            };
            self.store.update_profile(&p, &patch).await.expect("edit");
        }
        if self.fail {
            Err(ProviderError::Internal("Cognito is down".into()))
        } else {
            Ok(())
        }
    }
}

async fn store_with(
    roles: &[(&str, Role)],
) -> (Arc<SqliteStore>, Vec<UserProfile>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteStore::open(dir.path().join("tasklane.db"))
            .await
            .expect("store"),
    );
    let mut profiles = Vec::new();
    for (tag, role) in roles {
        let p = store
            .create_profile(NewProfile {
                id: UserId::from_uuid(uuid::Uuid::now_v7()),
                email: Email::parse(&format!("{tag}@example.com")).unwrap(),
                display_name: DisplayName::parse(tag).unwrap(),
                role: *role,
            })
            .await
            .expect("profile");
        profiles.push(p);
    }
    (store, profiles, dir)
}

#[tokio::test]
async fn a_failed_promotion_puts_the_store_back() {
    let (store, p, _dir) = store_with(&[("ada", Role::Admin), ("bob", Role::Member)]).await;
    let (ada, bob) = (p[0].id, p[1].id);
    let provider = FailingProvider::new(store.clone(), true, false);

    let err = change_role(
        store.as_ref(),
        &provider,
        actor(ada, Role::Admin),
        bob,
        Role::Admin,
    )
    .await
    .expect_err("provider failed");
    assert!(
        matches!(err, RoleChangeError::Provider(ProviderError::Internal(_))),
        "{err:?}"
    );
    assert_eq!(err.status(), 500);
    assert!(
        !err.public_message().contains("Cognito"),
        "internal detail leaked"
    );
    assert_eq!(*provider.calls.lock().unwrap(), vec![(bob, Role::Admin)]);
    assert_eq!(store.get_profile(bob).await.unwrap().role, Role::Member);

    // The admin count was put back too: Ada is still the last admin.
    let ok = FailingProvider::new(store.clone(), false, false);
    let last = change_role(
        store.as_ref(),
        &ok,
        actor(ada, Role::Admin),
        ada,
        Role::Member,
    )
    .await;
    assert!(matches!(last, Err(RoleChangeError::LastAdmin)), "{last:?}");
}

#[tokio::test]
async fn a_failed_demotion_puts_the_store_back() {
    let (store, p, _dir) = store_with(&[("ada", Role::Admin), ("bob", Role::Admin)]).await;
    let (ada, bob) = (p[0].id, p[1].id);
    let provider = FailingProvider::new(store.clone(), true, false);

    let err = change_role(
        store.as_ref(),
        &provider,
        actor(ada, Role::Admin),
        bob,
        Role::Member,
    )
    .await
    .expect_err("provider failed");
    assert!(matches!(err, RoleChangeError::Provider(_)), "{err:?}");
    assert_eq!(store.get_profile(bob).await.unwrap().role, Role::Admin);

    // Two admins remain counted: one of them can still be demoted.
    let ok = FailingProvider::new(store.clone(), false, false);
    change_role(
        store.as_ref(),
        &ok,
        actor(ada, Role::Admin),
        bob,
        Role::Member,
    )
    .await
    .expect("demote with a working provider");
    assert_eq!(store.get_profile(bob).await.unwrap().role, Role::Member);
}

#[tokio::test]
async fn the_store_is_put_back_even_if_the_profile_changed_meanwhile() {
    let (store, p, _dir) = store_with(&[("ada", Role::Admin), ("bob", Role::Member)]).await;
    let (ada, bob) = (p[0].id, p[1].id);
    let provider = FailingProvider::new(store.clone(), true, true);

    let err = change_role(
        store.as_ref(),
        &provider,
        actor(ada, Role::Admin),
        bob,
        Role::Admin,
    )
    .await
    .expect_err("provider failed");
    assert!(matches!(err, RoleChangeError::Provider(_)), "{err:?}");
    let after = store.get_profile(bob).await.unwrap();
    assert_eq!(after.role, Role::Member, "role restored");
    assert_eq!(
        after.display_name.as_str(),
        "Renamed meanwhile",
        "the edit survives"
    );
}

#[tokio::test]
async fn the_same_role_writes_nothing_but_still_tells_the_provider() {
    let (store, p, _dir) = store_with(&[("ada", Role::Admin), ("bob", Role::Member)]).await;
    let (ada, bob) = (p[0].id, p[1].id);
    let provider = FailingProvider::new(store.clone(), false, false);

    let same = change_role(
        store.as_ref(),
        &provider,
        actor(ada, Role::Admin),
        bob,
        Role::Member,
    )
    .await
    .expect("no-op");
    assert_eq!(same, p[1], "profile untouched (same version)");
    assert_eq!(store.get_profile(bob).await.unwrap(), p[1]);
    assert_eq!(*provider.calls.lock().unwrap(), vec![(bob, Role::Member)]);
}
