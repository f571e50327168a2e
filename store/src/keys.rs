//! The single-table key design shared by both stores (DESIGN.md "Data").
//!
//! | item | PK | SK | GSI1 | GSI2 | GSI3 |
//! |---|---|---|---|---|---|
//! | task | `TASK#id` | `METADATA` | `STATUS#s` / `DUE#date#TASK#id` | `UNASSIGNED` / `DUE#date#TASK#id` while not done and nobody is assigned | `OPEN` / `DUE#date#TASK#id` while not done and dated |
//! | assignment | `TASK#id` | `ASSIGN#USER#uid` | `ASSIGNED#USER#uid` / `AT#time#TASK#id` while not done (and the time is known) | `USER#uid` / `TASK#id` | `OPEN#USER#uid` / `DUE#date#TASK#id` while not done and dated |
//! | comment | `TASK#id` | `COMMENT#cid` | | | |
//! | label copy | `TASK#id` | `TAGGED#LABEL#lid` (the task) | `LABEL#lid#STATUS#s` / `DUE#date#TASK#id` | | |
//! | project copy | `TASK#id` | `TAGGED#PROJECT` (the task) | `PROJECT#pid#STATUS#s` / `DUE#date#TASK#id` | | |
//! | label | `LABELS` | `LABEL#lid` | | | |
//! | project | `LABELS` | `PROJECT#pid` | `USERS` / `CATALOG#PROJECT#pid` | | |
//! | profile | `USER#uid` | `PROFILE` | `USERS` / `EMAIL#email` | | |
//! | notification | `USER#uid` | `NOTIF#nid` | | | |
//! | idempotency marker | `MARKER#key` | `MARKER` | | | |
//! | calendar feed token | `FEED#sha256(token)` | `FEED` | | | |
//! | admin count | `META` | `ADMIN_COUNT` | | | |
//! | webhook (with its last delivery) | `WEBHOOKS` | `WEBHOOK#id` | | | |
//! | invitation | `INVITES` | `INVITE#email` | `INVITE_TOKEN#hash` / `INVITE` | | |
//! | task counter | `COUNTER` | `TASKS#STATUS#s`, `TASKS#OPEN#UNASSIGNED`, `TASKS#OPEN#USER#uid`, `TASKS#PROJECT#pid#STATUS#s` | `USERS` / `COUNTER#` + SK | | |
//!
//! Task counters are adjusted in the transaction of every task write, so
//! the dashboard never reads tasks to count them. They sit in the `USERS`
//! partition of GSI1 (sorting before every `EMAIL#`), so one Query yields
//! the counters and the names to put on them. A counter's SK is a path of
//! dimensions (`TASKS#` then `STATUS#s` or `OPEN#…`): a project dimension
//! is one more segment (`TASKS#PROJECT#pid#STATUS#s`) next to the team-wide
//! ones, with no change to the existing keys.
//!
//! Every task has one project copy, the task under a fixed sort key, so
//! a project's board column is one Query of `PROJECT#pid#STATUS#s` and the
//! all-projects column stays the task items' own `STATUS#s`; moving a task
//! to another project overwrites the copy (its GSI1 key changes), which
//! costs one item in the task's transaction, not two. Tasks stored before
//! projects existed belong to the default project and get their copy from
//! `Store::repair_task_indexes` on DynamoDB (run once) and from a schema
//! migration in SQLite.
//!
//! Labels and projects are one partition, `LABELS` (its name predates
//! projects), so a page that shows both reads them in one Query.
//!
//! A label copy carries the whole task, so a board column filtered by a
//! label is one Query of its `LABEL#lid#STATUS#s` partition, paged like the
//! unfiltered one; its sort key sorts after `METADATA`, outside the
//! "task plus newest comments" range. All labels are one partition: a team
//! defines at most `domain::MAX_DEFINED_LABELS`, read in one Query.
//!
//! Comment and notification ids are uuid v7, whose text form sorts by
//! creation time, so `COMMENT#cid` is the `COMMENT#ts#id` of DESIGN.md in
//! one component. Undated tasks use `DUE#NONE`, which sorts after every
//! date. `COMMENT#` and `METADATA` are adjacent in sort order (assignments
//! sort before both), so "task plus newest comments" is one descending
//! range query.
//!
//! The home page's lists reuse the three indexes under new partitions
//! rather than adding a fourth: a person's open dated assignments by due
//! date (`OPEN#USER#uid` in GSI3: overdue and due soon are two ranges of
//! it), their open assignments by when they were assigned
//! (`ASSIGNED#USER#uid` in GSI1), and open tasks nobody is assigned to
//! (`UNASSIGNED` in GSI2). Each is sparse, so a list never reads done
//! tasks, and each is one Query whatever the size of the team.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use domain::{Comment, Notification, Task, TaskId, TaskSummary, UserId, UserProfile};

