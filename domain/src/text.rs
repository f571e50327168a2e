//! Validated text values. Each rule lives in exactly one `parse`, and serde
//! deserialisation goes through it, so an invalid title cannot enter the
//! system through a form, a JSON body or a corrupted database row.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a piece of user input was rejected. Messages are written for end
/// users, since forms show them verbatim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} must be at most {max} characters (got {actual})")]
    TooLong {
        field: &'static str,
        max: usize,
        actual: usize,
    },
    #[error("{field} must not contain control characters")]
    ControlCharacter { field: &'static str },
    #[error("{field} is not valid: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
}

/// Shared rule: trim, require 1..=max characters (Unicode scalar values,
/// which is what users perceive as length closely enough and what the
/// browser's `maxlength` approximates).
fn bounded(
    field: &'static str,
    raw: &str,
    max: usize,
    allow_newlines: bool,
) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::Empty { field });
    }
    let actual = trimmed.chars().count();
    if actual > max {
        return Err(ValidationError::TooLong { field, max, actual });
    }
    let bad = |c: char| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'));
    if trimmed.chars().any(bad) {
        return Err(ValidationError::ControlCharacter { field });
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

text_type!(
    /// A task title: trimmed, 1–200 characters, one line.
    TaskTitle
);
text_type!(
    /// A task description: trimmed, at most 5,000 characters. A task holds
    /// `Option<Description>`; clearing it is `None`, never an empty string.
    Description
);
text_type!(
    /// An email address, trimmed and lowercased so that it can serve as a
    /// unique, sortable key (the team list is ordered by it).
    Email
);
text_type!(
    /// The name shown next to a user's tasks and comments: 1–100 characters.
    DisplayName
);
text_type!(
    /// A comment: trimmed, 1–5,000 characters, newlines allowed.
    CommentBody
);
text_type!(
    /// One checklist item: trimmed, 1–200 characters, one line.
    CheckText
);
text_type!(
    /// A label's name: trimmed, 1–40 characters, one line.
    LabelName
);
text_type!(
    /// A project's name: trimmed, 1–80 characters, one line.
    ProjectName
);

impl TaskTitle {
    pub const MAX: usize = 200;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("title", raw, Self::MAX, false).map(Self)
    }
}

impl Description {
    pub const MAX: usize = 5_000;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("description", raw, Self::MAX, true).map(Self)
    }
    /// For form input where an empty field means "no description".
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, ValidationError> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(raw).map(Some)
        }
    }
}

impl DisplayName {
    pub const MAX: usize = 100;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("display name", raw, Self::MAX, false).map(Self)
    }
}

impl CommentBody {
    pub const MAX: usize = 5_000;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("comment", raw, Self::MAX, true).map(Self)
    }
}

impl LabelName {
    pub const MAX: usize = 40;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("label name", raw, Self::MAX, false).map(Self)
    }
}

impl ProjectName {
    pub const MAX: usize = 80;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("project name", raw, Self::MAX, false).map(Self)
    }
}

impl CheckText {
    pub const MAX: usize = 200;
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("checklist item", raw, Self::MAX, false).map(Self)
    }
}

impl Email {
    /// RFC 5321 path limit.
    pub const MAX: usize = 254;
    /// A deliberately modest check (one `@`, a dotted domain, no spaces):
    /// the real proof of an address is the confirmation mail.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        const FIELD: &str = "email";
        let s = bounded(FIELD, raw, Self::MAX, false)?.to_lowercase();
        let invalid = |reason| ValidationError::Invalid {
            field: FIELD,
            reason,
        };
        if s.chars().any(char::is_whitespace) {
            return Err(invalid("it contains spaces"));
        }
        let (local, domain) = s.split_once('@').ok_or(invalid("it has no @"))?;
        if domain.contains('@') {
            return Err(invalid("it has more than one @"));
        }
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before @ must be 1-64 characters"));
        }
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if !domain.contains('.') || !labels_ok {
            return Err(invalid("the domain must look like example.com"));
        }
        Ok(Self(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(
            TaskTitle::parse("  Ship it \n").unwrap().as_str(),
            "Ship it"
        );
        assert_eq!(
            TaskTitle::parse("   ").unwrap_err(),
            ValidationError::Empty { field: "title" }
        );
        assert!(TaskTitle::parse(&"é".repeat(200)).is_ok());
        let err = TaskTitle::parse(&"x".repeat(201)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "title must be at most 200 characters (got 201)"
        );
        assert_eq!(
            TaskTitle::parse("a\nb").unwrap_err(),
            ValidationError::ControlCharacter { field: "title" }
        );
    }

    #[test]
    fn description_may_be_cleared_and_is_bounded() {
        assert_eq!(Description::parse_optional("  "), Ok(None));
        assert_eq!(
            Description::parse_optional("line 1\nline 2")
                .unwrap()
                .unwrap()
                .as_str(),
            "line 1\nline 2"
        );
        assert!(Description::parse(&"d".repeat(5000)).is_ok());
        assert!(matches!(
            Description::parse(&"d".repeat(5001)),
            Err(ValidationError::TooLong { max: 5000, .. })
        ));
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "", "ada", "ada@", "@x.io", "a@b", "a b@x.io", "a@@x.io", "a@x..io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn comment_and_display_name_rules() {
        assert!(CommentBody::parse("hi\nthere").is_ok());
        assert!(CommentBody::parse("").is_err());
        assert!(DisplayName::parse("Ada Lovelace").is_ok());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
    }

    #[test]
    fn serde_rejects_invalid_values() {
        let ok: TaskTitle = serde_json::from_str("\" fine \"").unwrap();
        assert_eq!(ok.as_str(), "fine");
        assert!(serde_json::from_str::<TaskTitle>("\"\"").is_err());
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_valid(s in any::<String>()) {
            if let Ok(t) = TaskTitle::parse(&s) {
                let n = t.as_str().chars().count();
                prop_assert!((1..=TaskTitle::MAX).contains(&n));
                prop_assert_eq!(t.as_str(), t.as_str().trim());
                // Parsing is idempotent: a valid value re-parses to itself.
                prop_assert_eq!(TaskTitle::parse(t.as_str()), Ok(t.clone()));
            }
            if let Ok(d) = Description::parse(&s) {
                prop_assert!(d.as_str().chars().count() <= Description::MAX);
            }
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            }
            let _ = DisplayName::parse(&s);
            let _ = CommentBody::parse(&s);
        }

        #[test]
        fn long_inputs_are_rejected_not_truncated(n in 201usize..2000) {
            let s = "t".repeat(n);
            let too_long = matches!(
                TaskTitle::parse(&s),
                Err(ValidationError::TooLong { actual, .. }) if actual == n
            );
            prop_assert!(too_long);
        }
    }
}
