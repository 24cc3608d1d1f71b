use reqwest::{Method, StatusCode};
use safeharbor_core::Settings;
use safeharbor_core::auth::totp;
use safeharbor_testkit::{PASSWORD, spawn_app, spawn_app_with};
use serde_json::json;
use time::Duration;

fn creds(email: &str, password: &str) -> serde_json::Value {
    json!({"email": email, "password": password})
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_the_session() {
    let app = spawn_app().await;
    let mut origin = reqwest::header::HeaderMap::new();
    origin.insert(reqwest::header::ORIGIN, app.base.parse().unwrap());
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(origin)
        .build()
        .unwrap();
    let r = app
        .send(
            &c,
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("alpha.admin@example.com", PASSWORD)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("sh_session=shs_"), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    assert_eq!(r.json["idle_timeout_secs"], 900);
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/me", None, None)
            .await
            .json["email"],
        "alpha.admin@example.com"
    );
    assert_eq!(
        app.send(&c, Method::DELETE, "/api/v1/session", None, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_session_token_is_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("alpha.admin@example.com", PASSWORD)),
        )
        .await;
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    let token = cookie
        .trim_start_matches("sh_session=")
        .split(';')
        .next()
        .unwrap();
    let store = app.db.backend.store();
    assert!(
        store.find_session(token).await.unwrap().is_none(),
        "raw token must not be a stored key"
    );
    assert!(
        store
            .find_session(&safeharbor_core::auth::secret::digest(token))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("alpha.admin@example.com", "not-the-password")),
        )
        .await;
    let unknown = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("nobody@example.com", "not-the-password")),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.json["error"]["code"], unknown.json["error"]["code"]);
    assert_eq!(
        wrong.json["error"]["message"],
        unknown.json["error"]["message"]
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_the_lock_passes() {
    let app = spawn_app().await;
    let email = "alpha.member@example.com";
    for _ in 0..5 {
        let r = app
            .call(
                Method::POST,
                "/api/v1/session",
                None,
                Some(&creds(email, "wrong-password-x")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds(email, PASSWORD)),
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is refused while locked"
    );
    assert!(locked.headers.contains_key("retry-after"));
    // An unknown address locks the same way, so locking reveals nothing.
    for _ in 0..5 {
        app.call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("ghost@example.com", "wrong-password-x")),
        )
        .await;
    }
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("ghost@example.com", "x"))
        )
        .await
        .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(Duration::minutes(16));
    let r = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds(email, PASSWORD)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let events = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?action=session.fail",
        )
        .await;
    assert_eq!(
        events.json["items"].as_array().unwrap().len(),
        5,
        "each failure is recorded: {}",
        events.text
    );
}

