//! `GET /calendar/<token>.ics`: a person's tasks as an iCalendar feed.
//!
//! Calendar apps fetch it without cookies, so the secret token in the path
//! is the credential: its SHA-256 finds the owner in one GetItem, then one
//! GetItem of their profile (deactivated people, revoked or replaced tokens
//! answer the same 404), then one Query per 500 tasks. Nothing else about
//! the request matters, so the answer is the same for everyone who holds
//! the URL.
//!
//! The serializer is written here rather than taken from the `icalendar`
//! crate, which builds on `chrono` while everything else uses `time`: a
//! feed of all-day events needs only escaping and folding (RFC 5545 3.3.11
//! and 3.1), tested below and parsed by Python's `icalendar` in the HTTP
//! tests.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{Role, Status, TaskId, TaskTitle};
use store::{PageRequest, StoreError};
use time::{Date, Duration, OffsetDateTime};

use crate::error::AppError;
use crate::ssr::ServerContext;

/// At most this many events a feed, so one URL cannot make the server page
/// through an unbounded table on every poll.
pub const MAX_EVENTS: usize = 1000;
/// Done tasks stay in a person's feed this long after they were finished.
pub const DONE_DAYS: i64 = 30;

/// One task as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedTask {
    pub id: TaskId,
    pub title: TaskTitle,
    pub status: Status,
    pub due: Date,
    pub version: u64,
    pub updated_at: Option<OffsetDateTime>,
}

impl FeedTask {
    /// A list row as an event; `None` for an undated task.
    fn of(t: &domain::TaskSummary) -> Option<FeedTask> {
        Some(FeedTask {
            id: t.id,
            title: t.title.clone(),
            status: t.status,
            due: t.due?,
            version: t.version,
            updated_at: t.updated_at,
        })
    }
}

/// The feed's URL for `token` under the public origin.
pub fn feed_url(origin: &str, token: &str) -> String {
    format!("{}/calendar/{token}.ics", origin.trim_end_matches('/'))
}

/// Escapes a TEXT value (RFC 5545 3.3.11): backslash, `;`, `,` and line
/// breaks; other control characters cannot appear in a value and go.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so no line is over 75 octets (RFC 5545
/// 3.1), never inside a UTF-8 sequence.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn day(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The calendar: one all-day VEVENT per task on its due date. Its UID is
/// the task's, so an app updates the event when the task changes, and
/// SEQUENCE is the task's version, so the newer copy wins. VEVENT's STATUS
/// has no "done" (COMPLETED belongs to VTODO, which few calendar apps
/// show), so the task's status is a category and a done task does not
/// block time.
pub fn ics(name: &str, origin: &str, tasks: &[FeedTask], now: OffsetDateTime) -> String {
    let host = origin
        .split_once("://")
        .map_or(origin, |(_, h)| h)
        .trim_end_matches('/');
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//tasklane//calendar feed//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    for t in tasks {
        let changed = stamp(t.updated_at.unwrap_or(now));
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:task-{}@{host}", t.id));
        line(&mut out, &format!("DTSTAMP:{changed}"));
        line(&mut out, &format!("LAST-MODIFIED:{changed}"));
        line(&mut out, &format!("SEQUENCE:{}", t.version));
        line(&mut out, &format!("DTSTART;VALUE=DATE:{}", day(t.due)));
        let end = t.due.next_day().unwrap_or(t.due);
        line(&mut out, &format!("DTEND;VALUE=DATE:{}", day(end)));
        line(&mut out, &format!("SUMMARY:{}", text(t.title.as_str())));
        line(
            &mut out,
            &format!("URL:{}/tasks/{}", origin.trim_end_matches('/'), t.id),
        );
        line(&mut out, "STATUS:CONFIRMED");
        line(&mut out, &format!("CATEGORIES:{}", text(t.status.label())));
        if t.status == Status::Done {
            line(&mut out, "TRANSP:TRANSPARENT");
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// Whether a path segment can be a token at all (what
/// `auth::new_refresh_token` makes: 43 base64url characters), so junk is
/// turned away before any read.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "Not found",
    )
        .into_response()
}

