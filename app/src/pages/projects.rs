//! The projects page (admins): create, rename, archive and restore.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use super::common::{action_error, FormAlert, LoadError};
use crate::islands::LiveForms;
use crate::projects::{projects, ArchiveProject, CreateProject, ProjectRow, RenameProject};

#[component]
pub fn ProjectsPage() -> impl IntoView {
    // Read for their errors only: a failed form post redirects back here.
    let create = ServerAction::<CreateProject>::new();
    let rename = ServerAction::<RenameProject>::new();
    let archive = ServerAction::<ArchiveProject>::new();
    let err = Signal::derive(move || {
        action_error(create.value().get())
            .or_else(|| action_error(rename.value().get()))
            .or_else(|| action_error(archive.value().get()))
    });
    let data = Resource::new(|| (), |_| projects());
    view! {
        <Title text="Projects" />
        <h1>"Projects"</h1>
        <LiveForms>
        <FormAlert message=err />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! {
                        <section class="card stack" aria-labelledby="new-project-title">
                            <h2 id="new-project-title">"New project"</h2>
                            <form method="post" action=CreateProject::url() class="row" data-testid="project-create">
                                <label for="p-name" class="sr-only">"Name"</label>
                                <input id="p-name" name="name" required maxlength="80" placeholder="Name" />
                                <button type="submit">"Add project"</button>
                            </form>
                        </section>
                        <ul class="rows card" role="list" data-testid="projects">
                            {v.rows.into_iter().map(|r| view! { <ProjectLine row=r /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e here="/projects" /> }.into_any(),
                }
            })}
        </Transition>
        </LiveForms>
    }
}

#[component]
fn ProjectLine(row: ProjectRow) -> impl IntoView {
    let p = row.project;
    let name_id = format!("pname-{}", p.id);
    let board = format!("/board?project={}", p.id);
    let counts = format!("{} open · {} done", row.open, row.done);
    let (verb, label) = if p.archived {
        ("Restore", format!("Restore project {}", p.name))
    } else {
        ("Archive", format!("Archive project {}", p.name))
    };
    view! {
        <li class="row-item" data-testid="project" data-name=p.name.clone() data-archived=p.archived.to_string()>
            <a href=board>{p.name.clone()}</a>
            {p.archived.then(|| view! { <span class="badge">"Archived"</span> })}
            <span class="muted small">{counts}</span>
            <form method="post" action=RenameProject::url() class="row">
                <input type="hidden" name="id" value=p.id.clone() />
                <input type="hidden" name="version" value=p.version.to_string() />
                <label for=name_id.clone() class="sr-only">"Name"</label>
                <input id=name_id name="name" required maxlength="80" value=p.name.clone() />
                <button type="submit" class="secondary small">"Rename"</button>
            </form>
            {(!row.is_default).then(|| view! {
                <form method="post" action=ArchiveProject::url()>
                    <input type="hidden" name="id" value=p.id.clone() />
                    <input type="hidden" name="version" value=p.version.to_string() />
                    <input type="hidden" name="archived" value=(!p.archived).to_string() />
                    <button type="submit" class="secondary small" aria-label=label>{verb}</button>
                </form>
            })}
        </li>
    }
}
