//! The behaviour every [`Store`] must show, run unchanged against SQLite
//! (`tests/sqlite.rs`) and DynamoDB on moto (`tests/dynamo.rs`).
//!
//! Each check receives a fresh, empty store. [`conformance_suite!`] expands
//! to one `#[tokio::test]` per check so failures are reported per behaviour
//! and per backend.

use std::sync::Arc;

use domain::{
    Checklist, CommentBody, Description, DisplayName, Email, EventKind, NewNotification,
    NewProfile, NewTask, Priority, ProfilePatch, Role, Status, TaskPatch, TaskTitle, UserId,
};
use time::macros::date;
use time::{Date, Duration};
use uuid::Uuid;

use crate::{Cursor, Page, PageRequest, Store, StoreError, TaskCounters};

/// Expands to one test per conformance check. `$make` is an expression
/// evaluating to a future of `Arc<dyn Store>` (a fresh store per test).
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@each $make;
            create_and_get_task,
            create_task_in_a_status,
            update_task_is_version_checked,
            change_status_moves_indexes_and_copies,
            assign_and_unassign,
            delete_task_cascades,
            activity_records_every_version,
            comments_paginate_newest_first,
            tasks_by_status_ordered_by_due_date,
            tasks_for_user_paginate,
            open_tasks_due_before_date,
            open_assignments_by_due_date_per_person,
            newly_assigned_newest_first_per_person,
            unassigned_open_tasks_by_due_date,
            profiles_create_once,
            last_admin_is_guarded,
            deactivation_counts_as_losing_an_admin,
            users_listed_by_email,
            mail_suppression_by_email,
            calendar_feed_tokens_map_to_their_owner_until_replaced,
            notifications_newest_first_and_mark_read,
            idempotency_markers,
            claimed_markers_record_their_one_holder,
            tampered_cursors_are_rejected,
            concurrent_conflicting_updates,
            counters_equal_a_recount,
            counters_survive_concurrent_conflicting_writes,
            the_largest_task_writes_fit_one_transaction,
            checklists_are_kept_ticked_and_summarised,
            finishing_a_repeating_task_creates_the_next_once,
            a_repeat_removed_midway_creates_nothing,
            labels_are_defined_renamed_and_deleted,
            tasks_by_label_follow_status_due_and_edits,
            projects_are_created_renamed_and_archived,
            tasks_by_project_follow_moves_status_and_deletes,
            credentials_and_session_families,
            webhooks_listed_recorded_and_deleted,
            invitations_are_sent_found_by_token_and_consumed_once,
            directory_version_counts_what_the_directory_shows,
            search_finds_title_words_and_label_names,
            search_follows_edits_moves_and_deletes,
            search_pages_list_each_task_once,
            search_agrees_with_reading_every_task
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let store: std::sync::Arc<dyn $crate::Store> = $make.await;
                $crate::conformance::$name(store).await;
            }
        )+
    };
}

fn user() -> UserId {
    UserId::from_uuid(Uuid::now_v7())
}

fn title(s: &str) -> TaskTitle {
    TaskTitle::parse(s).expect("valid title")
}

fn new_task(name: &str, assignees: &[UserId], due: Option<Date>) -> NewTask {
    NewTask {
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
        title: title(name),
        description: Description::parse_optional("details").expect("valid"),
        priority: Priority::Medium,
        due,
        assignees: assignees.to_vec(),
        created_by: user(),
    }
}

fn profile(email: &str, role: Role) -> NewProfile {
    NewProfile {
        id: user(),
        email: Email::parse(email).expect("valid email"),
        display_name: DisplayName::parse(email.split('@').next().unwrap_or("x")).expect("valid"),
        role,
    }
}

/// Follows `next` to the end, asserting no page is over the limit.
async fn collect<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut out = Vec::new();
    let mut req = PageRequest::first(limit);
    for _ in 0..1000 {
        let page = fetch(req.clone()).await.expect("page");
        assert!(page.items.len() <= limit as usize, "page over limit");
        out.extend(page.items);
        match page.next {
            Some(c) => req = PageRequest::after(limit, c),
            None => return out,
        }
    }
    panic!("pagination did not terminate");
}

pub async fn create_and_get_task(s: Arc<dyn Store>) {
    let (a, b) = (user(), user());
    let t = s
        .create_task(new_task("First", &[b, a, b], Some(date!(2030 - 01 - 02))))
        .await
        .unwrap();
    assert_eq!(t.version, 1);
    assert_eq!(t.status, Status::Open);
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(t.assignees, expected);
    let got = s.get_task(t.id, 10).await.unwrap();
    assert_eq!(got.task, t);
    assert!(got.comments.items.is_empty());
    assert_eq!(got.comments.next, None);
    let missing = domain::TaskId::from_uuid(Uuid::now_v7());
    assert!(matches!(
        s.get_task(missing, 10).await,
        Err(StoreError::NotFound)
    ));
}

/// A task created straight into a column (a board quick-add) is in that
/// column everywhere it is listed, including its assignee's copy, from
/// version 1.
pub async fn create_task_in_a_status(s: Arc<dyn Store>) {
    let a = user();
    let mut new = new_task("Straight to review", &[a], None);
    new.status = Status::InReview;
    let t = s.create_task(new).await.unwrap();
    assert_eq!((t.status, t.version), (Status::InReview, 1));
    assert_eq!(
        s.get_task(t.id, 1).await.unwrap().task.status,
        Status::InReview
    );
    let in_review = s
        .list_tasks_by_status(Status::InReview, PageRequest::first(50))
        .await
        .unwrap();
    assert!(in_review.items.iter().any(|x| x.id == t.id));
    let open = s
        .list_tasks_by_status(Status::Open, PageRequest::first(50))
        .await
        .unwrap();
    assert!(!open.items.iter().any(|x| x.id == t.id));
    let mine = s
        .list_tasks_for_user(a, PageRequest::first(50))
        .await
        .unwrap();
    let row = mine.items.iter().find(|x| x.id == t.id).expect("assigned");
    assert_eq!(row.status, Status::InReview);
}

