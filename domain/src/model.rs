//! Entities and enums. Field names serialise in camelCase and enums in
//! SCREAMING_SNAKE_CASE because that is the wire format of the UI, the
//! stored items and the notifier's stream images alike.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::checklist::{Checklist, Progress};
use crate::ids::{CommentId, LabelId, NotificationId, ProjectId, TaskId, UserId};
use crate::recurrence::Recurrence;
use crate::text::{CommentBody, Description, DisplayName, Email, TaskTitle};

/// An enum name that is not one of the allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct ParseEnumError {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $label:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order (board columns, filters).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ParseEnumError { kind: $label, value: s.to_owned() }),
                }
            }
        }
    };
}

wire_enum!(
    /// Where a task is in its life; moves are governed by
    /// [`crate::policy::check_transition`].
    Status, "status" {
        Open => "OPEN",
        InProgress => "IN_PROGRESS",
        Blocked => "BLOCKED",
        InReview => "IN_REVIEW",
        Done => "DONE",
    }
);

wire_enum!(
    /// Ordered from least to most pressing, so `Ord` sorts by urgency.
    Priority, "priority" {
        Low => "LOW",
        Medium => "MEDIUM",
        High => "HIGH",
        Urgent => "URGENT",
    }
);

impl Priority {
    /// How people read it.
    pub const fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }
}

wire_enum!(
    /// The two roles of DESIGN.md; mirrors the Cognito groups.
    Role, "role" {
        Admin => "ADMIN",
        Member => "MEMBER",
    }
);

wire_enum!(
    /// What happened, as far as notifications are concerned.
    EventKind, "event kind" {
        Assigned => "ASSIGNED",
        Unassigned => "UNASSIGNED",
        StatusChanged => "STATUS_CHANGED",
        Commented => "COMMENTED",
        Mentioned => "MENTIONED",
        DueSoon => "DUE_SOON",
        Overdue => "OVERDUE",
    }
);

wire_enum!(
    /// The editable fields of a task, so authorisation can be per field.
    TaskField, "task field" {
        Title => "TITLE",
        Description => "DESCRIPTION",
        Priority => "PRIORITY",
        DueDate => "DUE_DATE",
        Status => "STATUS",
        Assignees => "ASSIGNEES",
        Checklist => "CHECKLIST",
        Repeat => "REPEAT",
        Labels => "LABELS",
        Project => "PROJECT",
    }
);

impl Status {
    /// How people read it, on pages and in emails alike.
    pub const fn label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::InProgress => "In progress",
            Status::Blocked => "Blocked",
            Status::InReview => "In review",
            Status::Done => "Done",
        }
    }

    /// Whether the task still needs work: only these are reminded about
    /// (the store keeps them in its sparse "open tasks by due date" index).
    pub const fn is_open(self) -> bool {
        !matches!(self, Status::Done)
    }
}

/// A task as stored. `assignees` is kept sorted and free of duplicates so
/// that equality and diffs (who was added, who removed) are cheap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: TaskId,
    /// Absent on tasks stored before projects existed: they belong to the
    /// default project.
    #[serde(default)]
    pub project: ProjectId,
    pub title: TaskTitle,
    #[serde(default)]
    pub description: Option<Description>,
    pub status: Status,
    pub priority: Priority,
    #[serde(default, with = "crate::serde_fmt::date::option")]
    pub due: Option<Date>,
    #[serde(default)]
    pub assignees: Vec<UserId>,
    #[serde(default, skip_serializing_if = "Checklist::is_empty")]
    pub checklist: Checklist,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    /// Sorted, no duplicates, at most [`crate::MAX_LABELS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LabelId>,
    /// The occurrence that finishing this one created. Set in the same
    /// write as the finish, so reopening and finishing again, or a retry,
    /// never starts a second one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_occurrence: Option<TaskId>,
    /// When each current assignee was assigned, kept across later writes so
    /// that "newly assigned to you" is one indexed query on the assignment
    /// copies. Absent for assignments made before it was recorded.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "crate::serde_fmt::instant_map"
    )]
    pub assigned_at: BTreeMap<UserId, OffsetDateTime>,
    pub created_by: UserId,
    /// Who made the latest change (`None` until the first change). Stored on
    /// the item because a stream image is all the notifier sees, and it must
    /// never notify people of their own actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking counter: 1 on create, +1 on every change.
    pub version: u64,
}

