//! The local notification worker: the SQLite change feed in, in-app
//! notifications and mail out.
//!
//! # Guarantee
//!
//! **Nothing is lost.** A change is acknowledged (`ack_change`) only after
//! every delivery it implies has succeeded; until then it stays in the feed
//! and is read again, by the next tick or by the next process after a crash.
//!
//! **Nothing is doubled, except in one narrow window.** Each delivery —
//! one (event, recipient, channel) — has an idempotency marker, keyed by
//! the event's `dedupe_key` (stable across replays), the recipient and the
//! channel. Before a delivery the worker *probes* the marker; after the
//! side effect succeeds it *records* it. A change re-read after a crash
//! between delivery and acknowledgement therefore finds every marker set and
//! sends nothing again; a change that failed half-way (one mail server
//! error among three recipients) redoes only the deliveries that failed.
//!
//! The residual window: the marker is written *after* the side effect, so a
//! crash (or a failed marker write) after the mail server accepted a message
//! but before its marker is stored re-sends that one message on the retry.
//! The alternative, marking *before* sending, turns that window into a lost
//! message instead (a crash after marking, before sending, and the retry
//! skips it), which DESIGN.md rules out ("a crash loses nothing"). A
//! duplicate notice is a nuisance; a missing assignment notice is a bug. The
//! window is one local SQLite write wide, and SMTP itself offers no way to
//! close it (there is no idempotent submit).
//!
//! In-app notifications get the same treatment: `create_notification` mints
//! a fresh id, so it cannot be made idempotent by key, and the marker after
//! it is what prevents the duplicate on retry.
//!
//! # Why probe with an expired marker
//!
//! The store's only idempotency primitive is `put_marker` (a conditional
//! "insert unless present and unexpired" — a conditional put with TTL on
//! DynamoDB). The probe is `put_marker(key, -1s)`: it returns `false`
//! without writing if the delivery was recorded, and otherwise leaves an
//! already-expired marker that the later record overwrites. That keeps the
//! check and the record in one primitive with the same semantics on both
//! stores, at the cost of one extra small write per delivery.
//!
//! # Assumptions
//!
//! One worker per database. Two workers could both probe "not sent" and
//! both send; the server starts exactly one (`Worker::run` consumes it).
//!
//! # Webhooks
//!
//! Each event also goes to every webhook that chose its kind, once per
//! (webhook, event) with the same probe/record markers, signed and with
//! the task as it is now (see [`crate::webhook`]). A receiver that fails
//! or does not answer within [`WorkerConfig::webhook_timeout`] leaves the
//! change unacknowledged like a failed mail, so it is retried with the
//! same backoff, and only what is still missing is redone: a receiver that
//! recovers gets the event exactly once more, and the mails already sent
//! are not sent again. The outcome of every attempt (time, HTTP status or
//! error, attempts so far) is written on the webhook for the admin page.
//! The timeout is what keeps a hanging receiver from holding up everyone's
//! mail: at most that long per webhook and event, then the next change.
//!
//! # Failures and ordering
//!
//! A change whose delivery fails stays unacknowledged and is retried with
//! exponential backoff (per change, in memory). Later changes are still
//! processed, so one recipient's broken address or a flapping relay never
//! holds everyone else's notices; the price is that a retried notice can
//! arrive after a later one, which is acceptable for independent notices.
//! A change whose image does not decode can never be delivered: it is
//! logged at error level and acknowledged rather than retried forever. An
//! event whose task has since been deleted is dropped, as classification
//! drops deletions: nobody can act on it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{Comment, Role, Task, TaskId, UserId, UserProfile, Webhook};
use store::{Change, ChangeFeed, PageRequest, Store, StoreError};
use tokio::sync::Notify;

use super::mailer::{MailError, Mailer};
use crate::classify::{classify, Event};
use crate::recipients::{candidates, mentioned_users, recipients, subject_user, TaskContext};
use crate::render::{render_email, EmailMessage, RenderContext};
use crate::webhook::{self, WebhookSender};

