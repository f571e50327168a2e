//! Server functions about people rather than tasks: the team and roles,
//! the admin dashboard, the user's own profile and notifications.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use domain::{EventKind, Role, Status};

use crate::tasks::Person;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub person: Person,
    pub version: u64,
    pub is_me: bool,
    pub active: bool,
    /// Why no email reaches this person (`bounce`, `complaint`), if SES
    /// reported their address.
    pub mail_suppressed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<TeamMember>,
    pub next: Option<String>,
    /// How many active admins there are, so the page can show the last-admin
    /// guard instead of letting someone discover it by failing.
    pub admins: u32,
}

/// Everyone, ordered by email (admins).
#[server(endpoint = "team/list")]
pub async fn team(#[server(default)] after: Option<String>) -> Result<TeamPage, ServerFnError> {
    use crate::guard::{actor_for, all_pages, ctx, store_error};
    use domain::Action;
    let (session, _) = actor_for(Action::ListUsers).await?;
    let ctx = ctx()?;
    let first_page = after.as_deref().is_none_or(str::is_empty);
    let page = ctx
        .store
        .list_users(crate::guard::page(100, after)?)
        .await
        .map_err(|e| store_error(e, "User"))?;
    let count =
        |users: &[domain::UserProfile]| users.iter().filter(|u| u.is_active_admin()).count() as u32;
    // The last-admin guard needs the admins of the whole team: the page is
    // enough when it is the whole team, else every profile is read (one
    // query per 500 people, on an admin-only page).
    let admins = if first_page && page.next.is_none() {
        count(&page.items)
    } else {
        count(
            &all_pages(|p| ctx.store.list_users(p))
                .await
                .map_err(|e| store_error(e, "User"))?,
        )
    };
    Ok(TeamPage {
        members: page
            .items
            .iter()
            .map(|u| TeamMember {
                person: crate::tasks::view::person(u),
                version: u.version,
                is_me: u.id == session.user,
                active: u.active,
                mail_suppressed: u.mail_suppressed.map(|m| m.reason.as_str().to_owned()),
            })
            .collect(),
        next: page.next.map(|c| c.to_string()),
        admins,
    })
}

/// What both Team page actions start with: an admin caller, and the target
/// profile exactly as the page showed it (the form's `version`), so acting
/// on a stale list is a 409 instead of a surprise.
#[cfg(feature = "ssr")]
async fn team_target(
    user: &str,
    version: u64,
) -> Result<
    (
        crate::ssr::ServerContext,
        domain::Actor,
        domain::UserProfile,
    ),
    ServerFnError,
> {
    use crate::guard::{actor_for, ctx, fail, store_error, user_id};
    let (_, actor) = actor_for(domain::Action::ManageRoles).await?;
    let ctx = ctx()?;
    let current = ctx
        .store
        .get_profile(user_id(user)?)
        .await
        .map_err(|e| store_error(e, "User"))?;
    if current.version != version {
        return Err(fail(
            http::StatusCode::CONFLICT,
            "This person was changed by someone else. The list has been reloaded: check it and try again.",
        ));
    }
    Ok((ctx, actor, current))
}

#[cfg(feature = "ssr")]
fn team_change_error(e: auth::roles::RoleChangeError) -> ServerFnError {
    if e.status() >= 500 {
        tracing::error!(error = %e, "team change failed");
    }
    crate::guard::fail(
        http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        e.public_message(),
    )
}

/// Promotes or demotes someone (admins), through
/// [`auth::roles::change_role`], which keeps the store's profile and the
/// identity provider's group in agreement.
#[server(endpoint = "team/role")]
pub async fn change_role(user: String, version: u64, role: Role) -> Result<(), ServerFnError> {
    let (ctx, actor, current) = team_target(&user, version).await?;
    if current.role == role {
        return Ok(());
    }
    let (store, provider) = (ctx.store.as_ref(), ctx.auth.provider.as_ref());
    auth::roles::change_role(store, provider, actor, current.id, role)
        .await
        .map_err(team_change_error)?;
    Ok(())
}

