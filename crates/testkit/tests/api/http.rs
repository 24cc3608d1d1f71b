use reqwest::{Method, StatusCode};
use safeharbor_testkit::spawn_app;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/healthz"),
        (Method::GET, "/api/v1/orgs"),
        (Method::GET, "/nope"),
        (Method::PUT, "/api/v1/orgs"),
    ] {
        let r = app.call(method, path, None, None).await;
        let h = |n: &str| {
            r.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert!(
            h("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            !h("content-security-policy").contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("referrer-policy"), "no-referrer");
        assert_eq!(h("cache-control"), "no-store");
        assert_eq!(h("x-request-id").len(), 32);
        if r.status.is_client_error() {
            assert_eq!(
                r.json["error"]["request_id"],
                h("x-request-id").as_str(),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_error_bodies() {
    let app = spawn_app().await;
    let r = app
        .call(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
    let r = app
        .call(
            Method::PUT,
            "/api/v1/orgs",
            Some(&app.seed.user("padmin").token),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

#[tokio::test]
async fn the_served_openapi_document_is_the_checked_in_one() {
    let app = spawn_app().await;
    let served = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(served.json["openapi"], "3.1.0");
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .unwrap_or_default();
    assert!(
        checked_in.trim() == served.text.trim(),
        "docs/openapi.json is out of date: regenerate it with `cargo run -q -p safeharbor -- openapi > docs/openapi.json`"
    );
}

#[tokio::test]
async fn shutdown_finishes_a_request_in_flight() {
    let mut app = spawn_app().await;
    let token = app.seed.user("padmin").token.clone();
    let body = br#"{"name": "Late Arrival Clinic", "kind": "client"}"#;
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/orgs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let server = app.begin_shutdown().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    s.write_all(&body[10..]).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(
        out.starts_with("HTTP/1.1 201"),
        "the request in flight completed: {out}"
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("server stops")
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(app.addr).await.is_err(),
        "no new connections after shutdown"
    );
}
