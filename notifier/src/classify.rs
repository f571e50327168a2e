//! Old/new item images → events.
//!
//! Only two item kinds speak: the task's `METADATA` item (assignee and
//! status changes are diffs of its old and new image) and comment items
//! (an insert is a comment). Assignment copies change in the same
//! transaction as the task; classifying them too would report every
//! assignment twice.

use domain::{Comment, EventKind, Status, Task, TaskId, UserId};
use serde::{Deserialize, Serialize};
use store::{keys, Item};
use time::{Date, OffsetDateTime};

/// Something that happened to a task that someone may want to hear about.
/// Serialised as JSON, this is the SNS message body on AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub kind: EventKind,
    pub task_id: TaskId,
    /// Snapshot at the time of the event, so rendering needs no read.
    pub task_title: String,
    /// Who did it; `None` for scheduled reminders.
    pub actor: Option<UserId>,
    pub detail: Detail,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// Stable across retries and replays of the same change, so delivery can
    /// be made idempotent per (event, recipient).
    pub dedupe_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Detail {
    Assigned {
        user: UserId,
    },
    Unassigned {
        user: UserId,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    Commented {
        comment_id: domain::CommentId,
        excerpt: String,
        /// The people the comment mentions: they hear of it as
        /// [`Detail::Mentioned`] instead, once.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mentioned: Vec<UserId>,
    },
    Mentioned {
        comment_id: domain::CommentId,
        excerpt: String,
        users: Vec<UserId>,
    },
    DueSoon {
        due: Date,
    },
    Overdue {
        due: Date,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// An image that does not decode as the entity its key says it is.
    #[error("undecodable {what} image at {pk}/{sk}: {reason}")]
    Corrupt {
        what: &'static str,
        pk: String,
        sk: String,
        reason: String,
    },
}

/// How much of a comment goes into a notification.
const EXCERPT_CHARS: usize = 280;

/// Classifies one change. Unknown or uninteresting items yield no events.
pub fn classify(old: Option<&Item>, new: Option<&Item>) -> Result<Vec<Event>, ClassifyError> {
    let Some(any) = new.or(old) else {
        return Ok(Vec::new());
    };
    if any.sk == keys::METADATA && any.pk.starts_with("TASK#") {
        let old = old.map(|i| decode::<Task>(i, "task")).transpose()?;
        let new = new.map(|i| decode::<Task>(i, "task")).transpose()?;
        return Ok(match new {
            Some(new) => task_events(old.as_ref(), &new),
            // Deletion: the task is gone, so nobody can act on a notice.
            None => Vec::new(),
        });
    }
    if any.sk.starts_with(keys::COMMENT_PREFIX) {
        if let (None, Some(item)) = (old, new) {
            let c = decode::<Comment>(item, "comment")?;
            return Ok(comment_events(&c, item));
        }
    }
    Ok(Vec::new())
}

fn decode<T: serde::de::DeserializeOwned>(
    item: &Item,
    what: &'static str,
) -> Result<T, ClassifyError> {
    serde_json::from_str(item.data.get()).map_err(|e| ClassifyError::Corrupt {
        what,
        pk: item.pk.clone(),
        sk: item.sk.clone(),
        reason: e.to_string(),
    })
}

fn task_events(old: Option<&Task>, new: &Task) -> Vec<Event> {
    let actor = new.updated_by.unwrap_or(new.created_by);
    let base = |kind, detail, key: String| Event {
        kind,
        task_id: new.id,
        task_title: new.title.as_str().to_owned(),
        actor: Some(actor),
        detail,
        occurred_at: new.updated_at,
        dedupe_key: format!("TASK#{}#v{}#{key}", new.id, new.version),
    };
    let before: &[UserId] = old.map(|t| t.assignees.as_slice()).unwrap_or(&[]);
    let mut events = Vec::new();
    for &user in &new.assignees {
        if !before.contains(&user) {
            events.push(base(
                EventKind::Assigned,
                Detail::Assigned { user },
                format!("ASSIGNED#{user}"),
            ));
        }
    }
    for &user in before {
        if !new.assignees.contains(&user) {
            events.push(base(
                EventKind::Unassigned,
                Detail::Unassigned { user },
                format!("UNASSIGNED#{user}"),
            ));
        }
    }
    if let Some(old) = old {
        if old.status != new.status {
            events.push(base(
                EventKind::StatusChanged,
                Detail::StatusChanged {
                    from: old.status,
                    to: new.status,
                },
                "STATUS".to_owned(),
            ));
        }
    }
    events
}

/// A comment is news to everyone involved ("commented") and, separately,
/// to the people it mentions ("mentioned", with its own preference), who
/// are left out of the first so each hears of it once.
fn comment_events(c: &Comment, item: &Item) -> Vec<Event> {
    let body = c.body.as_str();
    let mut excerpt: String = body.chars().take(EXCERPT_CHARS).collect();
    if body.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    let event = |kind, detail, dedupe_key| Event {
        kind,
        task_id: c.task_id,
        // Comment items do not carry the title; the pipeline fills it in
        // from the task it reads for recipients anyway.
        task_title: String::new(),
        actor: Some(c.author),
        detail,
        occurred_at: c.created_at,
        dedupe_key,
    };
    let key = format!("{}#{}", item.pk, item.sk);
    let mut events = vec![event(
        EventKind::Commented,
        Detail::Commented {
            comment_id: c.id,
            excerpt: excerpt.clone(),
            mentioned: c.mentions.clone(),
        },
        key.clone(),
    )];
    if !c.mentions.is_empty() {
        events.push(event(
            EventKind::Mentioned,
            Detail::Mentioned {
                comment_id: c.id,
                excerpt,
                users: c.mentions.clone(),
            },
            format!("{key}#MENTIONED"),
        ));
    }
    events
}

impl Event {
    /// The in-app notice of this event for `user`. Both delivery paths
    /// (local worker, email formatter) write it; its one-line message is
    /// the email's subject, so the two channels say the same thing.
    pub fn in_app(&self, user: UserId, subject: &str) -> domain::NewNotification {
        domain::NewNotification {
            user_id: user,
            kind: self.kind,
            task_id: Some(self.task_id),
            task_title: self.task_title.clone(),
            message: subject.to_owned(),
            actor: self.actor,
        }
    }
}

/// A reminder for an open task, keyed per task and calendar day so a
/// schedule that fires twice in a day reminds once.
pub fn reminder(task: &Task, today: Date, now: OffsetDateTime) -> Option<Event> {
    let due = task.due?;
    if !task.status.is_open() {
        return None;
    }
    let (kind, detail) = if task.is_overdue(today) {
        (EventKind::Overdue, Detail::Overdue { due })
    } else if (due - today).whole_days() <= 1 {
        (EventKind::DueSoon, Detail::DueSoon { due })
    } else {
        return None;
    };
    Some(Event {
        kind,
        task_id: task.id,
        task_title: task.title.as_str().to_owned(),
        actor: None,
        detail,
        occurred_at: now,
        dedupe_key: format!(
            "TASK#{}#{}#{}",
            task.id,
            kind.as_str(),
            keys::date_text(today)
        ),
    })
}