/// Deactivates or reactivates someone (admins), through
/// [`auth::roles::change_active`]: a deactivated person cannot sign in or
/// act, their sessions end, and they get no notifications; their name stays
/// on what they did.
#[server(endpoint = "team/active")]
pub async fn set_active(user: String, version: u64, active: bool) -> Result<(), ServerFnError> {
    let (ctx, actor, current) = team_target(&user, version).await?;
    let (store, provider) = (ctx.store.as_ref(), ctx.auth.provider.as_ref());
    auth::roles::change_active(store, provider, actor, current.id, active)
        .await
        .map_err(team_change_error)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub name: String,
    pub open: u32,
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub total: u32,
    pub by_status: Vec<(Status, u32)>,
    pub overdue: u32,
    pub due_this_week: u32,
    pub unassigned_open: u32,
    pub workload: Vec<Workload>,
}

/// Counts over every task (admins). Reads each status column to the end:
/// correct for any number of tasks, at one query per 500 tasks.
#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardStats, ServerFnError> {
    use std::collections::HashMap;

    use crate::guard::{actor_for, all_pages, ctx, store_error, today};
    use domain::{Action, UserId};
    let _ = actor_for(Action::ViewDashboard).await?;
    let ctx = ctx()?;
    let store = ctx.store.as_ref();
    let today = today();
    let week_end = today + time::Duration::days(7);
    let dir = crate::tasks::view::Directory::load(store).await?;
    let mut d = DashboardStats {
        total: 0,
        by_status: Vec::new(),
        overdue: 0,
        due_this_week: 0,
        unassigned_open: 0,
        workload: Vec::new(),
    };
    let mut load: HashMap<UserId, (u32, u32)> = HashMap::new();
    for s in Status::ALL {
        let tasks = all_pages(|p| store.list_tasks_by_status(*s, p))
            .await
            .map_err(|e| store_error(e, "Task"))?;
        d.by_status.push((*s, tasks.len() as u32));
        d.total += tasks.len() as u32;
        if !s.is_open() {
            continue;
        }
        for t in &tasks {
            let late = matches!(t.due, Some(due) if due < today);
            if late {
                d.overdue += 1;
            }
            if matches!(t.due, Some(due) if due >= today && due <= week_end) {
                d.due_this_week += 1;
            }
            if t.assignees.is_empty() {
                d.unassigned_open += 1;
            }
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
    Ok(d)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub person: Person,
    pub version: u64,
    /// (kind, email, in-app) for every event kind, in a fixed order.
    pub prefs: Vec<(EventKind, bool, bool)>,
}

#[server(endpoint = "profile/get")]
pub async fn my_profile() -> Result<Profile, ServerFnError> {
    use crate::guard::{ctx, store_error};
    use crate::session::require_user;
    let session = require_user().await?;
    let ctx = ctx()?;
    let p = ctx
        .store
        .get_profile(session.user)
        .await
        .map_err(|e| store_error(e, "Profile"))?;
    Ok(Profile {
        person: crate::tasks::view::person(&p),
        version: p.version,
        prefs: EventKind::ALL
            .iter()
            .map(|k| {
                let e = p.prefs.get(*k);
                (*k, e.email, e.in_app)
            })
            .collect(),
    })
}

/// The form field for one preference, e.g. `ASSIGNED_email`.
pub fn pref_field(kind: EventKind, channel: &str) -> String {
    format!("{}_{channel}", kind.as_str())
}

pub fn event_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Assigned => "A task is assigned to me",
        EventKind::Unassigned => "I am unassigned from a task",
        EventKind::StatusChanged => "A task of mine changes status",
        EventKind::Commented => "Someone comments on a task of mine",
        EventKind::DueSoon => "A task of mine is due soon",
        EventKind::Overdue => "A task of mine is overdue",
    }
}