#[tokio::test]
async fn failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(Settings {
        address_lock_threshold: 3,
        ..Settings::default()
    })
    .await;
    for i in 0..3 {
        app.call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds(&format!("user{i}@example.com"), "wrong-password-x")),
        )
        .await;
    }
    let r = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("alpha.admin@example.com", PASSWORD)),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_idle_session_is_logged_off_after_the_timeout_and_the_logoff_is_recorded() {
    let app = spawn_app().await;
    let c = app.browser_signed_in("alpha.admin@example.com").await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::OK,
        "activity within the timeout"
    );
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::OK,
        "the last request reset the idle timer"
    );
    app.clock.advance(Duration::minutes(15));
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let events = app
        .get_as(
            "alpha_admin",
            "/api/v1/orgs/alpha-clinic/audit-events?action=session.timeout",
        )
        .await;
    assert_eq!(
        events.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        events.text
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_timeout_even_when_active() {
    let app = spawn_app().await;
    let c = app.browser_signed_in("alpha.admin@example.com").await;
    for _ in 0..(12 * 6) {
        app.clock.advance(Duration::minutes(10));
        let r = app.send(&c, Method::GET, "/api/v1/me", None, None).await;
        if r.status == StatusCode::UNAUTHORIZED {
            return;
        }
    }
    app.clock.advance(Duration::minutes(10));
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn enroll(app: &safeharbor_testkit::TestApp, c: &reqwest::Client) -> String {
    let e = app
        .send(c, Method::POST, "/api/v1/me/mfa", None, None)
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let secret = e.json["secret"].as_str().unwrap().to_owned();
    assert!(
        e.json["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let bad = app
        .send(
            c,
            Method::POST,
            "/api/v1/me/mfa/confirm",
            None,
            Some(&json!({"code": "000000"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field(), "code");
    let code = totp::code(&secret, totp::step_at(app.clock_now_unix())).unwrap();
    let ok = app
        .send(
            c,
            Method::POST,
            "/api/v1/me/mfa/confirm",
            None,
            Some(&json!({"code": code})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    secret
}

trait ClockExt {
    fn clock_now_unix(&self) -> i64;
}

impl ClockExt for safeharbor_testkit::TestApp {
    fn clock_now_unix(&self) -> i64 {
        use safeharbor_core::clock::Clock;
        self.clock.now().unix_timestamp()
    }
}

#[tokio::test]
async fn after_enrolling_mfa_sign_in_needs_a_fresh_code_that_cannot_be_replayed() {
    let app = spawn_app().await;
    let c = app.browser_signed_in("alpha.admin@example.com").await;
    let secret = enroll(&app, &c).await;
    let no_code = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("alpha.admin@example.com", PASSWORD)),
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_code.code(), "mfa_required");
    app.clock.advance(Duration::seconds(30));
    let code = totp::code(&secret, totp::step_at(app.clock_now_unix())).unwrap();
    let mut body = creds("alpha.admin@example.com", PASSWORD);
    body["totp"] = json!(code);
    assert_eq!(
        app.call(Method::POST, "/api/v1/session", None, Some(&body))
            .await
            .status,
        StatusCode::CREATED
    );
    let replay = app
        .call(Method::POST, "/api/v1/session", None, Some(&body))
        .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "the same code twice is refused"
    );
    assert_eq!(replay.code(), "unauthenticated");
}

#[tokio::test]
async fn an_organization_can_require_mfa_of_its_members() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "alpha_admin",
            Method::PATCH,
            "/api/v1/orgs/alpha-clinic",
            &json!({"require_mfa": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["require_mfa"], true);
    let c = app.browser_signed_in("alpha.member@example.com").await;
    let blocked = app
        .send(&c, Method::GET, "/api/v1/orgs/alpha-clinic", None, None)
        .await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.code(), "mfa_enrollment_required");
    enroll(&app, &c).await;
    assert_eq!(
        app.send(&c, Method::GET, "/api/v1/orgs/alpha-clinic", None, None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn api_tokens_are_shown_once_expire_and_can_be_revoked() {
    let app = spawn_app().await;
    let c = app.browser_signed_in("alpha.admin@example.com").await;
    let created = app
        .send(
            &c,
            Method::POST,
            "/api/v1/me/tokens",
            None,
            Some(&json!({"name": "backup script", "days": 1})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let token = created.json["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sht_"));
    let listed = app
        .send(&c, Method::GET, "/api/v1/me/tokens", None, None)
        .await;
    assert!(
        !listed.text.contains(&token),
        "the list never shows the secret"
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "expired"
    );

    let c = app.browser_signed_in("alpha.admin@example.com").await;
    let second = app
        .send(
            &c,
            Method::POST,
            "/api/v1/me/tokens",
            None,
            Some(&json!({"name": "second"})),
        )
        .await;
    let token2 = second.json["token"].as_str().unwrap().to_owned();
    let id = second.json["id"].as_str().unwrap();
    let revoked = app
        .send(
            &c,
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.json["revoked_at"].is_string());
    let r = app
        .call(Method::GET, "/api/v1/me", Some(&token2), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthenticated");
}

#[tokio::test]
async fn a_token_restricted_to_one_organization_reaches_only_that_one() {
    let app = spawn_app().await;
    let c = app.browser_signed_in("padmin@example.com").await;
    let created = app
        .send(
            &c,
            Method::POST,
            "/api/v1/me/tokens",
            None,
            Some(&json!({"name": "alpha only", "org": "alpha-clinic"})),
        )
        .await;
    let token = created.json["token"].as_str().unwrap().to_owned();
    let list = app
        .call(Method::GET, "/api/v1/orgs", Some(&token), None)
        .await;
    let slugs: Vec<_> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(slugs, ["alpha-clinic"]);
    assert_eq!(
        app.call(Method::GET, "/api/v1/orgs/beta-clinic", Some(&token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/audit-events", Some(&token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn tokens_cannot_mint_tokens() {
    let app = spawn_app().await;
    let r = app
        .send_as(
            "padmin",
            Method::POST,
            "/api/v1/me/tokens",
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = spawn_app().await;
    let a = app.browser_signed_in("alpha.admin@example.com").await;
    let b = app.browser_signed_in("alpha.admin@example.com").await;
    let short = app
        .send(
            &a,
            Method::POST,
            "/api/v1/me/password",
            None,
            Some(&json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(short.field(), "new_password");
    let r = app
        .send(
            &a,
            Method::POST,
            "/api/v1/me/password",
            None,
            Some(
                &json!({"current_password": PASSWORD, "new_password": "a much longer passphrase"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        app.send(&a, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        app.send(&b, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the other ends"
    );
    let old = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(&creds("alpha.admin@example.com", PASSWORD)),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_user_sees_their_sessions_and_ends_one_left_open_elsewhere() {
    let app = spawn_app().await;
    let laptop = app.browser_signed_in("alpha.admin@example.com").await;
    let kiosk = app.browser_signed_in("alpha.admin@example.com").await;
    let list = app
        .send(&laptop, Method::GET, "/api/v1/me/sessions", None, None)
        .await;
    let sessions = list.json.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_users = app.browser_signed_in("beta.admin@example.com").await;
    let r = app
        .send(
            &other_users,
            Method::DELETE,
            &format!("/api/v1/me/sessions/{other}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "another user's session");
    let r = app
        .send(
            &laptop,
            Method::DELETE,
            &format!("/api/v1/me/sessions/{other}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.send(&kiosk, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(&laptop, Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        StatusCode::OK
    );
}
