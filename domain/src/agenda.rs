//! What a person's home page calls overdue, due soon and newly assigned.
//!
//! One definition, here, because three places must agree on it: the store
//! keys that make each list one indexed query, the server function that
//! picks the bounds of those queries, and the sentence on the page that
//! tells the reader what the list means. Pure: the caller passes today's
//! date and the current instant.

use time::{Date, Duration, OffsetDateTime};

use crate::model::Status;

/// How far ahead "due soon" looks: today and the next seven days, the same
/// window as the board's "due within 7 days" filter and the dashboard's
/// "due this week", so the home page and those screens count alike.
pub const DUE_SOON_DAYS: i64 = 7;

/// How long an assignment stays "new". A week covers a weekend and a few
/// days off, and the list stays short enough to read at a glance.
pub const NEWLY_ASSIGNED_DAYS: i64 = 7;

/// Where an open task stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Due before today.
    Overdue,
    /// Due today or within [`DUE_SOON_DAYS`] days after it.
    DueSoon,
    /// Due later than that.
    Later,
}

/// `None` for a task that needs no attention by date: done or undated.
pub fn urgency(status: Status, due: Option<Date>, today: Date) -> Option<Urgency> {
    let due = due.filter(|_| status.is_open())?;
    Some(if due < today {
        Urgency::Overdue
    } else if due <= due_soon_through(today) {
        Urgency::DueSoon
    } else {
        Urgency::Later
    })
}

/// The last day "due soon" covers (inclusive).
pub fn due_soon_through(today: Date) -> Date {
    today.saturating_add(Duration::days(DUE_SOON_DAYS))
}

/// The earliest assignment time that still counts as new at `now`.
pub fn newly_assigned_since(now: OffsetDateTime) -> OffsetDateTime {
    now.saturating_sub(Duration::days(NEWLY_ASSIGNED_DAYS))
}

/// Whether an assignment made at `assigned_at` is new at `now`: recent, and
/// the task still needs work (a task already finished is not news). An
/// unknown assignment time (assignments recorded before the time was kept)
/// is never new.
pub fn is_newly_assigned(
    status: Status,
    assigned_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> bool {
    status.is_open() && assigned_at.is_some_and(|at| at >= newly_assigned_since(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const TODAY: Date = date!(2026 - 03 - 10);

    #[test]
    fn overdue_is_before_today_and_open() {
        let yesterday = date!(2026 - 03 - 09);
        assert_eq!(
            urgency(Status::Open, Some(yesterday), TODAY),
            Some(Urgency::Overdue)
        );
        assert_eq!(
            urgency(Status::Blocked, Some(date!(2020 - 01 - 01)), TODAY),
            Some(Urgency::Overdue)
        );
        assert_eq!(urgency(Status::Done, Some(yesterday), TODAY), None);
        assert_eq!(urgency(Status::Open, None, TODAY), None);
    }

    #[test]
    fn due_soon_is_today_through_seven_days_on() {
        assert_eq!(due_soon_through(TODAY), date!(2026 - 03 - 17));
        for (due, want) in [
            (TODAY, Urgency::DueSoon),
            (date!(2026 - 03 - 11), Urgency::DueSoon),
            (date!(2026 - 03 - 17), Urgency::DueSoon),
            (date!(2026 - 03 - 18), Urgency::Later),
        ] {
            assert_eq!(
                urgency(Status::InReview, Some(due), TODAY),
                Some(want),
                "{due}"
            );
        }
        assert_eq!(urgency(Status::Done, Some(TODAY), TODAY), None);
    }

    #[test]
    fn the_window_does_not_overflow_at_the_end_of_time() {
        assert_eq!(due_soon_through(Date::MAX), Date::MAX);
        assert_eq!(
            urgency(Status::Open, Some(Date::MAX), Date::MAX),
            Some(Urgency::DueSoon)
        );
    }

    #[test]
    fn newly_assigned_is_the_last_seven_days_of_open_work() {
        let now = datetime!(2026-03-10 12:00 UTC);
        assert_eq!(newly_assigned_since(now), datetime!(2026-03-03 12:00 UTC));
        let cases = [
            (Some(now), Status::Open, true),
            (
                Some(datetime!(2026-03-03 12:00 UTC)),
                Status::InProgress,
                true,
            ),
            (Some(datetime!(2026-03-03 11:59 UTC)), Status::Open, false),
            (Some(datetime!(2026-03-09 09:00 UTC)), Status::Done, false),
            // Another server's clock may run a little ahead of ours.
            (Some(datetime!(2026-03-10 12:00:01 UTC)), Status::Open, true),
            (None, Status::Open, false),
        ];
        for (at, status, want) in cases {
            assert_eq!(is_newly_assigned(status, at, now), want, "{at:?} {status}");
        }
    }
}
