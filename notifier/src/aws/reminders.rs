//! The scheduled reminders Lambda: open tasks due soon or overdue (GSI3)
//! → one due-soon/overdue event per task per day on SNS.
//!
//! # Paging and concurrency
//!
//! GSI3 is read one page at a time, following the store's cursor, and the
//! tasks of a page are handed to at most `concurrency` reminders in flight
//! (`buffer_unordered`). Why: the run must fit the Lambda's timeout and
//! memory whatever the number of due tasks; sequential sends at three round
//! trips per task (marker lookup, Publish, marker write) stop scaling at
//! about a thousand tasks a minute, and reading the whole index first
//! would make memory grow with it. Memory holds one page plus the tasks in
//! flight. The next page is requested as soon as the current page's last
//! task has started, so the Query overlaps the page's tail of sends; a
//! deeper read-ahead would save one Query's latency per 500 tasks (well
//! under 1 %) for another page of memory, so there is none.
//!
//! # Idempotency: look, publish, then mark — per task, day and kind
//!
//! Each reminder's marker key is the event's `dedupe_key` (task, kind,
//! calendar day), so a task reminded as due-soon yesterday and overdue
//! today gets both, and a retried or repeated run on the same day skips
//! what already went out. The order is the one of `aws::once` (see the
//! module docs of `aws`; here the lookup is a GetItem, see [`reminded`]):
//! the marker is written only after SNS accepted the publish. Why not claim first (conditional put, publish, delete on
//! failure): a Lambda that dies or times out between claim and publish
//! leaves a claim no retry can tell from a success, so that day's reminder
//! would be lost, and releasing needs `dynamodb:DeleteItem` on the role. A
//! lost reminder is worse than a repeated one, and a repeat is cheap to
//! absorb: the one window, a crash (or timeout) between a successful
//! Publish and its marker write, gives at most one duplicate publish per
//! task per retry, carrying the same `dedupe_key`, which the email
//! formatter's own markers reduce to one email per person. Two runs
//! overlapping in time (a scheduler delivering twice) are the same case.
//!
//! A marker write that fails after a successful publish counts as sent and
//! does not fail the run: the reminder went out, and a retry could only
//! repeat it.
//!
//! # Failures
//!
//! Every task is attempted; one failed publish never stops the others.
//! Failed tasks are logged by id (never title or other user content) and
//! the run returns an error, so the asynchronous invocation is retried
//! and, after the retries, recorded in the on-failure destination (a DLQ).
//! Thanks to the markers a retry publishes only what is still missing.

use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::stream::{self, StreamExt};
use store::{Cursor, DynamoStore, PageRequest, Permissions, Store, StoreError};
use time::{Date, Duration, OffsetDateTime};

use aws_sdk_dynamodb::types::AttributeValue;

use super::{env, AwsError, Publisher};
use crate::classify::reminder;
use domain::Task;

/// The function's declared AWS actions (also `aws::permissions::REMINDERS`):
/// GSI3 pages (Query), marker lookups (GetItem) and writes (PutItem),
/// Publish.
pub const PERMISSIONS: Permissions = super::permissions::REMINDERS;

/// The environment variables the function cannot start without.
pub const REQUIRED_ENV: &[&str] = &[env::TABLE, env::TOPIC_ARN];

/// The environment variables it reads when present.
pub const OPTIONAL_ENV: &[&str] = &[env::LOG_FORMAT, env::REMINDERS_CONCURRENCY];

/// Reminder keys carry the calendar day; two days covers a schedule that
/// fires late on one day and its retries on the next.
const REMINDER_MARKER_TTL: Duration = Duration::days(2);

/// The metrics dimension value (`Function`) of this function.
pub const METRICS_FUNCTION: &str = "reminders";

/// How one run reads and sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderConfig {
    /// Reminders in flight at once.
    pub concurrency: usize,
    /// Tasks per GSI3 Query (the store caps it at `PageRequest::MAX_LIMIT`).
    pub page_size: u32,
}

