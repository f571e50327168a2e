//! Repeating tasks: every N days, weeks (on chosen weekdays), months or
//! years. Finishing one creates the next occurrence, due on the next date of
//! the series after the finished one's due date (never "today + N", so a
//! task finished late does not shift the series).
//!
//! A series is anchored at a date (the due date when the rule was set or
//! the due date last changed): monthly and yearly occurrences keep the
//! anchor's day of month, clamped to short months, so "every month on the
//! 31st" gives Jan 31, Feb 28, Mar 31 rather than drifting to the 28th, and
//! "every year on 29 February" gives Feb 28 in common years and Feb 29 in
//! leap years. Weekly series count weeks from the anchor's week.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

use crate::model::ParseEnumError;

use crate::text::ValidationError;

wire_enum!(
    /// The unit a series repeats in.
    RepeatUnit, "repeat unit" {
        Days => "DAYS",
        Weeks => "WEEKS",
        Months => "MONTHS",
        Years => "YEARS",
    }
);

impl RepeatUnit {
    /// The largest "every N" accepted: a year's worth in each unit (ten
    /// years for yearly), which covers real schedules and bounds the search.
    pub const fn max_every(self) -> u16 {
        match self {
            RepeatUnit::Days => 366,
            RepeatUnit::Weeks => 52,
            RepeatUnit::Months => 12,
            RepeatUnit::Years => 10,
        }
    }

    /// "week" for "every week" / "every 2 weeks".
    pub const fn noun(self) -> &'static str {
        match self {
            RepeatUnit::Days => "day",
            RepeatUnit::Weeks => "week",
            RepeatUnit::Months => "month",
            RepeatUnit::Years => "year",
        }
    }
}

/// A set of weekdays as bits, Monday = bit 0, on the wire as a number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Weekdays(u8);

impl Weekdays {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    pub fn of(days: impl IntoIterator<Item = Weekday>) -> Weekdays {
        Weekdays(
            days.into_iter()
                .fold(0, |b, d| b | 1 << d.number_days_from_monday()),
        )
    }

    pub fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.number_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 & 0x7f == 0
    }

    pub fn days(self) -> impl Iterator<Item = Weekday> {
        Self::ALL.into_iter().filter(move |d| self.contains(*d))
    }
}

/// A validated repetition rule. Build it with [`Recurrence::new`]; serde
/// goes through the same checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRecurrence", into = "RawRecurrence")]
pub struct Recurrence {
    every: u16,
    unit: RepeatUnit,
    weekdays: Weekdays,
    anchor: Date,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecurrence {
    every: u16,
    unit: RepeatUnit,
    #[serde(default)]
    weekdays: Weekdays,
    #[serde(with = "crate::serde_fmt::date")]
    anchor: Date,
}

impl TryFrom<RawRecurrence> for Recurrence {
    type Error = ValidationError;
    fn try_from(r: RawRecurrence) -> Result<Self, Self::Error> {
        Recurrence::new(r.every, r.unit, r.weekdays, r.anchor)
    }
}

impl From<Recurrence> for RawRecurrence {
    fn from(r: Recurrence) -> Self {
        RawRecurrence {
            every: r.every,
            unit: r.unit,
            weekdays: r.weekdays,
            anchor: r.anchor,
        }
    }
}

/// The rule a form chooses, before it is tied to a date: every `every`
/// `unit`s, on `weekdays` for weekly series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatRule {
    every: u16,
    unit: RepeatUnit,
    weekdays: Weekdays,
}

impl RepeatRule {
    /// Weekdays apply to weekly series only and are refused elsewhere, so a
    /// stored rule never carries a setting it ignores.
    pub fn new(every: u16, unit: RepeatUnit, weekdays: Weekdays) -> Result<Self, ValidationError> {
        if every == 0 || every > unit.max_every() {
            return Err(ValidationError::Invalid {
                field: "repeat",
                reason: match unit {
                    RepeatUnit::Days => "every N days takes N from 1 to 366",
                    RepeatUnit::Weeks => "every N weeks takes N from 1 to 52",
                    RepeatUnit::Months => "every N months takes N from 1 to 12",
                    RepeatUnit::Years => "every N years takes N from 1 to 10",
                },
            });
        }
        if unit != RepeatUnit::Weeks && !weekdays.is_empty() {
            return Err(ValidationError::Invalid {
                field: "repeat",
                reason: "weekdays apply only to weekly repeats",
            });
        }
        Ok(RepeatRule {
            every,
            unit,
            weekdays: Weekdays(weekdays.0 & 0x7f),
        })
    }

