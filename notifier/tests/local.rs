//! The local delivery path end to end, on a real SQLite store: writes go in
//! through the `Store` API, the worker reads the real change feed, and the
//! mail lands in a real dev mailbox (files) or a fake SMTP server on
//! loopback. `run_once` is called directly, so no test sleeps.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::{
    CommentBody, DisplayName, Email, EventPrefs, NewProfile, NewTask, Notification, Priority,
    ProfilePatch, Role, Status, Task, TaskTitle, UserId, UserProfile,
};
use notifier::local::{
    render_mailbox_html, render_mailbox_json, DevMailbox, MailError, MailboxMessage, Mailer,
    SmtpMailer, Worker, WorkerConfig,
};
use notifier::EmailMessage;
use store::{Change, ChangeFeed, PageRequest, SqliteStore, Store, StoreError};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::receiver;

const BASE_URL: &str = "http://127.0.0.1:3000";

struct Env {
    store: Arc<SqliteStore>,
    mailbox: Arc<DevMailbox>,
    _dir: tempfile::TempDir,
    admin: UserProfile,
    member: UserProfile,
}

async fn env() -> Env {
    let store = Arc::new(SqliteStore::open_temp().await.expect("temp store"));
    let dir = tempfile::tempdir().expect("temp dir");
    let mailbox = Arc::new(DevMailbox::open(dir.path()).await.expect("mailbox"));
    let admin = profile(&store, "admin@example.com", "Ada Admin", Role::Admin).await;
    let member = profile(&store, "member@example.com", "Mo Member", Role::Member).await;
    Env {
        store,
        mailbox,
        _dir: dir,
        admin,
        member,
    }
}

async fn profile(store: &SqliteStore, email: &str, name: &str, role: Role) -> UserProfile {
    store
        .create_profile(NewProfile {
            id: UserId::from_uuid(Uuid::now_v7()),
            email: Email::parse(email).unwrap(),
            display_name: DisplayName::parse(name).unwrap(),
            role,
        })
        .await
        .unwrap()
}

fn config() -> WorkerConfig {
    let mut c = WorkerConfig::new(format!("{BASE_URL}/"));
    // Tests retry immediately; backoff itself is tested separately.
    c.retry_base = std::time::Duration::ZERO;
    c
}

impl Env {
    fn worker(&self, mailer: Arc<dyn Mailer>) -> Worker {
        self.worker_with(mailer, self.store.clone(), config())
    }

    fn worker_with(
        &self,
        mailer: Arc<dyn Mailer>,
        feed: Arc<dyn ChangeFeed>,
        config: WorkerConfig,
    ) -> Worker {
        Worker::new(self.store.clone(), feed, mailer, config)
    }

    fn dev_worker(&self) -> Worker {
        self.worker(self.mailbox.clone())
    }

    async fn task(&self, title: &str, assignees: &[&UserProfile], by: &UserProfile) -> Task {
        self.store
            .create_task(NewTask {
                project: Default::default(),
                checklist: Default::default(),
                recurrence: None,
                labels: Vec::new(),
                status: domain::Status::Open,
                title: TaskTitle::parse(title).unwrap(),
                description: None,
                priority: Priority::Medium,
                due: None,
                assignees: assignees.iter().map(|p| p.id).collect(),
                created_by: by.id,
            })
            .await
            .unwrap()
    }

    /// `by` comments on `task`, naming `mentions`.
    async fn comment(&self, task: &Task, by: &UserProfile, body: &str, mentions: &[UserId]) {
        self.store
            .add_comment(
                task.id,
                by.id,
                CommentBody::parse(body).unwrap(),
                mentions.to_vec(),
            )
            .await
            .unwrap();
    }

    async fn inbox(&self, user: &UserProfile) -> Vec<Notification> {
        self.store
            .list_notifications(user.id, PageRequest::first(100))
            .await
            .unwrap()
            .items
    }

    async fn mail(&self) -> Vec<MailboxMessage> {
        self.mailbox.list(1000).await.unwrap()
    }

    async fn mail_to(&self, user: &UserProfile) -> Vec<MailboxMessage> {
        self.mail()
            .await
            .into_iter()
            .filter(|m| m.to == user.email.as_str())
            .collect()
    }

    async fn pending(&self) -> Vec<Change> {
        self.store.read_changes(0, 1000).await.unwrap()
    }

