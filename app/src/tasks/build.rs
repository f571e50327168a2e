//! Task view models from store values.

use domain::{Activity, ActivityChange, Actor, Comment, Role, Task, TaskField, TaskSummary};
use store::Page;

use super::model::{
    moves_for, ActivityView, Card, CheckView, CommentPart, CommentView, RepeatView, TaskView,
};
use crate::format::{date_text, when};
use crate::paging::next;
use crate::projects::query::Catalog;
use crate::team::query::Directory;

/// An admin's board card: a row with the assignees by name.
pub fn card(t: &Task, dir: &Directory, today: time::Date) -> Card {
    Card {
        assignees: t.assignees.iter().map(|u| dir.name(*u)).collect(),
        ..row(&t.summary(), today)
    }
}

/// A list row; members' come from their own assignment copies, which carry
/// no assignees.
pub fn row(t: &TaskSummary, today: time::Date) -> Card {
    Card {
        id: t.id.to_string(),
        title: t.title.as_str().to_owned(),
        status: t.status,
        priority: t.priority,
        due: t.due.map(date_text),
        overdue: t.is_overdue(today),
        assignees: Vec::new(),
        version: t.version,
        progress: t.checklist.map(|p| (p.done, p.total)),
        recurring: t.recurring,
        labels: Vec::new(),
        project: String::new(),
    }
}

/// The task page as `viewer` may see it.
pub fn task_view(
    t: &Task,
    viewer: Actor,
    (dir, cat): (&Directory, &Catalog),
    comments: &Page<Comment>,
    activity: &Page<Activity>,
    today: time::Date,
) -> TaskView {
    let can_edit = viewer.role == Role::Admin;
    TaskView {
        id: t.id.to_string(),
        title: t.title.as_str().to_owned(),
        description: t
            .description
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        status: t.status,
        priority: t.priority,
        due: t.due.map(date_text),
        overdue: t.is_overdue(today),
        assignees: t.assignees.iter().map(|u| dir.person(*u)).collect(),
        created_by: dir.name(t.created_by),
        created_at: when(t.created_at),
        updated_at: when(t.updated_at),
        version: t.version,
        can_edit,
        moves: moves_for(viewer.role, t.status),
        comments: comments.items.iter().map(|c| comment(c, dir)).collect(),
        comments_next: next(comments),
        activity: activity
            .items
            .iter()
            .map(|a| self::activity(a, dir))
            .collect(),
        activity_next: next(activity),
        people: if can_edit {
            dir.picker(&t.assignees)
        } else {
            Default::default()
        },
        checklist: t
            .checklist
            .items()
            .iter()
            .map(|i| CheckView {
                text: i.text.as_str().to_owned(),
                done: i.done,
            })
            .collect(),
        repeat: t.recurrence.map(|r| RepeatView {
            unit: r.unit().as_str().to_owned(),
            every: r.every(),
            weekdays: r
                .weekdays()
                .days()
                .map(|d| d.number_days_from_monday())
                .collect(),
            text: r.describe(),
        }),
        next_occurrence: t.next_occurrence.map(|id| id.to_string()),
        labels: cat.labels.of(&t.labels),
        all_labels: if can_edit {
            cat.labels.all()
        } else {
            Vec::new()
        },
        project: cat.projects.view_of(t.project),
        projects: if can_edit {
            cat.projects.pickable(Some(t.project))
        } else {
            Vec::new()
        },
    }
}

pub fn comment(c: &Comment, dir: &Directory) -> CommentView {
    let handles: Vec<String> = c
        .mentions
        .iter()
        .filter_map(|u| dir.get(*u))
        .filter_map(|p| domain::mention::handle_of(&p.email))
        .collect();
    let parts = domain::mention::segments(c.body.as_str(), |h| handles.iter().any(|m| m == h))
        .into_iter()
        .map(|s| CommentPart {
            text: s.text.to_owned(),
            mention: s.mention,
        })
        .collect();
    CommentView {
        id: c.id.to_string(),
        author: dir.name(c.author),
        parts,
        at: when(c.created_at),
    }
}

/// One entry of a task's history, in words.
pub fn activity(a: &Activity, dir: &Directory) -> ActivityView {
    let names = |users: &[domain::UserId]| {
        users
            .iter()
            .map(|u| dir.name(*u))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = a
        .changes
        .iter()
        .map(|c| match c {
            ActivityChange::Created => "created the task".to_owned(),
            ActivityChange::Edited { fields } => format!(
                "changed {}",
                fields
                    .iter()
                    .map(|f| match f {
                        TaskField::Title => "the title",
                        TaskField::Description => "the description",
                        TaskField::Priority => "the priority",
                        TaskField::DueDate => "the due date",
                        TaskField::Status => "the status",
                        TaskField::Assignees => "the assignees",
                        TaskField::Checklist => "the checklist",
                        TaskField::Repeat => "the repeat",
                        TaskField::Labels => "the labels",
                        TaskField::Project => "the project",
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ActivityChange::StatusChanged { from, to } => {
                format!("moved it from {} to {}", from.label(), to.label())
            }
            ActivityChange::Assigned { users } => format!("assigned {}", names(users)),
            ActivityChange::Unassigned { users } => format!("unassigned {}", names(users)),
        })
        .collect::<Vec<_>>()
        .join("; ");
    ActivityView {
        version: a.version,
        actor: dir.name(a.actor),
        at: when(a.at),
        text,
    }
}
