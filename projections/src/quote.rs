//! The `quote` read model: each quote with its current version's figures, and the
//! workshop's quoting settings.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::quote::lifecycle::{PricedContent, QuoteEvent, Signer};
use domain::quote::settings::{QuoteSettings, QuoteSettingsEvent};
use domain::quote::template::{QuoteTemplateEvent, TemplateChoice};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::engine::{Projection, ProjectionError};
use crate::feed::RecordedEvent;

pub const NAME: &str = "quote";

pub struct QuoteProjection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct QuoteRow {
    pub quote_id: Uuid,
    pub number: String,
    pub version: i32,
    pub status: String,
    pub client_id: Uuid,
    pub total_ht: Decimal,
    pub total_vat: Decimal,
    pub total_ttc: Decimal,
    pub deposit_due: Decimal,
    pub valid_until: NaiveDate,
    pub content: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The exact PDF the client received for the current version.
    pub sent_pdf_sha256: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "quote_id, number, version, status, client_id, total_ht, total_vat, total_ttc, deposit_due,
    valid_until, content, created_at, sent_at, sent_pdf_sha256, updated_at";

/// One entry of the signature journal.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SignatureRow {
    pub quote_id: Uuid,
    pub version: i32,
    pub number: String,
    /// `client` or `staff_on_behalf`.
    pub signer: String,
    pub account_id: Uuid,
    pub signed_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub terms_accepted: bool,
    pub pdf_sha256: String,
    pub image_sha256: String,
}

const SIGNATURE_COLUMNS: &str = "quote_id, version, number, signer, account_id, signed_at, ip, \
    user_agent, terms_accepted, pdf_sha256, image_sha256";

/// The journal of signatures, newest first, optionally of one quote, before the cursor
/// `(signed_at, quote_id)`.
pub async fn signatures(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Option<Uuid>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<SignatureRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    sqlx::query_as(&format!(
        "select {SIGNATURE_COLUMNS} from quote_signature
         where workspace_id = $1 and ($2::uuid is null or quote_id = $2)
           and ($3::timestamptz is null or (signed_at, quote_id) < ($3, $4))
         order by signed_at desc, quote_id desc
         limit $5"
    ))
    .bind(workspace_id)
    .bind(quote_id)
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// A quote whose reminder step is due.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DueReminder {
    pub workspace_id: Uuid,
    pub quote_id: Uuid,
    pub after_days: i32,
}

