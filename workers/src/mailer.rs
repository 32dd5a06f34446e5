//! The mailer: delivers `email_outbox` rows with lettre, over SMTP or into `.eml` files.
//!
//! At least once, never silently lost: a row is leased before sending and marked sent after;
//! a crash in between leaves the lease to expire and the email to be sent again, with the
//! same Message-ID so the copy is recognisable. Transient failures (4xx, connection) are
//! retried with exponential backoff; permanent ones (5xx) mark the email failed, visibly.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use commands::mail_settings::{self, OAuthProvider, OAuthTokens, Security, SmtpSettings};
use commands::secret_box::SecretBox;
use domain::email::EmailCommand;
use lettre::message::header::{ContentType, MessageId};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

/// Attempts before an email that keeps failing transiently is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// Kinds of email whose body holds a single-use link.
pub const SECRET_KINDS: &[&str] = &["verify_email", "reset_password", "invitation"];
/// How long a worker holds an email it is sending.
const LEASE: Duration = Duration::from_secs(300);
/// Emails leased at once. One: each lease then covers a single SMTP exchange, so a slow
/// server cannot let later emails of a batch outlive their lease and be sent twice.
const BATCH: i64 = 1;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Local machines without `SMTP_URL`: each email is a `.eml` file a person can open.
    Files(PathBuf),
}

pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
    pub poll_interval: Duration,
    /// Where `EmailSent` / `EmailFailed` go: the workshop's event log.
    events: Option<commands::Commands>,
    /// Opens workshops' SMTP passwords; without it every email goes through `transport`.
    secrets: Option<SecretBox>,
    /// Gmail / Outlook, for workshops that connected their mailbox.
    oauth_providers: Vec<OAuthProvider>,
    http: reqwest::Client,
    /// Emails one workshop may send per day (Paris time); past it, the rest wait for the
    /// next day. Bounds what a compromised or malicious workshop can mail out.
    daily_quota: Option<u32>,
    /// Which addresses a workshop's SMTP host may resolve to (`outbound`).
    networks: crate::outbound::Networks,
    /// Certificate authorities trusted beside the public ones, for workshops' servers
    /// (`SMTP_EXTRA_ROOT_CERTIFICATES`: a private CA; the tests' own).
    extra_roots: Vec<Certificate>,
}

/// The default of `EMAIL_QUOTA_PER_WORKSPACE_PER_DAY`: a busy workshop sends a few dozen
/// quotes, invoices and reminders a day.
pub const DAILY_QUOTA: u32 = 500;

/// A person's own security emails (address check, password reset): never held back by
/// their workshop's quota, and bounded per account by the API's rate limits.
const OUTSIDE_QUOTA: &[&str] = &["verify_email", "reset_password", "account_exists"];

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("invalid SMTP_URL: {0}")]
    Url(#[from] SmtpError),
    #[error("invalid sender address: {0}")]
    From(#[from] lettre::address::AddressError),
    #[error("SMTP_EXTRA_ROOT_CERTIFICATES: {0}")]
    Roots(SmtpError),
}

impl Mailer {
    /// SMTP when `smtp_url` is given (`smtps://…`, `smtp://…?tls=required`), else files under
    /// `mail_dir`.
    pub fn new(smtp_url: Option<&str>, mail_dir: PathBuf, from: &str) -> Result<Self, MailerError> {
        let transport = match smtp_url {
            Some(url) => {
                Transport::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build())
            }
            None => Transport::Files(mail_dir),
        };
        Ok(Self {
            transport,
            from: from.parse()?,
            poll_interval: Duration::from_millis(500),
            events: None,
            secrets: None,
            oauth_providers: vec![],
            daily_quota: Some(DAILY_QUOTA),
            networks: crate::outbound::Networks::Public,
            extra_roots: Vec::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
        })
    }

    /// Sends each workshop's emails through its own SMTP server when it set one.
    pub fn with_workspace_transports(mut self, secrets: SecretBox) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// The OAuth2 providers workshops may have connected.
    pub fn with_oauth_providers(mut self, providers: Vec<OAuthProvider>) -> Self {
        self.oauth_providers = providers;
        self
    }

    /// Which addresses workshops' SMTP hosts may reach.
    pub fn with_networks(mut self, networks: crate::outbound::Networks) -> Self {
        self.networks = networks;
        self
    }

    /// Trusts these certificate authorities (PEM) for workshops' servers too.
    pub fn with_extra_roots(mut self, pem: &[u8]) -> Result<Self, MailerError> {
        self.extra_roots
            .push(Certificate::from_pem(pem).map_err(MailerError::Roots)?);
        Ok(self)
    }

    /// At most `quota` emails per workshop per Paris day (`None`: no quota).
    pub fn with_daily_quota(mut self, quota: Option<u32>) -> Self {
        self.daily_quota = quota;
        self
    }

    /// Records each delivery outcome as an event of the email's workspace.
    pub fn with_events(mut self, commands: commands::Commands) -> Self {
        self.events = Some(commands);
        self
    }
}

