//! A finalized risk analysis must be one: each rule of `core::sra::checks` refuses to finalize
//! an analysis an investigator would reject, names the item and what is missing, and stops
//! refusing once it is done.

use reqwest::{Method, StatusCode};
use safeharbor_core::clock::Clock;
use safeharbor_testkit::sra::complete_sra;
use safeharbor_testkit::{Reply, TestApp, spawn_app};
use serde_json::{Value, json};

const ALPHA: &str = "/api/v1/orgs/alpha-clinic";

fn assessment(app: &TestApp) -> String {
    app.seed.area["alpha-clinic"].assessment.clone()
}

async fn finalize(app: &TestApp, user: &str) -> Reply {
    let id = assessment(app);
    app.send_as(
        user,
        Method::POST,
        &format!("{ALPHA}/assessments/{id}/finalize"),
        &Value::Null,
    )
    .await
}

async fn answer(app: &TestApp, reference: &str, body: Value) -> Reply {
    let id = assessment(app);
    app.send_as(
        "alpha_admin",
        Method::PUT,
        &format!("{ALPHA}/assessments/{id}/responses/{reference}"),
        &body,
    )
    .await
}

/// The `field`s of a refusal's details.
fn missing(r: &Reply) -> Vec<String> {
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "incomplete"),
        "{}",
        r.text
    );
    r.json["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect()
}

fn message_of(r: &Reply, field: &str) -> String {
    r.json["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["field"] == field)
        .map_or_else(
            || panic!("no detail for {field}: {}", r.text),
            |d| d["message"].as_str().unwrap().to_owned(),
        )
}

#[tokio::test]
async fn a_complete_analysis_finalizes_and_says_it_passed_the_checks() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["checked"], true);
    assert_eq!(r.json["signed_off_by"], "alpha.admin@example.com");
    assert_eq!(r.json["signed_off_as"], "client administrator");
}

#[tokio::test]
async fn an_empty_inventory_cannot_be_finalized_without_a_confirmed_statement() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    let asset = app.seed.area["alpha-clinic"].asset.clone();
    let archived = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/assets/{asset}/archive"),
            &Value::Null,
        )
        .await;
    assert!(archived.status.is_success(), "{}", archived.text);
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(missing(&r), ["inventory"]);
    assert!(message_of(&r, "inventory").contains("no system that creates, receives"));
    // A statement needs another administrator to confirm it.
    let id = assessment(&app);
    let put = app
        .send_as(
            "alpha_admin",
            Method::PUT,
            &format!("{ALPHA}/assessments/{id}/no-ephi"),
            &json!({"statement": "All records are on paper; the EHR vendor holds every electronic copy"}),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let r = finalize(&app, "alpha_admin").await;
    assert!(message_of(&r, "inventory").contains("not been confirmed"));
    let own = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/assessments/{id}/no-ephi/confirm"),
            &Value::Null,
        )
        .await;
    assert_eq!(
        (own.status, own.field()),
        (StatusCode::BAD_REQUEST, "statement")
    );
    let by_msp = app
        .send_as(
            "padmin",
            Method::POST,
            &format!("{ALPHA}/assessments/{id}/no-ephi/confirm"),
            &Value::Null,
        )
        .await;
    assert_eq!(by_msp.status, StatusCode::NO_CONTENT, "{}", by_msp.text);
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn not_applicable_is_refused_where_an_item_always_applies() {
    let app = spawn_app().await;
    let r = answer(
        &app,
        "164.308(a)(1)(ii)(A)",
        json!({"status": "not_applicable", "reason": "too small"}),
    )
    .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "status"));
    assert!(
        r.text.contains("applies to every organization"),
        "{}",
        r.text
    );
    let r = answer(
        &app,
        "164.308(a)(4)(ii)(A)",
        json!({"status": "not_applicable", "reason": "Not a clearinghouse"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The short citation of a standard reaches it too.
    let r = answer(
        &app,
        "164.308(a)(1)",
        json!({"status": "implemented", "implementation": "Program run with the MSP"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["item"]["ref"], "164.308(a)(1)(i)");
}

#[tokio::test]
async fn an_addressable_decision_must_agree_with_its_status() {
    let app = spawn_app().await;
    let r = answer(
        &app,
        "164.312(a)(2)(iv)",
        json!({"status": "implemented", "decision": "not_reasonable", "reason": "cost"}),
    )
    .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "decision"));
    let r = answer(
        &app,
        "164.312(a)(2)(iv)",
        json!({"status": "partial", "decision": "implemented"}),
    )
    .await;
    assert_eq!((r.status, r.field()), (StatusCode::BAD_REQUEST, "decision"));
    let r = answer(
        &app,
        "164.312(a)(2)(iv)",
        json!({"status": "implemented", "decision": "alternative", "reason": "r", "alternative": "a"}),
    )
    .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::BAD_REQUEST, "alternative_reason")
    );
}

