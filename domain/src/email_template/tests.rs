use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;
use crate::Stamped;

type TemplatesTest = TestFramework<EmailTemplates>;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn template(subject: &str, text: &str) -> Template {
    Template {
        subject: subject.to_owned(),
        mjml: format!("<mjml><mj-body><mj-section><mj-column><mj-text>{text}</mj-text></mj-column></mj-section></mj-body></mjml>"),
    }
}

#[test]
fn every_default_renders_with_sample_values() {
    for kind in TemplateKind::ALL {
        let rendered = render(&default_template(kind), &sample_values())
            .unwrap_or_else(|error| panic!("{kind:?}: {error}"));
        assert!(
            !rendered.subject.contains('{'),
            "{kind:?}: {}",
            rendered.subject
        );
        assert!(rendered.html.contains("<html"), "{kind:?}");
        assert!(
            rendered.text.contains("Thermolaquage du Val"),
            "{kind:?}: {}",
            rendered.text
        );
        assert!(!rendered.text.contains('<'), "{kind:?}: {}", rendered.text);
    }
}

#[test]
fn values_are_escaped_in_html_and_links_survive_in_text() {
    let mut values = sample_values();
    values.insert("nom_client", "<script>alert(1)</script> & Fils".to_owned());
    let rendered = render(&default_template(TemplateKind::QuoteNewClient), &values).unwrap();
    assert!(!rendered.html.contains("<script>"));
    assert!(rendered.html.contains("&lt;script&gt;"));
    assert!(rendered.text.contains("& Fils"), "{}", rendered.text);
    assert!(
        rendered
            .text
            .contains("https://app.thermogestion.fr/espace"),
        "{}",
        rendered.text
    );
}

#[test]
fn templates() {
    let ok = template("Devis {numero_devis}", "Bonjour {nom_client}");
    assert_eq!(check(&ok), Ok(()));
    for (bad, code) in [
        (template("  ", "Bonjour"), "TEMPLATE_SUBJECT_EMPTY"),
        (
            template("Devis {numero}", "Bonjour"),
            "TEMPLATE_UNKNOWN_VARIABLE",
        ),
        (
            template("Devis", "Bonjour {prenom_client}"),
            "TEMPLATE_UNKNOWN_VARIABLE",
        ),
        (
            Template {
                subject: "Devis".into(),
                mjml: "<mjml><mj-body><mj-section>".into(),
            },
            "TEMPLATE_INVALID_MJML",
        ),
        (
            Template {
                subject: "Devis".into(),
                mjml: "pas du mjml".into(),
            },
            "TEMPLATE_INVALID_MJML",
        ),
    ] {
        let error = check(&bad).expect_err(&format!("{bad:?}"));
        assert_eq!(error.code(), code, "{bad:?}: {error}");
    }
    let unknown = check(&template("Devis {numero}", "x")).unwrap_err();
    assert!(
        unknown.to_string().contains("{numero}") && unknown.to_string().contains("{numero_devis}")
    );
}

#[test]
fn css_braces_are_not_variables() {
    let styled = Template {
        subject: "Devis".into(),
        mjml: "<mjml><mj-head><mj-style>.x { color: red; }</mj-style></mj-head><mj-body></mj-body></mjml>".into(),
    };
    assert_eq!(check(&styled), Ok(()));
}

#[test]
fn saving_validates_and_resetting_returns_to_the_default() {
    let custom = template("Devis {numero_devis}", "Bonjour {nom_client}");
    TemplatesTest::with(())
        .given_no_previous_events()
        .when(Stamped::at(
            now(),
            EmailTemplateCommand::Save {
                kind: TemplateKind::Invoice,
                template: template("Facture", "{montant_ht}"),
            },
        ))
        .then_expect_error(TemplateError::UnknownVariable {
            name: "montant_ht".into(),
            known: VARIABLES
                .iter()
                .map(|(name, _)| format!("{{{name}}}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    TemplatesTest::with(())
        .given(vec![EmailTemplateEvent::Saved {
            kind: TemplateKind::Invoice,
            template: custom.clone(),
            saved_at: now(),
        }])
        .when(Stamped::at(
            now(),
            EmailTemplateCommand::Save {
                kind: TemplateKind::Invoice,
                template: custom,
            },
        ))
        .then_expect_events(vec![]);
    TemplatesTest::with(())
        .given_no_previous_events()
        .when(Stamped::at(
            now(),
            EmailTemplateCommand::Reset {
                kind: TemplateKind::Invoice,
            },
        ))
        .then_expect_events(vec![]);
}

#[test]
fn links_keep_their_case_in_the_text_part() {
    let template = Template {
        subject: "Lien".into(),
        mjml: "<mjml><mj-body><mj-section><mj-column><mj-button href=\"{lien}\">Ouvrir</mj-button></mj-column></mj-section></mj-body></mjml>".into(),
    };
    let values = [(
        "lien",
        "https://app.example/invitation?jeton=AbC-xYz_09".to_owned(),
    )]
    .into_iter()
    .collect();
    let rendered = render(&template, &values).unwrap();
    assert!(
        rendered
            .text
            .contains("https://app.example/invitation?jeton=AbC-xYz_09"),
        "{}",
        rendered.text
    );
}
