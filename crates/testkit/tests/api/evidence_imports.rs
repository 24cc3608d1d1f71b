//! Automated evidence through the API: RMM device inventories with a column mapping, backup
//! results and osquery output become dated evidence and finding tasks; bad files save nothing.

use reqwest::StatusCode;
use safeharbor_testkit::{Reply, TestApp, spawn_app};
use serde_json::Value;
use time::Duration;

const ALPHA: &str = "/api/v1/orgs/alpha-clinic";

async fn import(app: &TestApp, kind: &str, query: &str, body: &str) -> Reply {
    let res = app
        .http
        .post(format!(
            "{}{ALPHA}/evidence/imports/{kind}?{query}",
            app.base
        ))
        .bearer_auth(&app.seed.user("alpha_admin").token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
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

async fn import_tasks(app: &TestApp) -> Vec<Value> {
    app.get_as("alpha_admin", &format!("{ALPHA}/tasks"))
        .await
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["origin_kind"] == "import")
        .cloned()
        .collect()
}

async fn records(app: &TestApp) -> Vec<Value> {
    app.get_as("alpha_admin", &format!("{ALPHA}/evidence"))
        .await
        .json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "record")
        .cloned()
        .collect()
}

const DEVICES: &str = "device,holds_ephi,encryption,patch_status,antivirus,last_seen,os\n\
    FRONT-DESK-1,yes,encrypted,up to date,protected,2026-03-01,Windows 11 Pro\n\
    EXAM-2,yes,not encrypted,up to date,protected,2026-03-01,Windows 11 Pro\n\
    PRINTER-1,no,no,,,2026-02-27,\n";

#[tokio::test]
async fn a_device_inventory_becomes_dated_evidence_and_a_task_per_finding() {
    let app = spawn_app().await;
    let r = import(
        &app,
        "devices",
        "preset=generic&file_name=rmm-export.csv",
        DEVICES,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["records"], 3);
    let codes: Vec<&str> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["device_unencrypted"],
        "only EXAM-2 holds ePHI unencrypted"
    );
    assert_eq!(r.json["findings"][0]["device"], "EXAM-2");
    let ev = &r.json["evidence"];
    assert_eq!(ev["kind"], "record");
    assert_eq!(ev["source"], "device_import");
    assert_eq!(ev["current"]["file_name"], "rmm-export.csv");
    assert_eq!(ev["valid_until"], "2026-05-31", "90 days after the import");
    assert!(
        ev["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["ref"] == "164.312(a)(2)(iv)"),
        "{ev}"
    );
    let tasks = import_tasks(&app).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0]["title"],
        "1 device holding ePHI without disk encryption"
    );
    assert!(tasks[0]["description"].as_str().unwrap().contains("EXAM-2"));
    // The finding is on the practice's status, where its officer looks first.
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let overview = app.page_get(&b, "/orgs/alpha-clinic").await;
    assert!(
        overview
            .text
            .contains("1 device holding ePHI without disk encryption"),
        "the overview lists the finding"
    );
    // The device is fixed; the next import is a second version of the same record and the
    // task closes.
    app.clock.advance(Duration::days(7));
    let fixed = DEVICES.replace("EXAM-2,yes,not encrypted", "EXAM-2,yes,encrypted");
    let r = import(&app, "devices", "preset=generic", &fixed).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["tasks_closed"], 1);
    assert_eq!(r.json["evidence"]["current"]["version"], 2);
    assert_eq!(
        records(&app).await.len(),
        1,
        "one record, a version per import"
    );
    let tasks = import_tasks(&app).await;
    assert_eq!(tasks[0]["status"], "done");
}

#[tokio::test]
async fn an_rmm_export_with_its_own_headers_is_read_through_an_edited_mapping() {
    let app = spawn_app().await;
    let csv = "Computer,Has PHI,BitLocker,Patches,AV,Seen\n\
        LAB-PC,Yes,Off,Missing,Not running,3/1/2026 9:15 AM\n";
    // Without a mapping for the name, the file cannot be read: the error names what to choose.
    let r = import(&app, "devices", "preset=generic", csv).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = import(
        &app,
        "devices",
        "preset=generic&map_name=Computer&map_ephi=Has%20PHI&map_encryption=BitLocker&map_patch_status=Patches&map_antivirus=AV&map_last_seen=Seen&map_os=",
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mut codes: Vec<&str> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        ["antivirus_missing", "device_unencrypted", "patches_missing"]
    );
    assert_eq!(import_tasks(&app).await.len(), 3);
}

