//! The operations of [`crate::Store`], written once against a minimal
//! backend (get one item, query one key range, apply a conditional batch
//! atomically). Keeping the logic here is what makes the two stores agree;
//! the backends stay thin translations to SQL and to DynamoDB calls.

use async_trait::async_trait;
use domain::{
    Activity, Comment, CommentBody, NewNotification, NewProfile, NewTask, Notification,
    NotificationId, ProfilePatch, Role, Status, Task, TaskId, TaskPatch, TaskSummary, UserId,
    UserProfile,
};
use serde::de::DeserializeOwned;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::cursor::{self, Expect, Key};
use crate::keys::{self, Index, Item};
use crate::search::{SearchCursor, SearchTerm, TextSearch};
use crate::{now, Page, PageRequest, Result, StoreError, TaskCounters, TaskDetail};

/// A write precondition, evaluated atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cond {
    None,
    NotExists,
    Exists,
    /// Exists and has exactly this version.
    Version(u64),
    /// Absent, or present with `expires_at` earlier than this unix time.
    NotExistsOrExpired(i64),
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Put {
        item: Item,
        cond: Cond,
    },
    Delete {
        pk: String,
        sk: String,
        cond: Cond,
    },
    Check {
        pk: String,
        sk: String,
        cond: Cond,
    },
    /// Adds `delta` to the numeric `count` of an item (created at 0), failing
    /// if the result would drop below `min_result`; `gsi1` places the item
    /// in GSI1 too.
    Adjust {
        pk: String,
        sk: String,
        delta: i64,
        min_result: Option<i64>,
        gsi1: Option<(String, String)>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum SkCond {
    Any,
    BeginsWith(String),
    /// Strictly less than.
    Lt(String),
    /// Inclusive on both ends, like DynamoDB's BETWEEN.
    Between(String, String),
}

#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub index: Index,
    pub pk: String,
    pub sk: SkCond,
    pub forward: bool,
    pub limit: u32,
    pub start: Option<Key>,
}

#[derive(Debug)]
pub(crate) enum WriteError {
    /// A condition failed; the index of the failing op when the backend
    /// knows it.
    Condition(Option<usize>),
    Store(StoreError),
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> Self {
        WriteError::Store(e)
    }
}

/// The most keys one [`Backend::get_many`] takes (BatchGetItem's limit).
pub(crate) const GET_MANY_MAX: usize = 100;

/// What each store implementation must provide: one request per call.
#[async_trait]
pub(crate) trait Backend: Send + Sync {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>>;
    /// The items at up to [`GET_MANY_MAX`] keys, in no particular order,
    /// absent ones left out; one request (DynamoDB's BatchGetItem, resent
    /// only for keys it leaves unprocessed under throttling).
    async fn get_many(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>>;
    /// Up to `limit` items, and the key of the last one when more may follow.
    async fn query(&self, q: Query) -> Result<(Vec<Item>, Option<Key>)>;
    /// Applies all ops or none. One op is a plain conditional write; more
    /// are one transaction.
    async fn write(&self, ops: Vec<Op>) -> Result<(), WriteError>;
    /// Unconditional bulk delete (non-transactional cleanup).
    async fn delete_many(&self, keys: Vec<(String, String)>) -> Result<()>;
}

pub(crate) fn key_of(index: Index, item: &Item) -> Key {
    let (ipk, isk) = match index {
        Index::Table => (None, None),
        _ => match index.keys_of(item) {
            Some((p, s)) => (Some(p), Some(s)),
            None => (None, None),
        },
    };
    Key {
        pk: item.pk.clone(),
        sk: item.sk.clone(),
        ipk,
        isk,
    }
}

fn decode_all<T: DeserializeOwned>(items: &[Item]) -> Result<Vec<T>> {
    items.iter().map(Item::entity).collect()
}

fn unexpected(e: WriteError) -> StoreError {
    match e {
        WriteError::Condition(_) => StoreError::Conflict,
        WriteError::Store(e) => e,
    }
}

/// One list access pattern: which partition of which index, in what order,
/// and what its cursors must look like.
struct Listing<'a> {
    index: Index,
    partition: String,
    sk: SkCond,
    forward: bool,
    pk_prefix: &'a str,
    sk_prefix: &'a str,
}

async fn list<B: Backend, T: DeserializeOwned>(
    b: &B,
    l: Listing<'_>,
    page: &PageRequest,
) -> Result<Page<T>> {
    let start = match &page.after {
        Some(c) => Some(Key::decode(
            c,
            &Expect {
                index: l.index,
                partition: &l.partition,
                pk_prefix: l.pk_prefix,
                sk_prefix: l.sk_prefix,
            },
        )?),
        None => None,
    };
    let (items, last) = b
        .query(Query {
            index: l.index,
            pk: l.partition,
            sk: l.sk,
            forward: l.forward,
            limit: page.clamped_limit(),
            start,
        })
        .await?;
    Ok(Page {
        items: decode_all(&items)?,
        next: last.map(|k| k.encode()),
    })
}

/// After a failed version-checked write: was the item gone or changed?
async fn gone_or_conflict<B: Backend>(b: &B, pk: &str, sk: &str) -> StoreError {
    match b.get(pk, sk).await {
        Ok(None) => StoreError::NotFound,
        Ok(Some(_)) => StoreError::Conflict,
        Err(e) => e,
    }
}

fn task_ops(current: &Task, next: &Task) -> Vec<Op> {
    let mut ops = task_ops_without_counters(current, next);
    ops.extend(counter_ops(&[current], &[next]));
    ops
}

fn task_ops_without_counters(current: &Task, next: &Task) -> Vec<Op> {
    let mut ops = vec![
        Op::Put {
            item: keys::task_item(next),
            cond: Cond::Version(current.version),
        },
        Op::Put {
            item: keys::activity_item(&Activity::between(Some(current), next)),
            cond: Cond::NotExists,
        },
    ];
    for u in &current.assignees {
        if !next.is_assigned(*u) {
            ops.push(Op::Delete {
                pk: keys::task_pk(current.id),
                sk: keys::assign_sk(*u),
                cond: Cond::Exists,
            });
        }
    }
    for u in &next.assignees {
        ops.push(Op::Put {
            item: keys::assignment_item(next, *u),
            cond: if current.is_assigned(*u) {
                Cond::Exists
            } else {
                Cond::NotExists
            },
        });
    }
    for l in &current.labels {
        if !next.labels.contains(l) {
            ops.push(Op::Delete {
                pk: keys::task_pk(current.id),
                sk: keys::label_copy_sk(*l),
                cond: Cond::Exists,
            });
        }
    }
    ops.extend(next.labels.iter().map(|l| Op::Put {
        item: keys::label_copy_item(next, *l),
        cond: Cond::None,
    }));
    // Unconditional: a task stored before projects existed has no copy yet.
    ops.push(Op::Put {
        item: keys::project_copy_item(next),
        cond: Cond::None,
    });
    ops.extend(word_ops(Some(current), Some(next)));
    ops
}

/// The search entries (`keys::word_items`) that take `current` to `next`
/// (absent: created or deleted). Entries carry only keys, so a write that
/// keeps the title's words and the status writes none. Unconditional: a
/// task stored before search existed has none until repaired.
fn word_ops(current: Option<&Task>, next: Option<&Task>) -> Vec<Op> {
    let words = |t: Option<&Task>| {
        t.map(|t| domain::search::words(t.title.as_str()))
            .unwrap_or_default()
    };
    let (before, after) = (words(current), words(next));
    let moved = current.map(|t| t.status) != next.map(|t| t.status);
    let mut ops: Vec<Op> = before
        .iter()
        .filter(|w| !after.contains(w))
        .map(|w| Op::Delete {
            pk: keys::task_pk(current.expect("words come from a task").id),
            sk: keys::word_sk(w),
            cond: Cond::None,
        })
        .collect();
    if let Some(next) = next {
        ops.extend(
            after
                .iter()
                .filter(|w| moved || !before.contains(w))
                .map(|w| Op::Put {
                    item: keys::word_item(next, w),
                    cond: Cond::None,
                }),
        );
    }
    ops
}

/// The counter adjustments that take the counts from `before` to `after`
/// (absent: created or deleted), netted so an unchanged counter is not
/// written: a field edit touches no counter, and a DynamoDB transaction
/// may not name one item twice.
fn counter_ops(before: &[&Task], after: &[&Task]) -> Vec<Op> {
    let mut net: std::collections::BTreeMap<String, i64> = Default::default();
    for sk in before.iter().flat_map(|t| keys::task_counters(t)) {
        *net.entry(sk).or_default() -= 1;
    }
    for sk in after.iter().flat_map(|t| keys::task_counters(t)) {
        *net.entry(sk).or_default() += 1;
    }
    net.into_iter()
        .filter(|(_, d)| *d != 0)
        .map(|(sk, delta)| counter_adjust(sk, delta))
        .collect()
}

