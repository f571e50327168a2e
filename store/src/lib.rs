//! Persistence for tasklane behind one trait, with two implementations.
//!
//! Why one trait: the product runs embedded (SQLite, a file under `./data`)
//! and on AWS (one DynamoDB table), and both must behave identically, which
//! is only checkable if both answer the same questions through the same
//! interface and pass the same conformance suite (`conformance`, behind the
//! `conformance` feature).
//!
//! Why a single-table item model in SQLite too: both stores share the key
//! design in [`keys`] and the operation logic in `engine`; the backends only
//! know how to get an item, query a key range and apply a conditional batch
//! atomically. Every access pattern is therefore exactly one request on
//! DynamoDB (one GetItem/Query per read, one PutItem or TransactWriteItems
//! per write), and the SQLite file is the same data laid out the same way.
//!
//! Why writes take the caller's current value (`&Task`, `&UserProfile`):
//! a user action reads before it writes anyway (to authorise it), so the
//! write can be built from what was read and guarded by a `version`
//! condition. A stale read surfaces as [`StoreError::Conflict`] instead of
//! a silent overwrite, and no write needs a second round trip.

pub mod credentials;
mod cursor;
mod dynamo;
mod engine;
pub mod invite_key;
pub mod keys;
pub mod permissions;
mod search;
mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;
use domain::{
    Activity, Comment, CommentBody, NewNotification, NewProfile, NewTask, Notification,
    ProfilePatch, Role, Status, Task, TaskId, TaskPatch, TaskSummary, UserId, UserProfile,
};
use time::{Date, Duration, OffsetDateTime};

pub use cursor::Cursor;
pub use dynamo::{
    http_client, item_from_attrs, item_to_attrs, lambda_sdk_config, DynamoStore, RequestCounter,
};
pub use invite_key::InviteKey;
pub use keys::Item;
pub use permissions::{PermissionGuard, Permissions, STORE_ACTIONS};
pub use search::{SearchTerm, TextSearch};
pub use sqlite::{Change, ChangeEvent, Durability, SqliteStore};

/// Errors at the storage boundary. Each variant is something a caller acts
/// on differently (404, 409, retry-free refusal, 400, 500).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The expected version is stale: someone else changed the item first.
    #[error("conflict: the item was changed by someone else")]
    Conflict,
    #[error("already exists")]
    AlreadyExists,
    /// A pagination cursor that this store did not issue for this query.
    #[error("invalid pagination cursor")]
    InvalidCursor,
    /// Demoting the only remaining admin would lock everyone out.
    #[error("cannot remove the last admin")]
    LastAdmin,
    #[error("storage failure: {0}")]
    Internal(String),
}

impl StoreError {
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        StoreError::Internal(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One page of a list. `next` is `None` only when the list is exhausted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// Which page to read: at most `limit` items after `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// The UI's page size; a default, not a cap — callers follow `next`.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// Guards a single request against absurd sizes; pages still chain.
    pub const MAX_LIMIT: u32 = 500;

    pub fn first(limit: u32) -> Self {
        PageRequest { limit, after: None }
    }

    pub fn after(limit: u32, cursor: Cursor) -> Self {
        PageRequest {
            limit,
            after: Some(cursor),
        }
    }

    pub(crate) fn clamped_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(Self::DEFAULT_LIMIT)
    }
}

/// Every label and every project, and the directory's version (see
/// [`Store::directory_version`]): one Query of the partition they share,
/// so a page that needs the catalog learns for free whether a cached
/// directory is still current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub labels: Vec<domain::Label>,
    /// The default project always present.
    pub projects: Vec<domain::Project>,
    pub directory_version: u64,
}

/// What the dashboard counts from: the task counters, every project and
/// the directory's version, in one Query that reads no profile, so its
/// cost depends neither on the tasks nor on the people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub counters: TaskCounters,
    /// The default project always present.
    pub projects: Vec<domain::Project>,
    pub directory_version: u64,
}

/// A task with its newest comments, read in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDetail {
    pub task: Task,
    /// Newest first; follow `next` with [`Store::list_comments`].
    pub comments: Page<Comment>,
}

/// Counts over every task, kept by each task write in its transaction
/// (keys in [`keys::task_counters`]): per status, open tasks nobody is
/// assigned to, each person's open tasks, and per project: each status
/// and the open tasks due on each day. Keyed by counter sort key;
/// zero counts are left out so a recount and the kept counters compare
/// equal whatever counters once existed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskCounters {
    pub(crate) counts: std::collections::BTreeMap<String, i64>,
}

