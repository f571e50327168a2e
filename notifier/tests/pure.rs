//! Classification, audience and rendering, on images built with the store's
//! own key functions (the same images both stores write).

use domain::{
    Comment, CommentBody, CommentId, EventKind, EventPrefs, NewTask, NotificationPrefs, Priority,
    Status, Task, TaskId, TaskTitle, UserId,
};
use notifier::{classify, recipients, render_email, Detail, RenderContext, TaskContext};
use store::keys;
use time::macros::{date, datetime};
use uuid::Uuid;

fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 + n,
    ))
}

const ADMIN: u128 = 1;
const ANA: u128 = 2;
const BO: u128 = 3;
const CY: u128 = 4;

fn task(assignees: &[u128]) -> Task {
    let new = NewTask {
        project: Default::default(),
        checklist: Default::default(),
        recurrence: None,
        labels: Vec::new(),
        status: domain::Status::Open,
        title: TaskTitle::parse("Ship the <b>release</b> & notes").unwrap(),
        description: None,
        priority: Priority::High,
        due: Some(date!(2026 - 12 - 01)),
        assignees: assignees.iter().map(|&n| user(n)).collect(),
        created_by: user(ADMIN),
    };
    let id = TaskId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00aa));
    Task::create(id, new, datetime!(2026-11-27 10:00 UTC))
}

fn changed(mut t: Task, by: u128, f: impl FnOnce(&mut Task)) -> Task {
    f(&mut t);
    t.version += 1;
    t.updated_by = Some(user(by));
    t.updated_at = datetime!(2026-11-27 11:00 UTC);
    t
}

#[test]
fn create_with_assignees_is_one_assigned_event_each() {
    let t = task(&[ANA, BO]);
    let events = classify(None, Some(&keys::task_item(&t))).unwrap();
    let users: Vec<_> = events
        .iter()
        .map(|e| match e.detail {
            Detail::Assigned { user } => user,
            ref d => panic!("unexpected {d:?}"),
        })
        .collect();
    assert_eq!(users, vec![user(ANA), user(BO)]);
    assert!(events.iter().all(|e| e.actor == Some(user(ADMIN))));
    assert_ne!(events[0].dedupe_key, events[1].dedupe_key);
}

#[test]
fn assignee_diff_and_status_change() {
    let old = task(&[ANA, BO]);
    let new = changed(old.clone(), ANA, |t| {
        t.assignees = vec![user(ANA), user(CY)];
        t.status = Status::InProgress;
    });
    let events = classify(Some(&keys::task_item(&old)), Some(&keys::task_item(&new))).unwrap();
    let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.detail.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (EventKind::Assigned, Detail::Assigned { user: user(CY) }),
            (EventKind::Unassigned, Detail::Unassigned { user: user(BO) }),
            (
                EventKind::StatusChanged,
                Detail::StatusChanged {
                    from: Status::Open,
                    to: Status::InProgress
                }
            ),
        ]
    );
    assert!(events.iter().all(|e| e.actor == Some(user(ANA))));
}

#[test]
fn unrelated_edits_assignment_copies_and_deletes_are_silent() {
    let old = task(&[ANA]);
    let retitled = changed(old.clone(), ADMIN, |t| t.priority = Priority::Low);
    assert!(classify(
        Some(&keys::task_item(&old)),
        Some(&keys::task_item(&retitled))
    )
    .unwrap()
    .is_empty());
    let copy = keys::assignment_item(&old, user(ANA));
    assert!(classify(None, Some(&copy)).unwrap().is_empty());
    assert!(classify(Some(&keys::task_item(&old)), None)
        .unwrap()
        .is_empty());
    assert!(classify(None, None).unwrap().is_empty());
}

#[test]
fn comment_insert_is_a_commented_event_with_excerpt() {
    let t = task(&[ANA]);
    let long = "x".repeat(400);
    let c = Comment {
        id: CommentId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0c01)),
        task_id: t.id,
        author: user(BO),
        body: CommentBody::parse(&long).unwrap(),
        mentions: Vec::new(),
        created_at: datetime!(2026-11-27 12:00 UTC),
    };
    let item = keys::comment_item(&c);
    let events = classify(None, Some(&item)).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Commented);
    assert_eq!(events[0].actor, Some(user(BO)));
    match &events[0].detail {
        Detail::Commented { excerpt, .. } => assert_eq!(excerpt.chars().count(), 281),
        d => panic!("unexpected {d:?}"),
    }
    // Replays of the same change carry the same key.
    assert_eq!(
        classify(None, Some(&item)).unwrap()[0].dedupe_key,
        events[0].dedupe_key
    );
}

