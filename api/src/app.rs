//! Building and running one server process.

use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use commands::Commands;
use projections::engine::RunnerSettings;
use projections::read_your_writes;
use projections::Subscriptions;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::Keys;
use crate::config::Config;
use crate::http::Metrics;
use crate::limits::Limits;
use crate::{db, graphql, http};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// API requests: the request role in production (`DATABASE_URL`, ADR 0013).
    pub pool: PgPool,
    /// Projection runners, reactors and jobs: the projector role in production
    /// (`PROJECTOR_DATABASE_URL`); the same pool when both name one role.
    pub projector: PgPool,
    pub commands: Commands,
    pub subscriptions: Subscriptions,
    pub metrics: Metrics,
    /// Who may read `/metrics` (`METRICS_TOKEN`, `METRICS_ADDR`).
    pub metrics_access: http::metrics_access::MetricsAccess,
    pub keys: Arc<Keys>,
    pub limits: Arc<Limits>,
    /// `TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<http::client_address::TrustedProxies>,
    /// How much a request may carry (`BODY_LIMIT_*`).
    pub body_limits: http::request_size::BodyLimits,
    /// GraphiQL and introspection (`GRAPHQL_INTROSPECTION`).
    pub graphql_introspection: bool,
    /// Where links in emails point (`PUBLIC_BASE_URL`).
    pub public_base_url: Arc<str>,
    pub message_domain: Arc<str>,
    pub secrets: commands::secret_box::SecretBox,
    /// The platform's transport, for test emails of workshops without their own server.
    pub default_mailer: Arc<workers::mailer::Mailer>,
    pub oauth_providers: Arc<Vec<commands::mail_settings::OAuthProvider>>,
    pub supplier_catalogue_url: Option<Arc<str>>,
    pub read_your_writes_timeout: Duration,
    pub files: commands::file_store::FileStore,
    pub photo_quota_bytes: u64,
    /// `PHOTO_PURGE_BUDGET_PER_MEMBER_PER_DAY_BYTES`.
    pub photo_purge_budget_bytes: u64,
    /// Signs photo URLs (derived from the JWT secret: one secret less to manage).
    pub url_key: Arc<[u8; 32]>,
    pub stripe: Arc<commands::payment_links::StripeSettings>,
    /// `PENNYLANE_API_BASE`.
    pub pennylane_api_base: Arc<str>,
}

impl AppState {
    pub fn new(pool: PgPool, subscriptions: Subscriptions, config: &Config) -> Self {
        let commands = Commands::new(pool.clone());
        let metrics = Metrics::new(commands.events_appended());
        Self {
            projector: pool.clone(),
            pool,
            commands,
            subscriptions,
            metrics,
            metrics_access: http::metrics_access::MetricsAccess::new(config),
            keys: Arc::new(Keys::new(&config.jwt_secret)),
            limits: Arc::new(Limits::new(config.rate_limits)),
            body_limits: config.body_limits,
            graphql_introspection: config.graphql_introspection,
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            public_base_url: config.public_base_url.trim_end_matches('/').into(),
            message_domain: config.message_domain().into(),
            secrets: config.secret_box(),
            default_mailer: Arc::new(
                config
                    .mailer()
                    .expect("mail configuration checked at start"),
            ),
            oauth_providers: Arc::new(config.oauth_providers.clone()),
            supplier_catalogue_url: config
                .supplier_catalogue_url
                .as_ref()
                .map(|url| Arc::from(url.expose_secret())),
            read_your_writes_timeout: read_your_writes::DEFAULT_TIMEOUT,
            files: config.file_store().expect("photo storage"),
            photo_quota_bytes: config.photo_quota_bytes,
            photo_purge_budget_bytes: config.photo_purge_budget_bytes,
            url_key: Arc::new(crate::photo_urls::key(&config.jwt_secret)),
            stripe: Arc::new(commands::payment_links::StripeSettings {
                api_base: config.stripe_api_base.clone(),
                secret_key: config
                    .stripe_secret_key
                    .as_ref()
                    .map(|key| key.expose_secret().to_owned()),
                webhook_secret: config
                    .stripe_webhook_secret
                    .as_ref()
                    .map(|key| key.expose_secret().to_owned()),
                public_base_url: config.public_base_url.trim_end_matches('/').to_owned(),
            }),
            pennylane_api_base: config.pennylane_api_base.as_str().into(),
        }
    }

