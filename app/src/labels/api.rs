//! Label server functions: everyone signed in reads them (members see them
//! on their tasks); only admins define, rename, recolour and delete them.

use leptos::prelude::*;

use super::model::LabelsView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::query::view,
    crate::ctx::Ctx,
    domain::{Action, Label, LabelColor, LabelId, LabelName, MAX_DEFINED_LABELS},
};

#[server(endpoint = "labels/list")]
pub async fn labels() -> Result<LabelsView, AppError> {
    let ctx = Ctx::load().await?;
    let labels = ctx.store.list_labels().await?;
    Ok(LabelsView {
        labels: labels.iter().map(view).collect(),
        can_edit: ctx.is_admin(),
    })
}

#[server(endpoint = "labels/create")]
pub async fn create_label(name: String, color: String) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageLabels).await?;
    let (name, color) = (LabelName::parse(&name)?, parse_color(&color)?);
    if ctx.store.list_labels().await?.len() >= MAX_DEFINED_LABELS {
        return Err(AppError::invalid("A team can define at most 100 labels."));
    }
    ctx.store.create_label(name, color).await?;
    Ok(())
}

#[server(endpoint = "labels/update")]
pub async fn update_label(
    id: String,
    version: u64,
    name: String,
    color: String,
) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageLabels).await?;
    let current = label_at(&ctx, &id, version).await?;
    let (name, color) = (LabelName::parse(&name)?, parse_color(&color)?);
    ctx.store.update_label(&current, name, color).await?;
    Ok(())
}

#[server(endpoint = "labels/delete")]
pub async fn delete_label(id: String, version: u64) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageLabels).await?;
    let current = label_at(&ctx, &id, version).await?;
    ctx.store.delete_label(&current).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn parse_color(raw: &str) -> Result<LabelColor, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::invalid("Choose one of the listed colours."))
}

/// The label as the form saw it; a stale version is a 409.
#[cfg(feature = "ssr")]
async fn label_at(ctx: &Ctx, id: &str, version: u64) -> Result<Label, AppError> {
    let gone = || AppError::NotFound("Label not found.".into());
    let id = LabelId::parse(id).map_err(|_| gone())?;
    let found = ctx
        .store
        .list_labels()
        .await?
        .into_iter()
        .find(|l| l.id == id);
    let current = found.ok_or_else(gone)?;
    if current.version != version {
        return Err(store::StoreError::Conflict.into());
    }
    Ok(current)
}
