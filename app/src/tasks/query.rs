//! Task reads that take more than one store call: a board column under the
//! URL's filters, and every task for the screens that count them all.

use domain::{Priority, Status, Task, TaskSummary};
use store::{Page, PageRequest};

use super::build::{card, row};
use super::model::{BoardQuery, Card, Column};
use crate::ctx::{today, Ctx};
use crate::error::AppError;
use crate::paging::cursor;
use crate::projects::query::{project_id, Catalog};
use crate::team::query::Directory;

/// Cards per column page.
pub const COLUMN_PAGE: usize = 20;

/// The board's filters, parsed once per request.
pub struct Filter {
    words: Vec<domain::search::SearchWord>,
    /// The words with the labels each names; set by [`Filter::resolve`].
    search: store::TextSearch,
    assignee: Assignee,
    label: Option<domain::LabelId>,
    pub project: Option<domain::ProjectId>,
    priority: Option<Priority>,
    due: DueFilter,
    sort: Sort,
    today: time::Date,
}

/// The assignee filter as typed: a person's id (the home page links with
/// one) or part of a name or email, matched against the directory.
enum Assignee {
    Anyone,
    Id(domain::UserId),
    /// As typed; with the people it matches once resolved.
    Text(String, Vec<domain::UserId>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DueFilter {
    Any,
    Overdue,
    Week,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Due,
    Priority,
    Title,
    Updated,
}

impl Filter {
    pub fn parse(q: &BoardQuery) -> Result<Filter, AppError> {
        if q.q.len() > 200 {
            return Err(AppError::invalid("The search text is too long."));
        }
        Ok(Filter {
            words: domain::search::SearchWord::parse_all(&q.q),
            search: store::TextSearch::default(),
            assignee: match q.assignee.trim() {
                "" => Assignee::Anyone,
                raw if raw.chars().count() > 200 => {
                    return Err(AppError::invalid("The assignee filter is too long."))
                }
                raw => match domain::UserId::parse(raw) {
                    Ok(id) => Assignee::Id(id),
                    Err(_) => Assignee::Text(raw.to_owned(), Vec::new()),
                },
            },
            label: match q.label.trim() {
                "" => None,
                raw => Some(
                    domain::LabelId::parse(raw).map_err(|_| AppError::invalid("Unknown label."))?,
                ),
            },
            project: match q.project.trim() {
                "" => None,
                raw => Some(project_id(raw)?),
            },
            priority: match q.priority.trim() {
                "" => None,
                raw => Some(
                    raw.parse()
                        .map_err(|_| AppError::invalid("Unknown priority."))?,
                ),
            },
            due: match q.due.trim() {
                "" => DueFilter::Any,
                "overdue" => DueFilter::Overdue,
                "week" => DueFilter::Week,
                _ => return Err(AppError::invalid("Unknown due-date filter.")),
            },
            sort: match q.sort.trim() {
                "" | "due" => Sort::Due,
                "priority" => Sort::Priority,
                "title" => Sort::Title,
                "updated" => Sort::Updated,
                _ => return Err(AppError::invalid("Unknown sort order.")),
            },
            today: today(),
        })
    }

    /// Resolves what needs the page's catalog and directory, once per
    /// request rather than per column: the labels each searched word names,
    /// and the typed assignee. Returns what the assignee field shows.
    pub fn resolve(&mut self, dir: &Directory, cat: &Catalog) -> String {
        self.search = cat.labels.search(&self.words);
        self.resolve_assignee(dir)
    }

    /// Resolves a typed assignee to the people whose name or email contains
    /// it (deactivated people too: their tasks are still theirs), and says
    /// what the filter field should show.
    fn resolve_assignee(&mut self, dir: &Directory) -> String {
        match &mut self.assignee {
            Assignee::Anyone => String::new(),
            Assignee::Id(id) => dir.name(*id),
            Assignee::Text(text, ids) => {
                *ids = dir.matching(text).map(|u| u.id).collect();
                text.clone()
            }
        }
    }

    fn assignee_ok(&self, t: &Task) -> bool {
        match &self.assignee {
            Assignee::Anyone => true,
            Assignee::Id(id) => t.is_assigned(*id),
            Assignee::Text(_, ids) => ids.iter().any(|id| t.is_assigned(*id)),
        }
    }

    fn due_ok(&self, due: Option<time::Date>, status: Status) -> bool {
        match self.due {
            DueFilter::Any => true,
            DueFilter::Overdue => domain::is_overdue(due, status, self.today),
            DueFilter::Week => domain::is_due_this_week(due, self.today),
        }
    }

    /// The admin board's filters other than the search text, which the
    /// store's search applies (or none was typed). A label filter is
    /// checked here too: a search reads the word's entries, not the label's.
    fn task_ok(&self, t: &Task) -> bool {
        self.project.is_none_or(|p| t.project == p)
            && self.label.is_none_or(|l| t.labels.contains(&l))
            && self.assignee_ok(t)
            && self.priority.is_none_or(|p| t.priority == p)
            && self.due_ok(t.due, t.status)
    }

    /// A member's own rows, searched in memory by the same rules as the
    /// store's index (`domain::search`): titles and label names.
    fn summary_ok(&self, t: &TaskSummary, search: &store::TextSearch) -> bool {
        self.project.is_none_or(|p| t.project == p)
            && self.label.is_none_or(|l| t.labels.contains(&l))
            && self.priority.is_none_or(|p| t.priority == p)
            && self.due_ok(t.due, t.status)
            && search.matches(t.title.as_str(), &t.labels)
    }

    /// Orders a column's loaded cards. The due-date order (undated last)
    /// is a stable sort, so on the admin board it keeps the store's own
    /// order; members' rows carry no update time, so "updated" sorts by due
    /// date for them (admins' tasks are sorted by it before becoming cards).
    fn sort_cards(&self, cards: &mut [Card]) {
        match self.sort {
            Sort::Due | Sort::Updated => cards.sort_by_key(|c| (c.due.is_none(), c.due.clone())),
            Sort::Priority => cards.sort_by_key(|c| std::cmp::Reverse(c.priority)),
            Sort::Title => cards.sort_by_key(|c| c.title.to_lowercase()),
        }
    }
}

/// Reads pages from `fetch` until `want` items pass `keep` or the list
/// ends. Whole pages are kept, so a cursor never skips an item: a page
/// may hold more than `want` matches, never fewer unless exhausted.
async fn scan<T, F, Fut>(
    want: usize,
    after: Option<store::Cursor>,
    mut fetch: F,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<T>, Option<String>), AppError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, store::StoreError>>,
{
    let mut out = Vec::new();
    let mut req = PageRequest {
        limit: want as u32,
        after,
    };
    loop {
        let page = fetch(req).await?;
        out.extend(page.items.into_iter().filter(|t| keep(t)));
        match page.next {
            Some(c) if out.len() < want => {
                // Filters that match rarely read bigger pages.
                req = PageRequest::after(PageRequest::MAX_LIMIT.min(want as u32 * 4), c);
            }
            Some(c) => return Ok((out, Some(c.to_string()))),
            None => return Ok((out, None)),
        }
    }
}

/// One page of one board column for the caller: every task for admins,
/// their own assignments for members. An admin's search reads the store's
/// search index; a member's searches their own rows, which are few.
/// A label filter on the admin board reads that label's copies of the
/// column (one Query per page) instead of the whole column, and a project
/// reads that project's copies; with both, the label's copies are read and
/// kept when they are in the project (a label spans projects, and a task
/// carries at most ten labels but is in one project, so the label's copies
/// are the smaller read).
pub async fn column(
    ctx: &Ctx,
    (dir, cat): (&Directory, &Catalog),
    status: Status,
    filter: &Filter,
    after: Option<String>,
) -> Result<Column, AppError> {
    let after = cursor(after)?;
    let store = ctx.store();
    let named = |mut c: Card, ids: &[domain::LabelId], project: domain::ProjectId| {
        c.labels = cat.labels.of(ids);
        c.project = cat.projects.name(project);
        c
    };
    let search = &filter.search;
    let (cards, next) = if ctx.is_admin() {
        let (mut tasks, next) = match (filter.label, filter.project) {
            // One page of the search per request: the index's page is the
            // result page, so a search costs a fixed number of reads
            // however rarely the other filters match.
            _ if !search.is_empty() => {
                let page = PageRequest {
                    limit: COLUMN_PAGE as u32,
                    after,
                };
                let found = store.search_tasks(search, status, page).await?;
                let kept = found.items.into_iter().filter(|t| filter.task_ok(t));
                (kept.collect(), found.next.map(|c| c.to_string()))
            }
            (Some(l), _) => {
                let fetch = |p| store.list_tasks_by_label(l, status, p);
                scan(COLUMN_PAGE, after, fetch, |t| filter.task_ok(t)).await?
            }
            (None, Some(project)) => {
                let fetch = |p| store.list_tasks_by_project(project, status, p);
                scan(COLUMN_PAGE, after, fetch, |t| filter.task_ok(t)).await?
            }
            (None, None) => {
                let fetch = |p| store.list_tasks_by_status(status, p);
                scan(COLUMN_PAGE, after, fetch, |t| filter.task_ok(t)).await?
            }
        };
        if filter.sort == Sort::Updated {
            tasks.sort_by_key(|t| std::cmp::Reverse(t.updated_at));
        }
        let cards = tasks
            .iter()
            .map(|t| named(card(t, dir, filter.today), &t.labels, t.project));
        (cards.collect(), next)
    } else {
        let fetch = |p| store.list_tasks_for_user(ctx.me(), p);
        let keep = |t: &TaskSummary| t.status == status && filter.summary_ok(t, search);
        let (rows, next) = scan(COLUMN_PAGE, after, fetch, keep).await?;
        let cards = rows
            .iter()
            .map(|t| named(row(t, filter.today), &t.labels, t.project));
        (cards.collect(), next)
    };
    let mut cards: Vec<Card> = cards;
    if !(ctx.is_admin() && filter.sort == Sort::Updated) {
        filter.sort_cards(&mut cards);
    }
    Ok(Column {
        status,
        cards,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: BoardQuery) -> Result<Filter, AppError> {
        Filter::parse(&q)
    }

    #[test]
    fn bad_filters_are_a_clear_400() {
        let cases = [
            BoardQuery {
                q: "x".repeat(201),
                ..Default::default()
            },
            BoardQuery {
                assignee: "é".repeat(201),
                ..Default::default()
            },
            BoardQuery {
                priority: "EXTREME".into(),
                ..Default::default()
            },
            BoardQuery {
                due: "yesterday".into(),
                ..Default::default()
            },
            BoardQuery {
                sort: "random".into(),
                ..Default::default()
            },
        ];
        for q in cases {
            let err = parse(q.clone())
                .err()
                .unwrap_or_else(|| panic!("{q:?} accepted"));
            assert_eq!(err.status(), 400, "{q:?}: {err:?}");
        }
        assert!(parse(BoardQuery {
            due: "overdue".into(),
            sort: "title".into(),
            ..Default::default()
        })
        .is_ok());
    }

    /// The assignee filter is typed: an id (the home page's links), or part
    /// of a name or an email, case aside, matching everyone it fits.
    #[test]
    fn the_assignee_filter_matches_names_emails_and_ids() {
        use domain::{NewTask, TaskTitle};
        let profile =
            |name: &str, email: &str| crate::team::query::tests::profile(name, email, true);
        let people = [
            profile("Olu Other", "olu@example.com"),
            profile("Mo Member", "mo@example.com"),
            profile("Ada Admin", "ada@work.example"),
        ];
        let dir = Directory::of(people.to_vec());
        let task_for = |who: &domain::UserProfile| {
            Task::create(
                domain::TaskId::from_uuid(uuid::Uuid::now_v7()),
                NewTask {
                    project: Default::default(),
                    checklist: Default::default(),
                    recurrence: None,
                    labels: Vec::new(),
                    status: Status::Open,
                    title: TaskTitle::parse("t").unwrap(),
                    description: None,
                    priority: Priority::Low,
                    due: None,
                    assignees: vec![who.id],
                    created_by: who.id,
                },
                time::OffsetDateTime::UNIX_EPOCH,
            )
        };
        let tasks: Vec<Task> = people.iter().map(task_for).collect();
        let kept = |typed: &str| {
            let mut f = parse(BoardQuery {
                assignee: typed.into(),
                ..Default::default()
            })
            .unwrap();
            let shown = f.resolve_assignee(&dir);
            let names: Vec<String> = tasks
                .iter()
                .filter(|t| f.task_ok(t))
                .map(|t| dir.name(t.assignees[0]))
                .collect();
            (shown, names)
        };
        assert_eq!(kept("").1.len(), 3);
        assert_eq!(kept("OLU"), ("OLU".into(), vec!["Olu Other".into()]));
        assert_eq!(kept("m").1, ["Olu Other", "Mo Member", "Ada Admin"]);
        assert_eq!(kept("@work.").1, ["Ada Admin"]);
        assert_eq!(kept("nobody").1, Vec::<String>::new());
        let id = people[1].id.to_string();
        assert_eq!(kept(&id), ("Mo Member".into(), vec!["Mo Member".into()]));
        assert_eq!(
            kept("<script>alert(1)</script>").0,
            "<script>alert(1)</script>",
            "shown as typed; the page escapes it like any value"
        );
    }

    #[test]
    fn the_due_filters_are_the_domain_rules() {
        let overdue = parse(BoardQuery {
            due: "overdue".into(),
            ..Default::default()
        })
        .unwrap();
        let week = parse(BoardQuery {
            due: "week".into(),
            ..Default::default()
        })
        .unwrap();
        let today = overdue.today;
        let yesterday = today.previous_day();
        for s in Status::ALL {
            assert_eq!(
                overdue.due_ok(yesterday, *s),
                domain::is_overdue(yesterday, *s, today)
            );
            assert_eq!(
                week.due_ok(Some(today), *s),
                domain::is_due_this_week(Some(today), today)
            );
        }
        assert!(!overdue.due_ok(yesterday, Status::Done));
        assert!(overdue.due_ok(yesterday, Status::Open));
    }
}
