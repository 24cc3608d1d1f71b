//! OSCAL export and import.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken assumption"
)]

use safeharbor_catalog::{Catalog, HIPAA_SECURITY, oscal};
use safeharbor_domain::catalog::{Designation, RequirementKind};
use time::OffsetDateTime;

fn shared(name: &str) -> String {
    std::fs::read_to_string(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/regulatory/").to_owned() + name,
    )
    .unwrap()
}

#[test]
fn the_security_rule_exports_grouped_by_family_and_standard_with_designations() {
    let c = Catalog::shipped().unwrap();
    let doc = oscal::export(&c, HIPAA_SECURITY, OffsetDateTime::UNIX_EPOCH).unwrap();
    assert_eq!(doc["catalog"]["metadata"]["oscal-version"], "1.2.1");
    let groups = doc["catalog"]["groups"].as_array().unwrap();
    let ids: Vec<&str> = groups.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "g-general",
            "g-administrative",
            "g-physical",
            "g-technical",
            "g-organizational",
            "g-documentation"
        ]
    );
    let admin = &groups[1]["groups"][0];
    assert_eq!(admin["class"], "standard");
    let controls = admin["controls"].as_array().unwrap();
    assert_eq!(controls[0]["props"][0]["value"], "164.308(a)(1)(i)");
    let risk = controls
        .iter()
        .find(|c| c["props"][0]["value"] == "164.308(a)(1)(ii)(A)")
        .unwrap();
    assert!(
        risk["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "designation" && p["value"] == "required")
    );
    let parts: Vec<&str> = risk["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(parts.contains(&"overview") && parts.contains(&"guidance"));
}

#[test]
fn an_export_imports_back_with_the_same_requirements() {
    let c = Catalog::shipped().unwrap();
    let doc = oscal::export(&c, HIPAA_SECURITY, OffsetDateTime::UNIX_EPOCH).unwrap();
    let back = oscal::import("export.json", &doc.to_string(), Some("hipaa-copy")).unwrap();
    let controls: Vec<_> = back
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Control)
        .collect();
    assert_eq!(controls.len(), c.requirements(HIPAA_SECURITY).len());
    let spec = controls
        .iter()
        .find(|r| r.reference == "164.312(a)(2)(iv)")
        .unwrap();
    assert_eq!(spec.designation, Some(Designation::Addressable));
    assert!(spec.summary.is_some());
}

#[test]
fn the_shared_oscal_catalogs_import() {
    let hipaa = oscal::import(
        "oscal-compass-hipaa.json",
        &shared("oscal-compass-hipaa-sp800-66r2-catalog.json"),
        None,
    )
    .unwrap();
    assert!(
        hipaa
            .requirements
            .iter()
            .filter(|r| r.kind == RequirementKind::Control)
            .count()
            >= 126,
        "126 controls"
    );
    assert!(!hipaa.framework.key.is_empty());
    let moderate = oscal::import(
        "moderate.json",
        &shared("NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json"),
        Some("sp800-53-moderate"),
    )
    .unwrap();
    let controls = moderate
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Control)
        .count();
    assert_eq!(controls, 177 + 110, "177 controls and 110 enhancements");
    assert!(
        moderate
            .requirements
            .iter()
            .any(|r| r.reference == "AC-2" && r.title == "Account Management")
    );
}
