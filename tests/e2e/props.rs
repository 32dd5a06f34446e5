//! Property test over the schema (issue 16). The mutations come from introspection; each has a
//! fixture of valid arguments, and each typed leaf of those arguments (`Int`, `Decimal`,
//! `String`, `NaiveDate`, `DateTime`, down through input objects and lists) is pushed in turn
//! to its extremes while every other argument stays valid. Whatever the extreme, the server
//! answers (no 5xx, no panic), a refusal is `VALIDATION` in French, short (it names the field
//! and the limit, it does not repeat the input) and writes no event, no absurd extreme (10^5
//! characters, a negative figure, 2^31 - 1) is accepted outside `UNBOUNDED`, and no projection
//! parks or halts on what was accepted.
//!
//! `ID`, enums, `Boolean` and `JSON` are not attacked: ids are references (tenant isolation
//! tests them), enums and booleans have no extreme, and the two `JSON` arguments (quote
//! template configuration, photo annotations) are checked against their own JSON schemas.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use tests::{sign_up_input, spawn_app_with, totp_code, Owner, TestApp, PASSWORD};

use crate::invoices::{seller_settings, signed_quote};
use crate::projects::{counter_project, skip, step};
use crate::quote_signatures::{create_and_send, drawn_signature, sign_input};
use crate::quotes::{shop, Shop};

const INTROSPECTION: &str = "query {
  __schema {
    mutationType { fields { name type { ...Ref } args { name type { ...Ref } } } }
    types { kind name inputFields { name type { ...Ref } } }
  }
}
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } }";

/// Mutations whose typed arguments cannot be exercised here, with the reason. Keep it short:
/// every other mutation with a number, a text or a date needs a fixture below.
const EXEMPT: &[(&str, &str)] = &[];

/// Fixtures that cannot succeed as they are: their only typed leaves are references to what
/// an email or a provider would bring (a verification token, an OAuth state), so a made-up
/// one is enough to push the leaf to its extremes.
const MADE_UP: &[&str] = &["verifyEmail", "completeEmailOAuth"];

/// Leaves that may accept an extreme no person types — 10^5 characters, a negative number,
/// 2^31 - 1 or more — with the reason. Every other leaf has a real-world range
/// (`domain::limits`, or its aggregate's own), so accepting one of those anywhere else fails
/// the test: a new field without a bound cannot slip in.
///
/// No text is listed. The long documents are bounded below 10^5 and refuse this input anyway:
/// an email body (MJML, 100 000 characters) must parse, a quote's CGV (20 000) and legal
/// mentions (2 000) come inside the template's JSON, which is not attacked here. A document
/// that one day legitimately takes 10^5 characters goes here, with its own upper bound named.
const UNBOUNDED: &[(&str, &str, &str)] = &[(
    "connectPennylane",
    "accounts[].ledgerAccountId",
    "Pennylane's id of an account, not a quantity: any positive Int may be one",
)];

/// A refusal names the field and the limit; one longer than this repeats what was typed.
const MAX_MESSAGE_CHARS: usize = 500;

/// Mutations that change workshop-wide settings the other fixtures rely on (step keys, the
/// oven, prices): tried last, so an extreme they accept cannot turn a later refusal into
/// something else.
const LAST: &[&str] = &[
    "updateQuoteSettings",
    "updateStockSettings",
    "updateInvoiceSettings",
    "updateOven",
    "updateWorkflow",
    "renameWorkspace",
];

/// Leaves that name something rather than describe it (a step key, a checklist item, a
/// token, a credential, a stored format, a quote version): pointing at nothing may honestly
/// answer with the codes listed, besides `VALIDATION`. Every other refusal must be
/// `VALIDATION`.
const REFERENCES: &[(&str, &str, &[&str])] = &[
    ("login", "input.email", &["UNAUTHENTICATED"]),
    ("login", "input.password", &["UNAUTHENTICATED"]),
    ("login", "input.totpCode", &["UNAUTHENTICATED"]),
    ("login", "input.recoveryCode", &["UNAUTHENTICATED"]),
    ("refreshSession", "refreshToken", &["UNAUTHENTICATED"]),
    ("logout", "refreshToken", &["UNAUTHENTICATED"]),
    ("confirmTwoFactorEnrolment", "code", &["UNAUTHENTICATED"]),
    ("verifyEmail", "token", &["NOT_FOUND", "UNAUTHENTICATED"]),
    ("resetPassword", "token", &["NOT_FOUND", "UNAUTHENTICATED"]),
    (
        "acceptInvitation",
        "token",
        &["NOT_FOUND", "UNAUTHENTICATED"],
    ),
    (
        "completeEmailOAuth",
        "state",
        &["NOT_FOUND", "UNAUTHENTICATED"],
    ),
    (
        "completeEmailOAuth",
        "code",
        &["NOT_FOUND", "UNAUTHENTICATED"],
    ),
    ("saveEmailTemplate", "kind", &["NOT_FOUND"]),
    ("resetEmailTemplate", "kind", &["NOT_FOUND"]),
    ("previewEmailTemplate", "kind", &["NOT_FOUND"]),
    ("signQuote", "input.version", &["NOT_FOUND", "CONFLICT"]),
    ("signQuote", "input.pdfSha256", &["NOT_FOUND", "CONFLICT"]),
    ("recordQualityControl", "answers[].item", &["NOT_FOUND"]),
    ("declareNonConformity", "input.defectType", &["NOT_FOUND"]),
    ("declareNonConformity", "input.returnTo", &["NOT_FOUND"]),
    ("createBatch", "parts[].ranks[]", &["NOT_FOUND"]),
    ("addToBatch", "parts[].ranks[]", &["NOT_FOUND"]),
    ("removeFromBatch", "codes[]", &["NOT_FOUND"]),
    ("updatePowder", "input.reference", &["NOT_FOUND"]),
    ("receivePowder", "formatKg", &["NOT_FOUND"]),
    ("weighPowder", "formatKg", &["NOT_FOUND"]),
    ("confirmClientImport", "choices[].line", &["NOT_FOUND"]),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Decimal,
    Text,
    Date,
    DateTime,
}