/// What a list row needs. Copied onto each assignment so that "my tasks"
/// is one query without reading the tasks themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSummary {
    pub id: TaskId,
    #[serde(default)]
    pub project: ProjectId,
    pub title: TaskTitle,
    pub status: Status,
    pub priority: Priority,
    #[serde(default, with = "crate::serde_fmt::date::option")]
    pub due: Option<Date>,
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<Progress>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recurring: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LabelId>,
    /// On an assignment copy: when this copy's user was assigned.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub assigned_at: Option<OffsetDateTime>,
    /// When the task last changed (copies written before it was recorded
    /// have none): what a calendar feed stamps its event with.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub updated_at: Option<OffsetDateTime>,
}

/// Input for creating a task; the store assigns id, timestamps and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    #[serde(default)]
    pub project: ProjectId,
    pub title: TaskTitle,
    #[serde(default)]
    pub description: Option<Description>,
    pub priority: Priority,
    #[serde(default, with = "crate::serde_fmt::date::option")]
    pub due: Option<Date>,
    #[serde(default)]
    pub assignees: Vec<UserId>,
    pub created_by: UserId,
    /// Where the task starts. A quick-add in a board column creates the task
    /// in that column in one write, rather than creating and then moving it
    /// (two versions, two activity rows, and a window where it sits in OPEN).
    #[serde(default = "first_status")]
    pub status: Status,
    #[serde(default)]
    pub checklist: Checklist,
    #[serde(default)]
    pub recurrence: Option<Recurrence>,
    #[serde(default)]
    pub labels: Vec<LabelId>,
}

fn first_status() -> Status {
    Status::Open
}

/// A partial edit. The outer `Option` means "leave unchanged"; for
/// clearable fields the inner `None` means "clear".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskPatch {
    #[serde(default)]
    pub title: Option<TaskTitle>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub description: Option<Option<Description>>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub due: Option<Option<DueDate>>,
    #[serde(default)]
    pub checklist: Option<Checklist>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub recurrence: Option<Option<Recurrence>>,
    #[serde(default)]
    pub labels: Option<Vec<LabelId>>,
    /// Moves the task to another project (whether that project takes
    /// tasks is the caller's check: it has the project list).
    #[serde(default)]
    pub project: Option<ProjectId>,
}

/// Distinguishes an explicit `null` ("clear it") from an absent field
/// ("leave it"), which plain `Option<Option<_>>` cannot.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A due date carried inside [`TaskPatch`], serialised as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DueDate(#[serde(with = "crate::serde_fmt::date")] pub Date);

