//! The scheduled reminders Lambda: open tasks due soon or overdue (GSI3)
//! → one due-soon/overdue event per task per day on SNS.

use store::{DynamoStore, PageRequest, Store};
use time::{Date, Duration, OffsetDateTime};

use super::{once, AwsError, Once, Publisher};
use crate::classify::reminder;

/// Reminder keys carry the calendar day; two days covers a schedule that
/// fires late on one day and its retries on the next.
const REMINDER_MARKER_TTL: Duration = Duration::days(2);

/// What the reminders job needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct ReminderDeps {
    pub store: DynamoStore,
    pub publisher: Publisher,
}

/// What one run did, for the log line and for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderReport {
    /// Open, dated tasks read from GSI3.
    pub scanned: usize,
    pub published: usize,
    /// Already reminded today (a second or retried run).
    pub already_sent: usize,
}

/// Reads every page of open tasks due before `today + 2 days` (due soon =
/// due today or tomorrow; earlier = overdue) and publishes each reminder
/// once per task per day. A failed publish does not stop the others; the
/// run then fails so the scheduler retries, and the markers keep the
/// retry from repeating what already went out.
pub async fn run_reminders(
    deps: &ReminderDeps,
    today: Date,
    now: OffsetDateTime,
) -> Result<ReminderReport, AwsError> {
    let before = today.saturating_add(Duration::days(2));
    let mut report = ReminderReport::default();
    let mut errors: Vec<AwsError> = Vec::new();
    let mut page = deps
        .store
        .list_open_tasks_due_before(before, PageRequest::first(PageRequest::MAX_LIMIT))
        .await?;
    loop {
        for task in &page.items {
            report.scanned += 1;
            let Some(event) = reminder(task, today, now) else {
                continue;
            };
            let key = format!("reminder#{}", event.dedupe_key);
            let res = once(&deps.store, &key, REMINDER_MARKER_TTL, || async {
                deps.publisher.publish(&event).await.map(|_| ())
            })
            .await;
            match res {
                Ok(Once::Done) => report.published += 1,
                Ok(Once::AlreadyDone) => report.already_sent += 1,
                Err(e) => {
                    tracing::error!(task = %task.id, error = %e, "reminder failed");
                    errors.push(e);
                }
            }
        }
        let Some(next) = page.next.take() else { break };
        page = deps
            .store
            .list_open_tasks_due_before(before, PageRequest::after(PageRequest::MAX_LIMIT, next))
            .await?;
    }
    tracing::info!(
        scanned = report.scanned,
        published = report.published,
        already_sent = report.already_sent,
        failed = errors.len(),
        "reminders run"
    );
    let failed = errors.len();
    let total = report.published + failed;
    match errors.into_iter().next() {
        None => Ok(report),
        Some(first) => Err(AwsError::Partial {
            failed,
            total,
            first: Box::new(first),
        }),
    }
}