impl Kind {
    fn of_scalar(name: &str) -> Result<Option<Self>, String> {
        match name {
            "Int" => Ok(Some(Self::Int)),
            "Decimal" | "Float" => Ok(Some(Self::Decimal)),
            "String" => Ok(Some(Self::Text)),
            "NaiveDate" => Ok(Some(Self::Date)),
            "DateTime" => Ok(Some(Self::DateTime)),
            "ID" | "Boolean" | "JSON" => Ok(None),
            other => Err(format!("scalar {other} unknown to the property test")),
        }
    }

    /// Zero, negatives, the largest 32-bit integer, 1e30, 10^5 characters, dates far ahead
    /// and before 2000.
    fn extremes(self) -> Vec<Value> {
        match self {
            Self::Int => vec![json!(0), json!(-1), json!(2_147_483_647), json!(1e30)],
            Self::Decimal => vec![
                json!("0"),
                json!("-1"),
                json!("2147483647"),
                json!("99999999999999999999"),
                json!("1e30"),
                json!(1e30),
            ],
            Self::Text => vec![json!(""), json!("é".repeat(100_000))],
            Self::Date => vec![json!("2999-01-01"), json!("1999-12-31")],
            Self::DateTime => vec![json!("2999-01-01T00:00:00Z"), json!("1999-12-31T12:00:00Z")],
        }
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Each,
}

#[derive(Clone, Debug)]
struct Leaf {
    path: Vec<Step>,
    kind: Kind,
}

impl Leaf {
    fn name(&self) -> String {
        let mut name = String::new();
        for step in &self.path {
            match step {
                Step::Key(key) if name.is_empty() => name.push_str(key),
                Step::Key(key) => {
                    name.push('.');
                    name.push_str(key);
                }
                Step::Each => name.push_str("[]"),
            }
        }
        name
    }
}

struct Mutation {
    name: String,
    document: String,
    leaves: Vec<Leaf>,
}

/// The GraphQL spelling of an introspected type reference.
fn type_name(reference: &Value) -> String {
    match reference["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", type_name(&reference["ofType"])),
        "LIST" => format!("[{}]", type_name(&reference["ofType"])),
        _ => reference["name"].as_str().unwrap().to_owned(),
    }
}

fn named(reference: &Value) -> &Value {
    match reference["kind"].as_str().unwrap() {
        "NON_NULL" | "LIST" => named(&reference["ofType"]),
        _ => reference,
    }
}

/// Every typed leaf under `reference`, through input objects and lists.
fn leaves(
    reference: &Value,
    path: Vec<Step>,
    inputs: &HashMap<String, Value>,
    out: &mut Vec<Leaf>,
    unknown: &mut BTreeSet<String>,
) {
    match reference["kind"].as_str().unwrap() {
        "NON_NULL" => leaves(&reference["ofType"], path, inputs, out, unknown),
        "LIST" => {
            let mut path = path;
            path.push(Step::Each);
            leaves(&reference["ofType"], path, inputs, out, unknown);
        }
        "INPUT_OBJECT" => {
            let name = reference["name"].as_str().unwrap();
            for field in inputs[name].as_array().unwrap() {
                let mut path = path.clone();
                path.push(Step::Key(field["name"].as_str().unwrap().to_owned()));
                leaves(&field["type"], path, inputs, out, unknown);
            }
        }
        "SCALAR" => match Kind::of_scalar(reference["name"].as_str().unwrap()) {
            Ok(Some(kind)) => out.push(Leaf { path, kind }),
            Ok(None) => {}
            Err(error) => {
                unknown.insert(error);
            }
        },
        _ => {}
    }
}

