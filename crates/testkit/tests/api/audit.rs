use reqwest::{Method, StatusCode};
use safeharbor_testkit::{PASSWORD, spawn_app};
use serde_json::json;

#[tokio::test]
async fn every_write_lands_in_the_organizations_trail_with_its_actor() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/locations",
            &json!({"name": "East Clinic"}),
        )
        .await;
    let loc = r.json["id"].as_str().unwrap().to_owned();
    app.send_as(
        "alpha_admin",
        Method::PATCH,
        &format!("/api/v1/orgs/alpha-clinic/locations/{loc}"),
        &json!({"name": "East Clinic 2"}),
    )
    .await;
    let ev = app
        .get_as(
            "alpha_admin",
            &format!("/api/v1/orgs/alpha-clinic/audit-events?entity_id={loc}"),
        )
        .await;
    let items = ev.json["items"].as_array().unwrap();
    let actions: Vec<_> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["location.update", "location.create"],
        "newest first"
    );
    assert!(
        items
            .iter()
            .all(|e| e["actor"] == "alpha.admin@example.com")
    );
    assert!(
        items.iter().all(|e| e["request_id"].is_string()),
        "joinable with the logs"
    );
    assert_eq!(items[0]["prev_hash"], items[1]["hash"], "a chain");
}

#[tokio::test]
async fn sign_ins_and_failures_are_recorded_in_the_users_practice() {
    let app = spawn_app().await;
    app.call(
        Method::POST,
        "/api/v1/session",
        None,
        Some(&json!({"email": "alpha.member@example.com", "password": "wrong-password"})),
    )
    .await;
    app.call(
        Method::POST,
        "/api/v1/session",
        None,
        Some(&json!({"email": "alpha.member@example.com", "password": PASSWORD})),
    )
    .await;
    let ev = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?action=session.",
        )
        .await;
    let actions: Vec<_> = ev.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["session.create", "session.fail"]);
    assert!(
        !ev.text.contains("wrong-password"),
        "passwords never reach the trail"
    );
}

#[tokio::test]
async fn provider_admins_see_every_organizations_events_and_others_do_not() {
    let app = spawn_app().await;
    let all = app.get_as("padmin", "/api/v1/audit-events?limit=200").await;
    assert_eq!(all.status, StatusCode::OK);
    let orgs: std::collections::HashSet<_> = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["org_id"].as_str())
        .collect();
    assert!(orgs.len() >= 3, "provider, alpha and beta events: {orgs:?}");
    assert_eq!(
        app.get_as("alpha_admin", "/api/v1/audit-events")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_as("alpha_member", "/api/v1/orgs/alpha-clinic/audit-events")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_trail_filters_by_actor_action_entity_and_time_and_pages() {
    let app = spawn_app().await;
    let me = app.get_as("alpha_admin", "/api/v1/me").await;
    let uid = me.json["id"].as_str().unwrap().to_owned();
    for i in 0..3 {
        app.send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/locations",
            &json!({"name": format!("Site {i}")}),
        )
        .await;
    }
    let by_actor = app
        .get_as(
            "alpha_admin",
            &format!("/api/v1/orgs/alpha-clinic/audit-events?actor={uid}"),
        )
        .await;
    assert_eq!(by_actor.json["items"].as_array().unwrap().len(), 3);
    let page1 = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?action=location.create&limit=2",
        )
        .await;
    assert_eq!(page1.json["items"].as_array().unwrap().len(), 2);
    let cursor = page1.json["next_cursor"].as_str().unwrap();
    let page2 = app.get_as("alpha_admin", &format!("/api/v1/orgs/alpha-clinic/audit-events?action=location.create&limit=2&cursor={cursor}")).await;
    assert_eq!(
        page2.json["items"].as_array().unwrap().len(),
        2,
        "3 created now + 1 seeded"
    );
    let future = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?from=2030-01-01T00:00:00Z",
        )
        .await;
    assert!(future.json["items"].as_array().unwrap().is_empty());
    let bad = app.get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/audit-events?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z").await;
    assert_eq!(bad.field(), "to");
    let bad = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?actor=bob",
        )
        .await;
    assert_eq!(bad.field(), "actor");
}