    /// Runners, reactors and jobs connect as the projector, requests as the request role.
    pub fn with_projector(mut self, projector: PgPool) -> Self {
        self.projector = projector;
        self
    }

    /// This state as the workers see it: the projector's pool, and commands on it that share
    /// the request side's signals (appends announced and counted together).
    pub fn for_projector(&self) -> Self {
        Self {
            pool: self.projector.clone(),
            commands: self.commands.on_pool(self.projector.clone()),
            ..self.clone()
        }
    }

    /// The Pennylane push on this state's pool: give it [`AppState::for_projector`].
    pub fn pennylane(&self) -> workers::pennylane::Pennylane {
        workers::pennylane::Pennylane::new(
            self.pool.clone(),
            self.secrets.clone(),
            &self.pennylane_api_base,
        )
    }

    /// Who calls, from the `Authorization` header; a signed-in caller's request counts
    /// against its user's and its workspace's budgets (`limits::Limits::request`).
    pub async fn authenticate(&self, authorization: Option<&str>) -> crate::auth::Authentication {
        let now = self.limits.clock().now_utc();
        let authentication =
            crate::auth::authenticate(&self.pool, &self.keys, authorization, now).await;
        if let crate::auth::Authentication::Actor(actor) = &authentication {
            crate::db::enter_workspace(actor.workspace_id);
            if let Err(throttled) = self.limits.request(actor.account_id, actor.workspace_id) {
                tracing::info!(
                    account_id = %actor.account_id,
                    scope = ?throttled.scope,
                    "request over its budget"
                );
                return crate::auth::Authentication::Throttled(throttled);
            }
        }
        authentication
    }
}

/// Row-level security binds requests only if their role owns no table and cannot bypass it
/// (ADR 0013): say so at start when `DATABASE_URL` names such a role in production (the
/// superuser `postgres` on a developer's machine is expected).
async fn warn_if_unbound(pool: &PgPool, config: &Config) {
    if let Ok(Some(role)) = projections::tenant::unbound_role(pool).await {
        if config.environment == crate::config::Environment::Production {
            tracing::warn!(
                role,
                "DATABASE_URL connects as a role that row-level security does not bind (it owns \
                 tables, is superuser or bypasses RLS): connect requests as \
                 thermogestion_request (docs/operations.md, database roles)"
            );
        }
    }
}

/// A server bound to its port, not yet serving. Binding in `build` is what lets tests ask
/// for port 0 and read the port chosen.
pub struct Application {
    listener: TcpListener,
    /// `METRICS_ADDR`, when metrics have an address of their own.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    shutdown: watch::Sender<bool>,
    run_workers: bool,
    mailer: Option<workers::mailer::Mailer>,
}