/// The mutations as the running server describes them, each with a document that passes
/// every argument as a variable of its own name.
async fn mutations(app: &TestApp, token: &str) -> (Vec<Mutation>, BTreeSet<String>) {
    let schema = app.graphql_as(token, INTROSPECTION, json!({})).await;
    let schema = &schema["data"]["__schema"];
    let inputs: HashMap<String, Value> = schema["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["inputFields"].clone(),
            )
        })
        .collect();
    let mut unknown = BTreeSet::new();
    let mut found = Vec::new();
    for field in schema["mutationType"]["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap().to_owned();
        let args = field["args"].as_array().unwrap();
        let mut found_leaves = Vec::new();
        for arg in args {
            let arg_name = arg["name"].as_str().unwrap().to_owned();
            leaves(
                &arg["type"],
                vec![Step::Key(arg_name)],
                &inputs,
                &mut found_leaves,
                &mut unknown,
            );
        }
        let declared: Vec<String> = args
            .iter()
            .map(|arg| {
                format!(
                    "${}: {}",
                    arg["name"].as_str().unwrap(),
                    type_name(&arg["type"])
                )
            })
            .collect();
        let passed: Vec<String> = args
            .iter()
            .map(|arg| format!("{0}: ${0}", arg["name"].as_str().unwrap()))
            .collect();
        let selection = if named(&field["type"])["kind"] == "OBJECT" {
            " { __typename }"
        } else {
            ""
        };
        let document = if args.is_empty() {
            format!("mutation {{ {name}{selection} }}")
        } else {
            format!(
                "mutation({}) {{ {name}({}){selection} }}",
                declared.join(", "),
                passed.join(", ")
            )
        };
        found.push(Mutation {
            name,
            document,
            leaves: found_leaves,
        });
    }
    (found, unknown)
}

/// Whether `path` leads to a value in `value`.
fn holds(value: &Value, path: &[Step]) -> bool {
    match path.split_first() {
        None => !value.is_null(),
        Some((Step::Key(key), rest)) => value.get(key).is_some_and(|inner| holds(inner, rest)),
        Some((Step::Each, rest)) => value
            .as_array()
            .is_some_and(|items| items.iter().any(|item| holds(item, rest))),
    }
}

/// Puts `new` at `path`; false when the fixture has no value on the way (an absent input
/// object or an empty list of them). In a list, the first element that already holds the leaf
/// takes it, so exclusive fields (dimensions or area) are tried where they make sense.
fn set(value: &mut Value, path: &[Step], new: &Value) -> bool {
    match path.split_first() {
        None => {
            *value = new.clone();
            true
        }
        Some((Step::Key(key), rest)) => {
            let Some(object) = value.as_object_mut() else {
                return false;
            };
            if rest.is_empty() {
                object.insert(key.clone(), new.clone());
                return true;
            }
            match object.get_mut(key) {
                Some(inner) if !inner.is_null() => set(inner, rest, new),
                _ => false,
            }
        }
        Some((Step::Each, rest)) => {
            let Some(items) = value.as_array_mut() else {
                return false;
            };
            if items.is_empty() {
                if rest.is_empty() {
                    items.push(new.clone());
                    return true;
                }
                return false;
            }
            let index = items.iter().position(|item| holds(item, rest)).unwrap_or(0);
            set(&mut items[index], rest, new)
        }
    }
}

/// What a French user can read: no English word an engine or a library would write, and a
/// French mark (an accent, a guillemet, a French word).
fn looks_french(message: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "failed",
        "invalid",
        "expected",
        "error",
        "parse",
        "parsing",
        "must",
        "cannot",
        "not",
        "found",
        "unknown",
        "should",
        "value",
        "number",
        "the",
        "unable",
        "find",
        "overflow",
        "is",
        "of",
        "and",
        "with",
        "missing",
        "required",
        "field",
        "too",
        "range",
        "element",
        "while",
        "unexpected",
        "token",
    ];
    const FRENCH: &[&str] = &[
        "de",
        "la",
        "le",
        "les",
        "du",
        "des",
        "un",
        "une",
        "ou",
        "et",
        "au",
        "plus",
        "moins",
        "est",
        "pas",
        "ce",
        "cette",
        "doit",
        "trop",
        "ligne",
        "attendu",
        "attendue",
        "attendus",
        "inconnu",
        "inconnue",
        "obligatoire",
        "vide",
    ];
    let lower = message.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    !words.iter().any(|word| ENGLISH.contains(word))
        && (!message.is_ascii() || words.iter().any(|word| FRENCH.contains(word)))
}

