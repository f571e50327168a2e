//! What account server functions return.

use serde::{Deserialize, Serialize};

/// Who is signed in, for the navigation bar and role-aware pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub is_admin: bool,
}
