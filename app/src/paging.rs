//! Pages of store lists as server functions take and give them: a cursor
//! string from a link or form in, a [`PageRequest`] to the store.

use store::{Cursor, Page, PageRequest};

use crate::error::AppError;

/// A cursor from a URL or form; absent or empty is the first page.
pub fn cursor(raw: Option<String>) -> Result<Option<Cursor>, AppError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        // The store authenticates and checks cursors when it decodes them.
        Some(s) if s.len() <= 2048 => Ok(Some(Cursor::from_string(s))),
        Some(_) => Err(AppError::invalid("That page link is not valid any more.")),
    }
}

/// `limit` items after the cursor in `after` (absent or empty: the start).
pub fn page(limit: u32, after: Option<String>) -> Result<PageRequest, AppError> {
    Ok(PageRequest {
        limit,
        after: cursor(after)?,
    })
}

/// The cursor of the next page as links carry it.
pub fn next<T>(page: &Page<T>) -> Option<String> {
    page.next.as_ref().map(|c| c.to_string())
}
