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
    // Each client shows its risk analysis: current, due soon, overdue; this year's in progress.
    let mut states: Vec<&str> = items
        .iter()
        .filter(|o| o["kind"] == "client")
        .map(|o| o["sra_currency"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(states, ["current", "due_soon", "overdue"]);
    let assets: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/orgs/lakeside-family-medicine/assets?limit=200"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = assets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    for k in ["voip", "sd_wan", "daas", "ehr"] {
        assert!(kinds.contains(&k), "the demo inventory has {k}");
    }
    let risks: serde_json::Value = http
        .get(format!("{base}/api/v1/orgs/lakeside-family-medicine/risks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(risks["items"].as_array().unwrap().len() >= 10);
    let list: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/orgs/lakeside-family-medicine/assessments"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["draft", "final"],
        "this year's in progress, last year's final"
    );
    assert_eq!(stop(child), 0);
    // The SRA report from the command line, while nothing else runs.
    let out = dir.path().join("sra.pdf");
    let o = run(
        dir.path(),
        &[
            "report",
            "sra",
            "--org",
            "lakeside-family-medicine",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"));
    let csv = dir.path().join("plan.csv");
    let o = run(
        dir.path(),
        &[
            "report",
            "sra",
            "--org",
            "lakeside-family-medicine",
            "--period",
            &(time::OffsetDateTime::now_utc().year() - 1).to_string(),
            "--part",
            "plan",
            "--out",
            csv.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("finalized"), "{}", text(&o));
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("title,assignee")
    );
    let o = run(
        dir.path(),
        &[
            "report",
            "sra",
            "--org",
            "no-such-org",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_ne!(code(&o), 0);
    assert!(text(&o).contains("not found"), "{}", text(&o));
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

fn shared(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/regulatory/").to_owned() + name
}

#[test]
fn the_catalog_commands_export_import_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(
        code(&run(
            d,
            &[
                "init",
                "--provider-name",
                "Acme IT",
                "--provider-slug",
                "acme-it"
            ],
            None
        )),
        0
    );
    let o = run(d, &["catalog", "list"], None);
    assert!(
        text(&o).contains("hipaa-security") && text(&o).contains("proposed"),
        "{}",
        text(&o)
    );

    let json_out = d.join("hipaa.json");
    let o = run(
        d,
        &[
            "catalog",
            "export",
            "--framework",
            "hipaa-security",
            "--format",
            "json",
            "--out",
            json_out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(doc["framework"]["key"], "hipaa-security");
    assert!(
        doc["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ref"].is_string() && r["kind"].is_string())
    );
    let o = run(
        d,
        &[
            "catalog",
            "export",
            "--framework",
            "nist-csf-2.0",
            "--format",
            "csv",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ref,title,kind"));
    let o = run(
        d,
        &[
            "catalog",
            "export",
            "--framework",
            "nope",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&o), 1);

    let o = run(
        d,
        &[
            "catalog",
            "import-ecfr",
            &shared("ecfr-title45-part164-subpartC-2026-07-01.xml"),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(
        d,
        &[
            "catalog",
            "show",
            "--framework",
            "hipaa-security",
            "--ref",
            "164.312(a)(2)(iii)",
        ],
        None,
    );
    let shown = text(&o);
    assert!(
        shown.contains("Automatic logoff")
            && shown.contains("Official text")
            && shown.contains("Implement electronic procedures that terminate"),
        "{shown}"
    );
    let o = run(
        d,
        &[
            "catalog",
            "import-ecfr",
            &shared("ecfr-title45-part164-subpartE-2026-07-01.xml"),
        ],
        None,
    );
    assert_eq!(code(&o), 2, "Subpart E is refused: {}", text(&o));
    assert!(text(&o).contains("Subpart E"));
    let bad = d.join("bad.xml");
    std::fs::write(&bad, "<DIV6><DIV8></DIV6>").unwrap();
    let o = run(d, &["catalog", "import-ecfr", bad.to_str().unwrap()], None);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("bad.xml"));

    let moderate =
        shared("NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json");
    let o = run(
        d,
        &[
            "catalog",
            "import-oscal",
            &moderate,
            "--key",
            "sp800-53-moderate",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(
        d,
        &[
            "catalog",
            "import-oscal",
            &moderate,
            "--key",
            "sp800-53-moderate",
        ],
        None,
    );
    assert_eq!(
        code(&o),
        1,
        "the same version twice is refused: {}",
        text(&o)
    );
    let o = run(
        d,
        &[
            "catalog",
            "import-oscal",
            &shared("oscal-compass-hipaa-sp800-66r2-catalog.json"),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));

    let list = d.join("controls.csv");
    std::fs::write(&list, "id,title,maps_to\nMSP-1,Quarterly access reviews,nist-csf-2.0:PR.AA-05\nMSP-2,Encrypted backups,hipaa-security:164.308(a)(7)(ii)(A)\n").unwrap();
    let o = run(
        d,
        &[
            "catalog",
            "import-baseline",
            list.to_str().unwrap(),
            "--key",
            "acme-controls",
            "--title",
            "Acme controls",
            "--list-version",
            "2026.1",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    std::fs::write(
        &list,
        "id,title,maps_to\nMSP-1,Quarterly access reviews,nist-csf-2.0:ZZ-99\n",
    )
    .unwrap();
    let o = run(
        d,
        &[
            "catalog",
            "import-baseline",
            list.to_str().unwrap(),
            "--key",
            "acme-controls",
            "--title",
            "Acme controls",
            "--list-version",
            "2026.2",
        ],
        None,
    );
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o).contains("line 2"),
        "the error names the line: {}",
        text(&o)
    );

    let pdf = d.join("gap.pdf");
    let o = run(
        d,
        &[
            "report",
            "gap",
            "--org",
            "acme-it",
            "--out",
            pdf.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

/// Every stored evidence file (blob) under the data directory.
fn blob_files(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(d.join("blobs")).unwrap().flatten() {
        if dir.file_name() == "tmp" {
            continue;
        }
        out.extend(
            std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .map(|e| e.path()),
        );
    }
    out.sort();
    out
}

#[tokio::test]
async fn evidence_verify_catches_an_altered_file_and_rotate_key_keeps_everything_readable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["init", "--provider-name", "Acme"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("keys"),
        "init says where the evidence key is: {}",
        text(&o)
    );
    let keys: Vec<_> = std::fs::read_dir(d.join("keys"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "key"))
        .collect();
    assert_eq!(keys.len(), 1, "init creates one key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = keys[0].metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key is readable by its owner only");
    }
    // The demo on a second directory stores evidence to check.
    let demo = tempfile::tempdir().unwrap();
    let d = demo.path();
    let (child, _) = start(d, &["demo"]);
    assert_eq!(stop(child), 0);
    let files = blob_files(d);
    assert!(
        files.len() >= 10,
        "the demo stores evidence: {}",
        files.len()
    );
    let o = run(d, &["evidence", "verify"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("Evidence intact"), "{}", text(&o));
    // One changed byte in one file: verify names it and exits 1.
    let victim = &files[files.len() / 2];
    let original = std::fs::read(victim).unwrap();
    let mut changed = original.clone();
    let at = changed.len() - 5;
    changed[at] ^= 0x40;
    std::fs::write(victim, &changed).unwrap();
    let o = run(d, &["evidence", "verify"], None);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let name = victim.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        text(&o).contains(&format!("ALTERED: sha256 {name}")),
        "{}",
        text(&o)
    );
    std::fs::write(victim, &original).unwrap();
    // A new key: every file is re-encrypted under it and still verifies.
    let o = run(d, &["evidence", "rotate-key"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("files re-encrypted"), "{}", text(&o));
    assert_ne!(
        std::fs::read(victim).unwrap(),
        original,
        "re-encrypted under the new key"
    );
    let o = run(d, &["evidence", "verify"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[tokio::test]
async fn lost_files_orphans_missing_keys_and_missing_triggers_are_caught_not_papered_over() {
    let demo = tempfile::tempdir().unwrap();
    let d = demo.path();
    let (child, _) = start(d, &["demo"]);
    assert_eq!(stop(child), 0);
    let files = blob_files(d);

    // A stored file that vanished: verify names it, exits 1, and records it.
    let victim = files[0].clone();
    let saved = std::fs::read(&victim).unwrap();
    std::fs::remove_file(&victim).unwrap();
    let o = run(d, &["evidence", "verify"], None);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("MISSING"), "{}", text(&o));
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", d.join("safeharbor.db").display()))
            .await
            .unwrap();
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evidence_problem")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(recorded, 1, "the loss is kept on the organization's status");
    std::fs::write(&victim, &saved).unwrap();

    // A stored file no record names: listed (exit 1), then removed on request.
    let orphan = d.join("blobs").join("ab").join("ab".repeat(32));
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"left by a crash").unwrap();
    let o = run(d, &["evidence", "verify"], None);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("ORPHAN"), "{}", text(&o));
    assert!(orphan.exists(), "listing deletes nothing");
    let o = run(d, &["evidence", "verify", "--remove-orphans"], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(!orphan.exists(), "removed on request");
    assert!(victim.exists(), "a file a record names is never an orphan");
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evidence_problem")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        recorded, 0,
        "a restored file leaves the status once verified"
    );

    // The database restored into a fresh directory without its keys: the restore makes no key,
    // and serving refuses instead of creating one that cannot read the files.
    let backup = tempfile::tempdir().unwrap();
    let file = backup.path().join("db.backup");
    let o = run(d, &["backup", "--out", file.to_str().unwrap()], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let fresh = tempfile::tempdir().unwrap();
    let f = fresh.path();
    let o = run(f, &["restore", file.to_str().unwrap()], None);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(!f.join("keys").exists(), "a restore makes no key");
    let o = run(f, &["serve", "--addr", "127.0.0.1:0"], None);
    assert_ne!(code(&o), 0, "serving without the keys is refused");
    assert!(text(&o).contains("no keys"), "{}", text(&o));
    assert!(!f.join("keys").exists(), "and still no new key");

    // A dropped append-only trigger: audit verify exits 1 and serve refuses.
    sqlx::query("DROP TRIGGER evidence_version_immutable_update")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let o = run(d, &["audit", "verify"], None);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("UNPROTECTED"), "{}", text(&o));
    assert!(
        text(&o).contains("evidence_version_immutable_update"),
        "{}",
        text(&o)
    );
    let o = run(d, &["serve", "--addr", "127.0.0.1:0"], None);
    assert_ne!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("append-only triggers"), "{}", text(&o));
}
