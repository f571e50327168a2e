//! CSV export of every task (admins): a plain GET download, so it is a
//! link that works with or without JavaScript and in any spreadsheet.
//!
//! It is an axum handler rather than a server function because its answer
//! is a file with its own content type and name, but it runs the very same
//! context: the handler gives the request the reactive context server
//! functions get, then starts from `Ctx::allowed`, and a refusal is the
//! `AppError` a server function would answer, with its status.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, Request, StatusCode};
use leptos::prelude::*;
use leptos::reactive::{computed::ScopedFuture, owner::Owner};
use leptos_axum::ResponseOptions;

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::format::{date_text, when};
use crate::projects::query::Catalog;
use crate::ssr::ServerContext;
use crate::team::query::Directory;
use domain::Status;

/// Cells a spreadsheet would run as a formula are prefixed with `'`, so a
/// task titled `=HYPERLINK(...)` stays text (CSV injection). Applied to
/// every cell of the export.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// New columns go at the end, so spreadsheets built on the old ones keep
/// working.
const HEADER: [&str; 17] = [
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
    "checklist_done",
    "checklist",
    "repeat",
    "labels",
    "project",
];

fn names_of(labels: &[crate::labels::LabelView]) -> String {
    let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
    names.join("; ")
}

/// "[x] Draft; [ ] Review": readable in a spreadsheet and reversible.
fn checklist_cell(c: &domain::Checklist) -> String {
    let items: Vec<String> = c
        .items()
        .iter()
        .map(|i| format!("[{}] {}", if i.done { "x" } else { " " }, i.text))
        .collect();
    items.join("; ")
}

/// The `project` of `?project=<id>`, if the link names one.
fn project_param(query: Option<&str>) -> Result<Option<domain::ProjectId>, AppError> {
    let found = query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("project="));
    match found {
        None | Some("") => Ok(None),
        Some(raw) => crate::projects::query::project_id(raw).map(Some),
    }
}

/// What the export needs once the caller is allowed, owned, so the body
/// can be written after the handler has answered with its status.
struct Export {
    store: std::sync::Arc<dyn store::Store>,
    dir: std::sync::Arc<Directory>,
    cat: Catalog,
    project: Option<domain::ProjectId>,
}

/// Where the export has got to: a column and the cursor within it.
struct Position {
    column: usize,
    after: Option<store::Cursor>,
}

/// Tasks per chunk of the body: one store page (one Query on DynamoDB).
const EXPORT_PAGE: u32 = store::PageRequest::MAX_LIMIT;

async fn prepare(project: Option<domain::ProjectId>) -> Result<Export, AppError> {
    let ctx = Ctx::allowed(domain::Action::ExportCsv).await?;
    let (cat, dir) = ctx.catalog_and_directory().await?;
    if project.is_some_and(|p| cat.projects.get(p).is_none()) {
        return Err(AppError::NotFound("Project not found.".into()));
    }
    Ok(Export {
        store: ctx.store.clone(),
        dir,
        cat,
        project,
    })
}

impl Export {
    fn row(&self, t: &domain::Task) -> [String; 17] {
        let dir = &self.dir;
        let names: Vec<String> = t.assignees.iter().map(|u| dir.name(*u)).collect();
        let emails: Vec<String> = t
            .assignees
            .iter()
            .filter_map(|u| dir.get(*u).map(|p| p.email.as_str().to_owned()))
            .collect();
        [
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
            t.checklist
                .progress()
                .map(|p| format!("{}/{}", p.done, p.total))
                .unwrap_or_default(),
            checklist_cell(&t.checklist),
            t.recurrence.map(|r| r.describe()).unwrap_or_default(),
            names_of(&self.cat.labels.of(&t.labels)),
            self.cat.projects.name(t.project),
        ]
    }

