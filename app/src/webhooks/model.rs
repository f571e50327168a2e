//! What webhook server functions return.

use serde::{Deserialize, Serialize};

use domain::EventKind;

/// The newest delivery attempt, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub at: String,
    pub ok: bool,
    /// `HTTP 200`, `HTTP 503`, or why there was no answer.
    pub outcome: String,
    pub attempts: u32,
    pub event: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    /// Receivers need it to check signatures (HMAC keeps it in clear, see
    /// `domain::webhook`), but it is shown once, when the webhook is
    /// added: not to every later visitor of the page or of its screen.
    pub secret: Option<String>,
    pub created_at: String,
    pub last: Option<DeliveryRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub hooks: Vec<WebhookRow>,
    /// At the bound: the page says so instead of offering a form that fails.
    pub full: bool,
    pub max: usize,
}

/// The form field of an event's checkbox.
pub fn event_field(kind: EventKind) -> String {
    format!("events[{}]", kind.as_str())
}

/// "STATUS_CHANGED" reads "Status changed": derived from the wire name so
/// a new event kind appears on the form without a label to add.
pub fn event_name(kind: EventKind) -> String {
    let lower = kind.as_str().replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_read_as_words() {
        assert_eq!(event_name(EventKind::StatusChanged), "Status changed");
        assert_eq!(event_name(EventKind::Assigned), "Assigned");
        assert_eq!(event_field(EventKind::DueSoon), "events[DUE_SOON]");
    }
}
