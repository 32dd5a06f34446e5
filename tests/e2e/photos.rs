//! Project photos: uploaded by the shop (type read from the bytes, 10 MB at most), stored,
//! drawn in WebP off the request path, served through signed expiring URLs, annotated,
//! purged oldest first over the quota; each workshop reaches its own only.

use serde_json::{json, Value};
use tests::{error_code, spawn_app_with, TestApp};

use crate::quotes::{shop, workshop_quote, Shop};

const PHOTOS: &str = "query($id: ID!) { projectPhotos(projectId: $id) {
    id stage caption sizeBytes annotations urls { original thumbnail medium large } } }";

/// A phone-like photo: gradients and noise, as JPEG.
fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed.wrapping_mul(31)) % 64;
        image::Rgb([
            ((x * 255 / width) as u8).wrapping_add(noise as u8),
            ((y * 255 / height) as u8).wrapping_add(noise as u8 / 2),
            (noise * 3) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut bytes, image::ImageOutputFormat::Jpeg(85))
        .unwrap();
    bytes
}

async fn project(app: &TestApp, shop: &Shop) -> String {
    let input = workshop_quote(&shop.client, &shop.gate, &shop.rims)["input"].clone();
    let created = app
        .graphql_as(
            &shop.token,
            "mutation($input: ProjectInput!) { createProject(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    created["data"]["createProject"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned()
}

async fn upload(app: &TestApp, token: &str, project: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg"),
        )
        .text("stage", "before")
        .text("caption", "Portail à l'arrivée, rouille");
    app.client
        .post(format!("{}/api/v1/projects/{project}/photos", app.address))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn photos(app: &TestApp, token: &str, project: &str) -> Value {
    app.graphql_as(token, PHOTOS, json!({ "id": project }))
        .await
}

async fn photo_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events where event_type like 'ProjectPhoto%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_photo_is_stored_drawn_in_webp_and_served_by_signed_links() {
    let app = spawn_app_with(&[]).await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let id = project(&app, &shop).await;
    let original = jpeg(1600, 1200, 1);

    // Not an image, HEIC, too big: refused with their reason, nothing written.
    let heic = [&[0, 0, 0, 24][..], b"ftypheic", &[0; 16]].concat();
    for (bytes, reason) in [
        (b"%PDF-1.7 facture".to_vec(), "PHOTO_NOT_AN_IMAGE"),
        (heic, "PHOTO_HEIC_UNSUPPORTED"),
        (vec![0xFF; 11 * 1024 * 1024], "PHOTO_FILE_TOO_LARGE"),
    ] {
        let refused = upload(&app, &shop.token, &id, bytes).await;
        assert_eq!(refused.status(), 422, "{reason}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["reason"], reason, "{body}");
        assert_eq!(body["code"], "VALIDATION");
        assert_eq!(photo_events(&app).await, 0);
    }

    let sent = upload(&app, &shop.token, &id, original.clone()).await;
    assert_eq!(sent.status(), 201);
    let listed = tests::eventually("the photo's renditions", || async {
        let listed = photos(&app, &shop.token, &id).await;
        listed["data"]["projectPhotos"][0]["urls"]["large"]
            .is_string()
            .then_some(listed)
    })
    .await;
    let photo = &listed["data"]["projectPhotos"][0];
    assert_eq!(photo["stage"], "before", "{listed}");
    assert_eq!(photo["caption"], "Portail à l'arrivée, rouille");
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    let served = get(photo["urls"]["original"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(
        served.bytes().await.unwrap().to_vec(),
        original,
        "the original, byte for byte"
    );
    for (name, longest) in [("thumbnail", 320), ("medium", 1024), ("large", 1600)] {
        let webp = get(photo["urls"][name].as_str().unwrap()).await.unwrap();
        assert_eq!(webp.headers()["content-type"], "image/webp", "{name}");
        let bytes = webp.bytes().await.unwrap();
        assert_eq!(&bytes[8..12], b"WEBP", "{name}");
        let width = u32::from(bytes[26]) | (u32::from(bytes[27] & 0x3F) << 8);
        // VP8 (lossy) stores the width at byte 26; never upscaled past the original.
        assert_eq!(width, longest, "{name}");
    }
    // A link whose signature or photo was changed leads nowhere.
    let original_url = photo["urls"]["original"].as_str().unwrap();
    let forged = original_url.replace("sig=", "sig=A");
    assert_eq!(get(&forged).await.unwrap().status(), 404);

    let annotate = "mutation($p: ID!, $photo: ID!, $a: JSON!) { annotatePhoto(projectId: $p, photoId: $photo, annotations: $a) { id } }";
    let arrow = json!([{ "shape": "arrow", "from": { "x": 0.2, "y": 0.3 }, "to": { "x": 0.5, "y": 0.5 }, "colour": "#E11D48" }]);
    let drawn = app
        .graphql_as(
            &shop.token,
            annotate,
            json!({ "p": id, "photo": photo["id"], "a": arrow }),
        )
        .await;
    assert!(drawn["errors"].is_null(), "{drawn}");
    let bad = json!([{ "shape": "circle", "centre": { "x": 2, "y": 0.5 }, "radius": 0.1, "colour": "#E11D48" }]);
    let refused = app
        .graphql_as(
            &shop.token,
            annotate,
            json!({ "p": id, "photo": photo["id"], "a": bad }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"], "ANNOTATION_POSITION_INVALID",
        "{refused}"
    );
    let listed = photos(&app, &shop.token, &id).await;
    assert_eq!(listed["data"]["projectPhotos"][0]["annotations"], arrow);

    // Another workshop: no list, no upload, and A's links signed for A only.
    let b = app.sign_up("Atelier B", "b@atelier-b.fr").await;
    let theirs = photos(&app, &b.access_token, &id).await;
    assert_eq!(error_code(&theirs), Some("NOT_FOUND"), "{theirs}");
    let events = photo_events(&app).await;
    assert_eq!(
        upload(&app, &b.access_token, &id, jpeg(200, 100, 2))
            .await
            .status(),
        404
    );
    assert_eq!(photo_events(&app).await, events);
    let elsewhere = original_url.replace(
        &shop_workspace(&app, &shop).await,
        &b.workspace_id.to_string(),
    );
    assert_eq!(get(&elsewhere).await.unwrap().status(), 404);
    app.stop().await;
}

async fn shop_workspace(app: &TestApp, shop: &Shop) -> String {
    let me = app
        .graphql_as(&shop.token, "{ workspace { id } }", json!({}))
        .await;
    me["data"]["workspace"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn over_the_quota_the_oldest_projects_lose_their_photos_not_the_projects() {
    let app = spawn_app_with(&[("PHOTO_QUOTA_BYTES", "900000".to_owned())]).await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let old = project(&app, &shop).await;
    let recent = project(&app, &shop).await;
    for (project, seed) in [(&old, 1), (&old, 2), (&recent, 3)] {
        assert_eq!(
            upload(&app, &shop.token, project, jpeg(800, 600, seed))
                .await
                .status(),
            201
        );
    }
    let storage = app
        .graphql_as(
            &shop.token,
            "{ photoStorage { usedBytes quotaBytes usedPct } }",
            json!({}),
        )
        .await;
    let used = storage["data"]["photoStorage"]["usedBytes"]
        .as_i64()
        .unwrap();
    assert!(used > 810_000, "over 90 % of 900 kB: {storage}");
    // The operator raised this workshop's quota: nothing to purge.
    let workspace: uuid::Uuid = shop_workspace(&app, &shop).await.parse().unwrap();
    projections::project::set_photo_quota(&app.db.pool, workspace, 10_000_000)
        .await
        .unwrap();
    let raised = app
        .graphql_as(&shop.token, "{ photoStorage { quotaBytes } }", json!({}))
        .await;
    assert_eq!(raised["data"]["photoStorage"]["quotaBytes"], 10_000_000);
    let none = workers::photo_quota::enforce(
        &app.db.pool,
        &app.state.commands,
        &app.state.files,
        app.state.photo_quota_bytes,
    )
    .await
    .unwrap();
    assert_eq!(none, 0, "under its own quota");
    projections::project::set_photo_quota(&app.db.pool, workspace, 900_000)
        .await
        .unwrap();
    let purged = workers::photo_quota::enforce(
        &app.db.pool,
        &app.state.commands,
        &app.state.files,
        app.state.photo_quota_bytes,
    )
    .await
    .unwrap();
    assert!(purged >= 1, "{purged}");
    let kept_old = tests::eventually("the oldest project's photos purged", || async {
        let kept_old = photos(&app, &shop.token, &old).await["data"]["projectPhotos"]
            .as_array()
            .unwrap()
            .len();
        (kept_old < 2).then_some(kept_old)
    })
    .await;
    let kept_recent = photos(&app, &shop.token, &recent).await["data"]["projectPhotos"]
        .as_array()
        .unwrap()
        .len();
    assert!(kept_old < 2, "the oldest project's photos go first");
    assert_eq!(kept_recent, 1, "the recent project keeps its photo");
    let recorded: i64 =
        sqlx::query_scalar("select count(*) from events where event_type = 'ProjectPhotosPurged'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(recorded >= 1);
    let sheet = app
        .graphql_as(
            &shop.token,
            "query($id: ID!) { project(id: $id) { number } }",
            json!({ "id": old }),
        )
        .await;
    assert!(
        sheet["data"]["project"]["number"].is_string(),
        "the project stays: {sheet}"
    );
    app.stop().await;
}

async fn rendition(app: &TestApp, token: &str, project: &str, index: usize) -> Vec<u8> {
    let url = tests::eventually(format!("a medium rendition for photo {index}"), || async {
        let listed = photos(app, token, project).await;
        listed["data"]["projectPhotos"][index]["urls"]["medium"]
            .as_str()
            .map(str::to_owned)
    })
    .await;
    app.client
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn a_workshop_that_asks_for_it_gets_its_logo_on_its_photos() {
    let app = spawn_app_with(&[]).await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let id = project(&app, &shop).await;
    let photo = jpeg(1400, 1000, 7);
    assert_eq!(
        upload(&app, &shop.token, &id, photo.clone()).await.status(),
        201
    );
    let plain = rendition(&app, &shop.token, &id, 0).await;

    // The logo of its quote template, and the workflow's watermark switch.
    let mut logo = Vec::new();
    image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
        200,
        80,
        image::Rgba([200, 20, 20, 255]),
    ))
    .write_to(&mut logo, image::ImageOutputFormat::Png)
    .unwrap();
    use base64::Engine;
    let uploaded = app
        .graphql_as(
            &shop.token,
            "mutation($image: String!) { uploadQuoteLogo(image: $image) { sha256 } }",
            json!({ "image": base64::engine::general_purpose::STANDARD.encode(&logo) }),
        )
        .await;
    let presets = app
        .graphql_as(
            &shop.token,
            "{ quoteTemplatePresets { config } }",
            json!({}),
        )
        .await;
    let mut config = presets["data"]["quoteTemplatePresets"][0]["config"].clone();
    config["header"]["logo_sha256"] = uploaded["data"]["uploadQuoteLogo"]["sha256"].clone();
    let saved = app
        .graphql_as(
            &shop.token,
            "mutation($config: JSON!) { customizeQuoteTemplate(config: $config) { custom } }",
            json!({ "config": config }),
        )
        .await;
    assert_eq!(
        saved["data"]["customizeQuoteTemplate"]["custom"], true,
        "{saved}"
    );
    let workflow = app
        .graphql_as(
            &shop.token,
            "{ workflow { steps { key label kind skippable } qcChecklist defectTypes } }",
            json!({}),
        )
        .await;
    let mut input = workflow["data"]["workflow"].clone();
    input["watermarkPhotos"] = json!(true);
    let switched = app
        .graphql_as(
            &shop.token,
            "mutation($input: WorkflowInput!) { updateWorkflow(input: $input) { watermarkPhotos } }",
            json!({ "input": input }),
        )
        .await;
    assert_eq!(
        switched["data"]["updateWorkflow"]["watermarkPhotos"], true,
        "{switched}"
    );

    assert_eq!(upload(&app, &shop.token, &id, photo).await.status(), 201);
    let marked = rendition(&app, &shop.token, &id, 1).await;
    assert_ne!(plain, marked, "the same photo, now with the logo");
    app.stop().await;
}

/// moto's S3 server, a local stand-in for S3 (installed by scripts/ensure-tools).
struct S3StandIn {
    process: std::process::Child,
    endpoint: String,
}

impl Drop for S3StandIn {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn s3_stand_in(bucket: &str) -> S3StandIn {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let process = std::process::Command::new("moto_server")
        .args(["-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server (pip install 'moto[server]') is installed by scripts/ensure-tools");
    let stand_in = S3StandIn {
        process,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    tests::eventually("moto_server answering", || async {
        client.get(&stand_in.endpoint).send().await.ok().map(drop)
    })
    .await;
    let created = client
        .put(format!("{}/{bucket}", stand_in.endpoint))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{created:?}");
    stand_in
}

#[tokio::test]
async fn with_an_s3_storage_url_photos_go_to_the_bucket() {
    let s3 = s3_stand_in("atelier-photos").await;
    let app = spawn_app_with(&[
        ("STORAGE_URL", "s3://atelier-photos/prod".to_owned()),
        ("S3_ENDPOINT", s3.endpoint.clone()),
        ("S3_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
    ])
    .await;
    let (_, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let id = project(&app, &shop).await;
    let original = jpeg(900, 600, 4);
    assert_eq!(
        upload(&app, &shop.token, &id, original.clone())
            .await
            .status(),
        201
    );
    let medium = rendition(&app, &shop.token, &id, 0).await;
    assert_eq!(&medium[8..12], b"WEBP");
    let listed = photos(&app, &shop.token, &id).await;
    let url = listed["data"]["projectPhotos"][0]["urls"]["original"]
        .as_str()
        .unwrap()
        .to_owned();
    let served = app
        .client
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(served.bytes().await.unwrap().to_vec(), original);
    // In the bucket, under the prefix and the workshop.
    let keys = reqwest::get(format!("{}/atelier-photos?list-type=2", s3.endpoint))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let workspace = shop_workspace(&app, &shop).await;
    for name in ["original", "thumbnail", "medium", "large"] {
        assert!(
            keys.contains(&format!("prod/{workspace}/")) && keys.contains(name),
            "{name}: {keys}"
        );
    }
    app.stop().await;
}

/// Segregation of duties: once the workshop is past the purge threshold, each photo a
/// shop-floor member sends makes the schedule delete older projects' photos; they may do so
/// only within their own budget of the day. Owners and admins keep uploading; the next
/// Paris day brings the budget back (the limits' clock moves, nobody waits).
#[tokio::test]
async fn past_the_purge_threshold_an_operator_uploads_only_within_their_daily_budget() {
    let images: Vec<Vec<u8>> = (1..=6).map(|seed| jpeg(320, 240, seed)).collect();
    // Room for the first two photos of the day, not a third.
    let budget = images[0].len() + images[1].len();
    let app = spawn_app_with(&[(
        "PHOTO_PURGE_BUDGET_PER_MEMBER_PER_DAY_BYTES",
        budget.to_string(),
    )])
    .await;
    let (owner, shop) = shop(&app, "Atelier A", "a@atelier-a.fr").await;
    let id = project(&app, &shop).await;
    let operator = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let colleague = app
        .add_member(owner.workspace_id, domain::Role::Operator)
        .await;
    let quota =
        |bytes: u64| projections::project::set_photo_quota(&app.db.pool, owner.workspace_id, bytes);
    // A quota every photo passes the threshold of: each upload would purge.
    quota(1).await.unwrap();
    for image in &images[..2] {
        let sent = upload(&app, &operator.access_token, &id, image.clone()).await;
        assert_eq!(sent.status(), 201, "within the budget");
    }
    let events = photo_events(&app).await;
    let refused = upload(&app, &operator.access_token, &id, images[2].clone()).await;
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "CONFLICT", "{body}");
    assert_eq!(body["reason"], "PHOTO_PURGE_BUDGET_SPENT", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("effacer celles des projets les plus anciens"),
        "{body}"
    );
    assert_eq!(photo_events(&app).await, events, "refused: no event");
    let listed = photos(&app, &shop.token, &id).await;
    assert_eq!(
        listed["data"]["projectPhotos"].as_array().map(Vec::len),
        Some(2)
    );
    // Another member has a budget of their own; the owner none.
    let theirs = upload(&app, &colleague.access_token, &id, images[2].clone()).await;
    assert_eq!(theirs.status(), 201);
    let owners = upload(&app, &shop.token, &id, images[3].clone()).await;
    assert_eq!(owners.status(), 201, "owners keep today's behaviour");
    // Far from the threshold nothing is purged: no budget applies.
    quota(10_000_000_000).await.unwrap();
    let room = upload(&app, &operator.access_token, &id, images[4].clone()).await;
    assert_eq!(room.status(), 201);
    quota(1).await.unwrap();
    let refused = upload(&app, &operator.access_token, &id, images[5].clone()).await;
    assert_eq!(refused.status(), 409);
    // Tomorrow, a new budget.
    app.state
        .limits
        .clock()
        .advance(std::time::Duration::from_secs(24 * 60 * 60));
    let tomorrow = upload(&app, &operator.access_token, &id, images[5].clone()).await;
    assert_eq!(tomorrow.status(), 201);
    app.stop().await;
}