    async fn set_prefs(&self, user: &UserProfile, kind: domain::EventKind, prefs: EventPrefs) {
        let current = self.store.get_profile(user.id).await.unwrap();
        let mut p = current.prefs;
        p.set(kind, prefs);
        self.store
            .update_profile(
                &current,
                &ProfilePatch {
                    display_name: None,
                    prefs: Some(p),
                },
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn assignment_reaches_the_assignee_in_app_and_by_mail_but_never_the_actor() {
    let e = env().await;
    let task = e.task("Ship the release", &[&e.member], &e.admin).await;
    let worker = e.dev_worker();
    assert!(worker.run_once().await.unwrap() > 0);

    let inbox = e.inbox(&e.member).await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].kind, domain::EventKind::Assigned);
    assert_eq!(inbox[0].task_id, Some(task.id));
    assert_eq!(inbox[0].task_title, "Ship the release");
    assert_eq!(inbox[0].actor, Some(e.admin.id));
    assert_eq!(inbox[0].message, "You were assigned: Ship the release");

    let mail = e.mail().await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, "member@example.com");
    assert_eq!(mail[0].subject, "You were assigned: Ship the release");
    assert!(mail[0].text.contains("Hi Mo Member,"), "{}", mail[0].text);
    assert!(
        mail[0].text.contains("Ada Admin assigned you"),
        "{}",
        mail[0].text
    );
    // The configured base URL, trailing slash trimmed, links to the task.
    assert!(
        mail[0]
            .text
            .contains(&format!("{BASE_URL}/tasks/{}", task.id)),
        "{}",
        mail[0].text
    );
    assert!(!mail[0].html.is_empty());

    // The actor (who is also the creator) hears nothing.
    assert!(e.inbox(&e.admin).await.is_empty());
    assert!(e.mail_to(&e.admin).await.is_empty());

    // Everything was acknowledged: a second tick finds nothing to do.
    assert!(e.pending().await.is_empty());
    assert_eq!(worker.run_once().await.unwrap(), 0);
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    assert_eq!(e.mail().await.len(), 1);
}

#[tokio::test]
async fn status_change_by_the_assignee_reaches_the_creator() {
    let e = env().await;
    let task = e.task("Write docs", &[&e.member], &e.admin).await;
    let worker = e.dev_worker();
    worker.run_once().await.unwrap();

    e.store
        .change_status(&task, Status::InProgress, e.member.id)
        .await
        .unwrap();
    worker.run_once().await.unwrap();

    let admin_mail = e.mail_to(&e.admin).await;
    assert_eq!(admin_mail.len(), 1, "{admin_mail:?}");
    assert_eq!(admin_mail[0].subject, "Write docs is now In progress");
    assert!(admin_mail[0]
        .text
        .contains("Mo Member moved “Write docs” from Open to In progress."));
    let admin_inbox = e.inbox(&e.admin).await;
    assert_eq!(admin_inbox.len(), 1);
    assert_eq!(admin_inbox[0].kind, domain::EventKind::StatusChanged);
    // The member acted: only the earlier assignment notice is theirs.
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    assert_eq!(e.mail_to(&e.member).await.len(), 1);
    assert!(e.pending().await.is_empty());
}

#[tokio::test]
async fn comment_reaches_assignees_creator_and_commenters_but_not_its_author() {
    let e = env().await;
    let carol = profile(&e.store, "carol@example.com", "Carol", Role::Member).await;
    let dave = profile(&e.store, "dave@example.com", "Dave", Role::Member).await;
    let task = e
        .task("Plan the offsite", &[&e.member, &carol], &e.admin)
        .await;
    let worker = e.dev_worker();
    worker.run_once().await.unwrap();
    let before = e.mail().await.len();

    // Carol comments first (she becomes a commenter), then the admin.
    e.comment(&task, &carol, "I can book rooms", &[]).await;
    worker.run_once().await.unwrap();
    e.comment(&task, &e.admin, "Great, <b>thanks</b>!", &[])
        .await;
    worker.run_once().await.unwrap();

    // Two recipients for each comment.
    assert_eq!(e.mail().await.len(), before + 2 + 2);
    // The admin's comment: member and Carol.
    let to_carol = e.mail_to(&carol).await;
    assert_eq!(to_carol.len(), 1 + 1, "{to_carol:?}");
    let comment = to_carol
        .iter()
        .find(|m| m.subject == "New comment on Plan the offsite")
        .expect("the admin's comment");
    assert!(comment
        .text
        .contains("Ada Admin commented on “Plan the offsite”:"));
    assert!(comment.text.contains("Great, <b>thanks</b>!"));
    assert!(
        !comment.html.contains("<b>thanks</b>"),
        "HTML part must escape the comment"
    );
    // Carol's comment: member and admin; the admin's: member and Carol.
    assert_eq!(e.mail_to(&e.member).await.len(), 1 + 2);
    assert_eq!(e.mail_to(&e.admin).await.len(), 1);
    assert!(
        e.mail_to(&dave).await.is_empty(),
        "uninvolved users hear nothing"
    );
    let carol_inbox = e.inbox(&carol).await;
    assert_eq!(carol_inbox.len(), 2);
    // Comment images carry no title: the worker fills it in from the task.
    assert!(carol_inbox
        .iter()
        .all(|n| n.task_title == "Plan the offsite"));
    assert!(e.pending().await.is_empty());
}

