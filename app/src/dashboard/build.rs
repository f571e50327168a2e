//! The dashboard's figures from the task counters and the open tasks due
//! by the end of "due soon".

use std::collections::HashMap;

use domain::{Status, Task, UserId};
use store::TaskCounters;

use super::model::{DashboardStats, Workload};
use crate::team::query::Directory;

/// Counts per status, and for open tasks: overdue, due this week,
/// unassigned, and each person's open and overdue load (busiest first).
/// `urgent` is every open task due by the end of "due soon" (the only ones
/// that can be overdue or due this week); the rest comes from `counters`.
/// For one `project`, the status counts and the due figures are that
/// project's; unassigned and workload are counted team-wide only.
pub fn stats(
    counters: &TaskCounters,
    urgent: &[Task],
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
    let mut d = DashboardStats {
        total: by_status.iter().map(|(_, n)| n).sum(),
        by_status,
        overdue: 0,
        due_this_week: 0,
        unassigned_open: counters.unassigned_open(),
        workload: Vec::new(),
        project: None,
        projects: Vec::new(),
    };
    let mut late: HashMap<UserId, u32> = HashMap::new();
    for t in urgent.iter().filter(|t| t.status.is_open()) {
        let overdue = t.is_overdue(today);
        let mine = project.is_none_or(|p| t.project == p);
        d.overdue += (overdue && mine) as u32;
        d.due_this_week += (mine && domain::is_due_this_week(t.due, today)) as u32;
        for u in t.assignees.iter().filter(|_| overdue) {
            *late.entry(*u).or_default() += 1;
        }
    }
    d.workload = counters
        .open_by_assignee()
        .into_iter()
        .map(|(u, open)| Workload {
            name: dir.name(u),
            open,
            overdue: late.get(&u).copied().unwrap_or(0),
        })
        .collect();
    d.workload
        .sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.name.cmp(&b.name)));
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{DisplayName, Email, NewProfile, NewTask, Priority, Role, TaskId, TaskTitle};
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
        // What the store hands over: the counters, and the open tasks due
        // by the end of "due soon".
        let urgent: Vec<Task> = tasks
            .iter()
            .filter(|t| t.status.is_open() && t.due.is_some_and(|d| d <= today + Duration::days(7)))
            .cloned()
            .collect();
        let d = stats(&TaskCounters::of(&tasks), &urgent, &dir, today, None);
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
        let load: Vec<(&str, u32, u32)> = d
            .workload
            .iter()
            .map(|w| (w.name.as_str(), w.open, w.overdue))
            .collect();
        assert_eq!(load, vec![("Mo", 2, 1), ("Ada", 1, 0)]);
    }
}