#[tokio::test]
async fn a_bad_row_or_a_dry_run_saves_nothing() {
    let app = spawn_app().await;
    let before = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence"))
        .await
        .json["items"]
        .as_array()
        .unwrap()
        .len();
    let bad = format!("{DEVICES},yes,no,,,2026-03-01,\nEXAM-9,yes,no,,,31/31/2026,\n");
    let r = import(&app, "devices", "preset=generic", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let lines: Vec<u64> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [5, 6], "every bad row, by line: {}", r.text);
    assert!(r.json["evidence"].is_null());
    let r = import(&app, "devices", "preset=generic&dry_run=true", DEVICES).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["findings"].as_array().unwrap().len(), 1, "previewed");
    let after = app
        .get_as("alpha_admin", &format!("{ALPHA}/evidence"))
        .await
        .json["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before, "no evidence saved");
    assert!(import_tasks(&app).await.is_empty(), "no task opened");
    let r = import(&app, "devices", "preset=nosuchtool", DEVICES).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.field(), "preset");
}

#[tokio::test]
async fn backup_results_find_stale_backups_and_missing_restore_tests() {
    let app = spawn_app().await;
    // The fake clock stands at 2026-03-02 14:00 UTC.
    let csv = "job,device,last_success,last_restore_test\n\
        Nightly EHR,EHR-SQL,2026-03-02T02:00:00Z,2025-11-20\n\
        Nightly files,FILES-1,2026-02-27T02:00:00Z,2026-01-10\n\
        Imaging,PACS-1,2026-03-02T01:00:00Z,2024-12-01\n";
    let r = import(&app, "backups", "", csv).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mut found: Vec<(String, String)> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["device"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("backup_stale".to_owned(), "FILES-1".to_owned()),
            ("restore_test_missing".to_owned(), "PACS-1".to_owned())
        ]
    );
    let ev = &r.json["evidence"];
    assert!(
        ev["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["ref"] == "164.308(a)(7)(ii)(A)"),
        "{ev}"
    );
    assert_eq!(import_tasks(&app).await.len(), 2);
}

#[tokio::test]
async fn osquery_results_give_findings_per_host_and_other_json_is_refused() {
    let app = spawn_app().await;
    let log = r#"{"name":"os","hostIdentifier":"RECEPTION-PC","calendarTime":"x","unixTime":1772400000,"columns":{"name":"Microsoft Windows 10 Pro","version":"10.0.19045","build":"19045","platform":"windows"},"action":"added"}
{"name":"bitlocker","hostIdentifier":"RECEPTION-PC","calendarTime":"x","unixTime":1772400000,"columns":{"device_id":"C:","drive_letter":"C:","protection_status":"0"},"action":"added"}
{"name":"os","hostIdentifier":"NURSE-LAPTOP","calendarTime":"x","unixTime":1772400000,"columns":{"name":"Microsoft Windows 11 Pro","version":"10.0.22631","build":"22631","platform":"windows"},"action":"added"}
{"name":"bitlocker","hostIdentifier":"NURSE-LAPTOP","calendarTime":"x","unixTime":1772400000,"columns":{"device_id":"C:","drive_letter":"C:","protection_status":"1"},"action":"added"}
"#;
    let r = import(&app, "osquery", "file_name=osqueryd.results.log", log).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["records"], 2, "two hosts");
    let mut found: Vec<(String, String)> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["device"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("RECEPTION-PC".to_owned(), "disk_unencrypted".to_owned()),
            ("RECEPTION-PC".to_owned(), "os_end_of_life".to_owned())
        ],
        "Windows 10 is past end of support on 2026-03-02; the laptop is fine"
    );
    assert_eq!(
        r.json["evidence"]["current"]["media_type"],
        "application/json"
    );
    let r = import(&app, "osquery", "", r#"{"devices": [{"name": "x"}]}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.field(), "file");
    assert!(r.text.contains("osquery"), "{}", r.text);
    let r = import(&app, "firewall-logs", "", "x").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
