//! An edit form submits every field; the store is given only those that
//! changed, so history and notifications name exactly the fields that moved
//! and an unchanged save writes nothing.

use time::Date;

use crate::model::{DueDate, Priority, Task, TaskPatch};
use crate::text::{Description, TaskTitle};

/// Every editable field as the edit form submits it: the task as the
/// editor wants it to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEdit {
    pub title: TaskTitle,
    pub description: Option<Description>,
    pub priority: Priority,
    pub due: Option<Date>,
}

impl TaskPatch {
    /// The patch that turns `current` into what `edit` describes, holding
    /// only the fields that differ.
    pub fn between(current: &Task, edit: TaskEdit) -> TaskPatch {
        TaskPatch {
            title: (edit.title != current.title).then_some(edit.title),
            description: (edit.description != current.description).then_some(edit.description),
            priority: (edit.priority != current.priority).then_some(edit.priority),
            due: (edit.due != current.due).then_some(edit.due.map(DueDate)),
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

    fn edit() -> impl Strategy<Value = TaskEdit> {
        (
            title(),
            description(),
            prop::sample::select(Priority::ALL),
            prop::option::of((0i64..3).prop_map(|n| date!(2026 - 01 - 01) + Duration::days(n))),
        )
            .prop_map(|(title, description, priority, due)| TaskEdit {
                title,
                description,
                priority,
                due,
            })
    }

    fn task(e: TaskEdit) -> Task {
        Task::create(
            TaskId::from_uuid(Uuid::from_u128(1)),
            NewTask {
                status: crate::Status::Open,
                title: e.title,
                description: e.description,
                priority: e.priority,
                due: e.due,
                assignees: Vec::new(),
                created_by: UserId::from_uuid(Uuid::from_u128(2)),
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
            let mut changed = Vec::new();
            if before.title != after.title { changed.push(TaskField::Title); }
            if before.description != after.description { changed.push(TaskField::Description); }
            if before.priority != after.priority { changed.push(TaskField::Priority); }
            if before.due != after.due { changed.push(TaskField::DueDate); }
            prop_assert_eq!(patch.fields(), changed);
            prop_assert_eq!(patch.is_empty(), before == after);
        }
    }

    #[test]
    fn clearing_is_a_change_and_keeping_is_none() {
        let e = TaskEdit {
            title: TaskTitle::parse("t").unwrap(),
            description: Some(Description::parse("d").unwrap()),
            priority: Priority::Low,
            due: Some(date!(2026 - 01 - 01)),
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
}