impl ReminderConfig {
    /// Enough to keep a run of a few thousand tasks within seconds without
    /// approaching SNS's or on-demand DynamoDB's request rates.
    pub const DEFAULT_CONCURRENCY: usize = 16;
    /// Beyond this the HTTP connection pool and the Lambda's one vCPU, not
    /// AWS, become the limit, and throttling retries cost more than they gain.
    pub const MAX_CONCURRENCY: usize = 64;

    /// The concurrency from `TASKLANE_REMINDERS_CONCURRENCY` (a value, or
    /// nothing for the default); anything else is refused at start-up
    /// rather than silently replaced.
    pub fn from_concurrency(value: Option<&str>) -> Result<Self, AwsError> {
        let concurrency = match value.map(str::trim) {
            None | Some("") => Self::DEFAULT_CONCURRENCY,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=Self::MAX_CONCURRENCY).contains(&n) => n,
                _ => {
                    return Err(AwsError::InvalidEnv {
                        name: env::REMINDERS_CONCURRENCY,
                        reason: format!(
                            "{v:?} is not a whole number from 1 to {}",
                            Self::MAX_CONCURRENCY
                        ),
                    })
                }
            },
        };
        Ok(ReminderConfig {
            concurrency,
            ..Self::default()
        })
    }
}

impl Default for ReminderConfig {
    fn default() -> Self {
        ReminderConfig {
            concurrency: Self::DEFAULT_CONCURRENCY,
            page_size: PageRequest::MAX_LIMIT,
        }
    }
}

/// Everything the function reads from its environment, read only through
/// [`REQUIRED_ENV`] and [`OPTIONAL_ENV`] (so what it declares to Terraform
/// and what it reads cannot drift apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderEnv {
    pub table: String,
    pub topic_arn: String,
    pub config: ReminderConfig,
}

impl ReminderEnv {
    pub fn from_env() -> Result<Self, AwsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads through `get`, a stand-in for `std::env::var` in tests. A name
    /// outside the declared lists is a programming error and panics, so a
    /// test of this function catches an undeclared read.
    pub fn from_lookup(get: impl Fn(&'static str) -> Option<String>) -> Result<Self, AwsError> {
        let read = |name: &'static str| {
            assert!(
                REQUIRED_ENV.contains(&name) || OPTIONAL_ENV.contains(&name),
                "{name} is read but not declared in REQUIRED_ENV/OPTIONAL_ENV"
            );
            get(name)
        };
        let required = |name: &'static str| {
            debug_assert!(REQUIRED_ENV.contains(&name));
            read(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(AwsError::MissingEnv(name))
        };
        let [table, topic] = [REQUIRED_ENV[0], REQUIRED_ENV[1]];
        Ok(ReminderEnv {
            table: required(table)?,
            topic_arn: required(topic)?,
            config: ReminderConfig::from_concurrency(read(env::REMINDERS_CONCURRENCY).as_deref())?,
        })
    }
}

/// What the reminders job needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct ReminderDeps {
    pub store: DynamoStore,
    pub publisher: Publisher,
}

/// What one run did, for the log line, the metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderReport {
    /// Open, dated tasks read from GSI3.
    pub scanned: usize,
    pub published: usize,
    /// Already reminded today (a second or retried run).
    pub already_sent: usize,
    /// Attempted and not published (marker lookup or Publish failed).
    pub failed: usize,
    /// Published, but the marker write failed (so a same-day rerun may
    /// repeat them); included in `published`.
    pub unmarked: usize,
    /// GSI3 Queries made.
    pub pages: usize,
    /// The most tasks one Query returned.
    pub largest_page: usize,
}

/// [`run_reminders_with`] with the default configuration.
pub async fn run_reminders(
    deps: &ReminderDeps,
    today: Date,
    now: OffsetDateTime,
) -> Result<ReminderReport, AwsError> {
    run_reminders_with(deps, ReminderConfig::default(), today, now).await
}

/// What happened to one task.
enum Outcome {
    NotDue,
    Published {
        marked: bool,
    },
    AlreadySent,
    Failed(AwsError),
    /// A GSI3 page could not be read: the tasks after it were not seen.
    PageFailed(StoreError),
}

