//! What the workshop knows of a client, as typed or imported, and its checks.

use serde::{Deserialize, Serialize};

use super::text::tidy;
use super::{identifiers, phone, ClientError};
use crate::identity::Email;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// A company or a tradesman: invoices carry its SIRET and VAT number.
    Professional,
    /// A private person.
    Private,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub postcode: String,
    pub city: String,
    /// ISO 3166 alpha-2; France when not given.
    pub country: String,
}

/// A client's details. [`ClientProfile::validate`] turns what was typed into the stored
/// form: trimmed, phones in E.164, identifiers compacted, tags deduplicated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClientProfile {
    pub kind: ClientKind,
    pub company_name: Option<String>,
    /// SIREN or SIRET.
    pub siret: Option<String>,
    pub vat_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phones: Vec<String>,
    pub billing_address: Option<Address>,
    pub delivery_address: Option<Address>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_LENGTH: usize = 40;
pub const MAX_NAME_LENGTH: usize = 120;
pub const MAX_NOTES_LENGTH: usize = 5_000;
/// A street line: La Poste's lines are 38 characters (NF Z10-011), foreign ones longer;
/// 200 leaves room for « Zone artisanale des Forges, bâtiment C, quai de déchargement 4 ».
pub const MAX_ADDRESS_LINE_LENGTH: usize = 200;
/// The longest French commune name is 45 characters; 100 fits any town abroad.
pub const MAX_CITY_LENGTH: usize = 100;

fn bounded(
    value: Option<String>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, ClientError> {
    match value {
        Some(text) if text.chars().count() > max => Err(ClientError::TooLong { field, max }),
        other => Ok(other),
    }
}

impl Address {
    fn validate(self) -> Result<Option<Self>, ClientError> {
        let line1 = tidy(Some(&self.line1)).unwrap_or_default();
        let city = tidy(Some(&self.city)).unwrap_or_default();
        let postcode = tidy(Some(&self.postcode))
            .unwrap_or_default()
            .to_uppercase();
        let line2 = tidy(self.line2.as_deref());
        let line1 = bounded(Some(line1), "adresse", MAX_ADDRESS_LINE_LENGTH)?.unwrap_or_default();
        let line2 = bounded(line2, "complément d'adresse", MAX_ADDRESS_LINE_LENGTH)?;
        let city = bounded(Some(city), "ville", MAX_CITY_LENGTH)?.unwrap_or_default();
        if line1.is_empty() && city.is_empty() && postcode.is_empty() && line2.is_none() {
            return Ok(None);
        }
        let country = tidy(Some(&self.country))
            .unwrap_or_else(|| "FR".to_owned())
            .to_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ClientError::CountryInvalid { country });
        }
        // French postcodes are five digits; abroad, whatever the post office prints.
        let postcode_ok = match country.as_str() {
            "FR" => postcode.len() == 5 && postcode.chars().all(|c| c.is_ascii_digit()),
            _ => !postcode.is_empty() && postcode.chars().count() <= 12,
        };
        if !postcode_ok {
            return Err(ClientError::PostcodeInvalid { postcode });
        }
        if line1.is_empty() || city.is_empty() {
            return Err(ClientError::AddressIncomplete);
        }
        Ok(Some(Self {
            line1,
            line2,
            postcode,
            city,
            country,
        }))
    }
}

