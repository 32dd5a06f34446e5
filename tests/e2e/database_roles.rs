//! The database roles of migration 0032 (ADR 0013): every table is classified, a tenant read
//! as the request role cannot escape its workspace, and neither the request role nor the
//! projector can alter the event log. These tests connect as the roles themselves, not as
//! the superuser `postgres`, which row-level security never binds.

use commands::Commands;
use domain::workspace::WorkspaceCommand;
use domain::Role;
use projections::engine;
use projections::tenant::{self, PLATFORM_TABLES, PROJECTOR_ROLE, REQUEST_ROLE};
use projections::Subscriptions;
use sqlx::PgPool;
use tests::{register, workspace_command, TestDb};
use uuid::Uuid;

/// Every table of the schema, as `(name, row security enabled, forced, has workspace_id)`.
async fn tables(pool: &PgPool) -> Vec<(String, bool, bool, bool)> {
    sqlx::query_as(
        "select c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                exists (select 1 from pg_attribute a where a.attrelid = c.oid
                        and a.attname = 'workspace_id' and not a.attisdropped)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r', 'p')
         order by 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The tenant tables: every table but the platform ones.
async fn tenant_tables(pool: &PgPool) -> Vec<String> {
    tables(pool)
        .await
        .into_iter()
        .map(|(name, ..)| name)
        .filter(|name| !PLATFORM_TABLES.contains(&name.as_str()))
        .collect()
}

async fn privilege(pool: &PgPool, role: &str, table: &str, privilege: &str) -> bool {
    sqlx::query_scalar("select has_table_privilege($1, $2, $3)")
        .bind(role)
        .bind(format!("public.\"{table}\""))
        .bind(privilege)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_table_is_a_tenant_table_under_forced_row_security_or_a_listed_platform_table() {
    let db = TestDb::new().await;
    let mut unclassified = vec![];
    for (table, secured, forced, has_workspace) in tables(&db.pool).await {
        for role in [REQUEST_ROLE, PROJECTOR_ROLE] {
            assert!(
                !privilege(&db.pool, role, &table, "truncate").await,
                "{role} may truncate {table}"
            );
        }
        if PLATFORM_TABLES.contains(&table.as_str()) {
            continue;
        }
        // A tenant table: its rows are a workspace's, its policies compare that workspace to
        // the transaction's, and they bind even its owner unless it bypasses RLS.
        let policies: Vec<String> = sqlx::query_scalar(
            "select coalesce(qual, '') from pg_policies where schemaname = 'public' and tablename = $1",
        )
        .bind(&table)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let scoped = policies
            .iter()
            .any(|qual| qual.contains("workspace_id") && qual.contains("app.workspace_id"));
        if !(secured && forced && has_workspace && scoped) {
            unclassified.push(format!(
                "{table} (row security {secured}, forced {forced}, workspace_id {has_workspace}, \
                 policy on app.workspace_id {scoped})"
            ));
            continue;
        }
        assert!(
            privilege(&db.pool, REQUEST_ROLE, &table, "select").await,
            "the request role cannot read {table}"
        );
        assert!(
            privilege(&db.pool, PROJECTOR_ROLE, &table, "select").await,
            "the projector cannot read {table}"
        );
    }
    assert!(
        unclassified.is_empty(),
        "tables neither under forced row-level security with a policy on workspace_id nor \
         listed in projections::tenant::PLATFORM_TABLES (with their grants, migration 0032 \
         and docs/security.md): {unclassified:#?}"
    );
    // Neither role owns anything (an owner is not bound by row-level security unless forced).
    let owned: i64 = sqlx::query_scalar(
        "select count(*) from pg_class c join pg_roles r on r.oid = c.relowner
         where r.rolname in ($1, $2)",
    )
    .bind(REQUEST_ROLE)
    .bind(PROJECTOR_ROLE)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(owned, 0);
    // And neither may bypass it.
    let bypass: i64 = sqlx::query_scalar(
        "select count(*) from pg_roles where rolname in ($1, $2) and (rolbypassrls or rolsuper)",
    )
    .bind(REQUEST_ROLE)
    .bind(PROJECTOR_ROLE)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(bypass, 0);
}

/// Two workspaces, each with an owner who sent an invitation: the workspace, member and
/// invitation read models and the log have rows of both, applied by the projector role.
async fn two_workspaces(db: &TestDb) -> (Uuid, Uuid) {
    let commands = Commands::new(db.pool.clone());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    workspace_command(&commands, a, register("Atelier A")).await;
    workspace_command(&commands, b, register("Atelier B")).await;
    for workspace_id in [a, b] {
        let owner = Uuid::new_v4();
        for command in [
            WorkspaceCommand::AddMember {
                account_id: owner,
                role: Role::Owner,
            },
            WorkspaceCommand::Invite {
                invitation_id: Uuid::new_v4(),
                role: Role::Operator,
                by: owner,
            },
        ] {
            workspace_command(&commands, workspace_id, command).await;
        }
    }
    // The projector writes every workspace's read models.
    let projector = db.pool_as(PROJECTOR_ROLE).await;
    for projection in projections::all() {
        engine::catch_up(&projector, &*projection, &Subscriptions::default(), 100)
            .await
            .unwrap();
    }
    (a, b)
}

/// The workspaces whose rows `executor` sees in each tenant table (events included).
async fn visible_workspaces(
    connection: &mut sqlx::PgConnection,
    tables: &[String],
) -> Vec<(String, Vec<Uuid>)> {
    let mut seen = vec![];
    for table in tables {
        let workspaces: Vec<Uuid> = sqlx::query_scalar(&format!(
            "select distinct workspace_id from \"{table}\" order by 1"
        ))
        .fetch_all(&mut *connection)
        .await
        .unwrap_or_else(|error| panic!("{table}: {error}"));
        seen.push((table.clone(), workspaces));
    }
    seen
}

fn only(seen: &[(String, Vec<Uuid>)], expected: &[Uuid]) {
    for (table, workspaces) in seen {
        assert!(
            workspaces.iter().all(|w| expected.contains(w)),
            "{table} shows {workspaces:?}, expected at most {expected:?}"
        );
    }
}

#[tokio::test]
async fn a_tenant_read_as_the_request_role_cannot_escape_its_workspace() {
    let db = TestDb::new().await;
    let (a, b) = two_workspaces(&db).await;
    let tables = tenant_tables(&db.pool).await;
    let request = db.pool_as(REQUEST_ROLE).await;

    let mut as_a = tenant::begin(&request, a).await.unwrap();
    let seen = visible_workspaces(&mut as_a, &tables).await;
    only(&seen, &[a]);
    // A's rows are there (so the check above is not vacuous).
    for table in ["workspace", "member", "invitation", "events"] {
        let (_, workspaces) = seen.iter().find(|(name, _)| name == table).unwrap();
        assert_eq!(workspaces, &vec![a], "{table}");
    }
    // `RESET ROLE` gives back the session's role: the request role, bound the same way.
    sqlx::query("reset role").execute(&mut *as_a).await.unwrap();
    let user: String = sqlx::query_scalar("select current_user::text")
        .fetch_one(&mut *as_a)
        .await
        .unwrap();
    assert_eq!(user, REQUEST_ROLE);
    only(&visible_workspaces(&mut as_a, &tables).await, &[a]);
    drop(as_a);

    // No other role is reachable: not the superuser, not the owner, not the projector.
    let owner: String =
        sqlx::query_scalar("select tableowner::text from pg_tables where tablename = 'events'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    for role in ["postgres", owner.as_str(), PROJECTOR_ROLE] {
        let mut tx = tenant::begin(&request, a).await.unwrap();
        let error = sqlx::query(&format!("set role \"{role}\""))
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("permission denied"),
            "{role}: {error}"
        );
    }

    // Without `app.workspace_id`, or with it empty, a tenant table shows no row at all.
    let mut unset = request.acquire().await.unwrap();
    for (table, workspaces) in visible_workspaces(&mut unset, &tables).await {
        assert!(
            workspaces.is_empty(),
            "{table} without a workspace: {workspaces:?}"
        );
    }
    drop(unset);
    let mut empty = request.begin().await.unwrap();
    sqlx::query("select set_config('app.workspace_id', '', true)")
        .execute(&mut *empty)
        .await
        .unwrap();
    for (table, workspaces) in visible_workspaces(&mut empty, &tables).await {
        assert!(
            workspaces.is_empty(),
            "{table} with an empty workspace: {workspaces:?}"
        );
    }
    drop(empty);
    // A forged setting that is no workspace id is an error, never every row.
    for forged in [
        "*",
        "%",
        "' or true --",
        "00000000-0000-0000-0000-000000000000",
    ] {
        let mut tx = request.begin().await.unwrap();
        sqlx::query("select set_config('app.workspace_id', $1, true)")
            .bind(forged)
            .execute(&mut *tx)
            .await
            .unwrap();
        let counted: Result<i64, _> = sqlx::query_scalar("select count(*) from workspace")
            .fetch_one(&mut *tx)
            .await;
        assert!(
            matches!(counted, Ok(0) | Err(_)),
            "{forged:?} showed {counted:?}"
        );
    }
    // The setting is the transaction's: once it ends, nothing shows.
    let mut as_b = tenant::begin(&request, b).await.unwrap();
    only(&visible_workspaces(&mut as_b, &tables).await, &[b]);
    as_b.commit().await.unwrap();
    let after: i64 = sqlx::query_scalar("select count(*) from workspace")
        .fetch_one(&request)
        .await
        .unwrap();
    assert_eq!(after, 0);
}

#[tokio::test]
async fn the_request_role_appends_events_and_neither_it_nor_the_projector_can_alter_them() {
    let db = TestDb::new().await;
    let (a, b) = two_workspaces(&db).await;
    let before = db.event_count().await;
    for role in [REQUEST_ROLE, PROJECTOR_ROLE] {
        let pool = db.pool_as(role).await;
        for statement in [
            "update events set payload = '{}'".to_owned(),
            "delete from events".to_owned(),
            "truncate events".to_owned(),
            // Nor the bookkeeping the log's readers trust.
            "alter table events disable row level security".to_owned(),
            "drop trigger events_append_only on events".to_owned(),
        ] {
            // Inside the workspace's own tenant read too.
            let mut tx = if role == REQUEST_ROLE {
                let mut tx = tenant::begin(&pool, a).await.unwrap();
                sqlx::query("reset role").execute(&mut *tx).await.unwrap();
                tx
            } else {
                pool.begin().await.unwrap()
            };
            let error = sqlx::query(&statement)
                .execute(&mut *tx)
                .await
                .expect_err(&format!("{role} may {statement}"));
            let message = error.to_string();
            assert!(
                message.contains("permission denied") || message.contains("must be owner"),
                "{role}: {statement}: {message}"
            );
        }
    }
    assert_eq!(db.event_count().await, before);
    // The request role appends a command's events (the projector too: reactors, jobs)…
    let request = db.pool_as(REQUEST_ROLE).await;
    workspace_command(
        &Commands::new(request.clone()),
        Uuid::new_v4(),
        register("Atelier C"),
    )
    .await;
    let appended = db.event_count().await;
    assert!(appended > before);
    // …but only to the workspace of its transaction: B's event inside A's transaction is
    // refused, whether the append scopes itself or not.
    for metadata in [
        "thermogestion_append_scope(jsonb_build_object('workspace_id', $1::text))",
        "jsonb_build_object('workspace_id', $1::text)",
    ] {
        let mut tx = tenant::begin(&request, a).await.unwrap();
        sqlx::query("reset role").execute(&mut *tx).await.unwrap();
        let error = sqlx::query(&format!(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             values ('workspace', $1::text || '/workspace', 1000, 'Forged', '1', '{{}}', {metadata})"
        ))
        .bind(b)
        .execute(&mut *tx)
        .await
        .expect_err(metadata);
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .unwrap_or_default();
        assert!(code == "TGP02" || code == "42501", "{metadata}: {error}");
    }
    assert_eq!(db.event_count().await, appended);
}

#[tokio::test]
async fn the_servers_requests_run_as_the_request_role_scoped_to_their_workspace() {
    let app = tests::spawn_app().await;
    let a = app.sign_up("Atelier A", "a@atelier-a.fr").await;
    let b = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    let pool = &app.state.pool;
    let who: (String, String) = sqlx::query_as("select session_user::text, current_user::text")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(who, (REQUEST_ROLE.to_owned(), REQUEST_ROLE.to_owned()));
    let projector: String = sqlx::query_scalar("select session_user::text")
        .fetch_one(&app.state.projector)
        .await
        .unwrap();
    assert_eq!(projector, PROJECTOR_ROLE);
    let tables = tenant_tables(&app.db.pool).await;
    // Before authentication (and outside any request): no tenant row.
    let mut anonymous = pool.acquire().await.unwrap();
    for (table, workspaces) in visible_workspaces(&mut anonymous, &tables).await {
        assert!(workspaces.is_empty(), "{table}: {workspaces:?}");
    }
    drop(anonymous);
    // Once a request names its workspace, every connection it takes sees that one only,
    // even for a query without a filter; the next request starts from nothing again.
    for workspace in [a.workspace_id, b.workspace_id] {
        let seen = api::db::serve_request(async {
            api::db::enter_workspace(workspace);
            let mut connection = pool.acquire().await.unwrap();
            visible_workspaces(&mut connection, &tables).await
        })
        .await;
        only(&seen, &[workspace]);
        let (_, workspaces) = seen.iter().find(|(name, _)| name == "workspace").unwrap();
        assert_eq!(workspaces, &vec![workspace]);
    }
    let mut after = pool.acquire().await.unwrap();
    let count: i64 = sqlx::query_scalar("select count(*) from workspace")
        .fetch_one(&mut *after)
        .await
        .unwrap();
    assert_eq!(count, 0);
    drop(after);
    app.stop().await;
}
