//! The per-request context every server function starts from: who is
//! calling, the store, and the reads that actions on one task or one
//! profile begin with (parse the id, read, authorise, check the version),
//! each as one call.
//!
//! With these, a server function reads as its steps: load the context,
//! parse the input, ask `domain`, call the store, build the view.

use std::sync::Arc;

use domain::{Action, Actor, Task, TaskRelation, UserId, UserProfile};
use http::request::Parts;
use leptos::prelude::use_context;
use store::{Store, StoreError, TaskDetail};

use crate::error::AppError;
use crate::session::{current_session, AuthState, Session};
use crate::ssr::ServerContext;
use crate::team::query::Directory;

/// The signed-in caller of this request and what they act through.
pub struct Ctx {
    pub session: Session,
    pub actor: Actor,
    pub store: Arc<dyn Store>,
    server: ServerContext,
    /// The directory's version a read of this request already returned
    /// (the catalog's or the overview's), so the directory costs nothing
    /// more when the cached copy is current.
    directory_version: std::sync::OnceLock<u64>,
}

impl Ctx {
    /// The signed-in caller, else 401.
    pub async fn load() -> Result<Ctx, AppError> {
        Ctx::load_optional().await?.ok_or_else(AppError::sign_in)
    }

    /// The signed-in caller, or `None` for the anonymous.
    pub async fn load_optional() -> Result<Option<Ctx>, AppError> {
        let server = server()?;
        Ok(current_session().await.map(|session| Ctx {
            actor: session.actor(),
            session,
            store: server.store.clone(),
            server,
            directory_version: Default::default(),
        }))
    }

    /// The signed-in caller, allowed to do `action` (one not about a task):
    /// 401 for the anonymous, 403 for those the policy refuses.
    pub async fn allowed(action: Action) -> Result<Ctx, AppError> {
        let ctx = Ctx::load().await?;
        ctx.authorize(action)?;
        Ok(ctx)
    }

    /// Whether the policy lets the caller do `action` (not about a task).
    pub fn authorize(&self, action: Action) -> Result<(), AppError> {
        Ok(domain::authorize(self.actor, action, TaskRelation::NoTask)?)
    }

    pub fn me(&self) -> UserId {
        self.actor.user_id
    }

    pub fn is_admin(&self) -> bool {
        self.actor.role == domain::Role::Admin
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn auth(&self) -> &AuthState {
        &self.server.auth
    }

    /// Everyone, by id, for names on this request's views: the cached
    /// directory, after one GetItem of its version unless a read of this
    /// request already returned it.
    pub async fn directory(&self) -> Result<Arc<Directory>, AppError> {
        let version = match self.directory_version.get() {
            Some(v) => *v,
            None => self.store().directory_version().await?,
        };
        self.server.directory.at(self.store(), version).await
    }

    /// Records the directory's version a read returned (the first one
    /// counts: later reads in the same request are no fresher for it).
    pub fn saw_directory_version(&self, version: u64) {
        let _ = self.directory_version.set(version);
    }

    /// Every label and project, in one read.
    pub async fn catalog(&self) -> Result<crate::projects::query::Catalog, AppError> {
        let cat = self.store().catalog().await?;
        self.saw_directory_version(cat.directory_version);
        Ok(crate::projects::query::Catalog {
            labels: crate::labels::query::Labels::new(&cat.labels),
            projects: crate::projects::query::Projects::new(cat.projects),
        })
    }

    /// The catalog and the directory, for pages that show both: the
    /// catalog's Query also tells whether the cached directory is current.
    pub async fn catalog_and_directory(
        &self,
    ) -> Result<(crate::projects::query::Catalog, Arc<Directory>), AppError> {
        let cat = self.catalog().await?;
        Ok((cat, self.directory().await?))
    }

    /// The labels a task form ticked, each one defined, and the project it
    /// chose (one that takes tasks, or `keep`, the task's own): one catalog
    /// read, and none when the form ticked no label and kept the project.
    pub async fn labels_and_project_from_form(
        &self,
        labels: &[String],
        project: &str,
        keep: Option<domain::ProjectId>,
    ) -> Result<(Vec<domain::LabelId>, domain::ProjectId), AppError> {
        let kept = match project.trim() {
            "" => Some(keep.unwrap_or_default()),
            raw => domain::ProjectId::parse(raw)
                .ok()
                .filter(|p| Some(*p) == keep),
        };
        if let (Some(p), true) = (kept, labels.iter().all(|r| r.trim().is_empty())) {
            return Ok((Vec::new(), p));
        }
        let cat = self.catalog().await?;
        let labels = cat.labels.parse_form(labels)?;
        Ok((labels, cat.projects.parse_form(project, keep)?))
    }

    /// A task with its newest `comments` comments, if the caller may do
    /// `action` to it. A malformed id, a missing task and a task the caller
    /// may not see all answer the same 404.
    pub async fn task_detail(
        &self,
        id: &str,
        action: Action,
        comments: u32,
    ) -> Result<TaskDetail, AppError> {
        let id = domain::TaskId::parse(id).map_err(|_| AppError::task_not_found())?;
        let detail = self
            .store
            .get_task(id, comments)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::task_not_found(),
                e => e.into(),
            })?;
        let relation = if detail.task.is_assigned(self.me()) {
            TaskRelation::Assignee
        } else {
            TaskRelation::NotAssignee
        };
        domain::authorize(self.actor, action, relation)?;
        Ok(detail)
    }

    /// A task the caller may do `action` to (see [`Ctx::task_detail`]).
    pub async fn task(&self, id: &str, action: Action) -> Result<Task, AppError> {
        Ok(self.task_detail(id, action, 1).await?.task)
    }

    /// A task the caller may change by `action`, still at `version`, the
    /// one their form was rendered from: 409 if someone changed it since.
    pub async fn task_for_edit(
        &self,
        id: &str,
        version: u64,
        action: Action,
    ) -> Result<Task, AppError> {
        let task = self.task(id, action).await?;
        if task.version != version {
            return Err(AppError::task_changed());
        }
        Ok(task)
    }

    /// Someone the Team page showed at `version`: 400 for a garbled id, 404
    /// for nobody, 409 if they changed since the page was rendered.
    pub async fn person_for_edit(&self, id: &str, version: u64) -> Result<UserProfile, AppError> {
        let id = user_id(id)?;
        let person = self.store.get_profile(id).await.map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound("That user does not exist.".into()),
            e => e.into(),
        })?;
        if person.version != version {
            return Err(AppError::person_changed());
        }
        Ok(person)
    }

    /// The caller's own profile, still at the `version` their form shows.
    pub async fn own_profile_for_edit(&self, version: u64) -> Result<UserProfile, AppError> {
        let me = self.store.get_profile(self.me()).await?;
        if me.version != version {
            return Err(AppError::profile_changed());
        }
        Ok(me)
    }
}

/// A user id from a form or URL.
pub fn user_id(raw: &str) -> Result<UserId, AppError> {
    UserId::parse(raw).map_err(|_| AppError::invalid("Unknown user."))
}

/// The shared server state, for what the anonymous may do too.
pub fn server() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>()
        .ok_or_else(|| AppError::internal("server function called without a ServerContext"))
}

/// The request's method, URI and headers.
pub fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>()
        .ok_or_else(|| AppError::internal("server function called without request parts"))
}

/// The server's date (UTC), for due-date rules.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