/// The last event a command wrote, leaving out the mailer's own (bounds.rs says why).
async fn last_position(app: &TestApp) -> Option<i64> {
    sqlx::query_scalar("select max(global_position) from events where aggregate_type <> 'email'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

static SERIAL: AtomicU32 = AtomicU32::new(10);

/// A number of its own for each fixture that must not collide with an earlier one (emails,
/// phones, references).
fn serial() -> u32 {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
}

fn in_days(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}

/// The prepared workshop the fixtures draw on.
struct Workshop {
    owner: Owner,
    shop: Shop,
    draft_quote: String,
    client: String,
}

impl Workshop {
    fn token(&self) -> &str {
        &self.shop.token
    }

    async fn ok(&self, app: &TestApp, document: &str, variables: Value) -> Value {
        let response = app.graphql_as(self.token(), document, variables).await;
        assert!(response["errors"].is_null(), "{document}: {response}");
        response["data"].clone()
    }
}

/// One call of a fixture: its variables and who sends it.
struct Call {
    variables: Value,
    token: Option<String>,
}

impl Call {
    fn owner(workshop: &Workshop, variables: Value) -> Option<Self> {
        Some(Self {
            variables,
            token: Some(workshop.token().to_owned()),
        })
    }

    fn anonymous(variables: Value) -> Option<Self> {
        Some(Self {
            variables,
            token: None,
        })
    }
}

fn client_input() -> Value {
    let n = serial();
    json!({
        "kind": "PROFESSIONAL", "companyName": format!("Carrosserie {n}"),
        "siret": "732 829 320 00074", "vatNumber": "FR40303265045", "firstName": "Éloïse",
        "lastName": format!("Martin {n}"), "email": format!("contact{n}@garage.fr"),
        "phones": [format!("06 12 {:02} {:02} {:02}", n / 10_000 % 100, n / 100 % 100, n % 100)],
        "billingAddress": { "line1": "12 rue des Forges", "line2": "Bâtiment B",
            "postcode": "49000", "city": "Angers", "country": "FR" },
        "deliveryAddress": { "line1": "3 rue du Four", "line2": "Atelier",
            "postcode": "69001", "city": "Lyon", "country": "FR" },
        "tags": ["jantes"], "notes": "Paie à 30 jours",
    })
}

fn quote_input(workshop: &Workshop) -> Value {
    json!({
        "clientId": workshop.shop.client,
        "lines": [
            { "description": "Portail", "quantity": 2, "lengthMm": "2000", "widthMm": "1000",
              "powderId": workshop.shop.gate, "coats": 2, "primer": true,
              "labourMinutes": "30", "consumables": "5", "discountPct": "10", "vatRate": "20" },
            { "description": "Jante", "quantity": 4, "areaM2": "0.35",
              "powderId": workshop.shop.rims, "varnish": true, "labourMinutes": "15" },
        ],
        "validUntil": in_days(30),
        "deposit": { "percent": "30" },
    })
}

fn powder_input(reference: &str) -> Value {
    let mut input = crate::powder::powder(reference, "GLOSS");
    input["pricePerKg"] = json!("12.90");
    input["consumptionKgM2"] = json!("0.175");
    input
}

const QC_ITEMS: [&str; 5] = [
    "Teinte conforme (RAL et finition)",
    "Épaisseur dans la tolérance",
    "Adhérence (quadrillage)",
    "Aspect : ni coulure, ni grain, ni manque",
    "Masquages retirés, filetages propres",
];

fn qc_answers(passed: bool) -> Value {
    json!(QC_ITEMS
        .iter()
        .enumerate()
        .map(
            |(index, item)| json!({ "item": item, "passed": passed || index > 0,
                                      "comment": "vu à la lampe" })
        )
        .collect::<Vec<_>>())
}

/// A counter project moved to `until` (`poudrage`: ready for a batch; `controle`: awaiting QC).
async fn project_at(app: &TestApp, workshop: &Workshop, until: &str) -> String {
    let project = counter_project(app, &workshop.shop).await;
    let id = project["id"].as_str().unwrap().to_owned();
    step(app, workshop.token(), &id, "reception").await;
    for skipped in ["degraissage", "sablage", "masquage", "primaire"] {
        workshop
            .ok(
                app,
                &skip(),
                json!({ "id": id, "step": skipped, "reason": "acier neuf" }),
            )
            .await;
    }
    if until == "controle" {
        for done in ["poudrage", "cuisson"] {
            let moved = step(app, workshop.token(), &id, done).await;
            assert!(moved["errors"].is_null(), "{moved}");
        }
    }
    id
}

async fn batch_of(app: &TestApp, workshop: &Workshop, project: &str) -> String {
    let created = workshop
        .ok(
            app,
            "mutation($parts: [BatchPartsInput!]!) { createBatch(parts: $parts) { id } }",
            json!({ "parts": [{ "projectId": project, "ranks": [1] }] }),
        )
        .await;
    created["createBatch"]["id"].as_str().unwrap().to_owned()
}

/// Valid arguments for `mutation`, built afresh where a success consumes what it used (a
/// signature, an invitation, a batch's parts); `None` when there is no fixture.
async fn fixture(app: &TestApp, w: &Workshop, mutation: &str) -> Option<Call> {
    let token = w.token();
    match mutation {
        "signUp" => {
            let n = serial();
            Call::anonymous(json!({
                "input": sign_up_input(&format!("Atelier {n}"), &format!("gerant{n}@atelier.fr")),
            }))
        }
        "login" => {
            let (_, email) = app.join(w.owner.workspace_id, domain::Role::Operator).await;
            Call::anonymous(json!({ "input": { "email": email, "password": PASSWORD,
                "workspaceId": w.owner.workspace_id } }))
        }
        "refreshSession" | "logout" => {
            let (_, email) = app.join(w.owner.workspace_id, domain::Role::Operator).await;
            let login = app.login(&email, Some(w.owner.workspace_id)).await;
            Call::anonymous(json!({
                "refreshToken": login["data"]["login"]["session"]["refreshToken"],
            }))
        }
        "confirmTwoFactorEnrolment" => {
            let (_, email) = app.join(w.owner.workspace_id, domain::Role::Admin).await;
            let login = app.login(&email, Some(w.owner.workspace_id)).await;
            let access = login["data"]["login"]["session"]["accessToken"]
                .as_str()
                .unwrap_or_else(|| panic!("{login}"))
                .to_owned();
            let started = app
                .graphql_as(&access, tests::START_ENROLMENT, json!({}))
                .await;
            let secret = started["data"]["startTwoFactorEnrolment"]["secret"]
                .as_str()
                .unwrap_or_else(|| panic!("{started}"));
            Some(Call {
                variables: json!({ "code": totp_code(secret, 0) }),
                token: Some(access),
            })
        }
        "verifyEmail" => Call::anonymous(json!({ "token": "jeton-inconnu" })),
        "requestPasswordReset" => Call::anonymous(json!({ "email": "inconnu@atelier.fr" })),
        "resetPassword" => {
            let (_, email) = app.join(w.owner.workspace_id, domain::Role::Operator).await;
            let requested = app
                .graphql(
                    "mutation($email: String!) { requestPasswordReset(email: $email) }",
                    json!({ "email": email }),
                )
                .await;
            assert!(requested["errors"].is_null(), "{requested}");
            let reset = app.mail.wait_for_token_to(&email).await;
            Call::anonymous(json!({ "token": reset, "newPassword": "Nouveau-Four-2026!" }))
        }
        "inviteMember" => Call::owner(
            w,
            json!({ "email": format!("equipe{}@atelier.fr", serial()), "role": "OPERATOR" }),
        ),
        "acceptInvitation" => {
            let email = format!("invite{}@atelier.fr", serial());
            w.ok(
                app,
                "mutation($email: String!) { inviteMember(email: $email, role: OPERATOR) }",
                json!({ "email": email }),
            )
            .await;
            let invitation = app.mail.wait_for_token_to(&email).await;
            Call::anonymous(json!({ "token": invitation, "password": PASSWORD }))
        }
        "saveEmailTemplate" | "previewEmailTemplate" => Call::owner(
            w,
            json!({ "kind": "invoice", "subject": "Votre facture {{ numero }}",
                "mjml": "<mjml><mj-body><mj-section><mj-column><mj-text>Bonjour</mj-text></mj-column></mj-section></mj-body></mjml>" }),
        ),
        "resetEmailTemplate" => Call::owner(w, json!({ "kind": "invoice" })),
        "saveEmailSettings" => Call::owner(
            w,
            // A password travels only over TLS (`SMTP_PASSWORD_NEEDS_TLS`).
            json!({ "input": { "host": "127.0.0.1", "port": app.mail.port, "security": "TLS",
                "username": "atelier", "password": "secret-smtp", "fromAddress": "atelier@exemple.fr" } }),
        ),
        "startEmailOAuth" => Call::owner(
            w,
            json!({ "provider": "GOOGLE", "fromAddress": "atelier@gmail.com" }),
        ),
        "completeEmailOAuth" => Call::owner(w, json!({ "state": "etat-inconnu", "code": "code" })),
        "sendTestEmail" => Call::owner(w, json!({ "to": "essai@exemple.fr" })),
        "createClient" => Call::owner(
            w,
            json!({ "input": client_input(), "duplicateOverrideReason": "homonyme connu" }),
        ),
        "updateClient" => Call::owner(
            w,
            json!({ "id": w.client, "input": client_input(),
                    "duplicateOverrideReason": "homonyme connu" }),
        ),
        "recordInteraction" => Call::owner(
            w,
            json!({ "clientId": w.shop.client, "kind": "CALL",
                    "occurredAt": chrono::Utc::now() - chrono::Duration::hours(1),
                    "text": "Appel pour le portail" }),
        ),
        "createQuote" => Call::owner(w, json!({ "input": quote_input(w) })),
        "updateQuote" => Call::owner(w, json!({ "id": w.draft_quote, "input": quote_input(w) })),
        "reviseQuote" => {
            let (id, _) = create_and_send(app, &w.shop).await;
            Call::owner(w, json!({ "id": id, "input": quote_input(w) }))
        }
        "updateQuoteSettings" => Call::owner(
            w,
            json!({ "input": { "numberPattern": "D-{YYYY}-{NNNN}", "hourlyRate": "60",
                "powderMarginPct": "20", "labourMarginPct": "10", "primerPricePerKg": "15",
                "varnishPricePerKg": "18", "validityDays": 30, "deposit": { "percent": "30" },
                "reminderDays": [2, 7] } }),
        ),
        "signQuote" => {
            let (id, sha) = create_and_send(app, &w.shop).await;
            Call::owner(w, sign_input(&id, &sha, &drawn_signature()))
        }
        "uploadQuoteLogo" => Call::owner(w, json!({ "image": drawn_signature() })),
        "createProject" => Call::owner(
            w,
            json!({ "input": { "clientId": w.shop.client, "lines": quote_input(w)["lines"],
                "depositedOn": today(), "promisedOn": in_days(7), "endUse": "Portail extérieur",
                "priority": "NORMAL" } }),
        ),
        "validateStep" => {
            let project = counter_project(app, &w.shop).await;
            Call::owner(
                w,
                json!({ "projectId": project["id"], "step": "reception" }),
            )
        }
        "skipStep" => {
            let project = counter_project(app, &w.shop).await;
            let id = project["id"].as_str().unwrap();
            step(app, token, id, "reception").await;
            Call::owner(
                w,
                json!({ "projectId": id, "step": "degraissage", "reason": "acier neuf" }),
            )
        }
        "recordQualityControl" => {
            let id = project_at(app, w, "controle").await;
            Call::owner(w, json!({ "projectId": id, "answers": qc_answers(true) }))
        }
        "declareNonConformity" => {
            let id = project_at(app, w, "controle").await;
            w.ok(
                app,
                "mutation($id: ID!, $answers: [QcAnswerInput!]!) { recordQualityControl(projectId: $id, answers: $answers) { id } }",
                json!({ "id": id, "answers": qc_answers(false) }),
            )
            .await;
            Call::owner(
                w,
                json!({ "input": { "projectId": id, "defectType": "Teinte non conforme",
                    "comment": "RAL 7016 trop clair", "correctiveAction": "nouvelle couche",
                    "returnTo": "poudrage" } }),
            )
        }
        "updateWorkflow" => {
            let current = w
                .ok(
                    app,
                    "{ workflow { steps { key label kind skippable } qcChecklist defectTypes watermarkPhotos } }",
                    json!({}),
                )
                .await;
            Call::owner(w, json!({ "input": current["workflow"] }))
        }
        "updateOven" => Call::owner(
            w,
            json!({ "input": { "lengthMm": 6000, "widthMm": 3000, "heightMm": 2500,
                "barSpacingMm": 600, "gapMm": 50, "marginMm": 100, "hookMm": 60,
                "maxLoadKg": "500" } }),
        ),
        "createBatch" => {
            let project = project_at(app, w, "poudrage").await;
            Call::owner(
                w,
                json!({ "parts": [{ "projectId": project, "ranks": [1] }] }),
            )
        }
        "addToBatch" => {
            let first = project_at(app, w, "poudrage").await;
            let batch = batch_of(app, w, &first).await;
            let second = project_at(app, w, "poudrage").await;
            Call::owner(
                w,
                json!({ "batchId": batch, "parts": [{ "projectId": second, "ranks": [1] }] }),
            )
        }
        "removeFromBatch" => {
            let project = project_at(app, w, "poudrage").await;
            let batch = batch_of(app, w, &project).await;
            let parts = w
                .ok(
                    app,
                    "query($id: ID!) { project(id: $id) { parts { rank code } } }",
                    json!({ "id": project }),
                )
                .await;
            Call::owner(
                w,
                json!({ "batchId": batch, "codes": [parts["project"]["parts"][0]["code"]] }),
            )
        }
        "updateInvoiceSettings" => {
            let mut settings = seller_settings();
            settings["input"]["chart"] = json!({ "clients": "411000", "sales": "706000",
                "salesWithoutVat": "706200", "deposits": "419100", "vatCollected": "445710",
                "bank": "512000", "cash": "530000", "salesJournal": "VE", "bankJournal": "BQ" });
            settings["input"]["seller"]["email"] = json!("compta@atelier.fr");
            settings["input"]["stripeAccount"] = json!("acct_1Thermolaquage");
            Call::owner(w, settings)
        }
        "connectPennylane" => Call::owner(
            w,
            json!({ "token": "pennylane-jeton-1234",
                    "accounts": [{ "account": "706000", "ledgerAccountId": 1234 }] }),
        ),
        "recordPayment" => {
            let quote = signed_quote(app, &w.shop).await;
            Call::owner(
                w,
                json!({ "quoteId": quote, "input": { "amount": "100", "method": "TRANSFER",
                    "reference": "VIR-2026-1", "receivedOn": today(),
                    "receipt": drawn_signature() } }),
            )
        }
        "recordRefund" => {
            let quote = signed_quote(app, &w.shop).await;
            w.ok(
                app,
                "mutation($id: ID!) { recordPayment(quoteId: $id, input: { amount: \"100\", method: CASH }) { paid } }",
                json!({ "id": quote }),
            )
            .await;
            Call::owner(
                w,
                json!({ "quoteId": quote, "input": { "amount": "10", "method": "CASH",
                    "reason": "geste commercial" } }),
            )
        }
        "previewClientImport" | "confirmClientImport" => {
            let n = serial();
            let file = format!("Nom;Prénom;E-mail\r\nDurand {n};Léa;lea{n}@exemple.fr\r\n");
            let file = base64::engine::general_purpose::STANDARD.encode(file);
            if mutation == "previewClientImport" {
                Call::owner(w, json!({ "fileBase64": file }))
            } else {
                Call::owner(
                    w,
                    json!({ "fileBase64": file, "choices": [{ "line": 2, "choice": "CREATE" }],
                        "duplicates": "SKIP", "skipInvalidLines": false, "invite": false }),
                )
            }
        }
        "registerPowder" => Call::owner(
            w,
            json!({ "input": powder_input(&format!("TP {} S", serial())) }),
        ),
        "updatePowder" => Call::owner(w, json!({ "input": powder_input("TP 7016 B") })),
        "receivePowder" => Call::owner(
            w,
            json!({ "powderId": w.shop.gate, "kg": "25", "formatKg": "25", "lot": "L-2026-1",
                    "expiresOn": in_days(365) }),
        ),
        "consumePowder" => Call::owner(
            w,
            json!({ "powderId": w.shop.gate, "kg": "1", "note": "retouche" }),
        ),
        "weighPowder" => Call::owner(
            w,
            json!({ "powderId": w.shop.gate, "formatKg": "25", "grossKg": "20.8" }),
        ),
        "updateStockSettings" => Call::owner(
            w,
            json!({ "input": { "dailyListSize": 5, "windowDays": 30, "leadTimeDays": 7,
                "coverDays": 30, "lowStockAlerts": true } }),
        ),
        "planInventory" => {
            let open = w
                .ok(
                    app,
                    "{ inventories { edges { node { id closedAt } } } }",
                    json!({}),
                )
                .await;
            for edge in open["inventories"]["edges"].as_array().unwrap() {
                if edge["node"]["closedAt"].is_null() {
                    w.ok(
                        app,
                        "mutation($id: ID!) { closeInventory(id: $id) { id } }",
                        json!({ "id": edge["node"]["id"] }),
                    )
                    .await;
                }
            }
            Call::owner(
                w,
                json!({ "name": "Inventaire de printemps", "startsOn": today(),
                        "endsOn": in_days(7), "size": 10 }),
            )
        }
        "importPowders" => Call::owner(
            w,
            json!({ "csv": format!("{}\nTP {} M;Polyester;Mat;Thermopoudre;Gris;RAL 7016;1,5;70;;0,6;200;10;25:0,8;12,90\n",
                crate::powder::CSV_HEADER, serial()) }),
        ),
        "renameWorkspace" => Call::owner(w, json!({ "name": "Atelier Props" })),
        _ => None,
    }
}

/// What makes an accepted extreme absurd, if it is: no text a person types runs to 10^5
/// characters, no figure is negative or reaches 2^31 - 1. Zero, the empty text and dates are
/// left out: an optional field may be empty, many figures may be 0, and dates have their own
/// checks (`DateBound`).
fn absurd(kind: Kind, value: &Value) -> Option<&'static str> {
    let number = match (kind, value) {
        (Kind::Text, Value::String(text)) if text.chars().count() >= 100_000 => {
            return Some("10^5 characters")
        }
        (Kind::Int | Kind::Decimal, Value::Number(number)) => number.as_f64(),
        (Kind::Decimal, Value::String(text)) => text.parse::<f64>().ok(),
        _ => None,
    }?;
    if number < 0.0 {
        Some("a negative number")
    } else if number >= 2_147_483_647.0 {
        Some("2^31 - 1 or more")
    } else {
        None
    }
}

fn unbounded(mutation: &str, leaf: &str) -> bool {
    UNBOUNDED
        .iter()
        .any(|(name, path, _)| *name == mutation && *path == leaf)
}

fn allowed(mutation: &str, leaf: &str) -> Vec<&'static str> {
    let mut codes = vec!["VALIDATION"];
    for (name, path, extra) in REFERENCES {
        if *name == mutation && *path == leaf {
            codes.extend(extra.iter().copied());
        }
    }
    codes
}

