//! Profile server functions: anyone signed in, for themselves only.

use leptos::prelude::*;

use super::model::Profile;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::model::pref_field,
    crate::ctx::Ctx,
    domain::{Action, DisplayName, EventKind, EventPrefs, NotificationPrefs, ProfilePatch},
    std::collections::HashMap,
};

#[server(endpoint = "profile/get")]
pub async fn my_profile() -> Result<Profile, AppError> {
    let ctx = Ctx::load().await?;
    Ok(super::build::profile(
        &ctx.store.get_profile(ctx.me()).await?,
    ))
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