impl ClientProfile {
    pub fn validate(self) -> Result<Self, ClientError> {
        let company_name = bounded(
            tidy(self.company_name.as_deref()),
            "raison sociale",
            MAX_NAME_LENGTH,
        )?;
        let first_name = bounded(tidy(self.first_name.as_deref()), "prénom", MAX_NAME_LENGTH)?;
        let last_name = bounded(tidy(self.last_name.as_deref()), "nom", MAX_NAME_LENGTH)?;
        match self.kind {
            ClientKind::Professional if company_name.is_none() => {
                return Err(ClientError::CompanyNameMissing)
            }
            ClientKind::Private if last_name.is_none() => return Err(ClientError::LastNameMissing),
            _ => {}
        }
        let email = match tidy(self.email.as_deref()) {
            Some(email) => Some(
                Email::parse(&email)
                    .map_err(|_| ClientError::EmailInvalid {
                        email: email.clone(),
                    })?
                    .normalized(),
            ),
            None => None,
        };
        let mut phones: Vec<String> = Vec::new();
        for typed in self.phones.iter().filter_map(|phone| tidy(Some(phone))) {
            let number = phone::e164(&typed).ok_or(ClientError::PhoneInvalid { phone: typed })?;
            if !phones.contains(&number) {
                phones.push(number);
            }
        }
        let siret = match tidy(self.siret.as_deref()) {
            Some(typed) => Some(
                identifiers::company_number(&typed)
                    .ok_or(ClientError::SiretInvalid { siret: typed })?,
            ),
            None => None,
        };
        let vat_number = match tidy(self.vat_number.as_deref()) {
            Some(typed) => Some(
                identifiers::vat_number(&typed).ok_or(ClientError::VatInvalid { vat: typed })?,
            ),
            None => None,
        };
        let mut tags: Vec<String> = Vec::new();
        for tag in self.tags.iter().filter_map(|tag| tidy(Some(tag))) {
            if tag.chars().count() > MAX_TAG_LENGTH {
                return Err(ClientError::TooLong {
                    field: "étiquette",
                    max: MAX_TAG_LENGTH,
                });
            }
            if !tags
                .iter()
                .any(|known| known.to_lowercase() == tag.to_lowercase())
            {
                tags.push(tag);
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(ClientError::TooManyTags { max: MAX_TAGS });
        }
        let notes = self
            .notes
            .map(|notes| notes.trim().to_owned())
            .filter(|notes| !notes.is_empty());
        let notes = bounded(notes, "notes", MAX_NOTES_LENGTH)?;
        Ok(Self {
            kind: self.kind,
            company_name,
            siret,
            vat_number,
            first_name,
            last_name,
            email,
            phones,
            billing_address: self
                .billing_address
                .map(Address::validate)
                .transpose()?
                .flatten(),
            delivery_address: self
                .delivery_address
                .map(Address::validate)
                .transpose()?
                .flatten(),
            tags,
            notes,
        })
    }

    /// This profile completed by `imported`: what the import gives replaces, what it leaves
    /// empty stays; phones and tags are added to the known ones. How an import updates a
    /// client the workshop already had.
    pub fn overlaid_with(&self, imported: &Self) -> Self {
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        let mut phones = self.phones.clone();
        phones.extend(
            imported
                .phones
                .iter()
                .filter(|p| !self.phones.contains(p))
                .cloned(),
        );
        let mut tags = self.tags.clone();
        tags.extend(
            imported
                .tags
                .iter()
                .filter(|tag| {
                    !self
                        .tags
                        .iter()
                        .any(|known| known.to_lowercase() == tag.to_lowercase())
                })
                .cloned(),
        );
        Self {
            kind: imported.kind,
            company_name: pick(&imported.company_name, &self.company_name),
            siret: pick(&imported.siret, &self.siret),
            vat_number: pick(&imported.vat_number, &self.vat_number),
            first_name: pick(&imported.first_name, &self.first_name),
            last_name: pick(&imported.last_name, &self.last_name),
            email: pick(&imported.email, &self.email),
            phones,
            billing_address: imported
                .billing_address
                .clone()
                .or_else(|| self.billing_address.clone()),
            delivery_address: imported
                .delivery_address
                .clone()
                .or_else(|| self.delivery_address.clone()),
            tags,
            notes: pick(&imported.notes, &self.notes),
        }
    }

    /// The name lists show: the company for professionals, « Nom Prénom » otherwise.
    pub fn display_name(&self) -> String {
        let person = [self.last_name.as_deref(), self.first_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        match (&self.kind, &self.company_name) {
            (ClientKind::Professional, Some(company)) => company.clone(),
            _ => person,
        }
    }

    /// The fields that differ from `before`, for the record of an edit.
    pub fn changes_from(&self, before: &Self) -> Vec<String> {
        let mut changed = Vec::new();
        let mut check = |field: &str, same: bool| {
            if !same {
                changed.push(field.to_owned());
            }
        };
        check("kind", self.kind == before.kind);
        check("company_name", self.company_name == before.company_name);
        check("siret", self.siret == before.siret);
        check("vat_number", self.vat_number == before.vat_number);
        check("first_name", self.first_name == before.first_name);
        check("last_name", self.last_name == before.last_name);
        check("email", self.email == before.email);
        check("phones", self.phones == before.phones);
        check(
            "billing_address",
            self.billing_address == before.billing_address,
        );
        check(
            "delivery_address",
            self.delivery_address == before.delivery_address,
        );
        check("tags", self.tags == before.tags);
        check("notes", self.notes == before.notes);
        changed
    }
}