/// Publishes the day's reminders: open tasks due before `today + 2 days`
/// (due today or tomorrow = due soon; earlier = overdue), each at most once
/// per task, kind and day. Emits the run's metrics line whatever the
/// outcome, then fails if any task failed, so the invocation is retried.
pub async fn run_reminders_with(
    deps: &ReminderDeps,
    config: ReminderConfig,
    today: Date,
    now: OffsetDateTime,
) -> Result<ReminderReport, AwsError> {
    let before = today.saturating_add(Duration::days(2));
    let page_size = config.page_size.clamp(1, PageRequest::MAX_LIMIT);
    let pages = AtomicUsize::new(0);
    let largest_page = AtomicUsize::new(0);

    // `None` in the state = no further page; a failed Query ends the list.
    let page_stream = stream::unfold(Some(None::<Cursor>), |state| {
        let (pages, largest_page) = (&pages, &largest_page);
        async move {
            let after = state?;
            let request = match after {
                None => PageRequest::first(page_size),
                Some(c) => PageRequest::after(page_size, c),
            };
            match deps.store.list_open_tasks_due_before(before, request).await {
                Ok(page) => {
                    pages.fetch_add(1, Ordering::Relaxed);
                    largest_page.fetch_max(page.items.len(), Ordering::Relaxed);
                    let next = page.next.map(Some);
                    Some((Ok(page.items), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    let outcomes = page_stream
        .flat_map(|page| match page {
            Ok(tasks) => stream::iter(tasks.into_iter().map(Ok)).left_stream(),
            Err(e) => stream::iter([Err(e)]).right_stream(),
        })
        .map(|task| async move {
            match task {
                Ok(task) => remind(deps, &task, today, now).await,
                Err(e) => Outcome::PageFailed(e),
            }
        })
        .buffer_unordered(config.concurrency.clamp(1, ReminderConfig::MAX_CONCURRENCY));

    let mut report = ReminderReport::default();
    let mut first_error: Option<AwsError> = None;
    let mut page_error: Option<StoreError> = None;
    let mut outcomes = std::pin::pin!(outcomes);
    while let Some(outcome) = outcomes.next().await {
        match outcome {
            Outcome::PageFailed(e) => {
                tracing::error!(error = %e, "reading due tasks (GSI3) failed; later pages unread");
                page_error = Some(e);
                continue;
            }
            Outcome::NotDue => {}
            Outcome::Published { marked } => {
                report.published += 1;
                report.unmarked += usize::from(!marked);
            }
            Outcome::AlreadySent => report.already_sent += 1,
            Outcome::Failed(e) => {
                report.failed += 1;
                first_error.get_or_insert(e);
            }
        }
        report.scanned += 1;
    }
    report.pages = pages.load(Ordering::Relaxed);
    report.largest_page = largest_page.load(Ordering::Relaxed);

    tracing::info!(
        scanned = report.scanned,
        published = report.published,
        already_sent = report.already_sent,
        failed = report.failed,
        unmarked = report.unmarked,
        pages = report.pages,
        complete = page_error.is_none(),
        "reminders run"
    );
    crate::metrics::emit(
        METRICS_FUNCTION,
        &[
            ("RemindersSent", report.published as f64),
            ("RemindersFailed", report.failed as f64),
        ],
    );
    if let Some(e) = page_error {
        return Err(e.into());
    }
    match first_error {
        None => Ok(report),
        Some(first) => Err(AwsError::Partial {
            failed: report.failed,
            total: report.published + report.failed,
            first: Box::new(first),
        }),
    }
}

/// Whether the reminder marker `key` is alive (written and not expired:
/// TTL deletes lazily, so an expired marker still present counts as absent,
/// as `put_marker`'s condition treats it).
///
/// Why GetItem, where `aws::marker_alive` uses a Query: this is an
/// exact-key read done once per due task, and GetItem is the read whose
/// cost cannot depend on anything but the one item (moto's Query, for one,
/// scans the table, which turned 5,000 lookups into minutes).
async fn reminded(store: &DynamoStore, key: &str) -> Result<bool, AwsError> {
    let (pk, sk) = store::keys::marker_key(key);
    let out = store
        .client()
        .get_item()
        .table_name(store.table_name())
        .key("PK", AttributeValue::S(pk))
        .key("SK", AttributeValue::S(sk))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| AwsError::Marker {
            key: key.to_owned(),
            reason: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
        })?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Ok(out.item().is_some_and(|attrs| {
        store::item_from_attrs(attrs).is_ok_and(|item| item.expires_at.is_none_or(|e| e >= now))
    }))
}

/// One task: look the marker up, publish, mark (see the module docs).
async fn remind(deps: &ReminderDeps, task: &Task, today: Date, now: OffsetDateTime) -> Outcome {
    let Some(event) = reminder(task, today, now) else {
        return Outcome::NotDue;
    };
    let key = format!("reminder#{}", event.dedupe_key);
    let fail = |e: AwsError| {
        // The task id and the error only: titles are user content.
        tracing::error!(task = %task.id, kind = event.kind.as_str(), error = %e, "reminder failed");
        Outcome::Failed(e)
    };
    match reminded(&deps.store, &key).await {
        Ok(true) => return Outcome::AlreadySent,
        Ok(false) => {}
        Err(e) => return fail(e),
    }
    if let Err(e) = deps.publisher.publish(&event).await {
        return fail(e);
    }
    let marked = match deps.store.put_marker(&key, REMINDER_MARKER_TTL).await {
        Ok(true) => true,
        Ok(false) => {
            // Another run published it concurrently: at-least-once.
            tracing::warn!(task = %task.id, "reminder marker written by a concurrent run");
            true
        }
        Err(e) => {
            tracing::warn!(
                task = %task.id,
                error = %e,
                "reminder published but not marked; a same-day rerun may repeat it"
            );
            false
        }
    };
    Outcome::Published { marked }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn concurrency_defaults_and_is_bounded() {
        let c = |v: Option<&str>| ReminderConfig::from_concurrency(v).map(|c| c.concurrency);
        assert_eq!(c(None).unwrap(), ReminderConfig::DEFAULT_CONCURRENCY);
        assert_eq!(c(Some(" ")).unwrap(), ReminderConfig::DEFAULT_CONCURRENCY);
        assert_eq!(c(Some("1")).unwrap(), 1);
        assert_eq!(c(Some("64")).unwrap(), 64);
        for bad in ["0", "65", "-1", "eight", "1.5"] {
            let err = c(Some(bad)).expect_err(bad);
            assert!(
                err.to_string().contains(env::REMINDERS_CONCURRENCY),
                "{err}"
            );
        }
    }

    #[test]
    fn env_is_read_only_through_the_declared_names() {
        let seen = RefCell::new(Vec::new());
        let all = |name: &'static str| {
            seen.borrow_mut().push(name);
            Some(match name {
                n if n == env::REMINDERS_CONCURRENCY => "8".to_owned(),
                n => format!("value-of-{n}"),
            })
        };
        let got = ReminderEnv::from_lookup(all).expect("complete environment");
        assert_eq!(got.table, format!("value-of-{}", env::TABLE));
        assert_eq!(got.topic_arn, format!("value-of-{}", env::TOPIC_ARN));
        assert_eq!(got.config.concurrency, 8);
        for name in seen.borrow().iter() {
            assert!(REQUIRED_ENV.contains(name) || OPTIONAL_ENV.contains(name));
        }
        for name in REQUIRED_ENV {
            assert!(seen.borrow().contains(name), "{name} declared, never read");
            let without = |n: &'static str| (n != *name).then(|| format!("v-{n}"));
            match ReminderEnv::from_lookup(without) {
                Err(AwsError::MissingEnv(n)) => assert_eq!(n, *name),
                other => panic!("missing {name}: {other:?}"),
            }
        }
        assert!(
            OPTIONAL_ENV.contains(&env::LOG_FORMAT),
            "init_logging reads it"
        );
    }
}
