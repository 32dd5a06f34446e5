//! Reads on behalf of one workspace.
//!
//! Every read query filters on `workspace_id`; row-level security is the second lock. API
//! requests connect as [`REQUEST_ROLE`], which owns nothing, so every tenant table's policy
//! binds it (ADR 0013); tenant reads also drop to [`TENANT_ROLE`] (select only) with
//! `app.workspace_id` set for the transaction. Without the setting a tenant table shows no
//! row, and `RESET ROLE` only goes back to the request role, bound the same way.
//!
//! A workspace with a parked read model reads nothing until the sequence is retried: read
//! models refer to one another (a quote shows its client, a batch its projects), so a
//! partial view would show contradictions as facts. The refusal is a database error of our
//! own SQLSTATE, [`PARKED_SQLSTATE`], so that every caller's `?` carries it unchanged.

use std::sync::OnceLock;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The role API requests connect as (`DATABASE_URL` in production): owns nothing, reads
/// tenant tables through their policies, appends events, never alters them.
pub const REQUEST_ROLE: &str = "thermogestion_request";
/// The role projection runners, reactors and jobs connect as (`PROJECTOR_DATABASE_URL`):
/// writes every workspace's read models, reads the whole log, never alters it.
pub const PROJECTOR_ROLE: &str = "thermogestion_projector";
/// The select-only role a tenant read drops to.
pub const TENANT_ROLE: &str = "thermogestion_tenant";

/// Tables that are not tenant tables: read or written before a workspace is known, or
/// across workspaces by design. Each has explicit grants (migration 0032, docs/security.md);
/// every other table must be under forced row-level security with a policy on
/// `workspace_id` (`tests/e2e/database_roles.rs` fails on a table in neither case).
pub const PLATFORM_TABLES: &[&str] = &[
    // The migrator's journal: the owner only.
    "_sqlx_migrations",
    // Identities and logins (ADR 0003): before a workspace is chosen.
    "account",
    "refresh_token",
    "session_family",
    "recovery_code",
    "login_attempt",
    "login_delay",
    // Email links and the outbox (ADR 0004): a link is opened before its workspace is known.
    "email_token",
    "email_outbox",
    "email_attachment",
    // A workshop's mail server and OAuth handshakes: written by requests of that workshop,
    // read by the mailer for every workshop; secrets sealed (ADR 0003).
    "workspace_smtp",
    "oauth_state",
    // Client data keys (ADR 0005): keys, not data; erased with the client.
    "client_key",
    // The platform registry of Stripe accounts, unique across workshops (ADR 0012).
    "stripe_connected_account",
    // The platform's catalogue (ADR 0014): prices and features, no workspace, no person.
    "plan_price",
    "plan_feature",
    "feature_flag",
    "platform_setting",
    "catalogue_change",
    // Who runs the back office: account ids, outside every workshop.
    "platform_editor",
    // Projection bookkeeping, about every workspace at once (ADR 0010).
    "projection_checkpoint",
    "projection_parked",
    "projection_halted",
];

/// Raised by `thermogestion_enter_tenant` (migration 0026) when a read model is parked.
pub const PARKED_SQLSTATE: &str = "TGP01";

/// The read models a parked workspace cannot read (reactors have none).
fn read_models() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| crate::all().iter().map(|p| p.name()).collect())
}

/// A read of any of the workspace's read models: refused while one of them is parked.
pub async fn begin(
    pool: &PgPool,
    workspace_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    begin_reading(pool, workspace_id, read_models()).await
}

/// A read of the named read models only, refused while one of *them* is parked: what must
/// keep working when another one is (authentication reads `member`).
pub async fn begin_reading(
    pool: &PgPool,
    workspace_id: Uuid,
    read_models: &[&str],
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select thermogestion_enter_tenant($1, $2)")
        .bind(workspace_id)
        .bind(read_models)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// A read of the workshops `account_id` belongs to, across workspaces: login's, before any
/// workspace is chosen. The request role sees that account's `member` rows and their
/// workspaces only (policies `member_account`, `workspace_account` of migration 0032).
pub async fn begin_account(
    pool: &PgPool,
    account_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select set_config('app.account_id', $1::text, true)")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Scopes a pooled connection of the request role to `workspace_id` (`app.workspace_id`),
/// or to none: set at each acquisition, so a query that forgets its filter still sees only
/// the workspace of the request that took the connection (ADR 0013).
pub async fn scope_connection(
    connection: &mut sqlx::PgConnection,
    workspace_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query("select set_config('app.workspace_id', $1, false)")
        .bind(workspace_id.map(|id| id.to_string()).unwrap_or_default())
        .execute(connection)
        .await?;
    Ok(())
}

/// The role `pool` connects as when row-level security does not bind it (it owns tables,
/// is superuser or bypasses RLS); `None` when it is bound.
pub async fn unbound_role(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let (role, unbound): (String, bool) = sqlx::query_as(
        "select current_user::text,
                r.rolsuper or r.rolbypassrls
                or exists (select 1 from pg_class c where c.relowner = r.oid)
         from pg_roles r where r.rolname = current_user",
    )
    .fetch_one(pool)
    .await?;
    Ok(unbound.then_some(role))
}

/// The parked read models named by a [`begin`] refusal, if `error` is one.
pub fn parked_read_models(error: &sqlx::Error) -> Option<String> {
    let database = error.as_database_error()?;
    if database.code().as_deref() != Some(PARKED_SQLSTATE) {
        return None;
    }
    let message = database.message();
    Some(
        message
            .strip_prefix("read model parked: ")
            .unwrap_or(message)
            .to_owned(),
    )
}
