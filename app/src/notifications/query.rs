//! Marking notifications read, which walks the caller's inbox.

use domain::{NotificationId, UserId};
use store::{PageRequest, Store};

use crate::error::AppError;

/// Marks `target` read, or every unread notification of `user` when
/// `target` is `None`. Only `user`'s own inbox is searched, so an id of
/// someone else's notification is simply not found.
pub async fn mark_read(
    store: &dyn Store,
    user: UserId,
    target: Option<NotificationId>,
) -> Result<(), AppError> {
    let mut req = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let page = store.list_notifications(user, req).await?;
        let hits = page
            .items
            .iter()
            .filter(|n| target.is_none_or(|t| t == n.id));
        for n in hits {
            if !n.read {
                store.mark_notification_read(n).await?;
            }
            if target.is_some() {
                return Ok(());
            }
        }
        match page.next {
            Some(c) => req = PageRequest::after(PageRequest::MAX_LIMIT, c),
            None if target.is_some() => {
                return Err(AppError::NotFound("Notification not found.".into()))
            }
            None => return Ok(()),
        }
    }
}