pub async fn update_task_is_version_checked(s: Arc<dyn Store>) {
    let a = user();
    let t = s
        .create_task(new_task("Draft", &[a], Some(date!(2030 - 01 - 02))))
        .await
        .unwrap();
    let patch = TaskPatch {
        title: Some(title("Final")),
        description: Some(None),
        priority: Some(Priority::Urgent),
        due: Some(None),
        ..Default::default()
    };
    let t2 = s.update_task(&t, &patch, t.created_by).await.unwrap();
    assert_eq!(t2.updated_by, Some(t.created_by), "the actor is recorded");
    assert_eq!(t2.version, 2);
    assert_eq!(t2.title.as_str(), "Final");
    assert_eq!((t2.description.clone(), t2.due), (None, None));
    assert_eq!(s.get_task(t.id, 1).await.unwrap().task, t2);
    // A write based on version 1 is stale now: refused, nothing changed.
    let stale = TaskPatch {
        title: Some(title("Overwrite")),
        ..Default::default()
    };
    assert!(matches!(
        s.update_task(&t, &stale, t.created_by).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(s.get_task(t.id, 1).await.unwrap().task, t2);
    // The assignment copy carries the new summary.
    let mine = s
        .list_tasks_for_user(a, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(mine.items, vec![t2.summary_for(a)]);
    // Updating a deleted task is NotFound, not Conflict.
    s.delete_task(&t2).await.unwrap();
    assert!(matches!(
        s.update_task(&t2, &stale, t2.created_by).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn change_status_moves_indexes_and_copies(s: Arc<dyn Store>) {
    let a = user();
    let due = date!(2030 - 05 - 01);
    let t = s
        .create_task(new_task("Move me", &[a], Some(due)))
        .await
        .unwrap();
    let t2 = s
        .change_status(&t, Status::InProgress, t.created_by)
        .await
        .unwrap();
    assert_eq!((t2.status, t2.version), (Status::InProgress, 2));
    let open = s
        .list_tasks_by_status(Status::Open, PageRequest::default())
        .await
        .unwrap();
    assert!(open.items.is_empty());
    let progress = s
        .list_tasks_by_status(Status::InProgress, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(progress.items, vec![t2.clone()]);
    let mine = s
        .list_tasks_for_user(a, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(mine.items[0].status, Status::InProgress);
    assert!(matches!(
        s.change_status(&t, Status::Blocked, t.created_by).await,
        Err(StoreError::Conflict)
    ));
    let before = due.next_day().unwrap();
    let reminders = s
        .list_open_tasks_due_before(before, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(reminders.items, vec![t2.clone()]);
    let done = s
        .change_status(&t2, Status::Done, t2.created_by)
        .await
        .unwrap();
    let reminders = s
        .list_open_tasks_due_before(before, PageRequest::default())
        .await
        .unwrap();
    assert!(
        reminders.items.is_empty(),
        "done tasks leave the sparse index"
    );
    let mine = s
        .list_tasks_for_user(a, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(mine.items, vec![done.summary_for(a)]);
}

pub async fn assign_and_unassign(s: Arc<dyn Store>) {
    let (a, b, c) = (user(), user(), user());
    let t = s
        .create_task(new_task("Team", &[a, b], None))
        .await
        .unwrap();
    let t2 = s.set_assignees(&t, &[c], &[a], t.created_by).await.unwrap();
    let mut expected = vec![b, c];
    expected.sort();
    assert_eq!(t2.assignees, expected);
    assert_eq!(t2.version, 2);
    let page = PageRequest::default;
    assert!(s
        .list_tasks_for_user(a, page())
        .await
        .unwrap()
        .items
        .is_empty());
    for u in [b, c] {
        let items = s.list_tasks_for_user(u, page()).await.unwrap().items;
        assert_eq!(items, vec![t2.summary_for(u)]);
    }
    assert!(matches!(
        s.set_assignees(&t, &[a], &[], t.created_by).await,
        Err(StoreError::Conflict)
    ));
    let t3 = s
        .set_assignees(&t2, &[], &[b, c], t2.created_by)
        .await
        .unwrap();
    assert!(t3.assignees.is_empty());
    assert_eq!(s.get_task(t.id, 1).await.unwrap().task, t3);
}

pub async fn delete_task_cascades(s: Arc<dyn Store>) {
    let a = user();
    let t = s
        .create_task(new_task("Doomed", &[a], Some(date!(2030 - 01 - 01))))
        .await
        .unwrap();
    for i in 0..3 {
        let body = CommentBody::parse(&format!("comment {i}")).unwrap();
        s.add_comment(t.id, a, body, Vec::new()).await.unwrap();
    }
    let t2 = s
        .change_status(&t, Status::Blocked, t.created_by)
        .await
        .unwrap();
    assert!(matches!(s.delete_task(&t).await, Err(StoreError::Conflict)));
    s.delete_task(&t2).await.unwrap();
    assert!(matches!(
        s.get_task(t.id, 5).await,
        Err(StoreError::NotFound)
    ));
    let page = PageRequest::default;
    assert!(s
        .list_tasks_for_user(a, page())
        .await
        .unwrap()
        .items
        .is_empty());
    let blocked = s
        .list_tasks_by_status(Status::Blocked, page())
        .await
        .unwrap();
    assert!(blocked.items.is_empty());
    let due = s
        .list_open_tasks_due_before(date!(2031 - 01 - 01), page())
        .await
        .unwrap();
    assert!(due.items.is_empty());
    assert!(s
        .list_comments(t.id, page())
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(s
        .list_activity(t.id, page())
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(matches!(
        s.delete_task(&t2).await,
        Err(StoreError::NotFound)
    ));
    let body = CommentBody::parse("too late").unwrap();
    assert!(matches!(
        s.add_comment(t.id, a, body, Vec::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn activity_records_every_version(s: Arc<dyn Store>) {
    use domain::ActivityChange;
    let (admin, a, b) = (user(), user(), user());
    let mut new = new_task("Tracked", &[a], None);
    new.created_by = admin;
    let t1 = s.create_task(new).await.unwrap();
    let t2 = s
        .update_task(
            &t1,
            &TaskPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
            admin,
        )
        .await
        .unwrap();
    let t3 = s.change_status(&t2, Status::InProgress, a).await.unwrap();
    let t4 = s.set_assignees(&t3, &[b], &[a], admin).await.unwrap();
    // A refused (stale) write leaves no history behind.
    assert!(matches!(
        s.change_status(&t2, Status::Blocked, a).await,
        Err(StoreError::Conflict)
    ));
    let all = collect(2, |p| {
        let s = s.clone();
        async move { s.list_activity(t1.id, p).await }
    })
    .await;
    let versions: Vec<u64> = all.iter().map(|e| e.version).collect();
    assert_eq!(versions, vec![4, 3, 2, 1], "newest first, one per version");
    let actors: Vec<UserId> = all.iter().map(|e| e.actor).collect();
    assert_eq!(actors, vec![admin, a, admin, admin]);
    assert_eq!(
        all[0].changes,
        vec![
            ActivityChange::Assigned { users: vec![b] },
            ActivityChange::Unassigned { users: vec![a] }
        ]
    );
    assert_eq!(
        all[1].changes,
        vec![ActivityChange::StatusChanged {
            from: Status::Open,
            to: Status::InProgress
        }]
    );
    assert_eq!(
        all[2].changes,
        vec![ActivityChange::Edited {
            fields: vec![domain::TaskField::Priority]
        }]
    );
    assert_eq!(all[3].changes, vec![ActivityChange::Created]);
    assert_eq!(all[0].at, t4.updated_at);
    // History does not leak into the comment listing or the task read.
    assert!(s
        .list_comments(t1.id, PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(s.get_task(t1.id, 5).await.unwrap().task, t4);
}

pub async fn comments_paginate_newest_first(s: Arc<dyn Store>) {
    let a = user();
    let t = s.create_task(new_task("Chatty", &[a], None)).await.unwrap();
    let mut written = Vec::new();
    for i in 0..7 {
        let body = CommentBody::parse(&format!("comment {i} @someone")).unwrap();
        // Mentions are kept with the comment, in order, and read back.
        let mentions = if i == 3 { vec![a, user()] } else { Vec::new() };
        written.push(s.add_comment(t.id, a, body, mentions).await.unwrap());
    }
    written.reverse();
    let detail = s.get_task(t.id, 3).await.unwrap();
    assert_eq!(detail.task, t);
    assert_eq!(detail.comments.items, written[..3].to_vec());
    let mut all = detail.comments.items.clone();
    let mut next = detail.comments.next.clone();
    while let Some(c) = next {
        let page = s
            .list_comments(t.id, PageRequest::after(3, c))
            .await
            .unwrap();
        all.extend(page.items);
        next = page.next;
    }
    assert_eq!(all, written, "every comment once, newest first");
    let listed = collect(2, |p| s.list_comments(t.id, p)).await;
    assert_eq!(listed, written);
}

pub async fn tasks_by_status_ordered_by_due_date(s: Arc<dyn Store>) {
    let dues = [
        Some(date!(2030 - 03 - 01)),
        None,
        Some(date!(2030 - 01 - 15)),
        Some(date!(2031 - 01 - 01)),
        None,
        Some(date!(2030 - 01 - 15)),
        Some(date!(2029 - 12 - 31)),
    ];
    let mut created = Vec::new();
    for (i, due) in dues.iter().enumerate() {
        created.push(
            s.create_task(new_task(&format!("t{i}"), &[], *due))
                .await
                .unwrap(),
        );
    }
    let listed = collect(2, |p| s.list_tasks_by_status(Status::Open, p)).await;
    let mut expected = created.clone();
    // Dated first by date, undated last; ties by id (creation order).
    expected.sort_by_key(|t| (t.due.is_none(), t.due, t.id));
    assert_eq!(listed, expected);
    let done = s
        .list_tasks_by_status(Status::Done, PageRequest::default())
        .await
        .unwrap();
    assert!(done.items.is_empty() && done.next.is_none());
}

pub async fn tasks_for_user_paginate(s: Arc<dyn Store>) {
    let (a, other) = (user(), user());
    let mut expected = Vec::new();
    for i in 0..5 {
        let t = s
            .create_task(new_task(&format!("mine {i}"), &[a, other], None))
            .await
            .unwrap();
        expected.push(t.summary_for(a));
    }
    s.create_task(new_task("not mine", &[other], None))
        .await
        .unwrap();
    let listed = collect(2, |p| s.list_tasks_for_user(a, p)).await;
    assert_eq!(listed, expected);
    assert_eq!(
        collect(50, |p| s.list_tasks_for_user(other, p)).await.len(),
        6
    );
}

pub async fn open_tasks_due_before_date(s: Arc<dyn Store>) {
    let mk = |n: &str, d: Option<Date>| new_task(n, &[], d);
    let late = s
        .create_task(mk("late", Some(date!(2030 - 01 - 01))))
        .await
        .unwrap();
    let soon = s
        .create_task(mk("soon", Some(date!(2030 - 01 - 05))))
        .await
        .unwrap();
    s.create_task(mk("boundary", Some(date!(2030 - 01 - 10))))
        .await
        .unwrap();
    s.create_task(mk("undated", None)).await.unwrap();
    let finished = s
        .create_task(mk("done", Some(date!(2029 - 06 - 01))))
        .await
        .unwrap();
    s.change_status(&finished, Status::Done, finished.created_by)
        .await
        .unwrap();
    let listed = collect(1, |p| {
        s.list_open_tasks_due_before(date!(2030 - 01 - 10), p)
    })
    .await;
    assert_eq!(listed, vec![late, soon]);
}

/// The home page's overdue and due-soon lists: one person's open, dated
/// assignments in a due-date range, kept in step by every kind of write.
pub async fn open_assignments_by_due_date_per_person(s: Arc<dyn Store>) {
    let (a, b) = (user(), user());
    let mk = |n: &str, who: &[UserId], d: Option<Date>| new_task(n, who, d);
    let late = s
        .create_task(mk("late", &[a], Some(date!(2030 - 01 - 01))))
        .await
        .unwrap();
    let soon = s
        .create_task(mk("soon", &[a, b], Some(date!(2030 - 01 - 05))))
        .await
        .unwrap();
    let edge = s
        .create_task(mk("edge", &[a], Some(date!(2030 - 01 - 10))))
        .await
        .unwrap();
    let undated = s.create_task(mk("undated", &[a], None)).await.unwrap();
    let finished = s
        .create_task(mk("finished", &[a], Some(date!(2029 - 06 - 01))))
        .await
        .unwrap();
    s.change_status(&finished, Status::Done, finished.created_by)
        .await
        .unwrap();
    let theirs = s
        .create_task(mk("theirs", &[b], Some(date!(2029 - 12 - 01))))
        .await
        .unwrap();
    s.create_task(mk("nobody's", &[], Some(date!(2029 - 12 - 01))))
        .await
        .unwrap();

    let due = |u: UserId, from: Option<Date>, before: Date| {
        let s = s.clone();
        async move {
            collect(1, |p| {
                let s = s.clone();
                async move { s.list_open_assigned_due(u, from, before, p).await }
            })
            .await
        }
    };
    let rows = |ts: &[&domain::Task], u: UserId| -> Vec<domain::TaskSummary> {
        ts.iter().map(|t| t.summary_for(u)).collect()
    };
    // Strictly before `before`; from `from` on; done and undated never.
    assert_eq!(due(a, None, date!(2030 - 01 - 05)).await, rows(&[&late], a));
    assert_eq!(
        due(a, Some(date!(2030 - 01 - 05)), date!(2030 - 01 - 10)).await,
        rows(&[&soon], a)
    );
    assert_eq!(
        due(a, Some(date!(2030 - 01 - 05)), date!(2030 - 01 - 11)).await,
        rows(&[&soon, &edge], a)
    );
    assert_eq!(
        due(a, None, date!(2031 - 01 - 01)).await,
        rows(&[&late, &soon, &edge], a)
    );
    assert_eq!(
        due(b, None, date!(2031 - 01 - 01)).await,
        rows(&[&theirs, &soon], b),
        "each person sees only their own"
    );
    assert!(
        due(a, Some(date!(2030 - 01 - 10)), date!(2030 - 01 - 10))
            .await
            .is_empty(),
        "an empty range is empty"
    );
    assert!(due(a, Some(date!(2031 - 01 - 01)), date!(2030 - 01 - 01))
        .await
        .is_empty());

    // Finishing, unassigning and dating a task move it in and out.
    let soon2 = s
        .change_status(&soon, Status::Done, soon.created_by)
        .await
        .unwrap();
    let edge2 = s
        .set_assignees(&edge, &[], &[a], edge.created_by)
        .await
        .unwrap();
    let dated = TaskPatch {
        due: Some(Some(domain::DueDate(date!(2030 - 01 - 02)))),
        ..Default::default()
    };
    let undated2 = s
        .update_task(&undated, &dated, undated.created_by)
        .await
        .unwrap();
    assert_eq!(
        due(a, None, date!(2031 - 01 - 01)).await,
        rows(&[&late, &undated2], a)
    );
    assert_eq!(
        due(b, None, date!(2031 - 01 - 01)).await,
        rows(&[&theirs], b)
    );
    let reopened = s
        .change_status(&soon2, Status::InReview, soon2.created_by)
        .await
        .unwrap();
    assert_eq!(
        due(b, None, date!(2031 - 01 - 01)).await,
        rows(&[&theirs, &reopened], b)
    );
    s.delete_task(&late).await.unwrap();
    assert_eq!(
        due(a, None, date!(2031 - 01 - 01)).await,
        rows(&[&undated2, &reopened], a)
    );
    assert!(due(a, None, date!(2031 - 01 - 01))
        .await
        .iter()
        .all(|r| r.id != edge2.id));
    // A cursor from one person's list is refused for another's.
    let first = s
        .list_open_assigned_due(a, None, date!(2031 - 01 - 01), PageRequest::first(1))
        .await
        .unwrap();
    let cursor = first.next.expect("a second page");
    let r = s
        .list_open_assigned_due(
            b,
            None,
            date!(2031 - 01 - 01),
            PageRequest::after(1, cursor),
        )
        .await;
    assert!(matches!(r, Err(StoreError::InvalidCursor)));
}

/// The home page's "newly assigned" list: one person's open assignments
/// by when they were made, newest first; later edits keep the time, a
/// reassignment renews it.
pub async fn newly_assigned_newest_first_per_person(s: Arc<dyn Store>) {
    let (a, b) = (user(), user());
    let since = crate::now() - Duration::minutes(1);
    let first = s.create_task(new_task("first", &[a], None)).await.unwrap();
    let second = s
        .create_task(new_task("second", &[a, b], Some(date!(2030 - 01 - 01))))
        .await
        .unwrap();
    let theirs = s.create_task(new_task("theirs", &[b], None)).await.unwrap();
    let joined = s
        .set_assignees(&theirs, &[a], &[], theirs.created_by)
        .await
        .unwrap();
    let newly = |u: UserId, since| {
        let s = s.clone();
        async move {
            collect(1, |p| {
                let s = s.clone();
                async move { s.list_newly_assigned(u, since, p).await }
            })
            .await
        }
    };
    let mine = newly(a, since).await;
    assert_eq!(
        mine,
        vec![
            joined.summary_for(a),
            second.summary_for(a),
            first.summary_for(a)
        ]
    );
    assert!(mine.iter().all(|r| r.assigned_at.is_some()));
    assert_eq!(joined.assigned_at[&b], theirs.assigned_at[&b]);
    assert_eq!(
        newly(b, since).await,
        vec![joined.summary_for(b), second.summary_for(b)],
        "b's copy of the joined task is refreshed, its time kept"
    );
    // The window's start is inclusive; later ones leave older entries out.
    let at_second = second.assigned_at[&a];
    assert_eq!(
        newly(a, at_second).await,
        vec![joined.summary_for(a), second.summary_for(a)]
    );
    assert!(newly(a, crate::now() + Duration::minutes(1))
        .await
        .is_empty());

    // An edit keeps the assignment time (and the order); finishing the
    // task drops it; unassigning and assigning again makes it new.
    let renamed = TaskPatch {
        title: Some(title("first, renamed")),
        ..Default::default()
    };
    let first2 = s
        .update_task(&first, &renamed, first.created_by)
        .await
        .unwrap();
    assert_eq!(first2.assigned_at, first.assigned_at);
    let second2 = s
        .change_status(&second, Status::Done, second.created_by)
        .await
        .unwrap();
    assert_eq!(
        newly(a, since).await,
        vec![joined.summary_for(a), first2.summary_for(a)]
    );
    let off = s
        .set_assignees(&first2, &[], &[a], first2.created_by)
        .await
        .unwrap();
    let again = s
        .set_assignees(&off, &[a], &[], off.created_by)
        .await
        .unwrap();
    assert!(again.assigned_at[&a] > first.assigned_at[&a]);
    assert_eq!(
        newly(a, since).await,
        vec![again.summary_for(a), joined.summary_for(a)]
    );
    assert!(newly(b, since).await.iter().all(|r| r.id != second2.id));
    let page = s
        .list_newly_assigned(a, since, PageRequest::first(1))
        .await
        .unwrap();
    let r = s
        .list_newly_assigned(b, since, PageRequest::after(1, page.next.expect("more")))
        .await;
    assert!(matches!(r, Err(StoreError::InvalidCursor)));
}

/// The admins' "unassigned" list: open tasks with nobody on them, by due
/// date, undated last.
pub async fn unassigned_open_tasks_by_due_date(s: Arc<dyn Store>) {
    let a = user();
    let mut expected = Vec::new();
    for (i, due) in [
        Some(date!(2030 - 03 - 01)),
        None,
        Some(date!(2029 - 01 - 15)),
        Some(date!(2030 - 03 - 01)),
    ]
    .into_iter()
    .enumerate()
    {
        expected.push(
            s.create_task(new_task(&format!("spare {i}"), &[], due))
                .await
                .unwrap(),
        );
    }
    s.create_task(new_task("taken", &[a], Some(date!(2029 - 01 - 01))))
        .await
        .unwrap();
    let done = s
        .create_task(new_task("finished", &[], Some(date!(2029 - 01 - 01))))
        .await
        .unwrap();
    s.change_status(&done, Status::Done, done.created_by)
        .await
        .unwrap();
    expected.sort_by_key(|t| (t.due.is_none(), t.due, t.id));
    let listed = collect(2, |p| s.list_unassigned_open_tasks(p)).await;
    assert_eq!(listed, expected);

    // Assigning takes a task off the list; unassigning everyone puts it back
    // (as its new version); deleting removes it.
    let taken = s
        .set_assignees(&expected[0], &[a], &[], expected[0].created_by)
        .await
        .unwrap();
    let listed = collect(50, |p| s.list_unassigned_open_tasks(p)).await;
    assert_eq!(listed, expected[1..].to_vec());
    let freed = s
        .set_assignees(&taken, &[], &[a], taken.created_by)
        .await
        .unwrap();
    let mut again = expected.clone();
    again[0] = freed.clone();
    assert_eq!(
        collect(50, |p| s.list_unassigned_open_tasks(p)).await,
        again
    );
    s.delete_task(&freed).await.unwrap();
    let moved = s
        .change_status(&expected[1], Status::InProgress, a)
        .await
        .unwrap();
    assert_eq!(
        collect(50, |p| s.list_unassigned_open_tasks(p)).await,
        vec![moved, expected[2].clone(), expected[3].clone()],
        "still open, still listed, in due-date order"
    );
}

pub async fn profiles_create_once(s: Arc<dyn Store>) {
    let new = profile("ada@example.com", Role::Admin);
    let p = s.create_profile(new.clone()).await.unwrap();
    assert_eq!((p.version, p.role), (1, Role::Admin));
    assert_eq!(s.get_profile(new.id).await.unwrap(), p);
    // A second sign-up trigger must not reset the role to MEMBER.
    let again = NewProfile {
        role: Role::Member,
        ..new.clone()
    };
    assert!(matches!(
        s.create_profile(again).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.get_profile(new.id).await.unwrap().role, Role::Admin);
    let mut prefs = p.prefs;
    prefs.set(
        EventKind::Commented,
        domain::EventPrefs {
            email: false,
            in_app: true,
        },
    );
    let patch = ProfilePatch {
        display_name: Some(DisplayName::parse("Ada L.").unwrap()),
        prefs: Some(prefs),
    };
    let p2 = s.update_profile(&p, &patch).await.unwrap();
    assert_eq!(p2.version, 2);
    assert_eq!(s.get_profile(new.id).await.unwrap(), p2);
    assert!(matches!(
        s.update_profile(&p, &patch).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.get_profile(user()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn calendar_feed_tokens_map_to_their_owner_until_replaced(s: Arc<dyn Store>) {
    let p = s
        .create_profile(profile("feed@example.com", Role::Member))
        .await
        .unwrap();
    let feed = |hash: &str| domain::CalendarFeed {
        token_hash: hash.into(),
        all_tasks: false,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    assert!(matches!(
        s.calendar_feed_owner("a1").await,
        Err(StoreError::NotFound)
    ));
    let p2 = s.set_calendar_feed(&p, Some(feed("a1"))).await.unwrap();
    assert_eq!(p2.version, p.version + 1);
    assert_eq!(p2.calendar_feed, Some(feed("a1")));
    assert_eq!(s.get_profile(p.id).await.unwrap(), p2);
    assert_eq!(s.calendar_feed_owner("a1").await.unwrap(), p.id);
    // A stale profile cannot replace it.
    assert!(matches!(
        s.set_calendar_feed(&p, Some(feed("b2"))).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.calendar_feed_owner("b2").await,
        Err(StoreError::NotFound)
    ));
    // Regenerating retires the old token in the same write.
    let p3 = s.set_calendar_feed(&p2, Some(feed("b2"))).await.unwrap();
    assert!(matches!(
        s.calendar_feed_owner("a1").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.calendar_feed_owner("b2").await.unwrap(), p.id);
    // Revoking leaves no token at all.
    let p4 = s.set_calendar_feed(&p3, None).await.unwrap();
    assert_eq!(p4.calendar_feed, None);
    assert!(matches!(
        s.calendar_feed_owner("b2").await,
        Err(StoreError::NotFound)
    ));
    // Another person's profile cannot take over a live token.
    let q = s
        .create_profile(profile("other@example.com", Role::Member))
        .await
        .unwrap();
    s.set_calendar_feed(&p4, Some(feed("c3"))).await.unwrap();
    assert!(s.set_calendar_feed(&q, Some(feed("c3"))).await.is_err());
    assert_eq!(s.calendar_feed_owner("c3").await.unwrap(), p.id);
}

pub async fn last_admin_is_guarded(s: Arc<dyn Store>) {
    let a = s
        .create_profile(profile("a@example.com", Role::Admin))
        .await
        .unwrap();
    let b = s
        .create_profile(profile("b@example.com", Role::Member))
        .await
        .unwrap();
    assert!(matches!(
        s.update_role(&a, Role::Member).await,
        Err(StoreError::LastAdmin)
    ));
    assert_eq!(
        s.get_profile(a.id).await.unwrap(),
        a,
        "refusal changed nothing"
    );
    let b2 = s.update_role(&b, Role::Admin).await.unwrap();
    assert!(matches!(
        s.update_role(&b, Role::Admin).await,
        Err(StoreError::Conflict)
    ));
    let a2 = s.update_role(&a, Role::Member).await.unwrap();
    assert_eq!((a2.role, a2.version), (Role::Member, 2));
    assert!(matches!(
        s.update_role(&b2, Role::Member).await,
        Err(StoreError::LastAdmin)
    ));
}

/// Deactivated admins do not count: deactivating or demoting the last
/// active admin is refused, two admins deactivating each other at once leave
/// one, and a deactivated admin can be demoted freely.
pub async fn deactivation_counts_as_losing_an_admin(s: Arc<dyn Store>) {
    let a = s
        .create_profile(profile("a@example.com", Role::Admin))
        .await
        .unwrap();
    assert!(a.active && a.sessions_not_before_ms == 0);
    assert!(matches!(
        s.set_active(&a, false).await,
        Err(StoreError::LastAdmin)
    ));
    let b = s
        .create_profile(profile("b@example.com", Role::Admin))
        .await
        .unwrap();
    let (ra, rb) = tokio::join!(s.set_active(&a, false), s.set_active(&b, false));
    let outcomes = [ra.is_ok(), rb.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "exactly one of two admins deactivating at once succeeds: {outcomes:?}"
    );
    let (gone, kept) = if outcomes[0] {
        (a.id, b.id)
    } else {
        (b.id, a.id)
    };
    let gone = s.get_profile(gone).await.unwrap();
    assert!(!gone.active);
    assert!(
        gone.sessions_not_before_ms > 0,
        "deactivation ends sessions"
    );
    let kept = s.get_profile(kept).await.unwrap();
    assert!(kept.active);
    assert!(matches!(
        s.update_role(&kept, Role::Member).await,
        Err(StoreError::LastAdmin)
    ));
    let gone = s.update_role(&gone, Role::Member).await.unwrap();
    assert!(
        matches!(s.set_active(&gone, true).await, Ok(p) if p.active && p.role == Role::Member),
        "a deactivated admin could be demoted and reactivated as a member"
    );
    let ended = s.end_sessions(&kept).await.unwrap();
    assert!(ended.sessions_not_before_ms > 0 && ended.active);
    assert!(matches!(
        s.end_sessions(&kept).await,
        Err(StoreError::Conflict)
    ));
}

/// SES names addresses, not users: the profile is found by its normalized
/// email (and only by an exact match), suppression is version-checked and
/// recorded once per reason.
pub async fn mail_suppression_by_email(s: Arc<dyn Store>) {
    let ann = s
        .create_profile(profile("ann@example.com", Role::Member))
        .await
        .unwrap();
    s.create_profile(profile("ann@example.com.evil", Role::Member))
        .await
        .unwrap();
    let found = s
        .profile_by_email(&Email::parse("  Ann@Example.COM ").unwrap())
        .await
        .unwrap();
    assert_eq!(found.id, ann.id);
    assert!(matches!(
        s.profile_by_email(&Email::parse("an@example.com").unwrap())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(found.mail_suppressed.is_none() && found.mail_deliverable());

    let bounced = s
        .suppress_mail(&found, domain::SuppressionReason::Bounce)
        .await
        .unwrap();
    assert_eq!(bounced.version, found.version + 1);
    let stored = s.get_profile(ann.id).await.unwrap();
    assert_eq!(stored, bounced);
    assert!(!stored.mail_deliverable());
    assert_eq!(
        stored.mail_suppressed.map(|m| m.reason),
        Some(domain::SuppressionReason::Bounce)
    );
    // Reported again: nothing written.
    let again = s
        .suppress_mail(&stored, domain::SuppressionReason::Bounce)
        .await
        .unwrap();
    assert_eq!(again.version, stored.version);
    // From a stale read: a conflict, never a lost change.
    assert!(matches!(
        s.suppress_mail(&found, domain::SuppressionReason::Complaint)
            .await,
        Err(StoreError::Conflict)
    ));
    let complained = s
        .suppress_mail(&stored, domain::SuppressionReason::Complaint)
        .await
        .unwrap();
    assert_eq!(
        s.get_profile(ann.id).await.unwrap().mail_suppressed,
        complained.mail_suppressed
    );
}

pub async fn users_listed_by_email(s: Arc<dyn Store>) {
    let emails = ["eve@x.io", "bob@x.io", "dan@x.io", "amy@x.io", "cat@x.io"];
    for e in emails {
        s.create_profile(profile(e, Role::Member)).await.unwrap();
    }
    let listed: Vec<String> = collect(2, |p| s.list_users(p))
        .await
        .into_iter()
        .map(|p| p.email.to_string())
        .collect();
    let mut expected: Vec<String> = emails.iter().map(|e| e.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);
}

pub async fn notifications_newest_first_and_mark_read(s: Arc<dyn Store>) {
    let (u, other) = (user(), user());
    let mut made = Vec::new();
    for i in 0..5 {
        let n = NewNotification {
            user_id: u,
            kind: EventKind::Assigned,
            task_id: None,
            task_title: format!("task {i}"),
            message: format!("you were assigned {i}"),
            actor: Some(other),
        };
        made.push(s.create_notification(n).await.unwrap());
    }
    made.reverse();
    let listed = collect(2, |p| s.list_notifications(u, p)).await;
    assert_eq!(listed, made);
    assert!(listed.iter().all(|n| !n.read));
    s.mark_notification_read(&listed[1]).await.unwrap();
    let again = collect(10, |p| s.list_notifications(u, p)).await;
    let read: Vec<bool> = again.iter().map(|n| n.read).collect();
    assert_eq!(read, vec![false, true, false, false, false]);
    assert!(collect(10, |p| s.list_notifications(other, p))
        .await
        .is_empty());
    let mut ghost = listed[0].clone();
    ghost.id = domain::NotificationId::from_uuid(Uuid::now_v7());
    assert!(matches!(
        s.mark_notification_read(&ghost).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn idempotency_markers(s: Arc<dyn Store>) {
    let ttl = Duration::hours(24);
    assert!(s.put_marker("event-1", ttl).await.unwrap());
    assert!(!s.put_marker("event-1", ttl).await.unwrap());
    assert!(s.put_marker("event-2", ttl).await.unwrap());
    // An expired marker (TTL sweeps are lazy) no longer deduplicates.
    assert!(s
        .put_marker("event-3", Duration::seconds(-5))
        .await
        .unwrap());
    assert!(s.put_marker("event-3", ttl).await.unwrap());
    assert!(!s.put_marker("event-3", ttl).await.unwrap());
}

pub async fn claimed_markers_record_their_one_holder(s: Arc<dyn Store>) {
    // The holder wins, and keeps winning on a retry; nobody else ever does.
    assert!(s.claim_marker("first", "alice").await.unwrap());
    assert!(s.claim_marker("first", "alice").await.unwrap());
    assert!(!s.claim_marker("first", "bob").await.unwrap());
    assert!(s.claim_marker("first", "alice").await.unwrap());
    // Keys are independent.
    assert!(s.claim_marker("second", "bob").await.unwrap());
    // A plain idempotency marker under the key is not anyone's claim.
    assert!(s.put_marker("plain", Duration::hours(1)).await.unwrap());
    assert!(!s.claim_marker("plain", "alice").await.unwrap());
    // And a claimed key is seen as taken by put_marker.
    assert!(!s.put_marker("first", Duration::hours(1)).await.unwrap());

    // Racing claimants: exactly one wins, and it is the one recorded.
    const CLAIMANTS: usize = 16;
    let barrier = Arc::new(tokio::sync::Barrier::new(CLAIMANTS));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..CLAIMANTS {
        let (s, barrier) = (s.clone(), barrier.clone());
        set.spawn(async move {
            let holder = format!("claimant-{i}");
            barrier.wait().await;
            let won = s.claim_marker("raced", &holder).await.unwrap();
            (holder, won)
        });
    }
    let mut winners = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (holder, won) = joined.expect("claimant task");
        if won {
            winners.push(holder);
        }
    }
    assert_eq!(winners.len(), 1, "one winner: {winners:?}");
    assert!(s.claim_marker("raced", &winners[0]).await.unwrap());
}

pub async fn tampered_cursors_are_rejected(s: Arc<dyn Store>) {
    let a = user();
    for i in 0..3 {
        s.create_task(new_task(&format!("t{i}"), &[a], None))
            .await
            .unwrap();
    }
    let first = s
        .list_tasks_by_status(Status::Open, PageRequest::first(1))
        .await
        .unwrap();
    let cursor = first.next.expect("more pages");
    // The genuine cursor works…
    let second = s
        .list_tasks_by_status(Status::Open, PageRequest::after(1, cursor.clone()))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_ne!(second.items, first.items);
    // …a cursor of another list, or a mangled one, does not.
    let wrong_list = s
        .list_tasks_by_status(Status::Done, PageRequest::after(1, cursor.clone()))
        .await;
    assert!(matches!(wrong_list, Err(StoreError::InvalidCursor)));
    let mut text = cursor.as_str().to_owned();
    text.insert(3, '*');
    for bad in [Cursor::from_string(text), Cursor::from_string("")] {
        let r = s
            .list_tasks_by_status(Status::Open, PageRequest::after(1, bad.clone()))
            .await;
        assert!(matches!(r, Err(StoreError::InvalidCursor)));
        let r = s
            .list_tasks_for_user(a, PageRequest::after(1, bad.clone()))
            .await;
        assert!(matches!(r, Err(StoreError::InvalidCursor)));
        let r = s.list_users(PageRequest::after(1, bad)).await;
        assert!(matches!(r, Err(StoreError::InvalidCursor)));
    }
    let r = s.list_notifications(a, PageRequest::after(1, cursor)).await;
    assert!(matches!(r, Err(StoreError::InvalidCursor)));
}

/// Figure (b): 100 concurrent conflicting updates of one task, in 4
/// rounds of 25 writers. In each round every writer holds the same
/// version, so exactly one may win; the rest must get `Conflict` (never
/// another error, never a silent overwrite). Winners' versions strictly
/// increase round by round, and the final task is the last winner's.
pub async fn concurrent_conflicting_updates(s: Arc<dyn Store>) {
    const ROUNDS: usize = 4;
    const WRITERS: usize = 25;
    let a = user();
    let mut current = s
        .create_task(new_task("Contended", &[a], None))
        .await
        .unwrap();
    let mut conflicts = 0;
    for round in 0..ROUNDS {
        let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS));
        let mut set = tokio::task::JoinSet::new();
        for i in 0..WRITERS {
            let (s, barrier, read) = (s.clone(), barrier.clone(), current.clone());
            set.spawn(async move {
                let patch = TaskPatch {
                    title: Some(title(&format!("round {round} writer {i}"))),
                    ..Default::default()
                };
                barrier.wait().await;
                (i, s.update_task(&read, &patch, read.created_by).await)
            });
        }
        let mut winners = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined.expect("writer task") {
                (i, Ok(task)) => winners.push((i, task)),
                (_, Err(StoreError::Conflict)) => conflicts += 1,
                (i, Err(e)) => panic!("round {round} writer {i}: unexpected {e:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: one version, one winner");
        let (i, won) = winners.pop().expect("winner");
        assert_eq!(
            won.version,
            current.version + 1,
            "versions strictly increase"
        );
        let stored = s.get_task(won.id, 1).await.unwrap().task;
        assert_eq!(stored, won, "the winner is what is stored");
        assert_eq!(stored.title.as_str(), format!("round {round} writer {i}"));
        current = stored;
    }
    assert_eq!(conflicts, ROUNDS * (WRITERS - 1));
    assert_eq!(current.version, 1 + ROUNDS as u64);
    let mine = s
        .list_tasks_for_user(a, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        mine.items,
        vec![current.summary_for(a)],
        "assignment copy in step"
    );
    println!(
        "concurrent updates: {} attempts in {ROUNDS} rounds of {WRITERS}: {ROUNDS} won, \
         {conflicts} Conflict, final version {}",
        ROUNDS * WRITERS,
        current.version
    );
}

pub async fn credentials_and_session_families(s: Arc<dyn Store>) {
    use crate::credentials::{CodePurpose, Credential, PendingCode, SessionFamily};
    let email = Email::parse(&format!("c{}@example.com", Uuid::now_v7().simple())).unwrap();
    let cred = Credential {
        user_id: user(),
        email: email.clone(),
        password_hash: "$argon2id$stub".into(),
        confirmed: false,
        display_name: DisplayName::parse("Cred Tester").unwrap(),
        code: Some(PendingCode {
            purpose: CodePurpose::ConfirmSignUp,
            code_hash: "abc".into(),
            expires_at: 2_000_000_000,
            attempts: 0,
            issued: 1,
            first_issued_at: 1_000,
        }),
        bootstrap: true,
        version: 0,
    };
    let stored = s.create_credential(&cred).await.unwrap();
    assert_eq!(stored.version, 1);
    assert!(matches!(
        s.create_credential(&cred).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.get_credential(&email).await.unwrap(), stored);

    let confirmed = Credential {
        confirmed: true,
        code: None,
        ..stored.clone()
    };
    let v2 = s
        .update_credential(&stored, confirmed.clone())
        .await
        .unwrap();
    assert_eq!(
        (v2.version, v2.confirmed, v2.code.is_none()),
        (2, true, true)
    );
    assert!(
        matches!(
            s.update_credential(&stored, confirmed).await,
            Err(StoreError::Conflict)
        ),
        "a stale credential write must not win"
    );
    let other = Email::parse("nobody-here@example.com").unwrap();
    assert!(matches!(
        s.get_credential(&other).await,
        Err(StoreError::NotFound)
    ));

    let id = format!("fam{}", Uuid::now_v7().simple());
    let fam = SessionFamily {
        id: id.clone(),
        user_id: v2.user_id,
        email: email.clone(),
        current_hash: "h1".into(),
        previous_hash: None,
        rotated_at: 10,
        started_at_ms: 10_000,
        expires_at: 1_000,
        version: 0,
    };
    let f1 = s.create_session_family(&fam).await.unwrap();
    assert_eq!(f1.version, 1);
    assert!(matches!(
        s.create_session_family(&fam).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.get_session_family(&id, 999).await.unwrap(), f1);
    let rotated = SessionFamily {
        current_hash: "h2".into(),
        previous_hash: Some("h1".into()),
        rotated_at: 20,
        ..f1.clone()
    };
    let f2 = s.update_session_family(&f1, rotated.clone()).await.unwrap();
    assert_eq!((f2.version, f2.current_hash.as_str()), (2, "h2"));
    assert!(
        matches!(
            s.update_session_family(&f1, rotated).await,
            Err(StoreError::Conflict)
        ),
        "one refresh token rotates at most once"
    );
    assert!(
        matches!(
            s.get_session_family(&id, 1_000).await,
            Err(StoreError::NotFound)
        ),
        "expired"
    );
    s.delete_session_family(&id).await.unwrap();
    assert!(
        matches!(
            s.get_session_family(&id, 0).await,
            Err(StoreError::NotFound)
        ),
        "ended"
    );
}

/// Every task, from the status columns.
async fn every_task(s: &Arc<dyn Store>) -> Vec<domain::Task> {
    let mut all = Vec::new();
    for st in Status::ALL {
        all.extend(collect(7, |p| s.list_tasks_by_status(*st, p)).await);
    }
    all
}

/// The kept counters equal a count of the tasks, and a recount agrees
/// (and changes nothing).
async fn assert_counters_recount(s: &Arc<dyn Store>, step: &str) -> TaskCounters {
    let truth = TaskCounters::of(&every_task(s).await);
    let (_, kept) = s.people_and_counters().await.unwrap();
    assert_eq!(kept, truth, "{step}: kept counters against a recount");
    assert_eq!(s.repair_task_indexes().await.unwrap(), truth, "{step}");
    let (_, again) = s.people_and_counters().await.unwrap();
    assert_eq!(
        again, truth,
        "{step}: a recount of right counters changes none"
    );
    truth
}

pub async fn counters_equal_a_recount(s: Arc<dyn Store>) {
    let ada = s
        .create_profile(profile("ada@x.io", Role::Admin))
        .await
        .unwrap();
    let mo = s
        .create_profile(profile("mo@x.io", Role::Member))
        .await
        .unwrap();
    let (a, m, gone) = (ada.id, mo.id, user());
    let empty = assert_counters_recount(&s, "empty").await;
    assert_eq!(empty, TaskCounters::default());
    let mut tasks = Vec::new();
    for (i, (st, who)) in [
        (Status::Open, vec![]),
        (Status::Open, vec![a]),
        (Status::InProgress, vec![a, m]),
        (Status::Blocked, vec![m, gone]),
        (Status::InReview, vec![]),
        (Status::Done, vec![a]),
        (Status::Done, vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut new = new_task(&format!("t{i}"), &who, Some(date!(2030 - 01 - 01)));
        new.status = st;
        tasks.push(s.create_task(new).await.unwrap());
    }
    let c = assert_counters_recount(&s, "created").await;
    assert_eq!(
        Status::ALL
            .iter()
            .map(|st| c.status(*st))
            .collect::<Vec<_>>(),
        vec![2, 1, 1, 1, 2]
    );
    assert_eq!(c.unassigned_open(), 2);
    let mut load = c.open_by_assignee();
    load.sort();
    let mut want = vec![(a, 2), (m, 2), (gone, 1)];
    want.sort();
    assert_eq!(load, want);
    // The counters share the people's index partition; the people listing
    // and the people beside the counters are still only people.
    let listed = collect(1, |p| s.list_users(p)).await;
    assert_eq!(listed.len(), 2);
    let (people, _) = s.people_and_counters().await.unwrap();
    assert_eq!(people, listed);

    // Moves, in and out of done, with and without assignees.
    let t = s.change_status(&tasks[0], Status::Done, a).await.unwrap();
    let t = s.change_status(&t, Status::Blocked, a).await.unwrap();
    s.change_status(&tasks[5], Status::InReview, a)
        .await
        .unwrap();
    s.change_status(&tasks[2], Status::Done, a).await.unwrap();
    assert_counters_recount(&s, "moved").await;
    // Assignee changes, on open and done tasks, to and from nobody.
    let t = s.set_assignees(&t, &[m], &[], a).await.unwrap();
    s.set_assignees(&tasks[1], &[m], &[a], a).await.unwrap();
    s.set_assignees(&tasks[3], &[], &[m, gone], a)
        .await
        .unwrap();
    s.set_assignees(&tasks[6], &[a], &[], a).await.unwrap();
    // A field edit counts nothing.
    let patch = TaskPatch {
        title: Some(title("renamed")),
        ..Default::default()
    };
    let t = s.update_task(&t, &patch, a).await.unwrap();
    assert_counters_recount(&s, "assigned and edited").await;
    // Due dates: moved to another day, cleared, set again and carried to
    // another project; finished and reopened tasks leave and rejoin their
    // day's count.
    let due = |d: Option<Date>| TaskPatch {
        due: Some(d.map(domain::DueDate)),
        ..Default::default()
    };
    let (jan, feb) = (date!(2030 - 01 - 01), date!(2030 - 02 - 01));
    let elsewhere = s
        .create_project(domain::ProjectName::parse("Elsewhere").unwrap())
        .await
        .unwrap()
        .id;
    let t = s.update_task(&t, &due(Some(feb)), a).await.unwrap();
    let c = assert_counters_recount(&s, "a due date moved").await;
    assert_eq!(c.open_due(None, feb..=feb), 1);
    let cleared = s.get_task(tasks[1].id, 1).await.unwrap().task;
    let cleared = s.update_task(&cleared, &due(None), a).await.unwrap();
    let c = assert_counters_recount(&s, "a due date cleared").await;
    let every_day = date!(2000 - 01 - 01)..date!(2100 - 01 - 01);
    assert_eq!(
        (c.open_due(None, ..jan), c.open_due(None, jan..=jan)),
        (0, 3),
        "t3, t4 and t5 are open and due on 1 January"
    );
    s.update_task(&cleared, &due(Some(jan)), a).await.unwrap();
    let moved = TaskPatch {
        project: Some(elsewhere),
        ..Default::default()
    };
    let t = s.update_task(&t, &moved, a).await.unwrap();
    let c = assert_counters_recount(&s, "a dated task to another project").await;
    assert_eq!(c.open_due(Some(elsewhere), every_day.clone()), 1);
    assert_eq!(c.open_due(Some(domain::ProjectId::DEFAULT), feb..), 0);
    assert_eq!(c.open_due(None, every_day.clone()), 5);
    let t = s.change_status(&t, Status::Done, a).await.unwrap();
    let c = assert_counters_recount(&s, "a dated task finished").await;
    assert_eq!(c.open_due(Some(elsewhere), every_day.clone()), 0);
    let t = s.change_status(&t, Status::InReview, a).await.unwrap();
    let c = assert_counters_recount(&s, "a dated task reopened").await;
    assert_eq!(c.open_due(None, feb..=feb), 1);
    // Deletes, open and done.
    s.delete_task(&t).await.unwrap();
    s.delete_task(&tasks[4]).await.unwrap();
    let done = s.get_task(tasks[2].id, 1).await.unwrap().task;
    s.delete_task(&done).await.unwrap();
    let c = assert_counters_recount(&s, "deleted").await;
    assert_eq!(c.status(Status::Done), 1);
    // A stale write changes no counter.
    assert!(matches!(
        s.change_status(&tasks[1], Status::Done, a).await,
        Err(StoreError::Conflict)
    ));
    assert_counters_recount(&s, "after a refused write").await;
}

/// Writers racing on one version of a dated task (moves, assignee changes,
/// due-date edits and deletes): exactly one wins each round, and the
/// counters count only it.
pub async fn counters_survive_concurrent_conflicting_writes(s: Arc<dyn Store>) {
    const ROUNDS: usize = 3;
    const WRITERS: usize = 12;
    let (a, b) = (user(), user());
    for round in 0..ROUNDS {
        let day = date!(2030 - 01 - 01) + Duration::days(round as i64);
        let current = s
            .create_task(new_task(&format!("contended {round}"), &[a], Some(day)))
            .await
            .unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS));
        let mut set = tokio::task::JoinSet::new();
        for i in 0..WRITERS {
            let (s, barrier, read) = (s.clone(), barrier.clone(), current.clone());
            set.spawn(async move {
                barrier.wait().await;
                let later = TaskPatch {
                    due: Some(Some(domain::DueDate(day + Duration::days(7)))),
                    ..Default::default()
                };
                let res = match i % 5 {
                    0 => s.change_status(&read, Status::Done, a).await.map(|_| ()),
                    1 => s.set_assignees(&read, &[b], &[a], a).await.map(|_| ()),
                    2 => s.set_assignees(&read, &[], &[a], a).await.map(|_| ()),
                    3 => s.update_task(&read, &later, a).await.map(|_| ()),
                    _ => s.delete_task(&read).await,
                };
                (i, res)
            });
        }
        let mut winners = 0;
        while let Some(joined) = set.join_next().await {
            match joined.expect("writer task") {
                (_, Ok(())) => winners += 1,
                (_, Err(StoreError::Conflict | StoreError::NotFound)) => {}
                (i, Err(e)) => panic!("round {round} writer {i}: unexpected {e:?}"),
            }
        }
        assert_eq!(winners, 1, "round {round}: one version, one winner");
        assert_counters_recount(&s, &format!("round {round}")).await;
    }
}

/// A task with the most assignees allowed can be created, moved out of and
/// back into the open statuses, have every assignee replaced by as many
/// others, and be deleted: each is one transaction, and on DynamoDB none
/// may name more than 100 items (domain::MAX_ASSIGNEES is set by this).
pub async fn the_largest_task_writes_fit_one_transaction(s: Arc<dyn Store>) {
    let first: Vec<UserId> = (0..domain::MAX_ASSIGNEES).map(|_| user()).collect();
    let second: Vec<UserId> = (0..domain::MAX_ASSIGNEES).map(|_| user()).collect();
    let mut labels = Vec::new();
    for i in 0..domain::MAX_LABELS {
        let name = domain::LabelName::parse(&format!("label {i}")).unwrap();
        labels.push(
            s.create_label(name, domain::LabelColor::Blue)
                .await
                .unwrap()
                .id,
        );
    }
    // Titles with as many distinct words as are indexed for search.
    let long = |tag: &str| {
        (0..domain::search::MAX_INDEXED_WORDS)
            .map(|i| format!("{tag}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut new = new_task(&long("e"), &first, Some(date!(2030 - 01 - 02)));
    new.labels = labels.clone();
    let t = s
        .create_task(new)
        .await
        .expect("created with the most assignees, labels and title words");
    let patch = TaskPatch {
        title: Some(title(&long("r"))),
        labels: Some(labels[..1].to_vec()),
        ..Default::default()
    };
    let t = s
        .update_task(&t, &patch, t.created_by)
        .await
        .expect("every title word and all but one label replaced");
    let patch = TaskPatch {
        labels: Some(labels.clone()),
        ..Default::default()
    };
    let t = s
        .update_task(&t, &patch, t.created_by)
        .await
        .expect("labels restored");
    let t = s
        .change_status(&t, Status::Done, t.created_by)
        .await
        .expect("moved to done");
    let t = s
        .change_status(&t, Status::Open, t.created_by)
        .await
        .expect("reopened");
    let t = s
        .set_assignees(&t, &second, &first, t.created_by)
        .await
        .expect("every assignee replaced");
    let mut want = second.clone();
    want.sort();
    assert_eq!(t.assignees, want);
    let (_, counters) = s.people_and_counters().await.unwrap();
    assert_eq!(counters, crate::TaskCounters::of([&t]));
    s.delete_task(&t).await.expect("deleted");
    let (_, counters) = s.people_and_counters().await.unwrap();
    assert_eq!(counters, crate::TaskCounters::default());

    // Finishing a repeating task with the most assignees and a full
    // checklist also writes its next occurrence in the same transaction.
    let lines: String = (0..domain::MAX_CHECKLIST)
        .map(|i| format!("step {i}\n"))
        .collect();
    let mut new = new_task(&long("w"), &first, Some(date!(2030 - 01 - 02)));
    new.labels = labels;
    new.checklist = Checklist::from_lines(&lines, &Checklist::default()).unwrap();
    new.recurrence = Some(weekly(date!(2030 - 01 - 02)));
    let t = s.create_task(new).await.expect("repeating task created");
    let done = s
        .change_status(&t, Status::Done, t.created_by)
        .await
        .expect("finished with its next occurrence");
    let next = s
        .get_task(done.next_occurrence.unwrap(), 1)
        .await
        .unwrap()
        .task;
    assert_eq!(next.assignees.len(), domain::MAX_ASSIGNEES);
    let (_, counters) = s.people_and_counters().await.unwrap();
    assert_eq!(counters, crate::TaskCounters::of([&done, &next]));
}

fn weekly(anchor: Date) -> domain::Recurrence {
    domain::Recurrence::new(
        1,
        domain::RepeatUnit::Weeks,
        domain::Weekdays::default(),
        anchor,
    )
    .expect("valid rule")
}

/// Every task in every status, to count occurrences of a series.
async fn all_tasks(s: &Arc<dyn Store>) -> Vec<domain::Task> {
    let mut out = Vec::new();
    for st in Status::ALL {
        out.extend(collect(100, |p| s.list_tasks_by_status(*st, p)).await);
    }
    out
}

pub async fn labels_are_defined_renamed_and_deleted(s: Arc<dyn Store>) {
    use domain::{LabelColor, LabelName};
    let name = |n: &str| LabelName::parse(n).unwrap();
    let bug = s.create_label(name("Bug"), LabelColor::Red).await.unwrap();
    let docs = s
        .create_label(name("Docs"), LabelColor::Blue)
        .await
        .unwrap();
    assert_eq!(
        s.list_labels().await.unwrap(),
        vec![bug.clone(), docs.clone()]
    );
    let renamed = s
        .update_label(&bug, name("Defect"), LabelColor::Orange)
        .await
        .unwrap();
    assert_eq!((renamed.version, renamed.color), (2, LabelColor::Orange));
    assert!(matches!(
        s.update_label(&bug, name("Stale"), LabelColor::Gray).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.delete_label(&bug).await,
        Err(StoreError::Conflict)
    ));
    s.delete_label(&renamed).await.unwrap();
    assert!(matches!(
        s.delete_label(&renamed).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.list_labels().await.unwrap(), vec![docs]);
}

pub async fn tasks_by_label_follow_status_due_and_edits(s: Arc<dyn Store>) {
    use domain::{LabelColor, LabelName};
    let bug = s
        .create_label(LabelName::parse("Bug").unwrap(), LabelColor::Red)
        .await
        .unwrap()
        .id;
    let ui = s
        .create_label(LabelName::parse("UI").unwrap(), LabelColor::Teal)
        .await
        .unwrap()
        .id;
    let labelled = |name: &str, due, labels: Vec<domain::LabelId>| {
        let mut n = new_task(name, &[], due);
        n.labels = labels;
        n
    };
    let late = s
        .create_task(labelled("Late", Some(date!(2030 - 03 - 01)), vec![bug]))
        .await
        .unwrap();
    let soon = s
        .create_task(labelled(
            "Soon",
            Some(date!(2030 - 01 - 01)),
            vec![ui, bug, bug],
        ))
        .await
        .unwrap();
    let undated = s
        .create_task(labelled("Undated", None, vec![bug]))
        .await
        .unwrap();
    s.create_task(labelled("Plain", Some(date!(2029 - 01 - 01)), vec![]))
        .await
        .unwrap();
    assert_eq!(soon.labels.len(), 2, "deduplicated");
    let titles = |tasks: Vec<domain::Task>| {
        tasks
            .into_iter()
            .map(|t| t.title.to_string())
            .collect::<Vec<_>>()
    };
    let by = |label, status| {
        let s = s.clone();
        async move { collect(2, |p| s.list_tasks_by_label(label, status, p)).await }
    };
    assert_eq!(
        titles(by(bug, Status::Open).await),
        ["Soon", "Late", "Undated"]
    );
    assert_eq!(titles(by(ui, Status::Open).await), ["Soon"]);
    // A move, a new due date and a removed label each show at once.
    let soon = s
        .change_status(&soon, Status::InProgress, soon.created_by)
        .await
        .unwrap();
    assert_eq!(titles(by(bug, Status::InProgress).await), ["Soon"]);
    let moved = TaskPatch {
        due: Some(Some(domain::DueDate(date!(2029 - 06 - 01)))),
        ..Default::default()
    };
    let late = s.update_task(&late, &moved, late.created_by).await.unwrap();
    assert_eq!(titles(by(bug, Status::Open).await), ["Late", "Undated"]);
    let unlabel = TaskPatch {
        labels: Some(vec![ui]),
        ..Default::default()
    };
    let soon = s
        .update_task(&soon, &unlabel, soon.created_by)
        .await
        .unwrap();
    assert!(by(bug, Status::InProgress).await.is_empty());
    let listed = by(ui, Status::InProgress).await;
    assert_eq!(
        listed,
        vec![soon.clone()],
        "a copy is the task as it is now"
    );
    s.delete_task(&undated).await.unwrap();
    assert_eq!(titles(by(bug, Status::Open).await), ["Late"]);
    // A repeating task's next occurrence carries its labels.
    let mut weekly_new = labelled("Weekly", Some(date!(2030 - 01 - 02)), vec![ui]);
    weekly_new.recurrence = Some(weekly(date!(2030 - 01 - 02)));
    let weekly_task = s.create_task(weekly_new).await.unwrap();
    s.change_status(&weekly_task, Status::Done, weekly_task.created_by)
        .await
        .unwrap();
    assert_eq!(titles(by(ui, Status::Open).await), ["Weekly"]);
    assert_eq!(titles(by(ui, Status::Done).await), ["Weekly"]);
    let _ = late;
}

pub async fn projects_are_created_renamed_and_archived(s: Arc<dyn Store>) {
    use domain::{Project, ProjectName};
    let name = |n: &str| ProjectName::parse(n).unwrap();
    // A fresh workspace has its default project before anyone writes it.
    assert_eq!(
        s.list_projects().await.unwrap(),
        vec![Project::default_project()]
    );
    let launch = s.create_project(name("Launch")).await.unwrap();
    let ops = s.create_project(name("Ops")).await.unwrap();
    assert_eq!(
        s.list_projects().await.unwrap(),
        vec![Project::default_project(), launch.clone(), ops.clone()]
    );
    let renamed = s
        .update_project(&launch, name("Launch 2"), false)
        .await
        .unwrap();
    assert_eq!((renamed.version, renamed.name.as_str()), (2, "Launch 2"));
    assert!(matches!(
        s.update_project(&launch, name("Stale"), true).await,
        Err(StoreError::Conflict)
    ));
    let archived = s
        .update_project(&renamed, renamed.name.clone(), true)
        .await
        .unwrap();
    assert!(archived.archived);
    // Renaming the default project writes it for the first time; a second
    // writer holding the unwritten default loses.
    let default = Project::default_project();
    let home = s
        .update_project(&default, name("Home"), false)
        .await
        .unwrap();
    assert_eq!(home.version, 1);
    assert!(matches!(
        s.update_project(&default, name("Other"), false).await,
        Err(StoreError::Conflict)
    ));
    let listed = s.list_projects().await.unwrap();
    assert_eq!(
        listed.len(),
        3,
        "the written default replaces the implicit one"
    );
    assert!(listed.contains(&home) && listed.contains(&archived) && listed.contains(&ops));
    // Labels share the projects' partition: one read gives both lists.
    let bug = s
        .create_label(
            domain::LabelName::parse("Bug").unwrap(),
            domain::LabelColor::Red,
        )
        .await
        .unwrap();
    let cat = s.catalog().await.unwrap();
    assert_eq!(cat.labels, vec![bug]);
    assert_eq!(cat.projects, listed);
    assert_eq!(s.list_labels().await.unwrap(), cat.labels);
    assert_eq!(s.list_projects().await.unwrap(), listed);
    // The dashboard's read names the projects too, and the people listing
    // in the same index partition still lists only people.
    let overview = s.overview().await.unwrap();
    let mut sorted = listed.clone();
    sorted.sort_by_key(|p| p.id);
    let mut got = overview.projects.clone();
    got.sort_by_key(|p| p.id);
    assert_eq!(got, sorted);
    assert!(collect(5, |p| s.list_users(p)).await.is_empty());
    // A project that was never written is not found, not created.
    let ghost = Project {
        id: domain::ProjectId::from_uuid(Uuid::now_v7()),
        version: 3,
        ..ops.clone()
    };
    assert!(matches!(
        s.update_project(&ghost, name("Ghost"), false).await,
        Err(StoreError::NotFound)
    ));
}

/// A project's board columns are one Query each, follow every write of
/// their tasks, and the project's counters follow with them.
pub async fn tasks_by_project_follow_moves_status_and_deletes(s: Arc<dyn Store>) {
    use domain::{ProjectId, ProjectName};
    let launch = s
        .create_project(ProjectName::parse("Launch").unwrap())
        .await
        .unwrap()
        .id;
    let inside = |name: &str, due, project| {
        let mut n = new_task(name, &[], due);
        n.project = project;
        n
    };
    let late = s
        .create_task(inside("Late", Some(date!(2030 - 03 - 01)), launch))
        .await
        .unwrap();
    let soon = s
        .create_task(inside("Soon", Some(date!(2030 - 01 - 01)), launch))
        .await
        .unwrap();
    let undated = s
        .create_task(inside("Undated", None, launch))
        .await
        .unwrap();
    let general = s
        .create_task(new_task("General", &[], Some(date!(2029 - 01 - 01))))
        .await
        .unwrap();
    assert_eq!(general.project, ProjectId::DEFAULT);
    let titles = |tasks: Vec<domain::Task>| {
        tasks
            .into_iter()
            .map(|t| t.title.to_string())
            .collect::<Vec<_>>()
    };
    let by = |project, status| {
        let s = s.clone();
        async move { collect(2, |p| s.list_tasks_by_project(project, status, p)).await }
    };
    assert_eq!(
        titles(by(launch, Status::Open).await),
        ["Soon", "Late", "Undated"]
    );
    assert_eq!(
        titles(by(ProjectId::DEFAULT, Status::Open).await),
        ["General"]
    );
    assert_eq!(
        s.project_counts(Some(launch))
            .await
            .unwrap()
            .project_open(launch),
        3
    );
    // A status change, a move to another project and a delete each show at
    // once, in the columns and in the counters.
    let soon = s
        .change_status(&soon, Status::InReview, soon.created_by)
        .await
        .unwrap();
    assert_eq!(titles(by(launch, Status::InReview).await), ["Soon"]);
    let to_default = TaskPatch {
        project: Some(ProjectId::DEFAULT),
        ..Default::default()
    };
    let late = s
        .update_task(&late, &to_default, late.created_by)
        .await
        .unwrap();
    assert_eq!(late.project, ProjectId::DEFAULT);
    assert_eq!(titles(by(launch, Status::Open).await), ["Undated"]);
    assert_eq!(
        by(ProjectId::DEFAULT, Status::Open).await,
        vec![general.clone(), late.clone()],
        "a copy is the task as it is now"
    );
    s.delete_task(&undated).await.unwrap();
    assert!(by(launch, Status::Open).await.is_empty());
    let counts = s.project_counts(Some(launch)).await.unwrap();
    assert_eq!(counts.project_open(launch), 1);
    assert_eq!(counts.project_status(launch, Status::InReview), 1);
    assert_eq!(counts.project_open(ProjectId::DEFAULT), 0, "only its own");
    let every = s.project_counts(None).await.unwrap();
    assert_eq!(every.project_open(launch), 1);
    assert_eq!(every.project_open(ProjectId::DEFAULT), 2);
    assert_counters_recount(&s, "projects").await;
    // A repeating task's next occurrence stays in its project.
    let mut weekly_new = inside("Weekly", Some(date!(2030 - 01 - 02)), launch);
    weekly_new.recurrence = Some(weekly(date!(2030 - 01 - 02)));
    let weekly_task = s.create_task(weekly_new).await.unwrap();
    s.change_status(&weekly_task, Status::Done, weekly_task.created_by)
        .await
        .unwrap();
    assert_eq!(titles(by(launch, Status::Open).await), ["Weekly"]);
    assert_eq!(titles(by(launch, Status::Done).await), ["Weekly"]);
    assert_counters_recount(&s, "a repeating task in a project").await;
    let _ = soon;
}

pub async fn checklists_are_kept_ticked_and_summarised(s: Arc<dyn Store>) {
    let member = user();
    let mut new = new_task("With steps", &[member], None);
    new.checklist = Checklist::from_lines("Draft\nReview\nShip", &Checklist::default()).unwrap();
    let t = s.create_task(new).await.unwrap();
    let got = s.get_task(t.id, 1).await.unwrap().task;
    assert_eq!(got.checklist.to_lines(), "Draft\nReview\nShip");
    let tick = TaskPatch {
        checklist: Some(t.checklist.ticked(1, true).unwrap()),
        ..Default::default()
    };
    let ticked = s.update_task(&t, &tick, member).await.unwrap();
    let progress = domain::Progress { done: 1, total: 3 };
    assert_eq!(ticked.checklist.progress(), Some(progress));
    // The member's list row carries the progress without reading the task.
    let rows = collect(10, |p| s.list_tasks_for_user(member, p)).await;
    assert_eq!(rows[0].checklist, Some(progress));
    // A tick from a stale read is a conflict, not a lost update.
    let stale = TaskPatch {
        checklist: Some(t.checklist.ticked(2, true).unwrap()),
        ..Default::default()
    };
    assert!(matches!(
        s.update_task(&t, &stale, member).await,
        Err(StoreError::Conflict)
    ));
    let history = s.list_activity(t.id, PageRequest::first(10)).await.unwrap();
    assert_eq!(
        history.items[0].changes,
        vec![domain::ActivityChange::Edited {
            fields: vec![domain::TaskField::Checklist]
        }]
    );
}

pub async fn finishing_a_repeating_task_creates_the_next_once(s: Arc<dyn Store>) {
    let (admin, member) = (user(), user());
    // Due on a Wednesday; finished whenever: the next is a week after the
    // due date, with the same fields and assignees and a fresh checklist.
    let mut new = new_task("Weekly report", &[member], Some(date!(2030 - 01 - 02)));
    new.priority = Priority::High;
    new.checklist = Checklist::from_lines("Collect\nWrite", &Checklist::default()).unwrap();
    new.recurrence = Some(weekly(date!(2030 - 01 - 02)));
    let t = s.create_task(new).await.unwrap();
    let t = s
        .update_task(
            &t,
            &TaskPatch {
                checklist: Some(t.checklist.ticked(0, true).unwrap()),
                ..Default::default()
            },
            member,
        )
        .await
        .unwrap();
    let t = s
        .change_status(&t, Status::InProgress, member)
        .await
        .unwrap();
    let done = s.change_status(&t, Status::Done, admin).await.unwrap();
    let next_id = done
        .next_occurrence
        .expect("the finish records its successor");
    let next = s.get_task(next_id, 1).await.unwrap().task;
    assert_eq!(next.due, Some(date!(2030 - 01 - 09)));
    assert_eq!(
        (next.status, next.priority, next.version),
        (Status::Open, Priority::High, 1)
    );
    assert_eq!(
        (&next.title, &next.description),
        (&done.title, &done.description)
    );
    assert_eq!(next.assignees, vec![member]);
    assert_eq!(next.checklist.to_lines(), "Collect\nWrite");
    assert_eq!(next.checklist.progress().unwrap().done, 0);
    assert_eq!(next.recurrence, done.recurrence);
    assert_eq!(next.next_occurrence, None);
    // The member sees the new occurrence in their list at once.
    let rows = collect(10, |p| s.list_tasks_for_user(member, p)).await;
    assert!(rows.iter().any(|r| r.id == next_id && r.recurring));

    // A retry of the same finish (same version) is a conflict and creates
    // nothing; reopening and finishing again creates nothing either.
    assert!(matches!(
        s.change_status(&t, Status::Done, admin).await,
        Err(StoreError::Conflict)
    ));
    let reopened = s
        .change_status(&done, Status::InProgress, admin)
        .await
        .unwrap();
    let again = s
        .change_status(&reopened, Status::Done, admin)
        .await
        .unwrap();
    assert_eq!(again.next_occurrence, Some(next_id));
    assert_eq!(all_tasks(&s).await.len(), 2);

    // Finishing the second occurrence makes the third, and concurrent
    // finishes of one version make exactly one.
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (s, next) = (s.clone(), next.clone());
        racers.spawn(async move { s.change_status(&next, Status::Done, admin).await });
    }
    let mut won = Vec::new();
    while let Some(r) = racers.join_next().await {
        match r.expect("finisher") {
            Ok(t) => won.push(t),
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("a losing finish must be a conflict, got {e}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one finish wins");
    let third = s
        .get_task(won[0].next_occurrence.unwrap(), 1)
        .await
        .unwrap()
        .task;
    assert_eq!(third.due, Some(date!(2030 - 01 - 16)));
    let tasks = all_tasks(&s).await;
    assert_eq!(tasks.len(), 3);
    let (_, counters) = s.people_and_counters().await.unwrap();
    assert_eq!(counters, TaskCounters::of(&tasks));
}

pub async fn a_repeat_removed_midway_creates_nothing(s: Arc<dyn Store>) {
    let mut new = new_task("Monthly invoice", &[], Some(date!(2030 - 01 - 31)));
    new.recurrence = Some(
        domain::Recurrence::new(
            1,
            domain::RepeatUnit::Months,
            Default::default(),
            date!(2030 - 01 - 31),
        )
        .unwrap(),
    );
    let t = s.create_task(new).await.unwrap();
    let feb = s
        .change_status(&t, Status::Done, t.created_by)
        .await
        .unwrap();
    let feb = s
        .get_task(feb.next_occurrence.unwrap(), 1)
        .await
        .unwrap()
        .task;
    assert_eq!(feb.due, Some(date!(2030 - 02 - 28)));
    let stop = TaskPatch {
        recurrence: Some(None),
        ..Default::default()
    };
    let feb = s.update_task(&feb, &stop, feb.created_by).await.unwrap();
    let feb = s
        .change_status(&feb, Status::Done, feb.created_by)
        .await
        .unwrap();
    assert_eq!(feb.next_occurrence, None);
    assert_eq!(all_tasks(&s).await.len(), 2);
}

pub async fn webhooks_listed_recorded_and_deleted(s: Arc<dyn Store>) {
    use domain::{NewWebhook, WebhookDelivery, WebhookUrl};
    assert!(s.list_webhooks().await.unwrap().is_empty());
    let admin = user();
    let new = |url: &str, events: &[EventKind]| NewWebhook {
        url: WebhookUrl::parse(url).unwrap(),
        events: events.iter().copied().collect(),
        created_by: admin,
    };
    let a = s
        .create_webhook(new("https://a.example.com/hook", &[EventKind::Assigned]))
        .await
        .unwrap();
    let b = s
        .create_webhook(new(
            "http://127.0.0.1:9/b",
            &[EventKind::Commented, EventKind::StatusChanged],
        ))
        .await
        .unwrap();
    assert_ne!(a.secret, b.secret);
    assert!(a.secret.len() >= 64, "{}", a.secret);
    assert!(a.wants(EventKind::Assigned) && !a.wants(EventKind::Commented));
    assert_eq!(s.list_webhooks().await.unwrap(), vec![a.clone(), b.clone()]);

    let delivery = WebhookDelivery {
        at: crate::now(),
        event: EventKind::Assigned,
        http_status: Some(503),
        error: Some("HTTP 503".into()),
        attempts: 2,
    };
    let a2 = s
        .record_webhook_delivery(&a, delivery.clone())
        .await
        .unwrap();
    assert_eq!(a2.last_delivery.as_ref(), Some(&delivery));
    assert!(!delivery.ok());
    let listed = s.list_webhooks().await.unwrap();
    assert_eq!(listed[0].last_delivery, Some(delivery.clone()));
    assert_eq!(
        listed[0].secret, a.secret,
        "the secret survives a status write"
    );

    s.delete_webhook(a.id).await.unwrap();
    assert!(matches!(
        s.delete_webhook(a.id).await,
        Err(StoreError::NotFound)
    ));
    // A delivery finishing after the deletion does not bring it back.
    assert!(matches!(
        s.record_webhook_delivery(&a2, delivery).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.list_webhooks().await.unwrap(), vec![b]);
}

fn invitation(email: &str, key: &crate::InviteKey, by: UserId) -> domain::Invitation {
    let nonce = crate::InviteKey::new_nonce();
    let now = crate::now();
    domain::Invitation {
        email: Email::parse(email).unwrap(),
        invited_by: by,
        inviter_name: "Grace <b>\"admin\"</b>".into(),
        sent_at: now,
        expires_at: now + domain::INVITE_TTL,
        token_hash: key.lookup_hash(&key.token(&nonce)),
        nonce,
        version: 0,
    }
}

pub async fn invitations_are_sent_found_by_token_and_consumed_once(s: Arc<dyn Store>) {
    let key = crate::InviteKey::generate();
    let admin = user();
    assert!(!s.has_active_admin().await.unwrap());
    s.create_profile(profile("grace@example.com", Role::Admin))
        .await
        .unwrap();
    assert!(s.has_active_admin().await.unwrap());
    assert!(s.list_invitations().await.unwrap().is_empty());

    // New: one per address; a second "new" one is refused, not overwritten.
    let a = s
        .save_invitation(invitation("Ada@Example.com", &key, admin), None)
        .await
        .unwrap();
    assert_eq!((a.version, a.email.as_str()), (1, "ada@example.com"));
    assert!(matches!(
        s.save_invitation(invitation("ada@example.com", &key, admin), None)
            .await,
        Err(StoreError::Conflict)
    ));
    let b = s
        .save_invitation(invitation("bob@example.com", &key, admin), None)
        .await
        .unwrap();
    assert_eq!(
        s.list_invitations().await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(s.get_invitation(&a.email).await.unwrap(), a);
    assert_eq!(s.invitation_by_token(&a.token_hash).await.unwrap(), a);
    assert!(matches!(
        s.invitation_by_token(&key.lookup_hash("not-a-token")).await,
        Err(StoreError::NotFound)
    ));

    // Re-sending replaces the token: the old link finds nothing.
    let resent = s
        .save_invitation(invitation("ada@example.com", &key, admin), Some(&a))
        .await
        .unwrap();
    assert_eq!(resent.version, 2);
    assert!(matches!(
        s.invitation_by_token(&a.token_hash).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.invitation_by_token(&resent.token_hash).await.unwrap(),
        resent
    );
    // A stale re-send (from the list as it was) is a conflict.
    assert!(matches!(
        s.save_invitation(invitation("ada@example.com", &key, admin), Some(&a))
            .await,
        Err(StoreError::Conflict)
    ));

    // Accepting consumes exactly the invitation read, once.
    let new = NewProfile {
        role: Role::Member,
        ..profile("ada@example.com", Role::Member)
    };
    assert!(matches!(
        s.accept_invitation(&a, new.clone()).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.get_profile(new.id).await,
        Err(StoreError::NotFound)
    ));
    let p = s.accept_invitation(&resent, new.clone()).await.unwrap();
    assert_eq!(
        (p.role, p.email.as_str()),
        (Role::Member, "ada@example.com")
    );
    assert_eq!(s.get_profile(new.id).await.unwrap(), p);
    assert!(matches!(
        s.get_invitation(&resent.email).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.invitation_by_token(&resent.token_hash).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.accept_invitation(&resent, new).await,
        Err(StoreError::NotFound)
    ));

    // Revoking: once; the link stops working.
    s.revoke_invitation(&b.email).await.unwrap();
    assert!(matches!(
        s.revoke_invitation(&b.email).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.invitation_by_token(&b.token_hash).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_invitations().await.unwrap().is_empty());
}

/// The directory's version moves exactly when how someone appears in it
/// changes (a new profile, an accepted invitation, a name, role or active
/// change), in the write's own transaction, and the catalog's and the
/// overview's reads carry the same number, so a page can trust a cached
/// directory after either. Concurrent sign-ups each count once.
pub async fn directory_version_counts_what_the_directory_shows(s: Arc<dyn Store>) {
    async fn versions(s: &Arc<dyn Store>) -> u64 {
        let v = s.directory_version().await.unwrap();
        assert_eq!(s.catalog().await.unwrap().directory_version, v, "catalog");
        assert_eq!(s.overview().await.unwrap().directory_version, v, "overview");
        v
    }
    assert_eq!(versions(&s).await, 0, "nobody yet");

    let a = s
        .create_profile(profile("a@example.com", Role::Admin))
        .await
        .unwrap();
    assert_eq!(versions(&s).await, 1, "a new profile");
    assert!(matches!(
        s.create_profile(NewProfile {
            id: a.id,
            ..profile("a@example.com", Role::Member)
        })
        .await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(versions(&s).await, 1, "a refused creation writes nothing");

    // Preferences, sessions, calendar feeds and mail suppression do not
    // change the directory: cached copies stay current.
    let mut prefs = a.prefs;
    prefs.set(
        EventKind::Commented,
        domain::EventPrefs {
            email: false,
            in_app: false,
        },
    );
    let only_prefs = ProfilePatch {
        display_name: None,
        prefs: Some(prefs),
    };
    let a = s.update_profile(&a, &only_prefs).await.unwrap();
    let a = s.end_sessions(&a).await.unwrap();
    let feed = domain::CalendarFeed {
        token_hash: "dir-feed".into(),
        all_tasks: true,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    let a = s.set_calendar_feed(&a, Some(feed)).await.unwrap();
    let a = s
        .suppress_mail(&a, domain::SuppressionReason::Complaint)
        .await
        .unwrap();
    assert_eq!(versions(&s).await, 1, "nothing the directory shows changed");

    let renamed = ProfilePatch {
        display_name: Some(DisplayName::parse("Ada A.").unwrap()),
        prefs: None,
    };
    let stale = a.clone();
    let a = s.update_profile(&a, &renamed).await.unwrap();
    assert_eq!(versions(&s).await, 2, "a new name");
    let a = s.update_profile(&a, &renamed).await.unwrap();
    assert_eq!(versions(&s).await, 2, "the same name again changes nothing");
    // Refused writes leave the version alone: a stale version, and the
    // last admin's demotion.
    assert!(matches!(
        s.update_profile(&stale, &renamed).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.update_role(&a, Role::Member).await,
        Err(StoreError::LastAdmin)
    ));
    assert_eq!(versions(&s).await, 2, "refused writes");

    let b = s
        .create_profile(profile("b@example.com", Role::Member))
        .await
        .unwrap();
    assert_eq!(versions(&s).await, 3, "another profile");
    let b = s.update_role(&b, Role::Admin).await.unwrap();
    assert_eq!(versions(&s).await, 4, "a promotion");
    s.set_active(&b, false).await.unwrap();
    assert_eq!(versions(&s).await, 5, "a deactivation");

    // An accepted invitation creates a profile: counted in its transaction.
    let key = crate::InviteKey::generate();
    let inv = s
        .save_invitation(invitation("c@example.com", &key, a.id), None)
        .await
        .unwrap();
    let before = versions(&s).await;
    s.accept_invitation(&inv, profile("c@example.com", Role::Member))
        .await
        .unwrap();
    assert_eq!(versions(&s).await, before + 1, "an accepted invitation");

    // Sign-ups at the same moment all count (DynamoDB cancels colliding
    // transactions; the store retries them).
    let before = versions(&s).await;
    let joins = (0..8).map(|i| {
        let s = s.clone();
        tokio::spawn(async move {
            s.create_profile(profile(&format!("crowd{i}@example.com"), Role::Member))
                .await
                .unwrap()
        })
    });
    for j in joins {
        j.await.unwrap();
    }
    assert_eq!(versions(&s).await, before + 8, "eight concurrent sign-ups");
    // Everyone, as the listing pages show them, in one read.
    let listed = collect(100, |p| s.list_users(p)).await;
    assert_eq!(listed.len(), 11);
    let mut all = s.everyone().await.unwrap();
    all.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
    assert_eq!(all, listed);
}

/// A search as the board builds one: each word with the labels whose
/// current names it finds.
async fn search_for(s: &Arc<dyn Store>, q: &str) -> crate::TextSearch {
    let labels = s.list_labels().await.unwrap();
    crate::TextSearch {
        terms: domain::search::SearchWord::parse_all(q)
            .into_iter()
            .map(|word| crate::SearchTerm {
                labels: labels
                    .iter()
                    .filter(|l| word.finds_in(l.name.as_str()))
                    .map(|l| l.id)
                    .collect(),
                word,
            })
            .collect(),
    }
}

/// Every task a search finds in one column, following cursors with pages
/// of `limit`; asserts no task comes twice.
async fn found_with(s: &Arc<dyn Store>, q: &str, status: Status, limit: u32) -> Vec<domain::Task> {
    let search = search_for(s, q).await;
    let found = collect(limit, |p| s.search_tasks(&search, status, p)).await;
    let mut ids: Vec<_> = found.iter().map(|t| t.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), found.len(), "{q:?}: a task listed twice");
    found
}

async fn found(s: &Arc<dyn Store>, q: &str, status: Status) -> Vec<String> {
    let mut titles: Vec<String> = found_with(s, q, status, 2)
        .await
        .into_iter()
        .map(|t| t.title.to_string())
        .collect();
    titles.sort();
    titles
}

async fn labelled(s: &Arc<dyn Store>, name: &str) -> domain::Label {
    s.create_label(
        domain::LabelName::parse(name).unwrap(),
        domain::LabelColor::Blue,
    )
    .await
    .unwrap()
}

async fn task_with(
    s: &Arc<dyn Store>,
    name: &str,
    status: Status,
    labels: &[domain::LabelId],
) -> domain::Task {
    let mut new = new_task(name, &[], None);
    new.status = status;
    new.labels = labels.to_vec();
    s.create_task(new).await.unwrap()
}

/// The rules of `domain::search`: words of three or more characters find
/// words starting with them, shorter ones whole words only, every word
/// must be found (in the title or a label's name), case and accents as
/// typed are folded by lowercasing only, and a search stays in its column.
pub async fn search_finds_title_words_and_label_names(s: Arc<dyn Store>) {
    let front = labelled(&s, "Frontend").await;
    let back = labelled(&s, "Backend work").await;
    task_with(&s, "Plan the Q3 planning review", Status::Open, &[]).await;
    task_with(&s, "Fix UI glitch", Status::Open, &[front.id]).await;
    task_with(&s, "Quick fix", Status::Open, &[]).await;
    task_with(&s, "Deploy API", Status::Done, &[]).await;
    task_with(&s, "Write API docs", Status::Open, &[back.id]).await;
    task_with(&s, "Café <script>menu</script>", Status::Open, &[]).await;
    let open = Status::Open;
    let cases: &[(&str, &[&str])] = &[
        ("pla", &["Plan the Q3 planning review"]),
        ("plan review", &["Plan the Q3 planning review"]),
        ("PLANNING q3", &["Plan the Q3 planning review"]),
        ("plan fix", &[]),
        ("lan", &[]),
        ("ui", &["Fix UI glitch"]),
        ("qu", &[]),
        ("qui", &["Quick fix"]),
        ("fix", &["Fix UI glitch", "Quick fix"]),
        ("api", &["Write API docs"]),
        ("front", &["Fix UI glitch"]),
        ("fix front", &["Fix UI glitch"]),
        ("backend", &["Write API docs"]),
        ("work docs", &["Write API docs"]),
        ("caf", &["Café <script>menu</script>"]),
        ("CAFÉ", &["Café <script>menu</script>"]),
        ("script", &["Café <script>menu</script>"]),
        ("<script>", &["Café <script>menu</script>"]),
        ("zzz", &[]),
    ];
    for (q, want) in cases {
        assert_eq!(found(&s, q, open).await, *want, "{q:?}");
    }
    assert_eq!(found(&s, "api", Status::Done).await, ["Deploy API"]);
    assert_eq!(
        found(&s, "deploy", Status::InProgress).await,
        Vec::<String>::new()
    );
    // A renamed label is found by its new name at once.
    s.update_label(
        &front,
        domain::LabelName::parse("Client side").unwrap(),
        front.color,
    )
    .await
    .unwrap();
    assert_eq!(found(&s, "front", open).await, Vec::<String>::new());
    assert_eq!(found(&s, "client", open).await, ["Fix UI glitch"]);
}

/// The index follows every write: a new title's words, a move to another
/// column, a delete, and a title of more words than are indexed.
pub async fn search_follows_edits_moves_and_deletes(s: Arc<dyn Store>) {
    let a = user();
    let t = task_with(&s, "Plan the offsite", Status::Open, &[]).await;
    let other = task_with(&s, "Budget planning", Status::Open, &[]).await;
    let patch = TaskPatch {
        title: Some(title("Offsite budget")),
        ..Default::default()
    };
    let t = s.update_task(&t, &patch, a).await.unwrap();
    assert_eq!(found(&s, "plan", Status::Open).await, ["Budget planning"]);
    assert_eq!(
        found(&s, "budget", Status::Open).await,
        ["Budget planning", "Offsite budget"]
    );
    // Edits that keep the words (priority, due) keep the task findable.
    let patch = TaskPatch {
        priority: Some(Priority::High),
        ..Default::default()
    };
    let t = s.update_task(&t, &patch, a).await.unwrap();
    assert_eq!(found(&s, "offsite", Status::Open).await, ["Offsite budget"]);
    let t = s.change_status(&t, Status::InProgress, a).await.unwrap();
    assert_eq!(
        found(&s, "offsite", Status::Open).await,
        Vec::<String>::new()
    );
    assert_eq!(
        found(&s, "offsite", Status::InProgress).await,
        ["Offsite budget"]
    );
    assert_eq!(found(&s, "budget", Status::Open).await, ["Budget planning"]);
    s.delete_task(&other).await.unwrap();
    assert_eq!(
        found(&s, "budget", Status::Open).await,
        Vec::<String>::new()
    );
    assert_eq!(
        found_with(&s, "budget", Status::InProgress, 5).await,
        vec![t.clone()],
        "the task as stored, not a copy"
    );
    // Only the first domain::search::MAX_INDEXED_WORDS distinct words count.
    let long: String = (0..40).map(|i| format!("w{i} ")).collect();
    task_with(&s, long.trim(), Status::Open, &[]).await;
    let last = domain::search::MAX_INDEXED_WORDS - 1;
    assert_eq!(found(&s, &format!("w{last}"), Status::Open).await.len(), 1);
    assert_eq!(
        found(&s, &format!("w{}", last + 1), Status::Open)
            .await
            .len(),
        0
    );
}

/// However a result list is paged, each task comes exactly once: tasks
/// with several words the search finds, and tasks found through a label
/// as well as through a word.
pub async fn search_pages_list_each_task_once(s: Arc<dyn Store>) {
    let plans = labelled(&s, "Plans").await;
    let roadmap = labelled(&s, "Planned work").await;
    let mut want = Vec::new();
    for i in 0..12 {
        // "plan", "planned" and "planning": three entries, one result.
        let labels: &[_] = if i % 3 == 0 { &[plans.id] } else { &[] };
        let t = task_with(
            &s,
            &format!("plan planned planning {i}"),
            Status::Open,
            labels,
        )
        .await;
        want.push(t.id);
    }
    for i in 0..5 {
        let t = task_with(&s, &format!("labelled only {i}"), Status::Open, &[plans.id]).await;
        want.push(t.id);
    }
    for i in 0..4 {
        let labels = if i % 2 == 0 {
            vec![plans.id, roadmap.id]
        } else {
            vec![roadmap.id]
        };
        let t = task_with(&s, &format!("on the roadmap {i}"), Status::Open, &labels).await;
        want.push(t.id);
    }
    task_with(&s, "unrelated", Status::Open, &[]).await;
    task_with(&s, "plan elsewhere", Status::Done, &[plans.id]).await;
    want.sort();
    for limit in [1, 2, 3, 7, 50] {
        let mut got: Vec<_> = found_with(&s, "plan", Status::Open, limit)
            .await
            .into_iter()
            .map(|t| t.id)
            .collect();
        got.sort();
        assert_eq!(got, want, "pages of {limit}");
    }
    // A cursor belongs to its search and its column.
    let search = search_for(&s, "plan").await;
    let first = s
        .search_tasks(&search, Status::Open, PageRequest::first(2))
        .await
        .unwrap();
    let cursor = first.next.expect("more");
    let elsewhere = s
        .search_tasks(&search, Status::Done, PageRequest::after(2, cursor.clone()))
        .await;
    assert!(matches!(elsewhere, Err(StoreError::InvalidCursor)));
    // Another word, in another bucket or in the same one ("pla…").
    for other in ["zzz", "plat"] {
        let other_word = search_for(&s, other).await;
        let r = s
            .search_tasks(
                &other_word,
                Status::Open,
                PageRequest::after(2, cursor.clone()),
            )
            .await;
        assert!(
            matches!(r, Err(StoreError::InvalidCursor)),
            "{other}: {r:?}"
        );
    }
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for bad in [
        "".to_owned(),
        "!!".to_owned(),
        b64.encode(br#"{"st":9}"#),
        b64.encode(br#"{"st":1,"k":{"p":"PROFILE#x","s":"PROFILE"}}"#),
    ] {
        let r = s
            .search_tasks(
                &search,
                Status::Open,
                PageRequest::after(2, Cursor::from_string(bad)),
            )
            .await;
        assert!(matches!(r, Err(StoreError::InvalidCursor)), "{r:?}");
    }
}

/// For a spread of searches, the index finds exactly the tasks that
/// reading every task of the column and applying `TextSearch::matches`
/// finds: the index and the rule are one rule.
pub async fn search_agrees_with_reading_every_task(s: Arc<dyn Store>) {
    let l1 = labelled(&s, "Urgent ops").await;
    let l2 = labelled(&s, "Design").await;
    let words = [
        "alpha",
        "alps",
        "al",
        "beta",
        "betamax",
        "de",
        "design",
        "ops",
        "opsec",
        "Ünïcode",
        "ünique",
        "x",
        "x1",
        "release-notes",
    ];
    for i in 0..40usize {
        let title: Vec<&str> = (0..1 + i % 4)
            .map(|k| words[(i * 7 + k * 5) % words.len()])
            .collect();
        let labels: Vec<_> = [l1.id, l2.id]
            .into_iter()
            .enumerate()
            .filter(|(k, _)| (i + k) % 3 == 0)
            .map(|(_, l)| l)
            .collect();
        let status = Status::ALL[i % Status::ALL.len()];
        task_with(&s, &title.join(" "), status, &labels).await;
    }
    for q in [
        "al",
        "alp",
        "alpha",
        "be",
        "beta",
        "de",
        "des",
        "design ops",
        "urgent",
        "ops",
        "uni",
        "ÜNI",
        "x",
        "x1",
        "notes release",
        "al de",
        "urg alp",
        "zzz",
    ] {
        let search = search_for(&s, q).await;
        for status in Status::ALL {
            let every = collect(50, |p| s.list_tasks_by_status(*status, p)).await;
            let mut want: Vec<_> = every
                .iter()
                .filter(|t| search.matches(t.title.as_str(), &t.labels))
                .map(|t| t.id)
                .collect();
            want.sort();
            let mut got: Vec<_> = found_with(&s, q, *status, 3)
                .await
                .into_iter()
                .map(|t| t.id)
                .collect();
            got.sort();
            assert_eq!(got, want, "{q:?} in {status:?}");
        }
    }
}
