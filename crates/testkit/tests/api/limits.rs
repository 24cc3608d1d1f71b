//! What a client may hold: slow headers and stalled bodies are cut, connections are capped,
//! and a shutdown waits for requests in flight only so long.

use std::time::{Duration, Instant};

use safeharbor_testkit::spawn_app_limited;
use safeharbor_web::ServeLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn limits() -> ServeLimits {
    ServeLimits {
        header_timeout: Duration::from_millis(600),
        body_idle_timeout: Duration::from_millis(600),
        max_connections: 2,
        shutdown_grace: Duration::from_millis(800),
    }
}

/// Reads until the server closes the connection; returns what it sent and how long it took.
async fn read_to_close(s: &mut TcpStream) -> (String, Duration) {
    let start = Instant::now();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut() {
    let app = spawn_app_limited(limits()).await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_, took) = read_to_close(&mut s).await;
    assert!(
        took < Duration::from_secs(5),
        "half-sent headers held the connection {took:?}"
    );
}

#[tokio::test]
async fn a_stalled_request_body_is_cut() {
    let app = spawn_app_limited(limits()).await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let (reply, took) = read_to_close(&mut s).await;
    assert!(
        took < Duration::from_secs(5),
        "a stalled body held {took:?}"
    );
    assert!(
        !reply.starts_with("HTTP/1.1 2"),
        "a cut body is not a success: {reply}"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_and_healthz_answers_once_one_frees() {
    let app = spawn_app_limited(limits()).await;
    // Two silent connections take both slots until the header deadline cuts them.
    let _a = TcpStream::connect(app.addr).await.unwrap();
    let _b = TcpStream::connect(app.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let start = Instant::now();
    let r = app
        .http
        .get(format!("{}/healthz", app.base))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "the third connection waited for a slot ({:?})",
        start.elapsed()
    );
}

#[tokio::test]
async fn shutdown_waits_for_requests_in_flight_only_for_the_grace_period() {
    let mut app = spawn_app_limited(ServeLimits {
        body_idle_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(30),
        ..limits()
    })
    .await;
    // An upload that trickles forever: never idle long enough to be cut by the body timeout.
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
    )
    .await
    .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if s.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let server = app.begin_shutdown().unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops within its grace period")
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    trickle.abort();
}