    /// The rule a task form submits: `unit` a wire name or empty for "does
    /// not repeat", `every` a number or empty for 1, `weekdays` Monday = 0.
    /// A form cannot hide its weekday boxes without script, so ticked days
    /// are ignored for other units rather than refused.
    pub fn from_form(
        unit: &str,
        every: &str,
        weekdays: &[u8],
    ) -> Result<Option<Self>, ValidationError> {
        let invalid = |reason| ValidationError::Invalid {
            field: "repeat",
            reason,
        };
        if unit.trim().is_empty() {
            return Ok(None);
        }
        let unit: RepeatUnit = unit
            .trim()
            .parse()
            .map_err(|_| invalid("choose days, weeks, months or years"))?;
        let every = match every.trim() {
            "" => 1,
            n => n
                .parse()
                .map_err(|_| invalid("every N takes a whole number"))?,
        };
        let days = weekdays
            .iter()
            .map(|d| Weekdays::ALL.get(usize::from(*d)).copied())
            .collect::<Option<Vec<_>>>()
            .ok_or(invalid("a weekday is not one of Monday to Sunday"))?;
        let days = if unit == RepeatUnit::Weeks {
            days
        } else {
            Vec::new()
        };
        RepeatRule::new(every, unit, Weekdays::of(days)).map(Some)
    }

    /// The series of this rule from `anchor`; a weekly rule without
    /// weekdays repeats on the anchor's.
    pub fn starting(self, anchor: Date) -> Recurrence {
        let weekdays = if self.unit == RepeatUnit::Weeks && self.weekdays.is_empty() {
            Weekdays::of([anchor.weekday()])
        } else {
            self.weekdays
        };
        Recurrence {
            every: self.every,
            unit: self.unit,
            weekdays,
            anchor,
        }
    }
}

impl Recurrence {
    pub fn new(
        every: u16,
        unit: RepeatUnit,
        weekdays: Weekdays,
        anchor: Date,
    ) -> Result<Recurrence, ValidationError> {
        Ok(RepeatRule::new(every, unit, weekdays)?.starting(anchor))
    }

    pub fn every(&self) -> u16 {
        self.every
    }
    pub fn unit(&self) -> RepeatUnit {
        self.unit
    }
    pub fn weekdays(&self) -> Weekdays {
        self.weekdays
    }
    pub fn anchor(&self) -> Date {
        self.anchor
    }

    /// The same rule anchored at another date (the due date was changed).
    pub fn anchored_at(&self, anchor: Date) -> Recurrence {
        Recurrence { anchor, ..*self }
    }

    /// Whether `rule` describes this series (so an edit form that submits
    /// it unchanged keeps the series' anchor).
    pub fn follows(&self, rule: RepeatRule) -> bool {
        rule.starting(self.anchor) == *self
    }

    /// The first date of the series strictly after `after`; `None` only
    /// past the calendar's end (year 9999).
    pub fn next_after(&self, after: Date) -> Option<Date> {
        // The anchor is the series' first date (a task's due date, even on a
        // weekday the rule does not name).
        if after < self.anchor {
            return Some(self.anchor);
        }
        match self.unit {
            RepeatUnit::Days => {
                let n = i64::from(self.every);
                // The smallest k with anchor + k·n > after.
                let k = (after - self.anchor).whole_days() / n + 1;
                self.anchor.checked_add(Duration::days(k * n))
            }
            RepeatUnit::Weeks => {
                let start = monday(self.anchor);
                let mut d = after.next_day()?;
                // Within `every` + 1 weeks some chosen day of a counted week
                // comes up, since the set is never empty.
                for _ in 0..7 * (i64::from(self.every) + 1) {
                    let weeks = (monday(d) - start).whole_days() / 7;
                    if weeks >= 0
                        && weeks % i64::from(self.every) == 0
                        && self.weekdays.contains(d.weekday())
                    {
                        return Some(d);
                    }
                    d = d.next_day()?;
                }
                None
            }
            RepeatUnit::Months => self.next_month_after(after, i64::from(self.every)),
            RepeatUnit::Years => self.next_month_after(after, 12 * i64::from(self.every)),
        }
    }

