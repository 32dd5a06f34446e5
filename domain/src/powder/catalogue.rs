//! A powder of the workshop's catalogue (spec §5.6): its exact identity, what the shop needs
//! to price and cure it, and its carton formats with their tares.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{consumption_kg_per_m2, Finish, PowderIdentity, PowderKind};
use crate::limits::{self, OutOfBounds};
use crate::{DomainError, ErrorKind, Stamped};

/// The aggregate of a powder is addressed by its identity: registering the same reference,
/// kind and finish twice hits the same aggregate, which refuses. Identity never changes; a
/// different one is a different powder.
pub fn aggregate_local_id(identity: &PowderIdentity) -> String {
    format!(
        "powder/{}/{:?}/{:?}",
        identity.reference(),
        identity.kind(),
        identity.finish()
    )
    .to_lowercase()
}

/// A carton size sold by the brand, and the weight of the empty carton.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Format {
    pub kg: Decimal,
    pub tare_kg: Decimal,
}

/// What a powder is, as typed or imported: parsed by [`PowderSpec::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PowderSpec {
    pub reference: String,
    pub kind: PowderKind,
    pub finish: Finish,
    pub brand: String,
    pub name: String,
    /// RAL or another colour code.
    pub colour: Option<String>,
    pub density_g_cm3: Decimal,
    pub thickness_um: Decimal,
    /// Given by the brand, or derived from density, thickness and transfer efficiency.
    pub consumption_kg_m2: Option<Decimal>,
    pub transfer_efficiency: Option<Decimal>,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
    pub formats: Vec<Format>,
    pub price_per_kg: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PowderError {
    #[error("la référence de la poudre est obligatoire")]
    ReferenceEmpty,
    #[error("cette poudre (même référence, type et finition) existe déjà")]
    AlreadyRegistered,
    #[error("cette poudre n'existe pas")]
    NotRegistered,
    #[error("la densité doit être comprise entre 0 et 5 g/cm³")]
    DensityInvalid,
    #[error("l'épaisseur conseillée doit être comprise entre 1 et 500 µm")]
    ThicknessInvalid,
    #[error(
        "la consommation au m² est inconnue : donnez-la, ou le rendement de transfert (0 à 1)"
    )]
    ConsumptionUnknown,
    #[error("la cuisson doit être entre 100 et 250 °C, pendant 1 à 120 minutes")]
    CureInvalid,
    #[error("au moins un format (kg) est nécessaire")]
    NoFormat,
    #[error("format de {kg} kg invalide : le poids doit être positif et la tare plus légère que le carton plein")]
    FormatInvalid { kg: Decimal },
    #[error("le prix au kg ne peut pas être négatif")]
    PriceInvalid,
    #[error("cette poudre est archivée : restaurez-la avant de la modifier ou de la réceptionner")]
    Archived,
    #[error(transparent)]
    Bound(#[from] OutOfBounds),
}

impl DomainError for PowderError {
    fn code(&self) -> &'static str {
        match self {
            Self::ReferenceEmpty => "POWDER_REFERENCE_EMPTY",
            Self::AlreadyRegistered => "POWDER_DUPLICATE",
            Self::NotRegistered => "POWDER_NOT_FOUND",
            Self::DensityInvalid => "POWDER_DENSITY_INVALID",
            Self::ThicknessInvalid => "POWDER_THICKNESS_INVALID",
            Self::ConsumptionUnknown => "POWDER_CONSUMPTION_UNKNOWN",
            Self::CureInvalid => "POWDER_CURE_INVALID",
            Self::NoFormat => "POWDER_NO_FORMAT",
            Self::FormatInvalid { .. } => "POWDER_FORMAT_INVALID",
            Self::PriceInvalid => "POWDER_PRICE_INVALID",
            Self::Archived => "POWDER_ARCHIVED",
            Self::Bound(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::AlreadyRegistered | Self::Archived => ErrorKind::Conflict,
            Self::NotRegistered => ErrorKind::NotFound,
            _ => ErrorKind::Validation,
        }
    }
}

