//! The web pages, driven over HTTP as a browser would (forms, cookies, redirects).

use std::collections::BTreeSet;

use reqwest::StatusCode;
use safeharbor_core::clock::Clock;
use safeharbor_testkit::inventory::{Reach, page_routes};
use safeharbor_testkit::{TestApp, between, spawn_app};
use time::Duration;

#[test]
fn the_page_inventory_lists_every_registered_page() {
    let (_, registered) = safeharbor_web::ui::router();
    let registered: BTreeSet<String> = registered
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let listed: BTreeSet<String> = page_routes()
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "pages missing from testkit::inventory::page_routes: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "inventory lists pages the server does not have: {stale:?}"
    );
}

async fn location_and_member(app: &TestApp, slug: &str, admin: &str) -> (String, String) {
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

fn fill(app: &TestApp, path: &str, slug: &str, loc: &str, mem: &str) -> String {
    let area = &app.seed.area[slug];
    let id = if path.contains("/members/") {
        mem
    } else if path.contains("/assets/") {
        &area.asset
    } else if path.contains("/risks/") {
        &area.risk
    } else if path.contains("/sra/") {
        &area.assessment
    } else if path.contains("/tasks/") {
        &area.task
    } else if path.contains("/evidence/") {
        &area.evidence
    } else {
        loc
    };
    path.replace("{slug}", slug)
        .replace("{id}", id)
        .replace("{token}", "shi_x")
        .replace("{*path}", "app.css")
        .replace("{key}", "hipaa-security")
        .replace("{ref}", "164.308(a)(1)(ii)(A)")
        .replace("{category}", "environmental")
}

#[tokio::test]
async fn every_page_renders_for_a_provider_admin() {
    let app = spawn_app().await;
    let b = app.page_sign_in("padmin@example.com").await;
    let (loc, mem) = location_and_member(&app, "alpha-clinic", "alpha_admin").await;
    for case in page_routes()
        .into_iter()
        .filter(|c| c.method == "GET" && c.reach != Reach::Public)
        // Pages behind a one-time token need a real one (the invitation tests open them).
        .filter(|c| !c.path.contains("{token}"))
    {
        let path = fill(&app, case.path, "alpha-clinic", &loc, &mem);
        let r = app.page_get(&b, &path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}");
        if !path.contains(".csv") && !path.contains(".pdf") && !path.ends_with("/content") {
            assert!(
                r.text.contains("<main id=\"main\""),
                "GET {path} has the main landmark"
            );
            assert!(r.text.contains("<h1"), "GET {path} has a heading");
            assert!(
                r.text.contains("Alpha Clinic") || !path.starts_with("/orgs/alpha-clinic"),
                "GET {path} names the current client"
            );
        }
    }
}

#[tokio::test]
async fn another_practices_pages_answer_404_and_change_nothing() {
    let app = spawn_app().await;
    let (loc, mem) = location_and_member(&app, "alpha-clinic", "alpha_admin").await;
    for intruder in ["beta.admin@example.com", "pstaff@example.com"] {
        let (slug, l, m) = if intruder.starts_with("pstaff") {
            let (l, m) = location_and_member(&app, "beta-clinic", "beta_admin").await;
            ("beta-clinic", l, m)
        } else {
            ("alpha-clinic", loc.clone(), mem.clone())
        };
        let b = app.page_sign_in(intruder).await;
        for case in page_routes().into_iter().filter(|c| c.reach == Reach::Org) {
            let path = fill(&app, case.path, slug, &l, &m);
            let r = if case.method == "GET" {
                app.page_get(&b, &path).await
            } else {
                app.page_post(
                    &b,
                    &path,
                    &[
                        ("name", "Hijacked"),
                        ("role", "client_admin"),
                        ("email", "x@example.com"),
                        ("kind", "clinic"),
                        ("hipaa_role", "covered_entity"),
                    ],
                )
                .await
            };
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{intruder}: {} {path}",
                case.method
            );
            assert!(
                !r.text.contains(slug),
                "{intruder}: {} {path} shows the slug",
                case.method
            );
        }
    }
    let org = app.get_as("alpha_admin", "/api/v1/orgs/alpha-clinic").await;
    assert_eq!(org.json["name"], "Alpha Clinic");
    let l = app
        .get_as(
            "alpha_admin",
            &format!("/api/v1/orgs/alpha-clinic/locations/{loc}"),
        )
        .await;
    assert_eq!(l.json["name"], "Alpha Clinic Main");
    assert!(l.json["archived_at"].is_null());
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_the_values_kept_and_nothing_saved() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/locations",
            &[
                ("name", ""),
                ("kind", "office"),
                ("address", "77 Kept Value Rd"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("77 Kept Value Rd"),
        "the address typed is kept"
    );
    assert!(
        r.text.contains(r#"id="f-name-error""#) && r.text.contains("is required"),
        "the error is next to the field"
    );
    assert!(r.text.contains(r#"aria-invalid="true""#));
    assert!(
        r.text.contains(r#"<option value="office" selected>"#),
        "the kind chosen is kept"
    );
    let long = "x".repeat(201);
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/locations",
            &[("name", &long), ("kind", "clinic")],
        )
        .await;
    assert!(r.text.contains("at most 200 characters"));
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/locations",
            &[("name", "alpha clinic main"), ("kind", "clinic")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("already exists"), "duplicates are named");
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/locations",
            &[("name", "Ok Site"), ("kind", "moon")],
        )
        .await;
    assert!(r.text.contains(r#"id="f-kind-error""#));
    let list = app
        .get_as("alpha_admin", "/api/v1/orgs/alpha-clinic/locations")
        .await;
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        1,
        "nothing was half-saved: {}",
        list.text
    );
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/members",
            &[
                ("email", "not an email"),
                ("name", "Kept Name"),
                ("role", "client_member"),
            ],
        )
        .await;
    assert!(r.text.contains("Kept Name") && r.text.contains(r#"id="f-email-error""#));
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/members",
            &[
                ("email", "aud@example.com"),
                ("name", "Aud"),
                ("role", "auditor"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert!(
        r.text.contains(r#"id="f-expires_on-error""#),
        "auditors need an end date"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let r = b
        .client
        .post(format!("{}/orgs/alpha-clinic/locations", app.base))
        .form(&[("name", "Forged"), ("kind", "clinic")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .client
        .post(format!("{}/orgs/alpha-clinic/locations", app.base))
        .form(&[("name", "Forged"), ("kind", "clinic"), ("_csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let list = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/locations?q=forged",
        )
        .await;
    assert!(list.json["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn adding_a_location_redirects_with_a_message_shown_once() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/locations",
            &[
                ("name", "Riverside <b>Clinic</b>"),
                ("kind", "clinic"),
                ("address", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.page_get(&b, "/orgs/alpha-clinic/locations").await;
    assert!(
        page.text
            .contains("Riverside &#60;b&#62;Clinic&#60;/b&#62;")
            || page.text.contains("Riverside &lt;b&gt;Clinic&lt;/b&gt;"),
        "escaped: {}",
        &page.text[..0]
    );
    assert!(
        !page.text.contains("<b>Clinic</b>"),
        "user text is never markup"
    );
    assert!(page.text.contains("class=\"flash ok\""));
    let again = app.page_get(&b, "/orgs/alpha-clinic/locations").await;
    assert!(
        !again.text.contains("class=\"flash ok\""),
        "the message is shown once"
    );
}

#[tokio::test]
async fn signing_in_with_a_wrong_password_keeps_the_email_and_says_so() {
    let app = spawn_app().await;
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = c
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = between(&form, "name=\"_login\" value=\"", "\"").unwrap();
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "alpha.admin@example.com"),
            ("password", "nope"),
            ("next", "/"),
            ("_login", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(body.contains("value=\"alpha.admin@example.com\""));
    assert!(body.contains("do not match an account"));
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "alpha.admin@example.com"),
            ("password", "x"),
            ("_login", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "the sign-in form carries its own CSRF check"
    );
}

#[tokio::test]
async fn pages_log_off_after_the_idle_timeout() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    assert_eq!(
        app.page_get(&b, "/orgs/alpha-clinic").await.status,
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(16));
    let r = app.page_get(&b, "/orgs/alpha-clinic").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers.get("location").unwrap(),
        "/login?next=%2Forgs%2Falpha-clinic"
    );
    let page = app.page_get(&b, "/orgs/alpha-clinic").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the session stays ended"
    );
}

#[tokio::test]
async fn the_sign_in_page_explains_an_automatic_logoff() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(format!("{}/login?timeout=1", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r.contains("without activity"));
}

#[tokio::test]
async fn an_invited_member_sets_a_password_on_the_invitation_page_and_signs_in() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    let r = app
        .page_post(
            &b,
            "/orgs/alpha-clinic/members",
            &[
                ("email", "nurse@example.com"),
                ("name", "Nurse Ratched"),
                ("role", "client_member"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let path =
        between(&r.text, "id=\"invite-link\" readonly value=\"", "\"").expect("the link is shown");
    let page = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("nurse@example.com"));
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bad = c
        .post(format!("{}{path}", app.base))
        .form(&[
            ("password", "a fine long password"),
            ("confirm", "different"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let ok = c
        .post(format!("{}{path}", app.base))
        .form(&[
            ("password", "a fine long password"),
            ("confirm", "a fine long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let used = c.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(used.status(), StatusCode::NOT_FOUND, "the link works once");
    let members = app.page_get(&b, "/orgs/alpha-clinic/members").await;
    assert!(members.text.contains("Nurse Ratched"));
}

#[tokio::test]
async fn the_audit_trail_filters_and_exports_csv() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.admin@example.com").await;
    app.page_post(
        &b,
        "/orgs/alpha-clinic/locations",
        &[("name", "=HYPERLINK(\"x\")"), ("kind", "clinic")],
    )
    .await;
    let page = app
        .page_get(
            &b,
            "/orgs/alpha-clinic/audit?action=location.&actor=alpha.admin%40example.com",
        )
        .await;
    assert!(page.text.contains("location.create"));
    assert!(!page.text.contains("session.create"), "filtered by action");
    let bad = app
        .page_get(&b, "/orgs/alpha-clinic/audit?from=yesterday")
        .await;
    assert!(bad.text.contains(r#"id="f-from-error""#));
    let csv = app
        .page_get(&b, "/orgs/alpha-clinic/audit.csv?action=location.")
        .await;
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv.text.starts_with("seq,at,actor"));
    assert!(csv.text.contains("location.create"));
    assert!(
        csv.text.contains("\"'=HYPERLINK") || !csv.text.contains(",=HYPERLINK"),
        "formulas are defused"
    );
    let all = app.page_get(&b, "/audit").await;
    assert_eq!(
        all.status,
        StatusCode::NOT_FOUND,
        "only provider admins see every organization's trail"
    );
}

#[tokio::test]
async fn a_practice_user_lands_on_their_practice_and_mfa_setup_shows_a_qr_code() {
    let app = spawn_app().await;
    let b = app.page_sign_in("alpha.member@example.com").await;
    let home = app.page_get(&b, "/").await;
    assert_eq!(home.headers.get("location").unwrap(), "/orgs/alpha-clinic");
    let setup = app.page_post(&b, "/account/mfa/begin", &[]).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(
        setup.text.contains("<svg"),
        "QR code drawn on the server as SVG"
    );
    let secret = between(&setup.text, "id=\"totp-secret\">", "<").unwrap();
    assert_eq!(secret.len(), 32);
    let code = safeharbor_core::auth::totp::code(
        &secret,
        safeharbor_core::auth::totp::step_at(app.clock.now().unix_timestamp()),
    )
    .unwrap();
    let done = app
        .page_post(
            &b,
            "/account/mfa/confirm",
            &[("code", &code), ("secret", &secret)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let mfa = app.page_get(&b, "/account/mfa").await;
    assert!(mfa.text.contains("Your authenticator app is set up"));
}