    fn next_month_after(&self, after: Date, step: i64) -> Option<Date> {
        let index = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month() as u8) - 1;
        let first = (index(after) - index(self.anchor)) / step;
        (first..first + 3)
            .filter_map(|k| self.month_occurrence(index(self.anchor) + k * step))
            .find(|d| *d > after)
    }

    /// The anchor's day in the month with index `m` (year·12 + month − 1),
    /// clamped to that month's length.
    fn month_occurrence(&self, m: i64) -> Option<Date> {
        let year = i32::try_from(m.div_euclid(12)).ok()?;
        let month = Month::try_from(u8::try_from(m.rem_euclid(12) + 1).ok()?).ok()?;
        let day = self.anchor.day().min(month.length(year));
        Date::from_calendar_date(year, month, day).ok()
    }

    /// "Every 2 weeks on Mon, Thu", for pages and emails.
    pub fn describe(&self) -> String {
        let unit = self.unit.noun();
        let mut s = if self.every == 1 {
            format!("Every {unit}")
        } else {
            format!("Every {} {unit}s", self.every)
        };
        if self.unit == RepeatUnit::Weeks {
            let days: Vec<_> = self.weekdays.days().map(weekday_short).collect();
            s.push_str(" on ");
            s.push_str(&days.join(", "));
        }
        s
    }
}

fn monday(d: Date) -> Date {
    d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
}

