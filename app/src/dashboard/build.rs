//! The dashboard's figures from every task.

use std::collections::HashMap;

use domain::{Status, Task, UserId};

use super::model::{DashboardStats, Workload};
use crate::team::query::Directory;

/// Counts per status, and for open tasks: overdue, due this week,
/// unassigned, and each person's open and overdue load (busiest first).
pub fn stats(
    columns: &[(Status, Vec<Task>)],
    dir: &Directory,
    today: time::Date,
) -> DashboardStats {
    let mut d = DashboardStats {
        total: 0,
        by_status: Vec::with_capacity(columns.len()),
        overdue: 0,
        due_this_week: 0,
        unassigned_open: 0,
        workload: Vec::new(),
    };
    let mut load: HashMap<UserId, (u32, u32)> = HashMap::new();
    for (status, tasks) in columns {
        d.by_status.push((*status, tasks.len() as u32));
        d.total += tasks.len() as u32;
        for t in tasks.iter().filter(|t| t.status.is_open()) {
            let late = t.is_overdue(today);
            d.overdue += late as u32;
            d.due_this_week += domain::is_due_this_week(t.due, today) as u32;
            d.unassigned_open += t.assignees.is_empty() as u32;
            for u in &t.assignees {
                let e = load.entry(*u).or_default();
                e.0 += 1;
                e.1 += late as u32;
            }
        }
    }
    d.workload = load
        .into_iter()
        .map(|(u, (open, overdue))| Workload {
            name: dir.name(u),
            open,
            overdue,
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
        let columns = vec![
            (
                Status::Open,
                vec![
                    task(1, Status::Open, past, &[2]),
                    task(2, Status::Open, soon, &[]),
                ],
            ),
            (
                Status::Blocked,
                vec![task(3, Status::Blocked, later, &[1, 2])],
            ),
            // Done work is never late, and never counted as due.
            (
                Status::Done,
                vec![
                    task(4, Status::Done, past, &[1]),
                    task(5, Status::Done, soon, &[]),
                ],
            ),
        ];
        let d = stats(&columns, &dir, today);
        assert_eq!(d.total, 5);
        assert_eq!(
            d.by_status,
            vec![(Status::Open, 2), (Status::Blocked, 1), (Status::Done, 2)]
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
