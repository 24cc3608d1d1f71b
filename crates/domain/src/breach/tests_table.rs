//! Table tests: each row is a case, one output field, the value the regulation requires there,
//! and the provision that requires it.

use serde_json::{Value, json};
use time::macros::date;

use super::*;

pub(super) const TODAY: Date = date!(2026 - 07 - 15);

/// The determination of `case` as JSON.
pub(super) fn determine(case: &Value) -> Value {
    let out = assess_json(&case.to_string(), TODAY).unwrap_or_else(|e| panic!("{case}: {e}"));
    serde_json::from_str(&out).unwrap()
}

/// Checks each (field, expected, provision) row against the determination of `case`.
pub(super) fn check(case: &Value, rows: &[(&str, Value, &str)]) {
    let out = determine(case);
    for (field, expected, provision) in rows {
        assert_eq!(
            &out[*field], expected,
            "{field} per {provision}\ncase: {case}\nbasis: {}",
            out["basis"]
        );
    }
}

pub(super) fn laptop(extra: &Value) -> Value {
    let mut c = json!({
        "discovered": "2026-03-02", "individuals": 1200, "states": {"CA": 1200},
        "media_type": "laptop", "encrypted": false
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

#[test]
fn a_lost_unencrypted_laptop_with_1200_californians_owes_every_notice_in_60_days() {
    check(
        &laptop(&json!({})),
        &[
            (
                "is_breach",
                json!(true),
                "164.402(2) presumption, 164.402 unsecured PHI",
            ),
            (
                "individuals_by",
                json!("2026-05-01"),
                "164.404(b): 60 calendar days",
            ),
            (
                "media",
                json!(true),
                "164.406(a): more than 500 residents of a State",
            ),
            ("media_states", json!(["CA"]), "164.406(a)"),
            (
                "hhs",
                json!("with_individual_notice"),
                "164.408(b): 500 or more",
            ),
            (
                "hhs_by",
                json!("2026-05-01"),
                "164.408(b): contemporaneously",
            ),
            (
                "ba_to_ce_by",
                Value::Null,
                "164.410 applies only to a business associate",
            ),
            (
                "substitute_notice",
                Value::Null,
                "164.404(d)(2): no contact problem given",
            ),
            ("delay_days_allowed", Value::Null, "164.412: no statement"),
        ],
    );
}

#[test]
fn the_secretary_threshold_sits_between_499_and_500_individuals() {
    let case = |n: u64| json!({"discovered": "2025-06-15", "individuals": n});
    check(
        &case(499),
        &[
            ("individuals_by", json!("2025-08-14"), "164.404(b)"),
            ("hhs", json!("annual_log"), "164.408(c): less than 500"),
            (
                "hhs_by",
                json!("2026-03-01"),
                "164.408(c): 60 days after Dec 31, 2025",
            ),
            (
                "media",
                json!(false),
                "164.406(a): 499 cannot exceed 500 in a State",
            ),
        ],
    );
    check(
        &case(500),
        &[(
            "hhs",
            json!("with_individual_notice"),
            "164.408(b): 500 or more",
        )],
    );
    check(&case(500), &[("hhs_by", json!("2025-08-14"), "164.408(b)")]);
    check(
        &case(501),
        &[("hhs", json!("with_individual_notice"), "164.408(b)")],
    );
}

#[test]
fn year_end_and_leap_years_move_the_sixty_day_dates() {
    let case = |d: &str| json!({"discovered": d, "individuals": 20});
    check(
        &case("2023-11-20"),
        &[
            ("individuals_by", json!("2024-01-19"), "164.404(b)"),
            (
                "hhs_by",
                json!("2024-02-29"),
                "164.408(c): 2024 is a leap year",
            ),
        ],
    );
    check(
        &case("2023-12-31"),
        &[
            (
                "individuals_by",
                json!("2024-02-29"),
                "164.404(b) across a leap February",
            ),
            ("hhs_by", json!("2024-02-29"), "164.408(c)"),
        ],
    );
    check(
        &case("2025-12-31"),
        &[
            ("individuals_by", json!("2026-03-01"), "164.404(b)"),
            (
                "hhs_by",
                json!("2026-03-01"),
                "164.408(c): 2026 is not a leap year",
            ),
        ],
    );
    check(
        &case("2026-01-01"),
        &[("hhs_by", json!("2027-03-01"), "164.408(c)")],
    );
}

#[test]
fn media_notice_needs_more_than_500_residents_of_one_state_listed_in_code_order() {
    check(
        &json!({"discovered": "2026-03-02", "individuals": 500, "states": {"CA": 500}}),
        &[(
            "media",
            json!(false),
            "164.406(a): 500 is not more than 500",
        )],
    );
    check(
        &json!({"discovered": "2026-03-02", "individuals": 1012,
                "states": {"TX": 501, "AZ": 10, "CA": 501}}),
        &[
            ("media", json!(true), "164.406(a)"),
            (
                "media_states",
                json!(["CA", "TX"]),
                "164.406(a), sorted by code",
            ),
        ],
    );
    check(
        &json!({"discovered": "2026-03-02", "individuals": 1500,
                "states": {"PR": 700, "GU": 600, "DC": 200}}),
        &[(
            "media_states",
            json!(["GU", "PR"]),
            "164.406; 160.103 State includes territories",
        )],
    );
}

#[test]
fn encryption_secures_phi_only_to_the_hhs_standard_and_with_the_key_safe() {
    let none = [
        (
            "is_breach",
            json!(false),
            "164.402 unsecured PHI; HHS guidance 74 FR 42740",
        ),
        ("individuals_by", Value::Null, "no breach, no notice"),
        ("hhs", Value::Null, "no breach"),
        ("hhs_by", Value::Null, "no breach"),
        ("media", json!(false), "no breach"),
        ("media_states", json!([]), "no breach"),
    ];
    check(
        &laptop(&json!({"encrypted": true, "encryption_standard_met": true})),
        &none,
    );
    check(
        &laptop(
            &json!({"encrypted": true, "encryption_standard_met": true, "key_compromised": true}),
        ),
        &[(
            "is_breach",
            json!(true),
            "HHS guidance: the key must not be breached",
        )],
    );
    check(
        &laptop(&json!({"encrypted": true, "encryption_standard_met": false})),
        &[(
            "is_breach",
            json!(true),
            "164.402: encryption short of the guidance",
        )],
    );
}

#[test]
fn destruction_secures_phi_unless_the_method_is_redaction_deletion_or_tearing() {
    let destroyed = |m: Option<&str>| {
        let mut c = json!({"discovered": "2026-03-02", "individuals": 40, "destroyed": true});
        if let Some(m) = m {
            c["destruction_method"] = json!(m);
        }
        c
    };
    let secured = (
        "is_breach",
        json!(false),
        "164.402; HHS guidance, NIST SP 800-88",
    );
    check(
        &destroyed(Some("cross-cut shredded")),
        std::slice::from_ref(&secured),
    );
    check(
        &destroyed(Some("purged per NIST SP 800-88")),
        std::slice::from_ref(&secured),
    );
    check(&destroyed(None), std::slice::from_ref(&secured));
    for refused in ["redacted", "files deleted", "torn by hand"] {
        check(
            &destroyed(Some(refused)),
            &[(
                "is_breach",
                json!(true),
                "HHS guidance: redaction is not destruction",
            )],
        );
    }
}

#[test]
fn exclusions_i_and_ii_fail_on_further_use_but_iii_does_not() {
    let case = |x: &str, further: bool| {
        json!({"discovered": "2026-03-02", "individuals": 1,
               "exclusion_claimed": x, "further_impermissible_use": further})
    };
    let cases = [
        (
            "unintentional_good_faith_within_scope",
            false,
            false,
            "164.402(1)(i)",
        ),
        (
            "unintentional_good_faith_within_scope",
            true,
            true,
            "164.402(1)(i) condition",
        ),
        (
            "inadvertent_disclosure_between_authorized_persons_same_entity",
            false,
            false,
            "(1)(ii)",
        ),
        (
            "inadvertent_disclosure_between_authorized_persons_same_entity",
            true,
            true,
            "(1)(ii)",
        ),
        (
            "recipient_unable_to_retain",
            false,
            false,
            "164.402(1)(iii)",
        ),
        (
            "recipient_unable_to_retain",
            true,
            false,
            "164.402(1)(iii) has no such condition",
        ),
    ];
    for (x, further, breach, provision) in cases {
        check(
            &case(x, further),
            &[("is_breach", json!(breach), provision)],
        );
    }
}

#[test]
fn a_low_probability_from_all_four_factors_rebuts_the_presumption() {
    let ff = json!({"nature_extent": "names only", "recipient": "another covered entity",
                    "acquired_or_viewed": "returned unopened", "mitigation": "attestation"});
    check(
        &laptop(&json!({"four_factor": ff, "risk_assessment_conclusion": "low_probability"})),
        &[("is_breach", json!(false), "164.402(2)")],
    );
    check(
        &laptop(&json!({"four_factor": ff, "risk_assessment_conclusion": "not_low"})),
        &[("is_breach", json!(true), "164.402(2)")],
    );
    check(
        &laptop(&json!({"four_factor": ff})),
        &[("is_breach", json!(true), "164.402(2)")],
    );
}
