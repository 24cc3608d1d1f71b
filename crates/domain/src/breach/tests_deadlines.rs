//! Table tests of the deadlines' special cases: business associates, law-enforcement holds,
//! substitute notice, unknown counts; and of the shape of the determination. Each row cites
//! the provision behind its expected value.

use serde_json::{Value, json};

use super::tests_table::{check, determine, laptop};

#[test]
fn a_business_associate_notifies_by_the_shorter_of_60_days_and_its_agreement() {
    let ba = |days: Option<u64>| {
        let mut c = laptop(&json!({"discovered_by": "business_associate"}));
        if let Some(d) = days {
            c["baa_notice_days"] = json!(d);
        }
        c
    };
    check(
        &ba(Some(10)),
        &[
            (
                "ba_to_ce_by",
                json!("2026-03-12"),
                "164.410(b) with a 10-day agreement",
            ),
            (
                "individuals_by",
                json!("2026-05-01"),
                "164.404(a)(2): agent's discovery",
            ),
            ("hhs_by", json!("2026-05-01"), "164.408(b)"),
            ("media_states", json!(["CA"]), "164.406"),
        ],
    );
    check(
        &ba(Some(90)),
        &[("ba_to_ce_by", json!("2026-05-01"), "164.410(b): 60 at most")],
    );
    check(
        &ba(None),
        &[("ba_to_ce_by", json!("2026-05-01"), "164.410(b)")],
    );
    check(
        &ba(Some(0)),
        &[(
            "ba_to_ce_by",
            json!("2026-03-02"),
            "164.410(b), agreement of 0",
        )],
    );
    check(
        &laptop(&json!({"baa_notice_days": 10})),
        &[(
            "ba_to_ce_by",
            Value::Null,
            "164.410 binds only a business associate",
        )],
    );
}

#[test]
fn an_oral_statement_holds_notices_at_most_30_days() {
    let oral = |days: Option<u64>| {
        let mut d = json!({"kind": "oral", "requested": "2026-04-20"});
        if let Some(n) = days {
            d["days_requested"] = json!(n);
        }
        laptop(&json!({"law_enforcement_delay": d}))
    };
    let rows = [
        (
            "delay_days_allowed",
            json!(30),
            "164.412(b): no longer than 30 days",
        ),
        (
            "individuals_by",
            json!("2026-05-20"),
            "164.412(b): May 1 falls in the hold",
        ),
        (
            "hhs_by",
            json!("2026-05-20"),
            "164.408(b) except as in 164.412",
        ),
    ];
    check(&oral(Some(45)), &rows);
    check(&oral(None), &rows);
    check(
        &oral(Some(5)),
        &[
            ("delay_days_allowed", json!(5), "164.412(b)"),
            (
                "individuals_by",
                json!("2026-05-01"),
                "hold ends Apr 25, deadline stands",
            ),
        ],
    );
}

#[test]
fn a_written_statement_holds_notices_for_its_period_but_never_revives_a_late_one() {
    let written = |requested: &str, days: u64| {
        laptop(&json!({"law_enforcement_delay":
            {"kind": "written", "requested": requested, "days_requested": days}}))
    };
    check(
        &written("2026-04-25", 90),
        &[
            (
                "delay_days_allowed",
                json!(90),
                "164.412(a): the period specified",
            ),
            ("individuals_by", json!("2026-07-24"), "164.412(a)"),
            ("hhs_by", json!("2026-07-24"), "164.408(b), 164.412(a)"),
        ],
    );
    check(
        &written("2026-03-10", 20),
        &[(
            "individuals_by",
            json!("2026-05-01"),
            "hold ended Mar 30, before May 1",
        )],
    );
    check(
        &written("2026-05-05", 30),
        &[(
            "individuals_by",
            json!("2026-05-01"),
            "164.404(b): already due before the statement",
        )],
    );
}

#[test]
fn a_hold_past_march_first_moves_the_annual_log() {
    check(
        &json!({"discovered": "2025-12-20", "individuals": 10, "law_enforcement_delay":
                {"kind": "written", "requested": "2025-12-22", "days_requested": 120}}),
        &[
            (
                "individuals_by",
                json!("2026-04-21"),
                "164.404(b), 164.412(a)",
            ),
            ("hhs", json!("annual_log"), "164.408(c)"),
            ("hhs_by", json!("2026-04-21"), "164.408(c), 164.412(a)"),
        ],
    );
}

