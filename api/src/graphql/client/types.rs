//! The client resource's GraphQL types: a client as entered and as listed, its address,
//! kind and portal status, its journal's interactions, the duplicate criteria; their mapping
//! from read-model rows and into domain values.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::client::{Address, ClientKind, ClientProfile, Criterion, InteractionKind};
use projections::client::{ClientRow, InteractionRow};
use uuid::Uuid;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ClientKind")]
pub enum ClientKindValue {
    Professional,
    Private,
}

impl From<ClientKindValue> for ClientKind {
    fn from(value: ClientKindValue) -> Self {
        match value {
            ClientKindValue::Professional => Self::Professional,
            ClientKindValue::Private => Self::Private,
        }
    }
}

/// Où en est l'accès du client à son espace (portail).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PortalStatus")]
pub enum PortalStatusValue {
    /// Pas d'accès.
    None,
    /// Invitation envoyée depuis la fiche, pas encore acceptée.
    Invited,
    /// Le client ouvre son espace avec son identifiant.
    Active,
}

impl PortalStatusValue {
    pub fn stored(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Invited => "invited",
            Self::Active => "active",
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "InteractionKind")]
pub enum InteractionKindValue {
    Call,
    Email,
    Meeting,
    Note,
}

impl From<InteractionKindValue> for InteractionKind {
    fn from(value: InteractionKindValue) -> Self {
        match value {
            InteractionKindValue::Call => Self::Call,
            InteractionKindValue::Email => Self::Email,
            InteractionKindValue::Meeting => Self::Meeting,
            InteractionKindValue::Note => Self::Note,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DuplicateCriterion")]
pub enum CriterionValue {
    Email,
    Phone,
    Name,
    CompanyPostcode,
}

impl From<CriterionValue> for Criterion {
    fn from(value: CriterionValue) -> Self {
        match value {
            CriterionValue::Email => Self::Email,
            CriterionValue::Phone => Self::Phone,
            CriterionValue::Name => Self::Name,
            CriterionValue::CompanyPostcode => Self::CompanyPostcode,
        }
    }
}

impl From<Criterion> for CriterionValue {
    fn from(value: Criterion) -> Self {
        match value {
            Criterion::Email => Self::Email,
            Criterion::Phone => Self::Phone,
            Criterion::Name => Self::Name,
            Criterion::CompanyPostcode => Self::CompanyPostcode,
        }
    }
}

/// Une adresse postale.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "Address", input_name = "AddressInput")]
pub struct AddressNode {
    pub line1: String,
    pub line2: Option<String>,
    pub postcode: String,
    pub city: String,
    /// Code pays ISO à deux lettres ; FR par défaut.
    #[graphql(default)]
    pub country: String,
}

impl From<AddressNode> for Address {
    fn from(node: AddressNode) -> Self {
        Self {
            line1: node.line1,
            line2: node.line2,
            postcode: node.postcode,
            city: node.city,
            country: node.country,
        }
    }
}

/// La fiche d'un client, telle que saisie.
#[derive(InputObject)]
pub struct ClientInput {
    pub kind: ClientKindValue,
    pub company_name: Option<String>,
    /// SIREN ou SIRET (clé de contrôle vérifiée).
    pub siret: Option<String>,
    /// Numéro de TVA intracommunautaire.
    pub vat_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// Numéros tels que tapés ; enregistrés au format international (+33…).
    #[graphql(default)]
    pub phones: Vec<String>,
    pub billing_address: Option<AddressNode>,
    pub delivery_address: Option<AddressNode>,
    #[graphql(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl From<ClientInput> for ClientProfile {
    fn from(input: ClientInput) -> Self {
        Self {
            kind: input.kind.into(),
            company_name: input.company_name,
            siret: input.siret,
            vat_number: input.vat_number,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            phones: input.phones,
            billing_address: input.billing_address.map(Address::from),
            delivery_address: input.delivery_address.map(Address::from),
            tags: input.tags,
            notes: input.notes,
        }
    }
}

/// Un client de l'atelier.
#[derive(SimpleObject)]
#[graphql(name = "Client", complex)]
pub struct ClientNode {
    pub id: ID,
    pub kind: ClientKindValue,
    /// La société pour un professionnel, « Nom Prénom » sinon.
    pub display_name: String,
    pub company_name: Option<String>,
    pub siret: Option<String>,
    pub vat_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// Au format international E.164.
    pub phones: Vec<String>,
    pub billing_address: Option<AddressNode>,
    pub delivery_address: Option<AddressNode>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// `none`, `invited` (invitation au portail envoyée) ou `active`.
    pub portal_status: String,
    /// Depuis quand l'identifiant actuel ouvre l'espace du client.
    pub portal_activated_at: Option<DateTime<Utc>>,
    /// Dernier retrait de l'accès (par l'atelier, ou par un changement d'email, un
    /// archivage, une fusion) : les liens envoyés avant ne l'ouvrent plus.
    pub portal_revoked_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Fusionné dans ce client : c'est lui qu'il faut ouvrir.
    pub merged_into: Option<ID>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub client_id: Uuid,
}

fn address(value: Option<serde_json::Value>) -> Option<AddressNode> {
    let address: Address = serde_json::from_value(value?).ok()?;
    Some(AddressNode {
        line1: address.line1,
        line2: address.line2,
        postcode: address.postcode,
        city: address.city,
        country: address.country,
    })
}

impl From<ClientRow> for ClientNode {
    fn from(row: ClientRow) -> Self {
        Self {
            id: ID(row.client_id.to_string()),
            kind: if row.kind == "professional" {
                ClientKindValue::Professional
            } else {
                ClientKindValue::Private
            },
            display_name: row.display_name,
            company_name: row.company_name,
            siret: row.siret,
            vat_number: row.vat_number,
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            phones: row.phones,
            billing_address: address(row.billing_address),
            delivery_address: address(row.delivery_address),
            tags: row.tags,
            notes: row.notes,
            portal_status: row.portal_status,
            portal_activated_at: row.portal_activated_at,
            portal_revoked_at: row.portal_revoked_at,
            archived_at: row.archived_at,
            merged_into: row.merged_into.map(|id| ID(id.to_string())),
            created_at: row.created_at,
            updated_at: row.updated_at,
            client_id: row.client_id,
        }
    }
}

/// Une interaction du journal : appel, email, rendez-vous, note.
#[derive(SimpleObject)]
#[graphql(name = "Interaction")]
pub struct InteractionNode {
    pub id: ID,
    pub kind: InteractionKindValue,
    pub occurred_at: DateTime<Utc>,
    pub text: String,
    /// Le compte qui l'a saisie.
    pub author_id: Option<ID>,
    pub recorded_at: DateTime<Utc>,
}

impl From<InteractionRow> for InteractionNode {
    fn from(row: InteractionRow) -> Self {
        Self {
            id: ID(row.interaction_id.to_string()),
            kind: match row.kind.as_str() {
                "call" => InteractionKindValue::Call,
                "email" => InteractionKindValue::Email,
                "meeting" => InteractionKindValue::Meeting,
                _ => InteractionKindValue::Note,
            },
            occurred_at: row.occurred_at,
            text: row.text,
            author_id: row.author_id.map(|id| ID(id.to_string())),
            recorded_at: row.recorded_at,
        }
    }
}
