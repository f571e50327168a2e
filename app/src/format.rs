//! How the server writes dates and times for people: view models carry the
//! finished text, so the browser bundle needs no date formatting.

use time::OffsetDateTime;

/// Timestamps as people read them; UTC, because the server does not know
/// the reader's zone and a wrong local time is worse than a labelled one.
pub fn when(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `YYYY-MM-DD`, as date inputs and the store write it.
pub fn date_text(d: time::Date) -> String {
    store::keys::date_text(d)
}