fn counter_adjust(sk: String, delta: i64) -> Op {
    let gsi1 = keys::counter_gsi1(&sk);
    Op::Adjust {
        pk: keys::COUNTER_PK.into(),
        sk,
        delta,
        min_result: None,
        gsi1: Some(gsi1),
    }
}

/// Writes `ops`, whose conditions guard the item at `pk`/`sk`: a refused
/// condition answers `NotFound` or `Conflict` by what that item is now.
async fn write_guarded<B: Backend>(b: &B, ops: Vec<Op>, pk: &str, sk: &str) -> Result<()> {
    match b.write(ops).await {
        Ok(()) => Ok(()),
        Err(WriteError::Condition(_)) => Err(gone_or_conflict(b, pk, sk).await),
        Err(WriteError::Store(e)) => Err(e),
    }
}

async fn write_task<B: Backend>(b: &B, current: &Task, next: Task) -> Result<Task> {
    let pk = keys::task_pk(current.id);
    write_guarded(b, task_ops(current, &next), &pk, keys::METADATA).await?;
    Ok(next)
}

fn task_expect(pk: &str) -> Expect<'_> {
    Expect {
        index: Index::Table,
        partition: pk,
        pk_prefix: "TASK#",
        sk_prefix: keys::COMMENT_PREFIX,
    }
}

pub(crate) async fn create_task<B: Backend>(b: &B, new: NewTask) -> Result<Task> {
    let task = Task::create(TaskId::from_uuid(Uuid::now_v7()), new, now());
    let mut ops = creation_ops(&task);
    ops.extend(counter_ops(&[], &[&task]));
    b.write(ops).await.map_err(unexpected)?;
    Ok(task)
}

/// The items a new task writes, counters aside (they are netted with
/// whatever else the same transaction changes).
fn creation_ops(task: &Task) -> Vec<Op> {
    let mut ops = vec![
        Op::Put {
            item: keys::task_item(task),
            cond: Cond::NotExists,
        },
        Op::Put {
            item: keys::activity_item(&Activity::between(None, task)),
            cond: Cond::NotExists,
        },
    ];
    ops.extend(task.assignees.iter().map(|u| Op::Put {
        item: keys::assignment_item(task, *u),
        cond: Cond::NotExists,
    }));
    ops.extend(task.labels.iter().map(|l| Op::Put {
        item: keys::label_copy_item(task, *l),
        cond: Cond::NotExists,
    }));
    ops.push(Op::Put {
        item: keys::project_copy_item(task),
        cond: Cond::NotExists,
    });
    ops.extend(word_ops(None, Some(task)));
    ops
}

pub(crate) async fn get_task<B: Backend>(b: &B, id: TaskId, comments: u32) -> Result<TaskDetail> {
    let comments = comments.clamp(1, PageRequest::MAX_LIMIT);
    let (items, last) = b
        .query(Query {
            index: Index::Table,
            pk: keys::task_pk(id),
            // METADATA sorts right after every COMMENT#, so a descending
            // range yields the task first, then its newest comments.
            sk: SkCond::Between(keys::COMMENT_PREFIX.into(), keys::METADATA.into()),
            forward: false,
            limit: comments + 1,
            start: None,
        })
        .await?;
    let Some((first, rest)) = items.split_first() else {
        return Err(StoreError::NotFound);
    };
    if first.sk != keys::METADATA {
        // Comments left behind by an interrupted delete cascade.
        return Err(StoreError::NotFound);
    }
    let next = match (last, rest.is_empty()) {
        (Some(k), false) => Some(k.encode()),
        _ => None,
    };
    Ok(TaskDetail {
        task: first.entity()?,
        comments: Page {
            items: decode_all(rest)?,
            next,
        },
    })
}

pub(crate) async fn list_comments<B: Backend>(
    b: &B,
    id: TaskId,
    page: PageRequest,
) -> Result<Page<Comment>> {
    let pk = keys::task_pk(id);
    let start = match &page.after {
        Some(c) => Some(Key::decode(c, &task_expect(&pk))?),
        None => None,
    };
    let (items, last) = b
        .query(Query {
            index: Index::Table,
            pk,
            sk: SkCond::BeginsWith(keys::COMMENT_PREFIX.into()),
            forward: false,
            limit: page.clamped_limit(),
            start,
        })
        .await?;
    Ok(Page {
        items: decode_all(&items)?,
        next: last.map(|k| k.encode()),
    })
}

pub(crate) async fn list_activity<B: Backend>(
    b: &B,
    id: TaskId,
    page: PageRequest,
) -> Result<Page<Activity>> {
    let pk = keys::task_pk(id);
    list(
        b,
        Listing {
            index: Index::Table,
            partition: pk,
            sk: SkCond::BeginsWith(keys::ACTIVITY_PREFIX.into()),
            forward: false,
            pk_prefix: "TASK#",
            sk_prefix: keys::ACTIVITY_PREFIX,
        },
        &page,
    )
    .await
}

pub(crate) async fn update_task<B: Backend>(
    b: &B,
    cur: &Task,
    patch: &TaskPatch,
    by: UserId,
) -> Result<Task> {
    write_task(b, cur, cur.patched(patch, by, now())).await
}

pub(crate) async fn change_status<B: Backend>(
    b: &B,
    cur: &Task,
    s: Status,
    by: UserId,
) -> Result<Task> {
    let at = now();
    let mut next = cur.with_status(s, by, at);
    let successor = (s == Status::Done && cur.status != Status::Done)
        .then(|| cur.next_occurrence(TaskId::from_uuid(Uuid::now_v7()), by, at))
        .flatten();
    let Some(successor) = successor else {
        return write_task(b, cur, next).await;
    };
    // Finishing a repeating task creates its next occurrence in the same
    // transaction and records it on the finished one: the version check
    // makes a retry a conflict, and a later reopen-and-finish creates none.
    next.next_occurrence = Some(successor.id);
    let mut ops = task_ops_without_counters(cur, &next);
    ops.extend(creation_ops(&successor));
    ops.extend(counter_ops(&[cur], &[&next, &successor]));
    write_guarded(b, ops, &keys::task_pk(cur.id), keys::METADATA).await?;
    Ok(next)
}

pub(crate) async fn set_assignees<B: Backend>(
    b: &B,
    cur: &Task,
    add: &[UserId],
    remove: &[UserId],
    by: UserId,
) -> Result<Task> {
    write_task(b, cur, cur.with_assignees(add, remove, by, now())).await
}

pub(crate) async fn delete_task<B: Backend>(b: &B, cur: &Task) -> Result<()> {
    let pk = keys::task_pk(cur.id);
    let mut ops = vec![Op::Delete {
        pk: pk.clone(),
        sk: keys::METADATA.into(),
        cond: Cond::Version(cur.version),
    }];
    ops.extend(cur.assignees.iter().map(|u| Op::Delete {
        pk: pk.clone(),
        sk: keys::assign_sk(*u),
        cond: Cond::Exists,
    }));
    ops.extend(cur.labels.iter().map(|l| Op::Delete {
        pk: pk.clone(),
        sk: keys::label_copy_sk(*l),
        cond: Cond::Exists,
    }));
    ops.push(Op::Delete {
        pk: pk.clone(),
        sk: keys::PROJECT_COPY_SK.into(),
        cond: Cond::None,
    });
    ops.extend(word_ops(Some(cur), None));
    ops.extend(counter_ops(&[cur], &[]));
    write_guarded(b, ops, &pk, keys::METADATA).await?;
    // The task is gone for every reader now; its comments and history are
    // purged page by page. A crash here leaves unreachable items, which a
    // later delete attempt or a stream consumer can sweep; nothing is visible.
    let mut start = None;
    loop {
        let (items, last) = b
            .query(Query {
                index: Index::Table,
                pk: pk.clone(),
                sk: SkCond::Any,
                forward: true,
                limit: 100,
                start,
            })
            .await?;
        if !items.is_empty() {
            b.delete_many(items.into_iter().map(|i| (i.pk, i.sk)).collect())
                .await?;
        }
        match last {
            Some(k) => start = Some(k),
            None => return Ok(()),
        }
    }
}

