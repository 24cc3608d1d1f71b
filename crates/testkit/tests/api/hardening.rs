//! The defects an outside security test found, each with the test that would have caught it.

use reqwest::{Method, StatusCode};
use safeharbor_testkit::spawn_app;
use serde_json::json;

#[tokio::test]
async fn staff_cannot_deliver_a_control_to_a_client_they_are_not_assigned_to() {
    let app = spawn_app().await;
    let path = "/api/v1/orgs/test-msp/controls";
    let to = |clients: serde_json::Value| json!({"title": "Managed EDR", "provided_to": clients});
    // Beta exists but pstaff is not assigned to it; "no-such-client" does not exist: the same
    // 404, revealing nothing (no id, no slug).
    let beta = app
        .send_as("pstaff", Method::POST, path, &to(json!(["beta-clinic"])))
        .await;
    let none = app
        .send_as("pstaff", Method::POST, path, &to(json!(["no-such-client"])))
        .await;
    assert_eq!(beta.status, StatusCode::NOT_FOUND, "{}", beta.text);
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(beta.code(), none.code());
    assert!(!beta.text.contains("beta"), "{}", beta.text);
    // Nothing reached beta's program.
    let inherited = app
        .get_as("beta_admin", "/api/v1/orgs/beta-clinic/inherited-controls")
        .await;
    assert!(
        !inherited.text.contains("Managed EDR"),
        "{}",
        inherited.text
    );
    // The assigned client is fine; every client takes a provider administrator.
    let alpha = app
        .send_as("pstaff", Method::POST, path, &to(json!(["alpha-clinic"])))
        .await;
    assert_eq!(alpha.status, StatusCode::CREATED, "{}", alpha.text);
    let all = app
        .send_as(
            "pstaff",
            Method::POST,
            path,
            &json!({"title": "Everywhere", "provided_to_all": true}),
        )
        .await;
    assert_eq!(all.status, StatusCode::FORBIDDEN, "{}", all.text);
    let all = app
        .send_as(
            "padmin",
            Method::POST,
            path,
            &json!({"title": "Everywhere", "provided_to_all": true}),
        )
        .await;
    assert_eq!(all.status, StatusCode::CREATED, "{}", all.text);
}

#[tokio::test]
async fn sign_in_never_sends_the_browser_to_another_host() {
    let app = spawn_app().await;
    for next in ["/%5Cevil.example", "//evil.example", "/%09/evil.example"] {
        let page = app
            .http
            .get(format!("{}/login?next={next}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"name="next" value="/""#),
            "{next} must fall back to /: {page}"
        );
    }
}

#[tokio::test]
async fn a_cookie_authenticated_change_must_come_from_this_site() {
    let app = spawn_app().await;
    let browser = app.browser_signed_in("alpha.admin@example.com").await;
    let path = "/api/v1/orgs/alpha-clinic/locations";
    let body = json!({"name": "Annex", "kind": "clinic"});
    // The helper's browser names this site as its origin: accepted.
    let ok = app
        .send(&browser, Method::POST, path, None, Some(&body))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    // Another site's page making the same request with the cookie: refused, nothing stored.
    let url = format!("{}{path}", app.base);
    let foreign = browser
        .post(&url)
        .header("origin", "https://evil.example")
        .json(&json!({"name": "Evil annex", "kind": "clinic"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(foreign.text().await.unwrap().contains("cross_site"));
    let list = app.get_as("alpha_admin", path).await;
    assert!(!list.text.contains("Evil annex"));
    // A bearer token needs no origin: browsers never send one on their own.
    let token = app
        .send_as(
            "alpha_admin",
            Method::POST,
            path,
            &json!({"name": "Token annex", "kind": "clinic"}),
        )
        .await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.text);
}

#[tokio::test]
async fn an_api_token_does_not_bypass_an_organizations_second_factor() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            "/api/v1/orgs/alpha-clinic",
            &json!({"require_mfa": true}),
        )
        .await;
    // The administrator has no second factor either: the change is taken, then their own
    // token stops working there, as every member's does until they enroll.
    assert!(r.status.is_success(), "{}", r.text);
    for user in ["alpha_admin", "alpha_member"] {
        let r = app.get_as(user, "/api/v1/orgs/alpha-clinic/assets").await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::FORBIDDEN, "mfa_enrollment_required"),
            "{user}: {}",
            r.text
        );
    }
    // Another organization without the requirement is unaffected.
    let beta = app
        .get_as("beta_admin", "/api/v1/orgs/beta-clinic/assets")
        .await;
    assert_eq!(beta.status, StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_revokes_every_api_token() {
    let app = spawn_app().await;
    let before = app.get_as("alpha_member", "/api/v1/me").await;
    assert_eq!(before.status, StatusCode::OK);
    let r = app
        .send_as(
            "alpha_member",
            Method::POST,
            "/api/v1/me/password",
            &json!({"current_password": safeharbor_testkit::PASSWORD, "new_password": "another long passphrase"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let after = app.get_as("alpha_member", "/api/v1/me").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
}

#[tokio::test]
async fn an_invited_account_joins_only_when_its_owner_accepts_signed_in() {
    let app = spawn_app().await;
    let added = app
        .send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/members",
            &json!({"email": "beta.admin@example.com", "name": "Bea", "role": "client_member"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let path = added.json["invite_path"].as_str().unwrap().to_owned();
    // The link page asks them to sign in, not to set a password.
    let page = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("already have a Safeharbor account"), "{page}");
    // Someone else signed in cannot use it.
    let other = app.page_sign_in("alpha.member@example.com").await;
    let r = other
        .client
        .post(format!("{}{path}/join", app.base))
        .form(&[("_csrf", other.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The owner accepts and gains access.
    let owner = app.page_sign_in("beta.admin@example.com").await;
    let r = owner
        .client
        .post(format!("{}{path}/join", app.base))
        .form(&[("_csrf", owner.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let fresh = safeharbor_core::auth::token::create_for(
        &app.app,
        &safeharbor_core::Caller::local_operator(),
        "beta.admin@example.com",
        safeharbor_core::auth::token::NewToken {
            name: "t".into(),
            org: None,
            days: Some(1),
        },
    )
    .await
    .unwrap();
    let r = app
        .call(
            Method::GET,
            "/api/v1/orgs/alpha-clinic",
            Some(&fresh.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn an_expired_auditors_token_reaches_nothing_not_even_their_profile() {
    let app = spawn_app().await;
    let me = app.get_as("alpha_auditor", "/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    app.clock.advance(time::Duration::days(31));
    let me = app.get_as("alpha_auditor", "/api/v1/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.text);
}

#[tokio::test]
async fn a_handler_panic_becomes_a_500_with_the_error_body() {
    let res = safeharbor_web::middleware::panic_response(Box::new("boom"));
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "internal");
    assert!(v["error"]["request_id"].is_string());
    assert!(
        !String::from_utf8_lossy(&body).contains("boom"),
        "the panic is not told"
    );
}