pub fn weekday_short(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

/// A repeating task needs a due date: the series is a sequence of dates.
pub fn check_recurrence(
    due: Option<Date>,
    repeat: Option<RepeatRule>,
) -> Result<(), ValidationError> {
    match (due, repeat) {
        (None, Some(_)) => Err(ValidationError::Invalid {
            field: "repeat",
            reason: "a repeating task needs a due date",
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;
    use Weekday::*;

    fn rule(every: u16, unit: RepeatUnit, days: &[Weekday], anchor: Date) -> Recurrence {
        Recurrence::new(every, unit, Weekdays::of(days.iter().copied()), anchor).unwrap()
    }

    /// The series from its anchor: each occurrence the next after the last.
    fn series(r: &Recurrence, n: usize) -> Vec<Date> {
        let mut out = vec![r.anchor()];
        while out.len() < n {
            out.push(r.next_after(*out.last().unwrap()).unwrap());
        }
        out
    }

    #[test]
    fn monthly_on_the_31st_clamps_and_comes_back() {
        let r = rule(1, RepeatUnit::Months, &[], date!(2027 - 01 - 31));
        assert_eq!(
            series(&r, 5),
            [
                date!(2027 - 01 - 31),
                date!(2027 - 02 - 28),
                date!(2027 - 03 - 31),
                date!(2027 - 04 - 30),
                date!(2027 - 05 - 31)
            ]
        );
    }

    #[test]
    fn yearly_on_29_february_is_the_28th_in_common_years() {
        let r = rule(1, RepeatUnit::Years, &[], date!(2028 - 02 - 29));
        assert_eq!(
            series(&r, 6),
            [
                date!(2028 - 02 - 29),
                date!(2029 - 02 - 28),
                date!(2030 - 02 - 28),
                date!(2031 - 02 - 28),
                date!(2032 - 02 - 29),
                date!(2033 - 02 - 28)
            ]
        );
    }

    #[test]
    fn weekday_sets_cross_week_ends_and_skip_uncounted_weeks() {
        // 2027-01-06 is a Wednesday. Every 2 weeks on Mon, Wed, Sun.
        let r = rule(
            2,
            RepeatUnit::Weeks,
            &[Monday, Wednesday, Sunday],
            date!(2027 - 01 - 06),
        );
        assert_eq!(
            series(&r, 6),
            [
                date!(2027 - 01 - 06), // Wed, week 0
                date!(2027 - 01 - 10), // Sun, week 0
                date!(2027 - 01 - 18), // Mon, week 2 (week 1 skipped)
                date!(2027 - 01 - 20), // Wed
                date!(2027 - 01 - 24), // Sun
                date!(2027 - 02 - 01), // Mon, week 4
            ]
        );
        // No weekday chosen: the anchor's own.
        let plain = rule(1, RepeatUnit::Weeks, &[], date!(2027 - 01 - 06));
        assert_eq!(
            plain.next_after(date!(2027 - 01 - 06)),
            Some(date!(2027 - 01 - 13))
        );
    }

    #[test]
    fn a_late_finish_follows_the_due_date_not_today() {
        // Due on the 1st, finished on the 20th: the next is the 8th, from
        // the due date, even though that is already past.
        let r = rule(1, RepeatUnit::Weeks, &[], date!(2027 - 03 - 01));
        assert_eq!(
            r.next_after(date!(2027 - 03 - 01)),
            Some(date!(2027 - 03 - 08))
        );
        let d = rule(3, RepeatUnit::Days, &[], date!(2027 - 03 - 01));
        assert_eq!(
            d.next_after(date!(2027 - 03 - 01)),
            Some(date!(2027 - 03 - 04))
        );
        assert_eq!(
            d.next_after(date!(2027 - 03 - 05)),
            Some(date!(2027 - 03 - 07))
        );
    }

    #[test]
    fn rules_are_validated_on_forms_and_on_stored_json() {
        let a = date!(2027 - 01 - 01);
        assert!(Recurrence::new(0, RepeatUnit::Days, Weekdays::default(), a).is_err());
        assert!(Recurrence::new(13, RepeatUnit::Months, Weekdays::default(), a).is_err());
        assert!(Recurrence::new(1, RepeatUnit::Days, Weekdays::of([Monday]), a).is_err());
        let bad = serde_json::json!({"every": 0, "unit": "DAYS", "anchor": "2027-01-01"});
        assert!(serde_json::from_value::<Recurrence>(bad).is_err());
        let good = rule(2, RepeatUnit::Weeks, &[Friday, Monday], a);
        let back: Recurrence = serde_json::from_value(serde_json::to_value(good).unwrap()).unwrap();
        assert_eq!(back, good);
        assert_eq!(good.describe(), "Every 2 weeks on Mon, Fri");
        let weekly = RepeatRule::new(1, RepeatUnit::Weeks, Weekdays::default()).unwrap();
        assert!(check_recurrence(None, Some(weekly)).is_err());
        assert_eq!(check_recurrence(Some(a), Some(weekly)), Ok(()));
        assert_eq!(check_recurrence(None, None), Ok(()));
        assert!(good.follows(
            RepeatRule::new(2, RepeatUnit::Weeks, Weekdays::of([Monday, Friday])).unwrap()
        ));
        assert!(!good.follows(weekly));
    }

    #[test]
    fn forms_parse_to_rules_or_clear_errors() {
        assert_eq!(RepeatRule::from_form("", "5", &[1]), Ok(None));
        let weekly = RepeatRule::from_form("WEEKS", "", &[0, 3])
            .unwrap()
            .unwrap();
        assert_eq!(
            weekly,
            RepeatRule::new(1, RepeatUnit::Weeks, Weekdays::of([Monday, Thursday])).unwrap()
        );
        assert_eq!(
            RepeatRule::from_form("MONTHS", " 2 ", &[2])
                .unwrap()
                .unwrap(),
            RepeatRule::new(2, RepeatUnit::Months, Weekdays::default()).unwrap()
        );
        for (unit, every, days) in [
            ("HOURS", "1", &[][..]),
            ("DAYS", "-1", &[]),
            ("DAYS", "1e3", &[]),
            ("DAYS", "0", &[]),
            ("WEEKS", "1", &[7]),
        ] {
            assert!(
                RepeatRule::from_form(unit, every, days).is_err(),
                "{unit} {every} {days:?}"
            );
        }
    }

    #[test]
    fn the_end_of_the_calendar_is_none_not_a_panic() {
        let r = rule(10, RepeatUnit::Years, &[], date!(9995 - 06 - 01));
        assert_eq!(r.next_after(date!(9995 - 06 - 01)), None);
        let d = rule(366, RepeatUnit::Days, &[], date!(9999 - 06 - 01));
        assert_eq!(d.next_after(date!(9999 - 06 - 01)), None);
    }

    fn unit() -> impl Strategy<Value = RepeatUnit> {
        prop::sample::select(RepeatUnit::ALL)
    }

    proptest! {
        /// Whatever the rule, the next date is later, is itself on the
        /// series, and nothing on the series lies between.
        #[test]
        fn next_is_the_first_series_date_after(
            unit in unit(),
            every in 1u16..=10,
            days in 1u8..=127,
            anchor_off in 0i64..3000,
            after_off in -400i64..3000,
        ) {
            let anchor = date!(2024 - 01 - 01) + Duration::days(anchor_off);
            let weekdays = if unit == RepeatUnit::Weeks { Weekdays(days) } else { Weekdays::default() };
            let r = Recurrence::new(every, unit, weekdays, anchor).unwrap();
            let after = anchor + Duration::days(after_off);
            let next = r.next_after(after).unwrap();
            prop_assert!(next > after);
            // Stepping along the series from the anchor, one occurrence at
            // a time, the first date past `after` is `next`.
            let mut d = anchor;
            while d <= after {
                let step = r.next_after(d).unwrap();
                prop_assert!(step > d);
                d = step;
            }
            prop_assert_eq!(d, next);
        }
    }
}
