mod board;
mod common;
mod home;
mod not_found;
mod people;
mod task;

pub use board::BoardPage;
pub use common::{action_error, encode, raw_text_safe, FormAlert};
pub use home::{About, Home};
pub use not_found::NotFound;
pub use people::{DashboardPage, NotificationsPage, ProfilePage, TeamPage};
pub use task::{MyTasksPage, NewTaskPage, TaskPage};