/// How the worker runs. Build with [`WorkerConfig::new`] and adjust fields.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Where the app lives, for links in mail, e.g. `http://127.0.0.1:3000`.
    /// A trailing slash is trimmed.
    pub base_url: String,
    /// Changes read per feed query.
    pub batch_size: u32,
    /// The longest the worker sleeps without a wake-up: the safety net for
    /// writes that forget to notify it, and the retry clock.
    pub poll_interval: Duration,
    /// First retry delay of a failed change; doubles per attempt.
    pub retry_base: Duration,
    /// Cap on the retry delay, so a recovered relay is used again soon.
    pub retry_max: Duration,
    /// How long a delivery marker is kept. Must outlive any change's time
    /// in the feed, or a very late retry could re-deliver.
    pub marker_ttl: time::Duration,
    /// The longest one webhook delivery may take.
    pub webhook_timeout: Duration,
    /// Rebuilds invitation links from stored invitations; without it an
    /// invitation change is logged and acknowledged unsent.
    pub invite_key: Option<store::InviteKey>,
}

impl WorkerConfig {
    pub fn new(base_url: impl Into<String>) -> WorkerConfig {
        WorkerConfig {
            base_url: base_url.into(),
            batch_size: 100,
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            marker_ttl: time::Duration::days(30),
            webhook_timeout: crate::webhook::DEFAULT_TIMEOUT,
            invite_key: None,
        }
    }
}

/// Why one change (or one tick) failed. Every variant is retried.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("webhook {url}: {error}")]
    Webhook {
        url: String,
        error: crate::webhook::PostError,
    },
}

/// Comment pages read per request when collecting commenters.
const COMMENTS_PAGE: u32 = PageRequest::MAX_LIMIT;
/// A probe leaves a marker that has already expired (see module docs).
const PROBE_TTL: time::Duration = time::Duration::seconds(-1);

#[derive(Debug, Clone, Copy)]
struct Retry {
    attempts: u32,
    not_before: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    InApp,
    Email,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
        }
    }
}

/// What one delivery is recorded under: stable across replays because
/// `dedupe_key` is derived from the change itself (task id and version, or
/// the comment's key), never from the time it is processed.
fn marker_key(event: &Event, user: UserId, channel: Channel) -> String {
    format!("NOTIFY#{}#{}#{}", event.dedupe_key, user, channel.as_str())
}

/// The loop that turns changes into notifications. See the module docs for
/// the delivery guarantee.
pub struct Worker {
    store: Arc<dyn Store>,
    feed: Arc<dyn ChangeFeed>,
    mailer: Arc<dyn Mailer>,
    config: WorkerConfig,
    wake: Arc<Notify>,
    retries: Mutex<HashMap<i64, Retry>>,
    webhooks: WebhookSender,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// `store` and `feed` are normally the same `SqliteStore` (pass
    /// `Arc<SqliteStore>` clones for both); they are separate so the feed
    /// can be wrapped on its own, as the crash tests do.
    pub fn new(
        store: Arc<dyn Store>,
        feed: Arc<dyn ChangeFeed>,
        mailer: Arc<dyn Mailer>,
        mut config: WorkerConfig,
    ) -> Worker {
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        // Loopback receivers only for an install that is itself on
        // loopback (a developer's machine, the tests): a server others
        // reach must not let an admin probe its own host's services.
        let allow_loopback =
            domain::WebhookUrl::parse(&config.base_url).is_ok_and(|u| u.is_loopback());
        let webhooks = WebhookSender::new(config.webhook_timeout, allow_loopback);
        Worker {
            webhooks,
            store,
            feed,
            mailer,
            config,
            wake: Arc::new(Notify::new()),
            retries: Mutex::new(HashMap::new()),
        }
    }

    /// The handle writers use to wake the worker right after a commit
    /// (`waker.notify_one()`), so a notice goes out in milliseconds rather
    /// than at the next poll. A wake-up while the worker is busy is kept and
    /// triggers one more tick, so none is lost.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// How many changes are currently waiting for a retry.
    pub fn retrying(&self) -> usize {
        self.lock_retries().len()
    }

