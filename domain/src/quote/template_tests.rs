//! Expected values are written out by hand: sanitised HTML as ammonia must write it, blocks
//! as a renderer must receive them.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;
use crate::{DomainError, ErrorKind, Stamped};

fn config() -> TemplateConfig {
    Preset::Modern.config()
}

fn span(text: &str) -> Span {
    Span {
        text: text.to_owned(),
        bold: false,
        italic: false,
        underline: false,
    }
}

fn bold(text: &str) -> Span {
    Span {
        bold: true,
        ..span(text)
    }
}

fn italic(text: &str) -> Span {
    Span {
        italic: true,
        ..span(text)
    }
}

fn sanitised(cgv_html: &str) -> String {
    let mut config = config();
    config.conditions.cgv_html = cgv_html.to_owned();
    config.validate().unwrap().conditions.cgv_html
}

#[test]
fn every_preset_validates_to_itself() {
    for preset in Preset::ALL {
        let config = preset.config();
        assert_eq!(config.preset_base, preset);
        assert_eq!(config.clone().validate(), Ok(config), "{preset:?}");
    }
}

#[test]
fn presets_differ_as_described() {
    let palettes: Vec<_> = Preset::ALL
        .iter()
        .map(|preset| preset.config().palette.primary)
        .collect();
    assert_eq!(
        palettes,
        ["#1D4ED8", "#000000", "#333333", "#1B2A4A", "#334155"]
    );
    let premium = Preset::Premium.config();
    assert_eq!(premium.palette.accent, "#C9A227");
    let compact = Preset::Compact.config();
    assert_eq!(
        (compact.body.font_size_pt, compact.body.line_spacing_mm),
        (8, 0)
    );
    let minimal = Preset::Minimal.config();
    assert_eq!(minimal.header.logo_sha256, None);
    assert!(!minimal.header.show_workshop_address);
    assert!(!minimal.body.show_technical_details);
    let designation_weights: Vec<_> = Preset::ALL
        .iter()
        .map(|preset| preset.config().body.columns.designation)
        .collect();
    assert_eq!(designation_weights, [4, 5, 10, 4, 4]);
    // Where the technical details show, theirs is the widest column.
    for preset in Preset::ALL {
        let columns = preset.config().body.columns;
        if preset.config().body.show_technical_details {
            assert!(columns.technical > columns.designation, "{preset:?}");
        }
    }
}

