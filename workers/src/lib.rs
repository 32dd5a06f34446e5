//! Background work of a process: the log listener and every subscriber of the event log.
//!
//! Later workers (email delivery, schedules, purges) join [`spawn`] the same way: each is a
//! subscriber or a scheduled job holding a lease, so several processes never double-run one.

pub mod client_invitations;
mod client_link;
pub mod fec;
pub mod fec_archive;
pub mod low_stock;
pub mod mailer;
pub mod oauth;
pub mod outbound;
pub mod payment_link_emails;
pub mod pennylane;
pub mod photo_quota;
pub mod photo_renditions;
pub mod photo_worker;
pub mod plan_change_emails;
pub mod project_emails;
pub mod project_intake;
pub mod quote_emails;
pub mod quote_expiry;
pub mod quote_reminders;
mod templates;
pub mod trial_emails;

use std::time::Duration;

use projections::engine::{self, RunnerSettings};
use projections::shared_feed;
use projections::Subscriptions;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The channel on which processes announce that they appended events.
pub const EVENTS_CHANNEL: &str = "thermogestion_events";

/// The shortest time between two announcements of one process: a bound on the latency it
/// adds, and on the notifications PostgreSQL must serialise.
pub const ANNOUNCE_INTERVAL: Duration = Duration::from_millis(5);

/// Starts the listener and one runner per projection, plus the announcer of this process'
/// appends when it sends commands and the mailer when given; all stop when `shutdown` turns
/// true.
pub fn spawn(
    pool: &PgPool,
    subscriptions: &Subscriptions,
    settings: RunnerSettings,
    appends: Option<watch::Receiver<u64>>,
    mailer: Option<mailer::Mailer>,
    reactors: Vec<std::sync::Arc<dyn projections::Projection>>,
    shutdown: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut handles = vec![tokio::spawn(listen(
        pool.clone(),
        subscriptions.clone(),
        shutdown.clone(),
    ))];
    if let Some(mailer) = mailer {
        handles.push(tokio::spawn(mailer::run(
            pool.clone(),
            mailer,
            shutdown.clone(),
        )));
    }
    if let Some(appends) = appends.clone() {
        handles.push(tokio::spawn(announce(
            pool.clone(),
            appends,
            shutdown.clone(),
        )));
    }
    // Reactors (emails scheduled by events…) run like projections but are never replayed.
    let subscribers: Vec<_> = projections::all().into_iter().chain(reactors).collect();
    let live = engine::Live::new(&settings);
    // One connection reads the log for every runner and holds their leases; this
    // process' own appends wake it at once, others' through the listener.
    handles.push(tokio::spawn(shared_feed::run(
        pool.clone(),
        live.clone(),
        subscribers
            .iter()
            .map(|subscriber| subscriber.name())
            .collect(),
        subscriptions.clone(),
        appends,
        shared_feed::ReaderSettings::default(),
        shutdown.clone(),
    )));
    for projection in subscribers {
        handles.push(tokio::spawn(engine::run(
            pool.clone(),
            projection,
            subscriptions.clone(),
            settings,
            live.clone(),
            shutdown.clone(),
        )));
    }
    handles
}

/// The subscribers that act on events (emails…): never replayed.
pub fn reactors(
    pool: &PgPool,
    commands: &commands::Commands,
    photos: &commands::file_store::FileStore,
    public_base_url: &str,
    message_domain: &str,
) -> Vec<std::sync::Arc<dyn projections::Projection>> {
    let public_base_url = public_base_url.trim_end_matches('/').to_owned();
    vec![
        std::sync::Arc::new(trial_emails::TrialEmails {
            public_base_url: public_base_url.clone(),
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(plan_change_emails::PlanChangeEmails {
            public_base_url: public_base_url.clone(),
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(low_stock::LowStockEmails {
            public_base_url: public_base_url.clone(),
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(client_invitations::ClientInvitations {
            public_base_url: public_base_url.clone(),
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(quote_emails::QuoteEmails {
            public_base_url: public_base_url.clone(),
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(project_emails::ProjectEmails {
            public_base_url: public_base_url.clone(),
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(photo_worker::PhotoWorker {
            store: photos.clone(),
        }),
        std::sync::Arc::new(payment_link_emails::PaymentLinkEmails {
            message_domain: message_domain.to_owned(),
        }),
        std::sync::Arc::new(project_intake::ProjectIntake {
            pool: pool.clone(),
            commands: commands.clone(),
        }),
    ]
}

/// The jobs that run on a clock rather than on events.
pub fn spawn_schedules(
    pool: &PgPool,
    commands: &commands::Commands,
    photos: &commands::file_store::FileStore,
    photo_quota_bytes: u64,
    shutdown: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(photo_quota::run(
            pool.clone(),
            commands.clone(),
            photos.clone(),
            photo_quota_bytes,
            photo_quota::CHECK_EVERY,
            shutdown.clone(),
        )),
        tokio::spawn(low_stock::run(
            pool.clone(),
            commands.clone(),
            low_stock::REVIEW_EVERY,
            shutdown.clone(),
        )),
        tokio::spawn(quote_expiry::run(
            pool.clone(),
            commands.clone(),
            quote_expiry::CHECK_EVERY,
            shutdown.clone(),
        )),
        tokio::spawn(quote_reminders::run(
            pool.clone(),
            commands.clone(),
            quote_reminders::CHECK_EVERY,
            shutdown.clone(),
        )),
        tokio::spawn(fec_archive::run(
            pool.clone(),
            photos.clone(),
            fec_archive::CHECK_EVERY,
            shutdown.clone(),
        )),
    ]
}

/// Notifies every process' listener after this process appended events.
///
/// Notifying inside the appending transaction would take PostgreSQL's cluster-wide notify
/// lock at each commit and serialise all commits (it halved throughput, ADR 0001). Here,
/// one notification covers every append of the last [`ANNOUNCE_INTERVAL`] at most.
async fn announce(
    pool: PgPool,
    mut appends: watch::Receiver<u64>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            changed = appends.changed() => if changed.is_err() { return },
            _ = shutdown.changed() => return,
        }
        appends.borrow_and_update();
        if let Err(error) = sqlx::query("select pg_notify($1, '')")
            .bind(EVENTS_CHANNEL)
            .execute(&pool)
            .await
        {
            // Subscribers still poll: a lost announcement only delays them.
            tracing::warn!(error = %error, "cannot announce appended events");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Under load, appends arrive every fraction of a millisecond: gather them.
        tokio::time::sleep(ANNOUNCE_INTERVAL).await;
    }
}

/// Turns PostgreSQL notifications into in-process wake-ups. A hint only: runners poll too.
async fn listen(pool: PgPool, subscriptions: Subscriptions, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let mut listener = match connect(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(error = %error, "cannot listen for new events, polling only");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        // Events committed while the listener was (re)connecting produced no notification.
        subscriptions.notify_new_events();
        loop {
            tokio::select! {
                received = listener.recv() => match received {
                    Ok(_) => subscriptions.notify_new_events(),
                    Err(error) => {
                        tracing::warn!(error = %error, "event listener lost its connection");
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}
