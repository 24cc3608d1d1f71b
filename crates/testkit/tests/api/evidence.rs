//! The evidence locker through the API: streaming uploads with exact bytes back, refusals that
//! leave nothing behind, versions, metadata and links, freshness, coverage, audited downloads,
//! and `evidence verify` catching an altered blob.

use reqwest::{Method, StatusCode};
use safeharbor_core::Settings;
use safeharbor_core::evidence::maintenance;
use safeharbor_core::ports::BlobCheck;
use safeharbor_testkit::{Reply, TestApp, spawn_app, spawn_app_with};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Duration;

const ALPHA: &str = "/api/v1/orgs/alpha-clinic";

/// A multipart body: (name, file name, bytes).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "safeharbor-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    app: &TestApp,
    user: &str,
    path: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Reply {
    let (ctype, body) = multipart(parts);
    let res = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&app.seed.user(user).token)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    reply(res).await
}

async fn reply(res: reqwest::Response) -> Reply {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    Reply {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

async fn upload(app: &TestApp, title: &str, name: &str, bytes: &[u8]) -> Reply {
    post_multipart(
        app,
        "alpha_admin",
        &format!("{ALPHA}/evidence"),
        &[
            ("title", None, title.as_bytes()),
            ("file", Some(name), bytes),
        ],
    )
    .await
}

async fn download(
    app: &TestApp,
    user: &str,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.seed.user(user).token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn pdf(n: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    b.extend((0..n).map(|i| u8::try_from(i % 251).unwrap()));
    b
}

/// Blob files in the store (outside the temp directory).
fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.blob_dir.path().join("blobs"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "tmp")
        .map(|d| std::fs::read_dir(d.path()).unwrap().count())
        .sum()
}

async fn evidence_count(app: &TestApp) -> usize {
    let r = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence?archived=true"))
        .await;
    r.json["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn an_uploaded_file_comes_back_byte_for_byte_with_its_sha256() {
    let app = spawn_app().await;
    // Larger than one blob chunk, so the streaming path and chunk boundaries are exercised.
    let bytes = pdf(3 * 1024 * 1024 + 17);
    let r = upload(&app, "Backup restore test, Q3", "restore-test.pdf", &bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sha = hex::encode(Sha256::digest(&bytes));
    assert_eq!(r.json["sha256"], sha.as_str());
    assert_eq!(r.json["size"], bytes.len());
    assert_eq!(r.json["media_type"], "application/pdf");
    assert_eq!(r.json["kind"], "file");
    assert_eq!(r.json["current"]["created_by"], "alpha.admin@example.com");
    let id = r.json["id"].as_str().unwrap();
    let (status, headers, got) = download(
        &app,
        "alpha_member",
        &format!("{ALPHA}/evidence/{id}/content"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, bytes, "exact bytes back");
    assert_eq!(headers["x-content-sha256"], sha.as_str());
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    // The download is in the audit trail, naming who and what.
    let audit = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/audit-events?action=evidence.download"),
        )
        .await;
    assert_eq!(
        audit.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        audit.text
    );
    assert_eq!(audit.json["items"][0]["actor"], "alpha.member@example.com");
    // On disk the bytes are encrypted.
    let path = app.blobs.blob_path(&sha).unwrap();
    let disk = std::fs::read(path).unwrap();
    assert!(!disk.windows(9).any(|w| w == b"%PDF-1.7\n"));
}

/// A small PDF whose opening action runs JavaScript, past its first 4 KiB.
fn scripted_pdf() -> Vec<u8> {
    let mut b = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n".to_vec();
    b.extend(std::iter::repeat_n(b'%', 6000));
    b.extend(
        b"\n3 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n",
    );
    b
}

/// A ZIP of stored (uncompressed) entries, with its central directory.
fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).unwrap();
        let crc = crc32(data);
        let (n, len) = (
            u16::try_from(name.len()).unwrap(),
            u32::try_from(data.len()).unwrap(),
        );
        out.extend(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        out.extend(crc.to_le_bytes());
        out.extend(len.to_le_bytes());
        out.extend(len.to_le_bytes());
        out.extend(n.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        central.extend(crc.to_le_bytes());
        central.extend(len.to_le_bytes());
        central.extend(len.to_le_bytes());
        central.extend(n.to_le_bytes());
        central.extend([0u8; 12]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).unwrap();
    let count = u16::try_from(entries.len()).unwrap();
    out.extend(&central);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(u32::try_from(central.len()).unwrap().to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in data {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[tokio::test]
async fn refused_uploads_say_why_and_leave_nothing_behind() {
    let app = spawn_app_with(Settings {
        upload_limit: 64 * 1024,
        ..Settings::default()
    })
    .await;
    let before = evidence_count(&app).await;
    let files_before = stored_files(&app);
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.extend(std::iter::repeat_n(0u8, 10_000));
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("Empty", "empty.pdf", Vec::new(), "empty"),
        ("Too big", "big.pdf", pdf(70 * 1024), "limit"),
        ("Disguised", "report.pdf", exe, "Windows program"),
        ("Script", "fix.ps1", b"Write-Host hi".to_vec(), ".ps1"),
        ("Zip", "logs.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00aaaa\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00a.exe".to_vec(), "ZIP"),
        // Past the first bytes: active content anywhere in the file.
        ("Scripted PDF", "policy.pdf", scripted_pdf(), "JavaScript"),
        (
            "Macro document",
            "policy.docx",
            stored_zip(&[
                ("[Content_Types].xml", b"<Types/>"),
                ("word/document.xml", b"<w:document/>"),
                ("word/vbaProject.bin", b"macro bytes"),
            ]),
            "macros",
        ),
    ];
    for (title, name, bytes, why) in cases {
        let r = upload(&app, title, name, &bytes).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{title}: {}", r.text);
        assert_eq!(r.field(), "file", "{title}");
        assert!(r.text.contains(why), "{title}: {}", r.text);
    }
    // A valid file with a bad title is refused too, and its bytes do not stay.
    let r = post_multipart(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/evidence"),
        &[
            ("file", Some("ok.pdf"), &pdf(100)),
            ("valid_until", None, b"2026-02-30"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.field(), "title");
    assert_eq!(evidence_count(&app).await, before, "nothing recorded");
    assert_eq!(app.blobs.temp_files(), 0, "no temp files left");
    assert_eq!(stored_files(&app), files_before, "no blob stored");
}

#[tokio::test]
async fn auditors_and_members_without_write_access_cannot_upload() {
    let app = spawn_app().await;
    let r = post_multipart(
        &app,
        "alpha_auditor",
        &format!("{ALPHA}/evidence"),
        &[("title", None, b"x"), ("file", Some("a.pdf"), &pdf(10))],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Another practice's admin cannot learn the practice exists, multipart or not.
    let r = post_multipart(
        &app,
        "beta_admin",
        &format!("{ALPHA}/evidence"),
        &[("title", None, b"x"), ("file", Some("a.pdf"), &pdf(10))],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.blobs.temp_files(), 0);
}

#[tokio::test]
async fn versions_are_kept_and_metadata_changes_are_audited() {
    let app = spawn_app().await;
    let r = upload(&app, "Access review", "review-q1.pdf", &pdf(500)).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let v2 = post_multipart(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/evidence/{id}/versions"),
        &[
            ("file", Some("review-q2.pdf"), &pdf(900)),
            ("valid_until", None, b"2026-09-30"),
        ],
    )
    .await;
    assert_eq!(v2.status, StatusCode::CREATED, "{}", v2.text);
    assert_eq!(v2.json["current"]["version"], 2);
    assert_eq!(v2.json["title"], "Access review", "title kept");
    assert_eq!(v2.json["valid_until"], "2026-09-30");
    let versions = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence/{id}/versions"))
        .await;
    let v = versions.json.as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["file_name"], "review-q1.pdf");
    assert_eq!(v[0]["size"], 509);
    // The first version is still downloadable, exactly.
    let (_, _, old) = download(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/evidence/{id}/content?version=1"),
    )
    .await;
    assert_eq!(old, pdf(500));
    // A link cannot become a file's next version.
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/evidence/{id}/versions"),
            &json!({"url": "https://example.com/x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    // Metadata edits are audited with what changed.
    let r = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{ALPHA}/evidence/{id}"),
            &json!({"title": "Quarterly access review", "links": [{"kind": "requirement", "ref": "164.308(a)(3)(ii)(B)"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["links"][0]["ref"], "164.308(a)(3)(ii)(B)");
    let audit = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/audit-events?action=evidence."),
        )
        .await;
    let summaries: Vec<&str> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert!(
        summaries.iter().any(|s| s.contains("title changed")),
        "{summaries:?}"
    );
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("linked to: 164.308(a)(3)(ii)(B)")),
        "{summaries:?}"
    );
    assert!(
        summaries.iter().any(|s| s.contains("version 2")),
        "{summaries:?}"
    );
    // A link to a requirement that does not exist, or another org's control, is refused.
    for bad in [
        json!([{"kind": "requirement", "ref": "164.999(z)"}]),
        json!([{"kind": "control", "ref": app.seed.area["beta-clinic"].control}]),
    ] {
        let r = app
            .send_as(
                "alpha_admin",
                Method::PATCH,
                &format!("{ALPHA}/evidence/{id}"),
                &json!({"links": bad}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert_eq!(r.field(), "links");
    }
}

#[tokio::test]
async fn freshness_follows_the_clock_and_the_msp_sees_what_expires_soon() {
    let app = spawn_app().await;
    // The fake clock starts on 2026-03-02.
    let link = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/evidence"),
            &json!({"title": "DR test ticket", "url": "https://tickets.example/42", "valid_until": "2026-04-15"}),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.text);
    assert_eq!(link.json["kind"], "link");
    assert_eq!(link.json["freshness"], "current");
    let listed = |f: &'static str| {
        let app = &app;
        async move {
            app.get_as("alpha_admin", &format!("{ALPHA}/evidence?freshness={f}"))
                .await
                .json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(
        listed("current")
            .await
            .contains(&"DR test ticket".to_owned())
    );
    app.clock.advance(Duration::days(20));
    assert_eq!(listed("expiring").await, vec!["DR test ticket".to_owned()]);
    let across = app.get_as("padmin", "/api/v1/evidence/expiring").await;
    assert_eq!(
        across.json[0]["org_slug"], "alpha-clinic",
        "{}",
        across.text
    );
    assert_eq!(across.json[0]["evidence"]["freshness"], "expiring");
    // Another practice's admin does not see it.
    let beta = app.get_as("beta_admin", "/api/v1/evidence/expiring").await;
    assert!(!beta.text.contains("DR test ticket"));
    app.clock.advance(Duration::days(30));
    assert_eq!(listed("expired").await, vec!["DR test ticket".to_owned()]);
    let r = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence?freshness=stale"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.field(), "freshness");
}

#[tokio::test]
async fn coverage_shows_what_backs_each_requirement_and_what_is_missing_or_stale() {
    let app = spawn_app().await;
    let get = |json: &serde_json::Value, reference: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == reference)
            .cloned()
            .unwrap()
    };
    let c = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence-coverage"))
        .await
        .json;
    // The seeded control (quarterly access review) has the seeded evidence behind it.
    let review = get(&c, "164.308(a)(3)(ii)(B)");
    assert_eq!(review["state"], "backed", "{review}");
    assert_eq!(review["evidence"][0]["via_control"], true);
    assert_eq!(get(&c, "164.308(a)(7)(ii)(A)")["state"], "missing");
    // Evidence linked to the backup plan that expires goes stale.
    let r = upload(
        &app,
        "Backup job report",
        "backup.txt",
        b"all jobs succeeded\n",
    )
    .await;
    let id = r.json["id"].as_str().unwrap();
    app.send_as(
        "alpha_admin",
        Method::PATCH,
        &format!("{ALPHA}/evidence/{id}"),
        &json!({"valid_until": "2026-03-10", "links": [{"kind": "requirement", "ref": "164.308(a)(7)(ii)(A)"}]}),
    )
    .await;
    let c = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence-coverage"))
        .await
        .json;
    assert_eq!(get(&c, "164.308(a)(7)(ii)(A)")["state"], "stale");
    app.clock.advance(Duration::days(30));
    let c = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence-coverage"))
        .await
        .json;
    let backup = get(&c, "164.308(a)(7)(ii)(A)");
    assert_eq!(backup["state"], "stale");
    assert_eq!(backup["evidence"][0]["freshness"], "expired");
}

#[tokio::test]
async fn verify_catches_an_altered_or_missing_blob() {
    let app = spawn_app().await;
    let seeded = maintenance::verify(&app.app, |_, _| {})
        .await
        .unwrap()
        .blobs;
    let r = upload(
        &app,
        "Policy sign-off",
        "signoff.txt",
        b"Signed by the privacy officer\n",
    )
    .await;
    let sha = r.json["sha256"].as_str().unwrap().to_owned();
    let report = maintenance::verify(&app.app, |_, _| {}).await.unwrap();
    assert!(report.problems.is_empty(), "{report:?}");
    assert_eq!(report.blobs, seeded + 1, "every stored file is checked");
    // One changed byte on disk is caught.
    let path = app.blobs.blob_path(&sha).unwrap();
    let mut disk = std::fs::read(&path).unwrap();
    let last = disk.len() - 20;
    disk[last] ^= 0x01;
    std::fs::write(&path, &disk).unwrap();
    let report = maintenance::verify(&app.app, |_, _| {}).await.unwrap();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].check, BlobCheck::Altered);
    assert_eq!(report.problems[0].blob.org_slug, "alpha-clinic");
    // Downloading it fails rather than serving altered bytes.
    let id = r.json["id"].as_str().unwrap();
    let (status, _, body) = download(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/evidence/{id}/content"),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.windows(6).any(|w| w == b"Signed"));
    std::fs::remove_file(&path).unwrap();
    let report = maintenance::verify(&app.app, |_, _| {}).await.unwrap();
    assert_eq!(report.problems[0].check, BlobCheck::Missing);
}

#[tokio::test]
async fn the_upload_page_needs_its_form_token_before_the_file_and_answers_the_script_in_json() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let send = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>, json: bool| {
        let b = &b;
        let app = &app;
        async move {
            let borrowed: Vec<(&str, Option<&str>, &[u8])> = parts
                .iter()
                .map(|(n, f, v)| (*n, *f, v.as_slice()))
                .collect();
            let (ctype, body) = multipart(&borrowed);
            let mut req = b
                .client
                .post(format!("{}/orgs/alpha-clinic/evidence", app.base))
                .header("content-type", ctype)
                .body(body);
            if json {
                req = req.header("accept", "application/json");
            }
            reply(req.send().await.unwrap()).await
        }
    };
    let csrf = b.csrf.clone().into_bytes();
    // A file before the token is refused without being stored.
    let r = send(
        vec![
            ("file", Some("a.pdf"), pdf(10)),
            ("_csrf", None, csrf.clone()),
            ("title", None, b"x".to_vec()),
        ],
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = send(
        vec![
            ("_csrf", None, csrf.clone()),
            ("file", Some("plan.pdf"), pdf(10)),
            ("title", None, b"Contingency plan".to_vec()),
            ("requirement", None, b"164.308(a)(7)(i)".to_vec()),
        ],
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let to = r.json["location"].as_str().unwrap().to_owned();
    assert!(to.starts_with("/orgs/alpha-clinic/evidence/"), "{to}");
    let page = app.page_get(&b, &to).await;
    assert!(
        page.text.contains(&hex::encode(Sha256::digest(pdf(10)))),
        "the hash is shown"
    );
    assert!(page.text.contains("164.308(a)(7)(i)"), "the link is shown");
    // A refused file tells the script what to fix.
    let r = send(
        vec![
            ("_csrf", None, csrf),
            ("file", Some("tool.exe"), b"MZ\x90\x00".to_vec()),
            ("title", None, b"Tool".to_vec()),
        ],
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json["error"].as_str().unwrap().contains(".exe"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn the_controls_page_shows_the_evidence_behind_each_control() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let control = &app.seed.area["alpha-clinic"].control;
    let page = app.page_get(&b, "/orgs/alpha-clinic/controls").await;
    assert!(
        page.text.contains(&format!(
            "/orgs/alpha-clinic/evidence?control={control}\">1 current</a>"
        )),
        "the seeded control links to its one current piece of evidence"
    );
    let list = app
        .page_get(
            &b,
            &format!("/orgs/alpha-clinic/evidence?control={control}"),
        )
        .await;
    assert!(list.text.contains("Alpha Clinic access review sign-off"));
    // After it expires the control shows it as expired.
    let id = &app.seed.area["alpha-clinic"].evidence;
    app.send_as(
        "alpha_admin",
        Method::PATCH,
        &format!("{ALPHA}/evidence/{id}"),
        &json!({"valid_until": "2026-03-01"}),
    )
    .await;
    let page = app.page_get(&b, "/orgs/alpha-clinic/controls").await;
    assert!(
        page.text.contains("1 expired"),
        "the control shows its evidence expired"
    );
}

#[tokio::test]
async fn oversized_or_overlong_forms_are_refused_before_being_read_in_full() {
    let app = spawn_app().await;
    // A link's JSON body is bounded.
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/evidence"),
            &json!({"title": "x".repeat(100_000), "url": "https://example.com/a"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Text parts are bounded in number as well as in size.
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("title", None, b"Many links")];
    for _ in 0..250 {
        parts.push(("requirement", None, b"164.308(a)(1)(i)"));
    }
    let r = post_multipart(&app, "alpha_admin", &format!("{ALPHA}/evidence"), &parts).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.field(), "links");
    // Another practice gets 404 before any of its body is considered.
    let r = app
        .send_as(
            "beta_admin",
            Method::POST,
            &format!("{ALPHA}/evidence"),
            &json!({"title": "x".repeat(100_000), "url": "https://example.com/a"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_import_record_takes_versions_only_from_its_import_and_names_stay_harmless() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(format!(
            "{}{ALPHA}/evidence/imports/devices?preset=generic&file_name=inventory.bat",
            app.base
        ))
        .bearer_auth(&app.seed.user("alpha_admin").token)
        .body("device,holds_ephi,encryption\nPC-1,yes,encrypted\n")
        .send()
        .await
        .unwrap();
    let r = reply(res).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a runnable name is refused: {}",
        r.text
    );
    let res = app
        .http
        .post(format!(
            "{}{ALPHA}/evidence/imports/devices?preset=generic&file_name=inventory",
            app.base
        ))
        .bearer_auth(&app.seed.user("alpha_admin").token)
        .body("device,holds_ephi,encryption\nPC-1,yes,encrypted\n")
        .send()
        .await
        .unwrap();
    let r = reply(res).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["evidence"]["id"].as_str().unwrap().to_owned();
    // A manual upload cannot become the record's next version.
    let v = post_multipart(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/evidence/{id}/versions"),
        &[("file", Some("other.csv"), b"device\nX\n")],
    )
    .await;
    assert_eq!(v.status, StatusCode::BAD_REQUEST, "{}", v.text);
    assert!(v.text.contains("only from its import"), "{}", v.text);
    // The stored CSV downloads with an extension of its type.
    let (_, headers, _) = download(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/evidence/{id}/content"),
    )
    .await;
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("filename=\"inventory.csv\""),
        "{disposition}"
    );
}

#[tokio::test]
async fn a_control_whose_evidence_expired_leaves_its_requirement_stale() {
    let app = spawn_app().await;
    let c = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence-coverage"))
        .await
        .json;
    let state = |json: &serde_json::Value| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == "164.308(a)(3)(ii)(B)")
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(&c), "backed");
    // Current direct evidence does not make up for the control's expired evidence.
    app.send_as(
        "alpha_admin",
        Method::POST,
        &format!("{ALPHA}/evidence"),
        &json!({"title": "Access review memo", "url": "https://example.com/memo", "links": [{"kind": "requirement", "ref": "164.308(a)(3)(ii)(B)"}]}),
    )
    .await;
    let id = &app.seed.area["alpha-clinic"].evidence;
    app.send_as(
        "alpha_admin",
        Method::PATCH,
        &format!("{ALPHA}/evidence/{id}"),
        &json!({"valid_until": "2026-03-01"}),
    )
    .await;
    let c = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence-coverage"))
        .await
        .json;
    assert_eq!(state(&c), "stale");
}

#[tokio::test]
async fn the_import_page_needs_its_token_first_previews_a_new_preset_and_imports_the_previewed_file()
 {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let send = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let b = &b;
        let app = &app;
        async move {
            let borrowed: Vec<(&str, Option<&str>, &[u8])> = parts
                .iter()
                .map(|(n, f, v)| (*n, *f, v.as_slice()))
                .collect();
            let (ctype, body) = multipart(&borrowed);
            reply(
                b.client
                    .post(format!("{}/orgs/alpha-clinic/evidence/import", app.base))
                    .header("content-type", ctype)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let csv = b"hostname,operatingSystem,lastSeen\nPC-7,Windows 11,2026-03-01\n".to_vec();
    let r = send(vec![
        ("kind", None, b"devices".to_vec()),
        ("_csrf", None, b.csrf.clone().into_bytes()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the token must come first");
    // Choosing Datto RMM previews with its columns, even if Import was pressed.
    let r = send(vec![
        ("_csrf", None, b.csrf.clone().into_bytes()),
        ("kind", None, b"devices".to_vec()),
        ("preset", None, b"datto_rmm".to_vec()),
        ("loaded_preset", None, b"generic".to_vec()),
        ("map_name", None, b"device".to_vec()),
        ("file", Some("datto.csv"), csv.clone()),
        ("confirm", None, b"1".to_vec()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("value=\"hostname\""),
        "the preset's columns are loaded"
    );
    assert!(
        r.text.contains("Import these 1 records"),
        "the previewed file is carried"
    );
    // The carried file imports without choosing it again.
    let content = safeharbor_testkit::between(
        &r.text,
        "<textarea name=\"content\" hidden aria-hidden=\"true\">",
        "</textarea>",
    )
    .unwrap();
    let r = send(vec![
        ("_csrf", None, b.csrf.clone().into_bytes()),
        ("kind", None, b"devices".to_vec()),
        ("preset", None, b"datto_rmm".to_vec()),
        ("loaded_preset", None, b"datto_rmm".to_vec()),
        ("map_name", None, b"hostname".to_vec()),
        ("map_last_seen", None, b"lastSeen".to_vec()),
        ("map_os", None, b"operatingSystem".to_vec()),
        ("file_name", None, b"datto.csv".to_vec()),
        ("content", None, content.into_bytes()),
        ("confirm", None, b"1".to_vec()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence"))
        .await;
    assert!(
        list.text.contains("Device inventory (RMM import)"),
        "{}",
        list.text
    );
}

#[tokio::test]
async fn a_stored_file_lost_from_disk_is_a_clear_server_error_and_shows_on_the_status() {
    let app = spawn_app().await;
    let bytes = pdf(2048);
    let r = upload(&app, "Firewall review", "fw.pdf", &bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let sha = hex::encode(Sha256::digest(&bytes));
    std::fs::remove_file(app.blobs.blob_path(&sha).unwrap()).unwrap();

    let r = app
        .get_as("alpha_member", &format!("{ALPHA}/evidence/{id}/content"))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert_eq!(r.code(), "stored_file_missing", "{}", r.text);
    assert!(r.text.contains("restore"), "says what to do: {}", r.text);
    assert!(!r.text.contains(&sha), "no internals: {}", r.text);
    // Audited, and on the organization's status until the file is back.
    let audit = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/audit-events?action=evidence.file_missing"),
        )
        .await;
    assert_eq!(
        audit.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        audit.text
    );
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let page = app.page_get(&b, "/orgs/alpha-clinic").await;
    assert!(
        page.text.contains("1 stored file missing or altered"),
        "{}",
        page.text
    );
    // Another organization's status is untouched.
    let beta = app.page_sign_in("beta.admin@example.com").await;
    let page = app.page_get(&beta, "/orgs/beta-clinic").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("missing or altered"), "{}", page.text);
}