/// A commenter who was unassigned, or a creator who was demoted, can no
/// longer see the task: they are told of the unassignment and then hear
/// nothing of its comments or status, while those who still see it do.
#[tokio::test]
async fn people_who_lost_the_task_hear_nothing_more_of_it() {
    let e = env().await;
    let carol = profile(&e.store, "carol@example.com", "Carol", Role::Member).await;
    let lead = profile(&e.store, "lead@example.com", "Lee Lead", Role::Admin).await;
    let task = e
        .task("Plan the offsite", &[&e.member, &carol], &lead)
        .await;
    e.comment(&task, &carol, "I can book rooms", &[]).await;
    let worker = e.dev_worker();
    worker.run_once().await.unwrap();
    let carol_before = e.inbox(&carol).await.len();
    let lead_before = e.inbox(&lead).await.len();
    assert_eq!(lead_before, 1, "the creator hears of Carol's comment");

    // The admin unassigns Carol; the lead who created the task is demoted.
    let current = e.store.get_task(task.id, 0).await.unwrap().task;
    let current = e
        .store
        .set_assignees(&current, &[], &[carol.id], e.admin.id)
        .await
        .unwrap();
    let lead = e.store.update_role(&lead, Role::Member).await.unwrap();
    worker.run_once().await.unwrap();
    let carol_inbox = e.inbox(&carol).await;
    assert_eq!(carol_inbox.len(), carol_before + 1);
    assert!(carol_inbox
        .iter()
        .any(|n| n.kind == domain::EventKind::Unassigned));
    assert_eq!(e.inbox(&lead).await.len(), lead_before);
    let carol_mail = e.mail_to(&carol).await.len();
    let lead_mail = e.mail_to(&lead).await.len();

    // A comment (mentioning Carol) and a status change: only the member.
    let member_before = e.inbox(&e.member).await.len();
    let mail_before = e.mail().await.len();
    e.comment(&task, &e.admin, "@carol the budget is secret", &[carol.id])
        .await;
    e.store
        .change_status(&current, Status::InProgress, e.admin.id)
        .await
        .unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(e.inbox(&carol).await.len(), carol_before + 1);
    assert_eq!(e.inbox(&lead).await.len(), lead_before);
    assert_eq!(e.inbox(&e.member).await.len(), member_before + 2);
    let mail = e.mail().await;
    assert_eq!(mail.len(), mail_before + 2, "{mail:?}");
    assert_eq!(e.mail_to(&carol).await.len(), carol_mail);
    assert_eq!(e.mail_to(&lead).await.len(), lead_mail);
    assert!(!mail
        .iter()
        .any(|m| m.text.contains("budget is secret") && m.to != e.member.email.as_str()));
    assert!(e.pending().await.is_empty());
}

#[tokio::test]
async fn mentioned_people_who_can_see_the_task_hear_once_as_mentioned() {
    let e = env().await;
    let boss = profile(&e.store, "boss@example.com", "Bo Boss", Role::Admin).await;
    let gone = profile(&e.store, "gone@example.com", "Gone", Role::Admin).await;
    let task = e.task("Plan the offsite", &[&e.member], &e.admin).await;
    let worker = e.dev_worker();
    worker.run_once().await.unwrap();
    let before = e.mail().await.len();
    // Deactivated after the comment was written: gets nothing.
    e.comment(
        &task,
        &e.admin,
        "@member @boss @gone over to you",
        &[e.member.id, boss.id, gone.id],
    )
    .await;
    e.store.set_active(&gone, false).await.unwrap();
    worker.run_once().await.unwrap();

    // The member (assignee) and the other admin: one notice each, the
    // mention, not also "commented".
    assert_eq!(e.mail().await.len(), before + 2);
    for who in [&e.member, &boss] {
        let inbox = e.inbox(who).await;
        let last = inbox
            .iter()
            .find(|n| n.kind != domain::EventKind::Assigned)
            .unwrap();
        assert_eq!(last.kind, domain::EventKind::Mentioned, "{inbox:?}");
        assert_eq!(last.message, "Ada Admin mentioned you on Plan the offsite");
        let mail = e.mail_to(who).await;
        assert!(mail
            .iter()
            .any(|m| m.text.contains("@member @boss @gone over to you")));
    }
    assert!(e.inbox(&gone).await.is_empty());
    assert!(e.mail_to(&gone).await.is_empty());

    // Muting "mentioned" silences mentions, and does not fall back to
    // "commented".
    e.set_prefs(
        &e.member,
        domain::EventKind::Mentioned,
        EventPrefs {
            email: false,
            in_app: false,
        },
    )
    .await;
    let member = e.store.get_profile(e.member.id).await.unwrap();
    let inbox_before = e.inbox(&member).await.len();
    e.comment(&task, &e.admin, "@member again", &[e.member.id])
        .await;
    worker.run_once().await.unwrap();
    assert_eq!(e.inbox(&member).await.len(), inbox_before);
    assert!(e.pending().await.is_empty());
}

