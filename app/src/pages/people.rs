//! Team and roles, the dashboard, the profile and the notification list.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::{Role, Status};

use leptos::server_fn::ServerFn;

use super::common::{action_error, query_string, FormAlert, LoadError, Saved};
use crate::dashboard::{dashboard, DashboardStats};
use crate::invites::{invitations, Invite, ResendInvitation, RevokeInvitation};
use crate::islands::LiveForms;
use crate::notifications::{notifications, MarkRead};
use crate::profile::{
    event_label, my_profile, pref_field, CreateCalendarFeed, RevokeCalendarFeed, UpdateProfile,
};
use crate::team::{team, ChangeRole, SetActive};

#[component]
pub fn TeamPage() -> impl IntoView {
    let query = use_query_map();
    let after = Memo::new(move |_| query.read().get("after").unwrap_or_default());
    // Read for their errors only: a failed form post redirects back here.
    let change = ServerAction::<ChangeRole>::new();
    let activate = ServerAction::<SetActive>::new();
    let err = Signal::derive(move || {
        action_error(change.value().get()).or_else(|| action_error(activate.value().get()))
    });
    let data = Resource::new(move || after.get(), |a| team((!a.is_empty()).then_some(a)));
    view! {
        <Title text="Team" />
        <h1>"Team"</h1>
        <LiveForms>
        <FormAlert message=err />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(t) => {
                        let last_admin = t.admins <= 1;
                        view! {
                            <p class="muted">{format!("{} admin{}.", t.admins, if t.admins == 1 { "" } else { "s" })}
                                {last_admin.then_some(" The last admin cannot be demoted or deactivated: promote someone else first.")}
                            </p>
                            <ul class="rows card" role="list" data-testid="team">
                                {t.members.into_iter().map(|m| {
                                    let is_admin = m.person.role == Role::Admin;
                                    let guarded = is_admin && m.active && last_admin;
                                    let active = m.active;
                                    let (id, version) = (m.person.id.clone(), m.version.to_string());
                                    let target = if is_admin { Role::Member } else { Role::Admin };
                                    view! {
                                        <li class="row-item" data-testid="member" data-email=m.person.email.clone() data-active=active.to_string()>
                                            <span><strong>{m.person.name.clone()}</strong> {m.is_me.then_some(" (you)")}
                                                <br /><span class="muted small">{m.person.email.clone()}</span></span>
                                            <span class="badge" data-testid="role">{if is_admin { "Admin" } else { "Member" }}</span>
                                            {(!active).then(|| view! { <span class="badge muted" data-testid="deactivated">"Deactivated"</span> })}
                                            {m.mail_suppressed.map(|reason| {
                                                let (label, why) = if reason == "complaint" {
                                                    ("Email stopped", "They marked a message as spam, so no more email is sent to them. In-app notifications continue.")
                                                } else {
                                                    ("Email bounced", "Their address rejected our mail, so no more email is sent to it. In-app notifications continue.")
                                                };
                                                view! { <span class="badge warn" data-testid="mail-suppressed" title=why>{label}</span> }
                                            })}
                                            <form method="post" action=ChangeRole::url() class="inline">
                                                <input type="hidden" name="user" value=m.person.id.clone() />
                                                <input type="hidden" name="version" value=m.version.to_string() />
                                                <input type="hidden" name="role" value=target.as_str() />
                                                <button type="submit" class="secondary small" data-testid="toggle-role" disabled=guarded
                                                    title=guarded.then_some("The last admin cannot be demoted")
                                                    aria-describedby=guarded.then_some("last-admin-note")>
                                                    {if is_admin { "Make member" } else { "Make admin" }}
                                                </button>
                                            </form>
                                            {(!m.is_me).then(|| view! {
                                                <form method="post" action=SetActive::url() class="inline">
                                                    <input type="hidden" name="user" value=id />
                                                    <input type="hidden" name="version" value=version />
                                                    <input type="hidden" name="active" value=(!active).to_string() />
                                                    <button type="submit" class="secondary small" data-testid="toggle-active" disabled=guarded>
                                                        {if active { "Deactivate" } else { "Reactivate" }}
                                                    </button>
                                                </form>
                                            })}
                                            {guarded.then(|| view! { <span id="last-admin-note" class="muted small">"Last admin"</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {t.next.map(|n| view! { <a class="button secondary" href=format!("/team{}", query_string(&[("after", &n)]))>"More people"</a> })}
                        }.into_any()
                    }
                    Err(e) => view! { <LoadError error=e here="/team" /> }.into_any(),
                }
            })}
        </Transition>
        </LiveForms>
        <Invitations />
    }
}

/// The Team page's invitations: invite by email, and the pending ones with
/// their expiry, to re-send or revoke.
#[component]
fn Invitations() -> impl IntoView {
    let create = ServerAction::<Invite>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let err = Signal::derive(move || {
        action_error(create.value().get())
            .or_else(|| action_error(resend.value().get()))
            .or_else(|| action_error(revoke.value().get()))
    });
    let data = Resource::new(|| (), |_| invitations());
    view! {
        <section class="card" aria-labelledby="invites-title" data-testid="invitations">
            <h2 id="invites-title">"Invitations"</h2>
            <LiveForms>
            <FormAlert message=err />
            <form method="post" action=Invite::url() class="inline" data-testid="invite-form">
                <label for="invite-email">"Email"</label>
                <input id="invite-email" type="email" name="email" required maxlength="254" autocomplete="off" />
                <button type="submit">"Invite"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! {
                            <p class="muted small" data-testid="signup-mode" data-mode=p.signup.clone()>
                                {if p.signup == "invite" {
                                    "Sign-up is by invitation: only invited addresses can join. Each link works for 7 days."
                                } else {
                                    "Sign-up is open: anyone who reaches this server can join; an invitation sends them the link. Each link works for 7 days."
                                }}
                            </p>
                            {if p.invitations.is_empty() {
                                view! { <p class="muted" data-testid="no-invitations">"No pending invitations."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="rows" role="list" data-testid="pending-invitations">
                                        {p.invitations.into_iter().map(|i| view! {
                                            <li class="row-item" data-testid="pending-invitation" data-email=i.email.clone() data-expired=i.expired.to_string()>
                                                <span><strong>{i.email.clone()}</strong>
                                                    <br /><span class="muted small">{format!("Invited by {} on {}; ", i.inviter, i.sent_at)}
                                                    {if i.expired { "expired on " } else { "expires " }}{i.expires_at.clone()}</span></span>
                                                {i.expired.then(|| view! { <span class="badge warn" data-testid="invitation-expired">"Expired"</span> })}
                                                <form method="post" action=ResendInvitation::url() class="inline">
                                                    <input type="hidden" name="email" value=i.email.clone() />
                                                    <input type="hidden" name="version" value=i.version.to_string() />
                                                    <button type="submit" class="secondary small" data-testid="resend-invitation">"Re-send"</button>
                                                </form>
                                                <form method="post" action=RevokeInvitation::url() class="inline">
                                                    <input type="hidden" name="email" value=i.email.clone() />
                                                    <button type="submit" class="secondary small" data-testid="revoke-invitation">"Revoke"</button>
                                                </form>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e here="/team" /> }.into_any(),
                    }
                })}
            </Transition>
            </LiveForms>
        </section>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let project = move || query.read().get("project").unwrap_or_default();
    let data = Resource::new(project, dashboard);
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <Transition fallback=|| view! { <p class="muted">"Counting…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <DashboardBody d=d /> }.into_any(),
                    Err(e) => view! { <LoadError error=e here="/dashboard" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The bar's class: colours live in the stylesheet, because the page's
/// Content-Security-Policy allows no inline styles.
fn status_bar(s: Status) -> &'static str {
    match s {
        Status::Open => "bar bar-open",
        Status::InProgress => "bar bar-in_progress",
        Status::Blocked => "bar bar-blocked",
        Status::InReview => "bar bar-in_review",
        Status::Done => "bar bar-done",
    }
}

/// Bar lengths scaled to the largest value, so the chart is right for one
/// task or a million: counts are printed, bars only compare.
fn scale(v: u32, max: u32, width: f64) -> f64 {
    if max == 0 {
        0.0
    } else {
        (v as f64 / max as f64) * width
    }
}

#[component]
fn DashboardBody(d: DashboardStats) -> impl IntoView {
    let max = d.by_status.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let row_h = 34.0;
    let bar_w = 220.0;
    let h = row_h * d.by_status.len() as f64 + 8.0;
    let wl_max = d.workload.iter().map(|w| w.open).max().unwrap_or(0);
    let wl_h = (row_h * d.workload.len() as f64 + 8.0).max(row_h);
    let current = d.project.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    // Links keep the project: the board and the CSV of the same scope.
    let scoped = |path: &str, extra: &str| match (&d.project, extra) {
        (Some(p), "") => format!("{path}?project={}", p.id),
        (Some(p), extra) => format!("{path}?project={}&{extra}", p.id),
        (None, "") => path.to_owned(),
        (None, extra) => format!("{path}?{extra}"),
    };
    let csv = scoped("/export/tasks.csv", "");
    let csv_text = match &d.project {
        Some(p) => format!("Export the tasks of {} as CSV", p.name),
        None => "Export all tasks as CSV".to_owned(),
    };
    view! {
        <form method="get" action="/dashboard" class="row filters" data-testid="dashboard-project">
            <label for="dash-project">"Project"</label>
            <select id="dash-project" name="project">
                <option value="" selected=current.is_empty()>"All projects"</option>
                {d.projects.iter().map(|p| view! {
                    <option value=p.id.clone() selected=p.id == current>{p.name.clone()}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="secondary small">"Show"</button>
        </form>
        <div class="stats">
            <a class="stat card" href=scoped("/board", "") data-testid="stat-total"><span class="num">{d.total}</span><span>"tasks"</span></a>
            <a class="stat card" href=scoped("/board", "due=overdue") data-testid="stat-overdue"><span class="num late">{d.overdue}</span><span>"overdue"</span></a>
            <a class="stat card" href=scoped("/board", "due=week") data-testid="stat-week"><span class="num">{d.due_this_week}</span><span>"due within 7 days"</span></a>
            <div class="stat card" data-testid="stat-unassigned"><span class="num">{d.unassigned_open}</span><span>{if d.project.is_some() { "open and unassigned (all projects)" } else { "open and unassigned" }}</span></div>
        </div>
        <section class="card" aria-labelledby="by-status-title">
            <h2 id="by-status-title">"Tasks by status"</h2>
            <svg class="chart" viewBox=format!("0 0 400 {h}") role="img" aria-labelledby="by-status-title by-status-desc" data-testid="chart-status">
                <desc id="by-status-desc">{d.by_status.iter().map(|(s, n)| format!("{}: {n}", s.label())).collect::<Vec<_>>().join(", ")}</desc>
                {d.by_status.iter().enumerate().map(|(i, (s, n))| {
                    let y = 4.0 + i as f64 * row_h;
                    let w = scale(*n, max, bar_w);
                    view! {
                        <g data-status=s.as_str() data-count=n.to_string()>
                            <text x="0" y=y + 21.0 class="label">{s.label()}</text>
                            <rect x="110" y=y + 6.0 width=format!("{w:.1}") height="20" rx="4" class=status_bar(*s) />
                            <text x=format!("{:.1}", 116.0 + w) y=y + 21.0 class="value">{n.to_string()}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </section>
        <section class="card" aria-labelledby="workload-title">
            <h2 id="workload-title">{if d.project.is_some() { "Open tasks per person (all projects)" } else { "Open tasks per person" }}</h2>
            {if d.workload.is_empty() {
                view! { <p class="muted">"No open task is assigned to anyone."</p> }.into_any()
            } else {
                view! {
                    <svg class="chart" viewBox=format!("0 0 400 {wl_h}") role="img" aria-labelledby="workload-title workload-desc" data-testid="chart-workload">
                        <desc id="workload-desc">{d.workload.iter().map(|w| format!("{}: {} open", w.name, w.open)).collect::<Vec<_>>().join("; ")}</desc>
                        {d.workload.iter().enumerate().map(|(i, w)| {
                            let y = 4.0 + i as f64 * row_h;
                            let open = scale(w.open, wl_max, bar_w);
                            let name: String = w.name.chars().take(16).collect();
                            // Each bar opens that person's board (every
                            // project: the counts are team-wide).
                            view! {
                                <a href=format!("/board?assignee={}", w.id)>
                                    <g data-count=w.open.to_string()>
                                        <text x="0" y=y + 21.0 class="label">{name}</text>
                                        <rect x="110" y=y + 6.0 width=format!("{open:.1}") height="20" rx="4" class="bar bar-in_progress" />
                                        <text x=format!("{:.1}", 116.0 + open) y=y + 21.0 class="value">{w.open.to_string()}</text>
                                    </g>
                                </a>
                            }
                        }).collect_view()}
                    </svg>
                    {(d.more_people > 0).then(|| view! {
                        <p class="muted" data-testid="workload-more">{format!("And {} more {} with open tasks.", d.more_people, if d.more_people == 1 { "person" } else { "people" })}</p>
                    })}
                }.into_any()
            }}
        </section>
        <p><a class="button secondary" href=csv download="tasklane-tasks.csv" data-testid="csv-link">{csv_text}</a></p>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let save = ServerAction::<UpdateProfile>::new();
    let create = ServerAction::<CreateCalendarFeed>::new();
    let revoke = ServerAction::<RevokeCalendarFeed>::new();
    let err = Signal::derive(move || action_error(save.value().get()));
    let feed_err = Signal::derive(move || {
        action_error(create.value().get()).or_else(|| action_error(revoke.value().get()))
    });
    let data = Resource::new(|| (), |_| my_profile());
    view! {
        <Title text="Profile" />
        <h1>"Profile and settings"</h1>
        <LiveForms>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! {
                        <section class="card narrow-wide">
                            <form method="post" action=UpdateProfile::url() class="stack" data-testid="profile-form">
                                <input type="hidden" name="version" value=p.version.to_string() />
                                <p class="muted">{p.person.email.clone()} " · " {if p.person.role == Role::Admin { "Admin" } else { "Member" }}</p>
                                <label for="p-name">"Display name"</label>
                                <input id="p-name" name="display_name" required maxlength="80" value=p.person.name.clone() />
                                <h2>"Notifications"</h2>
                                <table class="prefs">
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"Email"</th><th scope="col">"In the app"</th></tr></thead>
                                    <tbody>
                                        {p.prefs.iter().map(|(k, email, app)| {
                                            let label = event_label(*k);
                                            view! {
                                                <tr>
                                                    <th scope="row">{label}</th>
                                                    <td><input type="checkbox" name=format!("prefs[{}]", pref_field(*k, "email")) checked=*email aria-label=format!("{label}: email") /></td>
                                                    <td><input type="checkbox" name=format!("prefs[{}]", pref_field(*k, "app")) checked=*app aria-label=format!("{label}: in the app") /></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <FormAlert message=err />
                                <Saved />
                                <div><button type="submit">"Save"</button></div>
                            </form>
                        </section>
                        <section class="card narrow-wide stack" id="calendar" aria-labelledby="calendar-title" data-testid="calendar">
                            <h2 id="calendar-title">"Calendar feed"</h2>
                            <p class="muted">"A private address your calendar app can subscribe to: your tasks' due dates as all-day events. Anyone with the address can read it; regenerate or revoke it if it leaks."</p>
                            {match p.calendar.clone() {
                                Some(c) => view! {
                                    <p>{if c.all_tasks { "Every open task with a due date" } else { "Your tasks with a due date" }} " · made " {c.created_at.clone()}</p>
                                    {c.url.clone().map(|u| view! {
                                        <label for="calendar-url">"Your feed address (shown once; copy it now)"</label>
                                        <input id="calendar-url" readonly data-testid="calendar-url" prop:value=u.clone() value=u />
                                    })}
                                }.into_any(),
                                None => view! { <p>"You have no calendar feed."</p> }.into_any(),
                            }}
                            <form method="post" action=CreateCalendarFeed::url() class="stack">
                                <input type="hidden" name="version" value=p.version.to_string() />
                                {(p.person.role == Role::Admin).then(|| view! {
                                    <label class="check"><input type="checkbox" name="all_tasks" /> "All open tasks, not only mine"</label>
                                })}
                                <div><button type="submit">{if p.calendar.is_some() { "Regenerate the address" } else { "Create a feed address" }}</button></div>
                            </form>
                            {p.calendar.is_some().then(|| view! {
                                <form method="post" action=RevokeCalendarFeed::url() class="inline">
                                    <input type="hidden" name="version" value=p.version.to_string() />
                                    <button type="submit" class="secondary">"Revoke the feed"</button>
                                </form>
                            })}
                            <FormAlert message=feed_err />
                        </section>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e here="/profile" /> }.into_any(),
                }
            })}
        </Transition>
        </LiveForms>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let after = Memo::new(move |_| query.read().get("after").unwrap_or_default());
    let mark = ServerAction::<MarkRead>::new();
    let err = Signal::derive(move || action_error(mark.value().get()));
    let data = Resource::new(
        move || after.get(),
        |a| notifications((!a.is_empty()).then_some(a)),
    );
    view! {
        <Title text="Notifications" />
        <LiveForms>
        <div class="page-head">
            <h1>"Notifications"</h1>
            <form method="post" action=MarkRead::url() class="inline">
                <input type="hidden" name="id" value="all" />
                <button type="submit" class="secondary small">"Mark all read"</button>
            </form>
        </div>
        <FormAlert message=err />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(inbox) if inbox.items.is_empty() => view! { <p class="card muted">"No notifications."</p> }.into_any(),
                    Ok(inbox) => view! {
                        <ul class="rows card" role="list" data-testid="notifications">
                            {inbox.items.into_iter().map(|n| view! {
                                <li class="row-item" class:unread=!n.read data-testid="notification">
                                    <span>
                                        {match n.task_id.clone() {
                                            Some(t) => view! { <a href=format!("/tasks/{t}")>{n.message.clone()}</a> }.into_any(),
                                            None => view! { <span>{n.message.clone()}</span> }.into_any(),
                                        }}
                                        <br /><span class="muted small">{n.at.clone()}</span>
                                    </span>
                                    {(!n.read).then(|| view! {
                                        <form method="post" action=MarkRead::url() class="inline">
                                            <input type="hidden" name="id" value=n.id.clone() />
                                            <button type="submit" class="secondary small">"Mark read"</button>
                                        </form>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                        {inbox.next.map(|n| view! { <a class="button secondary" href=format!("/notifications{}", query_string(&[("after", &n)]))>"Older"</a> })}
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e here="/notifications" /> }.into_any(),
                }
            })}
        </Transition>
        </LiveForms>
    }
}
