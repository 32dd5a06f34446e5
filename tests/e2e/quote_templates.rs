//! Quote templates: five presets, a workshop's own zones with its logo and sanitised CGV,
//! drawn in the PDF; a sent PDF keeps the template it was sent with; per workshop.

use base64::Engine;
use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

use crate::quotes::{new_quote, pdf, pdf_text, shop};

const TEMPLATE: &str = "{ quoteTemplate { preset custom config } }";
const CHOOSE: &str =
    "mutation($preset: QuoteTemplatePreset!) { chooseQuoteTemplate(preset: $preset) { preset custom config } }";
const CUSTOMIZE: &str =
    "mutation($config: JSON!) { customizeQuoteTemplate(config: $config) { preset custom config } }";
const LOGO: &str = "mutation($image: String!) { uploadQuoteLogo(image: $image) { sha256 } }";

fn logo_png() -> String {
    let mut logo = image::RgbImage::new(120, 60);
    for pixel in logo.pixels_mut() {
        *pixel = image::Rgb([29, 78, 216]);
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(logo)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(png)
}

async fn template_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events where aggregate_type = 'quote_template'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn five_presets_and_the_chosen_one_draws_the_pdf() {
    let app = spawn_app().await;
    let (owner, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let presets = app
        .graphql_as(
            &shop.token,
            "{ quoteTemplatePresets { preset config } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = presets["data"]["quoteTemplatePresets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|preset| preset["preset"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["MODERN", "CLASSIC", "MINIMAL", "PREMIUM", "COMPACT"]
    );
    let current = app.graphql_as(&shop.token, TEMPLATE, json!({})).await;
    assert_eq!(
        current["data"]["quoteTemplate"]["preset"], "MODERN",
        "{current}"
    );

    let id = new_quote(&app, &shop).await;
    let modern = pdf_text(&pdf(&app, &shop.token, &id).await.bytes().await.unwrap());
    assert!(modern.contains("Devis DEV-"), "{modern}");
    assert!(modern.contains("Conditions générales de vente"), "{modern}");

    let chosen = app
        .graphql_as(&shop.token, CHOOSE, json!({ "preset": "CLASSIC" }))
        .await;
    assert_eq!(
        chosen["data"]["chooseQuoteTemplate"]["preset"], "CLASSIC",
        "{chosen}"
    );
    let classic = pdf_text(&pdf(&app, &shop.token, &id).await.bytes().await.unwrap());
    assert!(classic.contains("DEVIS N° DEV-"), "{classic}");

    // The minimal template hides the technical column.
    let chosen = app
        .graphql_as(&shop.token, CHOOSE, json!({ "preset": "MINIMAL" }))
        .await;
    assert_eq!(
        chosen["data"]["chooseQuoteTemplate"]["preset"], "MINIMAL",
        "{chosen}"
    );
    let minimal = pdf_text(&pdf(&app, &shop.token, &id).await.bytes().await.unwrap());
    assert!(!minimal.contains("Détails techniques"), "{minimal}");
    assert!(minimal.contains("200,04 €"), "{minimal}");

    // Operators quote; the look is the owner's call.
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let refused = app
        .graphql_as(
            &operator.access_token,
            CHOOSE,
            json!({ "preset": "PREMIUM" }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    app.stop().await;
}

#[tokio::test]
async fn a_custom_template_with_logo_colours_and_sanitised_cgv() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let bad_logo = app
        .graphql_as(
            &shop.token,
            LOGO,
            json!({ "image": base64::engine::general_purpose::STANDARD.encode(b"GIF89a") }),
        )
        .await;
    assert_eq!(
        bad_logo["errors"][0]["extensions"]["reason"], "LOGO_IMAGE_INVALID",
        "{bad_logo}"
    );
    let logo = app
        .graphql_as(&shop.token, LOGO, json!({ "image": logo_png() }))
        .await;
    let sha = logo["data"]["uploadQuoteLogo"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();

    let presets = app
        .graphql_as(
            &shop.token,
            "{ quoteTemplatePresets { config } }",
            json!({}),
        )
        .await;
    let mut config: Value = presets["data"]["quoteTemplatePresets"][3]["config"].clone();
    config["header"]["logo_sha256"] = json!(sha);
    config["header"]["title"] = json!("Proposition {numero_devis} pour {nom_client}");
    config["palette"]["primary"] = json!("#12ab34");
    config["conditions"]["cgv_html"] = json!(
        "<h3>Garantie</h3><p onclick=\"alert(1)\">Pièces de <strong>{nom_client}</strong> garanties 2 ans.</p><script>alert('x')</script><ol><li>Acompte</li><li>Solde</li></ol>"
    );

    // Every bad configuration is refused with its reason, and writes nothing.
    let events = template_events(&app).await;
    let cases = [
        (
            "palette",
            "primary",
            json!("bleu"),
            "TEMPLATE_COLOUR_INVALID",
        ),
        (
            "header",
            "logo_sha256",
            json!("f".repeat(64)),
            "TEMPLATE_LOGO_UNKNOWN",
        ),
        (
            "header",
            "title",
            json!("Devis {inconnue}"),
            "TEMPLATE_UNKNOWN_VARIABLE",
        ),
        (
            "body",
            "font_size_pt",
            json!(30),
            "TEMPLATE_FONT_SIZE_INVALID",
        ),
        ("body", "columns", json!("larges"), "TEMPLATE_SHAPE_INVALID"),
    ];
    for (zone, field, value, reason) in cases {
        let mut bad = config.clone();
        bad[zone][field] = value;
        let refused = app
            .graphql_as(&shop.token, CUSTOMIZE, json!({ "config": bad }))
            .await;
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], reason,
            "{refused}"
        );
        assert_eq!(error_code(&refused), Some("VALIDATION"));
        assert_eq!(
            template_events(&app).await,
            events,
            "{reason}: nothing written"
        );
    }

    let saved = app
        .graphql_as(&shop.token, CUSTOMIZE, json!({ "config": config }))
        .await;
    let node = &saved["data"]["customizeQuoteTemplate"];
    assert_eq!(node["custom"], true, "{saved}");
    assert_eq!(node["config"]["palette"]["primary"], "#12AB34");
    let cgv = node["config"]["conditions"]["cgv_html"].as_str().unwrap();
    assert!(!cgv.contains("script") && !cgv.contains("onclick"), "{cgv}");
    assert!(cgv.contains("<strong>{nom_client}</strong>"), "{cgv}");

    let id = new_quote(&app, &shop).await;
    let response = pdf(&app, &shop.token, &id).await;
    let bytes = response.bytes().await.unwrap();
    let text = pdf_text(&bytes);
    for expected in [
        "Proposition DEV-",
        "pour Bernard Paul",
        "Garantie",
        "Pièces de Bernard Paul garanties 2 ans.",
        "1. Acompte",
        "2. Solde",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(!text.contains("alert"), "{text}");
    assert!(
        bytes
            .windows(b"/Subtype /Image".len())
            .any(|w| w == b"/Subtype /Image")
            || bytes
                .windows(b"/Subtype/Image".len())
                .any(|w| w == b"/Subtype/Image"),
        "the logo is drawn"
    );

    // Another workshop cannot name this logo, and keeps the default template.
    let other = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    let theirs = app
        .graphql_as(&other.access_token, TEMPLATE, json!({}))
        .await;
    assert_eq!(
        theirs["data"]["quoteTemplate"]["preset"], "MODERN",
        "{theirs}"
    );
    let borrowed = app
        .graphql_as(&other.access_token, CUSTOMIZE, json!({ "config": config }))
        .await;
    assert_eq!(
        borrowed["errors"][0]["extensions"]["reason"], "TEMPLATE_LOGO_UNKNOWN",
        "{borrowed}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_sent_quote_keeps_the_look_it_was_sent_with() {
    let app = spawn_app().await;
    let (_, shop) = shop(&app, "Thermolaquage du Val", "gerant@val.fr").await;
    let id = new_quote(&app, &shop).await;
    let sent = app
        .graphql_as(
            &shop.token,
            "mutation($id: ID!) { sendQuote(id: $id) { sentPdfSha256 } }",
            json!({ "id": id }),
        )
        .await;
    let sha = sent["data"]["sendQuote"]["sentPdfSha256"]
        .as_str()
        .unwrap()
        .to_owned();
    // The look changes after sending: the change must have happened for the check to mean
    // anything.
    let compact = app
        .graphql_as(&shop.token, CHOOSE, json!({ "preset": "COMPACT" }))
        .await;
    assert!(compact["errors"].is_null(), "{compact}");
    assert_eq!(
        compact["data"]["chooseQuoteTemplate"]["preset"], "COMPACT",
        "{compact}"
    );
    let current = app.graphql_as(&shop.token, TEMPLATE, json!({})).await;
    assert_eq!(
        current["data"]["quoteTemplate"]["preset"], "COMPACT",
        "{current}"
    );
    let served = pdf(&app, &shop.token, &id).await;
    assert_eq!(served.headers()["x-content-sha256"].to_str().unwrap(), sha);
    app.stop().await;
}