use crate::{Result, StoreError};

/// One stored item: keys, the entity as JSON, and the bookkeeping columns.
/// Its serde form is the image format of the SQLite change feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
    /// The entity (task, profile, …) in its domain JSON form, as text.
    /// Both stores keep it as text, and a page decodes a hundred tasks:
    /// going through a `serde_json::Value` first built a map of every
    /// field only to read it once, a tenth of a board page's CPU.
    pub data: Box<RawValue>,
    pub version: u64,
    /// Unix seconds after which the item is dead (DynamoDB TTL attribute).
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl Item {
    pub fn new(pk: String, sk: String, data: Box<RawValue>, version: u64) -> Item {
        Item {
            pk,
            sk,
            gsi1pk: None,
            gsi1sk: None,
            gsi2pk: None,
            gsi2sk: None,
            gsi3pk: None,
            gsi3sk: None,
            data,
            version,
            expires_at: None,
        }
    }

    /// Decodes the entity this item carries.
    pub fn entity<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(self.data.get())
            .map_err(|e| StoreError::Internal(format!("corrupt item {}/{}: {e}", self.pk, self.sk)))
    }

    /// A counter's count; None for an item without one.
    pub fn count(&self) -> Option<i64> {
        #[derive(Deserialize)]
        struct Counter {
            count: Option<i64>,
        }
        serde_json::from_str::<Counter>(self.data.get()).ok()?.count
    }
}

/// Equal keys, bookkeeping and JSON text: items are written from typed
/// values, so the same entity always has the same text.
impl PartialEq for Item {
    fn eq(&self, other: &Item) -> bool {
        fn fields(i: &Item) -> (&str, &str, [&Option<String>; 6], &str, u64, Option<i64>) {
            let indexes = [
                &i.gsi1pk, &i.gsi1sk, &i.gsi2pk, &i.gsi2sk, &i.gsi3pk, &i.gsi3sk,
            ];
            (&i.pk, &i.sk, indexes, i.data.get(), i.version, i.expires_at)
        }
        fields(self) == fields(other)
    }
}

/// An entity's JSON text, as `Item::data` holds it.
pub fn json_text<T: Serialize + ?Sized>(v: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(v).expect("stored values serialise infallibly")
}

/// The secondary indexes, by their DynamoDB names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Table,
    Gsi1,
    Gsi2,
    Gsi3,
}