/// Every workshop's sent quotes with a reminder step due at `now`, the steps taken from each
/// workshop's settings (J+2 and J+7 by default). Only the latest due step: a client whose
/// quote waited through an outage gets one reminder, not two the same minute. Platform-wide:
/// only the reminder schedule reads it.
pub async fn due_reminders(
    executor: impl PgExecutor<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueReminder>, sqlx::Error> {
    sqlx::query_as(
        "select distinct on (q.sent_at, q.quote_id) q.workspace_id, q.quote_id, step.after_days
         from quote q
         left join quote_settings s on s.workspace_id = q.workspace_id
         cross join lateral (
           select (day)::integer as after_days
           from jsonb_array_elements_text(coalesce(s.settings -> 'reminder_days', '[2, 7]'::jsonb)) as day
         ) step
         where q.status = 'sent'
           and q.sent_at + make_interval(days => step.after_days) <= $1
           and step.after_days > coalesce((select max(day) from unnest(q.reminded_days) day), 0)
         order by q.sent_at, q.quote_id, step.after_days desc
         limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(executor)
    .await
}

fn quote_id_of(event: &RecordedEvent) -> Result<Uuid, ProjectionError> {
    event
        .local_id()
        .strip_prefix("quote/")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| ProjectionError::Reactor(format!("not a quote id: {}", event.aggregate_id)))
}

async fn save_content(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    version: Option<u32>,
    status: &str,
    content: &PricedContent,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "update quote set version = coalesce($3, version), status = $4, client_id = $5, total_ht = $6,
                          total_vat = $7, total_ttc = $8, deposit_due = $9, valid_until = $10, content = $11,
                          updated_at = $12
         where workspace_id = $1 and quote_id = $2",
    )
    .bind(event.workspace_id)
    .bind(quote_id_of(event)?)
    .bind(version.map(|version| version as i32))
    .bind(status)
    .bind(content.content.client_id)
    .bind(content.priced.total_ht)
    .bind(content.priced.total_vat)
    .bind(content.priced.total_ttc)
    .bind(content.deposit_due)
    .bind(content.content.valid_until)
    .bind(serde_json::to_value(content).unwrap_or_default())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_status(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    status: &str,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "update quote set status = $3, updated_at = $4,
                          sent_at = case when $3 = 'sent' then $4 else sent_at end
         where workspace_id = $1 and quote_id = $2",
    )
    .bind(event.workspace_id)
    .bind(quote_id_of(event)?)
    .bind(status)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for QuoteProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "quote",
            "quote_settings",
            "quote_signature",
            "quote_template",
        ]
    }

    fn event_types(&self) -> &'static [&'static str] {
        &[
            QuoteEvent::CREATED,
            QuoteEvent::EDITED,
            QuoteEvent::SENT,
            QuoteEvent::REVISED,
            QuoteEvent::REFUSED,
            QuoteEvent::EXPIRED,
            QuoteEvent::ACCEPTED,
            QuoteEvent::SIGNED,
            QuoteEvent::REMINDED,
            QuoteSettingsEvent::CHANGED,
            QuoteTemplateEvent::CHOSEN,
        ]
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            if event.event_type == QuoteTemplateEvent::CHOSEN {
                let QuoteTemplateEvent::Chosen { choice, chosen_at } = event.payload()?;
                crate::workshop_settings::save(
                    conn,
                    "quote_template",
                    "choice",
                    event.workspace_id,
                    &choice,
                    chosen_at,
                )
                .await?;
                continue;
            }
            if event.event_type == QuoteSettingsEvent::CHANGED {
                let QuoteSettingsEvent::Changed {
                    settings,
                    changed_at,
                } = event.payload()?;
                crate::workshop_settings::save(
                    conn,
                    "quote_settings",
                    "settings",
                    event.workspace_id,
                    &settings,
                    changed_at,
                )
                .await?;
                continue;
            }
            match event.payload()? {
                QuoteEvent::Created {
                    quote_id,
                    number,
                    version,
                    content,
                    created_at,
                } => {
                    sqlx::query(
                        "insert into quote (workspace_id, quote_id, number, version, status, client_id, total_ht,
                                            total_vat, total_ttc, deposit_due, valid_until, content, created_at,
                                            updated_at)
                         values ($1, $2, $3, $4, 'draft', $5, 0, 0, 0, 0, $6, '{}', $7, $7)
                         on conflict (workspace_id, quote_id) do nothing",
                    )
                    .bind(event.workspace_id)
                    .bind(quote_id)
                    .bind(&number)
                    .bind(version as i32)
                    .bind(content.content.client_id)
                    .bind(content.content.valid_until)
                    .bind(created_at)
                    .execute(&mut *conn)
                    .await?;
                    save_content(conn, event, None, "draft", &content, created_at).await?;
                }
                QuoteEvent::Edited { content, edited_at } => {
                    save_content(conn, event, None, "draft", &content, edited_at).await?
                }
                QuoteEvent::Revised {
                    version,
                    content,
                    revised_at,
                } => {
                    save_content(conn, event, Some(version), "draft", &content, revised_at).await?
                }
                QuoteEvent::Sent {
                    sent_at,
                    pdf_sha256,
                    ..
                } => {
                    set_status(conn, event, "sent", sent_at).await?;
                    sqlx::query(
                        "update quote set sent_pdf_sha256 = $3, reminded_days = '{}'
                         where workspace_id = $1 and quote_id = $2",
                    )
                    .bind(event.workspace_id)
                    .bind(quote_id_of(event)?)
                    .bind(pdf_sha256)
                    .execute(&mut *conn)
                    .await?;
                }
                QuoteEvent::Reminded { after_days, .. } => {
                    sqlx::query(
                        "update quote set reminded_days = array_append(reminded_days, $3)
                         where workspace_id = $1 and quote_id = $2 and not ($3 = any(reminded_days))",
                    )
                    .bind(event.workspace_id)
                    .bind(quote_id_of(event)?)
                    .bind(i32::from(after_days))
                    .execute(&mut *conn)
                    .await?;
                }
                QuoteEvent::Refused { refused_at } => {
                    set_status(conn, event, "refused", refused_at).await?
                }
                QuoteEvent::Expired { expired_at } => {
                    set_status(conn, event, "expired", expired_at).await?
                }
                QuoteEvent::Signed {
                    signature,
                    signed_at,
                } => {
                    let (signer, account_id) = match signature.signer {
                        Signer::Client { account_id } => ("client", account_id),
                        Signer::StaffOnBehalf { account_id } => ("staff_on_behalf", account_id),
                    };
                    sqlx::query(
                        "insert into quote_signature (workspace_id, quote_id, version, number, signer, account_id,
                                                      signed_at, ip, user_agent, terms_accepted, pdf_sha256,
                                                      image_sha256)
                         select $1, $2, $3, number, $4, $5, $6, $7, $8, $9, $10, $11
                         from quote where workspace_id = $1 and quote_id = $2
                         on conflict do nothing",
                    )
                    .bind(event.workspace_id)
                    .bind(quote_id_of(event)?)
                    .bind(signature.version as i32)
                    .bind(signer)
                    .bind(account_id)
                    .bind(signed_at)
                    .bind(&signature.ip)
                    .bind(&signature.user_agent)
                    .bind(signature.terms_accepted)
                    .bind(&signature.pdf_sha256)
                    .bind(&signature.image_sha256)
                    .execute(&mut *conn)
                    .await?;
                }
                QuoteEvent::Accepted { accepted_at, .. } => {
                    set_status(conn, event, "accepted", accepted_at).await?
                }
            }
        }
        Ok(())
    }
}

