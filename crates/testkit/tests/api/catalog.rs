use reqwest::{Method, StatusCode};
use safeharbor_testkit::spawn_app;
use serde_json::json;

fn shared(name: &str) -> String {
    std::fs::read_to_string(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/regulatory/").to_owned() + name,
    )
    .unwrap()
}

#[tokio::test]
async fn the_catalog_lists_frameworks_and_exports_the_documented_json() {
    let app = spawn_app().await;
    let list = app.get_as("alpha_member", "/api/v1/frameworks").await;
    let keys: Vec<&str> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    for k in [
        "hipaa-security",
        "hipaa-breach",
        "ocr-audit-protocol-2018",
        "nist-csf-2.0",
        "nist-csf-1.1",
        "nist-800-53r5",
        "hipaa-security-nprm-2025",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let nprm = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "hipaa-security-nprm-2025")
        .unwrap();
    assert_eq!(nprm["status"], "proposed, not in force");
    let r = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/export?format=json",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(doc["framework"]["key"], "hipaa-security");
    let reqs = doc["requirements"].as_array().unwrap();
    let risk = reqs
        .iter()
        .find(|x| x["ref"] == "164.308(a)(1)(ii)(A)")
        .unwrap();
    assert_eq!(risk["kind"], "implementation_spec");
    assert_eq!(risk["designation"], "required");
    assert_eq!(risk["parent"], "164.308(a)(1)(i)");
    let std = reqs.iter().find(|x| x["ref"] == "164.312(b)").unwrap();
    assert!(
        std["designation"].is_null(),
        "a standard has no designation"
    );
    assert!(reqs.iter().any(|x| x["kind"] == "key_activity"));
    let csv = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/export?format=csv",
        )
        .await;
    assert!(csv.text.starts_with("ref,title,kind,designation,parent"));
    let oscal = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/export?format=oscal",
        )
        .await;
    assert!(oscal.text.contains("\"oscal-version\": \"1.2.1\""));
    let bad = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/export?format=docx",
        )
        .await;
    assert_eq!(bad.field(), "format");
}

#[tokio::test]
async fn a_requirement_shows_mappings_both_ways_and_the_audit_items_that_test_it() {
    let app = spawn_app().await;
    let r = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/requirements/164.312(a)(2)(iii)",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["requirement"]["title"], "Automatic logoff");
    assert_eq!(r.json["requirement"]["designation"], "addressable");
    assert!(r.json["requirement"]["summary"].as_str().unwrap().len() > 40);
    assert_eq!(r.json["tested_by"][0]["ref"], "S48");
    assert!(r.json["official_text"].is_null(), "not imported yet");
    let ka = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/requirements/164.308(a)(1)(i)%20KA2",
        )
        .await;
    assert_eq!(ka.json["requirement"]["title"], "Conduct Risk Assessment");
    let csf = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/nist-csf-2.0/requirements/ID.RA-01",
        )
        .await;
    let from: Vec<String> = csf.json["mapped_from"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["framework"].as_str().unwrap(),
                m["ref"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        from.iter()
            .any(|x| x == "hipaa-security:164.308(a)(1)(ii)(A)"),
        "mapped from HIPAA: {from:?}"
    );
    let nprm = app
        .get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/requirements/164.312(d)",
        )
        .await;
    assert!(
        nprm.json["mapped_from"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["framework"] == "hipaa-security-nprm-2025"),
        "proposed changes are linked"
    );
    assert_eq!(
        app.get_as(
            "alpha_member",
            "/api/v1/frameworks/hipaa-security/requirements/164.999"
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_finds_by_citation_and_by_words() {
    let app = spawn_app().await;
    let r = app
        .get_as("alpha_member", "/api/v1/requirements?q=164.312(a)")
        .await;
    let refs: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs[0], "164.312(a)(1)", "{refs:?}");
    let r = app
        .get_as(
            "alpha_member",
            "/api/v1/requirements?q=automatic%20logoff&framework=hipaa-security",
        )
        .await;
    assert!(
        r.json
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["ref"] == "164.312(a)(2)(iii)")
    );
    let r = app
        .get_as("alpha_member", "/api/v1/requirements?q=x&framework=nope")
        .await;
    assert_eq!(r.field(), "framework");
}

