//! CSV export of every task (admins): a plain GET download, so it is a
//! link that works with or without JavaScript and in any spreadsheet.
//!
//! It is an axum handler rather than a server function because its answer
//! is a file with its own content type and name, but it runs the very same
//! guards: the handler gives the request the reactive context the server
//! functions get, then calls `require_admin`.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, Request, StatusCode};
use leptos::prelude::*;
use leptos::reactive::{computed::ScopedFuture, owner::Owner};
use leptos_axum::ResponseOptions;

use crate::guard::{all_pages, ctx, date_text, store_error, when};
use crate::ssr::ServerContext;
use crate::tasks::view::Directory;

/// Cells a spreadsheet would run as a formula are prefixed with `'`, so a
/// task titled `=HYPERLINK(...)` stays text (CSV injection). Applied to
/// every cell of the export.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// Why the download was refused, as a status and a sentence.
type Refusal = (StatusCode, String);

async fn csv_body() -> Result<String, Refusal> {
    // The guard's own status handling keeps browser form posts on a
    // redirect; a download wants the plain status, so decide it here.
    match crate::session::current_session().await {
        None => {
            return Err((
                StatusCode::UNAUTHORIZED,
                "Please sign in to continue.".into(),
            ))
        }
        Some(s) if s.role != domain::Role::Admin => {
            return Err((StatusCode::FORBIDDEN, "Only admins can do that.".into()))
        }
        Some(_) => {}
    }
    csv_rows().await.map_err(|e| {
        let msg = match e {
            ServerFnError::ServerError(m) => m,
            _ => "Something went wrong on our side.".into(),
        };
        (StatusCode::INTERNAL_SERVER_ERROR, msg)
    })
}

async fn csv_rows() -> Result<String, ServerFnError> {
    let ctx = ctx()?;
    let store = ctx.store.as_ref();
    let dir = Directory::load(store).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "title",
        "description",
        "status",
        "priority",
        "due",
        "assignees",
        "assignee_emails",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    ];
    let internal = |e: csv::Error| {
        tracing::error!(error = %e, "writing CSV");
        ServerFnError::new("Something went wrong on our side.")
    };
    w.write_record(header).map_err(internal)?;
    for s in domain::Status::ALL {
        let tasks = all_pages(|p| store.list_tasks_by_status(*s, p))
            .await
            .map_err(|e| store_error(e, "Task"))?;
        for t in tasks {
            let names: Vec<String> = t.assignees.iter().map(|u| dir.name(*u)).collect();
            let emails: Vec<String> = t
                .assignees
                .iter()
                .filter_map(|u| dir.get(*u).map(|p| p.email.as_str().to_owned()))
                .collect();
            let row = [
                t.id.to_string(),
                t.title.as_str().to_owned(),
                t.description
                    .as_ref()
                    .map(|d| d.as_str())
                    .unwrap_or("")
                    .to_owned(),
                t.status.as_str().to_owned(),
                t.priority.as_str().to_owned(),
                t.due.map(date_text).unwrap_or_default(),
                names.join("; "),
                emails.join("; "),
                dir.name(t.created_by),
                when(t.created_at),
                when(t.updated_at),
                t.version.to_string(),
            ];
            // Every cell, not only the free-text ones: an email address may
            // start with `=` too.
            w.write_record(row.iter().map(|c| cell(c)))
                .map_err(internal)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| internal(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|_| ServerFnError::new("Something went wrong on our side."))
}

/// `GET /export/tasks.csv`.
pub async fn tasks_csv(ctx: ServerContext, req: Request<Body>) -> Response {
    let (parts, _) = req.into_parts();
    let owner = Owner::new();
    let opts = ResponseOptions::default();
    let fut = owner.with(|| {
        crate::ssr::provide_request_context(&ctx);
        provide_context(parts);
        provide_context(opts.clone());
        ScopedFuture::new(csv_body())
    });
    let result = fut.await;
    let mut resp = match result {
        Ok(body) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"tasklane-tasks.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err((status, msg)) => (status, [(header::CACHE_CONTROL, "no-store")], msg).into_response(),
    };
    // Refreshed session cookies, if the guard renewed the tokens.
    let extra = opts
        .0
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .headers
        .clone();
    for (k, v) in extra.iter() {
        resp.headers_mut().append(k.clone(), v.clone());
    }
    drop(owner);
    resp
}