/// One queued email, leased for sending.
#[derive(sqlx::FromRow)]
struct Queued {
    email_id: Uuid,
    workspace_id: Uuid,
    kind: String,
    message_id: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    attempts: i32,
}

enum Outcome {
    Sent,
    /// Worth another try later.
    Transient(String),
    /// Will never work as is (bad address, refused by the server).
    Permanent(String),
}

/// Connections of the mailer's own pool: the poll, and a second for what one delivery
/// reads while another step of it holds the first.
pub const OWN_CONNECTIONS: u32 = 2;

/// The mailer polls its queue twice a second. On the shared pool, which hands out its idle
/// connections oldest first, that poll alone would keep every idle connection of a burst
/// open for good; a pool of its own keeps the shared one free to shrink when quiet.
pub fn own_pool(shared: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(OWN_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(shared.connect_options().as_ref().clone())
}

/// Delivers due emails until `shutdown`, on a pool of its own made from `shared`.
pub async fn run(shared: PgPool, mailer: Mailer, mut shutdown: watch::Receiver<bool>) {
    let pool = own_pool(&shared);
    if let Transport::Files(dir) = &mailer.transport {
        if let Err(error) = tokio::fs::create_dir_all(dir).await {
            tracing::error!(error = %error, dir = %dir.display(), "cannot create the mail folder");
        }
    }
    while !*shutdown.borrow() {
        match deliver_due(&pool, &mailer).await {
            Ok(sent) if sent > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "mailer cannot read its queue"),
        }
        tokio::select! {
            _ = tokio::time::sleep(mailer.poll_interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    pool.close().await;
}

/// Leases and sends one batch of due emails; returns how many were handled.
pub async fn deliver_due(pool: &PgPool, mailer: &Mailer) -> Result<usize, sqlx::Error> {
    // `skip locked` lets several workers share the queue without taking the same row.
    let rows: Vec<Queued> = sqlx::query_as(
        "update email_outbox set status = 'sending', leased_until = now() + $1, attempts = attempts + 1
         where email_id in (
           select email_id from email_outbox
           where (status = 'pending' and next_attempt_at <= now())
              or (status = 'sending' and leased_until < now())
           order by next_attempt_at
           limit $2
           for update skip locked)
         returning email_id, workspace_id, kind, message_id, recipient, subject, body_text, body_html, attempts",
    )
    .bind(LEASE)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    let count = rows.len();
    for queued in rows {
        if over_quota(pool, mailer, &queued).await? {
            continue;
        }
        let outcome = send(pool, mailer, &queued).await;
        if let Some(fact) = record(pool, &queued, outcome).await? {
            log_delivery(mailer, &queued, fact).await;
        }
    }
    Ok(count)
}

/// Emails delivered so far, every workshop together (the bench's check that all went).
pub async fn sent(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from email_outbox where status = 'sent'")
        .fetch_one(pool)
        .await
}

/// Whether `queued` would go past its workshop's daily quota; if so it waits, untouched,
/// until the next Paris midnight.
async fn over_quota(pool: &PgPool, mailer: &Mailer, queued: &Queued) -> Result<bool, sqlx::Error> {
    let Some(quota) = mailer.daily_quota else {
        return Ok(false);
    };
    if OUTSIDE_QUOTA.contains(&queued.kind.as_str()) {
        return Ok(false);
    }
    let (today, tomorrow) = paris_day_bounds(chrono::Utc::now());
    let sent: i64 = sqlx::query_scalar(
        "select count(*) from email_outbox
         where workspace_id = $1 and created_at >= $2 - interval '30 days'
           and status = 'sent' and sent_at >= $2 and not (kind = any($3))",
    )
    .bind(queued.workspace_id)
    .bind(today)
    .bind(OUTSIDE_QUOTA)
    .fetch_one(pool)
    .await?;
    if sent < i64::from(quota) {
        return Ok(false);
    }
    sqlx::query(
        "update email_outbox set status = 'pending', leased_until = null, attempts = attempts - 1,
                next_attempt_at = $2, last_error = $3
         where email_id = $1",
    )
    .bind(queued.email_id)
    .bind(tomorrow)
    .bind(format!(
        "quota journalier de l'atelier atteint ({quota} emails) : envoi reporté au lendemain"
    ))
    .execute(pool)
    .await?;
    tracing::warn!(
        workspace_id = %queued.workspace_id,
        email_id = %queued.email_id,
        quota,
        "daily email quota reached: held until tomorrow"
    );
    Ok(true)
}

/// The start of `now`'s day in Paris and of the next one, in UTC.
fn paris_day_bounds(
    now: chrono::DateTime<chrono::Utc>,
) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    use chrono::TimeZone;
    let day = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let start = |day: chrono::NaiveDate| {
        chrono_tz::Europe::Paris
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|start| start.with_timezone(&chrono::Utc))
            .unwrap_or(now)
    };
    (start(day), start(day.succ_opt().unwrap_or(day)))
}

async fn send(pool: &PgPool, mailer: &Mailer, queued: &Queued) -> Outcome {
    let recipient: Mailbox = match queued.recipient.parse() {
        Ok(recipient) => recipient,
        Err(error) => return Outcome::Permanent(format!("adresse invalide : {error}")),
    };
    let files: Vec<(String, String, Vec<u8>)> = match sqlx::query_as(
        "select filename, content_type, content from email_attachment where email_id = $1 order by position",
    )
    .bind(queued.email_id)
    .fetch_all(pool)
    .await
    {
        Ok(files) => files,
        Err(error) => return Outcome::Transient(format!("pièces jointes illisibles : {error}")),
    };
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(queued.body_text.clone());
    // A workshop with its own SMTP server sends from it, with its own address.
    let settings = match &mailer.secrets {
        Some(secrets) => match mail_settings::load(pool, secrets, queued.workspace_id).await {
            Ok(settings) => settings,
            Err(error) => return Outcome::Transient(format!("réglages SMTP illisibles : {error}")),
        },
        None => None,
    };
    let from = match &settings {
        Some(settings) => match settings.from_address.parse() {
            Ok(from) => from,
            Err(error) => {
                return Outcome::Permanent(format!("adresse d'expédition invalide : {error}"))
            }
        },
        None => mailer.from.clone(),
    };
    let builder = Message::builder()
        .from(from)
        .to(recipient)
        .subject(queued.subject.clone())
        .header(MessageId::from(queued.message_id.clone()));
    let alternative = |html: &String| {
        MultiPart::alternative()
            .singlepart(text.clone())
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            )
    };
    let message = if files.is_empty() {
        match &queued.body_html {
            Some(html) => builder.multipart(alternative(html)),
            None => builder.singlepart(text.clone()),
        }
    } else {
        let mut mixed = match &queued.body_html {
            Some(html) => MultiPart::mixed().multipart(alternative(html)),
            None => MultiPart::mixed().singlepart(text.clone()),
        };
        for (filename, content_type, content) in files {
            let content_type = ContentType::parse(&content_type).unwrap_or_else(|_| {
                ContentType::parse("application/octet-stream").expect("valid type")
            });
            mixed = mixed.singlepart(Attachment::new(filename).body(content, content_type));
        }
        builder.multipart(mixed)
    };
    let message = match message {
        Ok(message) => message,
        Err(error) => return Outcome::Permanent(format!("message invalide : {error}")),
    };
    deliver(
        pool,
        mailer,
        queued.workspace_id,
        settings.as_ref(),
        message,
    )
    .await
}

