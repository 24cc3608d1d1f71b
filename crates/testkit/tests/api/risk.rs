//! The security risk analysis through the API: inventory and CSV import, the register and
//! its rules, the questionnaire and its lock, currency, provider inheritance, reports.

use reqwest::{Method, StatusCode};
use safeharbor_core::Settings;
use safeharbor_core::clock::Clock;
use safeharbor_domain::risk::RiskThresholds;
use safeharbor_testkit::{Reply, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use time::Duration;

const ALPHA: &str = "/api/v1/orgs/alpha-clinic";

async fn csv(app: &TestApp, user: &str, path: &str, body: &str) -> Reply {
    let res = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&app.seed.user(user).token)
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

async fn count(app: &TestApp, path: &str) -> usize {
    let r = app.get_as("alpha_admin", path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.json["items"]
        .as_array()
        .or(r.json.as_array())
        .map_or(0, Vec::len)
}

async fn post(app: &TestApp, user: &str, path: &str, body: Value) -> Reply {
    app.send_as(user, Method::POST, path, &body).await
}

#[tokio::test]
async fn assets_are_listed_with_items_and_next_cursor_and_filtered() {
    let app = spawn_app().await;
    for i in 0..7 {
        let r = post(
            &app,
            "alpha_admin",
            &format!("{ALPHA}/assets"),
            json!({"name": format!("Workstation {i:02}"), "kind": "workstation", "ephi_role": if i % 2 == 0 { "processes" } else { "none" }, "location": "Alpha Clinic Main"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json["location"], "Alpha Clinic Main");
    }
    let p1 = app
        .get_as("alpha_admin", &format!("{ALPHA}/assets?limit=5"))
        .await;
    assert_eq!(p1.json["items"].as_array().unwrap().len(), 5);
    let cursor = p1.json["next_cursor"].as_str().expect("a second page");
    let p2 = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assets?limit=5&cursor={cursor}"),
        )
        .await;
    let names: Vec<&str> = p2.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Workstation 04", "Workstation 05", "Workstation 06"]
    );
    assert!(p2.json["next_cursor"].is_null());
    let ephi = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assets?ephi_only=true&kind=workstation"),
        )
        .await;
    assert_eq!(
        ephi.json["items"].as_array().unwrap().len(),
        4,
        "0, 2, 4, 6 process ePHI; the seeded EHR is not a workstation"
    );
    let dup = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assets"),
        json!({"name": "workstation 03", "kind": "laptop"}),
    )
    .await;
    assert_eq!((dup.status, dup.field()), (StatusCode::CONFLICT, "name"));
    let bad = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assets"),
        json!({"name": "X", "kind": "toaster"}),
    )
    .await;
    assert_eq!((bad.status, bad.field()), (StatusCode::BAD_REQUEST, "kind"));
    assert!(
        bad.text.contains("ehr"),
        "the error lists the kinds: {}",
        bad.text
    );
    let foreign = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assets"),
        json!({"name": "Y", "kind": "ehr", "location": app.seed.beta_location}),
    )
    .await;
    assert_eq!(
        (foreign.status, foreign.field()),
        (StatusCode::BAD_REQUEST, "location")
    );
    assert_eq!(
        count(&app, &format!("{ALPHA}/assets?limit=200")).await,
        8,
        "nothing half-saved"
    );
}