    /// The next chunk of CSV from `at` (the header first), and where the
    /// one after starts; `None` past the last column.
    async fn chunk(&self, at: Position) -> Result<Option<(Vec<u8>, Position)>, AppError> {
        let Some(status) = Status::ALL.get(at.column).copied() else {
            return Ok(None);
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        if at.column == 0 && at.after.is_none() {
            w.write_record(HEADER).map_err(AppError::internal)?;
        }
        let page = match at.after.clone() {
            Some(c) => store::PageRequest::after(EXPORT_PAGE, c),
            None => store::PageRequest::first(EXPORT_PAGE),
        };
        let tasks = match self.project {
            Some(p) => self.store.list_tasks_by_project(p, status, page).await?,
            None => self.store.list_tasks_by_status(status, page).await?,
        };
        for t in &tasks.items {
            // Every cell, not only the free-text ones: an email address
            // may start with `=` too.
            w.write_record(self.row(t).iter().map(|c| cell(c)))
                .map_err(AppError::internal)?;
        }
        let next = match tasks.next {
            Some(after) => Position {
                column: at.column,
                after: Some(after),
            },
            None => Position {
                column: at.column + 1,
                after: None,
            },
        };
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::internal(e.into_error()))?;
        Ok(Some((bytes, next)))
    }

    /// The CSV as it is read, a store page at a time, so the server holds
    /// one page whatever the number of tasks. A read that fails part-way is
    /// logged and ends the stream with an error, so whatever carries it (a
    /// response body, an upload) fails rather than completing a file that
    /// looks whole. Fused: the compression layer polls its inner body once
    /// more after the end, which a bare `unfold` answers with a panic.
    fn chunks(self) -> FileChunks {
        let start = Position {
            column: 0,
            after: None,
        };
        let chunks = futures::stream::unfold(Some((self, start)), |state| async move {
            let (export, at) = state?;
            match export.chunk(at).await {
                Ok(Some((bytes, next))) => Some((Ok(bytes), Some((export, next)))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed part-way");
                    let cut = std::io::Error::other("export interrupted");
                    Some((Err(cut), None))
                }
            }
        });
        Box::pin(futures::StreamExt::fuse(chunks))
    }

    /// On Lambda: the CSV itself when it fits the response limit, else a
    /// link to it in the export bucket. The answer is held only up to the
    /// limit; past it, what is held and the rest go to the bucket as they
    /// are read.
    async fn within(self, offload: &Offload) -> Result<Answer, AppError> {
        use futures::StreamExt;
        let mut chunks = self.chunks();
        let mut held: Vec<Vec<u8>> = Vec::new();
        let mut size = ResponseSize::default();
        while let Some(chunk) = chunks.next().await {
            // The stream has logged why.
            let chunk = chunk.map_err(AppError::internal)?;
            size.add(&chunk);
            held.push(chunk);
            if size.encoded() > offload.inline_limit {
                let file = futures::stream::iter(held.into_iter().map(Ok)).chain(chunks);
                let link = offload
                    .bucket
                    .store(Box::pin(file))
                    .await
                    .map_err(|e| AppError::internal(format!("export bucket: {e}")))?;
                return Ok(Answer::Link(link));
            }
        }
        Ok(Answer::Inline(held.concat()))
    }
}

/// The file an export writes, chunk by chunk.
pub type FileChunks = futures::stream::BoxStream<'static, Result<Vec<u8>, std::io::Error>>;

/// Somewhere to leave an export too large for one response and to fetch
/// it from by link: S3 on Lambda, whose answers are capped at 6 MB.
pub trait ExportBucket: Send + Sync {
    /// Stores the file `chunks` yields under a new, unguessable name and
    /// returns a link that downloads it for a short while. An error in
    /// `chunks`, or in storing them, fails the call: there is never a link
    /// to part of a file.
    fn store(
        &self,
        chunks: FileChunks,
    ) -> futures::future::BoxFuture<'_, Result<String, Box<dyn std::error::Error + Send + Sync>>>;
}

/// Exports that may not fit one response, and where they go instead.
/// Absent on the local server, which streams any size.
#[derive(Clone)]
pub struct Offload {
    pub bucket: std::sync::Arc<dyn ExportBucket>,
    /// The largest body answered directly, as [`ResponseSize::encoded`]
    /// measures it.
    pub inline_limit: usize,
}

enum Answer {
    Inline(Vec<u8>),
    Link(String),
}