#[tokio::test]
async fn preferences_pick_channels_and_can_mute() {
    let e = env().await;
    e.set_prefs(
        &e.member,
        domain::EventKind::Assigned,
        EventPrefs {
            email: false,
            in_app: true,
        },
    )
    .await;
    e.task("Email is off", &[&e.member], &e.admin).await;
    let worker = e.dev_worker();
    worker.run_once().await.unwrap();
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    assert!(e.mail().await.is_empty(), "email preference is off");

    e.set_prefs(
        &e.member,
        domain::EventKind::Assigned,
        EventPrefs {
            email: false,
            in_app: false,
        },
    )
    .await;
    e.task("Fully muted", &[&e.member], &e.admin).await;
    worker.run_once().await.unwrap();
    assert_eq!(e.inbox(&e.member).await.len(), 1, "muted: nothing new");
    assert!(e.mail().await.is_empty());

    e.set_prefs(
        &e.member,
        domain::EventKind::Assigned,
        EventPrefs {
            email: true,
            in_app: false,
        },
    )
    .await;
    e.task("Mail only", &[&e.member], &e.admin).await;
    worker.run_once().await.unwrap();
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    let mail = e.mail().await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject, "You were assigned: Mail only");
    assert!(e.pending().await.is_empty());
}

/// The real feed, except that `ack_change` fails while `fail_acks > 0`:
/// the worker has delivered but "crashes" before acknowledging.
struct CrashBeforeAck {
    inner: Arc<SqliteStore>,
    fail_acks: AtomicUsize,
}

#[async_trait]
impl ChangeFeed for CrashBeforeAck {
    async fn read_changes(&self, after_seq: i64, limit: u32) -> store::Result<Vec<Change>> {
        self.inner.read_changes(after_seq, limit).await
    }
    async fn ack_change(&self, seq: i64) -> store::Result<()> {
        let left = self.fail_acks.load(Ordering::SeqCst);
        if left > 0 {
            self.fail_acks.store(left - 1, Ordering::SeqCst);
            return Err(StoreError::Internal("simulated crash before ack".into()));
        }
        self.inner.ack_change(seq).await
    }
}

/// Counts what reaches the mailbox, so doubles would show.
struct Counting {
    inner: Arc<DevMailbox>,
    sent: AtomicUsize,
}

