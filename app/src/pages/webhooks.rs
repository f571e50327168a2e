//! The webhooks settings page (admins).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use domain::EventKind;

use super::common::{action_error, FormAlert, LoadError};
use crate::islands::LiveForms;
use crate::webhooks::{event_field, event_name, webhooks, CreateWebhook, DeleteWebhook};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    // Read for their errors only: a failed form post redirects back here.
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let err = Signal::derive(move || {
        action_error(create.value().get()).or_else(|| action_error(delete.value().get()))
    });
    let data = Resource::new(|| (), |_| webhooks());
    view! {
        <Title text="Webhooks" />
        <h1>"Webhooks"</h1>
        <p class="muted">"Each webhook receives a signed JSON POST for the events it chose. The "<code>"text"</code>" field suits a Slack incoming webhook. Signature: "<code>"X-Tasklane-Signature: sha256=HMAC(secret, timestamp + \".\" + body)"</code>" with the "<code>"X-Tasklane-Timestamp"</code>" header."</p>
        <LiveForms>
        <FormAlert message=err />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! {
                        {if p.hooks.is_empty() {
                            view! { <p class="card muted" data-testid="no-webhooks">"No webhooks yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="rows card" role="list" data-testid="webhooks">
                                    {p.hooks.into_iter().map(|h| view! {
                                        <li class="row-item" data-testid="webhook" data-id=h.id.clone()>
                                            <span>
                                                <code data-testid="webhook-url">{h.url.clone()}</code>
                                                <br /><span class="muted small">{h.events.join(", ")}</span>
                                                <br />
                                                {match h.last {
                                                    Some(d) => view! {
                                                        <span class="small" data-testid="last-delivery" data-ok=d.ok.to_string()>
                                                            <span class=if d.ok { "badge" } else { "badge warn" }>{if d.ok { "Delivered" } else { "Failed" }}</span>
                                                            " " {d.outcome} " · " {d.event} " · " {d.at}
                                                            {format!(" · {} attempt{}", d.attempts, if d.attempts == 1 { "" } else { "s" })}
                                                        </span>
                                                    }.into_any(),
                                                    None => view! { <span class="muted small" data-testid="last-delivery">"Nothing sent yet."</span> }.into_any(),
                                                }}
                                                {match h.secret.clone() {
                                                    Some(secret) => view! {
                                                        <span class="small">"Signing secret (shown once; copy it now): "</span>
                                                        <code data-testid="webhook-secret">{secret}</code>
                                                    }.into_any(),
                                                    None => view! {
                                                        <span class="muted small">"Signing secret: shown once, when the webhook was added. Remove it and add it again for a new one."</span>
                                                    }.into_any(),
                                                }}
                                            </span>
                                            <form method="post" action=DeleteWebhook::url() class="inline">
                                                <input type="hidden" name="id" value=h.id.clone() />
                                                <button type="submit" class="secondary small" data-testid="delete-webhook">"Remove"</button>
                                            </form>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {if p.full {
                            view! { <p class="card muted">{format!("At most {} webhooks: remove one to add another.", p.max)}</p> }.into_any()
                        } else {
                            view! {
                                <section class="card narrow-wide">
                                    <h2>"Add a webhook"</h2>
                                    <form method="post" action=CreateWebhook::url() class="stack" data-testid="webhook-form">
                                        <label for="wh-url">"URL"</label>
                                        <input id="wh-url" name="url" type="url" required maxlength="2000" placeholder="https://hooks.example.com/tasklane" />
                                        <fieldset>
                                            <legend>"Events"</legend>
                                            {EventKind::ALL.iter().map(|k| view! {
                                                <label class="check"><input type="checkbox" name=event_field(*k) checked=true /> " " {event_name(*k)}</label>
                                            }).collect_view()}
                                        </fieldset>
                                        <div><button type="submit">"Add webhook"</button></div>
                                    </form>
                                </section>
                            }.into_any()
                        }}
                    }.into_any(),
                    Err(e) => view! { <LoadError error=e here="/settings/webhooks" /> }.into_any(),
                }
            })}
        </Transition>
        </LiveForms>
    }
}