impl TaskPatch {
    /// The fields this patch touches, for per-field authorisation.
    pub fn fields(&self) -> Vec<TaskField> {
        let mut out = Vec::new();
        if self.title.is_some() {
            out.push(TaskField::Title);
        }
        if self.description.is_some() {
            out.push(TaskField::Description);
        }
        if self.priority.is_some() {
            out.push(TaskField::Priority);
        }
        if self.due.is_some() {
            out.push(TaskField::DueDate);
        }
        if self.checklist.is_some() {
            out.push(TaskField::Checklist);
        }
        if self.recurrence.is_some() {
            out.push(TaskField::Repeat);
        }
        if self.labels.is_some() {
            out.push(TaskField::Labels);
        }
        if self.project.is_some() {
            out.push(TaskField::Project);
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }
}

impl Task {
    /// Builds the first version of a task (ids and clocks come from the store).
    pub fn create(id: TaskId, new: NewTask, now: OffsetDateTime) -> Task {
        let mut assignees = new.assignees;
        assignees.sort();
        assignees.dedup();
        Task {
            id,
            project: new.project,
            title: new.title,
            description: new.description,
            status: new.status,
            priority: new.priority,
            due: new.due,
            assigned_at: assignees.iter().map(|u| (*u, now)).collect(),
            assignees,
            checklist: new.checklist,
            recurrence: new.due.and(new.recurrence),
            labels: {
                let mut l = new.labels;
                l.sort();
                l.dedup();
                l
            },
            next_occurrence: None,
            created_by: new.created_by,
            updated_by: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn summary(&self) -> TaskSummary {
        TaskSummary {
            id: self.id,
            project: self.project,
            title: self.title.clone(),
            status: self.status,
            priority: self.priority,
            due: self.due,
            version: self.version,
            checklist: self.checklist.progress(),
            recurring: self.recurrence.is_some(),
            labels: self.labels.clone(),
            assigned_at: None,
            updated_at: Some(self.updated_at),
        }
    }

    /// The row copied onto `user`'s assignment, with when they were assigned.
    pub fn summary_for(&self, user: UserId) -> TaskSummary {
        TaskSummary {
            assigned_at: self.assigned_at.get(&user).copied(),
            ..self.summary()
        }
    }

    /// The next version with `patch` applied.
    pub fn patched(&self, patch: &TaskPatch, by: UserId, now: OffsetDateTime) -> Task {
        let mut next = self.next_version(by, now);
        if let Some(t) = &patch.title {
            next.title = t.clone();
        }
        if let Some(d) = &patch.description {
            next.description = d.clone();
        }
        if let Some(p) = patch.priority {
            next.priority = p;
        }
        if let Some(d) = patch.due {
            next.due = d.map(|d| d.0);
            // A series follows its task's due date unless the same patch
            // sets the rule itself; a task without a date cannot repeat.
            next.recurrence = match next.due {
                Some(due) => next.recurrence.map(|r| r.anchored_at(due)),
                None => None,
            };
        }
        if let Some(c) = &patch.checklist {
            next.checklist = c.clone();
        }
        if let Some(r) = patch.recurrence {
            next.recurrence = next.due.and(r);
        }
        if let Some(l) = &patch.labels {
            next.labels = l.clone();
            next.labels.sort();
            next.labels.dedup();
        }
        if let Some(p) = patch.project {
            next.project = p;
        }
        next
    }

    /// The task that finishing this one creates, with id `id`: same title,
    /// description, priority, assignees and rule, a fresh checklist, due on
    /// the series' next date after this one's due date. `None` when the
    /// task does not repeat, has no date, or already made its successor.
    pub fn next_occurrence(&self, id: TaskId, by: UserId, now: OffsetDateTime) -> Option<Task> {
        let (rule, due) = (self.recurrence?, self.due?);
        if self.next_occurrence.is_some() {
            return None;
        }
        let new = NewTask {
            project: self.project,
            title: self.title.clone(),
            description: self.description.clone(),
            priority: self.priority,
            due: Some(rule.next_after(due)?),
            assignees: self.assignees.clone(),
            created_by: by,
            status: Status::Open,
            checklist: self.checklist.fresh(),
            recurrence: Some(rule),
            labels: self.labels.clone(),
        };
        Some(Task::create(id, new, now))
    }

    /// The next version with another status (policy is checked by the caller
    /// with [`crate::policy::check_transition`]).
    pub fn with_status(&self, status: Status, by: UserId, now: OffsetDateTime) -> Task {
        let mut next = self.next_version(by, now);
        next.status = status;
        next
    }

    /// The next version with `add` assigned and `remove` unassigned.
    pub fn with_assignees(
        &self,
        add: &[UserId],
        remove: &[UserId],
        by: UserId,
        now: OffsetDateTime,
    ) -> Task {
        let mut next = self.next_version(by, now);
        next.assignees.retain(|u| !remove.contains(u));
        next.assignees
            .extend(add.iter().filter(|u| !remove.contains(u)));
        next.assignees.sort();
        next.assignees.dedup();
        // Someone already assigned keeps their time; a newcomer's is now.
        let before = std::mem::take(&mut next.assigned_at);
        next.assigned_at = next
            .assignees
            .iter()
            .filter_map(|u| match (self.is_assigned(*u), before.get(u)) {
                (true, Some(at)) => Some((*u, *at)),
                (true, None) => None,
                (false, _) => Some((*u, now)),
            })
            .collect();
        next
    }

    pub fn is_assigned(&self, user: UserId) -> bool {
        self.assignees.binary_search(&user).is_ok()
    }

    fn next_version(&self, by: UserId, now: OffsetDateTime) -> Task {
        let mut next = self.clone();
        next.version = self.version + 1;
        next.updated_by = Some(by);
        next.updated_at = now;
        next
    }
}

/// Whether one kind of event reaches a user by email and/or in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPrefs {
    pub email: bool,
    pub in_app: bool,
}

impl Default for EventPrefs {
    fn default() -> Self {
        EventPrefs {
            email: true,
            in_app: true,
        }
    }
}

/// Per-event-kind preferences. A struct rather than a map so that a new
/// [`EventKind`] fails to compile until its default is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPrefs {
    pub assigned: EventPrefs,
    pub unassigned: EventPrefs,
    pub status_changed: EventPrefs,
    pub commented: EventPrefs,
    /// Someone wrote `@handle` for this user in a comment on a task they
    /// can see; on by default, on both channels, like every kind.
    pub mentioned: EventPrefs,
    pub due_soon: EventPrefs,
    pub overdue: EventPrefs,
}

impl NotificationPrefs {
    pub fn get(&self, kind: EventKind) -> EventPrefs {
        match kind {
            EventKind::Assigned => self.assigned,
            EventKind::Unassigned => self.unassigned,
            EventKind::StatusChanged => self.status_changed,
            EventKind::Commented => self.commented,
            EventKind::Mentioned => self.mentioned,
            EventKind::DueSoon => self.due_soon,
            EventKind::Overdue => self.overdue,
        }
    }