#[tokio::test]
async fn a_csv_import_previews_refuses_bad_rows_whole_and_then_imports() {
    let app = spawn_app().await;
    let url = format!("{ALPHA}/assets/import");
    let good = "Hostname,Device Type,Site,ePHI,BitLocker,Notes,Serial\n\
                FD-PC-01,workstation,Alpha Clinic Main,processes,true,front desk,SN1\n\
                DR-LAPTOP,laptop,,stores,Disabled,,SN2\n";
    let dry = csv(&app, "alpha_admin", &format!("{url}?dry_run=true"), good).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(dry.json["names"], json!(["FD-PC-01", "DR-LAPTOP"]));
    assert_eq!(dry.json["ignored_columns"], json!(["Serial"]));
    assert_eq!(dry.json["created"], 0);
    assert_eq!(
        count(&app, &format!("{ALPHA}/assets")).await,
        1,
        "a dry run saves nothing"
    );

    let bad = "name,kind,location,encryption_at_rest\n\
               Good one,server,,yes\n\
               Bad kind,toaster,,yes\n\
               Somewhere,server,Mars Office,yes\n\
               Good one,server,,no\n\
               Weird,server,,perhaps\n";
    let r = csv(&app, "alpha_admin", &url, bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let errors: Vec<(u64, &str)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (3, "kind"),
            (4, "location"),
            (5, "name"),
            (6, "encryption_at_rest")
        ]
    );
    assert!(
        r.json["errors"][2]["message"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{}",
        r.text
    );
    assert_eq!(
        count(&app, &format!("{ALPHA}/assets")).await,
        1,
        "no partial import"
    );

    let done = csv(&app, "alpha_admin", &url, good).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.json["created"], 2);
    let list = app
        .get_as("alpha_admin", &format!("{ALPHA}/assets?q=laptop"))
        .await;
    assert_eq!(list.json["items"][0]["encryption_at_rest"], "no");
    assert_eq!(list.json["items"][0]["ephi_role"], "stores");
    let again = csv(&app, "alpha_admin", &url, good).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "existing names are refused"
    );
    let no_header = csv(&app, "alpha_admin", &url, "just,some\nvalues,here\n").await;
    assert_eq!(
        (no_header.status, no_header.field()),
        (StatusCode::BAD_REQUEST, "file")
    );
    let message = no_header.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("\"name\" column"), "{message}");
    let member = csv(&app, "alpha_member", &url, good).await;
    assert_eq!(
        member.status,
        StatusCode::FORBIDDEN,
        "the workforce reads the inventory but does not import"
    );
}

#[tokio::test]
async fn ratings_outside_one_to_five_and_foreign_assets_are_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let asset = &app.seed.area["alpha-clinic"].asset;
    let url = format!("{ALPHA}/risks");
    let base = json!({"asset_id": asset, "threat_key": "ransomware", "vulnerability": "No offline backup", "likelihood": 3, "impact": 4});
    for (patch, field) in [
        (json!({"likelihood": 0}), "likelihood"),
        (json!({"likelihood": 6}), "likelihood"),
        (json!({"impact": 6}), "impact"),
        (json!({"residual_likelihood": 2}), "residual_impact"),
        (
            json!({"asset_id": app.seed.area["beta-clinic"].asset}),
            "asset_id",
        ),
        (json!({"due_date": "31/12/2026"}), "due_date"),
        (json!({"status": "accepted"}), "status"),
    ] {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = post(&app, "alpha_admin", &url, body).await;
        assert_eq!(
            (r.status, r.field()),
            (StatusCode::BAD_REQUEST, field),
            "{patch}: {}",
            r.text
        );
        assert!(
            !r.text.contains(&app.seed.area["beta-clinic"].asset),
            "never echoes another tenant's id"
        );
    }
    assert_eq!(count(&app, &url).await, 1, "only the seeded risk");
    let ok = post(&app, "alpha_admin", &url, base).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(
        (
            ok.json["inherent_score"].as_u64(),
            ok.json["inherent_level"].as_str()
        ),
        (Some(12), Some("high"))
    );
    assert_eq!(
        ok.json["threat"], "Ransomware",
        "the library names the threat"
    );
    let id = ok.json["id"].as_str().unwrap();
    let bad_patch = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{url}/{id}"),
            &json!({"impact": 9}),
        )
        .await;
    assert_eq!(bad_patch.field(), "impact");
    let still = app.get_as("alpha_admin", &format!("{url}/{id}")).await;
    assert_eq!(
        still.json["impact"], 4,
        "a refused change keeps the stored value"
    );
    let patched = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{url}/{id}"),
            &json!({"residual_likelihood": 1, "residual_impact": 4, "treatment": "mitigate"}),
        )
        .await;
    assert_eq!(
        (
            patched.json["residual_score"].as_u64(),
            patched.json["residual_level"].as_str()
        ),
        (Some(4), Some("low"))
    );
}

#[tokio::test]
async fn the_matrix_thresholds_are_set_per_installation() {
    let app = spawn_app_with(Settings {
        risk_thresholds: RiskThresholds::new(2, 4, 6).unwrap(),
        ..Settings::default()
    })
    .await;
    let r = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/risks/{}", app.seed.area["alpha-clinic"].risk),
        )
        .await;
    assert_eq!(
        (
            r.json["inherent_score"].as_u64(),
            r.json["inherent_level"].as_str()
        ),
        (Some(15), Some("critical")),
        "15 is high by default, critical here"
    );
}