/// `GET /calendar/{file}`; `file` is `<token>.ics`.
pub async fn feed(ctx: ServerContext, origin: String, file: String) -> Response {
    let Some(token) = file.strip_suffix(".ics").filter(|t| well_formed(t)) else {
        return not_found();
    };
    match body(&ctx, &origin, &auth::refresh_token_hash(token)).await {
        Ok(Some(body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, "no-store")],
                "Something went wrong",
            )
                .into_response()
        }
    }
}

async fn body(ctx: &ServerContext, origin: &str, hash: &str) -> Result<Option<String>, AppError> {
    let store = ctx.store.as_ref();
    let owner = match store.calendar_feed_owner(hash).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let me = match store.get_profile(owner).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(feed) = me.calendar_feed.as_ref().filter(|f| f.token_hash == hash) else {
        return Ok(None);
    };
    if !me.active {
        return Ok(None);
    }
    let now = OffsetDateTime::now_utc();
    let mut tasks = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    // A demoted admin's "all tasks" feed narrows to their own at once.
    if feed.all_tasks && me.role == Role::Admin {
        let far = time::macros::date!(9999 - 12 - 31);
        loop {
            let p = store.list_open_tasks_due_before(far, page).await?;
            tasks.extend(p.items.iter().filter_map(|t| FeedTask::of(&t.summary())));
            match p.next {
                Some(c) if tasks.len() < MAX_EVENTS => page = PageRequest::after(500, c),
                _ => break,
            }
        }
    } else {
        let done_since = now - Duration::days(DONE_DAYS);
        loop {
            let p = store.list_tasks_for_user(me.id, page).await?;
            tasks.extend(p.items.iter().filter_map(|t| {
                let recent = t.updated_at.is_some_and(|u| u >= done_since);
                (t.status.is_open() || recent).then_some(())?;
                FeedTask::of(t)
            }));
            match p.next {
                Some(c) if tasks.len() < MAX_EVENTS => page = PageRequest::after(500, c),
                _ => break,
            }
        }
    }
    tasks.truncate(MAX_EVENTS);
    let name = format!("tasklane · {}", me.display_name.as_str());
    Ok(Some(ics(&name, origin, &tasks, now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn text_is_escaped_and_lines_fold_at_75_octets() {
        assert_eq!(
            text("a\\b;c,d\r\ne\nf\rg\u{7}"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng"
        );
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l:?}", l.len());
        }
        let unfolded = out.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn one_all_day_event_per_task_with_stable_uid() {
        let id = TaskId::parse("0190a1b2-0000-7000-8000-000000000001").unwrap();
        let t = FeedTask {
            id,
            title: TaskTitle::parse("Ship; it, now\\").unwrap(),
            status: Status::Done,
            due: date!(2026 - 12 - 31),
            version: 7,
            updated_at: Some(datetime!(2026-12-01 10:20:30 UTC)),
        };
        let out = ics(
            "Ada",
            "https://tasks.example.com:8443",
            &[t],
            OffsetDateTime::UNIX_EPOCH,
        );
        for want in [
            format!("UID:task-{id}@tasks.example.com\r\n"),
            "DTSTART;VALUE=DATE:20261231\r\n".into(),
            "DTEND;VALUE=DATE:20270101\r\n".into(),
            "SEQUENCE:7\r\n".into(),
            "DTSTAMP:20261201T102030Z\r\n".into(),
            "SUMMARY:Ship\\; it\\, now\\\\\r\n".into(),
            "TRANSP:TRANSPARENT\r\n".into(),
        ] {
            assert!(out.contains(&want), "{want:?} missing in {out}");
        }
        assert!(out.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(out.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let (token, _) = auth::new_refresh_token();
        assert!(well_formed(&token));
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}/", &token[..42])));
    }
}
