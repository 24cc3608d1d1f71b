//! The cross-tenant matrix: for every route in the inventory, someone from another
//! organization gets 404 (never 403, never data), and the inventory covers every route.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use safeharbor_testkit::inventory::{Reach, api_routes, undocumented_routes};
use safeharbor_testkit::{TestApp, spawn_app};

#[test]
fn the_inventory_lists_every_route_of_the_api() {
    let doc = safeharbor_web::api::openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        for (m, present) in ops {
            if present {
                documented.insert(format!("{m} {path}"));
            }
        }
    }
    let listed: BTreeSet<String> = api_routes()
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from testkit::inventory: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "inventory lists routes the API does not have: {stale:?}"
    );
}

/// Ids of `slug`'s resources, for filling `{id}`.
async fn ids_of(app: &TestApp, slug: &str, admin: &str) -> (String, String) {
    let loc = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/locations"))
        .await
        .json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mem = app
        .get_as(
            admin,
            &format!("/api/v1/orgs/{slug}/members?role=client_admin"),
        )
        .await
        .json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (loc, mem)
}

fn fill(path: &str, slug: &str, loc: &str, member: &str, token: &str, session: &str) -> String {
    let id = if path.contains("/locations/") {
        loc
    } else if path.contains("/members/") {
        member
    } else if path.contains("/sessions/") {
        session
    } else {
        token
    };
    path.replace("{slug}", slug)
        .replace("{id}", id)
        .replace("{token}", "shi_unknown")
}

async fn assert_hidden(app: &TestApp, intruder: &str, slug: &str, admin: &str, victim: &str) {
    let (loc, member) = ids_of(app, slug, admin).await;
    let token_id = app.get_as(admin, "/api/v1/me/tokens").await.json[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let victim_browser = app.browser_signed_in(&app.seed.user(admin).email).await;
    let sessions = app
        .send(
            &victim_browser,
            Method::GET,
            "/api/v1/me/sessions",
            None,
            None,
        )
        .await;
    let session_id = sessions.json[0]["id"].as_str().unwrap().to_owned();
    for case in api_routes() {
        let path = fill(case.path, slug, &loc, &member, &token_id, &session_id);
        let token = app.seed.user(intruder).token.clone();
        let r = app
            .call(case.method.clone(), &path, Some(&token), case.body.as_ref())
            .await;
        match case.reach {
            Reach::Org => {
                assert_eq!(
                    r.status,
                    StatusCode::NOT_FOUND,
                    "{intruder} -> {} {path}: {}",
                    case.method,
                    r.text
                );
                assert_eq!(r.code(), "not_found");
                for secret in [slug, loc.as_str(), member.as_str()] {
                    assert!(
                        !r.text.contains(secret),
                        "{} {path} leaks {secret}",
                        case.method
                    );
                }
            }
            Reach::OwnUser if case.path.contains("{id}") => {
                assert_eq!(
                    r.status,
                    StatusCode::NOT_FOUND,
                    "{intruder} -> {} {path}: another user's token",
                    case.method
                );
            }
            Reach::Installation if case.method == Method::GET => {
                assert!(
                    !r.text.contains(slug),
                    "{intruder} -> GET {path} shows {slug}: {}",
                    r.text
                );
            }
            Reach::Installation => {
                // Provider staff are members of the provider: they may be refused (403);
                // anyone else must not learn the route exists.
                let refused = r.status == StatusCode::NOT_FOUND
                    || (intruder == "pstaff" && r.status == StatusCode::FORBIDDEN);
                assert!(refused, "{intruder} -> {} {path}: {}", case.method, r.text);
            }
            Reach::OwnUser | Reach::Public | Reach::Shared => {}
        }
    }
    // Nothing changed for the victim.
    let org = app.get_as(admin, &format!("/api/v1/orgs/{slug}")).await;
    assert!(
        org.json["name"].as_str().unwrap().ends_with("Clinic"),
        "{victim}'s organization untouched: {}",
        org.text
    );
    assert!(org.json["archived_at"].is_null());
    let l = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/locations/{loc}"))
        .await;
    assert!(l.json["archived_at"].is_null() && l.json["name"].as_str().unwrap().ends_with("Main"));
    let m = app
        .get_as(
            admin,
            &format!("/api/v1/orgs/{slug}/members?role=client_admin"),
        )
        .await;
    assert_eq!(
        m.json["items"][0]["id"],
        member.as_str(),
        "membership untouched"
    );
}

#[tokio::test]
async fn another_practices_admin_gets_404_on_every_route() {
    let app = spawn_app().await;
    assert_hidden(&app, "beta_admin", "alpha-clinic", "alpha_admin", "alpha").await;
}

#[tokio::test]
async fn every_role_of_one_practice_gets_404_on_another_practices_routes() {
    let app = spawn_app().await;
    for intruder in ["alpha_admin", "alpha_member", "alpha_auditor"] {
        assert_hidden(&app, intruder, "beta-clinic", "beta_admin", "beta").await;
    }
}

#[tokio::test]
async fn provider_staff_get_404_on_clients_they_are_not_assigned_to() {
    let app = spawn_app().await;
    assert_hidden(&app, "pstaff", "beta-clinic", "beta_admin", "beta").await;
}

#[tokio::test]
async fn the_routes_outside_the_document_answer() {
    let app = spawn_app().await;
    for case in undocumented_routes() {
        let r = app.call(case.method, case.path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", case.path);
    }
}