impl Application {
    /// Creates the database if absent, migrates it, connects and binds.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        use anyhow::Context;
        // The owner creates and migrates; requests and workers connect as their own roles
        // (ADR 0013), the same one on a developer's machine.
        let owner_url = config.migration_database_url();
        db::ensure_database(owner_url)
            .await
            .context("cannot create the database")?;
        let owner = db::connect(owner_url, 2)
            .await
            .context("cannot connect to the database (MIGRATION_DATABASE_URL)")?;
        db::MIGRATOR
            .run(&owner)
            .await
            .context("migrations failed")?;
        owner.close().await;
        let pool = db::connect_requests(config.database_url(), config.database_max_connections)
            .await
            .context("cannot connect to the database")?;
        warn_if_unbound(&pool, config).await;
        let projector = if config.projector_database_url() == config.database_url() {
            // One role for everything (a developer's machine): one pool, as before. Workers
            // take its connections outside any request, so without a workspace.
            pool.clone()
        } else {
            db::connect(
                config.projector_database_url(),
                config.database_max_connections,
            )
            .await
            .context("cannot connect to the database (PROJECTOR_DATABASE_URL)")?
        };
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let metrics_listener = match config.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on METRICS_ADDR {addr}"))?,
            ),
            None => None,
        };
        // Checked before the state, which builds a mailer of its own for test emails.
        let mailer = config.mailer().context("mail configuration")?;
        let state = AppState::new(pool, Subscriptions::default(), config).with_projector(projector);
        commands::catalogue::seed(&state.commands)
            .await
            .map_err(|error| anyhow::anyhow!("cannot seed the plan catalogue: {error}"))?;
        let mailer = mailer.with_events(state.commands.on_pool(state.projector.clone()));
        Ok(Self {
            listener,
            metrics_listener,
            state,
            shutdown: watch::Sender::new(false),
            run_workers: true,
            mailer: Some(mailer),
        })
    }

    /// Serve HTTP only, leaving projections to `thermogestion worker` processes.
    pub fn without_workers(mut self) -> Self {
        self.run_workers = false;
        self
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or(0)
    }

    /// The port of `METRICS_ADDR`, when configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
            .map(|addr| addr.port())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Setting it to `true` stops the server gracefully (what SIGTERM does).
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }

    /// Serves until shutdown: in-flight requests finish, then workers stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            listener,
            metrics_listener,
            state,
            shutdown,
            run_workers,
            mailer,
        } = self;
        // Workers get their own stop signal, given only once HTTP has drained: a request in
        // flight may be waiting for a projection to reach its events.
        let (stop_workers, workers_stop) = watch::channel(false);
        let workers = if run_workers {
            let projector = state.for_projector();
            let mut handles = workers::spawn(
                &projector.pool,
                &projector.subscriptions,
                RunnerSettings::default(),
                Some(state.commands.appends()),
                mailer,
                reactors(&projector),
                &workers_stop,
            );
            handles.push(tokio::spawn(workers::pennylane::run(
                projector.pennylane(),
                workers_stop.clone(),
            )));
            handles.extend(workers::spawn_schedules(
                &projector.pool,
                &projector.commands,
                &projector.files,
                projector.photo_quota_bytes,
                &workers_stop,
            ));
            handles
        } else {
            vec![]
        };
        let metrics_server = metrics_listener.map(|listener| {
            let router = http::metrics_router(state.clone());
            let mut until = shutdown.subscribe();
            tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = until.wait_for(|stopped| *stopped).await;
                    })
                    .await;
                if let Err(error) = served {
                    tracing::error!(%error, "the metrics listener stopped");
                }
            })
        });
        let schema = graphql::build(state.clone());
        let editor_schema = graphql::editor::build(state.clone());
        let router = http::router(state, schema, editor_schema);
        let mut until = shutdown.subscribe();
        tracing::info!(addr = %listener.local_addr()?, "serving");
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = until.wait_for(|stopped| *stopped).await;
        })
        .await?;
        if let Some(metrics_server) = metrics_server {
            let _ = metrics_server.await;
        }
        let _ = stop_workers.send(true);
        for worker in workers {
            let _ = worker.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The subscribers that act on events (never replayed), on `state`'s pool: give it
/// [`AppState::for_projector`].
pub fn reactors(state: &AppState) -> Vec<Arc<dyn projections::Projection>> {
    workers::reactors(
        &state.pool,
        &state.commands,
        &state.files,
        &state.public_base_url,
        &state.message_domain,
    )
}

/// Resolves on SIGTERM or Ctrl-C and flips `shutdown`.
pub async fn stop_on_signal(shutdown: watch::Sender<bool>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown requested, finishing in-flight requests");
    let _ = shutdown.send(true);
}
