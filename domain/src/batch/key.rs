//! The strict batch key (spec §10: « même RAL mais finition différente ⇒ impossible de
//! grouper »): the exact powder (reference, type, finish), the coats, primer and varnish,
//! and the cure schedule. Two parts share a load only if their keys are equal; the refusal
//! names the first attribute that differs, so the operator knows what to fix.
//!
//! Cures must be identical, not "close": a tolerance would not be transitive (180 °C joins
//! 185 °C joins 190 °C), and a key must be an equivalence to group by.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::powder::{Finish, PowderIdentity, PowderKind};
use crate::project::lifecycle::Part;
use crate::{DomainError, ErrorKind};

#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct BatchKey {
    pub powder: PowderIdentity,
    pub coats: u8,
    pub primer: bool,
    pub varnish: bool,
    pub cure_temperature_c: u16,
    pub cure_minutes: u16,
}

impl BatchKey {
    /// The key of a part; none for parts that are not coated (sandblasting only).
    pub fn of(part: &Part) -> Option<Self> {
        let powder = part.powder.as_ref()?;
        Some(Self {
            powder: powder.identity.clone(),
            coats: part.coats,
            primer: part.primer,
            varnish: part.varnish,
            cure_temperature_c: powder.cure_temperature_c,
            cure_minutes: powder.cure_minutes,
        })
    }
}

fn kind_label(kind: PowderKind) -> &'static str {
    match kind {
        PowderKind::Epoxy => "époxy",
        PowderKind::Polyester => "polyester",
        PowderKind::EpoxyPolyester => "époxy-polyester",
        PowderKind::Polyurethane => "polyuréthane",
        PowderKind::Acrylic => "acrylique",
    }
}

fn finish_label(finish: Finish) -> &'static str {
    match finish {
        Finish::Matt => "mat",
        Finish::Satin => "satiné",
        Finish::Gloss => "brillant",
        Finish::Texture => "texturé",
        Finish::Metallic => "métallisé",
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "avec"
    } else {
        "sans"
    }
}

/// Why a part cannot join a batch: the first attribute that differs, batch's value first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyMismatch {
    #[error("référence de poudre différente : {batch} ≠ {part}")]
    Reference { batch: String, part: String },
    #[error("type de poudre différent : {batch} ≠ {part}")]
    Kind { batch: String, part: String },
    #[error("finition différente : {batch} ≠ {part}")]
    Finish { batch: String, part: String },
    #[error("nombre de couches différent : {batch} ≠ {part}")]
    Coats { batch: u8, part: u8 },
    #[error("primaire différent : {batch} ≠ {part}")]
    Primer { batch: String, part: String },
    #[error("vernis différent : {batch} ≠ {part}")]
    Varnish { batch: String, part: String },
    #[error("cuisson différente : {batch} ≠ {part}")]
    Cure { batch: String, part: String },
    #[error("une pièce sans poudre n'entre pas dans une série de cuisson")]
    NotCoated,
}

