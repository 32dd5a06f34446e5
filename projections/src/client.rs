//! The CRM read models: clients (searchable, folded), their duplicate match keys, their
//! interaction journal, and the workshop's duplicate criteria.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::client::settings::{default_criteria, CrmSettingsEvent};
use domain::client::text::fold;
use domain::client::{match_keys, ClientEvent, ClientKind, ClientProfile, Criterion};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "client";

pub struct ClientProjection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClientRow {
    pub client_id: Uuid,
    pub kind: String,
    pub display_name: String,
    pub sort_name: String,
    pub company_name: Option<String>,
    pub siret: Option<String>,
    pub vat_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phones: Vec<String>,
    pub billing_address: Option<serde_json::Value>,
    pub delivery_address: Option<serde_json::Value>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub portal_status: String,
    /// When the current portal login was linked; none without one.
    pub portal_activated_at: Option<DateTime<Utc>>,
    /// The last revocation: portal links sent before it no longer open the portal.
    pub portal_revoked_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub merged_into: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ClientRow {
    /// The profile this row shows (what an import completes).
    pub fn profile(&self) -> ClientProfile {
        let address = |value: &Option<serde_json::Value>| {
            value
                .clone()
                .and_then(|value| serde_json::from_value(value).ok())
        };
        ClientProfile {
            kind: if self.kind == "professional" {
                ClientKind::Professional
            } else {
                ClientKind::Private
            },
            company_name: self.company_name.clone(),
            siret: self.siret.clone(),
            vat_number: self.vat_number.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phones: self.phones.clone(),
            billing_address: address(&self.billing_address),
            delivery_address: address(&self.delivery_address),
            tags: self.tags.clone(),
            notes: self.notes.clone(),
        }
    }
}

const COLUMNS: &str = "client_id, kind, display_name, sort_name, company_name, siret, vat_number, first_name,
    last_name, email, phones, billing_address, delivery_address, tags, notes, portal_status, portal_activated_at,
    portal_revoked_at, archived_at, merged_into, created_at, updated_at";

pub fn kind_str(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Professional => "professional",
        ClientKind::Private => "private",
    }
}

/// Everything a search may find a client by, folded: names, email, phones (international and
/// French national digits), SIRET, VAT number, town, postcode, tags.
pub fn search_text(profile: &ClientProfile) -> String {
    let mut parts: Vec<String> = vec![profile.display_name()];
    parts.extend(profile.company_name.clone());
    parts.extend(profile.first_name.clone());
    parts.extend(profile.last_name.clone());
    parts.extend(profile.email.clone());
    for phone in &profile.phones {
        parts.push(phone.clone());
        if let Some(national) = phone.strip_prefix("+33") {
            parts.push(format!("0{national}"));
        }
    }
    parts.extend(profile.siret.clone());
    parts.extend(profile.vat_number.clone());
    for address in [&profile.billing_address, &profile.delivery_address]
        .into_iter()
        .flatten()
    {
        parts.push(address.city.clone());
        parts.push(address.postcode.clone());
    }
    parts.extend(profile.tags.iter().cloned());
    fold(&parts.join(" "))
}

/// The search typed by a user, in the stored form: folded, and a phone number typed with
/// spaces or dots (« 06 12 34 ») searched as its digits.
pub fn search_term(typed: &str) -> String {
    let folded = fold(typed);
    let phone_like = folded
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '+'));
    if phone_like {
        folded.chars().filter(|c| !matches!(c, ' ' | '.')).collect()
    } else {
        folded
    }
}

fn client_id_of(event: &RecordedEvent) -> Result<Uuid, ProjectionError> {
    event
        .local_id()
        .strip_prefix("client/")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| ProjectionError::Reactor(format!("not a client id: {}", event.aggregate_id)))
}

/// Profiles saved by a page of events (creations, edits), written in three statements
/// whatever their number: an import of 50,000 clients is one page after another of
/// `ClientCreated`. The last profile of a client wins; its first time is its creation.
#[derive(Default)]
struct Saves {
    index: std::collections::HashMap<(Uuid, Uuid), usize>,
    rows: Vec<Save>,
}

/// Workspace, client, last profile, first and last time.
type Save = (Uuid, Uuid, ClientProfile, DateTime<Utc>, DateTime<Utc>);

