//! The home page: a signed-in person lands on their work (overdue, due
//! soon, newly assigned; admins also what nobody is on); everyone else gets
//! what tasklane is and how to get in. Its data comes from `crate::home`.

use leptos::prelude::*;
use leptos_meta::Title;

use super::common::{encode, LoadError, PriorityBadge, StatusBadge};
use crate::home::{home_agenda, Agenda, List, LIST_LIMIT};

/// "due in 3 days", "2 days overdue": how far a due date is, in words.
pub fn due_words(days: i64) -> String {
    match days {
        0 => "due today".into(),
        1 => "due tomorrow".into(),
        -1 => "1 day overdue".into(),
        d if d < 0 => format!("{} days overdue", -d),
        d => format!("due in {d} days"),
    }
}

pub fn assigned_words(days: i64) -> String {
    match days {
        d if d <= 0 => "assigned today".into(),
        1 => "assigned yesterday".into(),
        d => format!("assigned {d} days ago"),
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let agenda = Resource::new(|| (), |_| home_agenda());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading your work…"</p> }>
            {move || Suspend::new(async move {
                match agenda.await {
                    Ok(Some(a)) => view! { <Work a=a /> }.into_any(),
                    Ok(None) => view! { <Landing /> }.into_any(),
                    Err(e) => view! { <Title text="Home" /> <LoadError error=e here="/" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What tasklane is, for someone who is not signed in. It shows nothing
/// about the server (no version, no storage backend): that is an
/// attacker's first question.
#[component]
fn Landing() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="card landing" data-testid="landing">
            <h1>"Welcome to tasklane"</h1>
            <p class="lead">"A task manager for a team: admins plan the work and assign it, each person moves their own tasks from open to done, and nobody loses track of what is late."</p>
            <ul class="landing-points">
                <li>"Sign in and your home page lists what is overdue, what is due in the next 7 days and what was just assigned to you."</li>
                <li>"A board by status with filters and search, task history and comments."</li>
                <li>"Email and in-app notices when you are assigned, when your tasks move and when they come due."</li>
                <li>"Works on a phone, and without JavaScript."</li>
            </ul>
            <p class="row">
                <a class="button" href="/signin" data-testid="landing-signin">"Sign in"</a>
                <a class="button secondary" href="/signup" data-testid="landing-signup">"Create an account"</a>
            </p>
            <p class="muted small">"New to a team? Sign up with the email your admin invited; you will see the tasks assigned to you."</p>
        </section>
    }
}

#[component]
fn Work(a: Agenda) -> impl IntoView {
    let mine = |due: &str| format!("/board?due={due}&assignee={}", encode(&a.user_id));
    let soon_note = format!(
        "Open tasks assigned to you, due today ({}) through {}: the next 7 days.",
        a.today, a.soon_through
    );
    let overdue = Text {
        key: "overdue",
        heading: "Overdue",
        note: "Open tasks assigned to you that were due before today, the longest overdue first."
            .into(),
        empty: "Nothing overdue.",
        next: ("#home-due-soon-title".into(), "Start on what is due soon"),
        all: (mine("overdue"), "All your overdue tasks on the board"),
    };
    let due_soon = Text {
        key: "due-soon",
        heading: "Due soon",
        note: soon_note,
        empty: "Nothing due in the next 7 days.",
        next: ("/my".into(), "Plan ahead from My tasks"),
        all: (mine("week"), "All your tasks due this week on the board"),
    };
    let newly = Text {
        key: "newly-assigned",
        heading: "Newly assigned to you",
        note: "Assigned to you in the last 7 days and not done yet, newest first.".into(),
        empty: "Nothing new was assigned to you in the last 7 days.",
        next: ("/my".into(), "See everything assigned to you"),
        all: ("/my".into(), "Everything assigned to you"),
    };
    let unassigned = a.unassigned.map(|list| {
        let text = Text {
            key: "unassigned",
            heading: "Unassigned",
            note: "Open tasks nobody is assigned to, by due date (undated last). Open one to assign it."
                .into(),
            empty: "Every open task has someone on it.",
            next: ("/tasks/new".into(), "Create a task"),
            all: ("/board".into(), "Every task on the board"),
        };
        view! { <Section text=text list=list /> }
    });
    view! {
        <Title text="Home" />
        <div class="page-head">
            <h1>"Your work"</h1>
            <p class="muted small">"Hello, " {a.name.clone()} ". Dates are in UTC."</p>
        </div>
        <div class="home-grid">
            <Section text=overdue list=a.overdue />
            <Section text=due_soon list=a.due_soon />
            <Section text=newly list=a.newly_assigned />
            {unassigned}
        </div>
    }
}

/// The words around one list.
struct Text {
    key: &'static str,
    heading: &'static str,
    /// What the list holds, precisely.
    note: String,
    empty: &'static str,
    /// What to do when the list is empty.
    next: (String, &'static str),
    /// Where the whole of it is.
    all: (String, &'static str),
}

/// One list with its count, its meaning, an empty state that says what to
/// do next, and a link to all of it.
#[component]
fn Section(text: Text, list: List) -> impl IntoView {
    let title_id = format!("home-{}-title", text.key);
    let count = if list.more {
        format!("{LIST_LIMIT}+")
    } else {
        list.rows.len().to_string()
    };
    let newly = text.key == "newly-assigned";
    let footer = if list.rows.is_empty() {
        None
    } else {
        Some(view! {
            <p class="small">
                {list.more.then(|| format!("Showing the first {LIST_LIMIT}. "))}
                <a href=text.all.0>{text.all.1}</a>
            </p>
        })
    };
    view! {
        <section class="card home-list" aria-labelledby=title_id.clone() data-testid=format!("home-{}", text.key)>
            <h2 id=title_id.clone()>{text.heading} " " <span class="count" data-testid="home-count">{count}</span></h2>
            <p class="muted small">{text.note}</p>
            {if list.rows.is_empty() {
                view! {
                    <p class="empty" data-testid="home-empty">{text.empty} " " <a href=text.next.0>{text.next.1}</a></p>
                }.into_any()
            } else {
                view! {
                    <ul class="rows" role="list">
                        {list.rows.into_iter().map(|r| {
                            let late = r.due_in.is_some_and(|d| d < 0);
                            view! {
                                <li class="row-item" class:overdue=late data-testid="home-row">
                                    <a href=format!("/tasks/{}", r.id)>{r.title}</a>
                                    <StatusBadge status=r.status />
                                    <PriorityBadge priority=r.priority />
                                    {r.due.map(|d| view! {
                                        <span class="due" class:late=late>
                                            {r.due_in.map(due_words)} " · " <time datetime=d.clone()>{d.clone()}</time>
                                        </span>
                                    })}
                                    {r.assigned_ago.filter(|_| newly).map(|d| view! { <span class="muted small">{assigned_words(d)}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {footer}
        </section>
    }
}

/// What tasklane is, in more words than the landing card.
#[component]
pub fn About() -> impl IntoView {
    view! {
        <Title text="About" />
        <section class="card">
            <h1>"About tasklane"</h1>
            <p>"Admins plan and assign the work; members move their tasks along. Every page works without JavaScript and gets better with it."</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_read_as_words() {
        assert_eq!(due_words(0), "due today");
        assert_eq!(due_words(1), "due tomorrow");
        assert_eq!(due_words(6), "due in 6 days");
        assert_eq!(due_words(-1), "1 day overdue");
        assert_eq!(due_words(-12), "12 days overdue");
        assert_eq!(assigned_words(0), "assigned today");
        assert_eq!(assigned_words(-1), "assigned today");
        assert_eq!(assigned_words(1), "assigned yesterday");
        assert_eq!(assigned_words(5), "assigned 5 days ago");
    }
}