#[async_trait]
impl Mailer for Counting {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError> {
        self.inner.send(to, msg).await?;
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn crash_between_delivery_and_ack_redelivers_the_change_but_sends_nothing_twice() {
    let e = env().await;
    e.task("Crash test", &[&e.member], &e.admin).await;
    let feed = Arc::new(CrashBeforeAck {
        inner: e.store.clone(),
        // Every ack of the first tick fails, the task's change included.
        fail_acks: AtomicUsize::new(usize::MAX),
    });
    let mailer = Arc::new(Counting {
        inner: e.mailbox.clone(),
        sent: AtomicUsize::new(0),
    });
    let crashed = e.worker_with(mailer.clone(), feed.clone(), config());
    assert_eq!(crashed.run_once().await.unwrap(), 0, "no ack got through");
    assert_eq!(mailer.sent.load(Ordering::SeqCst), 1);
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    let task_changes =
        |cs: Vec<Change>| cs.into_iter().filter(|c| c.pk.starts_with("TASK#")).count();
    assert!(
        task_changes(e.pending().await) > 0,
        "the task change is still unacknowledged"
    );
    drop(crashed);

    // A fresh worker (a restarted process: no memory of the first) re-reads
    // the change, finds every delivery recorded, and only acknowledges.
    feed.fail_acks.store(0, Ordering::SeqCst);
    let restarted = e.worker_with(mailer.clone(), feed.clone(), config());
    assert!(restarted.run_once().await.unwrap() > 0);
    assert_eq!(mailer.sent.load(Ordering::SeqCst), 1, "email sent twice");
    assert_eq!(e.mail().await.len(), 1);
    assert_eq!(e.inbox(&e.member).await.len(), 1, "in-app notice doubled");
    assert!(e.pending().await.is_empty());
}

/// Fails every send while `down` is set; otherwise files into the mailbox.
/// `only_to` narrows the outage to one address.
struct Flaky {
    inner: Arc<DevMailbox>,
    down: AtomicBool,
    only_to: Option<String>,
    attempts: AtomicUsize,
}

impl Flaky {
    fn new(inner: Arc<DevMailbox>, only_to: Option<&str>) -> Flaky {
        Flaky {
            inner,
            down: AtomicBool::new(true),
            only_to: only_to.map(str::to_owned),
            attempts: AtomicUsize::new(0),
        }
    }
}

#[async_trait]
impl Mailer for Flaky {
    async fn send(&self, to: &Email, msg: &EmailMessage) -> Result<(), MailError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let targeted = self.only_to.as_deref().is_none_or(|t| t == to.as_str());
        if self.down.load(Ordering::SeqCst) && targeted {
            return Err(MailError::Transport("421 service not available".into()));
        }
        self.inner.send(to, msg).await
    }
}

#[tokio::test]
async fn failing_mailer_leaves_the_change_unacked_then_delivers_once_it_recovers() {
    let e = env().await;
    e.task("Relay outage", &[&e.member], &e.admin).await;
    let mailer = Arc::new(Flaky::new(e.mailbox.clone(), None));
    let worker = e.worker(mailer.clone());

    worker.run_once().await.unwrap();
    assert_eq!(mailer.attempts.load(Ordering::SeqCst), 1);
    assert!(e.mail().await.is_empty());
    assert_eq!(
        e.inbox(&e.member).await.len(),
        1,
        "in-app does not wait for mail"
    );
    assert_eq!(worker.retrying(), 1);
    let pending = e.pending().await;
    assert!(
        pending.iter().any(|c| c.pk.starts_with("TASK#")),
        "{pending:?}"
    );

    // Still down: retried (zero backoff here), still unacked, and the in-app
    // notice is not written again.
    worker.run_once().await.unwrap();
    assert_eq!(mailer.attempts.load(Ordering::SeqCst), 2);
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    assert!(e.pending().await.iter().any(|c| c.pk.starts_with("TASK#")));

    mailer.down.store(false, Ordering::SeqCst);
    worker.run_once().await.unwrap();
    let mail = e.mail().await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject, "You were assigned: Relay outage");
    assert_eq!(e.inbox(&e.member).await.len(), 1);
    assert_eq!(worker.retrying(), 0);
    assert!(e.pending().await.is_empty());
    worker.run_once().await.unwrap();
    assert_eq!(e.mail().await.len(), 1);
}

#[tokio::test]
async fn a_failing_change_backs_off_without_blocking_later_changes() {
    let e = env().await;
    let other = profile(&e.store, "other@example.com", "Otto", Role::Member).await;
    e.task("Blocked mail", &[&e.member], &e.admin).await;
    e.task("Fine mail", &[&other], &e.admin).await;
    let mailer = Arc::new(Flaky::new(e.mailbox.clone(), Some("member@example.com")));
    let mut slow = config();
    slow.retry_base = std::time::Duration::from_secs(3600);
    let worker = e.worker_with(mailer.clone(), e.store.clone(), slow);

    worker.run_once().await.unwrap();
    let mail = e.mail().await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].subject, "You were assigned: Fine mail");
    assert_eq!(worker.retrying(), 1);

    // Recovered, but the failed change is not due for an hour: this tick
    // leaves it alone (no hammering), and it is still pending, not lost.
    mailer.down.store(false, Ordering::SeqCst);
    let attempts = mailer.attempts.load(Ordering::SeqCst);
    worker.run_once().await.unwrap();
    assert_eq!(mailer.attempts.load(Ordering::SeqCst), attempts);
    assert!(e.pending().await.iter().any(|c| c.pk.starts_with("TASK#")));

    // A restarted worker has no backoff memory and delivers it at once.
    let fresh = e.worker(mailer.clone());
    fresh.run_once().await.unwrap();
    assert_eq!(e.mail_to(&e.member).await.len(), 1);
    assert!(e.pending().await.is_empty());
}