    pub fn set(&mut self, kind: EventKind, prefs: EventPrefs) {
        let slot = match kind {
            EventKind::Assigned => &mut self.assigned,
            EventKind::Unassigned => &mut self.unassigned,
            EventKind::StatusChanged => &mut self.status_changed,
            EventKind::Commented => &mut self.commented,
            EventKind::Mentioned => &mut self.mentioned,
            EventKind::DueSoon => &mut self.due_soon,
            EventKind::Overdue => &mut self.overdue,
        };
        *slot = prefs;
    }

    /// Keeps every in-app notification, drops every email.
    pub fn email_off(&mut self) {
        for p in [
            &mut self.assigned,
            &mut self.unassigned,
            &mut self.status_changed,
            &mut self.commented,
            &mut self.mentioned,
            &mut self.due_soon,
            &mut self.overdue,
        ] {
            p.email = false;
        }
    }
}

/// A personal iCalendar feed. Calendar apps cannot sign in, so the URL's
/// secret token is the credential; only its SHA-256 is kept (here and on
/// the item that maps it back to the person), so a leaked table or backup
/// does not leak working feed URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarFeed {
    /// Lowercase hex SHA-256 of the token.
    pub token_hash: String,
    /// Every open dated task rather than the person's own; honoured only
    /// while the person is an admin.
    pub all_tasks: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Why email to an address stopped, as SES reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionReason {
    /// A permanent bounce: the mailbox does not exist or refuses mail.
    Bounce,
    /// The recipient reported a message as spam.
    Complaint,
}

impl SuppressionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionReason::Bounce => "bounce",
            SuppressionReason::Complaint => "complaint",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailSuppressed {
    pub reason: SuppressionReason,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub id: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    /// A deactivated user can neither sign in nor act, and receives nothing;
    /// their name stays on what they did.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Unix milliseconds: sessions begun and tokens issued before this no
    /// longer count (set by a password reset or a deactivation).
    #[serde(default)]
    pub sessions_not_before_ms: i64,
    #[serde(default)]
    pub prefs: NotificationPrefs,
    /// Set when SES reported the address undeliverable or the recipient
    /// marked our mail as spam: nothing more is emailed to it (sending on
    /// would hurt the account's reputation and get sending paused), and
    /// the Team page says so, so an admin can sort it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_suppressed: Option<MailSuppressed>,
    /// The person's calendar feed, if they made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_feed: Option<CalendarFeed>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

/// What sign-up knows about a user; the id is the identity provider's `sub`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewProfile {
    pub id: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
}

/// Self-service profile edits. Role is deliberately absent: it changes only
/// through the admin-only, last-admin-guarded role update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfilePatch {
    #[serde(default)]
    pub display_name: Option<DisplayName>,
    #[serde(default)]
    pub prefs: Option<NotificationPrefs>,
}