#[test]
fn the_default_cgv_covers_the_workshop_terms() {
    let blocks = cgv_blocks(&Preset::Classic.config().conditions.cgv_html);
    assert_eq!(
        blocks[0],
        Block::Heading(vec![span("Conditions générales de vente")])
    );
    let leads: Vec<_> = blocks[1..]
        .iter()
        .map(|block| match block {
            Block::Paragraph(spans) => spans[0].clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        leads,
        [
            bold("Acceptation."),
            bold("Acompte."),
            bold("Dépôt et retrait."),
            bold("Garantie."),
            bold("Paiement."),
        ]
    );
    let Block::Paragraph(payment) = &blocks[5] else {
        unreachable!()
    };
    assert!(payment[1].text.contains("majoré de 10 points"));
    assert!(payment[1]
        .text
        .ends_with("indemnité forfaitaire de 40 € pour frais de recouvrement."));
}

#[test]
fn validation_refuses_each_bad_value() {
    type Change = fn(&mut TemplateConfig);
    let cases: [(&str, Change, &str); 17] = [
        (
            "colour without #",
            |c| c.palette.primary = "1D4ED8".into(),
            "TEMPLATE_COLOUR_INVALID",
        ),
        (
            "short colour",
            |c| c.palette.accent = "#FFF".into(),
            "TEMPLATE_COLOUR_INVALID",
        ),
        (
            "colour name",
            |c| c.palette.text = "#blacks".into(),
            "TEMPLATE_COLOUR_INVALID",
        ),
        (
            "digest too short",
            |c| c.header.logo_sha256 = Some("ab".repeat(31)),
            "TEMPLATE_LOGO_INVALID",
        ),
        (
            "digest not hex",
            |c| c.header.logo_sha256 = Some("g".repeat(64)),
            "TEMPLATE_LOGO_INVALID",
        ),
        (
            "logo too narrow",
            |c| c.header.logo_width_mm = 9,
            "TEMPLATE_LOGO_WIDTH_INVALID",
        ),
        (
            "logo too wide",
            |c| c.header.logo_width_mm = 81,
            "TEMPLATE_LOGO_WIDTH_INVALID",
        ),
        (
            "column of zero",
            |c| c.body.columns.vat = 0,
            "TEMPLATE_COLUMN_WIDTH_INVALID",
        ),
        (
            "column too wide",
            |c| c.body.columns.designation = 21,
            "TEMPLATE_COLUMN_WIDTH_INVALID",
        ),
        (
            "font too small",
            |c| c.body.font_size_pt = 6,
            "TEMPLATE_FONT_SIZE_INVALID",
        ),
        (
            "font too large",
            |c| c.body.font_size_pt = 13,
            "TEMPLATE_FONT_SIZE_INVALID",
        ),
        (
            "rows too far apart",
            |c| c.body.line_spacing_mm = 11,
            "TEMPLATE_LINE_SPACING_INVALID",
        ),
        (
            "blank title",
            |c| c.header.title = "  ".into(),
            "TEMPLATE_TITLE_EMPTY",
        ),
        (
            "unknown variable in title",
            |c| c.header.title = "Devis {numero}".into(),
            "TEMPLATE_UNKNOWN_VARIABLE",
        ),
        (
            "unknown variable in mentions",
            |c| c.footer.legal_mentions = "{tva_atelier}".into(),
            "TEMPLATE_UNKNOWN_VARIABLE",
        ),
        (
            "unknown variable in CGV",
            |c| c.conditions.cgv_html = "<p>{date_livraison}</p>".into(),
            "TEMPLATE_UNKNOWN_VARIABLE",
        ),
        (
            "CGV too long",
            |c| c.conditions.cgv_html = "é".repeat(20_001),
            "TEMPLATE_TOO_LONG",
        ),
    ];
    for (case, change, code) in cases {
        let mut config = config();
        change(&mut config);
        let error = config.validate().unwrap_err();
        assert_eq!(
            (error.code(), error.kind()),
            (code, ErrorKind::Validation),
            "{case}"
        );
    }
}

#[test]
fn limits_are_inclusive() {
    let mut config = config();
    config.header.logo_width_mm = 80;
    config.header.logo_sha256 = Some("a".repeat(64));
    config.body.columns.designation = 20;
    config.body.columns.vat = 1;
    config.body.font_size_pt = 12;
    config.body.line_spacing_mm = 10;
    config.footer.legal_mentions = "é".repeat(2_000);
    config.conditions.cgv_html = "é".repeat(20_000);
    assert!(config.validate().is_ok());
    let mut config = Preset::Compact.config();
    config.body.font_size_pt = 7;
    config.header.logo_width_mm = 10;
    assert!(config.validate().is_ok());
}

#[test]
fn errors_name_the_offending_field() {
    let mut config = config();
    config.footer.legal_mentions = "x".repeat(2_001);
    assert_eq!(
        config.clone().validate().unwrap_err(),
        TemplateError::TooLong {
            field: "mentions légales",
            max: 2_000
        }
    );
    config.body.columns.technical = 0;
    assert_eq!(
        config.validate().unwrap_err().to_string(),
        "la largeur de la colonne « détails techniques » est un poids de 1 à 20"
    );
    let mut config = Preset::Modern.config();
    config.palette.accent = "rouge".into();
    assert_eq!(
        config.validate().unwrap_err().to_string(),
        "couleur d'accent : « rouge » n'est pas une couleur au format #RRGGBB"
    );
}

#[test]
fn validation_normalises_colours_and_digest() {
    let mut config = config();
    config.palette.primary = "#1d4eD8".into();
    config.header.logo_sha256 = Some("AB".repeat(32));
    let valid = config.validate().unwrap();
    assert_eq!(valid.palette.primary, "#1D4ED8");
    assert_eq!(valid.header.logo_sha256, Some("ab".repeat(32)));
}

#[test]
fn sanitising_keeps_only_the_subset_without_attributes() {
    for (input, expected) in [
        (
            "<p>Bonjour<script>alert('x')</script></p>",
            "<p>Bonjour</p>",
        ),
        (
            r#"<p onclick="steal()" style="color:red">Texte</p>"#,
            "<p>Texte</p>",
        ),
        (
            r#"<p>Voir <a href="https://example.com">nos tarifs</a>.</p>"#,
            "<p>Voir nos tarifs.</p>",
        ),
        (
            r#"<img src="x" onerror="steal()"><div><span style="x">Texte</span></div>"#,
            "Texte",
        ),
        (
            "<h3>Titre</h3><h4>Sous-titre</h4><p><strong>a</strong><b>b</b><em>c</em><i>d</i><u>e</u><br></p><ul><li>f</li></ul><ol><li>g</li></ol>",
            "<h3>Titre</h3><h4>Sous-titre</h4><p><strong>a</strong><b>b</b><em>c</em><i>d</i><u>e</u><br></p><ul><li>f</li></ul><ol><li>g</li></ol>",
        ),
        ("<h1>Grand</h1><!-- note -->", "Grand"),
        ("<p>5 < 6 & 7 > 2</p>", "<p>5 &lt; 6 &amp; 7 &gt; 2</p>"),
        ("<p>Non fermé", "<p>Non fermé</p>"),
    ] {
        assert_eq!(sanitised(input), expected, "{input}");
    }
}

#[test]
fn sanitised_cgv_validate_again_unchanged() {
    let once = sanitised(r#"<p style="x">a <a href="y">b</a><ul><li>c"#);
    assert_eq!(sanitised(&once), once);
}

#[test]
fn cgv_become_blocks_a_renderer_draws() {
    let html = "<h3>Article <em>1</em></h3>\n\
        <p>Le  client <strong>accepte</strong>\n les <strong><em>conditions</em></strong><br>  de l&#39;atelier&nbsp;: 5 &lt; 6 &amp; &quot;ok&quot; &#x20AC;</p>\n\
        <ol><li>premier</li><li><p>second</p></li></ol>\n\
        <ul>\n<li>puce <u>soulignée</u></li>\n</ul>\
        <p>   </p>hors bloc";
    let underlined = Span {
        underline: true,
        ..span("soulignée")
    };
    let bold_italic = Span {
        bold: true,
        ..italic("conditions")
    };
    assert_eq!(
        cgv_blocks(html),
        vec![
            Block::Heading(vec![span("Article "), italic("1")]),
            Block::Paragraph(vec![
                span("Le client "),
                bold("accepte"),
                span(" les "),
                bold_italic,
                span("\nde l'atelier\u{a0}: 5 < 6 & \"ok\" €"),
            ]),
            Block::ListItem {
                ordered_index: Some(1),
                spans: vec![span("premier")],
            },
            Block::ListItem {
                ordered_index: Some(2),
                spans: vec![span("second")],
            },
            Block::ListItem {
                ordered_index: None,
                spans: vec![span("puce "), underlined],
            },
            Block::Paragraph(vec![span("hors bloc")]),
        ]
    );
}

#[test]
fn unknown_or_broken_entities_stay_as_written() {
    assert_eq!(
        cgv_blocks("<p>&copy; &#0; &#xZZ; & seul &amp</p>"),
        vec![Block::Paragraph(vec![span(
            "&copy; &#0; &#xZZ; & seul &amp"
        )])]
    );
}

#[test]
fn numbering_restarts_with_each_ordered_list() {
    let blocks = cgv_blocks("<ol><li>a</li></ol><ol><li>b</li><li>c</li></ol>");
    let indexes: Vec<_> = blocks
        .iter()
        .map(|block| match block {
            Block::ListItem { ordered_index, .. } => *ordered_index,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(indexes, [Some(1), Some(1), Some(2)]);
}

#[test]
fn substitute_fills_known_values_only() {
    let values = BTreeMap::from([
        ("numero_devis", "DEV-2026-0042".to_owned()),
        ("nom_client", "Garage <Dupont> & fils".to_owned()),
    ]);
    for (text, expected) in [
        ("Devis {numero_devis}", "Devis DEV-2026-0042"),
        (
            "{nom_client} / {numero_devis}{numero_devis}",
            "Garage <Dupont> & fils / DEV-2026-0042DEV-2026-0042",
        ),
        ("sans valeur : {date_devis}", "sans valeur : {date_devis}"),
        (
            "accolades { libres } et {Nom}",
            "accolades { libres } et {Nom}",
        ),
        ("", ""),
    ] {
        assert_eq!(substitute(text, &values), expected, "{text}");
    }
}

#[test]
fn choices_serialise_tagged() {
    let preset = serde_json::to_value(TemplateChoice::Preset(Preset::Premium)).unwrap();
    assert_eq!(
        preset,
        serde_json::json!({ "kind": "preset", "value": "premium" })
    );
    let custom = TemplateChoice::Custom(Preset::Compact.config());
    let json = serde_json::to_value(&custom).unwrap();
    assert_eq!(json["kind"], "custom");
    assert_eq!(json["value"]["body"]["font_size_pt"], 8);
    assert_eq!(
        serde_json::from_value::<TemplateChoice>(json).unwrap(),
        custom
    );
}

#[test]
fn a_choice_resolves_to_its_config() {
    assert_eq!(TemplateChoice::default().config(), Preset::Modern.config());
    let mut custom = Preset::Minimal.config();
    custom.header.title = "Offre {numero_devis}".into();
    assert_eq!(TemplateChoice::Custom(custom.clone()).config(), custom);
}

mod aggregate {
    use super::*;

    type TemplateTest = TestFramework<QuoteTemplate>;

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn choose(choice: TemplateChoice) -> Stamped<QuoteTemplateCommand> {
        Stamped::at(now(), QuoteTemplateCommand::Choose(choice))
    }

    fn chosen(choice: TemplateChoice) -> QuoteTemplateEvent {
        QuoteTemplateEvent::Chosen {
            choice,
            chosen_at: now(),
        }
    }

    #[test]
    fn the_modern_preset_is_the_default() {
        TemplateTest::with(())
            .given_no_previous_events()
            .when(choose(TemplateChoice::Preset(Preset::Modern)))
            .then_expect_events(vec![]);
    }

    #[test]
    fn choosing_a_preset_records_it_once() {
        let premium = TemplateChoice::Preset(Preset::Premium);
        TemplateTest::with(())
            .given_no_previous_events()
            .when(choose(premium.clone()))
            .then_expect_events(vec![chosen(premium.clone())]);
        TemplateTest::with(())
            .given(vec![chosen(premium.clone())])
            .when(choose(premium))
            .then_expect_events(vec![]);
    }

    #[test]
    fn a_custom_template_is_stored_sanitised() {
        let mut config = Preset::Classic.config();
        config.palette.accent = "#c9a227".into();
        config.conditions.cgv_html =
            r#"<p onclick="x()">Payable <b>au retrait</b><script>x()</script></p>"#.into();
        let mut stored = config.clone();
        stored.palette.accent = "#C9A227".into();
        stored.conditions.cgv_html = "<p>Payable <b>au retrait</b></p>".into();
        TemplateTest::with(())
            .given_no_previous_events()
            .when(choose(TemplateChoice::Custom(config.clone())))
            .then_expect_events(vec![chosen(TemplateChoice::Custom(stored.clone()))]);
        // Sent again as typed, it sanitises to what is stored: nothing to record.
        TemplateTest::with(())
            .given(vec![chosen(TemplateChoice::Custom(stored))])
            .when(choose(TemplateChoice::Custom(config)))
            .then_expect_events(vec![]);
    }

    #[test]
    fn an_invalid_custom_template_is_refused() {
        let mut config = Preset::Modern.config();
        config.body.font_size_pt = 20;
        TemplateTest::with(())
            .given_no_previous_events()
            .when(choose(TemplateChoice::Custom(config)))
            .then_expect_error(TemplateError::FontSize);
    }

    #[test]
    fn the_event_type_is_the_log_contract() {
        let event = chosen(TemplateChoice::default());
        assert_eq!(event.event_type(), "QuoteTemplateChosen");
        assert_eq!(event.event_version(), "1");
        assert_eq!(QuoteTemplate::TYPE, "quote_template");
        assert_eq!(AGGREGATE_LOCAL_ID, "quote_template");
    }
}

/// `schemas/quote-template.schema.json` is what front ends validate a template against, and
/// `schemas/events/quote_template.json` the log's contract (checked for every aggregate by
/// `tests/e2e/schema.rs`, with the same serialisation). `UPDATE_SCHEMA=1` rewrites both.
#[test]
fn the_checked_in_template_schemas_match_the_code() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas");
    let event_schema = crate::event_schemas()
        .into_iter()
        .find(|(aggregate_type, _)| *aggregate_type == QuoteTemplate::TYPE)
        .expect("the template aggregate is listed in event_schemas()")
        .1;
    for (path, schema) in [
        (
            format!("{folder}/quote-template.schema.json"),
            schemars::schema_for!(TemplateConfig),
        ),
        (format!("{folder}/events/quote_template.json"), event_schema),
    ] {
        let current = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &current).unwrap();
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == checked_in,
            "{path} drifted from the code; review the change, then run \
             `UPDATE_SCHEMA=1 cargo test -p domain checked_in_template_schemas`"
        );
    }
}
