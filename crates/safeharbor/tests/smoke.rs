//! The real binary, end to end: set up, serve, shut down cleanly, and the CLI's exit codes.

#![expect(
    clippy::unwrap_used,
    clippy::zombie_processes,
    reason = "test helpers fail the test on a broken assumption; servers are reaped by stop()"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_safeharbor");

fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("SAFEHARBOR_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Starts `safeharbor <args>` and waits for its "listening on" line; returns the child and base URL.
fn start(dir: &Path, args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .args(["--addr", "127.0.0.1:0"])
        .env_remove("SAFEHARBOR_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        let Some(line) = lines.next() else {
            panic!("the server exited before listening")
        };
        let line = line.unwrap();
        if let Some(addr) = line.strip_prefix("Safeharbor is listening on ") {
            let base = addr.trim().to_owned();
            std::thread::spawn(move || lines.for_each(drop));
            return (child, base);
        }
    }
    panic!("server did not start");
}

fn stop(mut child: std::process::Child) -> i32 {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code().unwrap_or(-1);
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn an_operator_sets_up_serves_and_stops_an_installation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["init", "--provider-name", "Acme Managed IT"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let again = run(d, &["init", "--provider-name", "Acme Managed IT"], None);
    assert_eq!(code(&again), 1);
    assert!(
        text(&again).contains("already initialized"),
        "{}",
        text(&again)
    );

    let o = run(
        d,
        &[
            "user",
            "create",
            "--email",
            "ops@acme.example",
            "--name",
            "Ops",
            "--role",
            "provider_admin",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(
        d,
        &[
            "user",
            "create",
            "--email",
            "not-an-email",
            "--name",
            "X",
            "--role",
            "provider_admin",
            "--password-stdin",
        ],
        Some("correct horse battery\n"),
    );
    assert_eq!(
        code(&o),
        2,
        "a value that breaks a rule is a usage error: {}",
        text(&o)
    );
    assert!(text(&o).contains("email"));
    let o = run(
        d,
        &[
            "user",
            "create",
            "--email",
            "x@acme.example",
            "--name",
            "X",
            "--role",
            "overlord",
        ],
        None,
    );
    assert_eq!(code(&o), 2);

    let o = run(
        d,
        &[
            "token",
            "create",
            "--email",
            "ops@acme.example",
            "--days",
            "7",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let token = String::from_utf8(o.stdout).unwrap();
    assert_eq!(token.lines().count(), 1, "only the token on stdout");
    let token = token.trim().to_owned();
    assert!(token.starts_with("sht_"));

    let (child, base) = start(d, &["serve"]);
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = http
        .get(format!("{base}/api/v1/orgs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["items"][0]["kind"], "provider");
    let created = http
        .post(format!("{base}/api/v1/orgs"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Lakeside", "slug": "lakeside", "kind": "client"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(stop(child), 0, "clean exit on SIGTERM");

    let o = run(d, &["audit", "verify"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("intact"));
    let o = run(d, &["audit", "list", "--org", "lakeside", "--json"], None);
    assert!(text(&o).contains("org.create"), "{}", text(&o));

    let backup = d.join("backup.db");
    let o = run(d, &["backup", "--out", backup.to_str().unwrap()], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let other = tempfile::tempdir().unwrap();
    let o = run(other.path(), &["restore", backup.to_str().unwrap()], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(other.path(), &["restore", backup.to_str().unwrap()], None);
    assert_eq!(
        code(&o),
        1,
        "a non-empty target needs --force: {}",
        text(&o)
    );
    assert!(text(&o).contains("--force"));
    let o = run(
        other.path(),
        &["restore", "--force", backup.to_str().unwrap()],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(other.path(), &["audit", "verify"], None);
    assert_eq!(code(&o), 0, "the restored trail verifies: {}", text(&o));
}

#[tokio::test]
async fn audit_verify_names_the_first_altered_event_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(code(&run(d, &["init", "--provider-name", "Acme"], None)), 0);
    let o = run(
        d,
        &[
            "user",
            "create",
            "--email",
            "a@acme.example",
            "--name",
            "A",
            "--role",
            "provider_admin",
        ],
        None,
    );
    assert!(
        text(&o).contains("Password (shown once)"),
        "a generated password is shown: {}",
        text(&o)
    );
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", d.join("safeharbor.db").display()))
            .await
            .unwrap();
    sqlx::query("DROP TRIGGER audit_event_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_event SET actor = 'someone else' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let o = run(d, &["audit", "verify"], None);
    assert_eq!(code(&o), 1);
    assert!(text(&o).contains("event 2"), "{}", text(&o));
}

#[tokio::test]
async fn the_demo_seeds_once_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base) = start(dir.path(), &["demo"]);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = http.post(format!("{base}/api/v1/session")).json(&serde_json::json!({"email": "admin@harborview.example", "password": "harbor-demo-2026"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let orgs: serde_json::Value = http
        .get(format!("{base}/api/v1/orgs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = orgs["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|o| o["kind"] == "client").count(), 3);
    assert!(
        items
            .iter()
            .filter(|o| o["kind"] == "client")
            .all(|o| o["location_count"].as_i64().unwrap() >= 2)
    );
    assert_eq!(stop(child), 0);
    // A second start keeps the data and does not seed again.
    let (child, base) = start(dir.path(), &["demo"]);
    let r = http.post(format!("{base}/api/v1/session")).json(&serde_json::json!({"email": "admin@harborview.example", "password": "harbor-demo-2026"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let orgs: serde_json::Value = http
        .get(format!("{base}/api/v1/orgs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orgs["items"].as_array().unwrap().len(), 4);
    assert_eq!(stop(child), 0);
}

#[test]
fn usage_errors_exit_2_and_every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&run(dir.path(), &["frobnicate"], None)), 2);
    assert_eq!(
        code(&run(dir.path(), &["init"], None)),
        2,
        "missing --provider-name"
    );
    for cmd in [
        &["serve", "--help"][..],
        &["demo", "--help"],
        &["init", "--help"],
        &["migrate", "--help"],
        &["user", "create", "--help"],
        &["user", "reset-password", "--help"],
        &["token", "create", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let o = run(dir.path(), cmd, None);
        assert_eq!(code(&o), 0, "{cmd:?}");
        assert!(text(&o).contains("Usage"), "{cmd:?}");
    }
}