/// The workshop's settings, the defaults until it changed them.
pub async fn settings(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<QuoteSettings, sqlx::Error> {
    crate::workshop_settings::load(executor, "quote_settings", "settings", workspace_id).await
}

/// The workshop's quote template, the modern preset until it chose one.
pub async fn template(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<TemplateChoice, sqlx::Error> {
    crate::workshop_settings::load(executor, "quote_template", "choice", workspace_id).await
}

pub async fn find(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    quote_id: Uuid,
) -> Result<Option<QuoteRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from quote where workspace_id = $1 and quote_id = $2"
    ))
    .bind(workspace_id)
    .bind(quote_id)
    .fetch_optional(executor)
    .await
}

/// Quotes newest first, before the cursor `(created_at, quote_id)`, optionally of one status
/// or of some clients (one, or the files of a portal login).
/// `sent_only`: what a client's portal lists, never a draft (a revision being prepared
/// included: the client sees it again once it is sent).
pub async fn list(
    executor: impl PgExecutor<'_>,
    workspace_id: Uuid,
    status: Option<&str>,
    clients: Option<&[Uuid]>,
    sent_only: bool,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<QuoteRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    sqlx::query_as(&format!(
        "select {COLUMNS} from quote
         where workspace_id = $1 and ($2::text is null or status = $2) and ($3::uuid[] is null or client_id = any($3))
           and ($4::timestamptz is null or (created_at, quote_id) < ($4, $5))
           and not ($7 and status = 'draft')
         order by created_at desc, quote_id desc
         limit $6"
    ))
    .bind(workspace_id)
    .bind(status)
    .bind(clients)
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .bind(sent_only)
    .fetch_all(executor)
    .await
}
