//! The labels page (admins): define, rename, recolour and delete labels.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use domain::LabelColor;

use super::common::{action_error, FormAlert, LoadError};
use crate::islands::LiveForms;
use crate::labels::{labels, CreateLabel, DeleteLabel, LabelView, UpdateLabel};

#[component]
pub fn LabelsPage() -> impl IntoView {
    // Read for their errors only: a failed form post redirects back here.
    let create = ServerAction::<CreateLabel>::new();
    let update = ServerAction::<UpdateLabel>::new();
    let delete = ServerAction::<DeleteLabel>::new();
    let err = Signal::derive(move || {
        action_error(create.value().get())
            .or_else(|| action_error(update.value().get()))
            .or_else(|| action_error(delete.value().get()))
    });
    let data = Resource::new(|| (), |_| labels());
    view! {
        <Title text="Labels" />
        <h1>"Labels"</h1>
        <LiveForms>
        <FormAlert message=err />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) if !v.can_edit => view! { <p class="card muted">"Only admins manage labels."</p> }.into_any(),
                    Ok(v) => view! {
                        <section class="card stack" aria-labelledby="new-label-title">
                            <h2 id="new-label-title">"New label"</h2>
                            <form method="post" action=CreateLabel::url() class="row" data-testid="label-create">
                                <label for="l-name" class="sr-only">"Name"</label>
                                <input id="l-name" name="name" required maxlength="40" placeholder="Name" />
                                <ColorSelect id="l-color".to_owned() current="BLUE".to_owned() />
                                <button type="submit">"Add label"</button>
                            </form>
                        </section>
                        {if v.labels.is_empty() {
                            view! { <p class="card muted">"No labels yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="rows card" role="list" data-testid="labels">
                                    {v.labels.into_iter().map(|l| view! { <LabelRow label=l /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e here="/labels" /> }.into_any(),
                }
            })}
        </Transition>
        </LiveForms>
    }
}

#[component]
fn LabelRow(label: LabelView) -> impl IntoView {
    let (name_id, color_id) = (format!("name-{}", label.id), format!("color-{}", label.id));
    view! {
        <li class="row-item" data-testid="label" data-name=label.name.clone()>
            <LabelChip label=label.clone() />
            <form method="post" action=UpdateLabel::url() class="row">
                <input type="hidden" name="id" value=label.id.clone() />
                <input type="hidden" name="version" value=label.version.to_string() />
                <label for=name_id.clone() class="sr-only">"Name"</label>
                <input id=name_id name="name" required maxlength="40" value=label.name.clone() />
                <ColorSelect id=color_id current=label.color.clone() />
                <button type="submit" class="secondary small">"Save"</button>
            </form>
            <form method="post" action=DeleteLabel::url()>
                <input type="hidden" name="id" value=label.id.clone() />
                <input type="hidden" name="version" value=label.version.to_string() />
                <button type="submit" class="secondary small" aria-label=format!("Delete label {}", label.name)>"Delete"</button>
            </form>
        </li>
    }
}

#[component]
fn ColorSelect(id: String, current: String) -> impl IntoView {
    view! {
        <label for=id.clone() class="sr-only">"Colour"</label>
        <select id=id name="color">
            {LabelColor::ALL.iter().map(|c| view! {
                <option value=c.as_str() selected=current == c.as_str()>{c.label()}</option>
            }).collect_view()}
        </select>
    }
}

/// A coloured label name; the colour is decoration, the name is the label.
#[component]
pub fn LabelChip(label: LabelView) -> impl IntoView {
    view! { <span class=format!("label-chip {}", label.class) data-testid="label-chip">{label.name}</span> }
}
