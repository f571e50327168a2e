//! The embedded default's moving parts: SQLite, the built-in identity
//! provider, the mail sink and the notification worker, wired together.

use std::{path::Path, sync::Arc};

use async_trait::async_trait;
use auth::{
    bootstrap::{url_is_loopback, Bootstrap},
    limits::Limits,
    provider::{CodeSender, LocalProvider},
    session::AuthState,
    LocalIssuer, LocalIssuerConfig,
};
use domain::Email;
use notifier::{
    local::{DevMailbox, Mailer, SmtpMailer, Worker, WorkerConfig},
    EmailMessage,
};
use store::SqliteStore;

/// The `iss` and client id of locally minted tokens; only this server
/// validates them, so they need not be URLs.
pub const LOCAL_ISSUER: &str = "urn:tasklane:local";
pub const LOCAL_CLIENT_ID: &str = "tasklane-local";

/// Sends confirmation and reset codes through the same mail sink as
/// notifications, so locally they land in the dev mailbox.
struct MailerCodes(Arc<dyn Mailer>);

#[async_trait]
impl CodeSender for MailerCodes {
    async fn send_code(&self, to: &Email, subject: &str, text: &str) -> Result<(), String> {
        let html = format!(
            "<!DOCTYPE html><html><body><pre style=\"font:16px/1.5 system-ui,sans-serif;white-space:pre-wrap\">{}</pre></body></html>",
            escape(text)
        );
        let msg = EmailMessage {
            subject: subject.to_owned(),
            text: text.to_owned(),
            html,
        };
        self.0.send(to, &msg).await.map_err(|e| e.to_string())
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub struct Local {
    pub store: Arc<SqliteStore>,
    pub auth: Arc<AuthState>,
    pub jwks_json: Arc<str>,
    pub mailbox: Option<Arc<DevMailbox>>,
    pub worker: Worker,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
    #[error("signing key: {0}")]
    Issuer(String),
    #[error("mail: {0}")]
    Mail(String),
    #[error("data directory: {0}")]
    DataDir(String),
}

/// The data directory holds the database, the signing key and the dev
/// mailbox (every confirmation and reset code): only its owner may enter
/// it, and files already in it from an older install are made 0600.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        let mode = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.permissions().mode() & 0o777 != mode {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode))?;
        }
    }
    Ok(())
}

/// Opens or creates everything under `data_dir`.
pub async fn open(
    data_dir: &Path,
    base_url: &str,
    smtp_url: Option<&str>,
    mail_from: &str,
    secure_cookies: bool,
    signup: Option<domain::SignupMode>,
) -> Result<Local, LocalError> {
    private_dir(data_dir).map_err(|e| LocalError::DataDir(e.to_string()))?;
    let store = Arc::new(SqliteStore::open(data_dir.join("tasklane.db")).await?);
    let dir = data_dir.to_owned();
    let issuer = tokio::task::spawn_blocking(move || {
        LocalIssuer::load_or_create(&dir, LocalIssuerConfig::new(LOCAL_ISSUER, LOCAL_CLIENT_ID))
    })
    .await
    .map_err(|e| LocalError::Issuer(e.to_string()))?
    .map_err(|e| LocalError::Issuer(e.to_string()))?;
    let issuer = Arc::new(issuer);
    let validator = Arc::new(
        issuer
            .validator()
            .map_err(|e| LocalError::Issuer(e.to_string()))?,
    );

    let (mailer, mailbox): (Arc<dyn Mailer>, Option<Arc<DevMailbox>>) = match smtp_url {
        Some(url) => {
            let smtp = SmtpMailer::from_url(url, mail_from)
                .map_err(|e| LocalError::Mail(e.to_string()))?;
            tracing::info!(endpoint = %smtp.endpoint(), "mail goes out over SMTP");
            (Arc::new(smtp), None)
        }
        None => {
            let mb = Arc::new(
                DevMailbox::open(data_dir)
                    .await
                    .map_err(|e| LocalError::Mail(e.to_string()))?,
            );
            tracing::info!(dir = %mb.dir().display(), "mail goes to the dev mailbox at /dev/mailbox");
            (mb.clone(), Some(mb))
        }
    };

    let signup = domain::SignupMode::resolve(signup, !url_is_loopback(base_url));
    tracing::info!(%signup, "sign-up mode (TASKLANE_SIGNUP)");
    let dir = data_dir.to_owned();
    let invite_key = tokio::task::spawn_blocking(move || store::InviteKey::load_or_create(&dir))
        .await
        .map_err(|e| LocalError::Issuer(e.to_string()))?
        .map_err(|e| LocalError::Issuer(e.to_string()))?;
    let provider = Arc::new(
        LocalProvider::new(
            store.clone(),
            issuer.clone(),
            Arc::new(MailerCodes(mailer.clone())),
        )
        .with_signup(signup),
    );
    let bootstrap = Bootstrap::local(url_is_loopback(base_url));
    if let Some(token) = bootstrap.token() {
        // Only the operator reads this log: the link lets them become the
        // first admin when the server is reachable from other machines.
        tracing::info!(
            setup_link = %format!("{}/signup?setup={token}", base_url.trim_end_matches('/')),
            "until an admin exists, the first admin signs up from this machine or with this link"
        );
    }
    let auth = Arc::new(AuthState {
        validator,
        provider,
        secure_cookies,
        limits: Limits::default(),
        bootstrap,
        signup,
        invite_key: Some(invite_key.clone()),
    });
    let mut worker_config = WorkerConfig::new(base_url);
    worker_config.invite_key = Some(invite_key);
    let worker = Worker::new(store.clone(), store.clone(), mailer, worker_config);
    Ok(Local {
        store,
        auth,
        jwks_json: issuer.jwks_json().into(),
        mailbox,
        worker,
    })
}
