//! Profile server functions: anyone signed in, for themselves only.

use leptos::prelude::*;

use super::model::Profile;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::model::pref_field,
    crate::ctx::Ctx,
    crate::session::Flash,
    domain::{Action, DisplayName, EventKind, EventPrefs, NotificationPrefs, ProfilePatch},
    std::collections::HashMap,
};

/// The caller's profile. A feed the caller has just made is handed over by
/// its creation ([`Flash::CALENDAR_FEED`]): its URL is shown, once, only if
/// it is the caller's current feed.
#[server(endpoint = "profile/get")]
pub async fn my_profile() -> Result<Profile, AppError> {
    let ctx = Ctx::load().await?;
    let me = ctx.store.get_profile(ctx.me()).await?;
    let url = Flash::CALENDAR_FEED.take().filter(|token| {
        me.calendar_feed
            .as_ref()
            .is_some_and(|f| f.token_hash == auth::refresh_token_hash(token))
    });
    let origin = crate::ctx::server()?.public_origin;
    let url = url.map(|token| crate::calendar::feed_url(&origin, &token));
    Ok(super::build::profile(&me, url))
}

/// Makes a new calendar feed URL (the old one, if any, stops working) and
/// shows it once. Admins may choose every open dated task instead of their
/// own.
#[server(endpoint = "profile/calendar")]
pub async fn create_calendar_feed(
    version: u64,
    #[server(default)] all_tasks: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    ctx.authorize(Action::EditProfile { owner: ctx.me() })?;
    let all_tasks = match all_tasks.as_deref() {
        None | Some("") | Some("off") => false,
        Some("on") if ctx.is_admin() => true,
        Some("on") => {
            return Err(AppError::invalid(
                "Only admins can subscribe to every task.",
            ))
        }
        Some(_) => return Err(AppError::invalid("Unknown choice.")),
    };
    let current = ctx.own_profile_for_edit(version).await?;
    let (token, token_hash) = auth::new_refresh_token();
    let feed = domain::CalendarFeed {
        token_hash,
        all_tasks,
        created_at: time::OffsetDateTime::now_utc(),
    };
    ctx.store.set_calendar_feed(&current, Some(feed)).await?;
    Flash::CALENDAR_FEED.give(&token);
    leptos_axum::redirect("/profile#calendar");
    Ok(())
}

/// Turns the calendar feed off: its URL answers 404 from now on.
#[server(endpoint = "profile/calendar/revoke")]
pub async fn revoke_calendar_feed(version: u64) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    ctx.authorize(Action::EditProfile { owner: ctx.me() })?;
    let current = ctx.own_profile_for_edit(version).await?;
    if current.calendar_feed.is_some() {
        ctx.store.set_calendar_feed(&current, None).await?;
    }
    Ok(())
}

/// Saves the display name and preferences. Checkboxes arrive only when
/// ticked, so the form's fields are read as a map.
#[server(endpoint = "profile/update")]
pub async fn update_profile(
    version: u64,
    display_name: String,
    #[server(default)] prefs: std::collections::HashMap<String, String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    ctx.authorize(Action::EditProfile { owner: ctx.me() })?;
    let patch = ProfilePatch {
        display_name: Some(DisplayName::parse(&display_name)?),
        prefs: Some(prefs_from_form(&prefs)?),
    };
    let current = ctx.own_profile_for_edit(version).await?;
    ctx.store.update_profile(&current, &patch).await?;
    Ok(())
}

/// The ticked boxes of the preferences table; any other field is refused.
#[cfg(feature = "ssr")]
fn prefs_from_form(form: &HashMap<String, String>) -> Result<NotificationPrefs, AppError> {
    let known = |k: &String| {
        EventKind::ALL
            .iter()
            .any(|e| *k == pref_field(*e, "email") || *k == pref_field(*e, "app"))
    };
    if form.len() > 2 * EventKind::ALL.len() || !form.keys().all(known) {
        return Err(AppError::invalid("Unknown preference."));
    }
    let mut prefs = NotificationPrefs::default();
    for k in EventKind::ALL {
        let email = form.contains_key(&pref_field(*k, "email"));
        let in_app = form.contains_key(&pref_field(*k, "app"));
        prefs.set(*k, EventPrefs { email, in_app });
    }
    Ok(prefs)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn only_known_checkboxes_are_accepted() {
        let form = |keys: &[&str]| -> HashMap<String, String> {
            keys.iter()
                .map(|k| (k.to_string(), "on".to_string()))
                .collect()
        };
        let prefs = prefs_from_form(&form(&["ASSIGNED_email", "OVERDUE_app"])).unwrap();
        assert!(prefs.get(EventKind::Assigned).email && !prefs.get(EventKind::Assigned).in_app);
        assert!(prefs.get(EventKind::Overdue).in_app && !prefs.get(EventKind::Overdue).email);
        assert!(!prefs.get(EventKind::Commented).email);
        for bad in [&["ASSIGNED_sms"][..], &["role"], &["ADMIN_email"]] {
            assert_eq!(
                prefs_from_form(&form(bad)).unwrap_err().status(),
                400,
                "{bad:?}"
            );
        }
    }
}
