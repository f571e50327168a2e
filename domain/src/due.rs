//! Due dates: when a task is late, when it is due soon, and how a date
//! typed into a form becomes one.
//!
//! The board's cards and filter, the task page, the dashboard, the home
//! page and the reminders all ask these questions; answering them from one
//! rule ([`crate::agenda::urgency`]) means a task the board shows as
//! overdue is exactly one the dashboard counts, the home page lists and the
//! reminder run mails about. Today's date is always passed in: this crate
//! reads no clock.

use time::Date;

use crate::agenda::{due_soon_through, urgency, Urgency};
use crate::model::{Status, Task, TaskSummary};
use crate::text::ValidationError;

/// Overdue: due before today and not done. Done work is never late, and a
/// task due today is not late yet. (The home page's [`urgency`] is the
/// rule; this is its yes-or-no form.)
pub fn is_overdue(due: Option<Date>, status: Status, today: Date) -> bool {
    urgency(status, due, today) == Some(Urgency::Overdue)
}

/// Due today or within the next seven days ([`due_soon_through`]),
/// whatever the status: the board's "Within 7 days" filter; the dashboard
/// and the home page count the open ones.
pub fn is_due_this_week(due: Option<Date>, today: Date) -> bool {
    due.is_some_and(|d| d >= today && d <= due_soon_through(today))
}

/// A due date as a date input sends it: `YYYY-MM-DD`, or empty for none.
pub fn parse_due(raw: &str) -> Result<Option<Date>, ValidationError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &fmt)
        .map(Some)
        .map_err(|_| ValidationError::Invalid {
            field: "due date",
            reason: "use a date like 2026-12-31",
        })
}

impl Task {
    pub fn is_overdue(&self, today: Date) -> bool {
        is_overdue(self.due, self.status, today)
    }
}

impl TaskSummary {
    pub fn is_overdue(&self, today: Date) -> bool {
        is_overdue(self.due, self.status, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;
    use time::Duration;

    fn any_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL)
    }

    fn any_date() -> impl Strategy<Value = Date> {
        // Whole years around now, and the calendar's ends.
        prop_oneof![
            (0i32..(366 * 40)).prop_map(|n| date!(2000 - 01 - 01) + Duration::days(n.into())),
            Just(Date::MIN),
            Just(Date::MAX),
        ]
    }

    #[test]
    fn examples() {
        let today = date!(2026 - 03 - 10);
        assert!(is_overdue(Some(date!(2026 - 03 - 09)), Status::Open, today));
        assert!(is_overdue(
            Some(date!(2026 - 03 - 09)),
            Status::Blocked,
            today
        ));
        assert!(!is_overdue(
            Some(date!(2026 - 03 - 10)),
            Status::Open,
            today
        ));
        assert!(!is_overdue(
            Some(date!(2026 - 03 - 09)),
            Status::Done,
            today
        ));
        assert!(!is_overdue(None, Status::Open, today));
        assert!(is_due_this_week(Some(today), today));
        assert!(is_due_this_week(Some(date!(2026 - 03 - 17)), today));
        assert!(!is_due_this_week(Some(date!(2026 - 03 - 18)), today));
        assert!(!is_due_this_week(Some(date!(2026 - 03 - 09)), today));
        assert!(is_due_this_week(Some(Date::MAX), Date::MAX));
    }

    #[test]
    fn form_dates() {
        assert_eq!(parse_due(" "), Ok(None));
        assert_eq!(parse_due("2026-12-31"), Ok(Some(date!(2026 - 12 - 31))));
        for bad in ["2026-02-31", "31/12/2026", "tomorrow", "2026-1-1x"] {
            let err = parse_due(bad).unwrap_err();
            assert!(err.to_string().starts_with("due date"), "{bad}: {err}");
        }
    }

    proptest! {
        #[test]
        fn overdue_is_open_and_past(due in prop::option::of(any_date()), s in any_status(), today in any_date()) {
            prop_assert_eq!(
                is_overdue(due, s, today),
                s != Status::Done && matches!(due, Some(d) if d < today)
            );
            // Overdue and due this week never hold together.
            prop_assert!(!(is_overdue(due, s, today) && is_due_this_week(due, today)));
        }

        #[test]
        fn late_stays_late_until_done(due in any_date(), s in any_status(), today in any_date(), later in 0i64..800) {
            if let Some(after) = today.checked_add(Duration::days(later)) {
                if is_overdue(Some(due), s, today) {
                    prop_assert!(is_overdue(Some(due), s, after));
                }
            }
            prop_assert!(!is_overdue(Some(due), Status::Done, today));
        }

        #[test]
        fn a_week_is_eight_days_from_today(today in any_date(), ahead in -30i64..30) {
            if let Some(d) = today.checked_add(Duration::days(ahead)) {
                prop_assert_eq!(is_due_this_week(Some(d), today), (0..=7).contains(&ahead));
            }
        }

        #[test]
        fn parse_due_never_panics_and_round_trips(s in any::<String>(), d in any_date()) {
            let _ = parse_due(&s);
            if (0..=9999).contains(&d.year()) {
                let text = format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
                prop_assert_eq!(parse_due(&text), Ok(Some(d)));
            }
        }
    }
}
