//! FHIR R4 `AuditEvent` access logs, as `NDJSON` and as search Bundles, on the tables of `common`.
#![cfg(test)]

#[expect(
    dead_code,
    reason = "the CSV event helpers of `common` serve the rule tests"
)]
mod common;

use common::{DEPARTMENTS, ENCOUNTERS, PATIENTS, WORKFORCE};
use safeharbor_logreview::{Alert, Mapping, Rule, RuleSet, Summary, TableSources, review};

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";

/// An `AuditEvent`: `user` the requestor, with a location, reading `patient`.
fn audit(id: &str, recorded: &str, user: &str, dept: &str, patient: &str, extra: &str) -> String {
    format!(
        r#"{{"resourceType":"AuditEvent","id":"{id}","type":{{"system":"{DCM}","code":"110110","display":"Patient Record"}},"subtype":[{{"system":"http://hl7.org/fhir/restful-interaction","code":"read","display":"read"}}],"action":"R","recorded":"{recorded}","outcome":"0","agent":[{{"who":{{"reference":"Device/ehr"}},"requestor":false}},{{"role":[{{"text":"Physician"}}],"who":{{"identifier":{{"value":"{user}"}}}},"requestor":true,"location":{{"display":"{dept}"}}}}],"source":{{"observer":{{"display":"EHR"}}}},"entity":[{{"what":{{"reference":"Patient/{patient}"}}}}]{extra}}}"#
    )
}

fn login_failure(id: &str, recorded: &str, user: &str) -> String {
    format!(
        r#"{{"resourceType":"AuditEvent","id":"{id}","type":{{"system":"{DCM}","code":"110114","display":"User Authentication"}},"subtype":[{{"system":"{DCM}","code":"110122","display":"Login"}}],"action":"E","recorded":"{recorded}","outcome":"4","agent":[{{"who":{{"reference":"Practitioner/{user}"}},"requestor":true}}]}}"#
    )
}

fn run(log: &str) -> (Vec<Alert>, Summary) {
    let tables = TableSources {
        departments: DEPARTMENTS.as_bytes(),
        workforce: WORKFORCE.as_bytes(),
        patients: PATIENTS.as_bytes(),
        encounters: ENCOUNTERS.as_bytes(),
    };
    let mut alerts = Vec::new();
    let s = review(
        tables,
        log.as_bytes(),
        &Mapping::preset("fhir").unwrap(),
        RuleSet::all(),
        |a| {
            alerts.push(a);
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    (alerts, s)
}

fn rules_of(alerts: &[Alert], id: &str) -> Vec<Rule> {
    alerts
        .iter()
        .filter(|a| a.event_id == id)
        .map(|a| a.rule)
        .collect()
}

fn ndjson() -> String {
    let mut lines = vec![
        // Monday evening in Family Medicine, with a visit that day: after hours only.
        audit("a1", "2025-01-06T21:30:00-05:00", "U2", "Family Medicine", "P4", ""),
        // Emergency override (DICOM 110127) on a VIP with no visit.
        audit("a2", "2025-01-06T10:00:00Z", "U4", "Emergency", "P3", "").replace(
            r#"{"system":"http://hl7.org/fhir/restful-interaction","code":"read","display":"read"}"#,
            &format!(r#"{{"system":"{DCM}","code":"110127","display":"Emergency Override Started"}}"#),
        ),
        // Treatment emergency as the purpose of event (v3 ActReason ETREAT).
        audit(
            "a3",
            "2025-01-06T10:05:00.123Z",
            "U4",
            "Emergency",
            "P5",
            r#","purposeOfEvent":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"ETREAT"}]}]"#,
        ),
        // The patient named by an entity of type Person, role Patient.
        r#"{"resourceType":"AuditEvent","id":"a4","type":{"code":"110110"},"action":"R","recorded":"2025-01-06T10:00:00Z","agent":[{"who":{"identifier":{"value":"U1"}},"requestor":true,"location":{"reference":"Location/Family Medicine"}}],"entity":[{"what":{"identifier":{"value":"P1"}},"type":{"code":"1"},"role":{"code":"1"}}]}"#.to_owned(),
        // Not an AuditEvent: skipped.
        r#"{"resourceType":"Patient","id":"P1"}"#.to_owned(),
        String::new(),
    ];
    for i in 0..5 {
        lines.push(login_failure(
            &format!("l{i}"),
            &format!("2025-01-07T08:0{i}:00Z"),
            "U1",
        ));
    }
    lines.join("\n")
}

#[test]
fn ndjson_audit_events_are_reviewed_with_the_requestor_as_user() {
    let (a, s) = run(&ndjson());
    assert_eq!(s.counts.events, 9);
    assert_eq!(s.events_rejected.count, 0);
    assert_eq!(rules_of(&a, "a1"), [Rule::AfterHours]);
    assert_eq!(rules_of(&a, "a2"), [Rule::Vip, Rule::BreakGlass]);
    assert_eq!(
        rules_of(&a, "a3"),
        [Rule::BreakGlass, Rule::DeceasedPatient]
    );
    assert_eq!(rules_of(&a, "a4"), [Rule::SelfAccess]);
    let btg = a
        .iter()
        .find(|x| x.event_id == "a2" && x.rule == Rule::BreakGlass)
        .unwrap();
    assert_eq!(
        (btg.user_id.as_str(), btg.patient_id.as_str()),
        ("U4", "P3")
    );
    assert_eq!(btg.detail, "Emergency Override Started");
    let f: Vec<_> = a.iter().filter(|x| x.rule == Rule::FailedLogins).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].user_id.as_str(), f[0].event_id.as_str()),
        ("U1", "l4")
    );
}