/// What a body costs inside a Lambda answer, which is JSON: a text body
/// travels as an escaped string and a compressed one as base64. Which it
/// will be is up to the client's `Accept-Encoding`, so the larger counts.
#[derive(Debug, Default)]
struct ResponseSize {
    raw: usize,
    escaped: usize,
}

impl ResponseSize {
    fn add(&mut self, bytes: &[u8]) {
        self.raw += bytes.len();
        self.escaped += bytes.iter().map(|&b| json_escaped_len(b)).sum::<usize>();
    }

    fn encoded(&self) -> usize {
        self.escaped.max(self.raw.div_ceil(3) * 4)
    }
}

/// The bytes one byte of UTF-8 text takes in a JSON string as serde_json
/// writes it (the Lambda runtime's serializer).
fn json_escaped_len(b: u8) -> usize {
    match b {
        b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 2,
        0x00..=0x1f => 6,
        _ => 1,
    }
}

/// The file's headers; the same for a body and, set on the object, for a
/// download from the export bucket.
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";
pub const CONTENT_DISPOSITION: &str = "attachment; filename=\"tasklane-tasks.csv\"";

fn csv_response(body: Body) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, CONTENT_TYPE),
            (header::CONTENT_DISPOSITION, CONTENT_DISPOSITION),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /export/tasks.csv`. On Lambda an export past the response limit
/// answers `303 See Other` to a short-lived link in the export bucket.
pub async fn tasks_csv(ctx: ServerContext, req: Request<Body>) -> Response {
    let (parts, _) = req.into_parts();
    let project = project_param(parts.uri.query());
    let owner = Owner::new();
    let opts = ResponseOptions::default();
    let fut = owner.with(|| {
        crate::ssr::provide_request_context(&ctx);
        provide_context(parts);
        provide_context(opts.clone());
        ScopedFuture::new(async move { prepare(project?).await })
    });
    let answer = match (fut.await, ctx.exports.as_deref()) {
        (Ok(export), None) => Ok(csv_response(Body::from_stream(export.chunks()))),
        (Ok(export), Some(offload)) => export.within(offload).await.map(|answer| match answer {
            Answer::Inline(csv) => csv_response(Body::from(csv)),
            Answer::Link(link) => (
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, link.as_str()),
                    (header::CACHE_CONTROL, "no-store"),
                ],
            )
                .into_response(),
        }),
        (Err(e), _) => Err(e),
    };
    let mut resp = answer.unwrap_or_else(|e| {
        (
            e.status(),
            [(header::CACHE_CONTROL, "no-store")],
            e.to_string(),
        )
            .into_response()
    });
    // Refreshed session cookies, if resolving the caller renewed the tokens.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_size_is_what_the_lambda_runtime_writes() {
        let samples = [
            "",
            "id,title\n1,plain\n",
            "\"=HYPERLINK(\"\"https://evil.example\"\")\"",
            "back\\slash \"quoted\"",
            "line\nbreak\r\n\ttab\u{8}\u{c}",
            "\u{0}\u{1}\u{1f}\u{7f}",
            "naïve 日本語 🎉 </script>",
        ];
        let mut all = ResponseSize::default();
        let mut joined = String::new();
        for text in samples {
            let mut size = ResponseSize::default();
            size.add(text.as_bytes());
            let json = serde_json::to_string(text).unwrap().len() - 2;
            assert_eq!(size.escaped, json, "{text:?}");
            assert_eq!(size.raw, text.len());
            assert_eq!(
                size.encoded(),
                json.max(text.len().div_ceil(3) * 4),
                "{text:?}"
            );
            all.add(text.as_bytes());
            joined.push_str(text);
        }
        // Chunks add up to the whole.
        assert_eq!(
            all.escaped,
            serde_json::to_string(&joined).unwrap().len() - 2
        );
        // Mostly plain text costs its base64 size; escapes can cost more.
        let mut plain = ResponseSize::default();
        plain.add(&[b'a'; 300]);
        assert_eq!(plain.encoded(), 400);
        let mut quotes = ResponseSize::default();
        quotes.add(&[b'"'; 300]);
        assert_eq!(quotes.encoded(), 600);
    }
}