impl Saves {
    fn push(
        &mut self,
        workspace_id: Uuid,
        client_id: Uuid,
        profile: ClientProfile,
        at: DateTime<Utc>,
    ) {
        match self.index.get(&(workspace_id, client_id)) {
            Some(&position) => {
                let row = &mut self.rows[position];
                row.2 = profile;
                row.4 = at;
            }
            None => {
                self.index
                    .insert((workspace_id, client_id), self.rows.len());
                self.rows.push((workspace_id, client_id, profile, at, at));
            }
        }
    }

    async fn flush(&mut self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let json_list = |items: &[String]| serde_json::to_string(items).unwrap_or_default();
        let address = |value: &Option<domain::client::Address>| {
            value
                .as_ref()
                .map(|address| serde_json::to_string(address).unwrap_or_default())
        };
        let mut columns = SaveColumns::default();
        let mut keys = KeyColumns::default();
        for (workspace_id, client_id, profile, created_at, updated_at) in &self.rows {
            let display_name = profile.display_name();
            columns.workspace_ids.push(*workspace_id);
            columns.client_ids.push(*client_id);
            columns.kinds.push(kind_str(profile.kind));
            columns.sort_names.push(fold(&display_name));
            columns.display_names.push(display_name);
            columns.company_names.push(profile.company_name.clone());
            columns.sirets.push(profile.siret.clone());
            columns.vat_numbers.push(profile.vat_number.clone());
            columns.first_names.push(profile.first_name.clone());
            columns.last_names.push(profile.last_name.clone());
            columns.emails.push(profile.email.clone());
            columns.phones.push(json_list(&profile.phones));
            columns.billing.push(address(&profile.billing_address));
            columns.delivery.push(address(&profile.delivery_address));
            columns.tags.push(json_list(&profile.tags));
            let folded: Vec<String> = profile.tags.iter().map(|tag| fold(tag)).collect();
            columns.tags_folded.push(json_list(&folded));
            columns.notes.push(profile.notes.clone());
            columns.search_texts.push(search_text(profile));
            columns.created_ats.push(*created_at);
            columns.updated_ats.push(*updated_at);
            for key in match_keys(profile) {
                keys.workspace_ids.push(*workspace_id);
                keys.criteria.push(key.criterion.as_str());
                keys.keys.push(key.key);
                keys.client_ids.push(*client_id);
            }
        }
        sqlx::query(
            "insert into client (workspace_id, client_id, kind, display_name, sort_name, company_name, siret,
                                 vat_number, first_name, last_name, email, phones, billing_address, delivery_address,
                                 tags, tags_folded, notes, search_text, created_at, updated_at)
             select r.workspace_id, r.client_id, r.kind, r.display_name, r.sort_name, r.company_name, r.siret,
                    r.vat_number, r.first_name, r.last_name, r.email,
                    array(select jsonb_array_elements_text(r.phones::jsonb)), r.billing::jsonb, r.delivery::jsonb,
                    array(select jsonb_array_elements_text(r.tags::jsonb)),
                    array(select jsonb_array_elements_text(r.tags_folded::jsonb)),
                    r.notes, r.search_text, r.created_at, r.updated_at
             from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                         $15::text[], $16::text[], $17::text[], $18::text[], $19::timestamptz[], $20::timestamptz[])
                  as r(workspace_id, client_id, kind, display_name, sort_name, company_name, siret, vat_number,
                       first_name, last_name, email, phones, billing, delivery, tags, tags_folded, notes,
                       search_text, created_at, updated_at)
             on conflict (workspace_id, client_id) do update
             set kind = excluded.kind, display_name = excluded.display_name, sort_name = excluded.sort_name,
                 company_name = excluded.company_name, siret = excluded.siret, vat_number = excluded.vat_number,
                 first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
                 phones = excluded.phones, billing_address = excluded.billing_address,
                 delivery_address = excluded.delivery_address, tags = excluded.tags,
                 tags_folded = excluded.tags_folded, notes = excluded.notes, search_text = excluded.search_text,
                 updated_at = excluded.updated_at",
        )
        .bind(&columns.workspace_ids)
        .bind(&columns.client_ids)
        .bind(&columns.kinds)
        .bind(&columns.display_names)
        .bind(&columns.sort_names)
        .bind(&columns.company_names)
        .bind(&columns.sirets)
        .bind(&columns.vat_numbers)
        .bind(&columns.first_names)
        .bind(&columns.last_names)
        .bind(&columns.emails)
        .bind(&columns.phones)
        .bind(&columns.billing)
        .bind(&columns.delivery)
        .bind(&columns.tags)
        .bind(&columns.tags_folded)
        .bind(&columns.notes)
        .bind(&columns.search_texts)
        .bind(&columns.created_ats)
        .bind(&columns.updated_ats)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "delete from client_match_key m
             using unnest($1::uuid[], $2::uuid[]) as c(workspace_id, client_id)
             where m.workspace_id = c.workspace_id and m.client_id = c.client_id",
        )
        .bind(&columns.workspace_ids)
        .bind(&columns.client_ids)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "insert into client_match_key (workspace_id, criterion, key, client_id)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])
             on conflict do nothing",
        )
        .bind(&keys.workspace_ids)
        .bind(&keys.criteria)
        .bind(&keys.keys)
        .bind(&keys.client_ids)
        .execute(&mut *conn)
        .await?;
        *self = Self::default();
        Ok(())
    }
}

