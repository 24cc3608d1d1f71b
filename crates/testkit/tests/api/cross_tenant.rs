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

fn fill(
    app: &TestApp,
    path: &str,
    slug: &str,
    loc: &str,
    member: &str,
    token: &str,
    session: &str,
) -> String {
    let area = app.seed.area.get(slug);
    let pick = |segment: &str, f: fn(&safeharbor_testkit::AreaIds) -> &String| {
        path.contains(segment)
            .then(|| area.map(|a| f(a).as_str()))
            .flatten()
    };
    let id = if let Some(id) = pick("/assets/", |a| &a.asset)
        .or_else(|| pick("/risks/", |a| &a.risk))
        .or_else(|| pick("/assessments/", |a| &a.assessment))
        .or_else(|| pick("/tasks/", |a| &a.task))
        .or_else(|| pick("/controls/", |a| &a.control))
        .or_else(|| pick("/evidence/", |a| &a.evidence))
    {
        id
    } else if path.contains("/locations/") {
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
        .replace("{kind}", "devices")
        .replace("{ref}", "164.308(a)(1)(ii)(A)")
        .replace("{category}", "environmental")
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
        let path = fill(app, case.path, slug, &loc, &member, &token_id, &session_id);
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
                let area = &app.seed.area[slug];
                for secret in [
                    slug,
                    loc.as_str(),
                    member.as_str(),
                    area.asset.as_str(),
                    area.risk.as_str(),
                    area.evidence.as_str(),
                ] {
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
    // The risk analysis too: same asset, same risk, same draft, nothing added.
    let area = &app.seed.area[slug];
    let asset = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/assets/{}", area.asset))
        .await;
    assert!(asset.json["name"].as_str().unwrap().ends_with("EHR"));
    assert!(asset.json["archived_at"].is_null());
    let assets = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/assets"))
        .await;
    assert_eq!(
        assets.json["items"].as_array().unwrap().len(),
        1,
        "no asset added"
    );
    let risk = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/risks/{}", area.risk))
        .await;
    assert_eq!(risk.json["likelihood"], 3);
    assert_eq!(risk.json["status"], "open");
    let risks = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/risks"))
        .await;
    assert_eq!(
        risks.json["items"].as_array().unwrap().len(),
        1,
        "no risk added"
    );
    let assessment = app
        .get_as(
            admin,
            &format!("/api/v1/orgs/{slug}/assessments/{}", area.assessment),
        )
        .await;
    assert_eq!(assessment.json["assessment"]["status"], "draft");
    let items = assessment.json["items"].as_array().unwrap();
    assert!(
        items.iter().all(|i| i["status"].is_null()),
        "no answer recorded"
    );
    let task_list = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/tasks"))
        .await;
    assert_eq!(task_list.json.as_array().unwrap().len(), 1, "no task added");
    assert_eq!(task_list.json[0]["status"], "open");
    let control_list = app
        .get_as(admin, &format!("/api/v1/orgs/{slug}/controls"))
        .await;
    assert_eq!(
        control_list.json.as_array().unwrap().len(),
        1,
        "no control added"
    );
    let title = control_list.json[0]["title"].as_str().unwrap();
    assert!(title.ends_with("quarterly access review"));
    // The evidence locker: one item, one version, same title, not archived.
    let ev = app
        .get_as(
            admin,
            &format!("/api/v1/orgs/{slug}/evidence?archived=true"),
        )
        .await;
    let items = ev.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "no evidence added: {}", ev.text);
    assert!(
        items[0]["title"]
            .as_str()
            .unwrap()
            .ends_with("access review sign-off")
    );
    assert!(items[0]["archived_at"].is_null());
    assert_eq!(items[0]["current"]["version"], 1, "no version added");
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