/// Saves the display name and preferences. Checkboxes arrive only when
/// ticked, so the form's fields are read as a map.
#[server(endpoint = "profile/update")]
pub async fn update_profile(
    version: u64,
    display_name: String,
    #[server(default)] prefs: std::collections::HashMap<String, String>,
) -> Result<(), ServerFnError> {
    use crate::guard::{bad_request, ctx, fail, store_error};
    use crate::session::require_user;
    use domain::{Action, DisplayName, EventPrefs, NotificationPrefs, ProfilePatch, TaskRelation};
    let session = require_user().await?;
    domain::authorize(
        session.actor(),
        Action::EditProfile {
            owner: session.user,
        },
        TaskRelation::NoTask,
    )
    .map_err(crate::guard::denied)?;
    let ctx = ctx()?;
    let name = DisplayName::parse(&display_name).map_err(|e| bad_request(e.to_string()))?;
    if prefs.len() > 2 * EventKind::ALL.len() {
        return Err(bad_request("Unknown preference."));
    }
    for k in prefs.keys() {
        let known = EventKind::ALL
            .iter()
            .any(|e| *k == pref_field(*e, "email") || *k == pref_field(*e, "app"));
        if !known {
            return Err(bad_request("Unknown preference."));
        }
    }
    let mut next = NotificationPrefs::default();
    for k in EventKind::ALL {
        next.set(
            *k,
            EventPrefs {
                email: prefs.contains_key(&pref_field(*k, "email")),
                in_app: prefs.contains_key(&pref_field(*k, "app")),
            },
        );
    }
    let current = ctx
        .store
        .get_profile(session.user)
        .await
        .map_err(|e| store_error(e, "Profile"))?;
    if current.version != version {
        return Err(fail(
            http::StatusCode::CONFLICT,
            "Your profile was changed elsewhere. It has been reloaded: check it and save again.",
        ));
    }
    ctx.store
        .update_profile(
            &current,
            &ProfilePatch {
                display_name: Some(name),
                prefs: Some(next),
            },
        )
        .await
        .map_err(|e| store_error(e, "Profile"))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub task_id: Option<String>,
    pub task_title: String,
    pub message: String,
    pub at: String,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<NotificationView>,
    pub next: Option<String>,
}

#[server(endpoint = "notifications/list")]
pub async fn notifications(
    #[server(default)] after: Option<String>,
) -> Result<Inbox, ServerFnError> {
    use crate::guard::{ctx, cursor, store_error, when};
    use crate::session::require_user;
    use store::PageRequest;
    let session = require_user().await?;
    let ctx = ctx()?;
    let page = ctx
        .store
        .list_notifications(session.user, crate::guard::page(30, after)?)
        .await
        .map_err(|e| store_error(e, "Notification"))?;
    Ok(Inbox {
        items: page
            .items
            .iter()
            .map(|n| NotificationView {
                id: n.id.to_string(),
                task_id: n.task_id.map(|t| t.to_string()),
                task_title: n.task_title.clone(),
                message: n.message.clone(),
                at: when(n.created_at),
                read: n.read,
            })
            .collect(),
        next: page.next.map(|c| c.to_string()),
    })
}

/// Unread notifications, for the bell. Counts the newest 100 and says
/// "99+" beyond, which is all a badge needs.
#[server(endpoint = "notifications/unread")]
pub async fn unread_count() -> Result<u32, ServerFnError> {
    use crate::guard::{ctx, store_error};
    use store::PageRequest;
    let Some(session) = crate::session::current_session().await else {
        return Ok(0);
    };
    let ctx = ctx()?;
    let page = ctx
        .store
        .list_notifications(session.user, PageRequest::first(100))
        .await
        .map_err(|e| store_error(e, "Notification"))?;
    Ok(page.items.iter().filter(|n| !n.read).count() as u32)
}

/// Marks one notification read, or all of them when `id` is "all".
#[server(endpoint = "notifications/read")]
pub async fn mark_read(id: String) -> Result<(), ServerFnError> {
    use crate::guard::{bad_request, ctx, fail, store_error};
    use crate::session::require_user;
    use domain::NotificationId;
    use store::PageRequest;
    let session = require_user().await?;
    let ctx = ctx()?;
    let target = match id.as_str() {
        "all" => None,
        raw => Some(NotificationId::parse(raw).map_err(|_| bad_request("Unknown notification."))?),
    };
    let mut req = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let page = ctx
            .store
            .list_notifications(session.user, req)
            .await
            .map_err(|e| store_error(e, "Notification"))?;
        for n in page
            .items
            .iter()
            .filter(|n| target.is_none_or(|t| t == n.id))
        {
            if !n.read {
                ctx.store
                    .mark_notification_read(n)
                    .await
                    .map_err(|e| store_error(e, "Notification"))?;
            }
            if target.is_some() {
                return Ok(());
            }
        }
        match page.next {
            Some(c) => req = PageRequest::after(PageRequest::MAX_LIMIT, c),
            None => break,
        }
    }
    match target {
        Some(_) => Err(fail(http::StatusCode::NOT_FOUND, "Notification not found.")),
        None => Ok(()),
    }
}
