//! Who hears about an event, and on which channels.
//!
//! The audience depends on the event: the person (un)assigned hears about
//! it, and so does the task's creator; status changes and comments go to
//! everyone involved (assignees, creator, commenters); reminders go to the
//! assignees, or to the creator of an unassigned task. The actor never hears
//! about their own action, each person appears once, and each person's
//! preferences pick the channels.
//!
//! Involvement is history, access is now: a commenter who was unassigned, or
//! a creator who was demoted, no longer sees the task, so a notice would leak
//! its title and comments to them. Everyone in the audience must be able to
//! see the task when the event is delivered; the one exception is the person
//! just unassigned, who is told so (the title is all they learn, and they
//! saw it until then).

use std::collections::BTreeSet;

use domain::{NotificationPrefs, Task, UserId};

use crate::classify::{Detail, Event};

/// What the pipeline read about the task to decide the audience.
#[derive(Debug, Clone, Copy)]
pub struct TaskContext<'a> {
    pub task: &'a Task,
    /// Everyone who ever commented on the task.
    pub commenters: &'a [UserId],
    /// Which of the [`candidates`] are admins now (and so may see every
    /// task); anyone else must be assigned to hear of it.
    pub admins: &'a [UserId],
}

impl TaskContext<'_> {
    /// Whether `user` may see the task now: admins see every task,
    /// members the tasks assigned to them.
    pub fn can_see(&self, user: UserId) -> bool {
        self.task.assignees.contains(&user) || self.admins.contains(&user)
    }
}

/// One recipient and the channels their preferences allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub user: UserId,
    pub email: bool,
    pub in_app: bool,
}

/// The deliveries for `event`. `prefs` returns `None` for users without a
/// profile (deleted, or never confirmed), who are skipped.
pub fn recipients(
    event: &Event,
    ctx: TaskContext<'_>,
    prefs: impl Fn(UserId) -> Option<NotificationPrefs>,
) -> Vec<Delivery> {
    let told_of_losing_it = match event.detail {
        Detail::Unassigned { user } => Some(user),
        _ => None,
    };
    let mut audience = candidates(event, ctx.task, ctx.commenters);
    if let Detail::Commented { mentioned, .. } = &event.detail {
        // They hear of it through the "mentioned" event instead.
        for u in mentioned.iter().filter(|u| ctx.can_see(**u)) {
            audience.remove(u);
        }
    }
    audience
        .into_iter()
        .filter(|&user| ctx.can_see(user) || told_of_losing_it == Some(user))
        .filter_map(|user| {
            let p = prefs(user)?.get(event.kind);
            (p.email || p.in_app).then_some(Delivery {
                user,
                email: p.email,
                in_app: p.in_app,
            })
        })
        .collect()
}

/// Everyone the event concerns before access and preferences are asked,
/// without its actor: the profiles a pipeline has to read (their roles fill
/// [`TaskContext::admins`], their preferences pick the channels).
pub fn candidates(event: &Event, task: &Task, commenters: &[UserId]) -> BTreeSet<UserId> {
    let mut audience = BTreeSet::new();
    match &event.detail {
        Detail::Assigned { user } | Detail::Unassigned { user } => {
            audience.insert(*user);
            audience.insert(task.created_by);
        }
        Detail::StatusChanged { .. } | Detail::Commented { .. } => {
            audience.extend(task.assignees.iter().copied());
            audience.insert(task.created_by);
            audience.extend(commenters.iter().copied());
        }
        Detail::Mentioned { users, .. } => {
            audience.extend(users.iter().copied());
        }
        Detail::DueSoon { .. } | Detail::Overdue { .. } => {
            audience.extend(task.assignees.iter().copied());
            if audience.is_empty() {
                audience.insert(task.created_by);
            }
        }
    }
    if let Some(actor) = event.actor {
        audience.remove(&actor);
    }
    audience
}

/// A user's preferences as [`recipients`] wants them: `None` (not a
/// recipient) for users without a profile and for deactivated users, who
/// get nothing; no email at all to an address SES reported undeliverable
/// or complained about (in-app notifications go on).
pub fn prefs_of(profile: Option<&domain::UserProfile>) -> Option<NotificationPrefs> {
    let p = profile.filter(|p| p.active)?;
    let mut prefs = p.prefs;
    if !p.mail_deliverable() {
        prefs.email_off();
    }
    Some(prefs)
}

/// The people a comment mentions, whose profiles tell whether they are
/// admins (see [`TaskContext::admins`]).
pub fn mentioned_users(event: &Event) -> &[UserId] {
    match &event.detail {
        Detail::Commented { mentioned, .. } => mentioned,
        Detail::Mentioned { users, .. } => users,
        _ => &[],
    }
}

/// The event kinds that carry a user subject (assigned/unassigned).
pub fn subject_user(event: &Event) -> Option<UserId> {
    match event.detail {
        Detail::Assigned { user } | Detail::Unassigned { user } => Some(user),
        _ => None,
    }
}