#[tokio::test]
async fn accepting_a_risk_takes_an_administrator_and_a_rationale() {
    let app = spawn_app().await;
    let id = &app.seed.area["alpha-clinic"].risk;
    let url = format!("{ALPHA}/risks/{id}/accept");
    let staff = post(&app, "pstaff", &url, json!({"rationale": "fine"})).await;
    assert_eq!(
        staff.status,
        StatusCode::FORBIDDEN,
        "provider staff may work the register but not accept"
    );
    let member = post(&app, "alpha_member", &url, json!({"rationale": "fine"})).await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
    let empty = post(&app, "alpha_admin", &url, json!({"rationale": "  "})).await;
    assert_eq!(
        (empty.status, empty.field()),
        (StatusCode::BAD_REQUEST, "rationale")
    );
    let open = app
        .get_as("alpha_admin", &format!("{ALPHA}/risks/{id}"))
        .await;
    assert_eq!(open.json["status"], "open", "nothing changed");
    let ok = post(&app, "alpha_admin", &url, json!({"rationale": "Offline backups planned with the next budget; compensating: daily cloud copies"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(
        (ok.json["status"].as_str(), ok.json["treatment"].as_str()),
        (Some("accepted"), Some("accept"))
    );
    assert_eq!(ok.json["accepted_by"], "alpha.admin@example.com");
    let by_padmin = post(
        &app,
        "padmin",
        &format!("{ALPHA}/risks/{id}/accept"),
        json!({"rationale": "Reviewed by the MSP"}),
    )
    .await;
    assert_eq!(
        by_padmin.status,
        StatusCode::OK,
        "provider administrators may accept too"
    );
    let events = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/audit-events?action=risk.accept"),
        )
        .await;
    assert_eq!(
        events.json["items"].as_array().unwrap().len(),
        2,
        "both acceptances are in the trail"
    );
}

#[tokio::test]
async fn treatments_become_tasks_and_overdue_ones_show_per_client_and_across_the_msp() {
    let app = spawn_app().await;
    let id = &app.seed.area["alpha-clinic"].risk;
    let due = (app.clock.now().date() + Duration::days(10)).to_string();
    let r = post(
        &app,
        "pstaff",
        &format!("{ALPHA}/risks/{id}/plan"),
        json!({"assignee": "Sam", "due_date": due}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["risk"]["status"], "in_treatment");
    assert_eq!(r.json["risk"]["treatment"], "mitigate");
    assert!(
        r.json["task"]["title"]
            .as_str()
            .unwrap()
            .contains("Ransomware")
    );
    assert_eq!(r.json["task"]["origin_ref"], id.as_str());
    let overdue = app
        .get_as("padmin", &format!("{ALPHA}/tasks?overdue=true"))
        .await;
    assert_eq!(overdue.json.as_array().unwrap().len(), 0);
    app.clock.advance(Duration::days(11));
    let overdue = app
        .get_as("padmin", &format!("{ALPHA}/tasks?overdue=true"))
        .await;
    assert_eq!(overdue.json.as_array().unwrap().len(), 1);
    let across = app.get_as("padmin", "/api/v1/tasks/overdue").await;
    assert_eq!(across.json[0]["org"], "alpha-clinic");
    let beta = app.get_as("beta_admin", "/api/v1/tasks/overdue").await;
    assert_eq!(
        beta.json,
        json!([]),
        "another client's overdue work is not shown"
    );
    let orgs = app.get_as("padmin", "/api/v1/orgs?kind=client").await;
    let alpha = orgs.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "alpha-clinic")
        .unwrap();
    assert_eq!(alpha["overdue_tasks"], 1);
    let task = r.json["task"]["id"].as_str().unwrap();
    let done = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{ALPHA}/tasks/{task}"),
            &json!({"status": "done"}),
        )
        .await;
    assert!(done.json["completed_at"].is_string());
    let trend = app
        .get_as("alpha_admin", &format!("{ALPHA}/risk-trend"))
        .await;
    assert!(!trend.json.as_array().unwrap().is_empty());
}

async fn answer(app: &TestApp, user: &str, id: &str, reference: &str, body: Value) -> Reply {
    app.send_as(
        user,
        Method::PUT,
        &format!("{ALPHA}/assessments/{id}/responses/{reference}"),
        &body,
    )
    .await
}

#[tokio::test]
async fn the_questionnaire_connects_gaps_to_the_register_and_locks_when_finalized() {
    let app = spawn_app().await;
    let id = app.seed.area["alpha-clinic"].assessment.clone();
    let detail = app
        .get_as("alpha_admin", &format!("{ALPHA}/assessments/{id}"))
        .await;
    let items = detail.json["items"].as_array().unwrap().clone();
    assert_eq!(
        items.len(),
        65,
        "every standard and implementation specification"
    );
    // Addressable decisions need their explanation; required specifications take none.
    let r = answer(
        &app,
        "alpha_admin",
        &id,
        "164.312(a)(2)(iv)",
        json!({"status": "not_implemented", "decision": "not_reasonable"}),
    )
    .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "reason"));
    let r = answer(
        &app,
        "alpha_admin",
        &id,
        "164.308(a)(1)(ii)(A)",
        json!({"status": "implemented", "decision": "implemented"}),
    )
    .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "decision"));
    let r_risk = answer(&app, "alpha_admin", &id, "164.312(a)(2)(iv)", json!({"status": "partial", "decision": "alternative",
        "reason": "Encrypting the imaging modality's disk would void its certification",
        "alternative": "Full-disk encryption on laptops; servers in a locked cage",
        "alternative_reason": "The cage and its access log give equivalent protection on site",
        "make": {"kind": "risk", "likelihood": 3, "impact": 4, "asset_id": app.seed.area["alpha-clinic"].asset}})).await;
    assert_eq!(r_risk.status, StatusCode::OK, "{}", r_risk.text);
    assert_eq!(
        r_risk.json["risk"]["source"],
        "assessment:164.312(a)(2)(iv)"
    );
    assert_eq!(r_risk.json["item"]["decision"], "alternative");
    let r = answer(
        &app,
        "alpha_admin",
        &id,
        "164.308(a)(5)(ii)(A)",
        json!({"status": "not_implemented", "make": {"kind": "task", "assignee": "Olivia"}}),
    )
    .await;
    assert_eq!(r.json["task"]["origin_kind"], "assessment");
    let r = answer(
        &app,
        "alpha_admin",
        &id,
        "164.308(a)(5)(ii)(B)",
        json!({"status": "implemented", "make": {"kind": "task"}}),
    )
    .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::BAD_REQUEST, "make"),
        "only gaps become work"
    );
    assert_eq!(count(&app, &format!("{ALPHA}/risks")).await, 2);
    assert_eq!(count(&app, &format!("{ALPHA}/tasks")).await, 2);
    // Finalizing needs a risk analysis that is one: it names what is missing.
    let early = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assessments/{id}/finalize"),
        json!(null),
    )
    .await;
    assert_eq!(
        (early.status, early.json["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("incomplete")),
        "{}",
        early.text
    );
    let missing = early.json["error"]["details"].as_array().unwrap();
    assert_eq!(
        missing
            .iter()
            .filter(|d| d["message"]
                .as_str()
                .unwrap()
                .ends_with("not answered yet."))
            .count(),
        63,
        "{}",
        early.text
    );
    let made_risk = r_risk.json["risk"]["id"].as_str().unwrap().to_owned();
    safeharbor_testkit::sra::complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com")
        .await;
    let planned = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/risks/{made_risk}/plan"),
        json!({"assignee": "Pat", "due_date": "2026-12-31"}),
    )
    .await;
    assert_eq!(planned.status, StatusCode::CREATED, "{}", planned.text);
    let fin = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assessments/{id}/finalize"),
        json!(null),
    )
    .await;
    assert_eq!(fin.status, StatusCode::OK, "{}", fin.text);
    assert_eq!(fin.json["status"], "final");
    assert_eq!(fin.json["finalized_by"], "alpha.admin@example.com");
    assert_eq!(fin.json["snapshot_sha256"].as_str().unwrap().len(), 64);
    // Locked: answers and a second finalize are refused; the snapshot verifies.
    let late = answer(
        &app,
        "alpha_admin",
        &id,
        "164.308(a)(1)(ii)(A)",
        json!({"status": "not_implemented"}),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    let view = app
        .get_as("alpha_admin", &format!("{ALPHA}/assessments/{id}"))
        .await;
    assert_eq!(view.json["snapshot_verified"], true);
    let first = view.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ref"] == "164.308(a)(1)(ii)(A)")
        .unwrap()
        .clone();
    assert_eq!(first["status"], "implemented");
    // The snapshot is frozen: later register changes do not alter the finalized report.
    post(&app, "alpha_admin", &format!("{ALPHA}/risks"), json!({"asset_group": "All laptops", "threat_key": "lost-stolen-device", "vulnerability": "No tracking", "likelihood": 2, "impact": 3})).await;
    let csv_after = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assessments/{id}/report?format=csv&part=risks"),
        )
        .await;
    assert_eq!(
        csv_after.text.lines().count(),
        3,
        "header and the two risks of the snapshot: {}",
        csv_after.text
    );
    // Next period starts from a copy.
    let next = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assessments"),
        json!({"period": "2027"}),
    )
    .await;
    assert_eq!(next.status, StatusCode::CREATED, "{}", next.text);
    assert_eq!(next.json["copied_from"], id.as_str());
    let nid = next.json["id"].as_str().unwrap();
    let copy = app
        .get_as("alpha_admin", &format!("{ALPHA}/assessments/{nid}"))
        .await;
    let answered = copy.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["status"].is_null())
        .count();
    assert_eq!(answered, 65);
    let same = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assessments"),
        json!({"period": "2028"}),
    )
    .await;
    assert_eq!(
        (same.status, same.field()),
        (StatusCode::CONFLICT, "period"),
        "one draft at a time"
    );
}

