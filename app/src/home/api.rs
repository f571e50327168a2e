//! The home server function.

use leptos::prelude::*;

use super::model::Agenda;
#[cfg(feature = "ssr")]
use crate::ctx::{today, Ctx};
use crate::error::AppError;

/// The caller's agenda, or `None` for a visitor (anonymous, or whose
/// session ended), who gets the landing page rather than an error.
#[server(endpoint = "home")]
pub async fn home_agenda() -> Result<Option<Agenda>, AppError> {
    let Some(ctx) = Ctx::load_optional().await? else {
        return Ok(None);
    };
    let today = today();
    let lists = super::query::lists(&ctx, today, time::OffsetDateTime::now_utc()).await?;
    Ok(Some(super::build::agenda(&ctx.session, lists, today)))
}
