//! Who may do what, and which status moves are allowed, as pure functions.
//!
//! They live here, not in the server, so the UI can hide what the server
//! would refuse using the very same rules, and so the rules are unit- and
//! property-tested without any I/O.

use crate::ids::UserId;
use crate::model::{Role, Status, TaskField};

/// The authenticated caller, as established from a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
}

/// What the actor attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadTask,
    CreateTask,
    EditField(TaskField),
    DeleteTask,
    Assign,
    ChangeStatus,
    /// Ticking or unticking a checklist item (editing the list itself is
    /// `EditField(Checklist)`, for admins).
    TickChecklist,
    Comment,
    ManageRoles,
    ViewDashboard,
    ExportCsv,
    ListUsers,
    /// Defining, renaming, recolouring and deleting labels.
    ManageLabels,
    /// Creating, renaming, archiving and restoring projects.
    ManageProjects,
    /// Listing, adding and removing outgoing webhooks (they carry a
    /// signing secret and make the server send requests).
    ManageWebhooks,
    /// Editing a profile or its notification settings.
    EditProfile {
        owner: UserId,
    },
    /// Reading or marking a user's in-app notifications.
    ReadNotifications {
        owner: UserId,
    },
}

impl Action {
    /// Every task-independent action plus each task action once, for tests
    /// and for the UI's capability list.
    pub fn all(owner: UserId) -> Vec<Action> {
        let mut v = vec![
            Action::ReadTask,
            Action::CreateTask,
            Action::DeleteTask,
            Action::Assign,
            Action::ChangeStatus,
            Action::TickChecklist,
            Action::Comment,
            Action::ManageRoles,
            Action::ViewDashboard,
            Action::ExportCsv,
            Action::ListUsers,
            Action::ManageLabels,
            Action::ManageProjects,
            Action::ManageWebhooks,
            Action::EditProfile { owner },
            Action::ReadNotifications { owner },
        ];
        v.extend(TaskField::ALL.iter().map(|f| Action::EditField(*f)));
        v
    }

    /// Actions reserved to admins whatever the task relation.
    pub fn is_admin_only(self) -> bool {
        match self {
            Action::CreateTask
            | Action::DeleteTask
            | Action::Assign
            | Action::ManageRoles
            | Action::ViewDashboard
            | Action::ExportCsv
            | Action::ListUsers
            | Action::ManageLabels
            | Action::ManageProjects
            | Action::ManageWebhooks => true,
            // Members move status through ChangeStatus, never by editing.
            Action::EditField(_) => true,
            Action::ReadTask
            | Action::ChangeStatus
            | Action::TickChecklist
            | Action::Comment
            | Action::EditProfile { .. }
            | Action::ReadNotifications { .. } => false,
        }
    }

    /// Actions about one existing task, where the caller's relation to that
    /// task decides between "allowed", "forbidden" and "not found".
    pub fn is_task_scoped(self) -> bool {
        matches!(
            self,
            Action::ReadTask
                | Action::EditField(_)
                | Action::DeleteTask
                | Action::Assign
                | Action::ChangeStatus
                | Action::TickChecklist
                | Action::Comment
        )
    }
}

/// How the actor relates to the task the action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskRelation {
    /// The action is not about a particular task.
    NoTask,
    Assignee,
    NotAssignee,
}

/// A refusal. The two kinds map to 404 and 403: a member must not be able to
/// tell a task they are not assigned to from one that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
}

/// The RBAC policy of DESIGN.md. Admins may do everything except edit other
/// people's profiles or read their notifications; members may read, move
/// and comment on the tasks assigned to them, and manage their own profile.
pub fn authorize(actor: Actor, action: Action, relation: TaskRelation) -> Result<(), Denied> {
    match action {
        Action::EditProfile { owner } | Action::ReadNotifications { owner } => {
            return if owner == actor.user_id {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            };
        }
        _ => {}
    }
    if actor.role == Role::Admin {
        return Ok(());
    }
    if action.is_task_scoped() && relation != TaskRelation::Assignee {
        // Fail closed: a task action without an established relation is
        // treated like a task the member cannot see.
        return Err(Denied::NotFound);
    }
    if action.is_admin_only() {
        return Err(Denied::Forbidden);
    }
    Ok(())
}

/// Why a status change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the task is already {0}")]
    Unchanged(Status),
    #[error("a task cannot move from {from} to {to}")]
    NotAllowed { from: Status, to: Status },
}

/// The workflow graph that members follow.
///
/// OPEN → IN_PROGRESS | BLOCKED; IN_PROGRESS → BLOCKED | IN_REVIEW | OPEN;
/// BLOCKED → IN_PROGRESS | OPEN; IN_REVIEW → IN_PROGRESS | DONE;
/// DONE → IN_PROGRESS (reopen). Work reaches DONE only through review.
pub const fn allowed_transitions(from: Status) -> &'static [Status] {
    use Status::*;
    match from {
        Open => &[InProgress, Blocked],
        InProgress => &[Blocked, InReview, Open],
        Blocked => &[InProgress, Open],
        InReview => &[InProgress, Done],
        Done => &[InProgress],
    }
}