/// Sends through the workshop's server when it has one, else the platform's transport.
async fn deliver(
    pool: &PgPool,
    mailer: &Mailer,
    workspace_id: Uuid,
    settings: Option<&SmtpSettings>,
    message: Message,
) -> Outcome {
    let classify = |sent: Result<_, SmtpError>| match sent {
        Ok(_) => Outcome::Sent,
        Err(error) if error.is_permanent() => Outcome::Permanent(error.to_string()),
        Err(error) => Outcome::Transient(error.to_string()),
    };
    if let Some(settings) = settings {
        let access_token = match &settings.oauth {
            Some(tokens) => match access_token(pool, mailer, workspace_id, tokens).await {
                Ok(token) => Some(token),
                Err(outcome) => return outcome,
            },
            None => None,
        };
        return match workspace_transport(mailer, settings, access_token).await {
            Ok(smtp) => match smtp.send(message).await {
                Ok(_) => Outcome::Sent,
                Err(error) => {
                    // The details stay in the log: shown to the workshop they would map the
                    // network behind a host (refused, timed out, not SMTP, not TLS).
                    tracing::warn!(%workspace_id, host = %settings.host, port = settings.port, error = %error, "the workshop's SMTP server failed");
                    let said = told_to_the_workshop(&error);
                    if error.is_permanent() {
                        Outcome::Permanent(said)
                    } else {
                        Outcome::Transient(said)
                    }
                }
            },
            Err(refused) => refused,
        };
    }
    match &mailer.transport {
        Transport::Smtp(smtp) => classify(smtp.send(message).await),
        Transport::Files(dir) => match AsyncFileTransport::<Tokio1Executor>::new(dir)
            .send(message)
            .await
        {
            Ok(_) => Outcome::Sent,
            Err(error) => Outcome::Transient(error.to_string()),
        },
    }
}

