//! The two kinds of Cognito token. A leaf module: the error type names it,
//! and the validator uses both, so neither may own it without a cycle.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which of Cognito's two token kinds the caller expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    Id,
    Access,
}

impl TokenUse {
    /// The `token_use` claim value.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