fn mention_comment(mentions: &[u128]) -> Comment {
    Comment {
        id: CommentId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0c02)),
        task_id: task(&[]).id,
        author: user(ADMIN),
        body: CommentBody::parse("@ana @bo @cy have a look").unwrap(),
        mentions: mentions.iter().map(|&n| user(n)).collect(),
        created_at: datetime!(2026-11-27 12:00 UTC),
    }
}

#[test]
fn a_comment_with_mentions_is_one_event_per_kind_each_person_hearing_once() {
    // ANA is assigned; BO is an admin now; CY was mentioned (say, assigned
    // then) but is on neither list now, so CY cannot see the task.
    let t = task(&[ANA]);
    let c = mention_comment(&[ANA, BO, CY]);
    let events = classify(None, Some(&keys::comment_item(&c))).unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Commented, EventKind::Mentioned]);
    assert_ne!(events[0].dedupe_key, events[1].dedupe_key);
    let commenters = [user(CY)];
    let ctx = TaskContext {
        task: &t,
        commenters: &commenters,
        admins: &[user(ADMIN), user(BO)],
    };
    let heard = |e| {
        recipients(e, ctx, |_| prefs_all())
            .iter()
            .map(|d| d.user)
            .collect::<Vec<_>>()
    };
    // ANA and BO hear only as mentioned; the author (ADMIN) never; CY, who
    // commented once but can no longer see the task, not at all.
    assert!(heard(&events[0]).is_empty(), "{:?}", heard(&events[0]));
    assert_eq!(heard(&events[1]), [user(ANA), user(BO)]);
    // Once CY is an admin, CY may see the task again, and hears of the
    // comment once, as mentioned.
    let admins = [user(ADMIN), user(BO), user(CY)];
    let ctx = TaskContext {
        admins: &admins,
        ..ctx
    };
    let heard = |e| {
        recipients(e, ctx, |_| prefs_all())
            .iter()
            .map(|d| d.user)
            .collect::<Vec<_>>()
    };
    assert!(heard(&events[0]).is_empty());
    assert_eq!(heard(&events[1]), [user(ANA), user(BO), user(CY)]);

    // A deactivated or muted mentioned person gets nothing at all.
    let muted = recipients(&events[1], ctx, |u| {
        (u != user(BO)).then(|| NotificationPrefs {
            mentioned: EventPrefs {
                email: false,
                in_app: false,
            },
            ..NotificationPrefs::default()
        })
    });
    assert!(muted.is_empty());
}