#[tokio::test]
async fn the_database_refuses_to_change_a_finalized_assessment() {
    let app = spawn_app().await;
    let id = &app.seed.area["alpha-clinic"].assessment;
    let sql = "UPDATE assessment SET status = 'final', finalized_at = 1, snapshot = '{}' WHERE period = '2026'";
    let change = "UPDATE assessment_response SET notes = 'rewritten'";
    let insert = "INSERT INTO assessment_response (assessment_id, org_id, requirement_ref, status, updated_at, updated_by) \
                  SELECT assessment_id, org_id, 'x', 'implemented', 1, 'x' FROM assessment WHERE period = '2026'";
    let reopen = "UPDATE assessment SET status = 'draft'";
    let _ = id;
    let run = |q: &'static str| {
        let b = app.db.backend.clone();
        async move {
            match &b {
                safeharbor::Backend::Sqlite(s) => {
                    sqlx::query(q).execute(s.pool()).await.map(|_| ())
                }
                safeharbor::Backend::Postgres(s) => {
                    sqlx::query(q).execute(s.pool()).await.map(|_| ())
                }
            }
        }
    };
    answer(
        &app,
        "alpha_admin",
        id,
        "164.308(a)(1)(i)",
        json!({"status": "implemented"}),
    )
    .await;
    run(sql).await.expect("a draft can be finalized");
    assert!(
        run(change).await.is_err(),
        "responses of a final assessment cannot be edited"
    );
    assert!(run(insert).await.is_err(), "nor added to");
    assert!(run(reopen).await.is_err(), "nor the assessment reopened");
}

