//! The agenda view model from the home page's lists.

use domain::agenda::due_soon_through;
use domain::TaskSummary;
use time::Date;

use super::model::{Agenda, List, Row, LIST_LIMIT};
use super::query::Lists;
use crate::format::date_text;
use crate::session::Session;

pub fn agenda(me: &Session, lists: Lists, today: Date) -> Agenda {
    let summaries = |p: store::Page<TaskSummary>| list(p.items.iter().map(|t| row(t, today)));
    Agenda {
        user_id: me.user.to_string(),
        name: me.display_name.as_str().to_owned(),
        today: date_text(today),
        soon_through: date_text(due_soon_through(today)),
        overdue: summaries(lists.overdue),
        due_soon: summaries(lists.due_soon),
        newly_assigned: summaries(lists.newly_assigned),
        unassigned: lists
            .unassigned
            .map(|p| list(p.items.iter().map(|t| row(&t.summary(), today)))),
    }
}

fn row(t: &TaskSummary, today: Date) -> Row {
    Row {
        id: t.id.to_string(),
        title: t.title.as_str().to_owned(),
        status: t.status,
        priority: t.priority,
        due: t.due.map(date_text),
        due_in: t.due.map(|d| (d - today).whole_days()),
        assigned_ago: t
            .assigned_at
            .map(|at| (today - at.to_offset(time::UtcOffset::UTC).date()).whole_days()),
    }
}

/// The first [`LIST_LIMIT`] of up to one more row read.
fn list(rows: impl Iterator<Item = Row>) -> List {
    let mut rows: Vec<Row> = rows.collect();
    let more = rows.len() > LIST_LIMIT;
    rows.truncate(LIST_LIMIT);
    List { rows, more }
}
