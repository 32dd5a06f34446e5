//! Poison isolation: an event a real projection cannot apply parks that workspace for that
//! projection only; every other workspace reads back at once; a retry after the fix applies
//! the parked sequence once, and the tables equal a replay.

use serde_json::{json, Value};
use tests::{error_code, TestApp};

use crate::quotes::{shop, workshop_quote, year, CREATE};

async fn parked_gauge(app: &TestApp, projection: &str) -> Option<String> {
    let text = app.get("/metrics").await.text().await.unwrap();
    let series = format!("thermogestion_projection_parked{{projection=\"{projection}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series).map(str::to_owned))
}

fn quote_numbers(response: &Value) -> Vec<String> {
    let mut numbers: Vec<String> = response["data"]["quotes"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|edge| edge["node"]["number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    numbers
}

const QUOTES: &str = "{ quotes { edges { node { number } } } }";

#[tokio::test]
async fn a_poisoned_quote_parks_its_workshop_only_and_a_retry_applies_it_once() {
    let app = tests::spawn_app().await;
    let (owner_a, a) = shop(&app, "Atelier A", "a@atelier.fr").await;
    let (_, b) = shop(&app, "Atelier B", "b@atelier.fr").await;
    let first = app
        .graphql_as(
            &a.token,
            CREATE,
            workshop_quote(&a.client, &a.gate, &a.rims),
        )
        .await;
    assert!(first["data"]["createQuote"]["id"].is_string(), "{first}");

    // A row of A's that A's next quote will collide with (the number is unique per
    // workshop in the read model), as a bug or a bad restore could leave behind.
    let next = format!("DEV-{}-0002", year());
    let stray = uuid::Uuid::new_v4();
    sqlx::query(
        "insert into quote (workspace_id, quote_id, number, version, status, client_id, total_ht,
                            total_vat, total_ttc, deposit_due, valid_until, content, created_at,
                            updated_at)
         select workspace_id, $3, $2, version, status, client_id, total_ht,
                total_vat, total_ttc, deposit_due, valid_until, content, created_at, updated_at
         from quote where workspace_id = $1",
    )
    .bind(owner_a.workspace_id)
    .bind(&next)
    .bind(stray)
    .execute(&app.db.pool)
    .await
    .unwrap();

    // A's write happens and says so, with a warning, instead of waiting 5 s for nothing.
    let events_before = app.db.event_count().await;
    let poisoned = app
        .graphql_as(
            &a.token,
            CREATE,
            workshop_quote(&a.client, &a.gate, &a.rims),
        )
        .await;
    assert!(
        app.db.event_count().await > events_before,
        "the quote is written"
    );
    assert_eq!(
        poisoned["extensions"]["warnings"][0]["code"], "READ_MODEL_PARKED",
        "{poisoned}"
    );
    assert_eq!(
        poisoned["errors"][0]["extensions"]["reason"], "READ_MODEL_PARKED",
        "{poisoned}"
    );
    assert_eq!(
        poisoned["errors"][0]["extensions"]["details"]["writeRecorded"], true,
        "the client must not retry a write that happened: {poisoned}"
    );
    // What the command decided is reported instead of the read-back: the quote's id and
    // number, and every aggregate written.
    let warning = &poisoned["extensions"]["warnings"][0]["details"];
    assert_eq!(warning["known"]["number"], next, "{poisoned}");
    let quote_id = warning["known"]["id"].as_str().unwrap().to_owned();
    let recorded: Vec<(&str, &str)> = warning["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|written| {
            (
                written["aggregateType"].as_str().unwrap(),
                written["aggregateId"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        recorded
            .iter()
            .any(|(kind, id)| *kind == "quote" && id.ends_with(&quote_id)),
        "{poisoned}"
    );
    assert_eq!(
        poisoned["errors"][0]["extensions"]["details"]["known"]["number"], next,
        "{poisoned}"
    );
    let parked = projections::parking::list(&app.db.pool, None, None)
        .await
        .unwrap();
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0].projection, "quote");
    assert_eq!(parked[0].workspace_id, owner_a.workspace_id);
    assert_eq!(parked[0].error_kind, "23505");
    assert_eq!(parked_gauge(&app, "quote").await.as_deref(), Some("1"));
    assert_eq!(parked_gauge(&app, "client").await.as_deref(), Some("0"));

    // B is untouched: its quotes read back at once, numbered in its own sequence.
    let b_quote = app
        .graphql_as(
            &b.token,
            CREATE,
            workshop_quote(&b.client, &b.gate, &b.rims),
        )
        .await;
    assert_eq!(
        b_quote["data"]["createQuote"]["number"],
        format!("DEV-{}-0001", year()),
        "{b_quote}"
    );
    assert!(b_quote
        .get("extensions")
        .is_none_or(|e| e["warnings"].is_null()));
    let b_list = app.graphql_as(&b.token, QUOTES, json!({})).await;
    assert_eq!(quote_numbers(&b_list).len(), 1);

    // A reads nothing rather than a contradiction; A's later quote waits behind the parked one.
    let a_list = app.graphql_as(&a.token, QUOTES, json!({})).await;
    assert_eq!(error_code(&a_list), Some("INTERNAL"), "{a_list}");
    assert_eq!(
        a_list["errors"][0]["extensions"]["reason"],
        "READ_MODEL_PARKED"
    );
    let third = app
        .graphql_as(
            &a.token,
            CREATE,
            workshop_quote(&a.client, &a.gate, &a.rims),
        )
        .await;
    assert_eq!(
        third["extensions"]["warnings"][0]["code"],
        "READ_MODEL_PARKED"
    );

    // The operator removes the cause and retries: A's two quotes apply, once.
    sqlx::query("delete from quote where quote_id = $1")
        .bind(stray)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // The runner has gone past A's third quote too (skipping it behind the parked one).
    tests::eventually("the quote runner past A's third quote", || async {
        let lags = projections::engine::lags(&app.db.pool).await.unwrap();
        lags.iter()
            .any(|lag| lag.projection == "quote" && lag.events == 0)
            .then_some(())
    })
    .await;
    let quote = projections::by_name("quote").unwrap();
    let outcomes = projections::parking::retry(&app.db.pool, &*quote, Some(owner_a.workspace_id))
        .await
        .unwrap();
    let [projections::parking::RetryOutcome::Applied { events, .. }] = outcomes.as_slice() else {
        panic!("{outcomes:?}");
    };
    assert_eq!(events.get("QuoteCreated"), Some(&2), "{events:?}");
    let again = projections::parking::retry(&app.db.pool, &*quote, None)
        .await
        .unwrap();
    assert!(again.is_empty(), "a second retry finds nothing: {again:?}");
    assert_eq!(parked_gauge(&app, "quote").await.as_deref(), Some("0"));
    let a_list = app.graphql_as(&a.token, QUOTES, json!({})).await;
    assert_eq!(
        quote_numbers(&a_list),
        vec![
            format!("DEV-{}-0001", year()),
            next.clone(),
            format!("DEV-{}-0003", year())
        ],
        "{a_list}"
    );

    // What the retry built is what a replay builds.
    let live = crate::replay::dump(&app.db.pool).await;
    for projection in projections::all() {
        projections::engine::replay(&app.db.pool, &*projection, 50)
            .await
            .unwrap();
    }
    assert_eq!(crate::replay::dump(&app.db.pool).await, live);
    app.stop().await;
}

#[tokio::test]
async fn a_schema_bug_halts_the_projection_instead_of_parking_every_workshop() {
    let app = tests::spawn_app().await;
    let a = app.sign_up("Atelier A", "a@atelier.fr").await;
    // A code or schema bug: a column the projection writes is gone (SQLSTATE 42703).
    sqlx::query("alter table client rename column display_name to display_name_gone")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let created = app
        .graphql_as(
            &a.access_token,
            crate::clients::CREATE,
            json!({ "input": crate::clients::private("Paul", "Bernard", "paul@exemple.fr") }),
        )
        .await;
    assert_eq!(
        created["extensions"]["warnings"][0]["code"], "READ_MODEL_PARKED",
        "{created}"
    );
    let halted = projections::parking::halted(&app.db.pool).await.unwrap();
    assert_eq!(halted.len(), 1, "{halted:?}");
    assert_eq!(halted[0].0, "client");
    assert!(
        projections::parking::list(&app.db.pool, None, None)
            .await
            .unwrap()
            .is_empty(),
        "nobody is parked for a bug that is everybody's"
    );
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("thermogestion_projection_halted{projection=\"client\"} 1"),
        "{text}"
    );
    // The fix is deployed; the operator's retry applies the page at once and lifts the halt.
    sqlx::query("alter table client rename column display_name_gone to display_name")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let client = projections::by_name("client").unwrap();
    assert!(projections::engine::resume_halted(&app.db.pool, &*client)
        .await
        .unwrap());
    assert!(projections::parking::halted(&app.db.pool)
        .await
        .unwrap()
        .is_empty());
    let listed = app
        .graphql_as(
            &a.access_token,
            "{ clients { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["clients"]["edges"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    app.stop().await;
}
