use reqwest::{Method, StatusCode};
use safeharbor_testkit::spawn_app;
use serde_json::json;
use time::Duration;

fn slugs(r: &safeharbor_testkit::Reply) -> Vec<String> {
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_provider_admin_creates_a_client_and_finds_it_in_the_list() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "Gamma Family Practice", "slug": "gamma", "kind": "client"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["slug"], "gamma");
    assert_eq!(r.json["kind"], "client");
    assert_eq!(r.json["hipaa_role"], "covered_entity");
    let list = app.get_as("padmin", "/api/v1/orgs").await;
    assert!(
        list.json.get("next_cursor").is_some(),
        "contract: items and next_cursor"
    );
    for item in list.json["items"].as_array().unwrap() {
        for key in ["slug", "name", "kind"] {
            assert!(item[key].is_string(), "contract: every item has {key}");
        }
    }
    assert!(slugs(&list).contains(&"gamma".to_owned()));
    let one = app.get_as("padmin", "/api/v1/orgs/gamma").await;
    assert_eq!(one.json["name"], "Gamma Family Practice");
}

#[tokio::test]
async fn a_slug_is_derived_from_the_name_when_absent_and_duplicates_conflict() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "Alpha Clinic", "kind": "client"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "alpha-clinic exists: {}",
        r.text
    );
    assert_eq!(r.field(), "slug");
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "Delta Dental Care", "kind": "client"}),
        )
        .await;
    assert_eq!(r.json["slug"], "delta-dental-care");
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "Another", "kind": "provider"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.field(), "kind");
}

