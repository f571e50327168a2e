//! Invitations, and who may sign up.
//!
//! One rule, [`admit`], decides whether a sign-up goes ahead. The local
//! sign-up and the Cognito pre-sign-up trigger both call it with what they
//! read from the store (whether an active admin exists, the address's
//! invitation), so the two deployments refuse exactly the same people.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::{Email, UserId};

/// How long an invitation link works after it is sent (or re-sent).
pub const INVITE_TTL: Duration = Duration::days(7);

/// Live invitations a team may have at once. Each one mails a stranger
/// from the team's sending identity, so a hijacked or careless admin
/// account must not be able to turn the install into a bulk mailer (and
/// cost it its SES reputation); a team onboarding more people than this in
/// a week can revoke or wait for expiry.
pub const MAX_PENDING_INVITATIONS: usize = 200;

/// Who may sign up: anyone (`open`), or only people an admin invited
/// (`invite`). `TASKLANE_SIGNUP` / `--signup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    Open,
    Invite,
}

impl SignupMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SignupMode::Open => "open",
            SignupMode::Invite => "invite",
        }
    }

    /// The configured mode, else the default: `invite` on an install others
    /// can reach, `open` on one only its operator's machine reaches. (With
    /// `invite`, sign-up stays open until the first admin exists: see
    /// [`admit`].)
    pub fn resolve(configured: Option<SignupMode>, network_reachable: bool) -> SignupMode {
        configured.unwrap_or(if network_reachable {
            SignupMode::Invite
        } else {
            SignupMode::Open
        })
    }
}

impl std::str::FromStr for SignupMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(SignupMode::Open),
            "invite" => Ok(SignupMode::Invite),
            other => Err(format!(
                "signup mode must be `open` or `invite`, not {other:?}"
            )),
        }
    }
}

impl std::fmt::Display for SignupMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pending invitation. The link carries a random token derived from
/// `nonce` with the install's invite key; the store keeps only the nonce
/// and the token's keyed hash, so a copy of the table yields no working
/// link, and the mail sender (which holds the key) can rebuild the link
/// from the stored item, off the write path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub email: Email,
    pub invited_by: UserId,
    /// The inviter's name at the time, for the email.
    pub inviter_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub nonce: String,
    pub token_hash: String,
    pub version: u64,
}

impl Invitation {
    /// Whether the link still works at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

/// Why a sign-up was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("sign-up is by invitation only")]
    NotInvited,
    #[error("the invitation has expired")]
    Expired,
}

/// Whether a sign-up for an address may go ahead.
///
/// - `open`: everyone.
/// - `invite` before any active admin exists: everyone (the first admin is
///   decided by the bootstrap rule, not by invitations nobody could send).
/// - `invite` afterwards: only an address with an unexpired invitation.
pub fn admit(
    mode: SignupMode,
    admin_exists: bool,
    invitation: Option<&Invitation>,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    match (mode, admin_exists, invitation) {
        (SignupMode::Open, _, _) | (SignupMode::Invite, false, _) => Ok(()),
        (SignupMode::Invite, true, None) => Err(Refusal::NotInvited),
        (SignupMode::Invite, true, Some(i)) if i.is_live(now) => Ok(()),
        (SignupMode::Invite, true, Some(_)) => Err(Refusal::Expired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn invitation(expires_at: OffsetDateTime) -> Invitation {
        Invitation {
            email: Email::parse("Ada@Example.com").unwrap(),
            invited_by: UserId::from_uuid(uuid::Uuid::nil()),
            inviter_name: "Grace".into(),
            sent_at: expires_at - INVITE_TTL,
            expires_at,
            nonce: "n".into(),
            token_hash: "h".into(),
            version: 1,
        }
    }

    #[test]
    fn the_rule_by_mode_admin_and_invitation() {
        let now = datetime!(2026-01-10 12:00 UTC);
        let live = invitation(now + Duration::seconds(1));
        let dead = invitation(now);
        use SignupMode::*;
        assert_eq!(admit(Open, true, None, now), Ok(()));
        assert_eq!(admit(Open, true, Some(&dead), now), Ok(()));
        assert_eq!(admit(Invite, false, None, now), Ok(()));
        assert_eq!(admit(Invite, true, None, now), Err(Refusal::NotInvited));
        assert_eq!(admit(Invite, true, Some(&live), now), Ok(()));
        // Expiry is exclusive: at the instant it expires, it is dead.
        assert_eq!(admit(Invite, true, Some(&dead), now), Err(Refusal::Expired));
    }

    #[test]
    fn default_mode_follows_reachability() {
        assert_eq!(SignupMode::resolve(None, true), SignupMode::Invite);
        assert_eq!(SignupMode::resolve(None, false), SignupMode::Open);
        assert_eq!(
            SignupMode::resolve(Some(SignupMode::Open), true),
            SignupMode::Open
        );
        assert_eq!(" Invite ".parse::<SignupMode>(), Ok(SignupMode::Invite));
        assert!("closed".parse::<SignupMode>().is_err());
    }

    #[test]
    fn invitations_keep_the_normalised_address() {
        let i = invitation(datetime!(2026-01-10 12:00 UTC));
        assert_eq!(i.email.as_str(), "ada@example.com");
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Invitation>(&json).unwrap(), i);
    }
}
