//! Webhook rows from stored webhooks.

use domain::Webhook;

use super::model::{event_name, DeliveryRow, WebhookRow};

fn when(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// `just_added` is the secret handed over by the webhook's creation: the
/// row of the webhook it belongs to shows it.
pub fn row(h: &Webhook, just_added: Option<&str>) -> WebhookRow {
    WebhookRow {
        id: h.id.to_string(),
        url: h.url.to_string(),
        events: h.events.iter().map(|k| event_name(*k)).collect(),
        secret: (just_added == Some(h.secret.as_str())).then(|| h.secret.clone()),
        created_at: when(h.created_at),
        last: h.last_delivery.as_ref().map(|d| DeliveryRow {
            at: when(d.at),
            ok: d.ok(),
            outcome: match (&d.error, d.http_status) {
                (None, Some(s)) => format!("HTTP {s}"),
                (Some(e), _) => e.clone(),
                (None, None) => "Delivered".into(),
            },
            attempts: d.attempts,
            event: event_name(d.event),
        }),
    }
}