#[tokio::test]
async fn the_list_pages_with_a_cursor_and_searches_by_name() {
    let app = spawn_app().await;
    for i in 0..7 {
        let r = app
            .send_as(
                "padmin",
                Method::POST,
                "/api/v1/orgs",
                &json!({"name": format!("Practice {i:02}"), "kind": "client"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/orgs?limit=4".to_owned();
    loop {
        let r = app.get_as("padmin", &path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        seen.extend(slugs(&r));
        match r.json["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/orgs?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        10,
        "provider, alpha, beta and 7 practices, each once: {seen:?}"
    );
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "sorted by name");
    let found = app.get_as("padmin", "/api/v1/orgs?q=PRACTICE%200").await;
    assert_eq!(slugs(&found).len(), 7);
    let clients = app.get_as("padmin", "/api/v1/orgs?kind=provider").await;
    assert_eq!(slugs(&clients), ["test-msp"]);
}

#[tokio::test]
async fn provider_staff_see_only_the_clients_they_are_assigned_to() {
    let app = spawn_app().await;
    let r = app.get_as("pstaff", "/api/v1/orgs").await;
    let mut s = slugs(&r);
    s.sort();
    assert_eq!(s, ["alpha-clinic", "test-msp"]);
    assert_eq!(
        app.get_as("pstaff", "/api/v1/orgs/beta-clinic")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let write = app
        .send_as(
            "pstaff",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/locations",
            &json!({"name": "New Wing"}),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::CREATED,
        "staff work their clients' programs"
    );
    let create = app
        .send_as(
            "pstaff",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "Rogue", "kind": "client"}),
        )
        .await;
    assert_eq!(
        create.status,
        StatusCode::FORBIDDEN,
        "only provider admins create clients"
    );
}

#[tokio::test]
async fn client_users_see_only_their_own_practice_and_cannot_create_clients() {
    let app = spawn_app().await;
    assert_eq!(
        slugs(&app.get_as("alpha_admin", "/api/v1/orgs").await),
        ["alpha-clinic"]
    );
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs",
            &json!({"name": "Rogue", "kind": "client"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn archiving_keeps_the_practice_on_record_read_only_until_restored() {
    let app = spawn_app().await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/orgs/alpha-clinic/archive",
            Some(&app.seed.user("alpha_admin").token),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "client admins cannot archive their practice"
    );
    let r = app
        .call(
            Method::POST,
            "/api/v1/orgs/alpha-clinic/archive",
            Some(&app.seed.user("padmin").token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["archived_at"].is_string());
    assert!(
        !slugs(&app.get_as("padmin", "/api/v1/orgs").await).contains(&"alpha-clinic".to_owned())
    );
    assert!(
        slugs(
            &app.get_as("padmin", "/api/v1/orgs?include_archived=true")
                .await
        )
        .contains(&"alpha-clinic".to_owned())
    );
    assert_eq!(
        app.get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/locations")
            .await
            .status,
        StatusCode::OK,
        "still readable"
    );
    let w = app
        .send_as(
            "alpha_admin",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/locations",
            &json!({"name": "X"}),
        )
        .await;
    assert_eq!(w.status, StatusCode::CONFLICT);
    let r = app
        .call(
            Method::POST,
            "/api/v1/orgs/alpha-clinic/restore",
            Some(&app.seed.user("padmin").token),
            None,
        )
        .await;
    assert!(r.json["archived_at"].is_null());
    let p = app
        .call(
            Method::POST,
            "/api/v1/orgs/test-msp/archive",
            Some(&app.seed.user("padmin").token),
            None,
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::BAD_REQUEST,
        "the provider cannot be archived"
    );
}

#[tokio::test]
async fn auditors_read_but_never_write_and_lose_access_when_it_expires() {
    let app = spawn_app().await;
    assert_eq!(
        app.get_as("alpha_auditor", "/api/v1/orgs/alpha-clinic/locations")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get_as("alpha_auditor", "/api/v1/orgs/alpha-clinic/audit-events")
            .await
            .status,
        StatusCode::OK
    );
    let w = app
        .send_as(
            "alpha_auditor",
            Method::POST,
            "/api/v1/orgs/alpha-clinic/locations",
            &json!({"name": "X"}),
        )
        .await;
    assert_eq!(w.status, StatusCode::FORBIDDEN);
    let denied = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?action=authz.deny",
        )
        .await;
    assert_eq!(
        denied.json["items"].as_array().unwrap().len(),
        1,
        "the denial is recorded: {}",
        denied.text
    );
    app.clock.advance(Duration::days(31));
    // Access over: the auditor's token reaches nothing, the organization included.
    assert_eq!(
        app.get_as("alpha_auditor", "/api/v1/orgs/alpha-clinic")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn locations_are_created_listed_updated_and_archived() {
    let app = spawn_app().await;
    let base = "/api/v1/orgs/alpha-clinic/locations";
    let r = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"name": "Westside Clinic", "kind": "clinic", "address": "9 West St"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let dup = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"name": "westside  clinic"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.field(), "name");
    let bad = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"name": "X", "kind": "castle"}),
        )
        .await;
    assert_eq!(bad.field(), "kind");
    let upd = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            &format!("{base}/{id}"),
            &json!({"address": ""}),
        )
        .await;
    assert!(upd.json["address"].is_null(), "empty clears: {}", upd.text);
    let member = app
        .send_as(
            "alpha_member",
            Method::PATCH,
            &format!("{base}/{id}"),
            &json!({"name": "Nope"}),
        )
        .await;
    assert_eq!(
        member.status,
        StatusCode::FORBIDDEN,
        "the workforce reads, does not write"
    );
    let arch = app
        .call(
            Method::POST,
            &format!("{base}/{id}/archive"),
            Some(&app.seed.user("alpha_admin").token),
            None,
        )
        .await;
    assert!(arch.json["archived_at"].is_string());
    let names: Vec<_> = app.get_as("alpha_member", base).await.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Alpha Clinic Main"]);
    let again = app
        .send_as(
            "alpha_admin",
            Method::POST,
            base,
            &json!({"name": "Westside Clinic"}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CREATED,
        "an archived name can be reused"
    );
    let malformed = app
        .get_as("alpha_admin", &format!("{base}/not-an-id"))
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.field(), "location_id");
}