pub(crate) async fn add_comment<B: Backend>(
    b: &B,
    task: TaskId,
    author: UserId,
    body: CommentBody,
    mentions: Vec<UserId>,
) -> Result<Comment> {
    let c = Comment {
        id: domain::CommentId::from_uuid(Uuid::now_v7()),
        task_id: task,
        author,
        body,
        mentions,
        created_at: now(),
    };
    let ops = vec![
        Op::Check {
            pk: keys::task_pk(task),
            sk: keys::METADATA.into(),
            cond: Cond::Exists,
        },
        Op::Put {
            item: keys::comment_item(&c),
            cond: Cond::NotExists,
        },
    ];
    match b.write(ops).await {
        Ok(()) => Ok(c),
        Err(WriteError::Condition(_)) => Err(StoreError::NotFound),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn list_tasks_by_status<B: Backend>(
    b: &B,
    s: Status,
    page: PageRequest,
) -> Result<Page<Task>> {
    let p = keys::status_pk(s);
    list(
        b,
        Listing {
            index: Index::Gsi1,
            partition: p,
            sk: SkCond::Any,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: keys::METADATA,
        },
        &page,
    )
    .await
}

/// Tasks carrying `label` in status `s`, in the same order as a column.
pub(crate) async fn list_tasks_by_label<B: Backend>(
    b: &B,
    label: domain::LabelId,
    s: Status,
    page: PageRequest,
) -> Result<Page<Task>> {
    list(
        b,
        Listing {
            index: Index::Gsi1,
            partition: keys::label_status_pk(label, s),
            sk: SkCond::Any,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: keys::LABEL_COPY_PREFIX,
        },
        &page,
    )
    .await
}

/// Requests one [`search_tasks`] call may make: the lead word's entries and
/// the batch read of the tasks they name (two), then one page of a label's
/// copies when the word's entries run out.
const SEARCH_REQUESTS: usize = 3;

/// A page of the tasks in status `s` that `search` finds (see
/// [`crate::Store::search_tasks`]).
pub(crate) async fn search_tasks<B: Backend>(
    b: &B,
    search: &TextSearch,
    s: Status,
    page: PageRequest,
) -> Result<Page<Task>> {
    let Some(lead) = search.lead() else {
        return list_tasks_by_status(b, s, page).await;
    };
    let want = page.clamped_limit() as usize;
    let mut at = match &page.after {
        Some(c) => cursor::decode_json::<SearchCursor>(c)?,
        None => SearchCursor {
            stage: 0,
            key: None,
        },
    };
    if at.stage > lead.labels.len() {
        return Err(StoreError::InvalidCursor);
    }
    let mut found = Vec::new();
    let mut spent = 0;
    loop {
        let need = want - found.len();
        let (tasks, next) = if at.stage == 0 {
            spent += 2;
            word_stage(b, search, lead, s, at.key.take(), need).await?
        } else {
            spent += 1;
            label_stage(b, search, lead, at.stage, s, at.key.take(), need).await?
        };
        found.extend(tasks);
        at = match next {
            Some(key) => SearchCursor {
                stage: at.stage,
                key: Some(key),
            },
            None if at.stage < lead.labels.len() => SearchCursor {
                stage: at.stage + 1,
                key: None,
            },
            None => {
                return Ok(Page {
                    items: found,
                    next: None,
                })
            }
        };
        if found.len() >= want || spent >= SEARCH_REQUESTS {
            return Ok(Page {
                items: found,
                next: Some(cursor::encode_json(&at)),
            });
        }
    }
}

/// Up to `need` tasks found through the lead word's entries, each once
/// (under the first of its words the lead finds), and where to go on.
async fn word_stage<B: Backend>(
    b: &B,
    search: &TextSearch,
    lead: &SearchTerm,
    s: Status,
    start: Option<Key>,
    need: usize,
) -> Result<(Vec<Task>, Option<Key>)> {
    let partition = keys::search_pk(s, lead.word.bucket());
    let word = lead.word.as_str();
    let range = if lead.word.is_prefix() {
        word.to_owned()
    } else {
        format!("{word}#")
    };
    if let Some(k) = &start {
        k.check(&Expect {
            index: Index::Gsi1,
            partition: &partition,
            pk_prefix: "TASK#",
            sk_prefix: keys::WORD_PREFIX,
        })?;
        // A position of another word in the same bucket is outside this
        // search's range, which DynamoDB refuses as a malformed request.
        if !k.isk.as_deref().is_some_and(|isk| isk.starts_with(&range)) {
            return Err(StoreError::InvalidCursor);
        }
    }
    let sk = SkCond::BeginsWith(range);
    // Twice what is wanted: a task listed under two words, or missing
    // another term, is skipped, and a second round trip costs more than
    // reading a few more keys.
    let (entries, last) = b
        .query(Query {
            index: Index::Gsi1,
            pk: partition,
            sk,
            forward: true,
            limit: (need * 2).clamp(1, GET_MANY_MAX) as u32,
            start,
        })
        .await?;
    let mut wanted: Vec<(String, String)> = Vec::with_capacity(entries.len());
    for e in &entries {
        if !wanted.iter().any(|(pk, _)| *pk == e.pk) {
            wanted.push((e.pk.clone(), keys::METADATA.into()));
        }
    }
    let tasks: std::collections::HashMap<String, Task> = b
        .get_many(wanted)
        .await?
        .into_iter()
        .map(|i| Ok((i.pk.clone(), i.entity()?)))
        .collect::<Result<_>>()?;
    let found = entries.iter().map(|e| {
        // The entry may be older than the task (an index lags its table):
        // what counts is the task as it is now.
        tasks.get(&e.pk).filter(|t| {
            let words = domain::search::words(t.title.as_str());
            t.status == s
                && search.matches_words(&words, &t.labels)
                && lead.reported_word(&words) == e.sk.strip_prefix(keys::WORD_PREFIX)
        })
    });
    Ok(take_found(&entries, found, last, need))
}

/// Up to `need` tasks carrying the lead's `stage`th label that its word
/// does not find (those were listed by the word), nor an earlier label.
async fn label_stage<B: Backend>(
    b: &B,
    search: &TextSearch,
    lead: &SearchTerm,
    stage: usize,
    s: Status,
    start: Option<Key>,
    need: usize,
) -> Result<(Vec<Task>, Option<Key>)> {
    let (earlier, label) = (&lead.labels[..stage - 1], lead.labels[stage - 1]);
    let partition = keys::label_status_pk(label, s);
    if let Some(k) = &start {
        k.check(&Expect {
            index: Index::Gsi1,
            partition: &partition,
            pk_prefix: "TASK#",
            sk_prefix: keys::LABEL_COPY_PREFIX,
        })?;
    }
    let (items, last) = b
        .query(Query {
            index: Index::Gsi1,
            pk: partition,
            sk: SkCond::Any,
            forward: true,
            limit: need.clamp(1, PageRequest::MAX_LIMIT as usize) as u32,
            start,
        })
        .await?;
    let tasks: Vec<Task> = decode_all(&items)?;
    let found = tasks.iter().map(|t| {
        Some(t).filter(|t| {
            let words = domain::search::words(t.title.as_str());
            search.matches_words(&words, &t.labels)
                && lead.reported_word(&words).is_none()
                && !earlier.iter().any(|l| t.labels.contains(l))
        })
    });
    Ok(take_found(&items, found, last, need))
}

/// The first `need` found tasks of a page read, and where the next read
/// starts: after the last item used when it stopped early, else where the
/// read ended.
fn take_found<'a>(
    items: &[Item],
    found: impl Iterator<Item = Option<&'a Task>>,
    last: Option<Key>,
    need: usize,
) -> (Vec<Task>, Option<Key>) {
    let mut out = Vec::new();
    for (i, t) in found.enumerate() {
        if let Some(t) = t {
            out.push(t.clone());
            if out.len() == need && i + 1 < items.len() {
                return (out, Some(key_of(Index::Gsi1, &items[i])));
            }
        }
    }
    (out, last)
}

/// Tasks of `project` in status `s`, in the same order as a column.
pub(crate) async fn list_tasks_by_project<B: Backend>(
    b: &B,
    project: domain::ProjectId,
    s: Status,
    page: PageRequest,
) -> Result<Page<Task>> {
    list(
        b,
        Listing {
            index: Index::Gsi1,
            partition: keys::project_status_pk(project, s),
            sk: SkCond::Any,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: keys::PROJECT_COPY_SK,
        },
        &page,
    )
    .await
}

pub(crate) async fn create_project<B: Backend>(
    b: &B,
    name: domain::ProjectName,
) -> Result<domain::Project> {
    let project = domain::Project {
        id: domain::ProjectId::from_uuid(Uuid::now_v7()),
        name,
        archived: false,
        version: 1,
    };
    let op = Op::Put {
        item: keys::project_item(&project),
        cond: Cond::NotExists,
    };
    b.write(vec![op]).await.map_err(unexpected)?;
    Ok(project)
}

/// Renames, archives or restores. The default project has no item until
/// its first change (version 0), so that write is a create.
pub(crate) async fn update_project<B: Backend>(
    b: &B,
    cur: &domain::Project,
    name: domain::ProjectName,
    archived: bool,
) -> Result<domain::Project> {
    let next = domain::Project {
        name,
        archived,
        version: cur.version + 1,
        ..cur.clone()
    };
    let cond = match cur.version {
        0 => Cond::NotExists,
        v => Cond::Version(v),
    };
    let item = keys::project_item(&next);
    let (pk, sk) = (item.pk.clone(), item.sk.clone());
    match b.write(vec![Op::Put { item, cond }]).await {
        Ok(()) => Ok(next),
        // A stale default project (someone renamed it first) is a conflict,
        // not a missing project.
        Err(WriteError::Condition(_)) if cur.version == 0 => Err(StoreError::Conflict),
        Err(WriteError::Condition(_)) => Err(gone_or_conflict(b, &pk, &sk).await),
        Err(WriteError::Store(e)) => Err(e),
    }
}

/// Every project (at most `domain::MAX_PROJECTS`), in one Query, the
/// default one included whether or not it was ever written.
pub(crate) async fn list_projects<B: Backend>(b: &B) -> Result<Vec<domain::Project>> {
    let (items, _) = b
        .query(Query {
            index: Index::Table,
            pk: keys::PROJECTS_PK.into(),
            sk: SkCond::BeginsWith(keys::PROJECT_PREFIX.into()),
            forward: true,
            limit: domain::MAX_PROJECTS as u32 + 1,
            start: None,
        })
        .await?;
    Ok(with_default(decode_all(&items)?))
}

/// The most items the catalog's partition holds: every label, every
/// project, the default project's and the directory's version.
pub(crate) const CATALOG_ROWS: u32 = (domain::MAX_DEFINED_LABELS + domain::MAX_PROJECTS + 2) as u32;

/// Every label and every project (the default one always present) and
/// the directory's version, in one Query of the partition they share.
pub(crate) async fn catalog<B: Backend>(b: &B) -> Result<crate::Catalog> {
    let (items, _) = b
        .query(Query {
            index: Index::Table,
            pk: keys::LABELS_PK.into(),
            sk: SkCond::Any,
            forward: true,
            limit: CATALOG_ROWS,
            start: None,
        })
        .await?;
    let (mut labels, mut projects, mut directory_version) = (Vec::new(), Vec::new(), 0);
    for item in &items {
        if item.sk == keys::DIRECTORY_VERSION_SK {
            directory_version = count_of(item);
        } else if item.sk.starts_with(keys::LABEL_PREFIX) {
            labels.push(item.entity()?);
        } else if item.sk.starts_with(keys::PROJECT_PREFIX) {
            projects.push(item.entity()?);
        }
    }
    Ok(crate::Catalog {
        labels,
        projects: with_default(projects),
        directory_version,
    })
}

pub(crate) async fn directory_version<B: Backend>(b: &B) -> Result<u64> {
    Ok(b.get(keys::LABELS_PK, keys::DIRECTORY_VERSION_SK)
        .await?
        .map_or(0, |i| count_of(&i)))
}

/// A counter item's count (0 when unreadable: counters only grow from 0).
fn count_of(item: &Item) -> u64 {
    signed_count(item).max(0) as u64
}

/// A task counter's count as stored (0 when unreadable).
fn signed_count(item: &Item) -> i64 {
    item.count().unwrap_or(0)
}

/// Every item of one key range, page after page, in key order: for reads
/// that need the whole range (counters, invitations, everyone).
async fn query_all<B: Backend>(
    b: &B,
    index: Index,
    pk: &str,
    sk: SkCond,
    limit: u32,
) -> Result<Vec<Item>> {
    let (mut all, mut start) = (Vec::new(), None);
    loop {
        let (items, last) = b
            .query(Query {
                index,
                pk: pk.to_owned(),
                sk: sk.clone(),
                forward: true,
                limit,
                start,
            })
            .await?;
        all.extend(items);
        match last {
            Some(k) => start = Some(k),
            None => return Ok(all),
        }
    }
}

/// Increases the directory's version, in the transaction of a write that
/// changes how someone appears in it. Last in its transaction, so the
/// indexes of the write's own conditions stay what its error mapping
/// expects; it has no condition of its own.
fn directory_bump() -> Op {
    Op::Adjust {
        pk: keys::LABELS_PK.into(),
        sk: keys::DIRECTORY_VERSION_SK.into(),
        delta: 1,
        min_result: None,
        gsi1: Some(keys::directory_version_gsi1()),
    }
}

/// Whether `next` appears differently from `cur` in the directory (what
/// `app`'s pickers, names and mention handles read): a session ended or a
/// calendar feed set leaves cached directories current.
fn directory_changes(cur: &UserProfile, next: &UserProfile) -> bool {
    cur.display_name != next.display_name
        || cur.email != next.email
        || cur.role != next.role
        || cur.active != next.active
}

fn with_default(mut projects: Vec<domain::Project>) -> Vec<domain::Project> {
    if !projects.iter().any(|p| p.id.is_default()) {
        projects.insert(0, domain::Project::default_project());
    }
    projects
}

/// How many tasks of `project` (of every project when `None`) are in each
/// status, from the counters: one Query (per 500 counters), whatever the
/// number of tasks.
pub(crate) async fn project_counts<B: Backend>(
    b: &B,
    project: Option<domain::ProjectId>,
) -> Result<TaskCounters> {
    let prefix = match project {
        Some(p) => keys::project_counter_prefix(p),
        None => keys::PROJECT_COUNTER_PREFIX.to_owned(),
    };
    let sk = SkCond::BeginsWith(prefix);
    let items = query_all(
        b,
        Index::Table,
        keys::COUNTER_PK,
        sk,
        PageRequest::MAX_LIMIT,
    )
    .await?;
    let counts = items.iter().map(|i| (i.sk.clone(), signed_count(i)));
    Ok(TaskCounters::from_counts(counts.collect()))
}

pub(crate) async fn create_label<B: Backend>(
    b: &B,
    name: domain::LabelName,
    color: domain::LabelColor,
) -> Result<domain::Label> {
    let label = domain::Label {
        id: domain::LabelId::from_uuid(Uuid::now_v7()),
        name,
        color,
        version: 1,
    };
    let op = Op::Put {
        item: keys::label_item(&label),
        cond: Cond::NotExists,
    };
    b.write(vec![op]).await.map_err(unexpected)?;
    Ok(label)
}

pub(crate) async fn update_label<B: Backend>(
    b: &B,
    cur: &domain::Label,
    name: domain::LabelName,
    color: domain::LabelColor,
) -> Result<domain::Label> {
    let next = domain::Label {
        name,
        color,
        version: cur.version + 1,
        ..cur.clone()
    };
    let op = Op::Put {
        item: keys::label_item(&next),
        cond: Cond::Version(cur.version),
    };
    let item = keys::label_item(cur);
    write_guarded(b, vec![op], &item.pk, &item.sk).await?;
    Ok(next)
}

/// Removes the label itself. Tasks keep its id until their next write;
/// readers skip ids that are no longer defined.
pub(crate) async fn delete_label<B: Backend>(b: &B, cur: &domain::Label) -> Result<()> {
    let item = keys::label_item(cur);
    let op = Op::Delete {
        pk: item.pk.clone(),
        sk: item.sk.clone(),
        cond: Cond::Version(cur.version),
    };
    write_guarded(b, vec![op], &item.pk, &item.sk).await
}

/// Every label, by id (creation order): one Query.
pub(crate) async fn list_labels<B: Backend>(b: &B) -> Result<Vec<domain::Label>> {
    let (items, _) = b
        .query(Query {
            index: Index::Table,
            pk: keys::LABELS_PK.into(),
            sk: SkCond::BeginsWith(keys::LABEL_PREFIX.into()),
            forward: true,
            limit: domain::MAX_DEFINED_LABELS as u32,
            start: None,
        })
        .await?;
    decode_all(&items)
}

pub(crate) async fn list_tasks_for_user<B: Backend>(
    b: &B,
    u: UserId,
    page: PageRequest,
) -> Result<Page<TaskSummary>> {
    let p = keys::user_pk(u);
    let prefix = keys::ASSIGN_PREFIX;
    list(
        b,
        Listing {
            index: Index::Gsi2,
            partition: p,
            sk: SkCond::Any,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: prefix,
        },
        &page,
    )
    .await
}

pub(crate) async fn list_open_tasks_due_before<B: Backend>(
    b: &B,
    date: Date,
    page: PageRequest,
) -> Result<Page<Task>> {
    let bound = SkCond::Lt(format!("DUE#{}", keys::date_text(date)));
    let p = keys::OPEN_DUE.to_owned();
    list(
        b,
        Listing {
            index: Index::Gsi3,
            partition: p,
            sk: bound,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: keys::METADATA,
        },
        &page,
    )
    .await
}

pub(crate) async fn list_open_assigned_due<B: Backend>(
    b: &B,
    u: UserId,
    from: Option<Date>,
    before: Date,
    page: PageRequest,
) -> Result<Page<TaskSummary>> {
    let end = keys::due_bound(before);
    let sk = match from {
        None => SkCond::Lt(end),
        // An empty range: DynamoDB refuses BETWEEN with its ends reversed.
        Some(f) if f >= before => {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            })
        }
        // BETWEEN is inclusive, but every key due on `before` sorts after
        // the bare `DUE#before`, so the end stays exclusive.
        Some(f) => SkCond::Between(keys::due_bound(f), end),
    };
    list(
        b,
        Listing {
            index: Index::Gsi3,
            partition: keys::open_assigned_pk(u),
            sk,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: keys::ASSIGN_PREFIX,
        },
        &page,
    )
    .await
}

