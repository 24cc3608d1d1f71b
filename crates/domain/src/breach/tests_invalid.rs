//! Every kind of input the contract refuses, each with the field the error must name.

use serde_json::{Value, json};
use time::macros::date;

use super::*;

const TODAY: Date = date!(2026 - 07 - 15);

/// The field named by the refusal of `case` (a JSON document or raw text).
fn refused(case: &str) -> String {
    match assess_json(case, TODAY) {
        Ok(out) => panic!("accepted {case}: {out}"),
        Err(e) => {
            assert!(!e.reason.is_empty());
            e.field
        }
    }
}

/// `base` with the given fields set (or removed, for `null`).
fn with(extra: &Value) -> String {
    let mut c = json!({"discovered": "2026-03-02", "individuals": 100});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c.to_string()
}

#[test]
fn a_discovery_in_the_future_is_refused() {
    assert_eq!(
        refused(&with(&json!({"discovered": "2026-07-16"}))),
        "discovered"
    );
    assert_eq!(
        refused(&with(&json!({"discovered": "2031-01-01"}))),
        "discovered"
    );
    // Today itself is fine.
    assert!(assess_json(&with(&json!({"discovered": "2026-07-15"})), TODAY).is_ok());
}

#[test]
fn a_discovery_before_the_occurrence_is_refused() {
    assert_eq!(
        refused(&with(&json!({"occurred": "2026-03-03"}))),
        "discovered"
    );
    assert_eq!(
        refused(&with(&json!({"occurred_from": "2026-03-05"}))),
        "discovered"
    );
    assert_eq!(
        refused(&with(
            &json!({"occurred_from": "2026-02-01", "occurred_to": "2026-03-05"})
        )),
        "occurred_to"
    );
    assert!(assess_json(&with(&json!({"occurred": "2026-03-02"})), TODAY).is_ok());
}

#[test]
fn an_occurrence_given_twice_or_backwards_is_refused() {
    assert_eq!(
        refused(&with(
            &json!({"occurred": "2026-02-01", "occurred_to": "2026-02-02"})
        )),
        "occurred"
    );
    assert_eq!(
        refused(&with(
            &json!({"occurred_from": "2026-02-05", "occurred_to": "2026-02-01"})
        )),
        "occurred_to"
    );
}

#[test]
fn a_breach_before_the_rule_applied_is_refused() {
    assert_eq!(
        refused(&with(&json!({"discovered": "2009-09-22"}))),
        "discovered"
    );
    assert_eq!(
        refused(&with(
            &json!({"discovered": "2010-01-05", "occurred": "2009-09-01"})
        )),
        "occurred"
    );
    assert!(assess_json(&with(&json!({"discovered": "2009-09-23"})), TODAY).is_ok());
}

#[test]
fn malformed_dates_are_refused_by_field() {
    for bad in [
        json!("2026-02-30"),
        json!("2026-3-2"),
        json!("03/02/2026"),
        json!(20_260_302),
    ] {
        assert_eq!(refused(&with(&json!({"discovered": bad}))), "discovered");
        assert_eq!(refused(&with(&json!({"occurred": bad}))), "occurred");
    }
}

