use chrono::TimeZone;
use rust_decimal_macros::dec;

use std::collections::BTreeSet;

use super::*;
use crate::platform::entitlements::Flag;
use crate::platform::entitlements::{self, Call, Standing, Terms};

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
}

fn seeded() -> PlanCatalogue {
    let mut catalogue = PlanCatalogue::default();
    for event in catalogue
        .decide(Stamped::at(at(1, 9), CatalogueCommand::Seed))
        .unwrap()
    {
        catalogue.apply(event);
    }
    catalogue
}

fn decide(
    catalogue: &PlanCatalogue,
    command: CatalogueCommand,
) -> Result<Vec<CatalogueEvent>, CatalogueError> {
    catalogue.decide(Stamped::at(at(2, 9), command))
}

fn pro_price(
    monthly: Decimal,
    yearly: Decimal,
    applies_from: Option<NaiveDate>,
) -> CatalogueCommand {
    CatalogueCommand::ChangePrice {
        item: Priced::Plan(Plan::Pro),
        prices: Prices {
            monthly_ht: monthly,
            yearly_ht: yearly,
        },
        applies_from,
    }
}

fn code(result: Result<Vec<CatalogueEvent>, CatalogueError>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn the_catalogue_is_seeded_once_from_the_spec() {
    let fresh = PlanCatalogue::default();
    assert_eq!(
        code(decide(
            &fresh,
            CatalogueCommand::SetTrialLength { days: 14 }
        )),
        "CATALOGUE_NOT_SEEDED"
    );
    let catalogue = seeded();
    assert_eq!(decide(&catalogue, CatalogueCommand::Seed).unwrap(), vec![]);
    assert_eq!(catalogue.trial_days(), 30);
    let (prices, features) = seed();
    assert_eq!(prices.len(), Plan::ALL.len() + AddOn::ALL.len());
    let plan_of = |feature| features.iter().find(|e| e.feature == feature).unwrap().plan;
    for core in [
        Feature::Quotes,
        Feature::Projects,
        Feature::Clients,
        Feature::PowderStock,
        Feature::OvenBatches,
        Feature::Invoicing,
    ] {
        assert_eq!(plan_of(core), Plan::Lite, "{core:?}");
    }
    for pro in [
        Feature::AdvancedReporting,
        Feature::Pennylane,
        Feature::EInvoicing,
        Feature::GoogleReviews,
        Feature::PaymentLinks,
        Feature::Jantes,
        Feature::SmartStock,
    ] {
        assert_eq!(plan_of(pro), Plan::Pro, "{pro:?}");
    }
}

#[test]
fn a_price_change_is_announced_thirty_days_ahead_at_least() {
    let catalogue = seeded();
    let events = decide(&catalogue, pro_price(dec!(109), dec!(1090), None)).unwrap();
    let CatalogueEvent::PriceChanged {
        before,
        after,
        applies_from,
        ..
    } = &events[0]
    else {
        panic!("{events:?}")
    };
    assert_eq!(before.unwrap().monthly_ht, dec!(99));
    assert_eq!(after.monthly_ht, dec!(109));
    // Announced on 2 December: 1 January at the earliest.
    assert_eq!(*applies_from, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
    let early = NaiveDate::from_ymd_opt(2026, 12, 20);
    let refused = decide(&catalogue, pro_price(dec!(109), dec!(1090), early)).unwrap_err();
    assert_eq!(refused.code(), "PRICE_CHANGE_NOTICE_TOO_SHORT");
    assert!(refused.to_string().contains("01/01/2027"), "{refused}");
    let later = NaiveDate::from_ymd_opt(2027, 3, 1);
    assert!(decide(&catalogue, pro_price(dec!(109), dec!(1090), later)).is_ok());
    // The same prices again: nothing to announce.
    assert_eq!(
        decide(&catalogue, pro_price(dec!(99), dec!(990), None)).unwrap(),
        vec![]
    );
}

#[test]
fn absurd_prices_are_refused() {
    let catalogue = seeded();
    for (monthly, yearly, reason) in [
        (dec!(-1), dec!(0), "MONTHLY_PRICE_OUT_OF_RANGE"),
        (dec!(1000000), dec!(0), "MONTHLY_PRICE_OUT_OF_RANGE"),
        (dec!(99), dec!(-5), "YEARLY_PRICE_OUT_OF_RANGE"),
        (dec!(99), dec!(1189), "YEARLY_PRICE_ABOVE_TWELVE_MONTHS"),
        (dec!(99.999), dec!(990), "PRICE_BELOW_CENT"),
    ] {
        assert_eq!(
            code(decide(&catalogue, pro_price(monthly, yearly, None))),
            reason,
            "{monthly} / {yearly}"
        );
    }
    assert!(decide(&catalogue, pro_price(dec!(99.90), dec!(1188), None)).is_ok());
}

#[test]
fn features_move_between_plans_with_the_same_notice() {
    let catalogue = seeded();
    let events = decide(
        &catalogue,
        CatalogueCommand::MoveFeature {
            feature: Feature::SmartStock,
            to: Plan::Lite,
            applies_from: None,
        },
    )
    .unwrap();
    assert!(matches!(
        events[0],
        CatalogueEvent::FeatureMoved {
            from: Some(Plan::Pro),
            to: Plan::Lite,
            ..
        }
    ));
    let same = CatalogueCommand::MoveFeature {
        feature: Feature::Quotes,
        to: Plan::Lite,
        applies_from: None,
    };
    assert_eq!(decide(&catalogue, same).unwrap(), vec![]);
}

#[test]
fn the_trial_and_the_switches_stay_within_their_range() {
    let catalogue = seeded();
    for days in [0, 91] {
        assert_eq!(
            code(decide(
                &catalogue,
                CatalogueCommand::SetTrialLength { days }
            )),
            "TRIAL_DAYS_OUT_OF_RANGE"
        );
    }
    assert_eq!(
        decide(&catalogue, CatalogueCommand::SetTrialLength { days: 30 }).unwrap(),
        vec![]
    );
    assert_eq!(
        code(decide(
            &catalogue,
            CatalogueCommand::SetRollout {
                feature: Feature::Jantes,
                percent: 101
            }
        )),
        "ROLLOUT_PERCENT_OUT_OF_RANGE"
    );
    let mut catalogue = catalogue;
    for event in decide(
        &catalogue,
        CatalogueCommand::SetKillSwitch {
            feature: Feature::Jantes,
            killed: true,
        },
    )
    .unwrap()
    {
        catalogue.apply(event);
    }
    let again = CatalogueCommand::SetKillSwitch {
        feature: Feature::Jantes,
        killed: true,
    };
    assert_eq!(decide(&catalogue, again).unwrap(), vec![]);
}

fn seed_terms() -> Terms {
    let (_, features) = seed();
    let mut terms = Terms::default();
    for entry in features {
        terms.set_plan(entry.feature, Some(entry.plan));
    }
    terms
}

#[test]
fn a_trial_has_everything_then_only_reads() {
    let workspace = uuid::Uuid::new_v4();
    let trial = Standing::Trial { ends_at: at(31, 9) };
    let terms = seed_terms();
    let check =
        |feature, call, now| entitlements::check(workspace, trial, &terms, feature, call, now);
    assert!(check(Some(Feature::SmartStock), Call::Write, at(30, 9)).is_ok());
    assert!(check(None, Call::Write, at(30, 9)).is_ok());
    let ended = check(Some(Feature::Quotes), Call::Write, at(31, 9)).unwrap_err();
    assert_eq!(ended.code(), "SUBSCRIPTION_REQUIRED");
    assert!(ended.to_string().contains("31/12/2026"), "{ended}");
    assert_eq!(
        check(None, Call::Write, at(31, 10)).unwrap_err().code(),
        "SUBSCRIPTION_REQUIRED"
    );
    // Its data stays readable, Pro features included.
    assert!(check(Some(Feature::SmartStock), Call::Read, at(31, 10)).is_ok());
}

#[test]
fn a_lite_workshop_is_told_which_plan_or_option_has_a_feature() {
    let workspace = uuid::Uuid::new_v4();
    let terms = seed_terms();
    let lite = Standing::Subscribed {
        plan: Plan::Lite,
        add_ons: Default::default(),
    };
    let check = |standing: &Standing, feature| {
        entitlements::check(
            workspace,
            *standing,
            &terms,
            Some(feature),
            Call::Read,
            at(2, 9),
        )
    };
    assert!(check(&lite, Feature::Quotes).is_ok());
    let missing = check(&lite, Feature::Jantes).unwrap_err();
    assert_eq!(missing.code(), "PLAN_FEATURE_MISSING");
    assert!(
        missing.to_string().contains("formule Pro")
            && missing.to_string().contains("option Jantes"),
        "{missing}"
    );
    let with_option = Standing::Subscribed {
        plan: Plan::Lite,
        add_ons: [AddOn::Jantes].into_iter().collect(),
    };
    assert!(check(&with_option, Feature::Jantes).is_ok());
    assert!(check(&with_option, Feature::SmartStock).is_err());
}

#[test]
fn switches_apply_to_every_plan_and_a_rollout_only_grows() {
    let pro = Standing::Subscribed {
        plan: Plan::Pro,
        add_ons: Default::default(),
    };
    let mut terms = seed_terms();
    let workspaces: Vec<uuid::Uuid> = (0..400).map(|_| uuid::Uuid::new_v4()).collect();
    let open = |terms: &Terms| -> BTreeSet<uuid::Uuid> {
        workspaces
            .iter()
            .copied()
            .filter(|workspace| {
                entitlements::check(
                    *workspace,
                    pro,
                    terms,
                    Some(Feature::Jantes),
                    Call::Read,
                    at(2, 9),
                )
                .is_ok()
            })
            .collect()
    };
    assert_eq!(open(&terms).len(), workspaces.len());
    let mut before = BTreeSet::new();
    for percent in [0, 10, 50, 100] {
        terms.set_flag(
            Feature::Jantes,
            Flag {
                percent,
                killed: false,
            },
        );
        let now_open = open(&terms);
        assert!(
            now_open.is_superset(&before),
            "raising to {percent} % closed a workshop"
        );
        let expected = workspaces.len() * usize::from(percent) / 100;
        assert!(
            now_open.len().abs_diff(expected) <= workspaces.len() / 10,
            "{percent} %: {} of {}",
            now_open.len(),
            workspaces.len()
        );
        before = now_open;
    }
    terms.set_flag(
        Feature::Jantes,
        Flag {
            percent: 100,
            killed: true,
        },
    );
    let killed = entitlements::check(
        workspaces[0],
        pro,
        &terms,
        Some(Feature::Jantes),
        Call::Read,
        at(2, 9),
    )
    .unwrap_err();
    assert_eq!(killed.code(), "FEATURE_SWITCHED_OFF");
}

#[test]
fn features_index_their_place_in_the_list() {
    for (place, feature) in Feature::ALL.into_iter().enumerate() {
        assert_eq!(feature.index(), place);
        assert_eq!(Feature::parse(feature.as_str()), Some(feature));
    }
}