async fn sra_state(app: &TestApp) -> String {
    // A fresh token: the clock moves past the seeded tokens' lifetime.
    let t = safeharbor_core::auth::token::create_for(
        &app.app,
        &safeharbor_core::Caller::local_operator(),
        &app.seed.user("alpha_admin").email,
        safeharbor_core::auth::token::NewToken {
            name: "t".into(),
            org: None,
            days: Some(30),
        },
    )
    .await
    .unwrap();
    let r = app
        .call(Method::GET, &format!("{ALPHA}/sra"), Some(&t.token), None)
        .await;
    r.json["currency"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.text))
        .to_owned()
}

#[tokio::test]
async fn currency_follows_finalization_significant_changes_and_time() {
    let app = spawn_app().await;
    assert_eq!(sra_state(&app).await, "missing");
    let id = app.seed.area["alpha-clinic"].assessment.clone();
    safeharbor_testkit::sra::complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com")
        .await;
    let fin = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assessments/{id}/finalize"),
        json!(null),
    )
    .await;
    assert_eq!(fin.status, StatusCode::OK, "{}", fin.text);
    assert_eq!(sra_state(&app).await, "current");
    let list = app.get_as("padmin", "/api/v1/orgs?kind=client").await;
    let alpha = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "alpha-clinic")
        .unwrap()
        .clone();
    assert_eq!(alpha["sra_currency"], "current", "the MSP home shows it");
    app.clock.advance(Duration::days(330));
    assert_eq!(sra_state(&app).await, "due_soon");
    app.clock.advance(Duration::days(40));
    assert_eq!(sra_state(&app).await, "overdue");
    app.clock.advance(Duration::days(-300));
    // An ordinary asset change does not count; a significant one does.
    post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assets"),
        json!({"name": "Spare mouse", "kind": "other"}),
    )
    .await;
    assert_eq!(sra_state(&app).await, "current");
    post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/assets"),
        json!({"name": "New cloud EHR", "kind": "ehr", "ephi_role": "stores", "significant": true}),
    )
    .await;
    assert_eq!(sra_state(&app).await, "invalidated");
}