/// Involvement is history, access is now: a commenter since unassigned, or
/// a creator since demoted, hears nothing more of the task; the person
/// unassigned is told so, once.
#[test]
fn people_who_can_no_longer_see_the_task_hear_nothing_of_it() {
    // ADMIN created the task and has since been demoted (not in `admins`);
    // DI is the admin acting now; CY was assigned, commented, and was
    // unassigned; ANA is assigned.
    const DI: u128 = 5;
    let admins = [user(DI)];
    let commenters = [user(CY), user(ANA)];
    let heard = |old: &Task, new: &Task| {
        let events = classify(Some(&keys::task_item(old)), Some(&keys::task_item(new))).unwrap();
        events
            .iter()
            .map(|e| {
                let ctx = TaskContext {
                    task: new,
                    commenters: &commenters,
                    admins: &admins,
                };
                let users: Vec<_> = recipients(e, ctx, |_| prefs_all())
                    .iter()
                    .map(|d| d.user)
                    .collect();
                (e.kind, users)
            })
            .collect::<Vec<_>>()
    };
    let assigned = task(&[ANA, CY]);
    let unassigned = changed(assigned.clone(), DI, |t| {
        t.assignees.retain(|u| *u != user(CY))
    });
    assert_eq!(
        heard(&assigned, &unassigned),
        [(EventKind::Unassigned, vec![user(CY)])],
        "CY is told, the demoted creator is not"
    );
    let moved = changed(unassigned.clone(), DI, |t| t.status = Status::InProgress);
    assert_eq!(
        heard(&unassigned, &moved),
        [(EventKind::StatusChanged, vec![user(ANA)])]
    );
    let reassigned = changed(unassigned.clone(), DI, |t| t.assignees.push(user(BO)));
    assert_eq!(
        heard(&unassigned, &reassigned),
        [(EventKind::Assigned, vec![user(BO)])]
    );

    // Commented and Mentioned, with CY mentioned.
    let comment = Comment {
        author: user(DI),
        ..mention_comment(&[ANA, CY])
    };
    let ctx = TaskContext {
        task: &unassigned,
        commenters: &commenters,
        admins: &admins,
    };
    let heard: Vec<_> = classify(None, Some(&keys::comment_item(&comment)))
        .unwrap()
        .iter()
        .map(|e| {
            let users: Vec<_> = recipients(e, ctx, |_| prefs_all())
                .iter()
                .map(|d| d.user)
                .collect();
            (e.kind, users)
        })
        .collect();
    // ANA hears once, as mentioned; CY neither as commenter nor mentioned.
    assert_eq!(
        heard,
        [
            (EventKind::Commented, vec![]),
            (EventKind::Mentioned, vec![user(ANA)])
        ]
    );

    // A reminder for an unassigned task goes to its creator only while
    // they may see it.
    let nobodys = changed(task(&[]), DI, |_| {});
    let due = notifier::classify::reminder(
        &nobodys,
        date!(2026 - 12 - 01),
        datetime!(2026-12-01 08:00 UTC),
    )
    .unwrap();
    let ctx = TaskContext {
        task: &nobodys,
        commenters: &[],
        admins: &admins,
    };
    assert!(recipients(&due, ctx, |_| prefs_all()).is_empty());
    let creator_admin = [user(ADMIN)];
    let ctx = TaskContext {
        admins: &creator_admin,
        ..ctx
    };
    assert_eq!(
        recipients(&due, ctx, |_| prefs_all())
            .iter()
            .map(|d| d.user)
            .collect::<Vec<_>>(),
        [user(ADMIN)]
    );
}

#[test]
fn a_comment_without_mentions_is_only_commented() {
    let c = mention_comment(&[]);
    let events = classify(None, Some(&keys::comment_item(&c))).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Commented);
}

#[test]
fn mention_email_says_who_mentioned_whom_and_escapes_html() {
    let c = Comment {
        body: CommentBody::parse("@ana <img src=x onerror=alert(1)>").unwrap(),
        ..mention_comment(&[ANA])
    };
    let mut ev = classify(None, Some(&keys::comment_item(&c)))
        .unwrap()
        .remove(1);
    ev.task_title = "Ship <b>it</b>".into();
    let msg = render_email(
        &ev,
        &RenderContext {
            base_url: "https://tasks.example.com",
            recipient: user(ANA),
            recipient_name: "Ana",
            actor_name: Some("Ada"),
            subject_name: None,
        },
    );
    assert_eq!(msg.subject, "Ada mentioned you on Ship <b>it</b>");
    assert!(msg.text.contains("@ana <img src=x onerror=alert(1)>"));
    assert!(!msg.html.contains("<img"), "{}", msg.html);
    assert!(
        msg.html.contains("&lt;img") || msg.html.contains("&#60;img"),
        "{}",
        msg.html
    );
}

#[test]
fn corrupt_image_is_an_error_not_a_panic() {
    let mut item = keys::task_item(&task(&[]));
    item.data = store::keys::json_text(&serde_json::json!({"title": 42}));
    assert!(classify(None, Some(&item)).is_err());
}

fn prefs_all() -> Option<NotificationPrefs> {
    Some(NotificationPrefs::default())
}

#[test]
fn audience_never_includes_the_actor_and_lists_each_person_once() {
    let old = task(&[ANA, BO]);
    let new = changed(old.clone(), ANA, |t| t.status = Status::InProgress);
    let ev = classify(Some(&keys::task_item(&old)), Some(&keys::task_item(&new)))
        .unwrap()
        .remove(0);
    let commenters = [user(BO), user(CY), user(ANA)];
    let got = recipients(
        &ev,
        TaskContext {
            task: &new,
            commenters: &commenters,
            admins: &[user(ADMIN), user(CY)],
        },
        |_| prefs_all(),
    );
    let users: Vec<_> = got.iter().map(|d| d.user).collect();
    assert_eq!(users, vec![user(ADMIN), user(BO), user(CY)]);
}

