use reqwest::{Method, StatusCode};
use safeharbor_testkit::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_client_admin_adds_a_member_who_can_then_sign_in() {
    let app = spawn_app().await;
    let base = "/api/v1/orgs/alpha-clinic/members";
    let r = app.send_as("alpha_admin", Method::POST, base, &json!({"email": "Nurse.Joy@Example.com", "name": "Nurse Joy", "role": "client_member", "password": "a long first password"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["email"], "nurse.joy@example.com");
    let signin = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&json!({"email": "nurse.joy@example.com", "password": "a long first password"})),
        )
        .await;
    assert_eq!(signin.status, StatusCode::CREATED);
    let dup = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"email": "nurse.joy@example.com", "name": "Nurse Joy", "role": "client_member"}),
        )
        .await;
    assert_eq!(
        dup.status,
        StatusCode::CONFLICT,
        "already a member here: {}",
        dup.text
    );
    assert_eq!(dup.field(), "email");
    let list = app.get_as("alpha_admin", &format!("{base}?q=joy")).await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn client_admins_cannot_grant_provider_roles_or_reach_other_practices_accounts() {
    let app = spawn_app().await;
    let base = "/api/v1/orgs/alpha-clinic/members";
    let r = app.send_as("alpha_admin", Method::POST, base, &json!({"email": "x@example.com", "name": "X", "role": "provider_admin", "password": "a long first password"})).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "provider_admin is not a client role"
    );
    assert_eq!(r.field(), "role");
    // An account of another practice is not pulled in: it is invited, and nothing in the
    // answer tells it apart from an address with no account (no membership oracle).
    let existing = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"email": "beta.admin@example.com", "role": "client_member"}),
        )
        .await;
    let unknown = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"email": "nobody-yet@example.com", "role": "client_member"}),
        )
        .await;
    assert_eq!(
        (existing.status, existing.field()),
        (unknown.status, unknown.field()),
        "{} / {}",
        existing.text,
        unknown.text
    );
    assert_eq!(
        existing.status,
        StatusCode::BAD_REQUEST,
        "a name is asked of both"
    );
    let existing = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"email": "beta.admin@example.com", "name": "Bea Typed", "role": "client_member"}),
        )
        .await;
    let unknown = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"email": "nobody-yet@example.com", "name": "Nob Typed", "role": "client_member"}),
        )
        .await;
    assert_eq!(existing.status, StatusCode::CREATED, "{}", existing.text);
    assert_eq!(unknown.status, StatusCode::CREATED, "{}", unknown.text);
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&existing.json), keys(&unknown.json));
    assert_eq!(
        existing.json["name"], "Bea Typed",
        "the typed name, not the account's"
    );
    assert_eq!(existing.json["invited"], unknown.json["invited"]);
    assert!(
        existing.json["invite_path"].is_string(),
        "{}",
        existing.text
    );
    // The invited account grants nothing until its owner accepts, signed in as themselves.
    let beta = app.get_as("beta_admin", "/api/v1/orgs/alpha-clinic").await;
    assert_eq!(beta.status, StatusCode::NOT_FOUND);
    let r = app.send_as("alpha_member", Method::POST, base, &json!({"email": "y@example.com", "name": "Y", "role": "client_member", "password": "a long first password"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn auditors_need_an_end_to_their_access() {
    let app = spawn_app().await;
    let base = "/api/v1/orgs/alpha-clinic/members";
    let r = app.send_as("alpha_admin", Method::POST, base, &json!({"email": "aud@example.com", "name": "Aud", "role": "auditor", "password": "a long first password"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.field(), "expires_at");
    let r = app.send_as("alpha_admin", Method::POST, base, &json!({"email": "aud@example.com", "name": "Aud", "role": "auditor", "password": "a long first password", "expires_at": "2026-04-01T00:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app.send_as("alpha_admin", Method::POST, base, &json!({"email": "aud2@example.com", "name": "Aud", "role": "auditor", "password": "a long first password", "expires_at": "yesterday"})).await;
    assert_eq!(r.field(), "expires_at");
}

#[tokio::test]
async fn revoking_a_membership_ends_access_but_keeps_the_record() {
    let app = spawn_app().await;
    let base = "/api/v1/orgs/alpha-clinic/members";
    let list = app
        .get_as("alpha_admin", &format!("{base}?role=client_member"))
        .await;
    let id = list.json["items"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&app.seed.user("alpha_admin").token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["revoked_at"].is_string());
    // Their only membership is gone: their token reaches nothing at all any more.
    assert_eq!(
        app.get_as("alpha_member", "/api/v1/orgs/alpha-clinic")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let all = app
        .get_as(
            "alpha_admin",
            &format!("{base}?include_inactive=true&role=client_member"),
        )
        .await;
    assert_eq!(
        all.json["items"].as_array().unwrap().len(),
        1,
        "kept on record"
    );
}

#[tokio::test]
async fn the_last_provider_admin_cannot_be_removed() {
    let app = spawn_app().await;
    let base = "/api/v1/orgs/test-msp/members";
    let list = app
        .get_as("padmin", &format!("{base}?role=provider_admin"))
        .await;
    let id = list.json["items"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&app.seed.user("padmin").token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .send_as(
            "padmin",
            Method::PATCH,
            &format!("{base}/{id}"),
            &json!({"role": "provider_staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn provider_staff_are_assigned_to_clients_by_provider_admins() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs/beta-clinic/members",
            &json!({"email": "pstaff@example.com", "role": "provider_staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        app.get_as("pstaff", "/api/v1/orgs/beta-clinic")
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs/beta-clinic/members",
            &json!({"email": "alpha.member@example.com", "role": "provider_staff"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "only provider staff can be assigned as staff"
    );
}

#[tokio::test]
async fn a_member_added_without_a_password_sets_their_own_through_a_one_time_link() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/members",
            &json!({"email": "newhire@example.com", "name": "New Hire", "role": "client_member"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["invited"], true);
    let path = r.json["invite_path"].as_str().unwrap().to_owned();
    let token = path.strip_prefix("/invite/").unwrap().to_owned();
    assert!(token.starts_with("shi_"));
    let cannot = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&json!({"email": "newhire@example.com", "password": ""})),
        )
        .await;
    assert_eq!(
        cannot.status,
        StatusCode::UNAUTHORIZED,
        "no password works before acceptance"
    );
    let short = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{token}"),
            None,
            Some(&json!({"password": "short"})),
        )
        .await;
    assert_eq!(short.field(), "password");
    let ok = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{token}"),
            None,
            Some(&json!({"password": "my own long password"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    let again = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{token}"),
            None,
            Some(&json!({"password": "someone elses password"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "the link works once");
    let signin = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&json!({"email": "newhire@example.com", "password": "my own long password"})),
        )
        .await;
    assert_eq!(signin.status, StatusCode::CREATED);
    let list = app
        .get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/members?q=newhire")
        .await;
    assert_eq!(list.json["items"][0]["invited"], false);
    assert!(
        list.json["items"][0].get("invite_path").is_none(),
        "links are shown once"
    );
}

#[tokio::test]
async fn an_expired_invitation_can_be_reissued() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/members",
            &json!({"email": "late@example.com", "name": "Late", "role": "client_member"}),
        )
        .await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let old = r.json["invite_path"]
        .as_str()
        .unwrap()
        .trim_start_matches("/invite/")
        .to_owned();
    app.clock.advance(time::Duration::days(8));
    let expired = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{old}"),
            None,
            Some(&json!({"password": "my own long password"})),
        )
        .await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
    let re = app
        .call(
            Method::POST,
            &format!("/api/v1/orgs/alpha-clinic/members/{id}/invitation"),
            Some(&app.seed.user("alpha_admin").token),
            None,
        )
        .await;
    assert_eq!(re.status, StatusCode::CREATED, "{}", re.text);
    let new = re.json["invite_path"]
        .as_str()
        .unwrap()
        .trim_start_matches("/invite/")
        .to_owned();
    let ok = app
        .call(
            Method::POST,
            &format!("/api/v1/invitations/{new}"),
            None,
            Some(&json!({"password": "my own long password"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT);
    let re = app
        .call(
            Method::POST,
            &format!("/api/v1/orgs/alpha-clinic/members/{id}/invitation"),
            Some(&app.seed.user("alpha_admin").token),
            None,
        )
        .await;
    assert_eq!(
        re.status,
        StatusCode::CONFLICT,
        "nothing to resend once accepted"
    );
}