pub(crate) async fn list_newly_assigned<B: Backend>(
    b: &B,
    u: UserId,
    since: OffsetDateTime,
    page: PageRequest,
) -> Result<Page<TaskSummary>> {
    // `~` sorts after every digit, so the range runs to the newest key.
    let sk = SkCond::Between(
        keys::assigned_bound(since),
        format!("{}~", keys::ASSIGNED_AT_PREFIX),
    );
    list(
        b,
        Listing {
            index: Index::Gsi1,
            partition: keys::assigned_pk(u),
            sk,
            forward: false,
            pk_prefix: "TASK#",
            sk_prefix: keys::ASSIGN_PREFIX,
        },
        &page,
    )
    .await
}

pub(crate) async fn list_unassigned_open_tasks<B: Backend>(
    b: &B,
    page: PageRequest,
) -> Result<Page<Task>> {
    list(
        b,
        Listing {
            index: Index::Gsi2,
            partition: keys::UNASSIGNED.to_owned(),
            sk: SkCond::Any,
            forward: true,
            pk_prefix: "TASK#",
            sk_prefix: keys::METADATA,
        },
        &page,
    )
    .await
}

/// Keeps the count of active admins, refusing a change that would leave none.
fn admin_delta(from_counted: bool, to_counted: bool) -> Option<Op> {
    let (pk, sk) = keys::ADMIN_COUNT;
    let (delta, min_result) = match (from_counted, to_counted) {
        (false, true) => (1, None),
        (true, false) => (-1, Some(1)),
        _ => return None,
    };
    Some(Op::Adjust {
        pk: pk.into(),
        sk: sk.into(),
        delta,
        min_result,
        gsi1: None,
    })
}