#[tokio::test]
async fn deleted_task_and_unknown_users_are_skipped_and_acknowledged() {
    let e = env().await;
    let ghost = UserId::from_uuid(Uuid::now_v7());
    let gone = e.task("Deleted soon", &[&e.member], &e.admin).await;
    e.store.delete_task(&gone).await.unwrap();
    // A task assigned to someone without a profile.
    let mut t = e.task("Ghost assignee", &[], &e.admin).await;
    t = e
        .store
        .set_assignees(&t, &[ghost], &[], e.admin.id)
        .await
        .unwrap();
    let _ = t;
    let worker = e.dev_worker();
    worker.run_once().await.unwrap();
    assert!(e.mail().await.is_empty());
    assert!(e.inbox(&e.member).await.is_empty());
    assert!(e.pending().await.is_empty());
    assert_eq!(worker.retrying(), 0);
}

#[tokio::test]
async fn run_loop_is_woken_by_notify_and_stops_on_shutdown() {
    let e = env().await;
    let mut c = config();
    // A long poll interval: only the wake-up can explain a quick delivery.
    c.poll_interval = std::time::Duration::from_secs(3600);
    let worker = e.worker_with(e.mailbox.clone(), e.store.clone(), c);
    let waker = worker.waker();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run(async {
        let _ = stop_rx.await;
    }));
    // Let the first (empty) tick finish and the loop start waiting.
    tokio::task::yield_now().await;
    e.task("Woken", &[&e.member], &e.admin).await;
    waker.notify_one();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while e.mail().await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "worker was not woken");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop_tx.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), handle)
        .await
        .expect("worker stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn dev_mailbox_is_durable_ordered_and_rendered_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = DevMailbox::open(dir.path()).await.unwrap();
    let to = Email::parse("x@example.com").unwrap();
    for i in 0..3 {
        mailbox
            .send(
                &to,
                &EmailMessage {
                    subject: format!("<script>alert({i})</script>"),
                    text: format!("text {i} & more"),
                    html: format!("<p onclick=\"x\">html {i}</p>"),
                },
            )
            .await
            .unwrap();
    }
    let two = mailbox.list(2).await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].subject, "<script>alert(2)</script>", "newest first");
    assert_eq!(two[1].subject, "<script>alert(1)</script>");
    assert_eq!(
        mailbox.get(&two[1].id).await.unwrap().as_ref(),
        Some(&two[1])
    );
    assert_eq!(mailbox.get("../../etc/passwd").await.unwrap(), None);
    assert_eq!(
        mailbox.get(&Uuid::now_v7().to_string()).await.unwrap(),
        None
    );

    // A torn write from a crash (temp file) is never listed, and reopening
    // cleans it up; a reopened mailbox sees the same messages.
    let torn = mailbox.dir().join(format!(".tmp-{}.json", Uuid::now_v7()));
    std::fs::write(&torn, b"{\"id\":").unwrap();
    assert_eq!(mailbox.list(10).await.unwrap().len(), 3);
    let reopened = DevMailbox::open(dir.path()).await.unwrap();
    assert!(!torn.exists());
    let all = reopened.list(10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));

    let html = render_mailbox_html(&all);
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<p onclick"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(html.contains("text 0 &amp; more"));
    let json: Vec<MailboxMessage> = serde_json::from_str(&render_mailbox_json(&all)).unwrap();
    assert_eq!(json, all);
}

// --- SMTP -------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Captured {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A minimal SMTP server on 127.0.0.1:0: enough of RFC 5321 for lettre
/// (greeting, EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT).
/// Every accepted message is pushed to the returned list.
async fn fake_smtp() -> (u16, Arc<Mutex<Vec<Captured>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let mut cur = Captured::default();
                w.write_all(b"220 fake.test ESMTP\r\n").await.ok()?;
                while let Some(line) = lines.next_line().await.ok()? {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-fake.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        cur = Captured {
                            mail_from: line[10..].trim().to_owned(),
                            ..Captured::default()
                        };
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        cur.rcpt_to.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.ok()?;
                        while let Some(l) = lines.next_line().await.ok()? {
                            if l == "." {
                                break;
                            }
                            let l = l
                                .strip_prefix('.')
                                .filter(|_| l.starts_with(".."))
                                .unwrap_or(&l);
                            cur.data.push_str(l);
                            cur.data.push('\n');
                        }
                        sink.lock().unwrap().push(std::mem::take(&mut cur));
                        b"250 OK queued\r\n"
                    } else if upper == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.ok()?;
                        return Some(());
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    w.write_all(reply).await.ok()?;
                }
                Some(())
            });
        }
    });
    (port, got)
}