/// Checks one status change.
///
/// Admins may set any status: DESIGN.md lets them change any field, and they
/// need to repair tasks (close a duplicate straight from OPEN, reopen one
/// into review) without walking the graph. A no-op is refused for everyone
/// so callers do not write a new version and notify for nothing.
pub fn check_transition(role: Role, from: Status, to: Status) -> Result<(), TransitionError> {
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    if role == Role::Admin || allowed_transitions(from).contains(&to) {
        Ok(())
    } else {
        Err(TransitionError::NotAllowed { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn actor(role: Role, n: u128) -> Actor {
        Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(n)),
            role,
        }
    }

    fn any_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL)
    }

    fn any_relation() -> impl Strategy<Value = TaskRelation> {
        prop::sample::select(vec![
            TaskRelation::NoTask,
            TaskRelation::Assignee,
            TaskRelation::NotAssignee,
        ])
    }

    #[test]
    fn member_on_assigned_task() {
        let m = actor(Role::Member, 1);
        let rel = TaskRelation::Assignee;
        assert_eq!(authorize(m, Action::ReadTask, rel), Ok(()));
        assert_eq!(authorize(m, Action::ChangeStatus, rel), Ok(()));
        assert_eq!(authorize(m, Action::Comment, rel), Ok(()));
        assert_eq!(authorize(m, Action::TickChecklist, rel), Ok(()));
        for f in [TaskField::Title, TaskField::Checklist, TaskField::Repeat] {
            assert_eq!(
                authorize(m, Action::EditField(f), rel),
                Err(Denied::Forbidden)
            );
        }
        assert_eq!(
            authorize(m, Action::DeleteTask, rel),
            Err(Denied::Forbidden)
        );
        assert_eq!(authorize(m, Action::Assign, rel), Err(Denied::Forbidden));
    }

    #[test]
    fn unassigned_task_is_not_found_for_members_even_for_admin_actions() {
        let m = actor(Role::Member, 1);
        for a in [
            Action::ReadTask,
            Action::Comment,
            Action::TickChecklist,
            Action::DeleteTask,
        ] {
            assert_eq!(
                authorize(m, a, TaskRelation::NotAssignee),
                Err(Denied::NotFound)
            );
        }
    }

    #[test]
    fn member_admin_pages_are_forbidden_and_own_profile_allowed() {
        let m = actor(Role::Member, 1);
        let other = actor(Role::Member, 2).user_id;
        for a in [
            Action::CreateTask,
            Action::ManageRoles,
            Action::ViewDashboard,
            Action::ExportCsv,
            Action::ListUsers,
            Action::ManageLabels,
            Action::ManageProjects,
            Action::ManageWebhooks,
        ] {
            assert_eq!(
                authorize(m, a, TaskRelation::NoTask),
                Err(Denied::Forbidden)
            );
        }
        let own = Action::EditProfile { owner: m.user_id };
        assert_eq!(authorize(m, own, TaskRelation::NoTask), Ok(()));
        let theirs = Action::ReadNotifications { owner: other };
        assert_eq!(
            authorize(actor(Role::Admin, 1), theirs, TaskRelation::NoTask),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn workflow_examples() {
        use Status::*;
        assert_eq!(check_transition(Role::Member, Open, InProgress), Ok(()));
        assert_eq!(check_transition(Role::Member, InReview, Done), Ok(()));
        assert_eq!(check_transition(Role::Member, Done, InProgress), Ok(()));
        assert_eq!(
            check_transition(Role::Member, Open, Done),
            Err(TransitionError::NotAllowed {
                from: Open,
                to: Done
            })
        );
        assert_eq!(check_transition(Role::Admin, Open, Done), Ok(()));
        assert_eq!(
            check_transition(Role::Admin, Done, Done),
            Err(TransitionError::Unchanged(Done))
        );
        assert_eq!(
            check_transition(Role::Member, Open, Done)
                .unwrap_err()
                .to_string(),
            "a task cannot move from OPEN to DONE"
        );
    }

    proptest! {
        #[test]
        fn member_never_gets_an_admin_action(rel in any_relation(), n in any::<u128>()) {
            let m = actor(Role::Member, n);
            for a in Action::all(m.user_id) {
                if a.is_admin_only() {
                    prop_assert!(authorize(m, a, rel).is_err(), "{:?} granted", a);
                }
            }
        }

        #[test]
        fn member_never_sees_unassigned_tasks(n in any::<u128>()) {
            let m = actor(Role::Member, n);
            for a in Action::all(m.user_id).into_iter().filter(|a| a.is_task_scoped()) {
                prop_assert_eq!(authorize(m, a, TaskRelation::NotAssignee), Err(Denied::NotFound));
            }
        }

        #[test]
        fn admin_gets_every_task_and_admin_action(rel in any_relation()) {
            let a = actor(Role::Admin, 7);
            for action in Action::all(a.user_id) {
                prop_assert_eq!(authorize(a, action, rel), Ok(()));
            }
        }

        #[test]
        fn transitions_are_consistent(from in any_status(), to in any_status()) {
            let member = check_transition(Role::Member, from, to);
            let admin = check_transition(Role::Admin, from, to);
            // The member rule is exactly the graph, minus no-ops.
            prop_assert_eq!(member.is_ok(), from != to && allowed_transitions(from).contains(&to));
            // Admins can do everything members can, and every real change.
            if member.is_ok() { prop_assert!(admin.is_ok()); }
            prop_assert_eq!(admin.is_ok(), from != to);
            // The graph never lists self-loops.
            prop_assert!(!allowed_transitions(from).contains(&from));
        }

        #[test]
        fn every_status_is_reachable_and_leavable(s in any_status()) {
            prop_assert!(!allowed_transitions(s).is_empty());
            let reachable = Status::ALL.iter().any(|f| allowed_transitions(*f).contains(&s));
            prop_assert!(reachable);
        }
    }
}