#[tokio::test]
async fn provider_controls_are_inherited_read_only_by_the_clients_they_serve() {
    let app = spawn_app().await;
    let provider = "/api/v1/orgs/test-msp";
    let all = post(&app, "padmin", &format!("{provider}/controls"), json!({"title": "Managed backup", "requirement_refs": ["164.308(a)(7)(ii)(A)"], "provided_to_all": true})).await;
    assert_eq!(all.status, StatusCode::CREATED, "{}", all.text);
    let beta_only = post(&app, "padmin", &format!("{provider}/controls"), json!({"title": "SD-WAN encryption", "requirement_refs": ["164.312(e)(1)"], "provided_to": ["beta-clinic"]})).await;
    assert_eq!(beta_only.status, StatusCode::CREATED, "{}", beta_only.text);
    let bad_ref = post(
        &app,
        "padmin",
        &format!("{provider}/controls"),
        json!({"title": "X", "requirement_refs": ["164.999(z)"]}),
    )
    .await;
    assert_eq!(bad_ref.field(), "requirement_refs");
    let client_delivers = post(
        &app,
        "alpha_admin",
        &format!("{ALPHA}/controls"),
        json!({"title": "X", "provided_to_all": true}),
    )
    .await;
    assert_eq!(client_delivers.field(), "provided_to");

    let inherited = app
        .get_as("alpha_admin", &format!("{ALPHA}/inherited-controls"))
        .await;
    let titles: Vec<&str> = inherited
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Managed backup"],
        "alpha gets what is delivered to all, not beta's"
    );
    assert_eq!(inherited.json[0]["provider"], "Test MSP");
    let id = &app.seed.area["alpha-clinic"].assessment;
    let view = app
        .get_as("alpha_admin", &format!("{ALPHA}/assessments/{id}"))
        .await;
    let item = view.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ref"] == "164.308(a)(7)(ii)(A)")
        .unwrap()
        .clone();
    assert_eq!(item["inherited"][0]["provider"], "Test MSP");
    assert_eq!(
        (item["status"].clone(), item["effective_status"].clone()),
        (Value::Null, json!("implemented"))
    );
    // The client cannot change the provider's control.
    let cid = all.json["id"].as_str().unwrap();
    let edit = app
        .send_as(
            "alpha_admin",
            Method::PUT,
            &format!("{provider}/controls/{cid}"),
            &json!({"title": "Hijacked"}),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_library_suggests_threats_for_an_asset_and_organizations_add_their_own() {
    let app = spawn_app().await;
    let asset = &app.seed.area["alpha-clinic"].asset;
    let s = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assets/{asset}/suggestions"),
        )
        .await;
    let list = s.json.as_array().unwrap();
    assert!(
        list.iter()
            .any(|x| x["threat_key"] == "ransomware" && x["vulnerability"].is_string())
    );
    assert!(
        list.iter()
            .all(|x| x["threat_key"] != "improper-disposal" || x["vulnerability"].is_string())
    );
    let seeded = list
        .iter()
        .find(|x| x["threat_key"] == "ransomware" && x["in_register"] == true);
    assert!(
        seeded.is_none(),
        "the seeded risk names its own vulnerability, not a library one"
    );
    let first = list
        .iter()
        .find(|x| x["threat_key"] == "hacking")
        .unwrap()
        .clone();
    let add = post(&app, "alpha_admin", &format!("{ALPHA}/risks"), json!({"asset_id": asset, "threat_key": "hacking", "vulnerability": first["vulnerability"], "likelihood": first["likelihood"], "impact": first["impact"]})).await;
    assert_eq!(add.status, StatusCode::CREATED);
    let again = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assets/{asset}/suggestions"),
        )
        .await;
    assert!(
        again
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["vulnerability"] == first["vulnerability"] && x["in_register"] == true)
    );
    let custom = post(&app, "alpha_admin", &format!("{ALPHA}/threats"), json!({"name": "Toner courier mix-up", "category": "accidental", "asset_kinds": ["ehr"], "vulnerabilities": ["Printouts left in the courier bin"]})).await;
    assert_eq!(custom.status, StatusCode::CREATED, "{}", custom.text);
    let mine = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assets/{asset}/suggestions"),
        )
        .await;
    assert!(
        mine.json
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["vulnerability"] == "Printouts left in the courier bin")
    );
    let beta_threats = app
        .get_as("beta_admin", "/api/v1/orgs/beta-clinic/threats")
        .await;
    assert!(
        !beta_threats.text.contains("Toner courier"),
        "custom threats stay in their organization"
    );
    let bad = post(&app, "alpha_admin", &format!("{ALPHA}/threats"), json!({"name": "X", "category": "cosmic", "asset_kinds": ["ehr"], "vulnerabilities": ["v"]})).await;
    assert_eq!(bad.field(), "category");
}