#[tokio::test]
async fn smtp_mailer_delivers_multipart_mail_through_the_worker() {
    let e = env().await;
    let (port, got) = fake_smtp().await;
    let smtp = SmtpMailer::from_url(
        &format!("smtp://127.0.0.1:{port}"),
        "Tasklane <noreply@tasklane.test>",
    )
    .unwrap();
    assert_eq!(smtp.endpoint(), format!("smtp://127.0.0.1:{port}"));
    e.task("Ship it", &[&e.member], &e.admin).await;
    let worker = e.worker(Arc::new(smtp));
    worker.run_once().await.unwrap();
    assert!(e.pending().await.is_empty(), "SMTP 250 counts as delivered");

    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:#?}");
    let m = &got[0];
    assert_eq!(m.mail_from, "<noreply@tasklane.test>");
    assert_eq!(m.rcpt_to, vec!["<member@example.com>".to_owned()]);
    let headers = m.data.split("\n\n").next().unwrap_or_default();
    assert!(headers.contains("To: member@example.com"), "{headers}");
    assert!(
        headers.contains("From: Tasklane <noreply@tasklane.test>"),
        "{headers}"
    );
    assert!(
        headers.contains("Subject: You were assigned: Ship it"),
        "{headers}"
    );
    assert!(headers.contains("multipart/alternative"), "{headers}");
    assert!(
        m.data.contains("Content-Type: text/plain; charset=utf-8"),
        "{}",
        m.data
    );
    assert!(
        m.data.contains("Content-Type: text/html; charset=utf-8"),
        "{}",
        m.data
    );
    assert!(m.data.contains("Hi Mo Member,"), "{}", m.data);
}

#[tokio::test]
async fn smtp_refusal_is_a_failed_delivery_that_is_retried() {
    let e = env().await;
    // Nothing listens on this port once the listener is dropped.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let smtp =
        SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}"), "noreply@tasklane.test").unwrap();
    let err = smtp
        .send(
            &Email::parse("x@example.com").unwrap(),
            &EmailMessage {
                subject: "s".into(),
                text: "t".into(),
                html: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Transport(_)), "{err}");

    e.task("Unreachable relay", &[&e.member], &e.admin).await;
    let worker = e.worker(Arc::new(smtp));
    worker.run_once().await.unwrap();
    assert_eq!(worker.retrying(), 1);
    assert!(e.pending().await.iter().any(|c| c.pk.starts_with("TASK#")));
}

// --- webhooks ---------------------------------------------------------------

impl Env {
    async fn webhook(&self, url: &str, events: &[domain::EventKind]) -> domain::Webhook {
        self.store
            .create_webhook(domain::NewWebhook {
                url: domain::WebhookUrl::parse(url).unwrap(),
                events: events.iter().copied().collect(),
                created_by: self.admin.id,
            })
            .await
            .unwrap()
    }

    async fn hook_now(&self, id: domain::WebhookId) -> domain::Webhook {
        self.store
            .list_webhooks()
            .await
            .unwrap()
            .into_iter()
            .find(|h| h.id == id)
            .unwrap()
    }
}