#[derive(Default)]
struct SaveColumns {
    workspace_ids: Vec<Uuid>,
    client_ids: Vec<Uuid>,
    kinds: Vec<&'static str>,
    display_names: Vec<String>,
    sort_names: Vec<String>,
    company_names: Vec<Option<String>>,
    sirets: Vec<Option<String>>,
    vat_numbers: Vec<Option<String>>,
    first_names: Vec<Option<String>>,
    last_names: Vec<Option<String>>,
    emails: Vec<Option<String>>,
    phones: Vec<String>,
    billing: Vec<Option<String>>,
    delivery: Vec<Option<String>>,
    tags: Vec<String>,
    tags_folded: Vec<String>,
    notes: Vec<Option<String>>,
    search_texts: Vec<String>,
    created_ats: Vec<DateTime<Utc>>,
    updated_ats: Vec<DateTime<Utc>>,
}

#[derive(Default)]
struct KeyColumns {
    workspace_ids: Vec<Uuid>,
    criteria: Vec<&'static str>,
    keys: Vec<String>,
    client_ids: Vec<Uuid>,
}

#[async_trait]
impl Projection for ClientProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "client",
            "client_match_key",
            "client_interaction",
            "crm_settings",
        ]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            ClientEvent::CREATED,
            ClientEvent::EDITED,
            ClientEvent::ARCHIVED,
            ClientEvent::RESTORED,
            ClientEvent::INTERACTION_RECORDED,
            ClientEvent::MERGED_INTO,
            ClientEvent::ABSORBED,
            ClientEvent::INVITED_TO_PORTAL,
            ClientEvent::PORTAL_ACTIVATED,
            ClientEvent::PORTAL_REVOKED,
            CrmSettingsEvent::DUPLICATE_CRITERIA_SET,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        // The keys of every client the page carries sealed data of, in one query.
        let sealed_events: Vec<&RecordedEvent> = events
            .iter()
            .filter(|event| {
                [
                    ClientEvent::CREATED,
                    ClientEvent::EDITED,
                    ClientEvent::INTERACTION_RECORDED,
                ]
                .contains(&event.event_type.as_str())
            })
            .collect();
        let mut owners = (Vec::new(), Vec::new());
        for event in &sealed_events {
            owners.0.push(event.workspace_id);
            owners.1.push(client_id_of(event)?);
        }
        let keys = crate::client_key::find_many(&mut *conn, &owners.0, &owners.1).await?;
        let mut saves = Saves::default();
        for event in events {
            let workspace_id = event.workspace_id;
            if event.event_type == ClientEvent::CREATED || event.event_type == ClientEvent::EDITED {
                let client_id = client_id_of(event)?;
                let (sealed, at) = match event.payload()? {
                    ClientEvent::Created {
                        profile,
                        created_at,
                        ..
                    } => (profile, created_at),
                    ClientEvent::Edited {
                        profile, edited_at, ..
                    } => (profile, edited_at),
                    _ => continue,
                };
                // No key: the client was erased; its data is gone from every read model.
                if let Some(profile) = keys
                    .get(&(workspace_id, client_id))
                    .and_then(|key| sealed.open(key))
                {
                    saves.push(workspace_id, client_id, profile, at);
                }
                continue;
            }
            // Everything else reads or changes rows the pending saves may create.
            saves.flush(conn).await?;
            if event.event_type == CrmSettingsEvent::DUPLICATE_CRITERIA_SET {
                let CrmSettingsEvent::DuplicateCriteriaSet { criteria, set_at } =
                    event.payload()?;
                let names: Vec<&str> = criteria.iter().map(|c| c.as_str()).collect();
                sqlx::query(
                    "insert into crm_settings (workspace_id, duplicate_criteria, updated_at)
                     values ($1, $2, $3)
                     on conflict (workspace_id) do update set duplicate_criteria = $2, updated_at = $3",
                )
                .bind(workspace_id)
                .bind(&names)
                .bind(set_at)
                .execute(&mut *conn)
                .await?;
                continue;
            }
            let client_id = client_id_of(event)?;
            match event.payload()? {
                ClientEvent::Created { .. } | ClientEvent::Edited { .. } => {
                    unreachable!("buffered above")
                }
                ClientEvent::Archived { archived_at } => {
                    sqlx::query(
                        "update client set archived_at = $3, updated_at = $3
                         where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(archived_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::Restored { restored_at } => {
                    sqlx::query(
                        "update client set archived_at = null, updated_at = $3
                         where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(restored_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::InteractionRecorded {
                    interaction_id,
                    kind,
                    occurred_at,
                    text,
                    recorded_at,
                } => {
                    let Some(text) = keys
                        .get(&(workspace_id, client_id))
                        .and_then(|key| text.open(key))
                    else {
                        continue;
                    };
                    let author = event
                        .meta(domain::meta::ACTOR_ID)
                        .and_then(|id| Uuid::parse_str(&id).ok());
                    sqlx::query(
                        "insert into client_interaction (workspace_id, interaction_id, client_id, kind, occurred_at,
                                                         text, author_id, recorded_at)
                         values ($1, $2, $3, $4, $5, $6, $7, $8)
                         on conflict do nothing",
                    )
                    .bind(workspace_id)
                    .bind(interaction_id)
                    .bind(client_id)
                    .bind(kind.as_str())
                    .bind(occurred_at)
                    .bind(text)
                    .bind(author)
                    .bind(recorded_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::MergedInto {
                    survivor_id,
                    merged_at,
                } => {
                    // The duplicate stops matching anything; its journal joins the survivor's.
                    sqlx::query(
                        "update client set merged_into = $3, updated_at = $4
                         where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(survivor_id)
                    .bind(merged_at)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(
                        "delete from client_match_key where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(
                        "update client_interaction set client_id = $3
                         where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(survivor_id)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::Absorbed { absorbed_at, .. } => {
                    sqlx::query(
                        "update client set updated_at = $3 where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(absorbed_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::PortalActivated {
                    account_id,
                    activated_at,
                } => {
                    sqlx::query(
                        "update client set portal_status = 'active', portal_account = $3,
                                portal_activated_at = $4, updated_at = $4
                         where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(account_id)
                    .bind(activated_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::PortalRevoked { revoked_at, .. } => {
                    sqlx::query(
                        "update client set portal_status = 'none', portal_account = null,
                                portal_activated_at = null, portal_revoked_at = $3, updated_at = $3
                         where workspace_id = $1 and client_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(revoked_at)
                    .execute(&mut *conn)
                    .await?;
                }
                ClientEvent::InvitedToPortal { invited_at, .. } => {
                    sqlx::query(
                        "update client set portal_status = 'invited', updated_at = $3
                         where workspace_id = $1 and client_id = $2 and portal_status = 'none'",
                    )
                    .bind(workspace_id)
                    .bind(client_id)
                    .bind(invited_at)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        saves.flush(conn).await?;
        Ok(())
    }
}

/// The workshop's duplicate criteria (all of them until it chose).
pub async fn duplicate_criteria(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<BTreeSet<Criterion>, sqlx::Error> {
    let names: Option<Vec<String>> =
        sqlx::query_scalar("select duplicate_criteria from crm_settings where workspace_id = $1")
            .bind(workspace_id)
            .fetch_optional(executor)
            .await?;
    Ok(match names {
        Some(names) => names
            .iter()
            .filter_map(|name| Criterion::parse(name))
            .collect(),
        None => default_criteria(),
    })
}

/// The duplicate keys this client holds today: `(criterion, key)`.
pub async fn match_keys_of(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "select criterion, key from client_match_key where workspace_id = $1 and client_id = $2",
    )
    .bind(workspace_id)
    .bind(client_id)
    .fetch_all(executor)
    .await
}

/// Clients (not merged away) sharing one of `keys`, with the criterion, `except` left out.
pub async fn matching(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    keys: &[domain::client::MatchKey],
    except: Option<Uuid>,
) -> Result<Vec<(Uuid, Criterion)>, sqlx::Error> {
    let criteria: Vec<&str> = keys.iter().map(|key| key.criterion.as_str()).collect();
    let values: Vec<&str> = keys.iter().map(|key| key.key.as_str()).collect();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select distinct m.client_id, m.criterion
         from unnest($2::text[], $3::text[]) as k(criterion, key)
         join client_match_key m on m.workspace_id = $1 and m.criterion = k.criterion and m.key = k.key
         where $4::uuid is null or m.client_id <> $4
         order by m.client_id, m.criterion",
    )
    .bind(workspace_id)
    .bind(&criteria)
    .bind(&values)
    .bind(except)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, criterion)| Criterion::parse(&criterion).map(|c| (id, c)))
        .collect())
}

/// The clients whose portal login is `account_id`: what a client sees in its portal.
/// Archiving and merging revoke the login; the conditions stay as a second lock.
pub async fn of_portal_account(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    account_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "select client_id from client
         where workspace_id = $1 and portal_account = $2 and merged_into is null
           and archived_at is null",
    )
    .bind(workspace_id)
    .bind(account_id)
    .fetch_all(executor)
    .await
}

/// Every client (not merged away) holding one of `keys`, key by key: what an import
/// compares its whole file with, in one query.
pub async fn holders(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    keys: &[domain::client::MatchKey],
) -> Result<Vec<(domain::client::MatchKey, Uuid)>, sqlx::Error> {
    let criteria: Vec<&str> = keys.iter().map(|key| key.criterion.as_str()).collect();
    let values: Vec<&str> = keys.iter().map(|key| key.key.as_str()).collect();
    let rows: Vec<(String, String, Uuid)> = sqlx::query_as(
        "select distinct m.criterion, m.key, m.client_id
         from unnest($2::text[], $3::text[]) as k(criterion, key)
         join client_match_key m on m.workspace_id = $1 and m.criterion = k.criterion and m.key = k.key",
    )
    .bind(workspace_id)
    .bind(&criteria)
    .bind(&values)
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(criterion, key, client_id)| {
            Criterion::parse(&criterion)
                .map(|criterion| (domain::client::MatchKey { criterion, key }, client_id))
        })
        .collect())
}

pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
) -> Result<Option<ClientRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from client where workspace_id = $1 and client_id = $2"
    ))
    .bind(workspace_id)
    .bind(client_id)
    .fetch_optional(executor)
    .await
}

pub async fn find_many(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_ids: &[Uuid],
) -> Result<Vec<ClientRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from client where workspace_id = $1 and client_id = any($2) order by sort_name, client_id"
    ))
    .bind(workspace_id)
    .bind(client_ids)
    .fetch_all(executor)
    .await
}

/// What the client list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Typed by the user; folded here.
    pub search: Option<String>,
    pub kind: Option<ClientKind>,
    pub tag: Option<String>,
    pub include_archived: bool,
    /// `none`, `invited` or `active`: who can open the portal (the workshop's access list).
    pub portal_status: Option<&'static str>,
}

/// A page of clients by name (accents ignored), after the client `after`. Merged clients
/// never show.
pub async fn search(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    filter: &Filter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ClientRow>, sqlx::Error> {
    let pattern = filter
        .search
        .as_deref()
        .map(search_term)
        .filter(|term| !term.is_empty())
        .map(|term| {
            format!(
                "%{}%",
                term.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
    sqlx::query_as(&format!(
        "select {COLUMNS} from client
         where workspace_id = $1 and merged_into is null
           and ($2 or archived_at is null)
           and ($3::text is null or search_text like $3)
           and ($4::text is null or kind = $4)
           and ($5::text is null or tags_folded @> array[$5])
           and ($6::uuid is null or (sort_name, client_id) >
                (select c.sort_name, c.client_id from client c where c.workspace_id = $1 and c.client_id = $6))
           and ($8::text is null or portal_status = $8)
         order by sort_name, client_id
         limit $7"
    ))
    .bind(workspace_id)
    .bind(filter.include_archived)
    .bind(pattern)
    .bind(filter.kind.map(kind_str))
    .bind(filter.tag.as_deref().map(fold))
    .bind(after)
    .bind(limit)
    .bind(filter.portal_status)
    .fetch_all(executor)
    .await
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InteractionRow {
    pub interaction_id: Uuid,
    pub client_id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub text: String,
    pub author_id: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// A client's journal, newest first, before the cursor `(occurred_at, interaction_id)`.
pub async fn interactions(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    client_id: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<InteractionRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    sqlx::query_as(
        "select interaction_id, client_id, kind, occurred_at, text, author_id, recorded_at
         from client_interaction
         where workspace_id = $1 and client_id = $2
           and ($3::timestamptz is null or (occurred_at, interaction_id) < ($3, $4))
         order by occurred_at desc, interaction_id desc
         limit $5",
    )
    .bind(workspace_id)
    .bind(client_id)
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}