impl Index {
    pub fn name(self) -> Option<&'static str> {
        match self {
            Index::Table => None,
            Index::Gsi1 => Some("GSI1"),
            Index::Gsi2 => Some("GSI2"),
            Index::Gsi3 => Some("GSI3"),
        }
    }

    /// Attribute names of this index's partition and sort keys.
    pub fn key_attrs(self) -> (&'static str, &'static str) {
        match self {
            Index::Table => ("PK", "SK"),
            Index::Gsi1 => ("GSI1PK", "GSI1SK"),
            Index::Gsi2 => ("GSI2PK", "GSI2SK"),
            Index::Gsi3 => ("GSI3PK", "GSI3SK"),
        }
    }

    pub(crate) fn keys_of(self, item: &Item) -> Option<(String, String)> {
        let (p, s) = match self {
            Index::Table => return Some((item.pk.clone(), item.sk.clone())),
            Index::Gsi1 => (&item.gsi1pk, &item.gsi1sk),
            Index::Gsi2 => (&item.gsi2pk, &item.gsi2sk),
            Index::Gsi3 => (&item.gsi3pk, &item.gsi3sk),
        };
        Some((p.clone()?, s.clone()?))
    }
}

pub const METADATA: &str = "METADATA";
pub const PROFILE: &str = "PROFILE";
pub const USERS: &str = "USERS";
pub const OPEN_DUE: &str = "OPEN";
pub const UNASSIGNED: &str = "UNASSIGNED";
pub const ASSIGNED_AT_PREFIX: &str = "AT#";
pub const COMMENT_PREFIX: &str = "COMMENT#";
pub const ACTIVITY_PREFIX: &str = "ACTIVITY#";
pub const NOTIF_PREFIX: &str = "NOTIF#";
pub const ASSIGN_PREFIX: &str = "ASSIGN#USER#";
pub const LABEL_COPY_PREFIX: &str = "TAGGED#LABEL#";
pub const LABELS_PK: &str = "LABELS";
pub const PROJECT_COPY_SK: &str = "TAGGED#PROJECT";
/// Projects share the labels' partition: together they are the small
/// catalog a board page needs, read in one Query (`Store::catalog`).
pub const PROJECTS_PK: &str = LABELS_PK;
pub const PROJECT_PREFIX: &str = "PROJECT#";
pub const PROJECT_COUNTER_PREFIX: &str = "TASKS#PROJECT#";
pub const LABEL_PREFIX: &str = "LABEL#";
/// The directory's version (`Store::directory_version`), a counter in the
/// catalog's partition so the catalog's Query returns it.
pub const DIRECTORY_VERSION_SK: &str = "DIRECTORY";
/// Also in the people index before the profiles, so the dashboard's
/// overview Query returns it.
pub fn directory_version_gsi1() -> (String, String) {
    (USERS.to_owned(), "CATALOG#DIRECTORY".to_owned())
}
pub const ADMIN_COUNT: (&str, &str) = ("META", "ADMIN_COUNT");
pub const COUNTER_PK: &str = "COUNTER";
pub const COUNTER_GSI1_PREFIX: &str = "COUNTER#";
pub const PROFILE_GSI1_PREFIX: &str = "EMAIL#";
pub const STATUS_COUNTER_PREFIX: &str = "TASKS#STATUS#";
pub const UNASSIGNED_OPEN_COUNTER: &str = "TASKS#OPEN#UNASSIGNED";
pub const OPEN_ASSIGNEE_COUNTER_PREFIX: &str = "TASKS#OPEN#USER#";

pub fn status_counter(s: domain::Status) -> String {
    format!("{STATUS_COUNTER_PREFIX}{}", s.as_str())
}
pub fn open_assignee_counter(u: UserId) -> String {
    format!("{OPEN_ASSIGNEE_COUNTER_PREFIX}{u}")
}
/// Where a counter sits in GSI1: beside the profiles, before them.
pub fn counter_gsi1(sk: &str) -> (String, String) {
    (USERS.to_owned(), format!("{COUNTER_GSI1_PREFIX}{sk}"))
}