#[tokio::test]
async fn provider_admins_import_oscal_catalogs_and_versions_are_enforced() {
    let app = spawn_app().await;
    let body = shared("oscal-compass-hipaa-sp800-66r2-catalog.json");
    let post = |token: String, q: &'static str, body: String| {
        let c = app.http.clone();
        let url = format!("{}/api/v1/frameworks/import/oscal{q}", app.base);
        async move {
            c.post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(
        app.seed.user("alpha_admin").token.clone(),
        "?key=compass-hipaa",
        body.clone(),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "client admins cannot import"
    );
    let r = post(
        app.seed.user("padmin").token.clone(),
        "?key=compass-hipaa",
        body.clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let again = post(
        app.seed.user("padmin").token.clone(),
        "?key=compass-hipaa",
        body.clone(),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "same key and version");
    let shipped = post(
        app.seed.user("padmin").token.clone(),
        "?key=nist-csf-2.0",
        body.clone(),
    )
    .await;
    assert_eq!(
        shipped.status(),
        StatusCode::CONFLICT,
        "shipped keys are read-only"
    );
    let mut doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    doc["catalog"]["metadata"]["version"] = json!("9.9.9");
    let newer = doc.to_string();
    let r = post(
        app.seed.user("padmin").token.clone(),
        "?key=compass-hipaa",
        newer,
    )
    .await;
    let status = r.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a new version is accepted: {}",
        r.text().await.unwrap()
    );
    let fw = app
        .get_as("alpha_member", "/api/v1/frameworks/compass-hipaa")
        .await;
    assert_eq!(fw.json["framework"]["version"], "9.9.9");
    assert_eq!(fw.json["framework"]["shipped"], false);
    assert!(fw.json["requirements"].as_array().unwrap().len() >= 126);
    let bad = post(app.seed.user("padmin").token.clone(), "?key=broken", r#"{"catalog": {"metadata": {"title": "T", "version": "1", "oscal-version": "1.1.2"}, "groups": [{"id": "g", "title": "G", "controls": [{"id": "c1"}]}]}}"#.to_owned()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let text = bad.text().await.unwrap();
    assert!(
        text.contains("catalog.groups[0].controls[0].title"),
        "{text}"
    );
    let events = app
        .get_as(
            "padmin",
            "/api/v1/orgs/test-msp/audit-events?action=catalog.",
        )
        .await;
    assert_eq!(
        events.json["items"].as_array().unwrap().len(),
        2,
        "imports are audited: {}",
        events.text
    );
}

#[tokio::test]
async fn the_gap_view_answers_for_every_requirement_and_follows_the_baseline() {
    let app = spawn_app().await;
    let g = app
        .get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/gap")
        .await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    let rows = g.json["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        22 + 43,
        "every standard and implementation specification has a row"
    );
    assert_eq!(g.json["baseline"], "nist-csf-2.0");
    assert_eq!(
        g.json["counts"]["proven"], 1,
        "only the seeded access review is proven (own control, current evidence)"
    );
    assert_eq!(
        g.json["counts"]["related_practiced"], 0,
        "nothing marked yet"
    );
    let risk = rows
        .iter()
        .find(|r| r["ref"] == "164.308(a)(1)(ii)(A)")
        .unwrap();
    assert_eq!(risk["coverage"], "related_not_practiced");
    let targets: Vec<String> = risk["related_not_practiced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ref"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        risk["related_not_practiced"][0]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "each baseline item shows its title: {risk}"
    );
    assert!(targets.contains(&"ID.RA-01".to_owned()), "{targets:?}");
    let specific = rows
        .iter()
        .filter(|r| r["coverage"] == "hipaa_specific")
        .count();
    assert_eq!(
        specific,
        usize::try_from(g.json["counts"]["hipaa_specific"].as_u64().unwrap()).unwrap()
    );

    // The MSP marks what it practices; its clients inherit it.
    let items: Vec<serde_json::Value> = targets
        .iter()
        .map(|t| json!({"ref": t, "status": "practiced"}))
        .collect();
    let put = app
        .send_as(
            "padmin",
            Method::PUT,
            "/api/v1/orgs/test-msp/baseline",
            &json!({"framework": "nist-csf-2.0", "items": items}),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let g = app
        .get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/gap")
        .await;
    assert_eq!(g.json["inherited_from"], "test-msp");
    let risk = g.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ref"] == "164.308(a)(1)(ii)(A)")
        .unwrap()
        .clone();
    assert_eq!(risk["coverage"], "related_practiced", "{risk}");
    assert!(
        risk["coverage_label"]
            .as_str()
            .unwrap()
            .contains("HIPAA-specific documentation and evidence still required"),
        "a mapping alone never meets a requirement: {risk}"
    );
    // A client's own baseline replaces the provider's.
    let put = app.send_as("alpha_admin", Method::PUT, "/api/v1/orgs/alpha-clinic/baseline", &json!({"framework": "nist-csf-2.0", "items": [{"ref": "ID.RA-01", "status": "partial"}]})).await;
    assert_eq!(put.status, StatusCode::NO_CONTENT);
    let g = app
        .get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/gap")
        .await;
    assert!(g.json["inherited_from"].is_null());
    let risk = g.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ref"] == "164.308(a)(1)(ii)(A)")
        .unwrap()
        .clone();
    assert_eq!(risk["coverage"], "related_partial");
    // Only the organization's own control with current evidence proves a requirement.
    let proven = g.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ref"] == "164.308(a)(3)(ii)(B)")
        .unwrap()
        .clone();
    assert_eq!(proven["coverage"], "proven", "{proven}");
    assert_eq!(
        proven["own_controls"][0], "Alpha Clinic quarterly access review",
        "{proven}"
    );
    // Bad marks are refused, naming the item; nothing changes.
    let bad = app.send_as("alpha_admin", Method::PUT, "/api/v1/orgs/alpha-clinic/baseline", &json!({"framework": "nist-csf-2.0", "items": [{"ref": "ZZ.ZZ-99", "status": "practiced"}]})).await;
    assert_eq!(bad.field(), "items[0].ref");
    let bad = app.send_as("alpha_admin", Method::PUT, "/api/v1/orgs/alpha-clinic/baseline", &json!({"framework": "nist-csf-2.0", "items": [{"ref": "ID.RA-01", "status": "sometimes"}]})).await;
    assert_eq!(bad.field(), "items[0].status");
    let bad = app
        .send_as(
            "alpha_admin",
            Method::PUT,
            "/api/v1/orgs/alpha-clinic/baseline",
            &json!({"framework": "hipaa-security", "items": []}),
        )
        .await;
    assert_eq!(bad.field(), "framework");
    let b = app
        .get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/baseline")
        .await;
    assert_eq!(
        b.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| !i["status"].is_null())
            .count(),
        1,
        "the refused changes left the baseline alone"
    );
    let member = app
        .send_as(
            "alpha_member",
            Method::PUT,
            "/api/v1/orgs/alpha-clinic/baseline",
            &json!({"framework": "nist-csf-2.0", "items": []}),
        )
        .await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_gap_view_exports_as_csv_and_pdf() {
    let app = spawn_app().await;
    let csv = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/gap/export?format=csv",
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with("ref,title,kind,designation,coverage"));
    assert_eq!(csv.text.lines().count(), 1 + 65);
    let pdf = app
        .http
        .get(format!(
            "{}/api/v1/orgs/alpha-clinic/gap/export?format=pdf",
            app.base
        ))
        .bearer_auth(&app.seed.user("alpha_admin").token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() > 10_000);
}