#[test]
fn preferences_pick_channels_and_can_mute_entirely() {
    let t = task(&[ANA, BO]);
    let ev = classify(None, Some(&keys::task_item(&t)))
        .unwrap()
        .remove(0); // ANA assigned by ADMIN
    let got = recipients(
        &ev,
        TaskContext {
            task: &t,
            commenters: &[],
            admins: &[],
        },
        |u| {
            let mut p = NotificationPrefs::default();
            if u == user(ANA) {
                p.assigned = EventPrefs {
                    email: false,
                    in_app: true,
                };
            }
            Some(p)
        },
    );
    // ADMIN is the actor (and creator): only ANA hears, in-app only.
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].user, got[0].email, got[0].in_app),
        (user(ANA), false, true)
    );

    let muted = recipients(
        &ev,
        TaskContext {
            task: &t,
            commenters: &[],
            admins: &[],
        },
        |_| {
            Some(NotificationPrefs {
                assigned: EventPrefs {
                    email: false,
                    in_app: false,
                },
                ..NotificationPrefs::default()
            })
        },
    );
    assert!(muted.is_empty());
    let unknown = recipients(
        &ev,
        TaskContext {
            task: &t,
            commenters: &[],
            admins: &[],
        },
        |_| None,
    );
    assert!(unknown.is_empty());
}

#[test]
fn rendered_email_names_the_task_actor_and_link_and_escapes_html() {
    let old = task(&[ANA]);
    let new = changed(old.clone(), ANA, |t| t.status = Status::InReview);
    let ev = classify(Some(&keys::task_item(&old)), Some(&keys::task_item(&new)))
        .unwrap()
        .remove(0);
    let msg = render_email(
        &ev,
        &RenderContext {
            base_url: "http://127.0.0.1:3000",
            recipient: user(ADMIN),
            recipient_name: "Ada",
            actor_name: Some("Ana"),
            subject_name: None,
        },
    );
    assert_eq!(
        msg.subject,
        "Ship the <b>release</b> & notes is now In review"
    );
    assert!(msg.text.contains("Hi Ada,"));
    assert!(msg
        .text
        .contains("Ana moved “Ship the <b>release</b> & notes” from Open to In review."));
    assert!(msg
        .text
        .contains(&format!("http://127.0.0.1:3000/tasks/{}", new.id)));
    assert!(
        !msg.html.contains("<b>release</b>"),
        "HTML part must escape the title"
    );
    let escaped = [
        "&lt;b&gt;release&lt;/b&gt;",
        "&#60;b&#62;release&#60;/b&#62;",
    ];
    assert!(escaped.iter().any(|e| msg.html.contains(e)), "{}", msg.html);
}

#[test]
fn reminders_once_per_task_per_day() {
    let t = task(&[ANA]);
    let today = date!(2026 - 11 - 30);
    let ev = notifier::classify::reminder(&t, today, datetime!(2026-11-30 08:00 UTC)).unwrap();
    assert_eq!(ev.kind, EventKind::DueSoon);
    let again = notifier::classify::reminder(&t, today, datetime!(2026-11-30 18:00 UTC)).unwrap();
    assert_eq!(ev.dedupe_key, again.dedupe_key);
    let late =
        notifier::classify::reminder(&t, date!(2026 - 12 - 02), datetime!(2026-12-02 08:00 UTC))
            .unwrap();
    assert_eq!(late.kind, EventKind::Overdue);
    assert_ne!(late.dedupe_key, ev.dedupe_key);
    let far =
        notifier::classify::reminder(&t, date!(2026 - 11 - 20), datetime!(2026-11-20 08:00 UTC));
    assert!(far.is_none());
    let done = changed(t, ANA, |t| t.status = Status::Done);
    assert!(notifier::classify::reminder(&done, today, datetime!(2026-11-30 08:00 UTC)).is_none());
}

/// Deactivated people drop out of every audience; people without a profile
/// too; everyone else gets their own preferences.
#[test]
fn deactivated_people_get_no_notifications() {
    use notifier::recipients::prefs_of;
    let profile = domain::UserProfile::create(
        domain::NewProfile {
            id: user(7),
            email: domain::Email::parse("gone@example.com").unwrap(),
            display_name: domain::DisplayName::parse("Gone").unwrap(),
            role: domain::Role::Member,
        },
        datetime!(2026-01-01 0:00 UTC),
    );
    assert_eq!(prefs_of(Some(&profile)), Some(profile.prefs));
    let gone = profile.with_active(false, datetime!(2026-01-02 0:00 UTC));
    assert_eq!(prefs_of(Some(&gone)), None);
    assert_eq!(prefs_of(None), None);
}