impl UserProfile {
    pub fn create(new: NewProfile, now: OffsetDateTime) -> UserProfile {
        UserProfile {
            id: new.id,
            email: new.email,
            display_name: new.display_name,
            role: new.role,
            active: true,
            sessions_not_before_ms: 0,
            mail_suppressed: None,
            calendar_feed: None,
            prefs: NotificationPrefs::default(),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn patched(&self, patch: &ProfilePatch, now: OffsetDateTime) -> UserProfile {
        let mut next = self.clone();
        if let Some(n) = &patch.display_name {
            next.display_name = n.clone();
        }
        if let Some(p) = patch.prefs {
            next.prefs = p;
        }
        next.version += 1;
        next.updated_at = now;
        next
    }

    pub fn with_role(&self, role: Role, now: OffsetDateTime) -> UserProfile {
        let mut next = self.clone();
        next.role = role;
        next.version += 1;
        next.updated_at = now;
        next
    }

    /// Deactivating also ends every session issued so far.
    pub fn with_active(&self, active: bool, now: OffsetDateTime) -> UserProfile {
        let mut next = if active {
            self.clone()
        } else {
            self.with_sessions_ended(now)
        };
        next.active = active;
        next.version = self.version + 1;
        next.updated_at = now;
        next
    }

    pub fn with_sessions_ended(&self, now: OffsetDateTime) -> UserProfile {
        let mut next = self.clone();
        next.sessions_not_before_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        next.version += 1;
        next.updated_at = now;
        next
    }

    /// The profile with email to it stopped for `reason`; `None` if that is
    /// already recorded (so a repeated bounce report writes nothing).
    pub fn with_mail_suppressed(
        &self,
        reason: SuppressionReason,
        now: OffsetDateTime,
    ) -> Option<UserProfile> {
        if self.mail_suppressed.is_some_and(|s| s.reason == reason) {
            return None;
        }
        let mut next = self.clone();
        next.mail_suppressed = Some(MailSuppressed { reason, at: now });
        next.version += 1;
        next.updated_at = now;
        Some(next)
    }

    /// The profile with its calendar feed replaced (`None`: revoked).
    pub fn with_calendar_feed(
        &self,
        feed: Option<CalendarFeed>,
        now: OffsetDateTime,
    ) -> UserProfile {
        let mut next = self.clone();
        next.calendar_feed = feed;
        next.version += 1;
        next.updated_at = now;
        next
    }

    /// Whether email may be sent to this user at all (preferences aside).
    pub fn mail_deliverable(&self) -> bool {
        self.active && self.mail_suppressed.is_none()
    }

    /// Counted by the last-admin guard: an admin who can act.
    pub fn is_active_admin(&self) -> bool {
        self.active && self.role == Role::Admin
    }
}

fn active_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: CommentId,
    pub task_id: TaskId,
    pub author: UserId,
    pub body: CommentBody,
    /// Who the `@handle`s in the body named when it was written, among the
    /// people who could see the task then (see [`crate::mention`]): what
    /// the notifier tells, and what the page highlights.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An in-app notification. The task title is a snapshot taken when the
/// event happened, so the list renders without reading every task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: EventKind,
    #[serde(default)]
    pub task_id: Option<TaskId>,
    pub task_title: String,
    pub message: String,
    #[serde(default)]
    pub actor: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: EventKind,
    #[serde(default)]
    pub task_id: Option<TaskId>,
    pub task_title: String,
    pub message: String,
    #[serde(default)]
    pub actor: Option<UserId>,
}

/// One change in a task's history. Derived from the versions before and
/// after a write (never from what the caller claims), so the history cannot
/// disagree with the task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityChange {
    Created,
    Edited { fields: Vec<TaskField> },
    StatusChanged { from: Status, to: Status },
    Assigned { users: Vec<UserId> },
    Unassigned { users: Vec<UserId> },
}

/// The history entry written with version `version` of a task, in the same
/// transaction as the task itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub task_id: TaskId,
    pub version: u64,
    pub actor: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub changes: Vec<ActivityChange>,
}