/// Posts without the kit's success assertion: a 4xx or 5xx is a finding here, not a panic.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    document: &str,
    variables: &Value,
) -> Result<Value, String> {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": document, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|error| format!("no answer (panic?): {error}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|error| format!("{error}"))?;
    if status.is_server_error() {
        return Err(format!("HTTP {status}: {}", shorten(&body)));
    }
    serde_json::from_str(&body).map_err(|_| format!("HTTP {status}, not JSON: {}", shorten(&body)))
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text.to_owned()
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) if text.chars().count() > 20 => {
            format!(
                "{} × {:?}",
                text.chars().count(),
                text.chars().next().unwrap()
            )
        }
        other => other.to_string(),
    }
}

#[tokio::test]
async fn props_every_mutation_survives_extreme_arguments() {
    // Hundreds of sign-ups, logins and invitations from one address: the budgets are raised
    // so that every answer comes from the domain, never from the rate limiter.
    let mut config = tests::generous_rate_limits();
    config.extend([
        ("EMAIL_OAUTH_GOOGLE_CLIENT_ID", "client-google".to_owned()),
        (
            "EMAIL_OAUTH_GOOGLE_CLIENT_SECRET",
            "secret-google".to_owned(),
        ),
        ("PENNYLANE_API_BASE", "http://127.0.0.1:9".to_owned()),
        ("STRIPE_API_BASE", "http://127.0.0.1:9".to_owned()),
    ]);
    let app = spawn_app_with(&config).await;
    let (owner, shop) = shop(&app, "Atelier Props", "gerant@props.fr").await;
    let token = shop.token.clone();
    let workshop = {
        let draft = app
            .graphql_as(
                &token,
                crate::quotes::CREATE,
                crate::quotes::workshop_quote(&shop.client, &shop.gate, &shop.rims),
            )
            .await;
        let draft_quote = draft["data"]["createQuote"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{draft}"))
            .to_owned();
        let client = crate::clients::create(&app, &token, client_input()).await;
        Workshop {
            owner,
            shop,
            draft_quote,
            client,
        }
    };
    workshop
        .ok(
            &app,
            "mutation($input: InvoiceSettingsInput!) { updateInvoiceSettings(input: $input) { paymentDays } }",
            seller_settings(),
        )
        .await;
    workshop
        .ok(
            &app,
            "mutation($input: OvenInput!) { updateOven(input: $input) { lengthMm } }",
            json!({ "input": { "lengthMm": 6000, "widthMm": 3000, "heightMm": 2500,
                "barSpacingMm": 600, "gapMm": 50, "marginMm": 100, "hookMm": 60,
                "maxLoadKg": "500" } }),
        )
        .await;
    for powder in [&workshop.shop.gate, &workshop.shop.rims] {
        workshop
            .ok(
                &app,
                "mutation($id: ID!) { receivePowder(powderId: $id, kg: \"1000\") }",
                json!({ "id": powder }),
            )
            .await;
    }

    let (mut all, unknown) = mutations(&app, &token).await;
    assert!(unknown.is_empty(), "{unknown:?}");
    all.sort_by_key(|mutation| LAST.iter().position(|last| *last == mutation.name));

    let mut missing = Vec::new();
    let mut failures = Vec::new();
    let mut calls = 0;
    let mut leaves_tried = 0;
    let mut exercised = BTreeMap::new();
    let mut accepted = Vec::new();
    for mutation in &all {
        if mutation.leaves.is_empty() || EXEMPT.iter().any(|(name, _)| *name == mutation.name) {
            continue;
        }
        let Some(call) = fixture(&app, &workshop, &mutation.name).await else {
            missing.push(mutation.name.clone());
            continue;
        };
        // The fixture as it is must be accepted, or every refusal below would prove nothing.
        if !MADE_UP.contains(&mutation.name.as_str()) {
            match post(
                &app,
                call.token.as_deref(),
                &mutation.document,
                &call.variables,
            )
            .await
            {
                Ok(response) if response["errors"].is_null() => {}
                Ok(response) => failures.push(format!(
                    "{}: the fixture itself is refused: {}",
                    mutation.name,
                    shorten(&response["errors"].to_string())
                )),
                Err(error) => failures.push(format!("{}: the fixture: {error}", mutation.name)),
            }
        }
        let mut call = fixture(&app, &workshop, &mutation.name).await.unwrap();
        exercised.insert(mutation.name.clone(), mutation.leaves.len());
        for leaf in &mutation.leaves {
            let leaf_name = leaf.name();
            let codes = allowed(&mutation.name, &leaf_name);
            leaves_tried += 1;
            for extreme in leaf.kind.extremes() {
                let mut variables = call.variables.clone();
                let what = format!("{}({leaf_name} = {})", mutation.name, describe(&extreme));
                if !set(&mut variables, &leaf.path, &extreme) {
                    failures.push(format!("{what}: the fixture has no value on the way"));
                    break;
                }
                let before = last_position(&app).await;
                calls += 1;
                let response =
                    match post(&app, call.token.as_deref(), &mutation.document, &variables).await {
                        Ok(response) => response,
                        Err(error) => {
                            failures.push(format!("{what}: {error}"));
                            continue;
                        }
                    };
                let Some(errors) = response["errors"].as_array() else {
                    if let Some(why) = absurd(leaf.kind, &extreme) {
                        if !unbounded(&mutation.name, &leaf_name) {
                            failures.push(format!(
                                "{what}: {why} accepted; give the field a real-world bound \
                                 (domain::limits) or list it in UNBOUNDED with the reason"
                            ));
                        }
                    }
                    accepted.push(what);
                    // Accepted: within bounds. What it used may be spent (a signature, an
                    // invitation): the next call gets a fresh fixture.
                    call = fixture(&app, &workshop, &mutation.name).await.unwrap();
                    continue;
                };
                for error in errors {
                    let code = error["extensions"]["code"].as_str().unwrap_or("none");
                    let message = error["message"].as_str().unwrap_or("");
                    if !codes.contains(&code) {
                        failures.push(format!(
                            "{what}: {code}/{} {}",
                            error["extensions"]["reason"],
                            shorten(message)
                        ));
                    } else if !looks_french(message) {
                        failures.push(format!("{what}: not French: {}", shorten(message)));
                    } else if message.chars().count() > MAX_MESSAGE_CHARS {
                        failures.push(format!(
                            "{what}: a message of {} characters echoes the input: {}",
                            message.chars().count(),
                            shorten(message)
                        ));
                    }
                }
                if last_position(&app).await != before {
                    failures.push(format!("{what}: refused but wrote an event"));
                }
            }
        }
    }

    // Whatever was accepted must have been applied by every projection.
    let mut caught_up = false;
    for _ in 0..3000 {
        let lags = projections::engine::lags(&app.db.pool).await.unwrap();
        if lags.iter().all(|lag| lag.events == 0) {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let parked: Vec<(String, String, String)> = sqlx::query_as(
        "select projection, event_type, error from projection_parked order by projection",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let halted: Vec<(String, String)> =
        sqlx::query_as("select projection, error from projection_halted order by projection")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let alive = app.get("/health").await.status();

    eprintln!(
        "props: accepted ({}):\n{}",
        accepted.len(),
        accepted.join("\n")
    );
    assert!(
        missing.is_empty(),
        "mutations with a number, a text or a date but no fixture: {missing:?}"
    );
    assert!(
        failures.is_empty(),
        "{} findings over {calls} calls:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(parked.is_empty(), "parked: {parked:?}");
    assert!(halted.is_empty(), "halted: {halted:?}");
    assert!(caught_up, "the projections did not catch up");
    assert!(alive.is_success(), "health: {alive}");
    eprintln!(
        "props: {} mutations, {leaves_tried} leaves, {calls} calls: {exercised:?}",
        exercised.len()
    );
}
