use reqwest::{Method, StatusCode};
use safeharbor_testkit::inventory::api_routes;
use safeharbor_testkit::spawn_app;
use serde_json::json;

async fn raw(
    app: &safeharbor_testkit::TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> safeharbor_testkit::Reply {
    let mut req = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&app.seed.user("padmin").token)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    safeharbor_testkit::Reply {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_fields_name_the_problem() {
    let app = spawn_app().await;
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        b"{\"name\": ".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.field(), "body");
    assert!(r.json["error"]["request_id"].is_string());
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        br#"{"name": 42, "kind": "client"}"#.to_vec(),
    )
    .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "name"));
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        br#"{"name": "X", "kind": "client", "colour": "red"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.field(), "colour");
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        br#"{"kind": "client"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.field(), "name");
    assert_eq!(r.json["error"]["message"], "is required");
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        br#"{"name": "X", "kind": "client", "slug": "Bad Slug"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.field(), "slug");
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("text/plain"),
        br#"{"name": "X", "kind": "client"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = raw(&app, "/api/v1/orgs", Some("application/json"), Vec::new()).await;
    assert_eq!(r.field(), "body");
}

#[tokio::test]
async fn rejected_values_are_not_echoed_back() {
    let app = spawn_app().await;
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        br#"{"name": "Pat Doe DOB 1961-04-02", "kind": 7}"#.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.text.contains("1961"), "{}", r.text);
    let r2 = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        br#"{"name": ["Pat Doe MRN 55512"], "kind": "client"}"#.to_vec(),
    )
    .await;
    assert!(!r2.text.contains("55512"), "{}", r2.text);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_and_nothing_is_stored() {
    let app = spawn_app().await;
    let big = format!(
        r#"{{"name": "{}", "kind": "client"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let r = raw(
        &app,
        "/api/v1/orgs",
        Some("application/json"),
        big.into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "payload_too_large");
    let list = app.get_as("padmin", "/api/v1/orgs?q=xxxx").await;
    assert!(list.json["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn too_long_values_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "n".repeat(201), "kind": "client"}),
        )
        .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "name"));
    let r = app.get_as("padmin", "/api/v1/orgs?limit=1000").await;
    assert_eq!(r.field(), "limit");
    let r = app.get_as("padmin", "/api/v1/orgs?limit=abc").await;
    assert_eq!(r.field(), "limit");
    let r = app.get_as("padmin", "/api/v1/orgs?cursor=garbage").await;
    assert_eq!(r.field(), "cursor");
}

#[tokio::test]
async fn expired_revoked_and_garbage_credentials_get_401() {
    let app = spawn_app().await;
    for t in [
        "sht_nope",
        "",
        "Bearer",
        "sht_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let r = app.call(Method::GET, "/api/v1/orgs", Some(t), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "token {t:?}");
    }
    let r = app
        .http
        .get(format!("{}/api/v1/orgs", app.base))
        .header("cookie", "sh_session=shs_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_route_answers_garbage_with_a_server_error() {
    let app = spawn_app().await;
    let garbage: [&[u8]; 6] = [
        b"null",
        b"[]",
        b"\"x\"",
        b"{\"\xff\": 1}",
        b"{\"name\": {\"$gt\": 1}}",
        b"{}",
    ];
    for case in api_routes() {
        let path = case
            .path
            .replace("{slug}", "alpha-clinic")
            .replace("{id}", &app.seed.alpha_location)
            .replace("{token}", "shi_unknown")
            .replace("{key}", "hipaa-security")
            .replace("{ref}", "164.308(a)(1)(i)");
        for body in garbage {
            let res = app
                .http
                .request(case.method.clone(), format!("{}{path}", app.base))
                .bearer_auth(&app.seed.user("padmin").token)
                .header("content-type", "application/json")
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            assert!(
                res.status().as_u16() < 500,
                "{} {path} with {:?}: {}",
                case.method,
                String::from_utf8_lossy(body),
                res.status()
            );
        }
    }
}
