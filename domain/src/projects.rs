//! Projects: every task belongs to exactly one. A workspace starts with
//! [`ProjectId::DEFAULT`], which exists before anyone writes it (so tasks
//! stored before projects existed, which carry no project, belong to it
//! without a migration of the task items themselves) and cannot be
//! archived, so there is always a project new tasks can go to.
//!
//! Archiving is allowed only once a project has no open work: an archived
//! project takes no new tasks and leaves the project switcher, and a rule
//! that it holds nothing open means archiving never hides work from anyone
//! (its finished tasks stay in the Done column and the CSV).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::ProjectId;
use crate::text::ProjectName;

/// The most projects a team defines: the project list is one small read.
pub const MAX_PROJECTS: usize = 200;

impl ProjectId {
    /// The project every workspace starts with, and where tasks written
    /// before projects existed live. A fixed id, so every store, old item
    /// and new one agree on it without reading anything.
    pub const DEFAULT: ProjectId =
        ProjectId::from_uuid(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001));

    pub fn is_default(self) -> bool {
        self == Self::DEFAULT
    }
}

impl Default for ProjectId {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: ProjectId,
    pub name: ProjectName,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// 0 for the default project until it is first renamed (it has no item
    /// before that); every write adds one.
    pub version: u64,
}

impl Project {
    /// The default project as it is before anyone renames it.
    pub fn default_project() -> Project {
        Project {
            id: ProjectId::DEFAULT,
            name: ProjectName::parse("General").expect("a valid name"),
            archived: false,
            version: 0,
        }
    }
}

/// Why a project may not be archived. Messages are for the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("The default project cannot be archived: new tasks go there.")]
    Default,
    #[error("Finish or move this project's {0} open task(s) before archiving it.")]
    OpenWork(u32),
}

/// Whether `project`, holding `open` unfinished tasks, may be archived.
pub fn check_archive(project: &Project, open: u32) -> Result<(), ArchiveError> {
    if project.id.is_default() {
        return Err(ArchiveError::Default);
    }
    if open > 0 {
        return Err(ArchiveError::OpenWork(open));
    }
    Ok(())
}

/// The projects sorted for a picker: active ones by name, the default one
/// first; archived ones left out unless `keep` (the current task's own
/// project, which a form must still be able to show).
pub fn pickable(projects: &[Project], keep: Option<ProjectId>) -> Vec<&Project> {
    let mut v: Vec<&Project> = projects
        .iter()
        .filter(|p| !p.archived || Some(p.id) == keep)
        .collect();
    v.sort_by(|a, b| {
        (!a.id.is_default(), a.name.as_str().to_lowercase())
            .cmp(&(!b.id.is_default(), b.name.as_str().to_lowercase()))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str, archived: bool) -> Project {
        Project {
            id: ProjectId::from_uuid(Uuid::from_u128(name.len() as u128 + 7)),
            name: ProjectName::parse(name).unwrap(),
            archived,
            version: 1,
        }
    }

    #[test]
    fn tasks_without_a_project_belong_to_the_default_one() {
        #[derive(Deserialize)]
        struct Old {
            #[serde(default)]
            project: ProjectId,
        }
        let old: Old = serde_json::from_str("{}").unwrap();
        assert_eq!(old.project, ProjectId::DEFAULT);
        assert!(Project::default_project().id.is_default());
    }

    #[test]
    fn only_a_project_with_no_open_work_can_be_archived() {
        let p = project("Launch", false);
        assert_eq!(check_archive(&p, 0), Ok(()));
        assert_eq!(check_archive(&p, 3), Err(ArchiveError::OpenWork(3)));
        assert_eq!(
            check_archive(&Project::default_project(), 0),
            Err(ArchiveError::Default)
        );
    }

    #[test]
    fn pickers_list_the_default_first_then_by_name_without_archived_ones() {
        let zeta = project("zeta", false);
        let alpha = project("Alpha", false);
        let old = project("Old", true);
        let all = vec![zeta.clone(), old.clone(), Project::default_project(), alpha];
        let names: Vec<&str> = pickable(&all, None)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["General", "Alpha", "zeta"]);
        let kept = pickable(&all, Some(old.id));
        assert!(kept.iter().any(|p| p.id == old.id));
    }
}