#[tokio::test]
async fn an_addressable_gap_without_a_decision_needs_a_risk_and_a_task() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    let r = answer(&app, "164.312(a)(2)(iv)", json!({"status": "partial"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(missing(&r), ["164.312(a)(2)(iv)"]);
    assert!(message_of(&r, "164.312(a)(2)(iv)").contains("no risk recorded"));
    // A low risk records the gap; without a decision it still needs a task.
    let r = answer(
        &app,
        "164.312(a)(2)(iv)",
        json!({"status": "partial", "make": {"kind": "risk", "likelihood": 2, "impact": 2}}),
    )
    .await;
    let risk = r.json["risk"]["id"].as_str().unwrap().to_owned();
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(missing(&r), ["164.312(a)(2)(iv)"]);
    assert!(message_of(&r, "164.312(a)(2)(iv)").contains("no task"));
    let plan = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/risks/{risk}/plan"),
            &json!({"assignee": "Pat", "due_date": "2026-09-30"}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text);
    assert_eq!(finalize(&app, "alpha_admin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_untreated_risk_above_the_acceptance_threshold_blocks_finalizing() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    let asset = app.seed.area["alpha-clinic"].asset.clone();
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/risks"),
            &json!({"asset_id": asset, "threat_key": "phishing", "vulnerability": "No training", "likelihood": 3, "impact": 5}),
        )
        .await;
    let risk = r.json["id"].as_str().unwrap().to_owned();
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(missing(&r), [format!("risk:{risk}")]);
    assert!(message_of(&r, &format!("risk:{risk}")).contains("no treatment"));
    // Transfer needs to say how.
    let t = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{ALPHA}/risks/{risk}"),
            &json!({"treatment": "transfer"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    let r = finalize(&app, "alpha_admin").await;
    assert!(message_of(&r, &format!("risk:{risk}")).contains("without saying how"));
    // An administrator accepts it with a rationale.
    let acc = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/risks/{risk}/accept"),
            &json!({"rationale": "Cyber insurance and quarterly training make this acceptable"}),
        )
        .await;
    assert_eq!(acc.status, StatusCode::OK, "{}", acc.text);
    assert_eq!(finalize(&app, "alpha_admin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_ephi_system_is_examined_against_every_threat_category() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/assets"),
            &json!({"name": "Nurse laptop", "kind": "laptop", "ephi_role": "stores"}),
        )
        .await;
    let laptop = r.json["id"].as_str().unwrap().to_owned();
    let r = finalize(&app, "alpha_admin").await;
    let field = format!("asset:{laptop}");
    assert_eq!(missing(&r), std::slice::from_ref(&field));
    let msg = message_of(&r, &field);
    for c in ["adversarial", "accidental", "structural", "environmental"] {
        assert!(msg.contains(c), "{msg}");
    }
    for c in ["adversarial", "accidental", "structural", "environmental"] {
        let put = app
            .send_as(
                "alpha_admin",
                Method::PUT,
                &format!("{ALPHA}/assets/{laptop}/threat-considerations/{c}"),
                &json!({"reason": "Kept in a locked cart, encrypted, wiped by the MSP"}),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    }
    let bad = app
        .send_as(
            "alpha_admin",
            Method::PUT,
            &format!("{ALPHA}/assets/{laptop}/threat-considerations/cosmic"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.field()),
        (StatusCode::BAD_REQUEST, "category")
    );
    assert_eq!(finalize(&app, "alpha_admin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_implemented_answer_says_how() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    answer(&app, "164.310(b)", json!({"status": "implemented"})).await;
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(missing(&r), ["164.310(b)"]);
    assert!(message_of(&r, "164.310(b)").contains("without saying how"));
    // A control claiming the citation says how.
    let c = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/controls"),
            &json!({"title": "Workstation use policy", "requirement_refs": ["164.310(b)"]}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    assert_eq!(finalize(&app, "alpha_admin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_msp_prepares_but_only_the_practice_signs_off() {
    let app = spawn_app().await;
    complete_sra(
        &app,
        "alpha_admin",
        "alpha-clinic",
        "alpha.member@example.com",
    )
    .await;
    let id = assessment(&app);
    // The MSP's staff cannot finalize alone.
    let r = finalize(&app, "pstaff").await;
    assert_eq!(missing(&r), ["sign_off"]);
    let sign = |user: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            app.send_as(
                user,
                Method::POST,
                &format!("{ALPHA}/assessments/{id}/sign-off"),
                &Value::Null,
            )
            .await
        }
    };
    assert_eq!(sign("pstaff").await.status, StatusCode::FORBIDDEN);
    assert_eq!(sign("padmin").await.status, StatusCode::FORBIDDEN);
    // The security official signs off even as a plain member of the practice.
    let s = sign("alpha_member").await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    assert_eq!(s.json["capacity"], "security official");
    // A later change voids the sign-off.
    answer(
        &app,
        "164.310(b)",
        json!({"status": "implemented", "implementation": "Changed after sign-off"}),
    )
    .await;
    let r = finalize(&app, "pstaff").await;
    assert_eq!(missing(&r), ["sign_off"]);
    assert!(message_of(&r, "sign_off").contains("changed after it was signed off"));
    let ready = app
        .get_as("pstaff", &format!("{ALPHA}/assessments/{id}/readiness"))
        .await;
    assert_eq!(ready.json["sign_off"], "stale");
    assert_eq!(sign("alpha_admin").await.status, StatusCode::CREATED);
    let details = app
        .send_as(
            "pstaff",
            Method::PUT,
            &format!("{ALPHA}/assessments/{id}/details"),
            &json!({"prepared_by": "Sam Staff, Test MSP"}),
        )
        .await;
    assert_eq!(details.status, StatusCode::NO_CONTENT);
    // The details changed what was signed: the practice signs again, then the MSP finalizes.
    assert_eq!(sign("alpha_admin").await.status, StatusCode::CREATED);
    let fin = finalize(&app, "pstaff").await;
    assert_eq!(fin.status, StatusCode::OK, "{}", fin.text);
    assert_eq!(fin.json["finalized_by"], "pstaff@example.com");
    assert_eq!(fin.json["signed_off_by"], "alpha.admin@example.com");
    assert_eq!(fin.json["prepared_by"], "Sam Staff, Test MSP");
}

#[tokio::test]
async fn an_inherited_claim_that_the_inventory_contradicts_must_be_answered_by_the_practice() {
    let app = spawn_app().await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    let c = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs/test-msp/controls",
            &json!({"title": "MFA on every system", "requirement_refs": ["164.312(d)"], "provided_to_all": true}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    let asset = app.seed.area["alpha-clinic"].asset.clone();
    let u = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{ALPHA}/assets/{asset}"),
            &json!({"mfa": "no"}),
        )
        .await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.text);
    // The practice's own answer withdrawn: the MSP's claim stands alone against the inventory.
    answer(&app, "164.312(d)", json!({"status": ""})).await;
    let r = finalize(&app, "alpha_admin").await;
    assert_eq!(missing(&r), ["164.312(d)"]);
    let msg = message_of(&r, "164.312(d)");
    assert!(msg.contains("provided by the MSP"), "{msg}");
    assert!(msg.contains("Alpha Clinic EHR"), "{msg}");
    answer(
        &app,
        "164.312(d)",
        json!({"status": "partial", "make": {"kind": "risk", "likelihood": 1, "impact": 4}}),
    )
    .await;
    assert_eq!(finalize(&app, "alpha_admin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_report_states_what_the_data_shows_and_the_breach_rule_as_it_is() {
    let app = spawn_app().await;
    let id = assessment(&app);
    let path = format!("{ALPHA}/assessments/{id}/report?format=pdf");
    // A draft over an empty inventory says so, and never that systems were inventoried.
    let asset = app.seed.area["alpha-clinic"].asset.clone();
    app.send_as(
        "alpha_admin",
        Method::POST,
        &format!("{ALPHA}/assets/{asset}/archive"),
        &Value::Null,
    )
    .await;
    let empty = app.pdf_text("alpha_admin", &path).await;
    assert!(
        empty.contains("The asset inventory lists no system that creates, receives, maintains or transmits ePHI: this analysis does not yet cover the organization's ePHI."),
        "{empty}"
    );
    assert!(!empty.contains("inventoried"), "{empty}");
    app.send_as(
        "alpha_admin",
        Method::POST,
        &format!("{ALPHA}/assets/{asset}/restore"),
        &Value::Null,
    )
    .await;
    complete_sra(&app, "alpha_admin", "alpha-clinic", "pat@example.com").await;
    assert_eq!(finalize(&app, "alpha_admin").await.status, StatusCode::OK);
    let text = app.pdf_text("alpha_admin", &path).await;
    for expected in [
        "Security risk analysis",
        "The inventory lists 1 asset at 1 location; 1 of them create, receive, maintain or transmit ePHI.",
        "3 threat categories are recorded as considered and not relevant",
        "65 of the 65 Security Rule standards and implementation specifications are answered",
        // The breach rule, stated correctly under the impact scale.
        "a breach of unsecured PHI is notified to each affected individual without unreasonable delay and no later than 60 days after discovery (164.404)",
        "The Secretary of HHS is notified at the same time when 500 or more individuals are affected, otherwise in the annual log",
        "only when more than 500 residents of one State or jurisdiction are affected (164.406)",
        // Safeharbor's own period, labelled as such.
        "current for 12 months: a default setting of this installation, not a term of the rule",
        // Participants and the practice's approval apart from the preparer.
        "Pat Official",
        "signed off as client administrator",
        // Current security measures per item and per risk; the plan names the risk it treats.
        "Written procedure, followed and reviewed yearly",
        "Treats",
        "Risk: Ransomware (No offline backup) on Alpha Clinic EHR",
    ] {
        assert!(text.contains(expected), "missing \"{expected}\" in: {text}");
    }
    assert!(
        !text.contains("reportable only in the annual log"),
        "{text}"
    );
    assert!(!text.contains("Finalized before these checks"), "{text}");
}

#[tokio::test]
async fn an_analysis_finalized_before_the_checks_is_flagged_and_not_current() {
    let app = spawn_app().await;
    let id = assessment(&app);
    // Finalized the old way: a snapshot with no checks version, written as the old code did.
    let view = safeharbor_core::sra::view(
        &app.app,
        &safeharbor_core::Caller::local_operator(),
        "alpha-clinic",
        safeharbor_domain::ids::AssessmentId::parse(&id).unwrap(),
    )
    .await
    .unwrap();
    let mut doc = view.doc;
    doc.assessment.status = safeharbor_domain::risk::AssessmentStatus::Final;
    let now = app.clock.now();
    doc.assessment.finalized_at = Some(now);
    doc.assessment.finalized_by = Some("old@example.com".into());
    let snapshot = serde_json::to_string(&doc).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(snapshot.as_bytes()))
    };
    let micros = i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap();
    let sql = "UPDATE assessment SET status = 'final', finalized_at = $1, finalized_by = 'old@example.com', \
               snapshot = $2, snapshot_sha256 = $3 WHERE period = '2026' AND status = 'draft'";
    match &app.db.backend {
        safeharbor::Backend::Sqlite(s) => {
            sqlx::query(sql)
                .bind(micros)
                .bind(&snapshot)
                .bind(&sha)
                .execute(s.pool())
                .await
                .unwrap();
        }
        safeharbor::Backend::Postgres(s) => {
            sqlx::query(sql)
                .bind(micros)
                .bind(&snapshot)
                .bind(&sha)
                .execute(s.pool())
                .await
                .unwrap();
        }
    }
    let st = app.get_as("alpha_admin", &format!("{ALPHA}/sra")).await;
    assert_eq!(st.json["currency"], "unchecked", "{}", st.text);
    assert!(
        st.json["label"]
            .as_str()
            .unwrap()
            .contains("New analysis needed")
    );
    let a = app
        .get_as("alpha_admin", &format!("{ALPHA}/assessments/{id}"))
        .await;
    assert_eq!(a.json["assessment"]["checked"], false);
    assert_eq!(
        a.json["snapshot_verified"], true,
        "still readable and intact"
    );
    let text = app
        .pdf_text(
            "alpha_admin",
            &format!("{ALPHA}/assessments/{id}/report?format=pdf"),
        )
        .await;
    assert!(text.contains("Finalized before these checks"), "{text}");
    let list = app.get_as("padmin", "/api/v1/orgs?kind=client").await;
    let alpha = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "alpha-clinic")
        .unwrap()
        .clone();
    assert_eq!(alpha["sra_currency"], "unchecked");
}