impl DomainError for KeyMismatch {
    fn code(&self) -> &'static str {
        match self {
            Self::Reference { .. } => "BATCH_REFERENCE_MISMATCH",
            Self::Kind { .. } => "BATCH_KIND_MISMATCH",
            Self::Finish { .. } => "BATCH_FINISH_MISMATCH",
            Self::Coats { .. } => "BATCH_COATS_MISMATCH",
            Self::Primer { .. } => "BATCH_PRIMER_MISMATCH",
            Self::Varnish { .. } => "BATCH_VARNISH_MISMATCH",
            Self::Cure { .. } => "BATCH_CURE_MISMATCH",
            Self::NotCoated => "BATCH_PART_NOT_COATED",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// Whether a part of key `part` may join a batch of key `batch`.
pub fn check_joins(batch: &BatchKey, part: Option<&BatchKey>) -> Result<(), KeyMismatch> {
    let part = part.ok_or(KeyMismatch::NotCoated)?;
    let cure = |key: &BatchKey| format!("{} °C {} min", key.cure_temperature_c, key.cure_minutes);
    if batch.powder.reference() != part.powder.reference() {
        return Err(KeyMismatch::Reference {
            batch: batch.powder.reference().to_owned(),
            part: part.powder.reference().to_owned(),
        });
    }
    if batch.powder.kind() != part.powder.kind() {
        return Err(KeyMismatch::Kind {
            batch: kind_label(batch.powder.kind()).to_owned(),
            part: kind_label(part.powder.kind()).to_owned(),
        });
    }
    if batch.powder.finish() != part.powder.finish() {
        return Err(KeyMismatch::Finish {
            batch: finish_label(batch.powder.finish()).to_owned(),
            part: finish_label(part.powder.finish()).to_owned(),
        });
    }
    if batch.coats != part.coats {
        return Err(KeyMismatch::Coats {
            batch: batch.coats,
            part: part.coats,
        });
    }
    if batch.primer != part.primer {
        return Err(KeyMismatch::Primer {
            batch: yes_no(batch.primer).to_owned(),
            part: yes_no(part.primer).to_owned(),
        });
    }
    if batch.varnish != part.varnish {
        return Err(KeyMismatch::Varnish {
            batch: yes_no(batch.varnish).to_owned(),
            part: yes_no(part.varnish).to_owned(),
        });
    }
    if (batch.cure_temperature_c, batch.cure_minutes)
        != (part.cure_temperature_c, part.cure_minutes)
    {
        return Err(KeyMismatch::Cure {
            batch: cure(batch),
            part: cure(part),
        });
    }
    debug_assert_eq!(batch, part, "every attribute of the key is checked above");
    Ok(())
}

/// Items grouped by key, keys in order; items without a key (not coated) are left out.
pub fn group<T>(items: impl IntoIterator<Item = (Option<BatchKey>, T)>) -> Vec<(BatchKey, Vec<T>)> {
    let mut groups: BTreeMap<BatchKey, Vec<T>> = BTreeMap::new();
    for (key, item) in items {
        if let Some(key) = key {
            groups.entry(key).or_default().push(item);
        }
    }
    groups.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(reference: &str, finish: Finish) -> BatchKey {
        BatchKey {
            powder: PowderIdentity::new(reference, PowderKind::Polyester, finish).unwrap(),
            coats: 1,
            primer: false,
            varnish: false,
            cure_temperature_c: 200,
            cure_minutes: 10,
        }
    }

    /// Every combination of a small attribute space: enough to check the key is exactly the
    /// attributes, all of them, as a property over the whole space.
    fn space() -> Vec<BatchKey> {
        let mut keys = Vec::new();
        for reference in ["RAL 7016", "ral  7016", "RAL 9005"] {
            for kind in [PowderKind::Polyester, PowderKind::Epoxy] {
                for finish in [Finish::Gloss, Finish::Matt] {
                    for coats in [1, 2] {
                        for (primer, varnish) in [(false, false), (true, false), (false, true)] {
                            for (cure_temperature_c, cure_minutes) in [(200, 10), (180, 15)] {
                                keys.push(BatchKey {
                                    powder: PowderIdentity::new(reference, kind, finish).unwrap(),
                                    coats,
                                    primer,
                                    varnish,
                                    cure_temperature_c,
                                    cure_minutes,
                                });
                            }
                        }
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn ral_7016_gloss_never_joins_ral_7016_matt() {
        let error = check_joins(
            &key("RAL 7016", Finish::Gloss),
            Some(&key("RAL 7016", Finish::Matt)),
        )
        .unwrap_err();
        assert_eq!(error.code(), "BATCH_FINISH_MISMATCH");
        assert_eq!(error.to_string(), "finition différente : brillant ≠ mat");
    }

    #[test]
    fn joining_is_exactly_key_equality_over_the_whole_space() {
        let keys = space();
        for batch in &keys {
            for part in &keys {
                assert_eq!(
                    check_joins(batch, Some(part)).is_ok(),
                    batch == part,
                    "{batch:?} / {part:?}"
                );
            }
        }
        // References compare as the catalogue does: spaces and case do not make two powders.
        assert_eq!(
            key("ral  7016", Finish::Gloss),
            key("RAL 7016", Finish::Gloss)
        );
    }

    #[test]
    fn each_difference_is_named() {
        let base = key("RAL 7016", Finish::Gloss);
        let cases: Vec<(BatchKey, &str, &str)> = vec![
            (
                key("RAL 9005", Finish::Gloss),
                "BATCH_REFERENCE_MISMATCH",
                "référence de poudre différente : RAL 7016 ≠ RAL 9005",
            ),
            (
                BatchKey {
                    powder: PowderIdentity::new("RAL 7016", PowderKind::Epoxy, Finish::Gloss)
                        .unwrap(),
                    ..base.clone()
                },
                "BATCH_KIND_MISMATCH",
                "type de poudre différent : polyester ≠ époxy",
            ),
            (
                BatchKey {
                    coats: 2,
                    ..base.clone()
                },
                "BATCH_COATS_MISMATCH",
                "nombre de couches différent : 1 ≠ 2",
            ),
            (
                BatchKey {
                    primer: true,
                    ..base.clone()
                },
                "BATCH_PRIMER_MISMATCH",
                "primaire différent : sans ≠ avec",
            ),
            (
                BatchKey {
                    varnish: true,
                    ..base.clone()
                },
                "BATCH_VARNISH_MISMATCH",
                "vernis différent : sans ≠ avec",
            ),
            (
                BatchKey {
                    cure_temperature_c: 180,
                    ..base.clone()
                },
                "BATCH_CURE_MISMATCH",
                "cuisson différente : 200 °C 10 min ≠ 180 °C 10 min",
            ),
        ];
        for (part, code, message) in cases {
            let error = check_joins(&base, Some(&part)).unwrap_err();
            assert_eq!((error.code(), error.to_string().as_str()), (code, message));
        }
        assert_eq!(
            check_joins(&base, None).unwrap_err().code(),
            "BATCH_PART_NOT_COATED"
        );
    }

    #[test]
    fn grouping_puts_together_only_parts_that_share_the_key() {
        let keys = space();
        let items: Vec<(Option<BatchKey>, usize)> = keys
            .iter()
            .cloned()
            .map(Some)
            .chain([None])
            .enumerate()
            .map(|(index, key)| (key, index))
            .collect();
        let groups = group(items.clone());
        let distinct: std::collections::BTreeSet<&BatchKey> = keys.iter().collect();
        assert_eq!(groups.len(), distinct.len());
        for (key, members) in &groups {
            for member in members {
                assert_eq!(items[*member].0.as_ref(), Some(key));
            }
        }
        let grouped: usize = groups.iter().map(|(_, members)| members.len()).sum();
        assert_eq!(
            grouped,
            keys.len(),
            "every coated part once, the uncoated one left out"
        );
    }
}