#[test]
fn a_search_bundle_is_read_entry_by_entry_whether_pretty_or_on_one_line() {
    let entries: Vec<String> = ndjson()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            format!("{{\"fullUrl\":\"urn:x\",\"resource\":{l},\"search\":{{\"mode\":\"match\"}}}}")
        })
        .collect();
    let pretty = format!(
        "{{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"searchset\",\n  \"total\": 9,\n  \"entry\": [\n    {}\n  ],\n  \"link\": []\n}}\n",
        entries.join(",\n    ")
    );
    let (a, s) = run(&pretty);
    assert_eq!(s.counts.events, 9);
    assert_eq!(rules_of(&a, "a2"), [Rule::Vip, Rule::BreakGlass]);
    let one_line = pretty.replace('\n', "");
    let (b, s) = run(&one_line);
    assert_eq!(s.counts.events, 9);
    assert_eq!(a, b);
}

#[test]
fn unreadable_resources_are_counted_by_line_or_entry_without_their_values() {
    let bad_time = audit(
        "b1",
        "yesterday-P9SECRET",
        "U2",
        "Family Medicine",
        "P4",
        "",
    );
    let no_requestor = audit(
        "b2",
        "2025-01-06T10:00:00Z",
        "U2",
        "Family Medicine",
        "P4",
        "",
    )
    .replace("\"requestor\":true", "\"requestor\":false");
    let wrong_type = audit(
        "b3",
        "2025-01-06T10:00:00Z",
        "U2",
        "Family Medicine",
        "P4",
        "",
    )
    .replace("\"outcome\":\"0\"", "\"outcome\":{\"secret\":\"P9SECRET\"}");
    let log = [
        audit(
            "g1",
            "2025-01-06T10:00:00Z",
            "U2",
            "Family Medicine",
            "P4",
            "",
        ),
        bad_time.clone(),
        no_requestor.clone(),
        "{not json P9SECRET".to_owned(),
        wrong_type.clone(),
    ]
    .join("\n");
    let (_, s) = run(&log);
    assert_eq!(s.counts.events, 1);
    let r = &s.events_rejected;
    assert_eq!(r.count, 4);
    let text: Vec<String> = r.first.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "line 2, recorded: is not a FHIR instant",
            "line 3, agent.requestor: is empty",
            "line 4: the row is not valid: not well-formed JSON",
            "line 5: the row is not valid: an AuditEvent of the expected shape",
        ]
    );
    assert!(!text.join(" ").contains("P9SECRET"));
    // In a Bundle the place is the entry.
    let bundle = format!(
        "{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{}}},{{\"resource\":{bad_time}}}]}}",
        audit("g1", "2025-01-06T10:00:00Z", "U2", "Family Medicine", "P4", "")
    )
    .replace("},{", "},\n{");
    let (_, s) = run(&bundle);
    assert_eq!(
        s.events_rejected.first[0].to_string(),
        "entry 2, recorded: is not a FHIR instant"
    );
}

#[test]
fn a_file_that_is_neither_ndjson_nor_a_bundle_is_refused_with_its_place() {
    let tables = TableSources {
        departments: DEPARTMENTS.as_bytes(),
        workforce: WORKFORCE.as_bytes(),
        patients: PATIENTS.as_bytes(),
        encounters: ENCOUNTERS.as_bytes(),
    };
    let e = review(
        tables,
        "{\n\"resourceType\": \"Bundle\", \"entry\": [ P9SECRET ]\n}".as_bytes(),
        &Mapping::preset("fhir").unwrap(),
        RuleSet::all(),
        |_| Ok(()),
        |_| {},
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(e.is_bad_input());
    assert!(
        text.starts_with("the events file: neither NDJSON nor a FHIR Bundle: line 2"),
        "{text}"
    );
    assert!(!text.contains("P9SECRET"));
}
