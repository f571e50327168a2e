//! Notification view models from stored notifications.

use domain::Notification;

use super::model::NotificationView;
use crate::format::when;

pub fn notification(n: &Notification) -> NotificationView {
    NotificationView {
        id: n.id.to_string(),
        task_id: n.task_id.map(|t| t.to_string()),
        task_title: n.task_title.clone(),
        message: n.message.clone(),
        at: when(n.created_at),
        read: n.read,
    }
}
