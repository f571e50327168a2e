//! The vocabulary of tasklane, shared by every other crate.
//!
//! This crate exists so that the server, the background notifier and the
//! browser bundle (compiled to wasm32) agree on one definition of what a
//! valid task, user or notification is, and on one set of rules for who may
//! do what. Because the browser compiles it too, it stays pure: no I/O, no
//! clocks, no randomness. Callers pass timestamps and ids in; the `store`
//! crate mints ids.
//!
//! Validated values are newtypes whose only constructor is `parse` (serde
//! goes through `parse` too), so holding a [`TaskTitle`] is proof that it was
//! checked; nothing downstream re-validates or panics on bad input.

pub mod agenda;
mod assignees;
mod checklist;
pub mod due;
mod edit;
mod ids;
pub mod invite;
pub mod mention;
#[macro_use]
mod model;
mod labels;
pub mod policy;
mod projects;
mod recurrence;
pub mod search;
mod text;
pub mod webhook;

pub use assignees::{check_assignees, AssigneeChange, AssigneeError, MAX_ASSIGNEES};
pub use checklist::{CheckItem, Checklist, Progress, MAX_CHECKLIST};
pub use due::{is_due_this_week, is_overdue, parse_due};
pub use edit::TaskEdit;
pub use ids::{
    CommentId, LabelId, NotificationId, ParseIdError, ProjectId, TaskId, UserId, WebhookId,
};
pub use invite::{admit, Invitation, Refusal, SignupMode, INVITE_TTL, MAX_PENDING_INVITATIONS};
pub use labels::{check_labels, Label, LabelColor, Swatch, MAX_DEFINED_LABELS, MAX_LABELS};
pub use model::{
    Activity, ActivityChange, CalendarFeed, Comment, DueDate, EventKind, EventPrefs,
    MailSuppressed, NewNotification, NewProfile, NewTask, Notification, NotificationPrefs,
    ParseEnumError, Priority, ProfilePatch, Role, Status, SuppressionReason, Task, TaskField,
    TaskPatch, TaskSummary, UserProfile,
};
pub use policy::{
    authorize, check_transition, Action, Actor, Denied, TaskRelation, TransitionError,
};
pub use projects::{check_archive, pickable, ArchiveError, Project, MAX_PROJECTS};
pub use recurrence::{
    check_recurrence, weekday_short, Recurrence, RepeatRule, RepeatUnit, Weekdays,
};
pub use text::{
    CheckText, CommentBody, Description, DisplayName, Email, LabelName, ProjectName, TaskTitle,
    ValidationError,
};
pub use webhook::{
    NewWebhook, Webhook, WebhookDelivery, WebhookUrl, WebhookUrlError, MAX_WEBHOOKS,
};

/// Calendar dates and instants as used on the wire: `YYYY-MM-DD` dates and
/// RFC 3339 timestamps, so JSON stays readable and sortable.
pub mod serde_fmt {
    time::serde::format_description!(pub date, Date, "[year]-[month]-[day]");

    /// A map whose values are instants, each as RFC 3339 text.
    pub mod instant_map {
        use std::collections::BTreeMap;

        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use time::OffsetDateTime;

        #[derive(Serialize, Deserialize)]
        struct At(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);

        pub fn serialize<K: Serialize, S: Serializer>(
            m: &BTreeMap<K, OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_map(m.iter().map(|(k, v)| (k, At(*v))))
        }

        pub fn deserialize<'de, K, D>(d: D) -> Result<BTreeMap<K, OffsetDateTime>, D::Error>
        where
            K: Deserialize<'de> + Ord,
            D: Deserializer<'de>,
        {
            let m = BTreeMap::<K, At>::deserialize(d)?;
            Ok(m.into_iter().map(|(k, v)| (k, v.0)).collect())
        }
    }
}