impl TaskCounters {
    pub(crate) fn from_counts(mut counts: std::collections::BTreeMap<String, i64>) -> Self {
        counts.retain(|_, n| *n != 0);
        TaskCounters { counts }
    }

    /// The counters these tasks add up to: what the kept ones must equal.
    pub fn of<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Self {
        let mut counts = std::collections::BTreeMap::new();
        for t in tasks {
            for sk in keys::task_counters(t) {
                *counts.entry(sk).or_default() += 1;
            }
        }
        Self::from_counts(counts)
    }

    fn get(&self, sk: &str) -> u32 {
        self.counts
            .get(sk)
            .map_or(0, |n| (*n).clamp(0, u32::MAX as i64) as u32)
    }

    pub fn status(&self, s: Status) -> u32 {
        self.get(&keys::status_counter(s))
    }

    pub fn project_status(&self, p: domain::ProjectId, s: Status) -> u32 {
        self.get(&keys::project_status_counter(p, s))
    }

    /// A project's unfinished tasks.
    pub fn project_open(&self, p: domain::ProjectId) -> u32 {
        Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| self.project_status(p, *s))
            .sum()
    }

    /// Open tasks of `project` (of every project when `None`) due within
    /// `days`: overdue is `..today`, due soon `today..=through`. Read from
    /// the per-day counters, so the cost follows the distinct due dates.
    pub fn open_due(
        &self,
        project: Option<domain::ProjectId>,
        days: impl std::ops::RangeBounds<time::Date>,
    ) -> u32 {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let prefix = match project {
            Some(p) => keys::project_counter_prefix(p),
            None => keys::PROJECT_COUNTER_PREFIX.to_owned(),
        };
        let total: i64 = self
            .counts
            .range(prefix.clone()..)
            .take_while(|(sk, _)| sk.starts_with(&prefix))
            .filter_map(|(sk, n)| {
                let (_, day) = sk.split_once(keys::PROJECT_DUE_PART)?;
                let day = time::Date::parse(day, &fmt).ok()?;
                days.contains(&day).then_some((*n).max(0))
            })
            .sum();
        total.clamp(0, u32::MAX as i64) as u32
    }

    /// How many counters are kept (nonzero): what the dashboard reads.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn unassigned_open(&self) -> u32 {
        self.get(keys::UNASSIGNED_OPEN_COUNTER)
    }

    /// Each person with open tasks, and how many.
    pub fn open_by_assignee(&self) -> Vec<(UserId, u32)> {
        self.counts
            .iter()
            .filter_map(|(sk, n)| {
                let id = sk.strip_prefix(keys::OPEN_ASSIGNEE_COUNTER_PREFIX)?;
                Some((
                    UserId::parse(id).ok()?,
                    (*n).clamp(0, u32::MAX as i64) as u32,
                ))
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// One `counter count` line per counter, for an operator's log.
impl std::fmt::Display for TaskCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (sk, n) in &self.counts {
            writeln!(f, "{sk} {n}")?;
        }
        Ok(())
    }
}

/// Every access pattern of DESIGN.md "Data". The built-in identity
/// provider's secrets ([`credentials::Credentials`]) come along so one
/// handle serves the server; on AWS they are simply never called.
///
/// Every access pattern of DESIGN.md "Data". Each method is one request
/// against DynamoDB (the delete cascade of comments aside, see
/// [`Store::delete_task`]).
#[async_trait]
pub trait Store: credentials::Credentials + Send + Sync {
    // --- tasks -----------------------------------------------------------
    /// Creates a task and its assignment copies atomically.
    async fn create_task(&self, new: NewTask) -> Result<Task>;
    /// The task (with assignees) and its newest `comments_limit` comments.
    async fn get_task(&self, id: TaskId, comments_limit: u32) -> Result<TaskDetail>;
    /// Further comments of a task, newest first.
    async fn list_comments(&self, id: TaskId, page: PageRequest) -> Result<Page<Comment>>;
    /// A task's history, newest first; one entry per version.
    async fn list_activity(&self, id: TaskId, page: PageRequest) -> Result<Page<Activity>>;
    /// Applies `patch` to `current`; `Conflict` if `current.version` is stale.
    /// `actor` is recorded as `updated_by`, for the notifier.
    async fn update_task(&self, current: &Task, patch: &TaskPatch, actor: UserId) -> Result<Task>;
    /// Sets the status (policy is the caller's job) and refreshes every
    /// assignment copy in the same transaction.
    async fn change_status(&self, current: &Task, status: Status, actor: UserId) -> Result<Task>;
    /// Assigns `add` and unassigns `remove` in one transaction.
    async fn set_assignees(
        &self,
        current: &Task,
        add: &[UserId],
        remove: &[UserId],
        actor: UserId,
    ) -> Result<Task>;
    /// Deletes the task and its assignments in one version-checked
    /// transaction, then purges its comments (unreachable from then on).
    async fn delete_task(&self, current: &Task) -> Result<()>;
    /// Adds a comment naming `mentions` (resolved by the caller, who knows
    /// who may see the task); `NotFound` if the task does not exist.
    async fn add_comment(
        &self,
        task: TaskId,
        author: UserId,
        body: CommentBody,
        mentions: Vec<UserId>,
    ) -> Result<Comment>;
    /// Tasks in one status, ordered by due date (undated last), then id.
    async fn list_tasks_by_status(&self, status: Status, page: PageRequest) -> Result<Page<Task>>;
    /// The tasks assigned to a user, oldest first, as list rows.
    async fn list_tasks_for_user(
        &self,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<TaskSummary>>;
    /// Not-done tasks due strictly before `date`, earliest first (reminders).
    async fn list_open_tasks_due_before(&self, date: Date, page: PageRequest)
        -> Result<Page<Task>>;
    /// Not-done tasks assigned to `user` due on or after `from` (any date
    /// when `None`) and strictly before `before`, earliest first, as the
    /// user's rows: their overdue and due-soon work without reading tasks
    /// they are not on, nor any done task.
    async fn list_open_assigned_due(
        &self,
        user: UserId,
        from: Option<Date>,
        before: Date,
        page: PageRequest,
    ) -> Result<Page<TaskSummary>>;
    /// Not-done tasks assigned to `user` at or after `since`, most recently
    /// assigned first, as the user's rows (with `assigned_at`). Assignments
    /// whose time was not recorded are not listed.
    async fn list_newly_assigned(
        &self,
        user: UserId,
        since: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Page<TaskSummary>>;
    /// Not-done tasks nobody is assigned to, by due date (undated last).
    async fn list_unassigned_open_tasks(&self, page: PageRequest) -> Result<Page<Task>>;
    /// Tasks carrying `label` in one status, ordered like
    /// [`Store::list_tasks_by_status`]: a filtered board column page.
    async fn list_tasks_by_label(
        &self,
        label: domain::LabelId,
        status: Status,
        page: PageRequest,
    ) -> Result<Page<Task>>;

    /// Tasks in one status that `search` finds (`domain::search` rules),
    /// from the search entries kept in each task's own write, never by
    /// reading the column. Ordered by the word found, then by creation; each
    /// task once. A page costs at most three requests on DynamoDB and may
    /// hold fewer than `page.limit` tasks with more to come (a task the
    /// lead word finds but another term rules out is skipped, not replaced
    /// by another read). An empty search lists the column.
    async fn search_tasks(
        &self,
        search: &TextSearch,
        status: Status,
        page: PageRequest,
    ) -> Result<Page<Task>>;

    /// Tasks of `project` in one status, ordered like
    /// [`Store::list_tasks_by_status`]: a project's board column page.
    async fn list_tasks_by_project(
        &self,
        project: domain::ProjectId,
        status: Status,
        page: PageRequest,
    ) -> Result<Page<Task>>;

    // --- projects --------------------------------------------------------
    /// A new, active project (one PutItem). The bound of
    /// `domain::MAX_PROJECTS` is the caller's, who lists them first anyway.
    async fn create_project(&self, name: domain::ProjectName) -> Result<domain::Project>;
    /// Renames, archives or restores; `Conflict` if `current.version` is
    /// stale. Whether archiving is allowed is the caller's check
    /// (`domain::check_archive`, with [`Store::project_counts`]).
    async fn update_project(
        &self,
        current: &domain::Project,
        name: domain::ProjectName,
        archived: bool,
    ) -> Result<domain::Project>;
    /// Every project, archived ones included, the default one always
    /// present: one Query.
    async fn list_projects(&self) -> Result<Vec<domain::Project>>;
    /// Every label and every project together (as [`Store::list_labels`]
    /// and [`Store::list_projects`]) and the directory's version, in one
    /// Query: what a board page needs.
    async fn catalog(&self) -> Result<Catalog>;
    /// A number every write that changes how someone appears in the
    /// directory (name, email, role, active; a new profile) increases in
    /// its own transaction: equal numbers mean a directory read in between
    /// is still current. 0 before any such write. One GetItem.
    async fn directory_version(&self) -> Result<u64>;
    /// The task counters of one project, or of every project (per status):
    /// one Query, whatever the number of tasks.
    async fn project_counts(&self, project: Option<domain::ProjectId>) -> Result<TaskCounters>;

    // --- labels ----------------------------------------------------------
    async fn create_label(
        &self,
        name: domain::LabelName,
        color: domain::LabelColor,
    ) -> Result<domain::Label>;
    /// Renames or recolours; `Conflict` if `current.version` is stale.
    async fn update_label(
        &self,
        current: &domain::Label,
        name: domain::LabelName,
        color: domain::LabelColor,
    ) -> Result<domain::Label>;
    /// Removes a label; tasks that carried it keep a dangling id that
    /// readers skip and the task's next edit drops.
    async fn delete_label(&self, current: &domain::Label) -> Result<()>;
    /// Every label (at most `domain::MAX_DEFINED_LABELS`), in one Query.
    async fn list_labels(&self) -> Result<Vec<domain::Label>>;

    // --- users -----------------------------------------------------------
    /// Creates a profile; `AlreadyExists` rather than overwrite, so a
    /// repeated sign-up trigger never resets a role.
    async fn create_profile(&self, new: NewProfile) -> Result<UserProfile>;
    async fn get_profile(&self, id: UserId) -> Result<UserProfile>;
    async fn update_profile(
        &self,
        current: &UserProfile,
        patch: &ProfilePatch,
    ) -> Result<UserProfile>;
    /// Changes a role; `LastAdmin` if it would leave no admin.
    async fn update_role(&self, current: &UserProfile, role: Role) -> Result<UserProfile>;
    /// Deactivates (ending every session) or reactivates a user; `LastAdmin`
    /// if it would leave no active admin.
    async fn set_active(&self, current: &UserProfile, active: bool) -> Result<UserProfile>;
    /// Ends every session issued so far (`sessions_not_before_ms` = now).
    async fn end_sessions(&self, current: &UserProfile) -> Result<UserProfile>;
    /// Everyone, ordered by email.
    async fn list_users(&self, page: PageRequest) -> Result<Page<UserProfile>>;
    /// Everyone, deactivated people included, in pages of up to 1 MB
    /// (about 1,500 profiles of ~650 bytes): what a directory cache
    /// refresh reads.
    async fn everyone(&self) -> Result<Vec<UserProfile>>;
    /// Everyone (as [`Store::everyone`]) and the task counters.
    async fn people_and_counters(&self) -> Result<(Vec<UserProfile>, TaskCounters)>;
    /// The task counters, every project and the directory's version: the
    /// dashboard's one Query, whatever the number of tasks or people.
    async fn overview(&self) -> Result<Overview>;
    /// Rewrites each task's project copy and corrects the stored counters
    /// to what the tasks add up to (see terraform/README.md): for a table
    /// that held tasks before counters, projects or search existed. Run it while
    /// nobody writes; a second run changes nothing.
    async fn repair_task_indexes(&self) -> Result<TaskCounters>;
    /// The profile with this (normalized) email, one index read; how SES's
    /// bounce and complaint reports, which name addresses, find a user.
    async fn profile_by_email(&self, email: &domain::Email) -> Result<UserProfile>;
    /// Stops email to the user for `reason` (version-checked; `Conflict`
    /// if the profile changed since `current` was read). Recording the
    /// same reason again writes nothing.
    async fn suppress_mail(
        &self,
        current: &UserProfile,
        reason: domain::SuppressionReason,
    ) -> Result<UserProfile>;

    /// Replaces the user's calendar feed (`None` revokes it) and the item
    /// that maps its token to them, in one version-checked transaction, so
    /// the old URL stops working the moment the new one exists.
    async fn set_calendar_feed(
        &self,
        current: &UserProfile,
        feed: Option<domain::CalendarFeed>,
    ) -> Result<UserProfile>;
    /// Whose calendar feed has this token hash (one GetItem); `NotFound`
    /// for an unknown or revoked token.
    async fn calendar_feed_owner(&self, token_hash: &str) -> Result<UserId>;

    // --- notifications ---------------------------------------------------
    async fn create_notification(&self, new: NewNotification) -> Result<Notification>;
    /// A user's notifications, newest first.
    async fn list_notifications(
        &self,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<Notification>>;
    /// Marks one notification read (a conditional put of the value the
    /// caller listed, so it is one request); `NotFound` if it is gone.
    async fn mark_notification_read(&self, notification: &Notification) -> Result<()>;

    // --- idempotency -----------------------------------------------------
    /// Records `key` for `ttl`; `true` if it was new (or had expired), so
    /// the caller should process the event, `false` if already seen.
    async fn put_marker(&self, key: &str, ttl: Duration) -> Result<bool>;
    /// Claims the permanent one-time marker `key` for `holder`; `true` if
    /// `holder` holds it afterwards, whether this call claimed it or an
    /// earlier one did. Unlike [`Store::put_marker`] the winner is recorded,
    /// so a retry of the winner's work can tell it already won (and finish
    /// what it started) while everyone else keeps losing. A marker written
    /// by `put_marker` under the same key counts as held by someone else.
    /// One conditional PutItem, plus one GetItem when the key is taken.
    async fn claim_marker(&self, key: &str, holder: &str) -> Result<bool>;

    // --- webhooks --------------------------------------------------------
    /// Stores a webhook with a freshly minted id and signing secret (one
    /// PutItem). The bound of `domain::MAX_WEBHOOKS` is the caller's, who
    /// lists them first anyway.
    async fn create_webhook(&self, new: domain::NewWebhook) -> Result<domain::Webhook>;
    /// Every webhook, oldest first: one Query.
    async fn list_webhooks(&self) -> Result<Vec<domain::Webhook>>;
    /// `NotFound` if it is already gone. Deliveries in flight may still
    /// record their outcome on it: that write is refused, not resurrected.
    async fn delete_webhook(&self, id: domain::WebhookId) -> Result<()>;
    /// Records the newest delivery outcome on the webhook as read by the
    /// caller (one PutItem, only if the webhook still exists; `NotFound`
    /// otherwise). A webhook's configuration never changes after creation,
    /// so writing the caller's copy loses nothing but a concurrent
    /// delivery's outcome, and the newest one is all that is shown.
    async fn record_webhook_delivery(
        &self,
        hook: &domain::Webhook,
        delivery: domain::WebhookDelivery,
    ) -> Result<domain::Webhook>;

    // --- invitations -------------------------------------------------------
    /// Whether at least one active admin exists (one GetItem of the admin
    /// count): the "admin exists" input of `domain::admit`.
    async fn has_active_admin(&self) -> Result<bool>;
    /// Stores an invitation (one PutItem): a new one if `current` is `None`
    /// (`Conflict` if the address already has one), else a replacement of
    /// `current` as read (`Conflict` if it changed or went meanwhile). The
    /// version is set here. Replacing changes the token: the old link dies.
    async fn save_invitation(
        &self,
        next: domain::Invitation,
        current: Option<&domain::Invitation>,
    ) -> Result<domain::Invitation>;
    /// The invitation of this (normalised) address: one GetItem.
    async fn get_invitation(&self, email: &domain::Email) -> Result<domain::Invitation>;
    /// The invitation whose token has this keyed hash: one Query of GSI1.
    async fn invitation_by_token(&self, token_hash: &str) -> Result<domain::Invitation>;
    /// Every pending invitation (expired ones included), by address: one
    /// Query per 500.
    async fn list_invitations(&self) -> Result<Vec<domain::Invitation>>;
    /// Withdraws an invitation (one DeleteItem); `NotFound` if none.
    async fn revoke_invitation(&self, email: &domain::Email) -> Result<()>;
    /// Consumes `invitation` (as read: `NotFound` if it was revoked or used
    /// meanwhile, `Conflict` if it was re-sent) and creates the profile, in
    /// one transaction; `AlreadyExists` if the profile exists.
    async fn accept_invitation(
        &self,
        invitation: &domain::Invitation,
        profile: NewProfile,
    ) -> Result<UserProfile>;
}

/// The local equivalent of DynamoDB Streams: changes in commit order, each
/// with old and new images. On AWS the stream itself plays this role and
/// is read by the stream-processor Lambda, so only `SqliteStore` has it.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Unprocessed changes with `seq > after_seq`, oldest first.
    async fn read_changes(&self, after_seq: i64, limit: u32) -> Result<Vec<Change>>;
    /// Marks one change processed (after its side effects are done).
    async fn ack_change(&self, seq: i64) -> Result<()>;
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
