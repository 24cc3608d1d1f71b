//! Helpers that make a seeded draft risk analysis complete, so tests can finalize one: what
//! Safeharbor requires of a risk analysis (`core::sra::checks`), done through the API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::TestApp;

/// The threat categories not covered by the seeded risk (ransomware is adversarial).
const OTHER_CATEGORIES: [&str; 3] = ["accidental", "structural", "environmental"];

/// Makes the seeded draft of `slug` a complete risk analysis through the API as `user` (an
/// administrator of the organization): names the security official (`official_email` may
/// be a member's address), answers every item (implemented and how; the conditional items not
/// applicable with their reason), records the seeded EHR's other threat categories as
/// considered and not relevant, and plans the seeded risk. Sign-off is left to the caller:
/// finalizing as the organization's administrator gives it.
pub async fn complete_sra(app: &TestApp, user: &str, slug: &str, official_email: &str) {
    let area = &app.seed.area[slug];
    let base = format!("/api/v1/orgs/{slug}");
    ok(app
        .send_as(
            user,
            Method::PUT,
            &format!("{base}/profile"),
            &json!({"security_official": "Pat Official", "security_official_email": official_email}),
        )
        .await);
    answer_all(app, user, slug, &area.assessment).await;
    for c in OTHER_CATEGORIES {
        ok(app
            .send_as(
                user,
                Method::PUT,
                &format!("{base}/assets/{}/threat-considerations/{c}", area.asset),
                &json!({"reason": "Hosted by the EHR vendor; covered by its own program"}),
            )
            .await);
    }
    ok(app
        .send_as(
            user,
            Method::POST,
            &format!("{base}/risks/{}/plan", area.risk),
            &json!({"assignee": "Pat Official", "due_date": "2026-12-31"}),
        )
        .await);
}

/// Answers every item of a draft: implemented with how, or not applicable where the catalog
/// allows it.
pub async fn answer_all(app: &TestApp, user: &str, slug: &str, assessment: &str) {
    let base = format!("/api/v1/orgs/{slug}/assessments/{assessment}");
    let detail = app.get_as(user, &base).await;
    let items = detail.json["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 65, "{}", detail.text);
    for it in items {
        let reference = it["ref"].as_str().unwrap_or_default().to_owned();
        let body = if it["not_applicable_when"].is_string() {
            json!({"status": "not_applicable", "reason": "The condition does not hold here"})
        } else {
            json!({"status": "implemented", "implementation": "Written procedure, followed and reviewed yearly"})
        };
        ok(app
            .send_as(
                user,
                Method::PUT,
                &format!("{base}/responses/{reference}"),
                &body,
            )
            .await);
    }
}

fn ok(r: crate::Reply) -> Value {
    assert!(
        matches!(
            r.status,
            StatusCode::OK | StatusCode::CREATED | StatusCode::NO_CONTENT
        ),
        "{}: {}",
        r.status,
        r.text
    );
    r.json
}