impl PowderSpec {
    pub fn identity(&self) -> Result<PowderIdentity, PowderError> {
        PowderIdentity::new(&self.reference, self.kind, self.finish)
            .ok_or(PowderError::ReferenceEmpty)
    }

    /// Checks every field and fills the consumption when it can be derived.
    pub fn validate(mut self) -> Result<Self, PowderError> {
        limits::powder::REFERENCE.check(&self.reference)?;
        let identity = self.identity()?;
        self.reference = identity.reference().to_owned();
        if self.density_g_cm3 <= Decimal::ZERO || self.density_g_cm3 > Decimal::from(5) {
            return Err(PowderError::DensityInvalid);
        }
        if self.thickness_um < Decimal::ONE || self.thickness_um > Decimal::from(500) {
            return Err(PowderError::ThicknessInvalid);
        }
        // Not given, or 0 as a form or an export writes an empty figure: derived from the
        // transfer efficiency. A negative figure is a typing error, refused by its bound.
        if self
            .consumption_kg_m2
            .is_none_or(|consumption| consumption.is_zero())
        {
            self.consumption_kg_m2 = self.transfer_efficiency.and_then(|efficiency| {
                consumption_kg_per_m2(self.density_g_cm3, self.thickness_um, efficiency)
            });
        }
        match self.consumption_kg_m2 {
            None => return Err(PowderError::ConsumptionUnknown),
            Some(consumption) => limits::powder::CONSUMPTION_KG_M2.check(consumption)?,
        };
        if let Some(efficiency) = self.transfer_efficiency {
            limits::powder::TRANSFER_EFFICIENCY.check(efficiency)?;
        }
        if !(100..=250).contains(&self.cure_temperature_c)
            || !(1..=120).contains(&self.cure_minutes)
        {
            return Err(PowderError::CureInvalid);
        }
        if self.formats.is_empty() {
            return Err(PowderError::NoFormat);
        }
        limits::powder::FORMATS.check_integer(self.formats.len() as u64)?;
        for format in &self.formats {
            if format.kg <= Decimal::ZERO
                || format.tare_kg < Decimal::ZERO
                || format.tare_kg >= format.kg
            {
                return Err(PowderError::FormatInvalid { kg: format.kg });
            }
            limits::powder::FORMAT_KG.check(format.kg)?;
        }
        if self.price_per_kg < Decimal::ZERO {
            return Err(PowderError::PriceInvalid);
        }
        limits::powder::PRICE_PER_KG.check(self.price_per_kg)?;
        self.brand = self.brand.trim().to_owned();
        self.name = self.name.trim().to_owned();
        limits::powder::BRAND.check(&self.brand)?;
        limits::powder::NAME.check(&self.name)?;
        limits::powder::COLOUR.check_optional(self.colour.as_deref())?;
        Ok(self)
    }

