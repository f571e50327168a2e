//! The built-in provider against a hostile user, on a real SQLite store:
//! concurrent code guesses, code re-issue, refresh-token theft and races,
//! password resets and deactivation ending sessions, account enumeration,
//! and the first-admin rule. Time moves with the fixture's `ManualClock`.

use std::time::Duration;

use auth::provider::{AuthProvider, ProviderError, MAX_CODES_PER_WINDOW, REFRESH_RACE_GRACE_SECS};
use auth::roles::change_active;
use domain::{Actor, DisplayName, Email, Role};
use futures::future::join_all;
use store::Store;

use super::roles::{Local, PASSWORD};

fn email(tag: &str) -> Email {
    Email::parse(&format!("{tag}@example.com")).unwrap()
}

fn name(tag: &str) -> DisplayName {
    DisplayName::parse(tag).unwrap()
}

/// A six-digit code that is not `right`.
fn wrong_code(right: &str, i: u32) -> String {
    let mut n: u32 = right.parse().unwrap();
    n = (n + 1 + i) % 1_000_000;
    format!("{n:06}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_concurrent_wrong_codes_spend_at_most_the_budget() {
    let l = Local::new().await;
    let victim = email("victim");
    l.provider
        .sign_up(&victim, PASSWORD, &name("Victim"), false)
        .await
        .unwrap();
    let right = l.codes.for_email(&victim);
    let guesses = (0..40u32).map(|i| {
        let code = wrong_code(&right, i);
        let (p, e) = (&l.provider, victim.clone());
        async move { p.confirm_sign_up(&e, &code).await }
    });
    let results = join_all(guesses).await;
    let checked = results
        .iter()
        .filter(|r| matches!(r, Err(ProviderError::InvalidCode)))
        .count();
    let refused = results
        .iter()
        .filter(|r| {
            matches!(
                r,
                Err(ProviderError::TooManyAttempts | ProviderError::RateLimited)
            )
        })
        .count();
    println!("40 concurrent wrong codes: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, 40, "{results:?}");
    assert_eq!(checked, 5, "exactly the budget of guesses was checked");
    assert!(
        matches!(
            l.provider.confirm_sign_up(&victim, &right).await,
            Err(ProviderError::TooManyAttempts)
        ),
        "the right code no longer works once the budget is spent"
    );
}

#[tokio::test]
async fn codes_cannot_be_reissued_without_end() {
    let l = Local::new().await;
    let e = email("spam");
    l.provider
        .sign_up(&e, PASSWORD, &name("Spam"), false)
        .await
        .unwrap();
    for _ in 0..10 {
        l.provider.resend_confirmation(&e).await.unwrap();
        l.provider.forgot_password(&e).await.unwrap();
    }
    let sent = l.codes.0.lock().unwrap().len() as u32;
    assert_eq!(sent, MAX_CODES_PER_WINDOW, "21 asks, {sent} codes sent");
    l.clock.advance(Duration::from_secs(24 * 3600 + 1));
    l.provider.resend_confirmation(&e).await.unwrap();
    assert_eq!(
        l.codes.0.lock().unwrap().len() as u32,
        MAX_CODES_PER_WINDOW + 1
    );
    let code = l.codes.for_email(&e);
    l.provider
        .confirm_sign_up(&e, &code)
        .await
        .expect("the newest code works");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replayed_one_ends_the_family() {
    let l = Local::new().await;
    let (_, _, t0) = l.account("ada").await;
    let t1 = l
        .provider
        .refresh(&t0)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    assert_ne!(t0, t1, "rotated");
    let t2 = l
        .provider
        .refresh(&t1)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    // Within the race window the replaced token is a benign race: refused,
    // but the family lives.
    assert!(matches!(
        l.provider.refresh(&t1).await,
        Err(ProviderError::RefreshRaced)
    ));
    // Later, presenting an old token means a copy exists: the family ends,
    // and with it the newest token, whoever holds it.
    l.clock
        .advance(Duration::from_secs(REFRESH_RACE_GRACE_SECS as u64 + 1));
    assert!(matches!(
        l.provider.refresh(&t0).await,
        Err(ProviderError::SessionExpired)
    ));
    assert!(
        matches!(
            l.provider.refresh(&t2).await,
            Err(ProviderError::SessionExpired)
        ),
        "the thief's (or owner's) newest token died with the family"
    );
    // A forged secret on a real family id is refused too.
    let (_, _, fresh) = l.account("bob").await;
    let (family, _) = fresh.split_once('.').unwrap();
    assert!(matches!(
        l.provider.refresh(&format!("{family}.forged")).await,
        Err(ProviderError::SessionExpired)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_five_concurrent_refreshes_of_one_token_rotate_it_once() {
    let l = Local::new().await;
    let (_, _, t0) = l.account("ada").await;
    let tries = (0..25).map(|_| {
        let (p, t) = (&l.provider, t0.clone());
        async move { p.refresh(&t).await }
    });
    let results = join_all(tries).await;
    let won: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|t| t.refresh_token.clone().unwrap())
        .collect();
    let raced = results
        .iter()
        .filter(|r| matches!(r, Err(ProviderError::RefreshRaced)))
        .count();
    println!(
        "25 concurrent refreshes: {} rotated, {raced} raced",
        won.len()
    );
    assert_eq!(won.len(), 1, "one token, one successor: {results:?}");
    assert_eq!(raced, 24);
    l.provider
        .refresh(&won[0])
        .await
        .expect("the one successor keeps the session going");
}

#[tokio::test]
async fn a_password_reset_ends_every_session() {
    let l = Local::new().await;
    let (id, e, refresh) = l.account("ada").await;
    l.provider.forgot_password(&e).await.unwrap();
    let code = l.codes.for_email(&e);
    l.provider
        .confirm_forgot_password(&e, &code, "A-new-Passw0rd!")
        .await
        .unwrap();
    assert!(
        l.store
            .get_profile(id)
            .await
            .unwrap()
            .sessions_not_before_ms
            > 0
    );
    assert!(matches!(
        l.provider.refresh(&refresh).await,
        Err(ProviderError::SessionExpired)
    ));
    assert!(matches!(
        l.provider.sign_in(&e, PASSWORD).await,
        Err(ProviderError::InvalidCredentials)
    ));
    let after = l.provider.sign_in(&e, "A-new-Passw0rd!").await.unwrap();
    l.provider
        .refresh(&after.refresh_token.unwrap())
        .await
        .expect("a session begun after the reset lives");
}

#[tokio::test]
async fn a_reset_confirms_an_unconfirmed_account_properly() {
    let l = Local::new().await;
    let e = email("late");
    l.provider
        .sign_up(&e, PASSWORD, &name("Late"), false)
        .await
        .unwrap();
    l.provider.forgot_password(&e).await.unwrap();
    let code = l.codes.for_email(&e);
    l.provider
        .confirm_forgot_password(&e, &code, "A-new-Passw0rd!")
        .await
        .unwrap();
    let tokens = l
        .provider
        .sign_in(&e, "A-new-Passw0rd!")
        .await
        .expect("reset made a usable account, profile and all");
    let claims = l
        .validator
        .validate(&tokens.access_token, auth::TokenUse::Access)
        .await
        .unwrap();
    let profile = l
        .store
        .get_profile(domain::UserId::parse(&claims.sub).unwrap())
        .await
        .unwrap();
    assert_eq!(profile.role, Role::Member);
}

#[tokio::test]
async fn answers_do_not_reveal_who_has_an_account() {
    let l = Local::new().await;
    let (_, known, _) = l.account("ada").await;
    let unknown = email("nobody");
    let before = l.codes.0.lock().unwrap().len();
    // Sign-up with a known email: the same Ok, the password unchanged, no
    // code sent, and the owner told by email.
    l.provider
        .sign_up(&known, "Attacker-Pass-1!", &name("Mallory"), true)
        .await
        .expect("a known email answers like a new one");
    l.provider
        .sign_in(&known, PASSWORD)
        .await
        .expect("the owner's password still works");
    assert!(l
        .provider
        .sign_in(&known, "Attacker-Pass-1!")
        .await
        .is_err());
    let sent: Vec<_> = l.codes.0.lock().unwrap()[before..].to_vec();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].0 == known.as_str() && sent[0].1.contains("Someone tried to sign up"),
        "the owner is told, and no code went out: {sent:?}"
    );
    // Confirming a confirmed account reads like a wrong code for anyone.
    for e in [&known, &unknown] {
        assert!(matches!(
            l.provider.confirm_sign_up(e, "123456").await,
            Err(ProviderError::InvalidCode)
        ));
        assert!(l.provider.forgot_password(e).await.is_ok());
        assert!(l.provider.resend_confirmation(e).await.is_ok());
    }
}

#[tokio::test]
async fn only_a_bootstrap_sign_up_can_become_the_first_admin() {
    let l = Local::new().await;
    for (tag, bootstrap, role) in [
        ("stranger", false, Role::Member),
        ("operator", true, Role::Admin),
        ("second", true, Role::Member),
    ] {
        let e = email(tag);
        l.provider
            .sign_up(&e, PASSWORD, &name(tag), bootstrap)
            .await
            .unwrap();
        l.provider
            .confirm_sign_up(&e, &l.codes.for_email(&e))
            .await
            .unwrap();
        let t = l.provider.sign_in(&e, PASSWORD).await.unwrap();
        let c = l
            .validator
            .validate(&t.access_token, auth::TokenUse::Access)
            .await
            .unwrap();
        assert_eq!(c.role, role, "{tag}");
    }
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in_or_refresh_until_reactivated() {
    let l = Local::new().await;
    let (ada, _, _) = l.account("ada").await;
    let (bob, bob_email, bob_refresh) = l.account("bob").await;
    let admin = Actor {
        user_id: ada,
        role: Role::Admin,
    };
    let off = change_active(l.store.as_ref(), &l.provider, admin, bob, false)
        .await
        .unwrap();
    assert!(!off.active && off.sessions_not_before_ms > 0);
    assert!(matches!(
        l.provider.refresh(&bob_refresh).await,
        Err(ProviderError::SessionExpired)
    ));
    assert!(matches!(
        l.provider.sign_in(&bob_email, PASSWORD).await,
        Err(ProviderError::Deactivated)
    ));
    assert!(
        change_active(l.store.as_ref(), &l.provider, admin, ada, false)
            .await
            .is_err(),
        "an admin cannot deactivate themselves"
    );
    change_active(l.store.as_ref(), &l.provider, admin, bob, true)
        .await
        .unwrap();
    l.provider
        .sign_in(&bob_email, PASSWORD)
        .await
        .expect("reactivated");
}