#[test]
fn a_business_associates_notice_is_held_like_the_others() {
    check(
        &laptop(
            &json!({"discovered_by": "business_associate", "baa_notice_days": 5,
            "law_enforcement_delay": {"kind": "oral", "requested": "2026-03-04"}}),
        ),
        &[(
            "ba_to_ce_by",
            json!("2026-04-03"),
            "164.410(b) except as in 164.412(b)",
        )],
    );
}

#[test]
fn substitute_notice_changes_form_at_10_individuals() {
    let case = |n: u64| laptop(&json!({"insufficient_contact_info": n}));
    check(
        &case(0),
        &[("substitute_notice", Value::Null, "164.404(d)(2)")],
    );
    check(
        &case(1),
        &[(
            "substitute_notice",
            json!("alternative"),
            "164.404(d)(2)(i)",
        )],
    );
    check(
        &case(9),
        &[(
            "substitute_notice",
            json!("alternative"),
            "164.404(d)(2)(i)",
        )],
    );
    check(
        &case(10),
        &[(
            "substitute_notice",
            json!("web_or_media_and_toll_free"),
            "164.404(d)(2)(ii)",
        )],
    );
}

#[test]
fn an_unknown_count_is_reported_to_the_secretary_with_the_individual_notices() {
    check(
        &json!({"discovered": "2026-03-02"}),
        &[
            ("is_breach", json!(true), "164.402(2)"),
            (
                "hhs",
                json!("with_individual_notice"),
                "164.408(b), the earlier deadline",
            ),
            ("media", json!(false), "164.406: no State listed"),
        ],
    );
}

#[test]
fn no_breach_means_no_deadline_and_no_delay() {
    check(
        &laptop(&json!({"encrypted": true, "encryption_standard_met": true,
            "insufficient_contact_info": 20, "discovered_by": "business_associate",
            "law_enforcement_delay": {"kind": "oral", "requested": "2026-03-04"}})),
        &[
            (
                "ba_to_ce_by",
                Value::Null,
                "164.410 applies to breaches only",
            ),
            (
                "substitute_notice",
                Value::Null,
                "164.404(d) applies to breaches only",
            ),
            (
                "delay_days_allowed",
                Value::Null,
                "164.412: nothing to delay",
            ),
        ],
    );
}

#[test]
fn the_output_has_exactly_the_contract_fields() {
    let out = determine(&laptop(&json!({})));
    let mut keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ba_to_ce_by",
            "basis",
            "citations",
            "delay_days_allowed",
            "documentation_required",
            "hhs",
            "hhs_by",
            "individuals_by",
            "is_breach",
            "media",
            "media_states",
            "substitute_notice",
        ]
    );
}

#[test]
fn the_basis_and_citations_name_each_provision_used() {
    let out = determine(&laptop(&json!({"discovered_by": "business_associate",
        "insufficient_contact_info": 12,
        "law_enforcement_delay": {"kind": "oral", "requested": "2026-04-20"}})));
    let basis = out["basis"].as_str().unwrap();
    let citations: Vec<&str> = out["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for p in [
        "164.402",
        "164.402(2)",
        "164.404(a)(2)",
        "164.404(b)",
        "164.406",
        "164.408(b)",
        "164.410(a)(2)",
        "164.410(b)",
        "164.412(b)",
        "164.404(d)(2)(ii)",
        "164.414(b)",
        "164.530(j)(2)",
    ] {
        assert!(citations.contains(&p), "{p} missing from {citations:?}");
        assert!(basis.contains(p), "{p} missing from the basis: {basis}");
    }
    let docs = out["documentation_required"].to_string();
    for d in [
        "164.404(c)",
        "164.406",
        "164.408(b)",
        "164.410(c)",
        "164.412(b)",
        "six years",
    ] {
        assert!(docs.contains(d), "{d} missing from {docs}");
    }
}

#[test]
fn a_determination_that_is_not_a_breach_still_lists_what_proves_it() {
    let ff = json!({"nature_extent": "a", "recipient": "b", "acquired_or_viewed": "c",
                    "mitigation": "d"});
    let out = determine(&laptop(
        &json!({"four_factor": ff, "risk_assessment_conclusion": "low_probability"}),
    ));
    let docs = out["documentation_required"].to_string();
    assert!(docs.contains("risk assessment"), "{docs}");
    assert!(out["citations"].to_string().contains("164.414(b)"));
    let out = determine(&laptop(
        &json!({"exclusion_claimed": "recipient_unable_to_retain"}),
    ));
    assert!(
        out["documentation_required"]
            .to_string()
            .contains("164.402(1)(iii)")
    );
}