#[tokio::test]
async fn webhook_that_fails_then_recovers_gets_the_event_exactly_once_signed() {
    let e = env().await;
    let rx = receiver::receiver(&[500, 503, 200]).await;
    let hook = e
        .webhook(&rx.url("/hook"), &[domain::EventKind::Assigned])
        .await;
    // Not subscribed to assignments: must never hear of this one.
    let other = receiver::receiver(&[200]).await;
    e.webhook(&other.url("/other"), &[domain::EventKind::Commented])
        .await;
    let title = "<!channel> & <b>ship</b>";
    let t = e.task(title, &[&e.member], &e.admin).await;
    let worker = e.worker(e.mailbox.clone());

    // Down: the mail goes out, the change stays for the webhook's sake.
    worker.run_once().await.unwrap();
    assert_eq!(rx.requests().len(), 1);
    assert_eq!(e.mail_to(&e.member).await.len(), 1);
    assert_eq!(worker.retrying(), 1);
    let status = e.hook_now(hook.id).await.last_delivery.unwrap();
    assert_eq!((status.http_status, status.attempts), (Some(500), 1));
    assert_eq!(status.error.as_deref(), Some("HTTP 500"));

    worker.run_once().await.unwrap();
    let status = e.hook_now(hook.id).await.last_delivery.unwrap();
    assert_eq!((status.http_status, status.attempts), (Some(503), 2));

    // Recovered: delivered once, acknowledged, and nothing is repeated.
    worker.run_once().await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(worker.retrying(), 0);
    let got = rx.requests();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got.iter().filter(|r| r.answered == Some(200)).count(),
        1,
        "exactly one successful delivery"
    );
    assert_eq!(e.mail_to(&e.member).await.len(), 1, "no second mail");
    assert!(other.requests().is_empty());
    let status = e.hook_now(hook.id).await.last_delivery.unwrap();
    assert_eq!((status.http_status, status.attempts), (Some(200), 3));
    assert!(status.ok());

    // The same event each time, signed with the hook's secret.
    let last = got.last().unwrap();
    assert_eq!(last.path, "/hook");
    receiver::assert_signed(last, &hook.secret);
    assert_eq!(got[0].json()["id"], last.json()["id"]);
    let body = last.json();
    assert_eq!(body["type"], "ASSIGNED");
    assert_eq!(body["task"]["id"], t.id.to_string());
    assert_eq!(body["task"]["title"], title);
    assert_eq!(body["task"]["status"], "OPEN");
    assert_eq!(body["task"]["url"], format!("{BASE_URL}/tasks/{}", t.id));
    assert_eq!(body["actor"]["name"], "Ada Admin");
    assert_eq!(body["actor"]["id"], e.admin.id.to_string());
    assert!(body["at"].as_str().unwrap().contains('T'));
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("&lt;!channel&gt; &amp; &lt;b&gt;ship&lt;/b&gt;"),
        "{text}"
    );
    assert!(text.contains("Mo Member"), "{text}");
    assert!(
        !text.contains("<!channel>") && !text.contains("<b>"),
        "{text}"
    );
    assert!(text.ends_with(&format!("<{BASE_URL}/tasks/{}|Open task>", t.id)));
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_without_holding_up_mail() {
    let e = env().await;
    let rx = receiver::receiver(&[0]).await;
    let hook = e
        .webhook(&rx.url("/slow"), &[domain::EventKind::Assigned])
        .await;
    let mut config = config();
    config.webhook_timeout = std::time::Duration::from_millis(300);
    let worker = e.worker_with(e.mailbox.clone(), e.store.clone(), config);
    e.task("First", &[&e.member], &e.admin).await;
    e.task("Second", &[&e.member], &e.admin).await;
    worker.run_once().await.unwrap();
    assert_eq!(e.mail_to(&e.member).await.len(), 2, "both mails went out");
    assert_eq!(rx.requests().len(), 2);
    let status = e.hook_now(hook.id).await.last_delivery.unwrap();
    assert_eq!(status.http_status, None);
    assert!(status.error.unwrap().contains("no answer"));
    assert_eq!(worker.retrying(), 2);
    // Deleting the webhook ends the retries: nothing is left to deliver.
    e.store.delete_webhook(hook.id).await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(worker.retrying(), 0);
    assert_eq!(rx.requests().len(), 2);
}

#[tokio::test]
async fn redirects_are_not_followed_and_guarded_addresses_are_not_reached() {
    use notifier::webhook::WebhookSender;
    let e = env().await;
    let rx = receiver::receiver(&[302]).await;
    let hook = e
        .webhook(&rx.url("/moved"), &[domain::EventKind::Assigned])
        .await;
    let body = serde_json::json!({ "text": "hi" });
    let now = time::OffsetDateTime::now_utc();
    let open = WebhookSender::new(std::time::Duration::from_secs(5), true);
    let err = open.post(&hook, &body, now).await.unwrap_err();
    assert_eq!((err.status, err.reason.as_str()), (Some(302), "HTTP 302"));
    assert_eq!(rx.requests().len(), 1, "the Location was not followed");

    // A server not on loopback itself (the Lambda, a shared host) reaches
    // no loopback receiver, by IP literal or by name.
    let guarded = WebhookSender::new(std::time::Duration::from_secs(5), false);
    let err = guarded.post(&hook, &body, now).await.unwrap_err();
    assert_eq!(err.status, None);
    let by_name = e
        .webhook(
            &format!("https://localhost:{}/x", rx.port),
            &[domain::EventKind::Assigned],
        )
        .await;
    let err = guarded.post(&by_name, &body, now).await.unwrap_err();
    assert!(err.reason.contains("may not reach"), "{}", err.reason);
    assert_eq!(rx.requests().len(), 1);
}