#[test]
fn a_case_without_a_discovery_date_is_refused() {
    assert_eq!(refused(r#"{"individuals": 3}"#), "discovered");
    assert_eq!(refused(r#"{"discovered": null}"#), "discovered");
}

#[test]
fn negative_fractional_and_textual_counts_are_refused() {
    for field in [
        "individuals",
        "baa_notice_days",
        "insufficient_contact_info",
    ] {
        for bad in [
            json!(-1),
            json!(1.5),
            json!(2.0),
            json!("12"),
            json!(true),
            json!(1e3),
        ] {
            assert_eq!(
                refused(&with(&json!({field: bad}))),
                field,
                "{field} = {bad}"
            );
        }
    }
    for bad in [json!(-1), json!(600.5), json!("600"), json!(null)] {
        assert_eq!(
            refused(&with(&json!({"states": {"CA": bad}}))),
            "states.CA",
            "{bad}"
        );
    }
}

#[test]
fn state_counts_above_the_total_are_refused() {
    assert_eq!(
        refused(&with(
            &json!({"individuals": 100, "states": {"CA": 60, "NV": 41}})
        )),
        "states"
    );
    assert!(
        assess_json(
            &with(&json!({"individuals": 100, "states": {"CA": 60, "NV": 40}})),
            TODAY
        )
        .is_ok()
    );
}

#[test]
fn unknown_state_codes_are_refused_by_name() {
    for code in ["XX", "ca", "Calif", "UM", "FM", ""] {
        assert_eq!(
            refused(&with(&json!({"states": {code: 1}}))),
            format!("states.{code}"),
            "{code}"
        );
    }
    assert_eq!(refused(&with(&json!({"states": [["CA", 1]]}))), "states");
}

#[test]
fn a_state_written_twice_is_refused() {
    let case = r#"{"discovered": "2026-03-02", "states": {"CA": 1, "CA": 2}}"#;
    assert_eq!(refused(case), "states.CA");
}

#[test]
fn unknown_choices_are_refused() {
    assert_eq!(
        refused(&with(&json!({"exclusion_claimed": "de_minimis"}))),
        "exclusion_claimed"
    );
    assert_eq!(
        refused(&with(&json!({"discovered_by": "patient"}))),
        "discovered_by"
    );
    assert_eq!(
        refused(&with(&json!({"risk_assessment_conclusion": "low"}))),
        "risk_assessment_conclusion"
    );
    assert_eq!(
        refused(&with(
            &json!({"law_enforcement_delay": {"kind": "email", "requested": "2026-03-03"}})
        )),
        "law_enforcement_delay.kind"
    );
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    assert_eq!(refused(&with(&json!({"individual": 3}))), "individual");
    assert_eq!(
        refused(&with(&json!({"four_factor": {"nature": "x"}}))),
        "four_factor.nature"
    );
    assert_eq!(
        refused(&with(&json!({"law_enforcement_delay":
            {"kind": "oral", "requested": "2026-03-03", "agency": "FBI"}}))),
        "law_enforcement_delay.agency"
    );
}

#[test]
fn a_field_written_twice_is_refused() {
    assert_eq!(
        refused(r#"{"discovered": "2026-03-02", "individuals": 1, "individuals": 900}"#),
        "individuals"
    );
}

#[test]
fn a_low_probability_without_all_four_factors_names_the_first_missing_one() {
    let full = json!({"nature_extent": "a", "recipient": "b", "acquired_or_viewed": "c",
                      "mitigation": "d"});
    let low = |ff: Option<Value>| {
        let mut c =
            json!({"discovered": "2026-03-02", "risk_assessment_conclusion": "low_probability"});
        if let Some(ff) = ff {
            c["four_factor"] = ff;
        }
        c.to_string()
    };
    assert_eq!(refused(&low(None)), "four_factor.nature_extent");
    for factor in [
        "nature_extent",
        "recipient",
        "acquired_or_viewed",
        "mitigation",
    ] {
        let mut ff = full.clone();
        ff.as_object_mut().unwrap().remove(factor);
        assert_eq!(refused(&low(Some(ff))), format!("four_factor.{factor}"));
        for blank in ["", "   ", "\n\t"] {
            let mut ff = full.clone();
            ff[factor] = json!(blank);
            assert_eq!(
                refused(&low(Some(ff))),
                format!("four_factor.{factor}"),
                "{blank:?}"
            );
        }
    }
    assert!(assess_json(&low(Some(full)), TODAY).is_ok());
}

#[test]
fn law_enforcement_statements_must_fit_the_calendar_and_name_a_written_period() {
    let le = |d: Value| with(&json!({"law_enforcement_delay": d}));
    assert_eq!(
        refused(&le(json!({"kind": "written", "requested": "2026-03-03"}))),
        "law_enforcement_delay.days_requested"
    );
    assert_eq!(
        refused(&le(json!({"kind": "oral", "requested": "2026-07-16"}))),
        "law_enforcement_delay.requested"
    );
    assert_eq!(
        refused(&le(json!({"kind": "oral", "requested": "2026-03-01"}))),
        "law_enforcement_delay.requested"
    );
    assert_eq!(
        refused(&le(json!({"kind": "oral"}))),
        "law_enforcement_delay.requested"
    );
    assert_eq!(
        refused(&le(json!({"requested": "2026-03-03"}))),
        "law_enforcement_delay.kind"
    );
    assert_eq!(
        refused(&le(
            json!({"kind": "oral", "requested": "2026-03-03", "days_requested": -2})
        )),
        "law_enforcement_delay.days_requested"
    );
    assert_eq!(refused(&le(json!("oral"))), "law_enforcement_delay");
}

#[test]
fn contradictory_or_mistyped_answers_are_refused() {
    assert_eq!(
        refused(&with(&json!({"encryption_standard_met": true}))),
        "encrypted"
    );
    assert_eq!(
        refused(&with(&json!({"insufficient_contact_info": 101}))),
        "insufficient_contact_info"
    );
    for field in [
        "encrypted",
        "destroyed",
        "key_compromised",
        "further_impermissible_use",
    ] {
        assert_eq!(refused(&with(&json!({field: "yes"}))), field);
    }
    assert_eq!(refused(&with(&json!({"media_type": 7}))), "media_type");
    assert_eq!(
        refused(&with(&json!({"media_type": "a\u{7}b"}))),
        "media_type"
    );
    assert_eq!(
        refused(&with(&json!({"four_factor": "all fine"}))),
        "four_factor"
    );
    assert_eq!(
        refused(&with(&json!({"four_factor": {"recipient": 3}}))),
        "four_factor.recipient"
    );
}

#[test]
fn a_document_that_is_not_a_json_object_is_refused_as_input() {
    for bad in [
        "",
        "not json",
        "[]",
        "\"2026-03-02\"",
        "{\"discovered\": \"2026-03-02\"",
        "{} {}",
    ] {
        assert_eq!(refused(bad), "input", "{bad:?}");
    }
}

#[test]
fn a_refusal_renders_as_an_api_style_error_naming_the_field() {
    let e = Case::from_json(&with(&json!({"states": {"ZZ": 1}})), TODAY).unwrap_err();
    let v: Value = serde_json::from_str(&error_json(&e)).unwrap();
    assert_eq!(v["error"]["code"], "invalid");
    assert_eq!(v["error"]["field"], "states.ZZ");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("states.ZZ: ")
    );
}

#[test]
fn nulls_count_as_absent_for_optional_fields() {
    let c = with(
        &json!({"states": null, "four_factor": null, "encrypted": null,
                         "law_enforcement_delay": null, "exclusion_claimed": null}),
    );
    assert!(assess_json(&c, TODAY).is_ok());
}
