//! Identifiers are distinct types so a `UserId` can never be passed where a
//! `TaskId` is expected. They wrap UUIDs but are minted by `store` (uuid v7,
//! time-ordered), keeping randomness out of this crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An id string that is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: expected a UUID")]
pub struct ParseIdError {
    /// Which id was being parsed, for the message.
    pub kind: &'static str,
}

macro_rules! id_type {
    ($name:ident, $label:literal) => {
        #[doc = concat!("Identifier of a ", $label, ".")]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (minted by the store, or read back).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            /// Parses the hyphenated text form, as found in URLs and keys.
            pub fn parse(s: &str) -> Result<Self, ParseIdError> {
                Uuid::try_parse(s.trim())
                    .map(Self)
                    .map_err(|_| ParseIdError { kind: $label })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Lowercase hyphenated: lexicographic order equals time order
                // for v7 ids, which the store's sort keys rely on.
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

id_type!(TaskId, "task id");
id_type!(UserId, "user id");
id_type!(CommentId, "comment id");
id_type!(NotificationId, "notification id");
id_type!(LabelId, "label id");
id_type!(WebhookId, "webhook id");
id_type!(ProjectId, "project id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = TaskId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
        assert_eq!(TaskId::parse(&id.to_string()), Ok(id));
        assert_eq!(id.to_string(), "01900000-0000-7000-8000-000000000001");
    }

    #[test]
    fn rejects_garbage_with_kind_in_message() {
        let err = UserId::parse("nope").unwrap_err();
        assert_eq!(err.to_string(), "invalid user id: expected a UUID");
    }
}