pub(crate) async fn create_profile<B: Backend>(b: &B, new: NewProfile) -> Result<UserProfile> {
    let p = UserProfile::create(new, now());
    let mut ops = vec![Op::Put {
        item: keys::profile_item(&p),
        cond: Cond::NotExists,
    }];
    ops.extend(admin_delta(false, p.is_active_admin()));
    ops.push(directory_bump());
    match b.write(ops).await {
        Ok(()) => Ok(p),
        Err(WriteError::Condition(_)) => Err(StoreError::AlreadyExists),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn get_profile<B: Backend>(b: &B, id: UserId) -> Result<UserProfile> {
    match b.get(&keys::user_pk(id), keys::PROFILE).await? {
        Some(item) => item.entity(),
        None => Err(StoreError::NotFound),
    }
}

pub(crate) async fn update_profile<B: Backend>(
    b: &B,
    cur: &UserProfile,
    patch: &ProfilePatch,
) -> Result<UserProfile> {
    let next = cur.patched(patch, now());
    let mut ops = vec![Op::Put {
        item: keys::profile_item(&next),
        cond: Cond::Version(cur.version),
    }];
    if directory_changes(cur, &next) {
        ops.push(directory_bump());
    }
    write_guarded(b, ops, &keys::user_pk(cur.id), keys::PROFILE).await?;
    Ok(next)
}

pub(crate) async fn set_calendar_feed<B: Backend>(
    b: &B,
    cur: &UserProfile,
    feed: Option<domain::CalendarFeed>,
) -> Result<UserProfile> {
    let next = cur.with_calendar_feed(feed, now());
    let mut ops = vec![Op::Put {
        item: keys::profile_item(&next),
        cond: Cond::Version(cur.version),
    }];
    if let Some(old) = &cur.calendar_feed {
        let (pk, sk) = keys::feed_key(&old.token_hash);
        ops.push(Op::Delete {
            pk,
            sk,
            cond: Cond::None,
        });
    }
    if let Some(new) = &next.calendar_feed {
        ops.push(Op::Put {
            item: keys::feed_item(&new.token_hash, cur.id),
            cond: Cond::NotExists,
        });
    }
    write_guarded(b, ops, &keys::user_pk(cur.id), keys::PROFILE).await?;
    Ok(next)
}

pub(crate) async fn calendar_feed_owner<B: Backend>(b: &B, token_hash: &str) -> Result<UserId> {
    #[derive(serde::Deserialize)]
    struct Owner {
        user: UserId,
    }
    let (pk, sk) = keys::feed_key(token_hash);
    match b.get(&pk, &sk).await? {
        Some(item) => Ok(item.entity::<Owner>()?.user),
        None => Err(StoreError::NotFound),
    }
}

pub(crate) async fn update_role<B: Backend>(
    b: &B,
    cur: &UserProfile,
    role: Role,
) -> Result<UserProfile> {
    guarded_profile_write(b, cur, cur.with_role(role, now())).await
}

pub(crate) async fn set_active<B: Backend>(
    b: &B,
    cur: &UserProfile,
    active: bool,
) -> Result<UserProfile> {
    guarded_profile_write(b, cur, cur.with_active(active, now())).await
}

pub(crate) async fn end_sessions<B: Backend>(b: &B, cur: &UserProfile) -> Result<UserProfile> {
    guarded_profile_write(b, cur, cur.with_sessions_ended(now())).await
}

/// Writes `next` over `cur` with the version condition and, when the change
/// adds or removes an active admin, the admin-count adjustment in the same
/// transaction, so two admins demoting or deactivating each other at once
/// cannot leave none.
async fn guarded_profile_write<B: Backend>(
    b: &B,
    cur: &UserProfile,
    next: UserProfile,
) -> Result<UserProfile> {
    let mut ops = vec![Op::Put {
        item: keys::profile_item(&next),
        cond: Cond::Version(cur.version),
    }];
    ops.extend(admin_delta(cur.is_active_admin(), next.is_active_admin()));
    if directory_changes(cur, &next) {
        ops.push(directory_bump());
    }
    match b.write(ops).await {
        Ok(()) => Ok(next),
        Err(WriteError::Condition(Some(1))) => Err(StoreError::LastAdmin),
        Err(WriteError::Condition(_)) => {
            match b.get(&keys::user_pk(cur.id), keys::PROFILE).await? {
                None => Err(StoreError::NotFound),
                Some(i) if i.version != cur.version => Err(StoreError::Conflict),
                Some(_) => Err(StoreError::LastAdmin),
            }
        }
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn list_users<B: Backend>(b: &B, page: PageRequest) -> Result<Page<UserProfile>> {
    let p = keys::USERS.to_owned();
    list(
        b,
        Listing {
            index: Index::Gsi1,
            partition: p,
            // The task counters share the partition, sorted before.
            sk: SkCond::BeginsWith(keys::PROFILE_GSI1_PREFIX.into()),
            forward: true,
            pk_prefix: "USER#",
            sk_prefix: keys::PROFILE,
        },
        &page,
    )
    .await
}

/// Everyone and every task counter.
pub(crate) async fn people_and_counters<B: Backend>(
    b: &B,
) -> Result<(Vec<UserProfile>, TaskCounters)> {
    Ok((everyone(b).await?, overview(b).await?.counters))
}

/// Every profile, in pages as large as DynamoDB returns (1 MB, about 1,500
/// profiles of ~650 bytes) rather than the 500 a listing page holds: a cache
/// refresh of a large team is a Query or two, not one per 500 people.
pub(crate) async fn everyone<B: Backend>(b: &B) -> Result<Vec<UserProfile>> {
    let sk = SkCond::BeginsWith(keys::PROFILE_GSI1_PREFIX.into());
    decode_all(&query_all(b, Index::Gsi1, keys::USERS, sk, OVERVIEW_PAGE).await?)
}

/// Every task counter, every project and the directory's version: the part
/// of the `USERS` partition of GSI1 that sorts before the profiles
/// (`CATALOG#…`, `COUNTER#…`), so no profile is read. Its size follows the
/// counters (a few per status and project, one per person with open work:
/// about 60 bytes each, so a 1 MB page holds thousands): one Query.
pub(crate) async fn overview<B: Backend>(b: &B) -> Result<crate::Overview> {
    let (mut counts, mut projects) = (std::collections::BTreeMap::new(), Vec::new());
    let mut directory_version = 0;
    let sk = SkCond::Lt(keys::PROFILE_GSI1_PREFIX.to_owned());
    for item in &query_all(b, Index::Gsi1, keys::USERS, sk, OVERVIEW_PAGE).await? {
        if item.pk == keys::COUNTER_PK {
            counts.insert(item.sk.clone(), signed_count(item));
        } else if item.sk == keys::DIRECTORY_VERSION_SK {
            directory_version = count_of(item);
        } else if item.pk == keys::PROJECTS_PK {
            projects.push(item.entity()?);
        }
    }
    Ok(crate::Overview {
        counters: TaskCounters::from_counts(counts),
        projects: with_default(projects),
        directory_version,
    })
}

/// The page size in items of the overview and of [`everyone`]: DynamoDB's
/// 1 MB page is the real bound, so a team of thousands is a Query or two.
const OVERVIEW_PAGE: u32 = 10_000;

/// Brings what is derived from the tasks up to date, for a table that held
/// tasks before counters, projects or search existed (or to repair one):
/// writes each task's project copy and search entries, removing entries of
/// words no longer indexed (guarded by the
/// task's version, so a task changed meanwhile keeps what its own write
/// made), recomputes the
/// counters and adjusts each stored one by its difference. Adjusting by a
/// difference keeps writes made between deploy and repair; writes made
/// *during* the repair can be miscounted, so it is run while nobody
/// writes, and a second run changes nothing if it was.
pub(crate) async fn repair_task_indexes<B: Backend>(b: &B) -> Result<TaskCounters> {
    let mut tasks = Vec::new();
    for s in Status::ALL {
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = list_tasks_by_status(b, *s, page).await?;
            tasks.extend(p.items);
            match p.next {
                Some(c) => page = PageRequest::after(PageRequest::MAX_LIMIT, c),
                None => break,
            }
        }
    }
    for t in &tasks {
        let mut ops = vec![
            Op::Check {
                pk: keys::task_pk(t.id),
                sk: keys::METADATA.into(),
                cond: Cond::Version(t.version),
            },
            Op::Put {
                item: keys::project_copy_item(t),
                cond: Cond::None,
            },
        ];
        ops.extend(word_ops(None, Some(t)));
        // Entries for words no longer indexed (a title's 16th word was
        // until the due-day counters took its place in the largest write).
        let words = domain::search::words(t.title.as_str());
        let pk = keys::task_pk(t.id);
        let sk = SkCond::BeginsWith(keys::WORD_PREFIX.into());
        for stale in query_all(b, Index::Table, &pk, sk, PageRequest::MAX_LIMIT)
            .await?
            .into_iter()
            .filter(|i| !words.iter().any(|w| keys::word_sk(w) == i.sk))
        {
            ops.push(Op::Delete {
                pk: pk.clone(),
                sk: stale.sk,
                cond: Cond::None,
            });
        }
        match b.write(ops).await {
            Ok(()) | Err(WriteError::Condition(_)) => {}
            Err(WriteError::Store(e)) => return Err(e),
        }
    }
    let truth = TaskCounters::of(&tasks);
    let (_, stored) = people_and_counters(b).await?;
    let mut net = truth.counts.clone();
    for (sk, n) in &stored.counts {
        *net.entry(sk.clone()).or_default() -= n;
    }
    for (sk, delta) in net.into_iter().filter(|(_, d)| *d != 0) {
        b.write(vec![counter_adjust(sk, delta)])
            .await
            .map_err(unexpected)?;
    }
    Ok(truth)
}

pub(crate) async fn profile_by_email<B: Backend>(
    b: &B,
    email: &domain::Email,
) -> Result<UserProfile> {
    let sk = format!("EMAIL#{email}");
    let (items, _) = b
        .query(Query {
            index: Index::Gsi1,
            pk: keys::USERS.to_owned(),
            sk: SkCond::Between(sk.clone(), sk),
            forward: true,
            limit: 1,
            start: None,
        })
        .await?;
    items.first().ok_or(StoreError::NotFound)?.entity()
}

pub(crate) async fn suppress_mail<B: Backend>(
    b: &B,
    cur: &UserProfile,
    reason: domain::SuppressionReason,
) -> Result<UserProfile> {
    match cur.with_mail_suppressed(reason, now()) {
        Some(next) => guarded_profile_write(b, cur, next).await,
        None => Ok(cur.clone()),
    }
}

pub(crate) async fn create_notification<B: Backend>(
    b: &B,
    new: NewNotification,
) -> Result<Notification> {
    let n = Notification {
        id: NotificationId::from_uuid(Uuid::now_v7()),
        user_id: new.user_id,
        kind: new.kind,
        task_id: new.task_id,
        task_title: new.task_title,
        message: new.message,
        actor: new.actor,
        created_at: now(),
        read: false,
    };
    let op = Op::Put {
        item: keys::notification_item(&n),
        cond: Cond::NotExists,
    };
    b.write(vec![op]).await.map_err(unexpected)?;
    Ok(n)
}

pub(crate) async fn list_notifications<B: Backend>(
    b: &B,
    u: UserId,
    page: PageRequest,
) -> Result<Page<Notification>> {
    let p = keys::user_pk(u);
    let sk = SkCond::BeginsWith(keys::NOTIF_PREFIX.into());
    list(
        b,
        Listing {
            index: Index::Table,
            partition: p,
            sk,
            forward: false,
            pk_prefix: "USER#",
            sk_prefix: keys::NOTIF_PREFIX,
        },
        &page,
    )
    .await
}

pub(crate) async fn mark_notification_read<B: Backend>(b: &B, n: &Notification) -> Result<()> {
    let mut next = n.clone();
    next.read = true;
    let op = Op::Put {
        item: keys::notification_item(&next),
        cond: Cond::Exists,
    };
    match b.write(vec![op]).await {
        Ok(()) => Ok(()),
        Err(WriteError::Condition(_)) => Err(StoreError::NotFound),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn put_marker<B: Backend>(b: &B, key: &str, ttl: Duration) -> Result<bool> {
    let now = now().unix_timestamp();
    let (pk, sk) = keys::marker_key(key);
    let mut item = Item::new(
        pk,
        sk,
        keys::json_text(&serde_json::json!({ "key": key })),
        1,
    );
    // A non-positive ttl yields an already-expired marker (useful to
    // force reprocessing, and to test expiry without waiting).
    item.expires_at = Some(now + ttl.whole_seconds());
    let op = Op::Put {
        item,
        cond: Cond::NotExistsOrExpired(now),
    };
    match b.write(vec![op]).await {
        Ok(()) => Ok(true),
        Err(WriteError::Condition(_)) => Ok(false),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn claim_marker<B: Backend>(b: &B, key: &str, holder: &str) -> Result<bool> {
    let (pk, sk) = keys::marker_key(key);
    // No expiry: a claim that lapsed could be won a second time.
    let item = Item::new(
        pk.clone(),
        sk.clone(),
        keys::json_text(&serde_json::json!({ "key": key, "holder": holder })),
        1,
    );
    let op = Op::Put {
        item,
        cond: Cond::NotExists,
    };
    match b.write(vec![op]).await {
        Ok(()) => Ok(true),
        // Taken: by this holder on an earlier try, or by someone else. A
        // claim is never overwritten or deleted, so the read cannot race.
        Err(WriteError::Condition(_)) => match b.get(&pk, &sk).await? {
            Some(item) => {
                #[derive(serde::Deserialize)]
                struct Claim {
                    holder: Option<String>,
                }
                Ok(item.entity::<Claim>()?.holder.as_deref() == Some(holder))
            }
            None => Err(StoreError::Internal(format!(
                "marker {key} refused the claim but is absent"
            ))),
        },
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn create_webhook<B: Backend>(
    b: &B,
    new: domain::NewWebhook,
) -> Result<domain::Webhook> {
    // 244 random bits from two v4 uuids (the OS generator): what the
    // receiver needs to trust a signature, in a form easy to paste.
    let secret = format!(
        "whsec_{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    );
    let hook = domain::Webhook {
        id: domain::WebhookId::from_uuid(Uuid::now_v7()),
        url: new.url,
        events: new.events,
        secret,
        created_by: new.created_by,
        created_at: now(),
        last_delivery: None,
    };
    let op = Op::Put {
        item: keys::webhook_item(&hook),
        cond: Cond::NotExists,
    };
    b.write(vec![op]).await.map_err(unexpected)?;
    Ok(hook)
}

pub(crate) async fn list_webhooks<B: Backend>(b: &B) -> Result<Vec<domain::Webhook>> {
    let (items, _) = b
        .query(Query {
            index: Index::Table,
            pk: keys::WEBHOOKS_PK.into(),
            sk: SkCond::BeginsWith(keys::WEBHOOK_PREFIX.into()),
            forward: true,
            // Far above MAX_WEBHOOKS, so one page is all of them even if
            // concurrent creations overshot the bound.
            limit: PageRequest::MAX_LIMIT,
            start: None,
        })
        .await?;
    decode_all(&items)
}

pub(crate) async fn delete_webhook<B: Backend>(b: &B, id: domain::WebhookId) -> Result<()> {
    let (pk, sk) = keys::webhook_key(id);
    delete_existing(b, pk, sk).await
}

/// Deletes an unversioned item; a second delete (or one of an item that
/// never was) is NotFound, so the caller can say so instead of "done".
async fn delete_existing<B: Backend>(b: &B, pk: String, sk: String) -> Result<()> {
    let op = Op::Delete {
        pk,
        sk,
        cond: Cond::Exists,
    };
    match b.write(vec![op]).await {
        Ok(()) => Ok(()),
        Err(WriteError::Condition(_)) => Err(StoreError::NotFound),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn record_webhook_delivery<B: Backend>(
    b: &B,
    hook: &domain::Webhook,
    delivery: domain::WebhookDelivery,
) -> Result<domain::Webhook> {
    let mut next = hook.clone();
    next.last_delivery = Some(delivery);
    let op = Op::Put {
        item: keys::webhook_item(&next),
        cond: Cond::Exists,
    };
    match b.write(vec![op]).await {
        Ok(()) => Ok(next),
        Err(WriteError::Condition(_)) => Err(StoreError::NotFound),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn has_active_admin<B: Backend>(b: &B) -> Result<bool> {
    let (pk, sk) = keys::ADMIN_COUNT;
    Ok(b.get(pk, sk)
        .await?
        .and_then(|i| i.count())
        .is_some_and(|n| n > 0))
}

pub(crate) async fn save_invitation<B: Backend>(
    b: &B,
    mut next: domain::Invitation,
    current: Option<&domain::Invitation>,
) -> Result<domain::Invitation> {
    next.version = current.map_or(1, |c| c.version + 1);
    let cond = current.map_or(Cond::NotExists, |c| Cond::Version(c.version));
    let op = Op::Put {
        item: keys::invite_item(&next),
        cond,
    };
    match b.write(vec![op]).await {
        Ok(()) => Ok(next),
        // Someone else invited, re-sent, revoked or accepted first.
        Err(WriteError::Condition(_)) => Err(StoreError::Conflict),
        Err(WriteError::Store(e)) => Err(e),
    }
}

pub(crate) async fn get_invitation<B: Backend>(
    b: &B,
    email: &domain::Email,
) -> Result<domain::Invitation> {
    let (pk, sk) = keys::invite_key(email);
    match b.get(&pk, &sk).await? {
        Some(item) => item.entity(),
        None => Err(StoreError::NotFound),
    }
}

pub(crate) async fn invitation_by_token<B: Backend>(
    b: &B,
    token_hash: &str,
) -> Result<domain::Invitation> {
    let (items, _) = b
        .query(Query {
            index: Index::Gsi1,
            pk: keys::invite_token_pk(token_hash),
            sk: SkCond::Any,
            forward: true,
            limit: 1,
            start: None,
        })
        .await?;
    match items.first() {
        Some(item) => item.entity(),
        None => Err(StoreError::NotFound),
    }
}

pub(crate) async fn list_invitations<B: Backend>(b: &B) -> Result<Vec<domain::Invitation>> {
    let sk = SkCond::BeginsWith(keys::INVITE_PREFIX.into());
    let items = query_all(
        b,
        Index::Table,
        keys::INVITES_PK,
        sk,
        PageRequest::MAX_LIMIT,
    )
    .await?;
    decode_all(&items)
}

pub(crate) async fn revoke_invitation<B: Backend>(b: &B, email: &domain::Email) -> Result<()> {
    let (pk, sk) = keys::invite_key(email);
    delete_existing(b, pk, sk).await
}

pub(crate) async fn accept_invitation<B: Backend>(
    b: &B,
    inv: &domain::Invitation,
    new: NewProfile,
) -> Result<UserProfile> {
    let p = UserProfile::create(new, now());
    let (pk, sk) = keys::invite_key(&inv.email);
    let mut ops = vec![
        Op::Delete {
            pk: pk.clone(),
            sk: sk.clone(),
            cond: Cond::Version(inv.version),
        },
        Op::Put {
            item: keys::profile_item(&p),
            cond: Cond::NotExists,
        },
    ];
    ops.extend(admin_delta(false, p.is_active_admin()));
    ops.push(directory_bump());
    match b.write(ops).await {
        Ok(()) => Ok(p),
        Err(WriteError::Condition(Some(1))) => Err(StoreError::AlreadyExists),
        Err(WriteError::Condition(Some(0))) => Err(gone_or_conflict(b, &pk, &sk).await),
        Err(WriteError::Condition(_)) => {
            if b.get(&keys::user_pk(p.id), keys::PROFILE).await?.is_some() {
                Err(StoreError::AlreadyExists)
            } else {
                Err(gone_or_conflict(b, &pk, &sk).await)
            }
        }
        Err(WriteError::Store(e)) => Err(e),
    }
}

/// Implements [`crate::Store`] for a [`Backend`] by delegating to the
/// functions above.
macro_rules! impl_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::Store for $ty {
            async fn create_task(&self, new: domain::NewTask) -> $crate::Result<domain::Task> {
                $crate::engine::create_task(self, new).await
            }
            async fn get_task(
                &self,
                id: domain::TaskId,
                comments_limit: u32,
            ) -> $crate::Result<$crate::TaskDetail> {
                $crate::engine::get_task(self, id, comments_limit).await
            }
            async fn list_comments(
                &self,
                id: domain::TaskId,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Comment>> {
                $crate::engine::list_comments(self, id, page).await
            }
            async fn list_activity(
                &self,
                id: domain::TaskId,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Activity>> {
                $crate::engine::list_activity(self, id, page).await
            }
            async fn update_task(
                &self,
                current: &domain::Task,
                patch: &domain::TaskPatch,
                actor: domain::UserId,
            ) -> $crate::Result<domain::Task> {
                $crate::engine::update_task(self, current, patch, actor).await
            }
            async fn change_status(
                &self,
                current: &domain::Task,
                status: domain::Status,
                actor: domain::UserId,
            ) -> $crate::Result<domain::Task> {
                $crate::engine::change_status(self, current, status, actor).await
            }
            async fn set_assignees(
                &self,
                current: &domain::Task,
                add: &[domain::UserId],
                remove: &[domain::UserId],
                actor: domain::UserId,
            ) -> $crate::Result<domain::Task> {
                $crate::engine::set_assignees(self, current, add, remove, actor).await
            }
            async fn delete_task(&self, current: &domain::Task) -> $crate::Result<()> {
                $crate::engine::delete_task(self, current).await
            }
            async fn add_comment(
                &self,
                task: domain::TaskId,
                author: domain::UserId,
                body: domain::CommentBody,
                mentions: Vec<domain::UserId>,
            ) -> $crate::Result<domain::Comment> {
                $crate::engine::add_comment(self, task, author, body, mentions).await
            }
            async fn list_tasks_by_status(
                &self,
                status: domain::Status,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Task>> {
                $crate::engine::list_tasks_by_status(self, status, page).await
            }
            async fn list_tasks_for_user(
                &self,
                user: domain::UserId,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::TaskSummary>> {
                $crate::engine::list_tasks_for_user(self, user, page).await
            }
            async fn list_open_tasks_due_before(
                &self,
                date: time::Date,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Task>> {
                $crate::engine::list_open_tasks_due_before(self, date, page).await
            }
            async fn list_open_assigned_due(
                &self,
                user: domain::UserId,
                from: Option<time::Date>,
                before: time::Date,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::TaskSummary>> {
                $crate::engine::list_open_assigned_due(self, user, from, before, page).await
            }
            async fn list_newly_assigned(
                &self,
                user: domain::UserId,
                since: time::OffsetDateTime,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::TaskSummary>> {
                $crate::engine::list_newly_assigned(self, user, since, page).await
            }
            async fn list_unassigned_open_tasks(
                &self,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Task>> {
                $crate::engine::list_unassigned_open_tasks(self, page).await
            }
            async fn search_tasks(
                &self,
                search: &$crate::TextSearch,
                status: domain::Status,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Task>> {
                $crate::engine::search_tasks(self, search, status, page).await
            }
            async fn list_tasks_by_label(
                &self,
                label: domain::LabelId,
                status: domain::Status,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Task>> {
                $crate::engine::list_tasks_by_label(self, label, status, page).await
            }
            async fn create_label(
                &self,
                name: domain::LabelName,
                color: domain::LabelColor,
            ) -> $crate::Result<domain::Label> {
                $crate::engine::create_label(self, name, color).await
            }
            async fn update_label(
                &self,
                current: &domain::Label,
                name: domain::LabelName,
                color: domain::LabelColor,
            ) -> $crate::Result<domain::Label> {
                $crate::engine::update_label(self, current, name, color).await
            }
            async fn delete_label(&self, current: &domain::Label) -> $crate::Result<()> {
                $crate::engine::delete_label(self, current).await
            }
            async fn list_labels(&self) -> $crate::Result<Vec<domain::Label>> {
                $crate::engine::list_labels(self).await
            }
            async fn create_profile(
                &self,
                new: domain::NewProfile,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::create_profile(self, new).await
            }
            async fn get_profile(&self, id: domain::UserId) -> $crate::Result<domain::UserProfile> {
                $crate::engine::get_profile(self, id).await
            }
            async fn update_profile(
                &self,
                current: &domain::UserProfile,
                patch: &domain::ProfilePatch,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::update_profile(self, current, patch).await
            }
            async fn set_active(
                &self,
                current: &domain::UserProfile,
                active: bool,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::set_active(self, current, active).await
            }
            async fn end_sessions(
                &self,
                current: &domain::UserProfile,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::end_sessions(self, current).await
            }
            async fn set_calendar_feed(
                &self,
                current: &domain::UserProfile,
                feed: Option<domain::CalendarFeed>,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::set_calendar_feed(self, current, feed).await
            }
            async fn calendar_feed_owner(
                &self,
                token_hash: &str,
            ) -> $crate::Result<domain::UserId> {
                $crate::engine::calendar_feed_owner(self, token_hash).await
            }
            async fn update_role(
                &self,
                current: &domain::UserProfile,
                role: domain::Role,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::update_role(self, current, role).await
            }
            async fn list_users(
                &self,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::UserProfile>> {
                $crate::engine::list_users(self, page).await
            }
            async fn everyone(&self) -> $crate::Result<Vec<domain::UserProfile>> {
                $crate::engine::everyone(self).await
            }
            async fn people_and_counters(
                &self,
            ) -> $crate::Result<(Vec<domain::UserProfile>, $crate::TaskCounters)> {
                $crate::engine::people_and_counters(self).await
            }
            async fn list_tasks_by_project(
                &self,
                project: domain::ProjectId,
                status: domain::Status,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Task>> {
                $crate::engine::list_tasks_by_project(self, project, status, page).await
            }
            async fn create_project(
                &self,
                name: domain::ProjectName,
            ) -> $crate::Result<domain::Project> {
                $crate::engine::create_project(self, name).await
            }
            async fn update_project(
                &self,
                current: &domain::Project,
                name: domain::ProjectName,
                archived: bool,
            ) -> $crate::Result<domain::Project> {
                $crate::engine::update_project(self, current, name, archived).await
            }
            async fn overview(&self) -> $crate::Result<$crate::Overview> {
                $crate::engine::overview(self).await
            }
            async fn catalog(&self) -> $crate::Result<$crate::Catalog> {
                $crate::engine::catalog(self).await
            }
            async fn directory_version(&self) -> $crate::Result<u64> {
                $crate::engine::directory_version(self).await
            }
            async fn list_projects(&self) -> $crate::Result<Vec<domain::Project>> {
                $crate::engine::list_projects(self).await
            }
            async fn project_counts(
                &self,
                project: Option<domain::ProjectId>,
            ) -> $crate::Result<$crate::TaskCounters> {
                $crate::engine::project_counts(self, project).await
            }
            async fn repair_task_indexes(&self) -> $crate::Result<$crate::TaskCounters> {
                $crate::engine::repair_task_indexes(self).await
            }
            async fn profile_by_email(
                &self,
                email: &domain::Email,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::profile_by_email(self, email).await
            }
            async fn suppress_mail(
                &self,
                current: &domain::UserProfile,
                reason: domain::SuppressionReason,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::suppress_mail(self, current, reason).await
            }
            async fn create_notification(
                &self,
                new: domain::NewNotification,
            ) -> $crate::Result<domain::Notification> {
                $crate::engine::create_notification(self, new).await
            }
            async fn list_notifications(
                &self,
                user: domain::UserId,
                page: $crate::PageRequest,
            ) -> $crate::Result<$crate::Page<domain::Notification>> {
                $crate::engine::list_notifications(self, user, page).await
            }
            async fn mark_notification_read(
                &self,
                notification: &domain::Notification,
            ) -> $crate::Result<()> {
                $crate::engine::mark_notification_read(self, notification).await
            }
            async fn put_marker(&self, key: &str, ttl: time::Duration) -> $crate::Result<bool> {
                $crate::engine::put_marker(self, key, ttl).await
            }
            async fn claim_marker(&self, key: &str, holder: &str) -> $crate::Result<bool> {
                $crate::engine::claim_marker(self, key, holder).await
            }
            async fn has_active_admin(&self) -> $crate::Result<bool> {
                $crate::engine::has_active_admin(self).await
            }
            async fn save_invitation(
                &self,
                next: domain::Invitation,
                current: Option<&domain::Invitation>,
            ) -> $crate::Result<domain::Invitation> {
                $crate::engine::save_invitation(self, next, current).await
            }
            async fn get_invitation(
                &self,
                email: &domain::Email,
            ) -> $crate::Result<domain::Invitation> {
                $crate::engine::get_invitation(self, email).await
            }
            async fn invitation_by_token(
                &self,
                token_hash: &str,
            ) -> $crate::Result<domain::Invitation> {
                $crate::engine::invitation_by_token(self, token_hash).await
            }
            async fn list_invitations(&self) -> $crate::Result<Vec<domain::Invitation>> {
                $crate::engine::list_invitations(self).await
            }
            async fn revoke_invitation(&self, email: &domain::Email) -> $crate::Result<()> {
                $crate::engine::revoke_invitation(self, email).await
            }
            async fn accept_invitation(
                &self,
                invitation: &domain::Invitation,
                profile: domain::NewProfile,
            ) -> $crate::Result<domain::UserProfile> {
                $crate::engine::accept_invitation(self, invitation, profile).await
            }
            async fn create_webhook(
                &self,
                new: domain::NewWebhook,
            ) -> $crate::Result<domain::Webhook> {
                $crate::engine::create_webhook(self, new).await
            }
            async fn list_webhooks(&self) -> $crate::Result<Vec<domain::Webhook>> {
                $crate::engine::list_webhooks(self).await
            }
            async fn delete_webhook(&self, id: domain::WebhookId) -> $crate::Result<()> {
                $crate::engine::delete_webhook(self, id).await
            }
            async fn record_webhook_delivery(
                &self,
                hook: &domain::Webhook,
                delivery: domain::WebhookDelivery,
            ) -> $crate::Result<domain::Webhook> {
                $crate::engine::record_webhook_delivery(self, hook, delivery).await
            }
        }
    };
}
pub(crate) use impl_store;
