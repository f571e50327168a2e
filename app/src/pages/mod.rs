mod account;
mod board;
mod common;
mod home;
mod labels;
mod not_found;
mod people;
mod projects;
mod task;
mod webhooks;

pub use account::{
    AccountNav, ConfirmPage, ForgotPage, InvitePage, ResetPage, SignInPage, SignUpPage,
};
pub use board::BoardPage;
#[cfg(feature = "ssr")]
pub use common::encode;
pub use common::raw_text_safe;
pub use home::{About, Home};
pub use labels::LabelsPage;
pub use not_found::NotFound;
pub use people::{DashboardPage, NotificationsPage, ProfilePage, TeamPage};
pub use projects::ProjectsPage;
pub use task::{MyTasksPage, NewTaskPage, TaskPage};
pub use webhooks::WebhooksPage;
