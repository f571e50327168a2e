//! The dashboard's figures, all from the task counters.

use domain::{agenda::due_soon_through, Status};
use store::TaskCounters;

use super::model::{DashboardStats, Workload};
use crate::team::query::Directory;

/// How many people the workload chart shows, busiest first: a bar per
/// person stops being readable long before a team of thousands, and the
/// page's size and render time would follow the team's.
pub const WORKLOAD_ROWS: usize = 25;

/// Counts per status, and for open tasks: overdue, due within seven days,
/// unassigned, and the busiest people's open load. For one `project`, the
/// status counts and the due figures are that project's; unassigned and
/// workload are counted team-wide only.
///
/// Each person's *overdue* count is not shown: it changes with the date
/// rather than with a write, so no counter can keep it, and reading every
/// overdue task to count it is the cost this page must not have. The
/// overdue figure links to the overdue board, which the assignee filter
/// narrows to one person.
pub fn stats(
    counters: &TaskCounters,
    dir: &Directory,
    today: time::Date,
    project: Option<domain::ProjectId>,
) -> DashboardStats {
    let by_status: Vec<(Status, u32)> = Status::ALL
        .iter()
        .map(|s| match project {
            Some(p) => (*s, counters.project_status(p, *s)),
            None => (*s, counters.status(*s)),
        })
        .collect();
    let mut workload: Vec<Workload> = counters
        .open_by_assignee()
        .into_iter()
        .map(|(u, open)| Workload {
            id: u.to_string(),
            name: dir.name(u),
            open,
        })
        .collect();
    workload.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.name.cmp(&b.name)));
    let more_people = workload.len().saturating_sub(WORKLOAD_ROWS) as u32;
    workload.truncate(WORKLOAD_ROWS);
    DashboardStats {
        total: by_status.iter().map(|(_, n)| n).sum(),
        by_status,
        overdue: counters.open_due(project, ..today),
        due_this_week: counters.open_due(project, today..=due_soon_through(today)),
        unassigned_open: counters.unassigned_open(),
        workload,
        more_people,
        project: None,
        projects: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{DisplayName, Email, NewProfile, NewTask, Priority, Role, TaskId, TaskTitle};
    use domain::{Task, UserId};
    use time::{macros::date, Duration, OffsetDateTime};
    use uuid::Uuid;

    fn uid(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn task(n: u128, status: Status, due: Option<time::Date>, who: &[u128]) -> Task {
        let t = Task::create(
            TaskId::from_uuid(Uuid::from_u128(1000 + n)),
            NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::Open,
                title: TaskTitle::parse(&format!("t{n}")).unwrap(),
                description: None,
                priority: Priority::Low,
                due,
                assignees: who.iter().map(|w| uid(*w)).collect(),
                created_by: uid(1),
            },
            OffsetDateTime::UNIX_EPOCH,
        );
        t.with_status(status, uid(1), OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn counts_follow_the_domain_rules() {
        let today = date!(2026 - 03 - 10);
        let (past, soon, later) = (
            Some(today - Duration::days(1)),
            Some(today + Duration::days(7)),
            Some(today + Duration::days(8)),
        );
        let people = [(1, "Ada"), (2, "Mo")].map(|(n, name)| {
            domain::UserProfile::create(
                NewProfile {
                    id: uid(n),
                    email: Email::parse(&format!("{name}@example.com")).unwrap(),
                    display_name: DisplayName::parse(name).unwrap(),
                    role: Role::Member,
                },
                OffsetDateTime::UNIX_EPOCH,
            )
        });
        let dir = Directory::of(people.to_vec());
        let tasks = vec![
            task(1, Status::Open, past, &[2]),
            task(2, Status::Open, soon, &[]),
            task(3, Status::Blocked, later, &[1, 2]),
            // Done work is never late, and never counted as due.
            task(4, Status::Done, past, &[1]),
            task(5, Status::Done, soon, &[]),
        ];
        let d = stats(&TaskCounters::of(&tasks), &dir, today, None);
        assert_eq!(d.total, 5);
        assert_eq!(
            d.by_status,
            vec![
                (Status::Open, 2),
                (Status::InProgress, 0),
                (Status::Blocked, 1),
                (Status::InReview, 0),
                (Status::Done, 2)
            ]
        );
        assert_eq!((d.overdue, d.due_this_week, d.unassigned_open), (1, 1, 1));
        let load: Vec<(&str, u32)> = d
            .workload
            .iter()
            .map(|w| (w.name.as_str(), w.open))
            .collect();
        assert_eq!(load, vec![("Mo", 2), ("Ada", 1)]);
        assert_eq!(d.more_people, 0);
        // The same figures for one project, and none for another.
        let p = domain::ProjectId::DEFAULT;
        let scoped = stats(&TaskCounters::of(&tasks), &dir, today, Some(p));
        assert_eq!(
            (scoped.total, scoped.overdue, scoped.due_this_week),
            (5, 1, 1)
        );
        let other = domain::ProjectId::from_uuid(Uuid::from_u128(77));
        let none = stats(&TaskCounters::of(&tasks), &dir, today, Some(other));
        assert_eq!((none.total, none.overdue, none.due_this_week), (0, 0, 0));
    }
}