impl Activity {
    /// What turned `old` into `new` (`None` for a creation).
    pub fn between(old: Option<&Task>, new: &Task) -> Activity {
        let mut changes = Vec::new();
        match old {
            None => changes.push(ActivityChange::Created),
            Some(old) => {
                let mut fields = Vec::new();
                if old.title != new.title {
                    fields.push(TaskField::Title);
                }
                if old.description != new.description {
                    fields.push(TaskField::Description);
                }
                if old.priority != new.priority {
                    fields.push(TaskField::Priority);
                }
                if old.due != new.due {
                    fields.push(TaskField::DueDate);
                }
                if old.checklist != new.checklist {
                    fields.push(TaskField::Checklist);
                }
                if old.recurrence != new.recurrence {
                    fields.push(TaskField::Repeat);
                }
                if old.labels != new.labels {
                    fields.push(TaskField::Labels);
                }
                if old.project != new.project {
                    fields.push(TaskField::Project);
                }
                if !fields.is_empty() {
                    changes.push(ActivityChange::Edited { fields });
                }
                if old.status != new.status {
                    changes.push(ActivityChange::StatusChanged {
                        from: old.status,
                        to: new.status,
                    });
                }
                let added: Vec<UserId> = new
                    .assignees
                    .iter()
                    .filter(|u| !old.is_assigned(**u))
                    .copied()
                    .collect();
                let removed: Vec<UserId> = old
                    .assignees
                    .iter()
                    .filter(|u| !new.is_assigned(**u))
                    .copied()
                    .collect();
                if !added.is_empty() {
                    changes.push(ActivityChange::Assigned { users: added });
                }
                if !removed.is_empty() {
                    changes.push(ActivityChange::Unassigned { users: removed });
                }
            }
        }
        let (actor, at) = match old {
            None => (new.created_by, new.created_at),
            Some(_) => (new.updated_by.unwrap_or(new.created_by), new.updated_at),
        };
        Activity {
            task_id: new.id,
            version: new.version,
            actor,
            at,
            changes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    fn uid(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn task() -> Task {
        Task::create(
            TaskId::from_uuid(Uuid::from_u128(9)),
            NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: crate::Status::Open,
                title: TaskTitle::parse("Write docs").unwrap(),
                description: None,
                priority: Priority::High,
                due: Some(date!(2026 - 03 - 01)),
                assignees: vec![uid(3), uid(1), uid(3)],
                created_by: uid(1),
            },
            datetime!(2026-01-01 00:00 UTC),
        )
    }

    #[test]
    fn create_normalises_assignees_and_starts_at_version_1() {
        let t = task();
        assert_eq!(t.assignees, vec![uid(1), uid(3)]);
        assert_eq!((t.version, t.status), (1, Status::Open));
    }

    #[test]
    fn a_task_starts_where_it_was_created_and_open_by_default() {
        let t = task();
        let mut new = NewTask {
            project: Default::default(),
            checklist: Default::default(),
            recurrence: None,
            labels: Vec::new(),
            status: Status::Blocked,
            title: t.title.clone(),
            description: None,
            priority: t.priority,
            due: None,
            assignees: vec![uid(2)],
            created_by: uid(1),
        };
        let at = datetime!(2026-01-01 00:00 UTC);
        let blocked = Task::create(TaskId::from_uuid(Uuid::from_u128(10)), new.clone(), at);
        assert_eq!((blocked.status, blocked.version), (Status::Blocked, 1));
        assert_eq!(blocked.summary_for(uid(2)).status, Status::Blocked);
        // Input written before tasks had a starting status still reads.
        new.status = Status::Open;
        let mut json = serde_json::to_value(&new).unwrap();
        json.as_object_mut().unwrap().remove("status");
        assert_eq!(serde_json::from_value::<NewTask>(json).unwrap(), new);
    }

    #[test]
    fn patch_bumps_version_and_can_clear() {
        let t = task();
        let later = datetime!(2026-01-02 00:00 UTC);
        let p = TaskPatch {
            due: Some(None),
            description: Some(Description::parse_optional("x").unwrap()),
            ..Default::default()
        };
        assert_eq!(p.fields(), vec![TaskField::Description, TaskField::DueDate]);
        let n = t.patched(&p, uid(9), later);
        assert_eq!(n.updated_by, Some(uid(9)));
        assert_eq!((n.version, n.due, n.updated_at), (2, None, later));
        assert_eq!(n.description.unwrap().as_str(), "x");
        let a = t.with_assignees(&[uid(2)], &[uid(1)], uid(9), later);
        assert_eq!(a.assignees, vec![uid(2), uid(3)]);
    }

    #[test]
    fn activity_describes_each_kind_of_change() {
        let t = task();
        let created = Activity::between(None, &t);
        assert_eq!(created.changes, vec![ActivityChange::Created]);
        assert_eq!((created.actor, created.version), (uid(1), 1));

        let later = datetime!(2026-01-02 00:00 UTC);
        let p = TaskPatch {
            title: Some(TaskTitle::parse("Write better docs").unwrap()),
            due: Some(None),
            ..Default::default()
        };
        let edited = t.patched(&p, uid(7), later);
        let a = Activity::between(Some(&t), &edited);
        assert_eq!(
            a.changes,
            vec![ActivityChange::Edited {
                fields: vec![TaskField::Title, TaskField::DueDate]
            }]
        );
        assert_eq!((a.actor, a.at, a.version), (uid(7), later, 2));

        let moved = edited.with_status(Status::InProgress, uid(3), later);
        let reassigned = moved.with_assignees(&[uid(2)], &[uid(1)], uid(7), later);
        assert_eq!(
            Activity::between(Some(&edited), &moved).changes,
            vec![ActivityChange::StatusChanged {
                from: Status::Open,
                to: Status::InProgress
            }]
        );
        assert_eq!(
            Activity::between(Some(&moved), &reassigned).changes,
            vec![
                ActivityChange::Assigned {
                    users: vec![uid(2)]
                },
                ActivityChange::Unassigned {
                    users: vec![uid(1)]
                }
            ]
        );
        let json = serde_json::to_value(&reassigned).unwrap();
        assert_eq!(json["status"], "IN_PROGRESS");
        let wire = serde_json::to_value(Activity::between(Some(&edited), &moved)).unwrap();
        assert_eq!(wire["changes"][0]["type"], "STATUS_CHANGED");
    }

    #[test]
    fn wire_format_is_camel_case_and_screaming_enums() {
        let json = serde_json::to_value(task()).unwrap();
        assert_eq!(json["status"], "OPEN");
        assert_eq!(json["priority"], "HIGH");
        assert_eq!(json["due"], "2026-03-01");
        assert_eq!(json["createdAt"], "2026-01-01T00:00:00Z");
        let back: Task = serde_json::from_value(json).unwrap();
        assert_eq!(back, task());
        let patch: TaskPatch = serde_json::from_str(r#"{"due":"2026-05-04"}"#).unwrap();
        assert_eq!(patch.due, Some(Some(DueDate(date!(2026 - 05 - 04)))));
        let clear: TaskPatch = serde_json::from_str(r#"{"due":null}"#).unwrap();
        assert_eq!((clear.due, clear.description), (Some(None), None));
        assert_eq!("IN_REVIEW".parse::<Status>(), Ok(Status::InReview));
        assert!("done".parse::<Status>().is_err());
    }

    #[test]
    fn assignment_times_survive_later_writes_and_restart_on_reassignment() {
        let t = task();
        let created = datetime!(2026-01-01 00:00 UTC);
        assert_eq!(t.summary_for(uid(3)).assigned_at, Some(created));
        assert_eq!(t.summary_for(uid(2)).assigned_at, None);
        assert_eq!(t.summary().assigned_at, None);
        let later = datetime!(2026-01-05 00:00 UTC);
        let moved = t.with_status(Status::InProgress, uid(1), later);
        let a = moved.with_assignees(&[uid(2), uid(3)], &[uid(1)], uid(9), later);
        assert_eq!(
            a.assigned_at.into_iter().collect::<Vec<_>>(),
            vec![(uid(2), later), (uid(3), created)],
            "the newcomer is assigned now, the one kept keeps their time"
        );
        let gone = t.with_assignees(&[], &[uid(3)], uid(9), later);
        let back = gone.with_assignees(&[uid(3)], &[], uid(9), datetime!(2026-01-06 00:00 UTC));
        assert_eq!(
            back.summary_for(uid(3)).assigned_at,
            Some(datetime!(2026-01-06 00:00 UTC))
        );
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json["assignedAt"][uid(3).to_string()],
            "2026-01-01T00:00:00Z"
        );
        // Tasks stored before assignment times were kept still read.
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("assignedAt");
        let read: Task = serde_json::from_value(old).unwrap();
        assert!(read.assigned_at.is_empty());
        assert_eq!(read.summary_for(uid(3)).assigned_at, None);
        let kept = read.with_assignees(&[uid(3)], &[], uid(9), later);
        assert_eq!(
            kept.summary_for(uid(3)).assigned_at,
            None,
            "unknown stays unknown"
        );
    }

    #[test]
    fn prefs_round_trip_per_kind() {
        let mut p = NotificationPrefs::default();
        let off = EventPrefs {
            email: false,
            in_app: true,
        };
        p.set(EventKind::Commented, off);
        assert_eq!(p.get(EventKind::Commented), off);
        assert_eq!(p.get(EventKind::Assigned), EventPrefs::default());
    }
}