/// A usable access token for a connected mailbox, refreshed (and stored) when needed.
async fn access_token(
    pool: &PgPool,
    mailer: &Mailer,
    workspace_id: Uuid,
    tokens: &OAuthTokens,
) -> Result<String, Outcome> {
    if !crate::oauth::needs_refresh(tokens) {
        if let Some(token) = &tokens.access_token {
            return Ok(token.clone());
        }
    }
    let provider = mailer
        .oauth_providers
        .iter()
        .find(|provider| provider.name == tokens.provider)
        .ok_or_else(|| {
            Outcome::Permanent(format!(
                "fournisseur OAuth {} non configuré",
                tokens.provider
            ))
        })?;
    let fresh = match crate::oauth::refresh(&mailer.http, provider, tokens).await {
        Ok(fresh) => fresh,
        Err(error @ crate::oauth::OAuthError::Refused(_)) => {
            return Err(Outcome::Permanent(error.to_string()))
        }
        Err(error) => return Err(Outcome::Transient(error.to_string())),
    };
    if let Some(secrets) = &mailer.secrets {
        if let Err(error) =
            mail_settings::update_oauth_tokens(pool, secrets, workspace_id, &fresh).await
        {
            tracing::warn!(error = %error, "cannot keep the refreshed access token");
        }
    }
    fresh
        .access_token
        .ok_or_else(|| Outcome::Transient("jeton d'accès absent".to_owned()))
}

