//! The client file: creation in the stored form, search, duplicates, journal, archive, merge.

use serde_json::{json, Value};
use tests::{error_code, node_strings, spawn_app, TestApp};

pub(crate) const CREATE: &str = "mutation($input: ClientInput!, $reason: String) {
    createClient(input: $input, duplicateOverrideReason: $reason) {
      id displayName companyName siret vatNumber email phones tags kind
      billingAddress { line1 postcode city country } } }";
const UPDATE: &str = "mutation($id: ID!, $input: ClientInput!, $reason: String) {
    updateClient(id: $id, input: $input, duplicateOverrideReason: $reason) { id email phones } }";
const SEARCH: &str = "query($search: String, $kind: ClientKind, $tag: String, $archived: Boolean, $first: Int, $after: String) {
    clients(search: $search, kind: $kind, tag: $tag, includeArchived: $archived, first: $first, after: $after) {
      edges { node { id displayName } } pageInfo { hasNextPage endCursor } } }";

/// Events of the client file: the mailer records its own in the background, so a count of
/// every event could move during a test for reasons of its own.
pub(crate) async fn client_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type in ('client', 'client_import', 'crm_settings')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

pub(crate) fn garage() -> Value {
    json!({
        "kind": "PROFESSIONAL", "companyName": "  Garage   Martin ", "siret": "732 829 320 00074",
        "vatNumber": "fr 40 303265045", "firstName": "Éloïse", "lastName": "Martin",
        "email": " Contact@Garage-Martin.FR ", "phones": ["06 12 34 56 78"],
        "billingAddress": { "line1": "12 rue des Forges", "postcode": "49000", "city": "Angers" },
        "tags": ["Garage", "jantes"], "notes": "Paie à 30 jours",
    })
}

pub(crate) fn private(first: &str, last: &str, email: &str) -> Value {
    json!({ "kind": "PRIVATE", "firstName": first, "lastName": last, "email": email })
}

pub(crate) async fn create(app: &TestApp, token: &str, input: Value) -> String {
    let created = app
        .graphql_as(token, CREATE, json!({ "input": input }))
        .await;
    created["data"]["createClient"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned()
}

async fn names(app: &TestApp, token: &str, variables: Value) -> Vec<String> {
    let found = app.graphql_as(token, SEARCH, variables).await;
    node_strings(&found, "clients", "displayName")
}

#[tokio::test]
async fn a_client_is_stored_clean_and_found_however_it_is_typed() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let created = app
        .graphql_as(token, CREATE, json!({ "input": garage() }))
        .await;
    assert_eq!(
        created["data"]["createClient"],
        json!({
            "id": created["data"]["createClient"]["id"], "displayName": "Garage Martin",
            "companyName": "Garage Martin", "siret": "73282932000074", "vatNumber": "FR40303265045",
            "email": "contact@garage-martin.fr", "phones": ["+33612345678"], "tags": ["Garage", "jantes"],
            "kind": "PROFESSIONAL",
            "billingAddress": { "line1": "12 rue des Forges", "postcode": "49000", "city": "Angers", "country": "FR" },
        }),
        "{created}"
    );
    create(
        &app,
        token,
        private("Hélène", "Durand", "helene@exemple.fr"),
    )
    .await;
    create(&app, token, private("Zoé", "Ärnström", "zoe@exemple.fr")).await;

    for (search, expected) in [
        ("eloise", vec!["Garage Martin"]),
        ("HELENE", vec!["Durand Hélène"]),
        ("06 12 34", vec!["Garage Martin"]),
        ("+33 6 12", vec!["Garage Martin"]),
        ("angers", vec!["Garage Martin"]),
        ("73282932000074", vec!["Garage Martin"]),
        ("arnstrom", vec!["Ärnström Zoé"]),
        ("exemple.fr", vec!["Ärnström Zoé", "Durand Hélène"]),
        ("nobody", vec![]),
    ] {
        assert_eq!(
            names(&app, token, json!({ "search": search })).await,
            expected,
            "search {search}"
        );
    }
    assert_eq!(
        names(&app, token, json!({ "kind": "PRIVATE" })).await,
        ["Ärnström Zoé", "Durand Hélène"],
        "sorted with accents ignored"
    );
    assert_eq!(
        names(&app, token, json!({ "tag": "JANTES" })).await,
        ["Garage Martin"]
    );

    // Pages follow the same order.
    let first = app.graphql_as(token, SEARCH, json!({ "first": 2 })).await;
    assert_eq!(
        node_strings(&first, "clients", "displayName"),
        ["Ärnström Zoé", "Durand Hélène"]
    );
    let cursor = first["data"]["clients"]["pageInfo"]["endCursor"].clone();
    let next = app
        .graphql_as(token, SEARCH, json!({ "first": 2, "after": cursor }))
        .await;
    assert_eq!(
        node_strings(&next, "clients", "displayName"),
        ["Garage Martin"]
    );
    assert_eq!(next["data"]["clients"]["pageInfo"]["hasNextPage"], false);
    app.stop().await;
}

