//! The project list, read once per page and looked up by id.

use std::collections::HashMap;

use domain::{Project, ProjectId};

use super::model::ProjectView;
use crate::error::AppError;

pub fn view(p: &Project) -> ProjectView {
    ProjectView {
        id: p.id.to_string(),
        name: p.name.as_str().to_owned(),
        archived: p.archived,
        version: p.version,
    }
}

/// Every project (one Query), so a page names each task's project without
/// a read per task.
pub struct Projects(Vec<Project>, HashMap<ProjectId, usize>);

impl Projects {
    pub fn new(all: Vec<Project>) -> Projects {
        let index = all.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        Projects(all, index)
    }

    pub fn get(&self, id: ProjectId) -> Option<&Project> {
        self.1.get(&id).map(|i| &self.0[*i])
    }

    /// The project's name; a task always has one, but a name is shown even
    /// if its project item were somehow missing.
    pub fn name(&self, id: ProjectId) -> String {
        self.get(id)
            .map_or_else(|| "Unknown project".to_owned(), |p| p.name.to_string())
    }

    /// What a picker offers: active projects, the default one first, plus
    /// `keep` (the task's own project) even if archived.
    pub fn pickable(&self, keep: Option<ProjectId>) -> Vec<ProjectView> {
        domain::pickable(&self.0, keep)
            .into_iter()
            .map(view)
            .collect()
    }

    /// The project as a page shows it (a stand-in if it were missing).
    pub fn view_of(&self, id: ProjectId) -> ProjectView {
        self.get(id).map(view).unwrap_or_else(|| ProjectView {
            id: id.to_string(),
            name: self.name(id),
            archived: false,
            version: 0,
        })
    }

    /// Orders projects as pickers do: the default one first, then by name
    /// (the id breaks ties, so two projects of one name stay apart).
    pub fn sort_key(&self, id: ProjectId) -> String {
        let rank = if id.is_default() { '0' } else { '1' };
        format!("{rank}{}\u{0}{id}", self.name(id).to_lowercase())
    }

    /// The project a task form chose: an existing one that takes tasks, or
    /// the task's current one (`keep`), which may stay where it is even if
    /// it has been archived since. An empty choice is the default project.
    pub fn parse_form(&self, raw: &str, keep: Option<ProjectId>) -> Result<ProjectId, AppError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(keep.unwrap_or(ProjectId::DEFAULT));
        }
        let unknown = || AppError::invalid("Unknown project.");
        let id = ProjectId::parse(raw).map_err(|_| unknown())?;
        let p = self.get(id).ok_or_else(unknown)?;
        if p.archived && Some(id) != keep {
            return Err(AppError::invalid(
                "That project is archived: restore it to add tasks.",
            ));
        }
        Ok(id)
    }
}

/// A project id from a URL or form, as a filter: 400 when garbled.
pub fn project_id(raw: &str) -> Result<ProjectId, AppError> {
    ProjectId::parse(raw).map_err(|_| AppError::invalid("Unknown project."))
}

/// Labels and projects, read together in one Query (`Store::catalog`):
/// what a board or task page shows beside the tasks.
pub struct Catalog {
    pub labels: crate::labels::query::Labels,
    pub projects: Projects,
}
