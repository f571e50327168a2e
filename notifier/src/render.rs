//! Email text and HTML from templates (askama: compiled, auto-escaped, so a
//! hostile task title cannot inject markup into the HTML part).

use askama::Template;
use domain::UserId;
use time::{format_description::FormatItem, macros::format_description, Date};

use crate::classify::{Detail, Event};

/// What rendering needs beyond the event: names and where the app lives.
#[derive(Debug, Clone)]
pub struct RenderContext<'a> {
    /// e.g. `https://tasks.example.com`, without a trailing slash.
    pub base_url: &'a str,
    pub recipient: UserId,
    pub recipient_name: &'a str,
    /// The actor's display name; `None` for reminders.
    pub actor_name: Option<&'a str>,
    /// The (un)assigned user's display name, for those events.
    pub subject_name: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "email.txt", escape = "none")]
struct TextEmail<'a> {
    greeting: &'a str,
    headline: &'a str,
    body: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "email.html")]
struct HtmlEmail<'a> {
    greeting: &'a str,
    headline: &'a str,
    body: &'a str,
    link: &'a str,
    title: &'a str,
}

const HUMAN_DATE: &[FormatItem<'static>] =
    format_description!("[weekday], [day padding:none] [month repr:long] [year]");

fn human_date(d: Date) -> String {
    d.format(HUMAN_DATE).unwrap_or_else(|_| d.to_string())
}

/// Renders the email for one recipient.
pub fn render_email(event: &Event, ctx: &RenderContext<'_>) -> EmailMessage {
    let title = event.task_title.as_str();
    let actor = ctx.actor_name.unwrap_or("Someone");
    let you = |u: &UserId| *u == ctx.recipient;
    let subject_name = ctx.subject_name.unwrap_or("a teammate");
    let (subject, headline, body) = match &event.detail {
        Detail::Assigned { user } if you(user) => (
            format!("You were assigned: {title}"),
            format!("{actor} assigned you to “{title}”."),
            String::new(),
        ),
        Detail::Assigned { .. } => (
            format!("{subject_name} was assigned: {title}"),
            format!("{actor} assigned {subject_name} to “{title}”."),
            String::new(),
        ),
        Detail::Unassigned { user } if you(user) => (
            format!("You were unassigned: {title}"),
            format!("{actor} removed you from “{title}”."),
            String::new(),
        ),
        Detail::Unassigned { .. } => (
            format!("{subject_name} was unassigned: {title}"),
            format!("{actor} removed {subject_name} from “{title}”."),
            String::new(),
        ),
        Detail::StatusChanged { from, to } => (
            format!("{title} is now {}", to.label()),
            format!(
                "{actor} moved “{title}” from {} to {}.",
                from.label(),
                to.label()
            ),
            String::new(),
        ),
        Detail::Commented { excerpt, .. } => (
            format!("New comment on {title}"),
            format!("{actor} commented on “{title}”:"),
            excerpt.clone(),
        ),
        Detail::Mentioned { excerpt, .. } => (
            format!("{actor} mentioned you on {title}"),
            format!("{actor} mentioned you in a comment on “{title}”:"),
            excerpt.clone(),
        ),
        Detail::DueSoon { due } => (
            format!("Due soon: {title}"),
            format!("“{title}” is due on {}.", human_date(*due)),
            String::new(),
        ),
        Detail::Overdue { due } => (
            format!("Overdue: {title}"),
            format!(
                "“{title}” was due on {} and is not done yet.",
                human_date(*due)
            ),
            String::new(),
        ),
    };
    let link = format!("{}/tasks/{}", ctx.base_url, event.task_id);
    let greeting = format!("Hi {},", ctx.recipient_name);
    let text = TextEmail {
        greeting: &greeting,
        headline: &headline,
        body: &body,
        link: &link,
    }
    .render()
    .unwrap_or_else(|_| format!("{greeting}\n\n{headline}\n\n{body}\n\n{link}\n"));
    let html = HtmlEmail {
        greeting: &greeting,
        headline: &headline,
        body: &body,
        link: &link,
        title,
    }
    .render()
    .unwrap_or_else(|_| String::new());
    // Subjects are a header: no line breaks may survive from user input.
    let subject = subject.replace(['\r', '\n'], " ");
    EmailMessage {
        subject,
        text,
        html,
    }
}

#[derive(Template)]
#[template(path = "invitation.txt", escape = "none")]
struct InvitationText<'a> {
    inviter: &'a str,
    email: &'a str,
    link: &'a str,
    expires: &'a str,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationHtml<'a> {
    inviter: &'a str,
    email: &'a str,
    link: &'a str,
    expires: &'a str,
}

/// The link in an invitation email: `base_url` without a trailing slash,
/// and the token derived from the invitation's nonce with the install's
/// key (see `store::InviteKey`).
pub fn invitation_link(base_url: &str, key: &store::InviteKey, inv: &domain::Invitation) -> String {
    format!(
        "{}/invite/{}",
        base_url.trim_end_matches('/'),
        key.token(&inv.nonce)
    )
}

/// The invitation email (the HTML part auto-escaped: the inviter's name
/// and the address are other people's text).
pub fn render_invitation(inv: &domain::Invitation, link: &str) -> EmailMessage {
    let t = inv.expires_at;
    let expires = format!(
        "{} {:02}:{:02} UTC",
        human_date(t.date()),
        t.hour(),
        t.minute()
    );
    let (inviter, email) = (inv.inviter_name.as_str(), inv.email.as_str());
    let text = InvitationText {
        inviter,
        email,
        link,
        expires: &expires,
    }
    .render()
    .unwrap_or_else(|_| format!("{inviter} invited you to tasklane: {link} (until {expires})\n"));
    let html = InvitationHtml {
        inviter,
        email,
        link,
        expires: &expires,
    }
    .render()
    .unwrap_or_default();
    EmailMessage {
        subject: format!("{inviter} invited you to tasklane").replace(['\r', '\n'], " "),
        text,
        html,
    }
}
