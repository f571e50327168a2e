//! What invitation server functions return.

use serde::{Deserialize, Serialize};

/// A pending invitation as the Team page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub email: String,
    pub inviter: String,
    pub sent_at: String,
    pub expires_at: String,
    /// Expired: the link no longer works, but a re-send makes a new one.
    pub expired: bool,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationsPage {
    pub invitations: Vec<InvitationRow>,
    /// `open` or `invite`, so the page can say whether invitations are
    /// needed to join.
    pub signup: String,
}

/// What the invitation link's page shows before the person signs up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub email: String,
    pub inviter: String,
    pub expires_at: String,
}