/// A project's counters all start with this, so one Query reads them.
pub fn project_counter_prefix(p: domain::ProjectId) -> String {
    format!("{PROJECT_COUNTER_PREFIX}{p}#")
}
pub fn project_status_counter(p: domain::ProjectId, s: domain::Status) -> String {
    format!("{}STATUS#{}", project_counter_prefix(p), s.as_str())
}
/// A project's open tasks due on one day. Overdue and due-soon figures are
/// sums over days, so a dashboard reads as many counters as there are
/// distinct open due dates, however many tasks share them; and no day has
/// to be rolled over, because a task becomes overdue by the reader's date,
/// not by a write. Kept per project only (the team's sum is the projects'):
/// finishing a repeating task moves one of these from its date to its next
/// occurrence's, two items of DynamoDB's hundred per transaction.
pub fn project_due_counter(p: domain::ProjectId, due: time::Date) -> String {
    format!(
        "{}{PROJECT_DUE_PART}{}",
        project_counter_prefix(p),
        date_text(due)
    )
}
pub const PROJECT_DUE_PART: &str = "DUE#";

/// The counters a task adds one to while it exists.
pub fn task_counters(t: &Task) -> Vec<String> {
    let mut v = vec![
        status_counter(t.status),
        project_status_counter(t.project, t.status),
    ];
    if t.status.is_open() {
        if t.assignees.is_empty() {
            v.push(UNASSIGNED_OPEN_COUNTER.to_owned());
        }
        v.extend(t.assignees.iter().map(|u| open_assignee_counter(*u)));
        v.extend(t.due.map(|d| project_due_counter(t.project, d)));
    }
    v
}

pub fn task_pk(id: TaskId) -> String {
    format!("TASK#{id}")
}
pub fn user_pk(id: UserId) -> String {
    format!("USER#{id}")
}
pub fn assign_sk(user: UserId) -> String {
    format!("{ASSIGN_PREFIX}{user}")
}
/// A person's open, dated assignments, by due date (GSI3).
pub fn open_assigned_pk(user: UserId) -> String {
    format!("{OPEN_DUE}#{}", user_pk(user))
}
/// A person's open assignments, by when they were assigned (GSI1).
pub fn assigned_pk(user: UserId) -> String {
    format!("ASSIGNED#{}", user_pk(user))
}
pub fn status_pk(s: domain::Status) -> String {
    format!("STATUS#{}", s.as_str())
}
/// Every webhook sits in one small partition (at most
/// `domain::MAX_WEBHOOKS`), so listing them, which each delivery does, is
/// one Query.
pub const WEBHOOKS_PK: &str = "WEBHOOKS";
pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";
pub fn webhook_key(id: domain::WebhookId) -> (String, String) {
    (WEBHOOKS_PK.to_owned(), format!("{WEBHOOK_PREFIX}{id}"))
}
pub fn webhook_item(w: &domain::Webhook) -> Item {
    let (pk, sk) = webhook_key(w.id);
    Item::new(pk, sk, json_text(w), 1)
}
/// Pending invitations: one small partition, listed in one Query (per 500)
/// by the Team page, one item per (normalised) address so inviting again
/// replaces the link. The link's token is found through GSI1 by its keyed
/// hash, also one Query; the token itself is never stored.
pub const INVITES_PK: &str = "INVITES";
pub const INVITE_PREFIX: &str = "INVITE#";
pub const INVITE_TOKEN_PREFIX: &str = "INVITE_TOKEN#";
pub fn invite_key(email: &domain::Email) -> (String, String) {
    (INVITES_PK.to_owned(), format!("{INVITE_PREFIX}{email}"))
}
pub fn invite_token_pk(token_hash: &str) -> String {
    format!("{INVITE_TOKEN_PREFIX}{token_hash}")
}
pub fn invite_item(i: &domain::Invitation) -> Item {
    let (pk, sk) = invite_key(&i.email);
    let mut item = Item::new(pk, sk, json_text(i), i.version);
    item.gsi1pk = Some(invite_token_pk(&i.token_hash));
    item.gsi1sk = Some("INVITE".into());
    item
}
/// Whether an item is an invitation (for the mail senders).
pub fn is_invite(pk: &str, sk: &str) -> bool {
    pk == INVITES_PK && sk.starts_with(INVITE_PREFIX)
}