/// What the workshop reads of a failure of its server: whether the server answered and
/// refused (its SMTP code), or could not be reached at all, never more.
fn told_to_the_workshop(error: &SmtpError) -> String {
    match error.status() {
        Some(code) if error.is_permanent() => {
            format!(
                "le serveur SMTP a refusé l'envoi (code {code}) : identifiants ou adresse refusés"
            )
        }
        Some(code) => format!("le serveur SMTP a demandé de réessayer plus tard (code {code})"),
        None => "le serveur SMTP n'a pas pu être joint ou n'a pas répondu comme un serveur SMTP \
                 chiffré ; vérifiez l'hôte, le port et la sécurité"
            .to_owned(),
    }
}

/// The workshop's server, reached at the address its host resolved to once and was checked
/// against `mailer.networks` (TLS still checks the host name), with its credentials only
/// over TLS.
async fn workspace_transport(
    mailer: &Mailer,
    settings: &SmtpSettings,
    access_token: Option<String>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, Outcome> {
    let has_secret = access_token.is_some() || settings.password.is_some();
    if has_secret && settings.security == Security::None {
        return Err(Outcome::Permanent(
            "mot de passe jamais envoyé sans chiffrement : choisissez TLS ou STARTTLS".to_owned(),
        ));
    }
    let port = settings.port;
    let address = crate::outbound::resolve(&settings.host, port, mailer.networks)
        .await
        .map_err(|refused| Outcome::Permanent(refused.to_string()))?;
    let tls_for = |host: &str| {
        let mut parameters = TlsParameters::builder(host.to_owned());
        for root in &mailer.extra_roots {
            parameters = parameters.add_root_certificate(root.clone());
        }
        parameters.build().map_err(|error| {
            tracing::error!(error = %error, "cannot build TLS parameters");
            Outcome::Transient("connexion chiffrée impossible à préparer".to_owned())
        })
    };
    let tls = match settings.security {
        Security::Tls => Tls::Wrapper(tls_for(&settings.host)?),
        Security::StartTls => Tls::Required(tls_for(&settings.host)?),
        Security::None => Tls::None,
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.ip().to_string())
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
    if let Some(token) = access_token {
        // Gmail and Outlook take the mailbox address and the access token, with XOAUTH2.
        builder = builder
            .credentials(Credentials::new(settings.from_address.clone(), token))
            .authentication(vec![Mechanism::Xoauth2]);
    } else if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The settings screen's "send a test email": sends now, through the workshop's server when
/// given, and says what the server answered.
pub async fn send_test(
    pool: &PgPool,
    mailer: &Mailer,
    workspace_id: Uuid,
    settings: Option<&SmtpSettings>,
    recipient: &str,
) -> Result<(), String> {
    let to: Mailbox = recipient
        .parse()
        .map_err(|error| format!("adresse invalide : {error}"))?;
    let from = match settings {
        Some(settings) => settings
            .from_address
            .parse()
            .map_err(|error| format!("adresse d'expédition invalide : {error}"))?,
        None => mailer.from.clone(),
    };
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject("Email de test — ThermoGestion")
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(
            "Bonjour,\n\nSi vous lisez ce message, l'envoi des emails de votre atelier fonctionne.\n\nThermoGestion\n"
                .to_owned(),
        ))
        .map_err(|error| error.to_string())?;
    match deliver(pool, mailer, workspace_id, settings, message).await {
        Outcome::Sent => Ok(()),
        Outcome::Transient(error) | Outcome::Permanent(error) => Err(error),
    }
}

/// Backoff after `attempts` failures: 1, 2, 4… minutes, capped at 2 hours.
pub fn retry_delay(attempts: i32) -> chrono::Duration {
    let minutes = 1i64 << (attempts - 1).clamp(0, 7);
    chrono::Duration::minutes(minutes.min(120))
}

/// Records the outcome, only if this worker still holds the lease (`attempts` is its token):
/// a worker that outlived its lease must not overwrite what the next one recorded.
async fn record(
    pool: &PgPool,
    queued: &Queued,
    outcome: Outcome,
) -> Result<Option<EmailCommand>, sqlx::Error> {
    let held = |done: sqlx::postgres::PgQueryResult| done.rows_affected() == 1;
    let fact = match outcome {
        Outcome::Sent => {
            // Bodies with single-use links are blanked once delivered: the links are secrets
            // (only their hash is kept elsewhere).
            let done = sqlx::query(
                "update email_outbox set status = 'sent', sent_at = now(), leased_until = null, last_error = null,
                   body_text = case when kind = any($3) then '[lien à usage unique effacé après envoi]' else body_text end,
                   body_html = case when kind = any($3) then null else body_html end
                 where email_id = $1 and status = 'sending' and attempts = $2",
            )
            .bind(queued.email_id)
            .bind(queued.attempts)
            .bind(SECRET_KINDS)
            .execute(pool)
            .await?;
            tracing::info!(email_id = %queued.email_id, "email sent");
            held(done).then(|| EmailCommand::RecordSent {
                email_id: queued.email_id,
                kind: queued.kind.clone(),
                message_id: queued.message_id.clone(),
                attempt: queued.attempts,
            })
        }
        Outcome::Transient(error) if queued.attempts < MAX_ATTEMPTS => {
            let next = Utc::now() + retry_delay(queued.attempts);
            let done = sqlx::query(
                "update email_outbox set status = 'pending', leased_until = null, last_error = $2, next_attempt_at = $3
                 where email_id = $1 and status = 'sending' and attempts = $4",
            )
            .bind(queued.email_id)
            .bind(&error)
            .bind(next)
            .bind(queued.attempts)
            .execute(pool)
            .await?;
            tracing::warn!(email_id = %queued.email_id, attempts = queued.attempts, error, "email delivery failed, will retry");
            held(done).then(|| failed(queued, error, false))
        }
        Outcome::Transient(error) | Outcome::Permanent(error) => {
            let done = sqlx::query(
                "update email_outbox set status = 'failed', leased_until = null, last_error = $2
                 where email_id = $1 and status = 'sending' and attempts = $3",
            )
            .bind(queued.email_id)
            .bind(&error)
            .bind(queued.attempts)
            .execute(pool)
            .await?;
            // A person must look: the workshop's customer did not get their email.
            tracing::error!(email_id = %queued.email_id, error, "email delivery failed for good");
            held(done).then(|| failed(queued, error, true))
        }
    };
    Ok(fact)
}

fn failed(queued: &Queued, error: String, permanent: bool) -> EmailCommand {
    EmailCommand::RecordFailed {
        email_id: queued.email_id,
        kind: queued.kind.clone(),
        message_id: queued.message_id.clone(),
        attempt: queued.attempts,
        error,
        permanent,
    }
}

/// Appends the delivery fact to the workshop's log. The outbox row is already right; a lost
/// fact is logged, never retried by resending the email.
async fn log_delivery(mailer: &Mailer, queued: &Queued, fact: EmailCommand) {
    let Some(commands) = &mailer.events else {
        return;
    };
    let meta =
        commands::CommandMeta::system(queued.workspace_id, format!("mailer-{}", queued.email_id));
    let local_id = domain::email::aggregate_local_id(queued.email_id);
    if let Err(error) = commands.emails.execute(&meta, &local_id, fact).await {
        tracing::error!(email_id = %queued.email_id, error = %error, "cannot record the delivery event");
    }
}

#[cfg(test)]
mod quota_tests {
    #[test]
    fn a_paris_day_starts_at_local_midnight_in_summer_and_winter() {
        let at = |text: &str| text.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            super::paris_day_bounds(at("2026-07-14T21:59:00Z")),
            (at("2026-07-13T22:00:00Z"), at("2026-07-14T22:00:00Z"))
        );
        assert_eq!(
            super::paris_day_bounds(at("2026-12-03T23:30:00Z")),
            (at("2026-12-03T23:00:00Z"), at("2026-12-04T23:00:00Z"))
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_exponentially_up_to_two_hours() {
        let minutes: Vec<i64> = (1..=9)
            .map(|attempt| super::retry_delay(attempt).num_minutes())
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 120, 120]);
    }
}
