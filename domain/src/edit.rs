//! An edit form submits every field; the store is given only those that
//! changed, so history and notifications name exactly the fields that moved
//! and an unchanged save writes nothing.

use time::Date;

use crate::checklist::Checklist;
use crate::model::{DueDate, Priority, Task, TaskPatch};
use crate::recurrence::RepeatRule;
use crate::text::{Description, TaskTitle};

/// Every editable field as the edit form submits it: the task as the
/// editor wants it to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEdit {
    pub title: TaskTitle,
    pub description: Option<Description>,
    pub priority: Priority,
    pub due: Option<Date>,
    pub checklist: Checklist,
    /// `Some` only with a due date (see [`crate::check_recurrence`]); a
    /// rule without one is dropped.
    pub repeat: Option<RepeatRule>,
    /// Sorted and deduplicated (see [`crate::check_labels`]).
    pub labels: Vec<crate::LabelId>,
    pub project: crate::ProjectId,
}

impl TaskPatch {
    /// The patch that turns `current` into what `edit` describes, holding
    /// only the fields that differ.
    pub fn between(current: &Task, edit: TaskEdit) -> TaskPatch {
        // The series keeps its anchor while neither its rule nor the due
        // date changes; otherwise it starts again from the (new) due date.
        let recurrence = match (edit.repeat, edit.due) {
            (Some(rule), Some(due)) => Some(match current.recurrence {
                Some(r) if current.due == edit.due && r.follows(rule) => r,
                _ => rule.starting(due),
            }),
            _ => None,
        };
        TaskPatch {
            project: (edit.project != current.project).then_some(edit.project),
            title: (edit.title != current.title).then_some(edit.title),
            description: (edit.description != current.description).then_some(edit.description),
            priority: (edit.priority != current.priority).then_some(edit.priority),
            due: (edit.due != current.due).then_some(edit.due.map(DueDate)),
            checklist: (edit.checklist != current.checklist).then_some(edit.checklist),
            recurrence: (recurrence != current.recurrence).then_some(recurrence),
            labels: (edit.labels != current.labels).then_some(edit.labels),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TaskId, UserId};
    use crate::model::{NewTask, TaskField};
    use proptest::prelude::*;
    use time::{macros::date, Duration, OffsetDateTime};
    use uuid::Uuid;

    fn title() -> impl Strategy<Value = TaskTitle> {
        prop::sample::select(vec!["Ship it", "Fix the bug", "Write docs"])
            .prop_map(|t| TaskTitle::parse(t).unwrap())
    }

    fn description() -> impl Strategy<Value = Option<Description>> {
        prop::option::of(
            prop::sample::select(vec!["a", "b\nc"]).prop_map(|d| Description::parse(d).unwrap()),
        )
    }

    fn checklist() -> impl Strategy<Value = Checklist> {
        prop::sample::select(vec!["", "a", "a\nb"])
            .prop_map(|l| Checklist::from_lines(l, &Checklist::default()).unwrap())
    }

    fn repeat() -> impl Strategy<Value = Option<RepeatRule>> {
        use crate::recurrence::{RepeatUnit, Weekdays};
        prop::option::of(
            prop::sample::select(vec![
                (1, RepeatUnit::Days),
                (2, RepeatUnit::Weeks),
                (1, RepeatUnit::Months),
            ])
            .prop_map(|(n, u)| RepeatRule::new(n, u, Weekdays::default()).unwrap()),
        )
    }

    fn edit() -> impl Strategy<Value = TaskEdit> {
        (
            title(),
            description(),
            prop::sample::select(Priority::ALL),
            prop::option::of((0i64..3).prop_map(|n| date!(2026 - 01 - 01) + Duration::days(n))),
            checklist(),
            repeat(),
            prop::sample::select(vec![
                crate::ProjectId::DEFAULT,
                crate::ProjectId::from_uuid(Uuid::from_u128(9)),
            ]),
        )
            .prop_map(
                |(title, description, priority, due, checklist, repeat, project)| TaskEdit {
                    title,
                    description,
                    priority,
                    due,
                    checklist,
                    repeat,
                    labels: Vec::new(),
                    project,
                },
            )
    }

    /// The series an edit describes for a task whose anchor is its due date.
    fn series(e: &TaskEdit) -> Option<crate::Recurrence> {
        e.due.and_then(|d| e.repeat.map(|r| r.starting(d)))
    }

    fn task(e: TaskEdit) -> Task {
        let recurrence = series(&e);
        Task::create(
            TaskId::from_uuid(Uuid::from_u128(1)),
            NewTask {
                project: e.project,
                status: crate::Status::Open,
                title: e.title,
                description: e.description,
                priority: e.priority,
                due: e.due,
                assignees: Vec::new(),
                created_by: UserId::from_uuid(Uuid::from_u128(2)),
                recurrence,
                checklist: e.checklist,
                labels: e.labels,
            },
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    proptest! {
        #[test]
        fn the_patch_holds_exactly_what_changed(before in edit(), after in edit()) {
            let current = task(before.clone());
            let patch = TaskPatch::between(&current, after.clone());
            let next = current.patched(&patch, current.created_by, OffsetDateTime::UNIX_EPOCH);
            prop_assert_eq!(&next.title, &after.title);
            prop_assert_eq!(&next.description, &after.description);
            prop_assert_eq!(next.priority, after.priority);
            prop_assert_eq!(next.due, after.due);
            prop_assert_eq!(&next.checklist, &after.checklist);
            prop_assert_eq!(next.recurrence, series(&after));
            prop_assert_eq!(next.project, after.project);
            let mut changed = Vec::new();
            if before.title != after.title { changed.push(TaskField::Title); }
            if before.description != after.description { changed.push(TaskField::Description); }
            if before.priority != after.priority { changed.push(TaskField::Priority); }
            if before.due != after.due { changed.push(TaskField::DueDate); }
            if before.checklist != after.checklist { changed.push(TaskField::Checklist); }
            if series(&before) != series(&after) { changed.push(TaskField::Repeat); }
            if before.project != after.project { changed.push(TaskField::Project); }
            prop_assert_eq!(patch.fields(), changed);
            let same = TaskEdit { repeat: None, ..before.clone() } == TaskEdit { repeat: None, ..after.clone() }
                && series(&before) == series(&after);
            prop_assert_eq!(patch.is_empty(), same);
        }
    }

    #[test]
    fn clearing_is_a_change_and_keeping_is_none() {
        let e = TaskEdit {
            title: TaskTitle::parse("t").unwrap(),
            description: Some(Description::parse("d").unwrap()),
            priority: Priority::Low,
            due: Some(date!(2026 - 01 - 01)),
            checklist: Checklist::default(),
            repeat: None,
            labels: Vec::new(),
            project: Default::default(),
        };
        let current = task(e.clone());
        let cleared = TaskPatch::between(
            &current,
            TaskEdit {
                description: None,
                due: None,
                ..e.clone()
            },
        );
        assert_eq!(cleared.description, Some(None));
        assert_eq!(cleared.due, Some(None));
        assert_eq!(cleared.title, None);
        assert!(TaskPatch::between(&current, e).is_empty());
    }

    #[test]
    fn a_series_keeps_its_anchor_until_its_date_or_rule_changes() {
        use crate::recurrence::{RepeatUnit, Weekdays};
        let monthly = RepeatRule::new(1, RepeatUnit::Months, Weekdays::default()).unwrap();
        let e = TaskEdit {
            title: TaskTitle::parse("Rent").unwrap(),
            description: None,
            priority: Priority::Medium,
            due: Some(date!(2027 - 01 - 31)),
            checklist: Checklist::default(),
            repeat: Some(monthly),
            labels: Vec::new(),
            project: Default::default(),
        };
        // The February occurrence of a series anchored on the 31st.
        let first = task(e.clone());
        let feb = first
            .next_occurrence(
                TaskId::from_uuid(Uuid::from_u128(5)),
                first.created_by,
                OffsetDateTime::UNIX_EPOCH,
            )
            .unwrap();
        assert_eq!(feb.due, Some(date!(2027 - 02 - 28)));
        let same = TaskEdit {
            due: feb.due,
            ..e.clone()
        };
        assert!(
            TaskPatch::between(&feb, same.clone()).is_empty(),
            "unchanged form keeps the 31st"
        );
        let moved = TaskPatch::between(
            &feb,
            TaskEdit {
                due: Some(date!(2027 - 02 - 15)),
                ..same.clone()
            },
        );
        let moved = feb.patched(&moved, feb.created_by, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(moved.recurrence.unwrap().anchor(), date!(2027 - 02 - 15));
        let stopped = TaskPatch::between(
            &feb,
            TaskEdit {
                repeat: None,
                ..same
            },
        );
        assert_eq!(stopped.recurrence, Some(None));
        let undated = TaskPatch::between(&feb, TaskEdit { due: None, ..e });
        assert_eq!(
            feb.patched(&undated, feb.created_by, OffsetDateTime::UNIX_EPOCH)
                .recurrence,
            None
        );
    }
}