pub fn marker_key(key: &str) -> (String, String) {
    (format!("MARKER#{key}"), "MARKER".to_owned())
}

fn due_sk(task: &Task) -> String {
    match task.due {
        Some(d) => format!("DUE#{}#TASK#{}", date_text(d), task.id),
        None => format!("DUE#NONE#TASK#{}", task.id),
    }
}

pub fn date_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// An instant as fixed-width UTC text (nanoseconds), so that text order is
/// time order in a sort key.
pub fn instant_text(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{}T{:02}:{:02}:{:02}.{:09}Z",
        date_text(t.date()),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// The sort key a due-date range starts or ends at: every item due on
/// `d` sorts after it, every item due the day before sorts before it.
pub fn due_bound(d: time::Date) -> String {
    format!("DUE#{}", date_text(d))
}

/// The sort key of an assignment made at `t`, as a range bound.
pub fn assigned_bound(t: time::OffsetDateTime) -> String {
    format!("{ASSIGNED_AT_PREFIX}{}", instant_text(t))
}

pub fn task_item(task: &Task) -> Item {
    let mut item = Item::new(
        task_pk(task.id),
        METADATA.into(),
        json_text(task),
        task.version,
    );
    item.gsi1pk = Some(status_pk(task.status));
    item.gsi1sk = Some(due_sk(task));
    if task.status.is_open() && task.due.is_some() {
        item.gsi3pk = Some(OPEN_DUE.into());
        item.gsi3sk = Some(due_sk(task));
    }
    if task.status.is_open() && task.assignees.is_empty() {
        item.gsi2pk = Some(UNASSIGNED.into());
        item.gsi2sk = Some(due_sk(task));
    }
    item
}

pub fn assignment_item(task: &Task, user: UserId) -> Item {
    let summary = task.summary_for(user);
    let mut item = Item::new(
        task_pk(task.id),
        assign_sk(user),
        json_text(&summary),
        task.version,
    );
    item.gsi2pk = Some(user_pk(user));
    item.gsi2sk = Some(task_pk(task.id));
    if task.status.is_open() {
        if task.due.is_some() {
            item.gsi3pk = Some(open_assigned_pk(user));
            item.gsi3sk = Some(due_sk(task));
        }
        if let Some(at) = summary.assigned_at {
            item.gsi1pk = Some(assigned_pk(user));
            item.gsi1sk = Some(format!("{}#{}", assigned_bound(at), task_pk(task.id)));
        }
    }
    item
}

pub fn label_copy_sk(label: domain::LabelId) -> String {
    format!("{LABEL_COPY_PREFIX}{label}")
}

/// The tasks with `label` in status `s` (GSI1).
pub fn label_status_pk(label: domain::LabelId, s: domain::Status) -> String {
    format!("{LABEL_PREFIX}{label}#{}", status_pk(s))
}

pub fn label_copy_item(task: &Task, label: domain::LabelId) -> Item {
    let mut item = Item::new(
        task_pk(task.id),
        label_copy_sk(label),
        json_text(task),
        task.version,
    );
    item.gsi1pk = Some(label_status_pk(label, task.status));
    item.gsi1sk = Some(due_sk(task));
    item
}

/// A task's index entry for one word of its title (`domain::search`):
/// `WORD#w` in the task's partition, filed in GSI1 under
/// `SEARCH#STATUS#s#bucket` with `w#TASK#id`, so the tasks of one column
/// whose titles have a word starting with "pla" are one range of one
/// partition. An entry carries no copy of the task: it changes only when
/// the title or the status does, so edits, assignments and labels write
/// none, and a search reads the tasks it found in one batch.
pub const WORD_PREFIX: &str = "WORD#";

pub fn word_sk(word: &str) -> String {
    format!("{WORD_PREFIX}{word}")
}

pub fn search_pk(s: domain::Status, bucket: &str) -> String {
    format!("SEARCH#{}#{bucket}", status_pk(s))
}

pub fn word_items(task: &Task) -> Vec<Item> {
    domain::search::words(task.title.as_str())
        .iter()
        .map(|w| word_item(task, w))
        .collect()
}

/// The entry for one of `task`'s title words.
pub fn word_item(task: &Task, word: &str) -> Item {
    let mut item = Item::new(
        task_pk(task.id),
        word_sk(word),
        RawValue::from_string("{}".to_owned()).expect("an empty object"),
        task.version,
    );
    item.gsi1pk = Some(search_pk(task.status, domain::search::bucket(word)));
    item.gsi1sk = Some(format!("{word}#{}", task_pk(task.id)));
    item
}

/// The tasks of `project` in status `s` (GSI1).
pub fn project_status_pk(project: domain::ProjectId, s: domain::Status) -> String {
    format!("{PROJECT_PREFIX}{project}#{}", status_pk(s))
}

pub fn project_copy_item(task: &Task) -> Item {
    let mut item = Item::new(
        task_pk(task.id),
        PROJECT_COPY_SK.into(),
        json_text(task),
        task.version,
    );
    item.gsi1pk = Some(project_status_pk(task.project, task.status));
    item.gsi1sk = Some(due_sk(task));
    item
}

/// Projects also sit in GSI1's `USERS` partition (before the counters and
/// the people), so the dashboard's one Query of it names the projects its
/// counters count.
pub fn project_item(p: &domain::Project) -> Item {
    let mut item = Item::new(
        PROJECTS_PK.into(),
        format!("{PROJECT_PREFIX}{}", p.id),
        json_text(p),
        p.version,
    );
    item.gsi1pk = Some(USERS.into());
    item.gsi1sk = Some(format!("CATALOG#{PROJECT_PREFIX}{}", p.id));
    item
}

pub fn label_item(l: &domain::Label) -> Item {
    Item::new(
        LABELS_PK.into(),
        format!("{LABEL_PREFIX}{}", l.id),
        json_text(l),
        l.version,
    )
}

pub fn comment_item(c: &Comment) -> Item {
    Item::new(
        task_pk(c.task_id),
        format!("{COMMENT_PREFIX}{}", c.id),
        json_text(c),
        1,
    )
}

/// History entries sort by version, which every task write increments, so
/// the key is unique without a clock and the newest entry sorts last.
pub fn activity_item(a: &domain::Activity) -> Item {
    Item::new(
        task_pk(a.task_id),
        format!("{ACTIVITY_PREFIX}{:012}", a.version),
        json_text(a),
        1,
    )
}

pub fn profile_item(p: &UserProfile) -> Item {
    let mut item = Item::new(user_pk(p.id), PROFILE.into(), json_text(p), p.version);
    item.gsi1pk = Some(USERS.into());
    item.gsi1sk = Some(format!("{PROFILE_GSI1_PREFIX}{}", p.email));
    item
}

/// Maps a feed token's hash to its owner, so a calendar app's fetch finds
/// the person with one GetItem.
pub fn feed_key(token_hash: &str) -> (String, String) {
    (format!("FEED#{token_hash}"), "FEED".into())
}

pub fn feed_item(token_hash: &str, owner: UserId) -> Item {
    let (pk, sk) = feed_key(token_hash);
    Item::new(pk, sk, json_text(&serde_json::json!({ "user": owner })), 1)
}

pub fn notification_item(n: &Notification) -> Item {
    Item::new(
        user_pk(n.user_id),
        format!("{NOTIF_PREFIX}{}", n.id),
        json_text(n),
        1,
    )
}

/// Checks that an assignment copy decodes, for symmetry with the others.
pub fn summary_of(item: &Item) -> Result<TaskSummary> {
    item.entity()
}