#[tokio::test]
async fn the_report_renders_as_pdf_and_csv() {
    let app = spawn_app().await;
    let id = &app.seed.area["alpha-clinic"].assessment;
    let pdf = app
        .get_as("alpha_admin", &format!("{ALPHA}/assessments/{id}/report"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.text.starts_with("%PDF-"), "a PDF");
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    for (part, header) in [
        ("risks", "id,asset,threat"),
        ("assets", "name,kind,location"),
        ("questionnaire", "ref,title,safeguard"),
        ("plan", "title,assignee"),
    ] {
        let r = app
            .get_as(
                "alpha_member",
                &format!("{ALPHA}/assessments/{id}/report?format=csv&part={part}"),
            )
            .await;
        assert!(r.text.starts_with(header), "{part}: {}", r.text);
    }
    let bad = app
        .get_as(
            "alpha_admin",
            &format!("{ALPHA}/assessments/{id}/report?format=docx"),
        )
        .await;
    assert_eq!(bad.field(), "format");
}

#[tokio::test]
async fn the_heat_map_counted_in_the_database_matches_the_register() {
    let app = spawn_app().await;
    let url = format!("{ALPHA}/risks");
    for (l, i, residual, status) in [
        (5, 5, Some((2, 2)), "open"),
        (5, 5, None, "open"),
        (1, 3, Some((1, 1)), "in_treatment"),
        (4, 2, None, "closed"),
    ] {
        let mut body = json!({"asset_group": "All", "threat_key": "phishing", "vulnerability": format!("v{l}{i}{status}"), "likelihood": l, "impact": i, "status": status});
        if let Some((rl, ri)) = residual {
            body["residual_likelihood"] = json!(rl);
            body["residual_impact"] = json!(ri);
        }
        assert_eq!(
            post(&app, "alpha_admin", &url, body).await.status,
            StatusCode::CREATED
        );
    }
    let op = safeharbor_core::Caller::local_operator();
    let counted = safeharbor_core::risks::heat(&app.app, &op, "alpha-clinic")
        .await
        .unwrap();
    let all = safeharbor_core::risks::all(&app.app, &op, "alpha-clinic")
        .await
        .unwrap();
    assert_eq!(
        counted.inherent,
        safeharbor_core::risks::heat_map(&all, false)
    );
    assert_eq!(
        counted.current,
        safeharbor_core::risks::heat_map(&all, true)
    );
    assert_eq!(
        counted.total(),
        4,
        "the seeded risk and three new ones; the closed one is left out"
    );
    assert_eq!(counted.inherent[4][4], 2);
    assert_eq!((counted.current[4][4], counted.current[1][1]), (1, 1));
}
