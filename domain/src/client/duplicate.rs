//! Duplicate detection (spec §5.1): the keys two clients share when they are likely the same
//! person or company, by the criteria the workshop chose.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::text::fold;
use super::ClientProfile;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Email,
    Phone,
    /// Last and first name, accents and case ignored.
    Name,
    /// Company name (accents and case ignored) in the same postcode.
    CompanyPostcode,
}

impl Criterion {
    pub const ALL: [Criterion; 4] = [Self::Email, Self::Phone, Self::Name, Self::CompanyPostcode];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Name => "name",
            Self::CompanyPostcode => "company_postcode",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|criterion| criterion.as_str() == text)
    }

    /// How the warning names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "même email",
            Self::Phone => "même téléphone",
            Self::Name => "même nom et prénom",
            Self::CompanyPostcode => "même société et code postal",
        }
    }
}

/// One thing a client could share with another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchKey {
    pub criterion: Criterion,
    pub key: String,
}

/// Every key of `profile` under every criterion (the read model stores them all, so
/// changing the criteria needs no rebuild); [`keys_for`] keeps the chosen ones.
pub fn match_keys(profile: &ClientProfile) -> Vec<MatchKey> {
    let mut keys = Vec::new();
    let mut push = |criterion, key: String| {
        if !key.is_empty() {
            keys.push(MatchKey { criterion, key });
        }
    };
    if let Some(email) = &profile.email {
        push(Criterion::Email, email.to_lowercase());
    }
    for phone in &profile.phones {
        push(Criterion::Phone, phone.clone());
    }
    if let (Some(last), Some(first)) = (&profile.last_name, &profile.first_name) {
        push(Criterion::Name, format!("{}|{}", fold(last), fold(first)));
    }
    if let (Some(company), Some(address)) = (&profile.company_name, &profile.billing_address) {
        push(
            Criterion::CompanyPostcode,
            format!("{}|{}", fold(company), address.postcode),
        );
    }
    keys
}

pub fn keys_for(profile: &ClientProfile, criteria: &BTreeSet<Criterion>) -> Vec<MatchKey> {
    match_keys(profile)
        .into_iter()
        .filter(|key| criteria.contains(&key.criterion))
        .collect()
}

/// An existing client that looks like the one being saved, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DuplicateMatch {
    pub client_id: Uuid,
    pub criterion: Criterion,
}

/// Saving despite a duplicate warning: who was matched and why the user went on (typed
/// text about people: sealed with the client's key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DuplicateOverride {
    pub reason: super::Sealed,
    pub matches: Vec<DuplicateMatch>,
}
