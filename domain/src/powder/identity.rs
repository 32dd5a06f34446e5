use serde::{Deserialize, Serialize};

/// The chemistry of a powder.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PowderKind {
    Epoxy,
    Polyester,
    EpoxyPolyester,
    Polyurethane,
    Acrylic,
}

/// The look of a powder once cured.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    Matt,
    Satin,
    Gloss,
    Texture,
    Metallic,
}

/// The *exact powder*: what makes two parts share an oven batch (spec §2.3).
///
/// Invariant: equality is exactly reference + kind + finish, so RAL 7016 gloss ≠ RAL 7016
/// matt; batches group by it as a map key. References compare trimmed and case-insensitive
/// ("tp 7016 b" and "TP 7016 B" are one reference). Cure compatibility is not identity and is
/// checked elsewhere.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct PowderIdentity {
    reference: String,
    kind: PowderKind,
    finish: Finish,
}

impl PowderIdentity {
    /// `None` for a blank reference.
    pub fn new(reference: &str, kind: PowderKind, finish: Finish) -> Option<Self> {
        let reference = reference
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        (!reference.is_empty()).then_some(Self {
            reference,
            kind,
            finish,
        })
    }

    pub fn reference(&self) -> &str {
        &self.reference
    }

    pub fn kind(&self) -> PowderKind {
        self.kind
    }

    pub fn finish(&self) -> Finish {
        self.finish
    }
}