    /// The fields that differ from `before`, for the record of a re-import.
    fn changes_from(&self, before: &PowderSpec) -> Vec<String> {
        let mut changed = Vec::new();
        let mut check = |field: &str, same: bool| {
            if !same {
                changed.push(field.to_owned());
            }
        };
        check("brand", self.brand == before.brand);
        check("name", self.name == before.name);
        check("colour", self.colour == before.colour);
        check("density_g_cm3", self.density_g_cm3 == before.density_g_cm3);
        check("thickness_um", self.thickness_um == before.thickness_um);
        check(
            "consumption_kg_m2",
            self.consumption_kg_m2 == before.consumption_kg_m2,
        );
        check(
            "transfer_efficiency",
            self.transfer_efficiency == before.transfer_efficiency,
        );
        check(
            "cure",
            (self.cure_temperature_c, self.cure_minutes)
                == (before.cure_temperature_c, before.cure_minutes),
        );
        check("formats", self.formats == before.formats);
        check("price_per_kg", self.price_per_kg == before.price_per_kg);
        changed
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PowderCommand {
    Register {
        spec: PowderSpec,
    },
    /// New values for a registered powder (by hand or a re-import); identity cannot change.
    Update {
        spec: PowderSpec,
    },
    /// Out of the catalogue lists, the stock lists and the reorders; its history stays (the
    /// weighings, the projects that used it). An event log deletes nothing: archiving is
    /// the catalogue's delete.
    Archive,
    Restore,
}

/// Event type strings are the contract with the log: never rename a variant, add a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum PowderEvent {
    Registered {
        spec: PowderSpec,
        registered_at: DateTime<Utc>,
    },
    Updated {
        spec: PowderSpec,
        /// Names of the fields that changed: what a re-import did.
        changed: Vec<String>,
        updated_at: DateTime<Utc>,
    },
    Archived {
        archived_at: DateTime<Utc>,
    },
    Restored {
        restored_at: DateTime<Utc>,
    },
}

impl PowderEvent {
    pub const REGISTERED: &'static str = "PowderRegistered";
    pub const UPDATED: &'static str = "PowderUpdated";
    pub const ARCHIVED: &'static str = "PowderArchived";
    pub const RESTORED: &'static str = "PowderRestored";
}

impl DomainEvent for PowderEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Registered { .. } => Self::REGISTERED,
            Self::Updated { .. } => Self::UPDATED,
            Self::Archived { .. } => Self::ARCHIVED,
            Self::Restored { .. } => Self::RESTORED,
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Powder {
    spec: Option<PowderSpec>,
    archived: bool,
}

impl Powder {
    pub fn decide(&self, command: Stamped<PowderCommand>) -> Result<Vec<PowderEvent>, PowderError> {
        let now = command.now;
        match command.body {
            PowderCommand::Register { spec } => {
                if self.archived {
                    return Err(PowderError::Archived);
                }
                if self.spec.is_some() {
                    return Err(PowderError::AlreadyRegistered);
                }
                Ok(vec![PowderEvent::Registered {
                    spec: spec.validate()?,
                    registered_at: now,
                }])
            }
            PowderCommand::Update { spec } => {
                let before = self.spec.as_ref().ok_or(PowderError::NotRegistered)?;
                if self.archived {
                    return Err(PowderError::Archived);
                }
                let spec = spec.validate()?;
                if spec.identity()? != before.identity()? {
                    // Addressed by identity, an update can only reach its own powder.
                    return Err(PowderError::NotRegistered);
                }
                let changed = spec.changes_from(before);
                if changed.is_empty() {
                    return Ok(vec![]);
                }
                Ok(vec![PowderEvent::Updated {
                    spec,
                    changed,
                    updated_at: now,
                }])
            }
            // Archiving an archived powder (a double click) changes nothing, and says so by
            // recording nothing; so does restoring an active one.
            PowderCommand::Archive => {
                self.spec.as_ref().ok_or(PowderError::NotRegistered)?;
                Ok(if self.archived {
                    vec![]
                } else {
                    vec![PowderEvent::Archived { archived_at: now }]
                })
            }
            PowderCommand::Restore => {
                self.spec.as_ref().ok_or(PowderError::NotRegistered)?;
                Ok(if self.archived {
                    vec![PowderEvent::Restored { restored_at: now }]
                } else {
                    vec![]
                })
            }
        }
    }
}

impl Aggregate for Powder {
    const TYPE: &'static str = "powder";
    type Command = Stamped<PowderCommand>;
    type Event = PowderEvent;
    type Error = PowderError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            PowderEvent::Registered { spec, .. } | PowderEvent::Updated { spec, .. } => {
                self.spec = Some(spec)
            }
            PowderEvent::Archived { .. } => self.archived = true,
            PowderEvent::Restored { .. } => self.archived = false,
        }
    }
}
