//! The install's invitation key: turns a stored nonce into the link's
//! token, and a presented token into the hash the store looks it up by.
//!
//! Both are HMAC-SHA256 under the key (with distinct labels), so the table
//! alone (a backup, a stream consumer without the key) yields neither a
//! working link nor a way to test guesses. Locally the key is `invite.key`
//! in the data directory; on AWS `TASKLANE_INVITE_KEY` (a Terraform random
//! secret) in the API, pre-sign-up and email formatter functions.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The smallest key accepted from the environment, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Clone, PartialEq, Eq)]
pub struct InviteKey(Vec<u8>);

impl std::fmt::Debug for InviteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InviteKey(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InviteKeyError {
    #[error("the invite key must be at least {MIN_KEY_BYTES} bytes")]
    TooShort,
    #[error("invite key file: {0}")]
    Io(#[from] std::io::Error),
}

/// 122 random bits per v4 uuid, from the OS generator.
fn random_hex(uuids: usize) -> String {
    (0..uuids)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl InviteKey {
    /// A key from configuration text (`TASKLANE_INVITE_KEY`).
    pub fn from_text(text: &str) -> Result<InviteKey, InviteKeyError> {
        let text = text.trim();
        if text.len() < MIN_KEY_BYTES {
            return Err(InviteKeyError::TooShort);
        }
        Ok(InviteKey(text.as_bytes().to_vec()))
    }

    /// A fresh random key (tests, first start).
    pub fn generate() -> InviteKey {
        InviteKey(random_hex(2).into_bytes())
    }

    /// `invite.key` in `dir`, created (0600) on first use.
    pub fn load_or_create(dir: &Path) -> Result<InviteKey, InviteKeyError> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let path = dir.join("invite.key");
        match std::fs::read_to_string(&path) {
            Ok(text) => return InviteKey::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let key = InviteKey::generate();
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        f.write_all(&key.0)?;
        f.sync_all()?;
        Ok(key)
    }

    fn mac(&self, label: &str, input: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(input.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A fresh nonce for a new or re-sent invitation.
    pub fn new_nonce() -> String {
        random_hex(2)
    }

    /// The token in the link of the invitation with this nonce.
    pub fn token(&self, nonce: &str) -> String {
        self.mac("tasklane-invite-token", nonce)
    }

    /// What the store keeps and looks a presented token up by.
    pub fn lookup_hash(&self, token: &str) -> String {
        self.mac("tasklane-invite-lookup", token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_hashes_depend_on_the_key() {
        let (a, b) = (InviteKey::generate(), InviteKey::generate());
        let nonce = InviteKey::new_nonce();
        assert_eq!(a.token(&nonce), a.token(&nonce));
        assert_ne!(a.token(&nonce), b.token(&nonce));
        assert_ne!(a.token(&nonce), a.lookup_hash(&nonce));
        assert_eq!(a.token(&nonce).len(), 64);
        assert!(InviteKey::from_text("short").is_err());
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let first = InviteKey::load_or_create(dir.path()).unwrap();
        let again = InviteKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.token("n"), again.token("n"));
        let mode = std::fs::metadata(dir.path().join("invite.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
