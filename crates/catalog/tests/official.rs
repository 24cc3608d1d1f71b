//! The shipped catalog against the official reference files in `../shared/regulatory/`: every
//! citation, title and designation exactly as the regulation prints it.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken assumption"
)]

use std::collections::{BTreeMap, BTreeSet};

use safeharbor_catalog::{
    CSF_2, Catalog, HIPAA_BREACH, HIPAA_SECURITY, OCR_PROTOCOL, SP800_53, ecfr,
};
use safeharbor_domain::catalog::{Designation, ReqKey, RequirementKind};

fn shared(name: &str) -> String {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/regulatory/").to_owned() + name;
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn catalog() -> Catalog {
    Catalog::shipped().unwrap()
}

#[test]
fn every_standard_and_specification_matches_the_official_text() {
    let c = catalog();
    let doc = ecfr::parse(
        "subpartC.xml",
        &shared("ecfr-title45-part164-subpartC-2026-07-01.xml"),
    )
    .unwrap();
    assert_eq!((doc.part.as_str(), doc.subpart.as_str()), ("164", "C"));
    let paras: BTreeMap<String, &ecfr::Paragraph> =
        doc.paragraphs().map(|p| (p.citation.clone(), p)).collect();

    // Everything the regulation labels a standard or designates is in the catalog, exactly.
    let mut official = 0;
    for p in doc.paragraphs().filter(|p| {
        ["164.308", "164.310", "164.312", "164.314", "164.316"]
            .iter()
            .any(|s| p.citation.starts_with(s))
    }) {
        // A designation on a heading whose sub-paragraphs carry their own titles (164.314(a)(2))
        // belongs to those titled items, which are checked themselves.
        let titled_children = doc.paragraphs().any(|q| {
            q.citation.starts_with(&p.citation) && q.citation != p.citation && q.heading.is_some()
        });
        if p.standard || (p.designation.is_some() && !titled_children) {
            official += 1;
            let r = c
                .requirement(HIPAA_SECURITY, &p.citation)
                .unwrap_or_else(|| panic!("{} is missing from the catalog", p.citation));
            assert_eq!(Some(r.title.clone()), p.title(), "title of {}", p.citation);
            if p.standard {
                assert_eq!(r.kind, RequirementKind::Standard, "{}", p.citation);
                assert_eq!(r.designation, None);
            } else {
                assert_eq!(
                    r.designation, p.designation,
                    "designation of {}",
                    p.citation
                );
            }
        }
    }
    assert!(
        official >= 60,
        "the parser found {official} labelled paragraphs"
    );

    // Everything in the catalog is at a paragraph of the regulation with the same heading.
    let reqs = c.requirements(HIPAA_SECURITY);
    for r in reqs
        .iter()
        .filter(|r| r.kind != RequirementKind::KeyActivity)
    {
        let p = paras
            .get(&r.reference)
            .unwrap_or_else(|| panic!("{} is not a paragraph of Subpart C", r.reference));
        assert_eq!(
            Some(r.title.clone()),
            p.title(),
            "heading at {}",
            r.reference
        );
        if r.kind == RequirementKind::ImplementationSpec {
            assert!(r.designation.is_some(), "{} has a designation", r.reference);
            // Either its own heading or the "Implementation specifications (Required)" heading
            // above it gives the designation.
            if p.designation.is_none() {
                let parent_heading = paras.values().find(|q| {
                    r.reference.starts_with(&q.citation)
                        && q.citation != r.reference
                        && q.designation.is_some()
                });
                assert_eq!(
                    parent_heading.and_then(|q| q.designation),
                    r.designation,
                    "{} inherits its designation",
                    r.reference
                );
            }
        }
    }
    let count = |k| reqs.iter().filter(|r| r.kind == k).count();
    assert_eq!(count(RequirementKind::Standard), 22);
    assert_eq!(count(RequirementKind::ImplementationSpec), 43);
    assert_eq!(count(RequirementKind::GeneralRule), 5);
    assert_eq!(
        count(RequirementKind::KeyActivity),
        104,
        "NIST SP 800-66r2 has 104 key activities"
    );
    let addressable = reqs
        .iter()
        .filter(|r| r.designation == Some(Designation::Addressable))
        .count();
    assert_eq!(addressable, 22);
}

#[test]
fn the_quirks_of_the_official_text_are_handled() {
    let c = catalog();
    // 164.308(b)(1) lost its "Standard:" label in 2013 but is still a standard (Appendix A).
    let b1 = c.requirement(HIPAA_SECURITY, "164.308(b)(1)").unwrap();
    assert_eq!(b1.kind, RequirementKind::Standard);
    assert_eq!(
        c.requirement(HIPAA_SECURITY, "164.308(b)(3)")
            .unwrap()
            .parent
            .as_deref(),
        Some("164.308(b)(1)")
    );
    // 164.314(a)(2)'s "(Required)" covers (i) to (iii).
    for r in [
        "164.314(a)(2)(i)",
        "164.314(a)(2)(ii)",
        "164.314(a)(2)(iii)",
    ] {
        assert_eq!(
            c.requirement(HIPAA_SECURITY, r).unwrap().designation,
            Some(Designation::Required),
            "{r}"
        );
    }
    assert_eq!(
        c.requirement(HIPAA_SECURITY, "164.308(a)(6)(ii)")
            .unwrap()
            .title,
        "Response and reporting"
    );
}

#[test]
fn every_breach_rule_citation_matches_subpart_d() {
    let c = catalog();
    let doc = ecfr::parse(
        "subpartD.xml",
        &shared("ecfr-title45-part164-subpartD-2026-07-01.xml"),
    )
    .unwrap();
    assert_eq!(doc.subpart, "D");
    let sections: BTreeMap<&str, &ecfr::Section> = doc
        .sections
        .iter()
        .map(|s| (s.number.as_str(), s))
        .collect();
    for r in c.requirements(HIPAA_BREACH) {
        let section = r.reference.split(['(', ' ']).next().unwrap();
        let s = sections
            .get(section)
            .unwrap_or_else(|| panic!("{} cites a section not in Subpart D", r.reference));
        match r.kind {
            RequirementKind::Section => assert_eq!(r.title, s.heading, "{}", r.reference),
            _ if r.reference.contains(' ') => assert!(
                s.paragraphs.iter().any(|p| p.text.starts_with(&r.title)),
                "{} is a defined term of {section}",
                r.reference
            ),
            _ => {
                let p = s
                    .paragraphs
                    .iter()
                    .find(|p| p.citation == r.reference)
                    .unwrap_or_else(|| panic!("{} is not a paragraph", r.reference));
                assert_eq!(
                    Some(r.title.clone()),
                    p.heading
                        .clone()
                        .map(|h| h.trim_end_matches('.').to_owned()),
                    "{}",
                    r.reference
                );
            }
        }
    }
    let p = c.breach_parameters();
    assert_eq!(p.individual_notice.max_calendar_days_after_discovery, 60);
    assert_eq!(
        p.media_notice.threshold_residents_of_one_state_more_than,
        500
    );
    assert_eq!(p.secretary_notice_large.threshold_individuals_at_least, 500);
    assert_eq!(
        p.secretary_notice_small.max_days_after_calendar_year_end,
        60
    );
    assert_eq!(
        p.business_associate_notice
            .max_calendar_days_after_discovery,
        60
    );
    assert_eq!(p.law_enforcement_delay.oral_statement_max_days, 30);
    assert_eq!(p.documentation_retention.years, 6);
    // The tables that used to be dropped are loaded too.
    assert_eq!(p.discovery.citation, "164.404(a)(2)");
    assert_eq!(p.discovery.business_associate_citation, "164.410(a)(2)");
    assert_eq!(p.breach_exclusions.refs.len(), 3);
    assert_eq!(p.risk_assessment.factors.len(), 4);
    assert_eq!(p.risk_assessment.factor_refs.len(), 4);
    assert!(p.secretary_notice_small.log_required);
}

#[test]
fn a_standard_is_found_by_its_short_citation_and_its_first_subparagraph() {
    let c = catalog();
    for typed in [
        "164.308(a)(1)",
        "164.308(a)(1)(i)",
        " § 164.308(a)(1) ",
        "45 CFR 164.308(a)(1)",
    ] {
        let r = c
            .requirement(HIPAA_SECURITY, typed)
            .unwrap_or_else(|| panic!("{typed} not found"));
        assert_eq!(r.reference, "164.308(a)(1)(i)", "{typed}");
    }
    // Only a standard is reached that way: an implementation specification's parent paragraph
    // is not a requirement of its own.
    assert!(c.requirement(HIPAA_SECURITY, "164.308(a)(1)(ii)").is_none());
}

#[test]
fn not_applicable_is_offered_only_where_the_subject_can_be_absent() {
    let c = catalog();
    let conditional: Vec<&str> = c
        .requirements(HIPAA_SECURITY)
        .into_iter()
        .filter(|r| r.na_condition.is_some())
        .map(|r| r.reference.as_str())
        .collect();
    assert_eq!(
        conditional,
        [
            "164.308(a)(4)(ii)(A)",
            "164.314(a)(2)(ii)",
            "164.314(a)(2)(iii)",
            "164.314(b)(1)",
            "164.314(b)(2)",
        ]
    );
    let r = c.requirement(HIPAA_SECURITY, "164.314(b)(2)").unwrap();
    assert_eq!(r.title, "Implementation specifications");
    assert!(
        r.display_title
            .as_deref()
            .unwrap()
            .contains("Group health plan")
    );
}

#[test]
fn protocol_items_on_subparagraphs_link_to_the_requirement_that_holds_them() {
    let c = catalog();
    for (item, target) in [
        ("S58", "164.314(a)(2)(i)"),
        ("S59", "164.314(a)(2)(i)"),
        ("S60", "164.314(a)(2)(i)"),
        ("S64", "164.314(b)(2)"),
        ("S65", "164.314(b)(2)"),
        ("S66", "164.314(b)(2)"),
        ("S67", "164.314(b)(2)"),
        ("BNR13", "164.404(c)"),
    ] {
        let links: Vec<String> = c
            .mappings_from(&ReqKey::new(OCR_PROTOCOL, item))
            .iter()
            .map(|m| m.to.reference.clone())
            .collect();
        assert_eq!(links, [target], "{item}");
    }
}

fn index() -> Vec<BTreeMap<String, String>> {
    let text = shared("hhs-ocr-hipaa-audit-protocol-2018-index.csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            h.iter()
                .zip(rec.unwrap().iter())
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn the_audit_protocol_items_match_the_published_index() {
    let c = catalog();
    let rows = index();
    assert_eq!(rows.len(), 180);
    for row in &rows {
        let id = &row["derived_item_id"];
        let r = c
            .requirement(OCR_PROTOCOL, id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(
            r.title,
            row["key_activity"]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            "{id}"
        );
        assert_eq!(
            r.cites.as_deref(),
            Some(row["section_normalized"].as_str()),
            "{id}"
        );
        assert_eq!(
            r.family.as_deref(),
            Some(row["audit_type"].as_str()),
            "{id}"
        );
        assert_eq!(
            r.designation,
            Designation::parse_opt(&row["required_addressable"]).unwrap(),
            "{id}"
        );
        if row["audit_type"] != "Privacy" {
            assert!(
                r.summary.as_ref().is_some_and(|s| s.len() > 80),
                "{id} has our own summary"
            );
        }
    }
    let items = c.requirements(OCR_PROTOCOL);
    assert_eq!(items.len(), 180);
    let order: Vec<&str> = items.iter().map(|r| r.reference.as_str()).collect();
    assert_eq!(
        order[..3],
        ["S1", "S2", "S3"],
        "Security and Breach items first, in page order"
    );
}

#[test]
fn protocol_items_point_at_the_requirements_they_test() {
    let c = catalog();
    let tested = |r: &str| {
        c.protocol_items_for(&safeharbor_domain::catalog::ReqKey::new(HIPAA_SECURITY, r))
            .iter()
            .map(|x| x.reference.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(tested("164.308(a)(1)(ii)(A)"), ["S4"]);
    assert_eq!(
        tested("164.308(a)(7)(ii)(E)"),
        ["S29"],
        "the normalized citation, not the misprint"
    );
    assert!(tested("164.308(a)(3)(i)").contains(&"S9".to_owned()));
    let breach = c.protocol_items_for(&safeharbor_domain::catalog::ReqKey::new(
        HIPAA_BREACH,
        "164.404(b)",
    ));
    assert_eq!(
        breach
            .iter()
            .map(|x| x.reference.as_str())
            .collect::<Vec<_>>(),
        ["BNR12"]
    );
}

#[test]
fn nist_identifiers_and_titles_match_nist_data() {
    let c = catalog();
    let text = shared("nist-csf-2.0-core.csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let req = c
            .requirement(CSF_2, &rec[1])
            .unwrap_or_else(|| panic!("CSF 2.0 {} missing", &rec[1]));
        let expected = if &rec[0] == "subcategory" {
            &rec[5]
        } else {
            &rec[4]
        };
        assert_eq!(req.title, expected, "{}", &rec[1]);
        assert_eq!(req.withdrawn, &rec[6] == "withdrawn", "{}", &rec[1]);
        n += 1;
    }
    assert_eq!(n, 225);
    let active_subcats = c
        .requirements(CSF_2)
        .iter()
        .filter(|x| x.kind == RequirementKind::Subcategory && !x.withdrawn)
        .count();
    assert_eq!(active_subcats, 106);
    let text = shared("nist-sp800-53r5-controls.csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let ids: BTreeSet<String> = r.records().map(|x| x.unwrap()[0].to_owned()).collect();
    let ours: BTreeSet<String> = c
        .requirements(SP800_53)
        .iter()
        .map(|x| x.reference.clone())
        .collect();
    assert_eq!(ids, ours);
    assert_eq!(
        c.requirement(SP800_53, "AC-2").unwrap().title,
        "Account Management"
    );
}

#[test]
fn hipaa_maps_to_csf_1_1_800_53_and_through_csf_1_1_to_csf_2_0() {
    let c = catalog();
    let k = safeharbor_domain::catalog::ReqKey::new(HIPAA_SECURITY, "164.308(a)(1)(ii)(A)");
    let targets: BTreeSet<String> = c
        .mappings_from(&k)
        .iter()
        .map(|m| format!("{}:{}", m.to.framework, m.to.reference))
        .collect();
    assert!(targets.contains("nist-csf-1.1:ID.RA-1"), "{targets:?}");
    assert!(targets.contains("nist-800-53r5:RA-3"));
    assert!(
        targets.contains("nist-csf-2.0:ID.RA-01"),
        "derived through NIST's 1.1 to 2.0 links"
    );
    // Every standard maps somewhere.
    for s in c.of_kind(HIPAA_SECURITY, RequirementKind::Standard) {
        let k = safeharbor_domain::catalog::ReqKey::new(HIPAA_SECURITY, &s.reference);
        assert!(
            !c.mappings_from(&k).is_empty(),
            "{} has no mapping",
            s.reference
        );
    }
    // The NPRM's changes point at current requirements and say they are proposed.
    let nprm = c.requirements(safeharbor_catalog::NPRM_2025);
    assert!(nprm.len() >= 15);
    assert!(
        nprm.iter()
            .all(|r| r.summary.as_deref().unwrap_or("").contains("ropos"))
    );
    assert_eq!(c.nprm_status().label, "proposed, not in force");
    assert_eq!(c.nprm_status().fr_citation, "90 FR 898");
}
