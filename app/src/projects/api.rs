//! Project server functions: everyone signed in reads the list (members see
//! their tasks grouped by project); only admins create, rename, archive
//! and restore.

use leptos::prelude::*;

use super::model::ProjectsView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::model::ProjectRow,
    super::query::{project_id, view},
    crate::ctx::Ctx,
    domain::{Action, Project, ProjectName, Status, MAX_PROJECTS},
};

#[server(endpoint = "projects/list")]
pub async fn projects() -> Result<ProjectsView, AppError> {
    let ctx = Ctx::allowed(Action::ManageProjects).await?;
    let (all, counts) = (
        ctx.store.list_projects().await?,
        ctx.store.project_counts(None).await?,
    );
    let rows: Vec<ProjectRow> = domain::pickable(&all, None)
        .into_iter()
        .chain(all.iter().filter(|p| p.archived))
        .map(|p| ProjectRow {
            project: view(p),
            open: counts.project_open(p.id),
            done: counts.project_status(p.id, Status::Done),
            is_default: p.id.is_default(),
        })
        .collect();
    Ok(ProjectsView { rows })
}

/// The projects a new task may go to (admins, who create tasks).
#[server(endpoint = "projects/choices")]
pub async fn project_choices() -> Result<Vec<super::model::ProjectView>, AppError> {
    let ctx = Ctx::allowed(Action::CreateTask).await?;
    let all = ctx.store.list_projects().await?;
    Ok(super::query::Projects::new(all).pickable(None))
}

#[server(endpoint = "projects/create")]
pub async fn create_project(name: String) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageProjects).await?;
    let name = ProjectName::parse(&name)?;
    if ctx.store.list_projects().await?.len() >= MAX_PROJECTS {
        return Err(AppError::invalid("A team can have at most 200 projects."));
    }
    ctx.store.create_project(name).await?;
    Ok(())
}

#[server(endpoint = "projects/rename")]
pub async fn rename_project(id: String, version: u64, name: String) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageProjects).await?;
    let current = project_at(&ctx, &id, version).await?;
    let name = ProjectName::parse(&name)?;
    ctx.store
        .update_project(&current, name, current.archived)
        .await?;
    Ok(())
}

/// Archives (`archived = true`) or restores a project. Archiving needs it
/// to hold no open work (one read of its counters), so it hides nothing.
#[server(endpoint = "projects/archive")]
pub async fn archive_project(id: String, version: u64, archived: bool) -> Result<(), AppError> {
    let ctx = Ctx::allowed(Action::ManageProjects).await?;
    let current = project_at(&ctx, &id, version).await?;
    if archived {
        let open = ctx
            .store
            .project_counts(Some(current.id))
            .await?
            .project_open(current.id);
        domain::check_archive(&current, open).map_err(|e| AppError::Conflict(e.to_string()))?;
    }
    ctx.store
        .update_project(&current, current.name.clone(), archived)
        .await?;
    Ok(())
}

/// The project as the form saw it; a stale version is a 409.
#[cfg(feature = "ssr")]
async fn project_at(ctx: &Ctx, id: &str, version: u64) -> Result<Project, AppError> {
    let gone = || AppError::NotFound("Project not found.".into());
    let id = project_id(id).map_err(|_| gone())?;
    let found = ctx
        .store
        .list_projects()
        .await?
        .into_iter()
        .find(|p| p.id == id);
    let current = found.ok_or_else(gone)?;
    if current.version != version {
        return Err(store::StoreError::Conflict.into());
    }
    Ok(current)
}
