//! Who a task may be assigned to, and what changes when the set changes.

use crate::ids::UserId;
use crate::model::UserProfile;

/// The most people one task can have, set by DynamoDB's 100 items per
/// transaction: the largest task write, replacing every assignee with as
/// many others on a task with the most labels, names the task, its history
/// entry, each old and each new assignment, each of those people's
/// open-task counter and each label copy: 2 + 4 × 20 + 10 = 92 items.
/// Finishing a repeating task writes two tasks (each: the task, its
/// history entry, its project copy, 20 assignments and 10 label copies),
/// 2 status counters and 2 due-day counters: 2 × 33 + 4 = 70 (the people's
/// counters net to nothing), and moves search entries
/// (`search::MAX_INDEXED_WORDS`). Checklist
/// items live inside the task item and add none.
pub const MAX_ASSIGNEES: usize = 20;

/// Why an assignee set was refused. Messages are for the person choosing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssigneeError {
    #[error("Unknown user.")]
    Unknown,
    #[error("{0} is deactivated and cannot be assigned.")]
    Deactivated(String),
    #[error("A task can have at most {MAX_ASSIGNEES} assignees.")]
    TooMany,
}

/// The assignee set a form asks for, checked against the people `profile`
/// knows: every one exists and is active, at most [`MAX_ASSIGNEES`]
/// distinct people. Returned sorted and without repeats, as a task holds
/// them.
pub fn check_assignees<'a>(
    wanted: &[UserId],
    profile: impl Fn(UserId) -> Option<&'a UserProfile>,
) -> Result<Vec<UserId>, AssigneeError> {
    let mut out = wanted.to_vec();
    out.sort();
    out.dedup();
    if out.len() > MAX_ASSIGNEES {
        return Err(AssigneeError::TooMany);
    }
    for id in &out {
        match profile(*id) {
            None => return Err(AssigneeError::Unknown),
            Some(p) if !p.active => {
                return Err(AssigneeError::Deactivated(
                    p.display_name.as_str().to_owned(),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// The people to add and to remove so that a task assigned to `current`
/// ends up assigned to exactly `wanted`: the store writes only these, and
/// notifications name only these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssigneeChange {
    pub add: Vec<UserId>,
    pub remove: Vec<UserId>,
}

impl AssigneeChange {
    pub fn between(current: &[UserId], wanted: &[UserId]) -> AssigneeChange {
        let mut add: Vec<UserId> = wanted
            .iter()
            .copied()
            .filter(|u| !current.contains(u))
            .collect();
        add.sort();
        add.dedup();
        let remove = current
            .iter()
            .copied()
            .filter(|u| !wanted.contains(u))
            .collect();
        AssigneeChange { add, remove }
    }

    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewProfile, Role};
    use crate::text::{DisplayName, Email};
    use crate::Task;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn uid(n: u8) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n.into()))
    }

    fn profile(n: u8, active: bool) -> UserProfile {
        let p = UserProfile::create(
            NewProfile {
                id: uid(n),
                email: Email::parse(&format!("u{n}@example.com")).unwrap(),
                display_name: DisplayName::parse(&format!("User {n}")).unwrap(),
                role: Role::Member,
            },
            OffsetDateTime::UNIX_EPOCH,
        );
        p.with_active(active, OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn refuses_unknown_deactivated_and_too_many() {
        let people: Vec<UserProfile> = (0..60).map(|n| profile(n, n != 3)).collect();
        let find = |id: UserId| people.iter().find(|p| p.id == id);
        assert_eq!(
            check_assignees(&[uid(2), uid(1), uid(2)], find),
            Ok(vec![uid(1), uid(2)])
        );
        assert_eq!(
            check_assignees(&[uid(1), uid(99)], find),
            Err(AssigneeError::Unknown)
        );
        assert_eq!(
            check_assignees(&[uid(3)], find).unwrap_err().to_string(),
            "User 3 is deactivated and cannot be assigned."
        );
        let many: Vec<UserId> = (0..MAX_ASSIGNEES as u8 + 1)
            .filter(|n| *n != 3)
            .map(uid)
            .collect();
        assert_eq!(many.len(), MAX_ASSIGNEES);
        assert!(check_assignees(&many, find).is_ok());
        let too_many: Vec<UserId> = (0..MAX_ASSIGNEES as u8 + 2)
            .filter(|n| *n != 3)
            .map(uid)
            .collect();
        assert_eq!(
            check_assignees(&too_many, find),
            Err(AssigneeError::TooMany)
        );
        // Repeats count once.
        let repeated = vec![uid(1); 200];
        assert_eq!(check_assignees(&repeated, find), Ok(vec![uid(1)]));
    }

    fn task_with(assignees: Vec<UserId>) -> Task {
        Task::create(
            crate::TaskId::from_uuid(Uuid::from_u128(1)),
            crate::NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: crate::Status::Open,
                title: crate::TaskTitle::parse("t").unwrap(),
                description: None,
                priority: crate::Priority::Low,
                due: None,
                assignees,
                created_by: uid(0),
            },
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    proptest! {
        #[test]
        fn the_change_turns_current_into_wanted(
            current in prop::collection::vec(0u8..20, 0..10),
            wanted in prop::collection::vec(0u8..20, 0..10),
        ) {
            let task = task_with(current.iter().copied().map(uid).collect());
            let wanted: Vec<UserId> = wanted.into_iter().map(uid).collect();
            let change = AssigneeChange::between(&task.assignees, &wanted);
            let next = task.with_assignees(&change.add, &change.remove, uid(0), OffsetDateTime::UNIX_EPOCH);
            let want: BTreeSet<UserId> = wanted.iter().copied().collect();
            prop_assert_eq!(next.assignees.iter().copied().collect::<BTreeSet<_>>(), want.clone());
            // Minimal: nobody both added and removed, nobody added twice,
            // nobody added who was there, nobody removed who stays.
            prop_assert!(change.add.iter().all(|u| !task.assignees.contains(u) && want.contains(u)));
            prop_assert!(change.remove.iter().all(|u| task.assignees.contains(u) && !want.contains(u)));
            prop_assert_eq!(change.add.len(), change.add.iter().collect::<BTreeSet<_>>().len());
            prop_assert_eq!(
                change.is_empty(),
                task.assignees.iter().copied().collect::<BTreeSet<_>>() == want
            );
        }
    }
}