#[tokio::test]
async fn bad_client_files_are_refused_with_the_reason_and_write_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let events = client_events(&app).await;
    let with = |field: &str, value: Value| {
        let mut input = garage();
        input[field] = value;
        input
    };
    for (input, reason) in [
        (
            with("siret", json!("732 829 321 00074")),
            "CLIENT_SIRET_INVALID",
        ),
        (
            with("vatNumber", json!("FR41303265045")),
            "CLIENT_VAT_INVALID",
        ),
        (with("phones", json!(["06 12"])), "CLIENT_PHONE_INVALID"),
        (with("email", json!("contact@")), "CLIENT_EMAIL_INVALID"),
        (
            with("companyName", json!("  ")),
            "CLIENT_COMPANY_NAME_MISSING",
        ),
        (
            with(
                "billingAddress",
                json!({ "line1": "1 rue", "postcode": "4900", "city": "Angers" }),
            ),
            "CLIENT_POSTCODE_INVALID",
        ),
        (
            private("Jean", " ", "jean@exemple.fr"),
            "CLIENT_LAST_NAME_MISSING",
        ),
    ] {
        let refused = app
            .graphql_as(token, CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&refused), Some("VALIDATION"), "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], reason,
            "{refused}"
        );
    }
    assert_eq!(client_events(&app).await, events, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn duplicates_warn_with_the_matches_and_pass_with_a_reason() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let first = create(
        &app,
        token,
        private("Éloïse", "Martin", "eloise@exemple.fr"),
    )
    .await;

    let events = client_events(&app).await;
    let same_name = private("ELOISE", "martin", "autre@exemple.fr");
    let warned = app
        .graphql_as(token, CREATE, json!({ "input": same_name }))
        .await;
    assert_eq!(error_code(&warned), Some("CONFLICT"), "{warned}");
    assert_eq!(
        warned["errors"][0]["extensions"]["reason"],
        "CLIENT_DUPLICATE"
    );
    assert_eq!(
        warned["errors"][0]["extensions"]["details"]["matches"],
        json!([{ "clientId": first, "displayName": "Martin Éloïse", "criterion": "name" }]),
        "{warned}"
    );
    assert!(warned["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("même nom et prénom"));
    assert_eq!(
        client_events(&app).await,
        events,
        "a warning writes nothing"
    );

    let candidates = app
        .graphql_as(
            token,
            "query($input: ClientInput!) { duplicateCandidates(input: $input) { client { id } criterion label } }",
            json!({ "input": private("Jean", "Dupont", "ELOISE@exemple.fr") }),
        )
        .await;
    assert_eq!(
        candidates["data"]["duplicateCandidates"],
        json!([{ "client": { "id": first }, "criterion": "EMAIL", "label": "même email" }])
    );

    let forced = app
        .graphql_as(
            token,
            CREATE,
            json!({ "input": same_name, "reason": "homonyme : la cousine, autre adresse" }),
        )
        .await;
    assert!(forced["errors"].is_null(), "{forced}");
    let recorded: Value = sqlx::query_scalar(
        "select payload -> 'Created' -> 'duplicate_override' from events
         where event_type = 'ClientCreated' order by global_position desc limit 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // The reason is typed text about people: sealed in the log like the profile (ADR 0005).
    assert!(
        recorded["reason"].as_str().unwrap().starts_with("s1:"),
        "{recorded}"
    );
    assert_eq!(recorded["matches"][0]["criterion"], "name");

    // Editing a client does not warn about what it already shared; new common points do.
    let second = forced["data"]["createClient"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut edited = same_name.clone();
    edited["phones"] = json!(["02 41 00 00 00"]);
    let updated = app
        .graphql_as(token, UPDATE, json!({ "id": second, "input": edited }))
        .await;
    assert!(updated["errors"].is_null(), "{updated}");
    edited["email"] = json!("eloise@exemple.fr");
    let warned = app
        .graphql_as(token, UPDATE, json!({ "id": second, "input": edited }))
        .await;
    assert_eq!(
        warned["errors"][0]["extensions"]["details"]["matches"][0]["criterion"], "email",
        "{warned}"
    );

    // The workshop decides what counts: with phones only, names and emails pass.
    let set = app
        .graphql_as(
            token,
            "mutation { setDuplicateCriteria(criteria: [PHONE]) { duplicateCriteria } }",
            json!({}),
        )
        .await;
    assert_eq!(
        set["data"]["setDuplicateCriteria"]["duplicateCriteria"],
        json!(["PHONE"])
    );
    let passed = app
        .graphql_as(token, UPDATE, json!({ "id": second, "input": edited }))
        .await;
    assert!(passed["errors"].is_null(), "{passed}");
    app.stop().await;
}

#[tokio::test]
async fn the_journal_archive_and_merge_keep_the_history_together() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let survivor = create(&app, token, private("Paul", "Bernard", "paul@exemple.fr")).await;
    let mut twin_input = private("Paul", "Bernard", "p.bernard@exemple.fr");
    twin_input["phones"] = json!(["07 81 23 45 67"]);
    let twin = app
        .graphql_as(
            token,
            CREATE,
            json!({ "input": twin_input, "reason": "saisi au comptoir sans vérifier" }),
        )
        .await["data"]["createClient"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let record = "mutation($id: ID!, $kind: InteractionKind!, $at: DateTime, $text: String!) {
        recordInteraction(clientId: $id, kind: $kind, occurredAt: $at, text: $text) { id kind text authorId } }";
    let call = app
        .graphql_as(
            token,
            record,
            json!({ "id": survivor, "kind": "CALL", "at": "2026-11-20T09:00:00Z", "text": "Demande de devis jantes" }),
        )
        .await;
    assert_eq!(call["data"]["recordInteraction"]["kind"], "CALL", "{call}");
    assert!(call["data"]["recordInteraction"]["authorId"].is_string());
    app.graphql_as(
        token,
        record,
        json!({ "id": twin, "kind": "NOTE", "at": "2026-11-22T09:00:00Z", "text": "Préfère être appelé le matin" }),
    )
    .await;
    let empty = app
        .graphql_as(
            token,
            record,
            json!({ "id": survivor, "kind": "NOTE", "text": "  " }),
        )
        .await;
    assert_eq!(
        empty["errors"][0]["extensions"]["reason"],
        "INTERACTION_EMPTY"
    );

    let events = client_events(&app).await;
    let merge = "mutation($survivor: ID!, $merged: ID!) { mergeClients(survivorId: $survivor, mergedId: $merged) { id } }";
    let itself = app
        .graphql_as(token, merge, json!({ "survivor": twin, "merged": twin }))
        .await;
    assert_eq!(
        itself["errors"][0]["extensions"]["reason"],
        "CLIENT_MERGE_SELF"
    );
    assert_eq!(client_events(&app).await, events);

    let merged = app
        .graphql_as(
            token,
            merge,
            json!({ "survivor": survivor, "merged": twin }),
        )
        .await;
    assert_eq!(
        merged["data"]["mergeClients"]["id"],
        survivor.as_str(),
        "{merged}"
    );
    assert_eq!(
        client_events(&app).await,
        events + 2,
        "both sides, together"
    );
    let sheet = app
        .graphql_as(
            token,
            "query($id: ID!) { client(id: $id) { mergedInto interactions { edges { node { text } } } } }",
            json!({ "id": survivor }),
        )
        .await;
    assert_eq!(
        node_strings(
            &json!({ "data": { "i": sheet["data"]["client"]["interactions"] } }),
            "i",
            "text"
        ),
        ["Préfère être appelé le matin", "Demande de devis jantes"],
        "the twin's journal joined, newest first"
    );
    let twin_sheet = app
        .graphql_as(
            token,
            "query($id: ID!) { client(id: $id) { mergedInto } }",
            json!({ "id": twin }),
        )
        .await;
    assert_eq!(
        twin_sheet["data"]["client"]["mergedInto"],
        survivor.as_str()
    );
    assert_eq!(
        names(&app, token, json!({ "search": "bernard" })).await,
        ["Bernard Paul"]
    );
    let frozen = app
        .graphql_as(
            token,
            UPDATE,
            json!({ "id": twin, "input": private("Paul", "Bernard", "x@exemple.fr") }),
        )
        .await;
    assert_eq!(
        frozen["errors"][0]["extensions"]["reason"], "CLIENT_MERGED",
        "{frozen}"
    );
    let again = app
        .graphql_as(
            token,
            merge,
            json!({ "survivor": survivor, "merged": twin }),
        )
        .await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");

    // Only managers archive and merge.
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    for (query, variables) in [
        (
            "mutation($id: ID!) { archiveClient(id: $id) { id } }",
            json!({ "id": survivor }),
        ),
        (merge, json!({ "survivor": survivor, "merged": twin })),
    ] {
        let refused = app
            .graphql_as(&operator.access_token, query, variables)
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }

    // Archived: out of the list, back with includeArchived, restored on demand.
    let archive = "mutation($id: ID!) { archiveClient(id: $id) { archivedAt } }";
    let archived = app
        .graphql_as(token, archive, json!({ "id": survivor }))
        .await;
    assert!(
        archived["data"]["archiveClient"]["archivedAt"].is_string(),
        "{archived}"
    );
    assert!(names(&app, token, json!({ "search": "bernard" }))
        .await
        .is_empty());
    assert_eq!(
        names(
            &app,
            token,
            json!({ "search": "bernard", "archived": true })
        )
        .await,
        ["Bernard Paul"]
    );
    let into_archived = app
        .graphql_as(
            token,
            UPDATE,
            json!({ "id": survivor, "input": private("Paul", "Bernard", "y@exemple.fr") }),
        )
        .await;
    assert_eq!(
        into_archived["errors"][0]["extensions"]["reason"],
        "CLIENT_ARCHIVED"
    );
    app.stop().await;
}

#[tokio::test]
async fn another_workshop_never_sees_nor_touches_a_client() {
    let app = spawn_app().await;
    let both = app.two_workspaces().await;
    let secret = create(&app, &both.a.access_token, garage()).await;
    let b = &both.b.access_token;
    let events = client_events(&app).await;
    for (query, variables) in [
        ("query($id: ID!) { client(id: $id) { id } }", json!({ "id": secret })),
        (UPDATE, json!({ "id": secret, "input": garage() })),
        ("mutation($id: ID!) { archiveClient(id: $id) { id } }", json!({ "id": secret })),
        (
            "mutation($id: ID!) { recordInteraction(clientId: $id, kind: NOTE, text: \"intrus\") { id } }",
            json!({ "id": secret }),
        ),
    ] {
        let refused = app.graphql_as(b, query, variables).await;
        assert_eq!(error_code(&refused), Some("NOT_FOUND"), "{refused}");
    }
    let own = create(&app, b, private("Jean", "Dupont", "jean@exemple.fr")).await;
    let merge = app
        .graphql_as(
            b,
            "mutation($s: ID!, $m: ID!) { mergeClients(survivorId: $s, mergedId: $m) { id } }",
            json!({ "s": own, "m": secret }),
        )
        .await;
    assert_eq!(error_code(&merge), Some("NOT_FOUND"), "{merge}");
    assert_eq!(client_events(&app).await, events + 1, "only B's own client");
    // The same company in B is no duplicate of A's, and B's searches find nothing of A.
    let same = app
        .graphql_as(b, CREATE, json!({ "input": garage() }))
        .await;
    assert!(same["errors"].is_null(), "{same}");
    let all = app
        .graphql_as(b, SEARCH, json!({ "search": "martin" }))
        .await;
    assert_eq!(
        node_strings(&all, "clients", "displayName"),
        ["Garage Martin"]
    );
    assert!(!all.to_string().contains(&secret), "{all}");
    let candidates = app
        .graphql_as(
            b,
            "query($input: ClientInput!) { duplicateCandidates(input: $input) { client { id } } }",
            json!({ "input": garage() }),
        )
        .await;
    assert!(!candidates.to_string().contains(&secret), "{candidates}");
    app.stop().await;
}

#[tokio::test]
async fn the_log_keeps_client_data_sealed_and_a_deleted_key_erases_it() {
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier", "gerant@atelier.fr").await;
    let token = &owner.access_token;
    let id = create(&app, token, garage()).await;
    // Recorded, or the checks of the log and of the erased journal below look at nothing.
    let recorded = app
        .graphql_as(
            token,
            "mutation($id: ID!) { recordInteraction(clientId: $id, kind: CALL, text: \"Éloïse rappelle lundi\") { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        recorded["data"]["recordInteraction"]["id"].is_string(),
        "{recorded}"
    );
    let in_clear: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_type = 'client'
           and (payload::text ilike '%martin%' or payload::text ilike '%garage-martin%'
                or payload::text like '%612345678%' or payload::text ilike '%angers%'
                or payload::text ilike '%rappelle%')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(in_clear, 0, "no client data in clear in the log");
    assert_eq!(
        names(&app, token, json!({ "search": "martin" })).await,
        ["Garage Martin"]
    );

    // Erasure (a later GDPR feature) deletes the key: a rebuild finds nothing to show.
    sqlx::query("delete from client_key")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let projection = projections::client::ClientProjection;
    projections::engine::replay(&app.db.pool, &projection, 500)
        .await
        .unwrap();
    assert!(names(&app, token, json!({})).await.is_empty());
    let journal: i64 = sqlx::query_scalar("select count(*) from client_interaction")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(journal, 0);
    app.stop().await;
}