    /// Processes every change available now, in feed order, and returns how
    /// many were acknowledged. A change that fails is left in the feed with
    /// a backoff and does not stop later ones; only a failure to read the
    /// feed itself is an `Err`.
    pub async fn run_once(&self) -> Result<usize, WorkerError> {
        let mut after = 0;
        let mut acked = 0;
        loop {
            let batch = self
                .feed
                .read_changes(after, self.config.batch_size)
                .await?;
            if batch.is_empty() {
                return Ok(acked);
            }
            for change in &batch {
                after = change.seq;
                if !self.due(change.seq) {
                    continue;
                }
                let result = match self.process(change).await {
                    Ok(()) => self.feed.ack_change(change.seq).await.map_err(Into::into),
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => {
                        self.lock_retries().remove(&change.seq);
                        acked += 1;
                    }
                    Err(e) => self.failed(change, &e),
                }
            }
        }
    }

    /// Runs until `shutdown` completes: a tick, then a wait for a wake-up,
    /// the poll interval or the next retry, whichever is first. Shutdown
    /// also interrupts a tick in progress; that is safe because the
    /// interrupted change is simply not acknowledged (the same as a crash,
    /// with the same dedupe).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        tracing::info!(base_url = %self.config.base_url, "notification worker started");
        loop {
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                r = self.run_once() => match r {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(acked = n, "notification tick"),
                    Err(e) => tracing::warn!(error = %e, "notification tick failed; retrying after the poll interval"),
                },
            }
            let wait = self.next_wait();
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!("notification worker stopped");
    }

    fn lock_retries(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Retry>> {
        // The map holds only timing hints; a panic elsewhere cannot leave
        // it in a state worth refusing to read.
        self.retries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn due(&self, seq: i64) -> bool {
        self.lock_retries()
            .get(&seq)
            .is_none_or(|r| r.not_before <= Instant::now())
    }

    fn failed(&self, change: &Change, error: &WorkerError) {
        let mut retries = self.lock_retries();
        let attempts = retries.get(&change.seq).map_or(1, |r| r.attempts + 1);
        let factor = 1u32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let delay = self
            .config
            .retry_base
            .saturating_mul(factor)
            .min(self.config.retry_max);
        retries.insert(
            change.seq,
            Retry {
                attempts,
                not_before: Instant::now() + delay,
            },
        );
        tracing::warn!(
            seq = change.seq,
            pk = %change.pk,
            sk = %change.sk,
            attempts,
            retry_in_ms = delay.as_millis() as u64,
            error = %error,
            "notification delivery failed; change left unacknowledged"
        );
    }

    /// Until the poll interval, or sooner if a retry falls due first.
    fn next_wait(&self) -> Duration {
        let now = Instant::now();
        self.lock_retries()
            .values()
            .map(|r| r.not_before.saturating_duration_since(now))
            .min()
            .map_or(self.config.poll_interval, |d| {
                d.min(self.config.poll_interval)
            })
    }

    async fn process(&self, change: &Change) -> Result<(), WorkerError> {
        let attempt = self
            .lock_retries()
            .get(&change.seq)
            .map_or(1, |r| r.attempts + 1);
        if store::keys::is_invite(&change.pk, &change.sk) {
            return self.invitation(change).await;
        }
        let events = match classify(change.old_image.as_ref(), change.new_image.as_ref()) {
            Ok(events) => events,
            Err(e) => {
                tracing::error!(seq = change.seq, error = %e, "change cannot be classified; acknowledging it without delivery");
                return Ok(());
            }
        };
        if events.is_empty() {
            return Ok(());
        }
        // Every event of one change concerns the same task: read it once.
        let mut task: Option<Option<TaskInfo>> = None;
        let mut profiles = Profiles::default();
        let hooks = self.store.list_webhooks().await?;
        let mut first_error = None;
        for event in events {
            if task.is_none() {
                task = Some(self.load_task(event.task_id).await?);
            }
            let Some(Some(info)) = task.as_ref() else {
                tracing::info!(seq = change.seq, task = %event.task_id, "task no longer exists; notice dropped");
                continue;
            };
            if let Err(e) = self
                .deliver_event(event, info, &mut profiles, &hooks, attempt)
                .await
            {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// An invitation written with a new link (created or re-sent) gets its
    /// email, once per link (the marker is keyed by the nonce); revocations,
    /// acceptances and anything else say nothing.
    async fn invitation(&self, change: &Change) -> Result<(), WorkerError> {
        let Some(new) = change.new_image.as_ref() else {
            return Ok(());
        };
        let inv: domain::Invitation = match new.entity() {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(seq = change.seq, error = %e, "invitation image does not decode; acknowledging it unsent");
                return Ok(());
            }
        };
        let old_nonce = change
            .old_image
            .as_ref()
            .and_then(|o| o.entity::<domain::Invitation>().ok())
            .map(|o| o.nonce);
        if old_nonce.as_deref() == Some(inv.nonce.as_str()) {
            return Ok(());
        }
        let Some(key) = &self.config.invite_key else {
            tracing::error!(seq = change.seq, "no invite key: invitation email not sent");
            return Ok(());
        };
        let marker = format!("invite#{}#{}", inv.email, inv.nonce);
        if !self.not_yet_done(&marker).await? {
            return Ok(());
        }
        let link = crate::render::invitation_link(&self.config.base_url, key, &inv);
        let msg = crate::render::render_invitation(&inv, &link);
        self.mailer.send(&inv.email, &msg).await?;
        tracing::info!(to = %inv.email, "invitation sent");
        self.record(&marker).await
    }

    /// The task and everyone who commented on it, as the AWS path reads
    /// them; `None` if the task was deleted meanwhile.
    async fn load_task(&self, id: TaskId) -> Result<Option<TaskInfo>, WorkerError> {
        let detail = match self.store.get_task(id, COMMENTS_PAGE).await {
            Ok(d) => d,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut commenters: Vec<UserId> = Vec::new();
        let mut add = |comments: &[Comment]| {
            for c in comments {
                if !commenters.contains(&c.author) {
                    commenters.push(c.author);
                }
            }
        };
        add(&detail.comments.items);
        let mut next = detail.comments.next;
        while let Some(cursor) = next {
            let page = self
                .store
                .list_comments(id, PageRequest::after(COMMENTS_PAGE, cursor))
                .await?;
            add(&page.items);
            next = page.next;
        }
        Ok(Some(TaskInfo {
            task: detail.task,
            commenters,
        }))
    }

    async fn deliver_event(
        &self,
        mut event: Event,
        info: &TaskInfo,
        profiles: &mut Profiles,
        hooks: &[Webhook],
        attempt: u32,
    ) -> Result<(), WorkerError> {
        if event.task_title.is_empty() {
            // Comment images do not carry the title (see classify).
            event.task_title = info.task.title.as_str().to_owned();
        }
        // The only profiles worth reading: everyone the event may reach
        // (their roles decide who may still see the task) or names.
        let wanted = candidates(&event, &info.task, &info.commenters)
            .into_iter()
            .chain(event.actor)
            .chain(subject_user(&event))
            .chain(mentioned_users(&event).iter().copied())
            .collect::<Vec<_>>();
        for &user in &wanted {
            profiles.load(self.store.as_ref(), user).await?;
        }
        let admins: Vec<UserId> = wanted
            .into_iter()
            .filter(|u| profiles.get(*u).is_some_and(|p| p.role == Role::Admin))
            .collect();
        let ctx = TaskContext {
            task: &info.task,
            commenters: &info.commenters,
            admins: &admins,
        };
        let deliveries = recipients(&event, ctx, |u| {
            crate::recipients::prefs_of(profiles.get(u))
        });
        let actor_name = event
            .actor
            .and_then(|a| profiles.get(a))
            .map(|p| p.display_name.as_str());
        let subject_name = subject_user(&event)
            .and_then(|u| profiles.get(u))
            .map(|p| p.display_name.as_str());

        let mut first_error = None;
        for d in deliveries {
            // `recipients` only returns users whose profile was found.
            let Some(profile) = profiles.get(d.user) else {
                continue;
            };
            let msg = render_email(
                &event,
                &RenderContext {
                    base_url: &self.config.base_url,
                    recipient: d.user,
                    recipient_name: profile.display_name.as_str(),
                    actor_name,
                    subject_name,
                },
            );
            if d.in_app {
                if let Err(e) = self.in_app(&event, profile, &msg).await {
                    first_error.get_or_insert(e);
                }
            }
            if d.email {
                if let Err(e) = self.email(&event, profile, &msg).await {
                    first_error.get_or_insert(e);
                }
            }
        }
        let chosen: Vec<&Webhook> = hooks.iter().filter(|h| h.wants(event.kind)).collect();
        if !chosen.is_empty() {
            let body = webhook::payload(
                &event,
                &webhook::PayloadContext {
                    base_url: &self.config.base_url,
                    task: &info.task,
                    actor_name,
                    subject_name,
                },
            );
            for hook in chosen {
                if let Err(e) = self.webhook(&event, hook, &body, attempt).await {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    async fn webhook(
        &self,
        event: &Event,
        hook: &Webhook,
        body: &serde_json::Value,
        attempt: u32,
    ) -> Result<(), WorkerError> {
        let key = webhook::marker_key(hook, event);
        if !self.not_yet_done(&key).await? {
            tracing::debug!(%key, "webhook already delivered");
            return Ok(());
        }
        let now = time::OffsetDateTime::now_utc();
        let result = self.webhooks.post(hook, body, now).await;
        let status = webhook::delivery_status(event, &result, attempt, now);
        match self.store.record_webhook_delivery(hook, status).await {
            // Deleted meanwhile: nothing to show it on, and the next try
            // no longer lists it.
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => tracing::warn!(webhook = %hook.id, error = %e, "webhook status not recorded"),
        }
        match result {
            Ok(_) => self.record(&key).await,
            Err(error) => Err(WorkerError::Webhook {
                url: hook.url.to_string(),
                error,
            }),
        }
    }

    async fn in_app(
        &self,
        event: &Event,
        to: &UserProfile,
        msg: &EmailMessage,
    ) -> Result<(), WorkerError> {
        let key = marker_key(event, to.id, Channel::InApp);
        if !self.not_yet_done(&key).await? {
            tracing::debug!(%key, "in-app notice already delivered");
            return Ok(());
        }
        self.store
            .create_notification(event.in_app(to.id, &msg.subject))
            .await?;
        self.record(&key).await
    }

    async fn email(
        &self,
        event: &Event,
        to: &UserProfile,
        msg: &EmailMessage,
    ) -> Result<(), WorkerError> {
        let key = marker_key(event, to.id, Channel::Email);
        if !self.not_yet_done(&key).await? {
            tracing::debug!(%key, "email already sent");
            return Ok(());
        }
        self.mailer.send(&to.email, msg).await?;
        self.record(&key).await
    }

    /// The probe: `true` if no unexpired marker exists for `key`.
    async fn not_yet_done(&self, key: &str) -> Result<bool, WorkerError> {
        Ok(self.store.put_marker(key, PROBE_TTL).await?)
    }

    async fn record(&self, key: &str) -> Result<(), WorkerError> {
        if !self.store.put_marker(key, self.config.marker_ttl).await? {
            // Only another worker on the same database could have recorded
            // it in between; the delivery happened either way.
            tracing::warn!(%key, "delivery marker was already recorded");
        }
        Ok(())
    }
}

struct TaskInfo {
    task: Task,
    commenters: Vec<UserId>,
}

/// Profiles read while processing one change; `None` for users without a
/// profile, who `recipients` skips.
#[derive(Default)]
struct Profiles(HashMap<UserId, Option<UserProfile>>);

impl Profiles {
    async fn load(&mut self, store: &dyn Store, user: UserId) -> Result<(), WorkerError> {
        if self.0.contains_key(&user) {
            return Ok(());
        }
        let profile = match store.get_profile(user).await {
            Ok(p) => Some(p),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.0.insert(user, profile);
        Ok(())
    }

    fn get(&self, user: UserId) -> Option<&UserProfile> {
        self.0.get(&user).and_then(Option::as_ref)
    }
}
