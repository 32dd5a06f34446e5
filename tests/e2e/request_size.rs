//! What one request may carry, tried over real HTTP the way the pentest did: bodies past the
//! limit are refused with a JSON 413 before they are read whole, batches and oversized
//! query texts are refused, and an image whose header announces a huge picture is refused
//! before it is decoded, writing nothing.

use serde_json::{json, Value};
use tests::{error_code, spawn_app, TestApp};

async fn post_graphql(app: &TestApp, token: Option<&str>, body: String) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Posts a chunked `/graphql` body of `kib` KiB over a raw connection, reading the answer
/// while still writing, and returns the answer's status.
async fn chunked_post(app: &TestApp, kib: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let head = format!(
            "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
             transfer-encoding: chunked\r\n\r\n"
        );
        writer.write_all(head.as_bytes()).await?;
        let start = br#"{"query":"{ __typename }","variables":{"pad":""#;
        writer
            .write_all(format!("{:x}\r\n", start.len()).as_bytes())
            .await?;
        writer.write_all(start).await?;
        writer.write_all(b"\r\n").await?;
        for _ in 0..kib {
            writer.write_all(b"400\r\n").await?;
            writer.write_all(&[b'x'; 1024]).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.write_all(b"0\r\n\r\n").await
    });
    let mut answer = vec![0u8; 12];
    reader.read_exact(&mut answer).await.unwrap();
    writing.abort();
    let status = String::from_utf8_lossy(&answer[9..12]).to_string();
    status.parse().unwrap()
}

fn reason(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["reason"].as_str()
}

/// `{ __typename }` with a variable of `bytes` characters: a body of about that size that
/// is otherwise a valid request.
fn body_of(bytes: usize) -> String {
    json!({
        "query": "query($pad: String!) { __type(name: $pad) { name } }",
        "variables": { "pad": "x".repeat(bytes) },
    })
    .to_string()
}

#[tokio::test]
async fn bodies_past_the_limit_are_refused_in_json_before_being_read_whole() {
    let app = spawn_app().await;
    let anonymous = api::http::request_size::ANONYMOUS_BODY_BYTES;

    let (status, response) = post_graphql(&app, None, body_of(anonymous - 200)).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(response["errors"], Value::Null, "{response}");

    let (status, response) = post_graphql(&app, None, body_of(anonymous + 1)).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
    assert_eq!(reason(&response), Some("REQUEST_TOO_LARGE"));
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("1 Mio"), "{message}");

    // Without Content-Length (chunked, 4 MiB in all): cut while reading, at the limit.
    assert_eq!(chunked_post(&app, 4096).await, 413);

    // A signed-in user sends signatures and client files: more, but not without end.
    let owner = app.sign_up("Atelier Taille", "gerant@taille.fr").await;
    let signed_in = api::http::request_size::SIGNED_IN_BODY_BYTES;
    let (status, response) =
        post_graphql(&app, Some(&owner.access_token), body_of(2 * anonymous)).await;
    assert_eq!(status, 200, "{response}");
    let (status, response) =
        post_graphql(&app, Some(&owner.access_token), body_of(signed_in + 1)).await;
    assert_eq!(
        (status, reason(&response)),
        (413, Some("REQUEST_TOO_LARGE"))
    );

    // The other routes: the webhook's body too, in the same JSON shape.
    let response = app
        .client
        .post(format!("{}/webhooks/stripe", app.address))
        .header("stripe-signature", "t=1,v1=00")
        .body(vec![b'x'; anonymous + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "REQUEST_TOO_LARGE", "{body}");

    // And the server is still there.
    assert_eq!(app.get("/health").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn batches_long_query_texts_and_alias_floods_are_refused() {
    let app = spawn_app().await;
    let one = json!({ "query": "{ __typename }" });
    let (status, response) = post_graphql(&app, None, json!([one, one]).to_string()).await;
    assert_eq!(
        (status, reason(&response)),
        (400, Some("GRAPHQL_BATCH_REFUSED"))
    );

    let long = format!(
        "{{ __typename }}{}",
        " ".repeat(api::http::request_size::MAX_QUERY_BYTES)
    );
    let (status, response) = post_graphql(&app, None, json!({ "query": long }).to_string()).await;
    assert_eq!(
        (status, reason(&response)),
        (400, Some("GRAPHQL_QUERY_TOO_LONG"))
    );

    let (status, response) = post_graphql(&app, None, "{\"query\": ".to_owned()).await;
    assert_eq!(
        (status, reason(&response)),
        (400, Some("GRAPHQL_REQUEST_INVALID"))
    );
    assert_eq!(error_code(&response), Some("VALIDATION"));

    // Aliases of `__typename` cost no complexity: the written fields are counted.
    let aliases = |count: usize| -> String {
        let fields: String = (0..count).map(|at| format!("a{at}: __typename ")).collect();
        json!({ "query": format!("{{ {fields} }}") }).to_string()
    };
    let most = api::graphql::field_count::MAX_FIELDS;
    let (status, response) = post_graphql(&app, None, aliases(most)).await;
    assert_eq!((status, &response["errors"]), (200, &Value::Null));
    let (status, response) = post_graphql(&app, None, aliases(most + 1)).await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
    assert_eq!(reason(&response), Some("GRAPHQL_TOO_MANY_FIELDS"));
    app.stop().await;
}

/// A valid 1×1 PNG whose header then claims 5000×5000 pixels in 16-bit RGBA: 200 MB once
/// decoded, sent as a workshop's logo.
fn forged_png() -> Vec<u8> {
    let mut file = Vec::new();
    let mut encoder = png::Encoder::new(&mut file, 1, 1);
    encoder.set_color(png::ColorType::RGBA);
    encoder.set_depth(png::BitDepth::Sixteen);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[0; 8]).unwrap();
    drop(writer);
    file[16..20].copy_from_slice(&5000u32.to_be_bytes());
    file[20..24].copy_from_slice(&5000u32.to_be_bytes());
    let crc = crc32fast::hash(&file[12..29]);
    file[29..33].copy_from_slice(&crc.to_be_bytes());
    file
}

#[tokio::test]
async fn an_image_announcing_a_huge_picture_is_refused_before_decoding() {
    use base64::Engine;
    let app = spawn_app().await;
    let owner = app.sign_up("Atelier Logo", "gerant@logo.fr").await;
    let before = app.db.event_count().await;
    let image = base64::engine::general_purpose::STANDARD.encode(forged_png());
    let response = app
        .graphql_as(
            &owner.access_token,
            "mutation($image: String!) { uploadQuoteLogo(image: $image) { sha256 } }",
            json!({ "image": image }),
        )
        .await;
    assert_eq!(error_code(&response), Some("VALIDATION"), "{response}");
    assert_eq!(
        response["errors"][0]["extensions"]["reason"],
        "LOGO_IMAGE_DIMENSIONS"
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from template_logo")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored");
    assert_eq!(app.db.event_count().await, before, "nothing written");
    app.stop().await;
}
