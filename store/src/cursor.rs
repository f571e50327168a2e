//! Opaque pagination cursors.
//!
//! A cursor is the base64url JSON of the last key a page returned (the
//! DynamoDB `LastEvaluatedKey`, or its SQLite twin). It is opaque to
//! callers so the key design can change, and it is validated on the way
//! back in: a cursor must decode and must point into the very partition
//! being listed, so a tampered or cross-list cursor is
//! [`StoreError::InvalidCursor`] rather than a query over someone else's
//! data.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::keys::Index;
use crate::{Result, StoreError};

/// An opaque position in a list, safe to put in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// Wraps text received from a client; validated when used.
    pub fn from_string(s: impl Into<String>) -> Cursor {
        Cursor(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A position: the table key, plus the index key when listing an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Key {
    #[serde(rename = "p")]
    pub pk: String,
    #[serde(rename = "s")]
    pub sk: String,
    #[serde(rename = "ip", default, skip_serializing_if = "Option::is_none")]
    pub ipk: Option<String>,
    #[serde(rename = "is", default, skip_serializing_if = "Option::is_none")]
    pub isk: Option<String>,
}

/// What a cursor for one particular list must look like.
pub(crate) struct Expect<'a> {
    pub index: Index,
    /// The partition being listed (table PK or index PK).
    pub partition: &'a str,
    /// Prefix every table PK in this list has.
    pub pk_prefix: &'a str,
    /// Prefix every table SK in this list has.
    pub sk_prefix: &'a str,
}

impl Key {
    pub fn encode(&self) -> Cursor {
        encode_json(self)
    }

    pub fn decode(cursor: &Cursor, expect: &Expect<'_>) -> Result<Key> {
        let key: Key = decode_json(cursor)?;
        key.check(expect)?;
        Ok(key)
    }

    /// Whether this key points into the list `expect` describes.
    pub fn check(&self, expect: &Expect<'_>) -> Result<()> {
        let key = self;
        let partition_ok = match expect.index {
            Index::Table => key.pk == expect.partition && key.ipk.is_none() && key.isk.is_none(),
            _ => key.ipk.as_deref() == Some(expect.partition) && key.isk.is_some(),
        };
        if !partition_ok
            || !key.pk.starts_with(expect.pk_prefix)
            || !key.sk.starts_with(expect.sk_prefix)
        {
            return Err(StoreError::InvalidCursor);
        }
        Ok(())
    }
}

/// A cursor's JSON, for positions richer than one key.
pub(crate) fn encode_json<T: Serialize>(value: &T) -> Cursor {
    let json = serde_json::to_vec(value).expect("positions serialise");
    Cursor(URL_SAFE_NO_PAD.encode(json))
}

pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(cursor: &Cursor) -> Result<T> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| StoreError::InvalidCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect() -> Expect<'static> {
        Expect {
            index: Index::Gsi1,
            partition: "STATUS#OPEN",
            pk_prefix: "TASK#",
            sk_prefix: "METADATA",
        }
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let key = Key {
            pk: "TASK#1".into(),
            sk: "METADATA".into(),
            ipk: Some("STATUS#OPEN".into()),
            isk: Some("DUE#NONE#TASK#1".into()),
        };
        let c = key.encode();
        assert_eq!(Key::decode(&c, &expect()).unwrap(), key);
        for bad in ["", "!!!", "e30", &URL_SAFE_NO_PAD.encode(b"not json")] {
            assert!(matches!(
                Key::decode(&Cursor::from_string(bad), &expect()),
                Err(StoreError::InvalidCursor)
            ));
        }
        let other = Key {
            ipk: Some("STATUS#DONE".into()),
            ..key
        }
        .encode();
        assert!(matches!(
            Key::decode(&other, &expect()),
            Err(StoreError::InvalidCursor)
        ));
    }
}
