//! The security risk assessment report: CSV parts here, the PDF through `pdf::render` with
//! `templates/sra.typ`. Both read an [`SraDocument`]: live data for a draft, the frozen
//! snapshot for a finalized assessment.

use safeharbor_core::risks::heat_map;
use safeharbor_core::sra::{FAMILIES, SraDocument};
use safeharbor_domain::risk::{
    BREACH_NOTICE_RULE, IMPACT_SCALE, LIKELIHOOD_SCALE, ResponseStatus, Risk, RiskLevel,
    RiskStatus, Task, TaskStatus,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::csv::CsvWriter;
use crate::pdf::{PdfError, long_date, render};

fn opt(s: Option<&String>) -> String {
    s.cloned().unwrap_or_default()
}

fn rating(r: Option<safeharbor_domain::risk::Rating>) -> String {
    r.map_or(String::new(), |r| r.get().to_string())
}

/// The asset inventory as CSV, in the columns the import reads.
pub fn assets_csv(doc: &SraDocument) -> String {
    let mut w = CsvWriter::new();
    w.row([
        "name",
        "kind",
        "location",
        "ephi_role",
        "criticality",
        "owner",
        "vendor",
        "encryption_at_rest",
        "encryption_in_transit",
        "mfa",
        "notes",
    ]);
    for a in &doc.assets {
        let f = &a.fields;
        w.row([
            f.name.clone(),
            f.kind.as_str().into(),
            opt(a.location_name.as_ref()),
            f.ephi_role.as_str().into(),
            f.criticality.as_str().into(),
            opt(f.owner.as_ref()),
            opt(f.vendor.as_ref()),
            f.encryption_at_rest.as_str().into(),
            f.encryption_in_transit.as_str().into(),
            f.mfa.as_str().into(),
            opt(f.notes.as_ref()),
        ]);
    }
    w.finish()
}

/// The risk register as CSV.
pub fn risks_csv(doc: &SraDocument) -> String {
    let t = &doc.thresholds;
    let mut w = CsvWriter::new();
    w.row([
        "id",
        "asset",
        "threat",
        "vulnerability",
        "likelihood",
        "impact",
        "inherent_score",
        "inherent_level",
        "existing_controls",
        "residual_likelihood",
        "residual_impact",
        "residual_score",
        "residual_level",
        "treatment",
        "owner",
        "due_date",
        "status",
        "acceptance_rationale",
        "accepted_by",
        "source",
    ]);
    for r in &doc.risks {
        let f = &r.fields;
        w.row([
            r.id.to_string(),
            asset_label(r),
            f.threat_name.clone(),
            f.vulnerability.clone(),
            f.likelihood.get().to_string(),
            f.impact.get().to_string(),
            r.inherent_score().to_string(),
            t.level(r.inherent_score()).as_str().into(),
            opt(f.existing_controls.as_ref()),
            rating(f.residual_likelihood),
            rating(f.residual_impact),
            r.residual_score().map_or(String::new(), |s| s.to_string()),
            r.residual_score()
                .map_or(String::new(), |s| t.level(s).as_str().into()),
            f.treatment.map_or(String::new(), |x| x.as_str().into()),
            opt(f.owner.as_ref()),
            f.due_date.map_or(String::new(), |d| d.to_string()),
            r.status.as_str().into(),
            opt(r.acceptance_rationale.as_ref()),
            opt(r.accepted_by.as_ref()),
            r.source.clone(),
        ]);
    }
    w.finish()
}

/// The questionnaire as CSV, one row per requirement.
pub fn questionnaire_csv(doc: &SraDocument) -> String {
    let mut w = CsvWriter::new();
    w.row([
        "ref",
        "title",
        "safeguard",
        "kind",
        "designation",
        "status",
        "answered_by",
        "addressable_decision",
        "alternative",
        "reason",
        "notes",
        "inherited_controls",
    ]);
    for it in &doc.items {
        let r = &it.requirement;
        let a = it.response.as_ref().map(|x| &x.answer);
        w.row([
            r.reference.clone(),
            r.title.clone(),
            r.family.clone().unwrap_or_default(),
            r.kind.as_str().into(),
            r.designation.map_or(String::new(), |d| d.as_str().into()),
            it.effective_status()
                .map_or(String::new(), |s| s.as_str().into()),
            if it.answered_by_provider() {
                "provider (inherited)".into()
            } else {
                it.response
                    .as_ref()
                    .map_or(String::new(), |x| x.updated_by.clone())
            },
            a.and_then(|a| a.decision)
                .map_or(String::new(), |d| d.as_str().into()),
            opt(a.and_then(|a| a.alternative.as_ref())),
            opt(a.and_then(|a| a.reason.as_ref())),
            opt(a.and_then(|a| a.notes.as_ref())),
            it.inherited
                .iter()
                .map(|c| format!("{} ({}, {})", c.title, c.provider, c.status.as_str()))
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    w.finish()
}

/// The risk management plan as CSV.
pub fn plan_csv(doc: &SraDocument) -> String {
    let mut w = CsvWriter::new();
    w.row([
        "title",
        "assignee",
        "due_date",
        "status",
        "origin",
        "completed_at",
    ]);
    for t in &doc.tasks {
        w.row([
            t.title.clone(),
            opt(t.assignee.as_ref()),
            t.due_date.map_or(String::new(), |d| d.to_string()),
            t.status.as_str().into(),
            format!(
                "{}{}",
                t.origin_kind,
                t.origin_ref
                    .as_ref()
                    .map_or(String::new(), |r| format!(":{r}"))
            ),
            t.completed_at
                .map_or(String::new(), |c| c.date().to_string()),
        ]);
    }
    w.finish()
}

fn asset_label(r: &Risk) -> String {
    r.asset_name
        .clone()
        .or_else(|| r.fields.asset_group.clone())
        .unwrap_or_default()
}

fn role_label(role: &str) -> &'static str {
    match role {
        "covered_entity" => "Covered entity",
        "business_associate" => "Business associate",
        "hybrid_entity" => "Hybrid entity",
        _ => "Organization",
    }
}

fn status_label(s: Option<ResponseStatus>) -> &'static str {
    s.map_or("Unanswered", ResponseStatus::label)
}

/// What the analysis covered, in sentences computed from the data: never "the assets were
/// inventoried" over an empty inventory.
fn coverage_sentences(doc: &SraDocument) -> Vec<String> {
    let ephi: Vec<_> = doc
        .assets
        .iter()
        .filter(|a| a.archived_at.is_none() && a.fields.ephi_role.is_ephi())
        .collect();
    let active = doc
        .assets
        .iter()
        .filter(|a| a.archived_at.is_none())
        .count();
    let paper = doc
        .assets
        .iter()
        .filter(|a| a.archived_at.is_none() && !a.fields.ephi_role.is_ephi())
        .filter(|a| a.fields.ephi_role.as_str() == "phi_on_paper")
        .count();
    let mut out = Vec::new();
    if ephi.is_empty() {
        match &doc.assessment.no_ephi {
            Some(n) => out.push(format!(
                "The inventory lists no system that creates, receives, maintains or transmits \
                 ePHI. The organization states: \"{}\" (written by {}{}).",
                n.statement,
                n.written_by,
                n.confirmed_by.as_ref().map_or_else(
                    || ", not yet confirmed by a reviewer".to_owned(),
                    |c| { format!(", confirmed by {c}") }
                )
            )),
            None => out.push(
                "The asset inventory lists no system that creates, receives, maintains or \
                 transmits ePHI: this analysis does not yet cover the organization's ePHI."
                    .to_owned(),
            ),
        }
    } else {
        out.push(format!(
            "The inventory lists {active} asset{} at {} location{}; {} of them create, receive, \
             maintain or transmit ePHI{}.",
            plural(active),
            doc.locations.len(),
            plural(doc.locations.len()),
            ephi.len(),
            if paper > 0 {
                format!(" and {paper} hold PHI on paper only, outside the Security Rule")
            } else {
                String::new()
            }
        ));
        out.push(format!(
            "{} risk{} {} recorded in the register, and {} threat categor{} {} recorded as \
             considered and not relevant for a system, each with its reason.",
            doc.risks.len(),
            plural(doc.risks.len()),
            if doc.risks.len() == 1 { "is" } else { "are" },
            doc.considerations.len(),
            if doc.considerations.len() == 1 {
                "y"
            } else {
                "ies"
            },
            if doc.considerations.len() == 1 {
                "is"
            } else {
                "are"
            },
        ));
    }
    let answered = doc
        .items
        .iter()
        .filter(|i| i.effective_status().is_some())
        .count();
    out.push(format!(
        "{answered} of the {} Security Rule standards and implementation specifications are \
         answered in the questionnaire.",
        doc.items.len()
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The risk or finding a plan task treats, named.
fn treats(doc: &SraDocument, t: &Task) -> String {
    match (t.origin_kind.as_str(), t.origin_ref.as_deref()) {
        ("risk", Some(id)) => doc
            .risks
            .iter()
            .find(|r| r.id.to_string() == id)
            .map_or_else(
                || "A risk no longer in the register".to_owned(),
                |r| {
                    format!(
                        "Risk: {} ({}) on {}",
                        r.fields.threat_name,
                        r.fields.vulnerability,
                        asset_label(r)
                    )
                },
            ),
        ("assessment", Some(c)) => format!("Questionnaire gap: {c}"),
        ("import", Some(c)) => format!("Import finding: {c}"),
        ("manual", _) => "Added to the plan by hand".to_owned(),
        (kind, r) => format!("{kind}{}", r.map_or(String::new(), |r| format!(": {r}"))),
    }
}

/// The security measures in place for a questionnaire item: how it is implemented, the
/// organization's own controls and evidence, and what the provider delivers.
fn item_measures(i: &safeharbor_core::sra::Item) -> String {
    let a = i.response.as_ref().map(|x| &x.answer);
    let mut parts = Vec::new();
    if let Some(h) = a.and_then(|a| a.implementation.as_ref()) {
        parts.push(h.clone());
    }
    if let Some(alt) = a.and_then(|a| a.alternative.as_ref()) {
        parts.push(format!("Alternative measure: {alt}"));
    }
    if !i.own_controls.is_empty() {
        parts.push(format!("Controls: {}", i.own_controls.join("; ")));
    }
    if !i.evidence.is_empty() {
        parts.push(format!("Evidence: {}", i.evidence.join("; ")));
    }
    if !i.inherited.is_empty() {
        parts.push(format!(
            "Provided by the MSP: {}",
            i.inherited
                .iter()
                .map(|c| format!("{} ({})", c.title, c.provider))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(n) = a.and_then(|a| a.notes.as_ref().or(a.reason.as_ref())) {
        parts.push(n.clone());
    }
    parts.join(". ")
}

/// The data the PDF template reads.
pub fn sra_data(doc: &SraDocument, now: OffsetDateTime) -> Value {
    let t = &doc.thresholds;
    let today = now.date();
    let a = &doc.assessment;
    let progress = doc.progress();
    let open_risks: Vec<&Risk> = doc
        .risks
        .iter()
        .filter(|r| r.status != RiskStatus::Closed)
        .collect();
    let level_counts = |residual: bool| {
        let mut c = [0u32; 4];
        for r in &open_risks {
            let s = if residual {
                r.current_score()
            } else {
                r.inherent_score()
            };
            c[match t.level(s) {
                RiskLevel::Low => 0,
                RiskLevel::Medium => 1,
                RiskLevel::High => 2,
                RiskLevel::Critical => 3,
            }] += 1;
        }
        c
    };
    let ephi_assets = doc
        .assets
        .iter()
        .filter(|a| a.fields.ephi_role.is_ephi())
        .count();
    json!({
        "org": doc.org_name,
        "role": role_label(&doc.hipaa_role),
        "checked": a.checks_version.is_some(),
        "coverage": coverage_sentences(doc),
        "breach_rule": BREACH_NOTICE_RULE,
        "valid_months": doc.valid_months,
        "prepared_by": a.prepared_by.clone().unwrap_or_else(|| a.started_by.clone()),
        "security_official": doc.profile.security_official.as_ref().map(|o| o.name.clone()),
        "sign_off": a.sign_off.as_ref().map(|s| json!({"by": s.by, "capacity": s.capacity, "at": long_date(s.at)})),
        "participants": doc.participants.iter().map(|p| json!([p.name, p.role])).collect::<Vec<_>>(),
        "considerations": doc.considerations.iter().map(|c| json!([
            doc.assets.iter().find(|a| a.id == c.asset_id).map(|a| a.fields.name.clone()).unwrap_or_default(),
            c.category, c.reason,
        ])).collect::<Vec<_>>(),
        "is_provider": doc.is_provider,
        "period": a.period,
        "final": a.finalized_at.is_some(),
        "started": long_date(a.started_at),
        "started_by": a.started_by,
        "finalized": a.finalized_at.map(long_date),
        "finalized_by": a.finalized_by,
        "sha256": a.snapshot_sha256,
        "generated": long_date(now),
        "scope": a.scope,
        "locations": doc.locations,
        "thresholds": [t.low_max, t.medium_max, t.high_max],
        "likelihood_scale": LIKELIHOOD_SCALE.iter().map(|(n, l, d)| json!([n, l, d])).collect::<Vec<_>>(),
        "impact_scale": IMPACT_SCALE.iter().map(|(n, l, d)| json!([n, l, d])).collect::<Vec<_>>(),
        "summary": {
            "assets": doc.assets.len(),
            "ephi_assets": ephi_assets,
            "open_risks": open_risks.len(),
            "inherent_levels": level_counts(false),
            "current_levels": level_counts(true),
            "open_tasks": doc.tasks.iter().filter(|t| t.status == TaskStatus::Open).count(),
            "overdue_tasks": doc.tasks.iter().filter(|t| t.is_overdue(today)).count(),
        },
        "heat_inherent": heat_map(&doc.risks, false),
        "heat_residual": heat_map(&doc.risks, true),
        "progress": progress.iter().map(|p| json!({
            "label": p.label, "total": p.total, "answered": p.answered, "implemented": p.implemented,
            "partial": p.partial, "not_implemented": p.not_implemented, "not_applicable": p.not_applicable,
        })).collect::<Vec<_>>(),
        "assets": doc.assets.iter().map(|x| {
            let f = &x.fields;
            json!([f.name, f.kind.label(), x.location_name.clone().unwrap_or_default(), f.ephi_role.label(),
                   f.criticality.label(), f.encryption_at_rest.label(), f.encryption_in_transit.label(), f.mfa.label()])
        }).collect::<Vec<_>>(),
        "risks": open_risks.iter().map(|r| {
            let f = &r.fields;
            let level = t.level(r.inherent_score());
            json!([
                asset_label(r), f.threat_name, f.vulnerability,
                format!("{}×{}={}", f.likelihood.get(), f.impact.get(), r.inherent_score()),
                level.as_str(),
                r.residual_score().map_or("—".to_owned(), |s| format!("{s} {}", t.level(s).label())),
                r.residual_score().map_or(level.as_str(), |s| t.level(s).as_str()),
                f.treatment.map_or("—", |x| x.label()),
                r.status.label(),
                f.owner.clone().unwrap_or_default(),
                f.due_date.map_or(String::new(), |d| d.to_string()),
                f.existing_controls.clone().unwrap_or_default(),
                f.treatment_detail.clone().unwrap_or_default(),
            ])
        }).collect::<Vec<_>>(),
        "accepted": doc.risks.iter().filter(|r| r.status == RiskStatus::Accepted).map(|r| json!([
            asset_label(r), r.fields.threat_name, r.fields.vulnerability, r.current_score(),
            r.acceptance_rationale.clone().unwrap_or_default(), r.accepted_by.clone().unwrap_or_default(),
            r.accepted_at.map(long_date).unwrap_or_default(),
        ])).collect::<Vec<_>>(),
        "families": FAMILIES.iter().map(|(key, label)| json!({
            "label": label,
            "items": doc.items.iter().filter(|i| i.requirement.family.as_deref() == Some(key)).map(|i| {
                let r = &i.requirement;
                json!([
                    r.reference, r.title,
                    r.designation.map_or("Standard", |d| if d.as_str() == "addressable" { "Addressable" } else { "Required" }),
                    status_label(i.effective_status()),
                    i.effective_status().map_or("none", ResponseStatus::as_str),
                    if i.answered_by_provider() { "Provider (inherited)".to_owned() } else { i.response.as_ref().map(|x| x.updated_by.clone()).unwrap_or_default() },
                    item_measures(i),
                ])
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "addressable": doc.items.iter().filter(|i| i.addressable()).map(|i| {
            let ans = i.response.as_ref().map(|x| &x.answer);
            json!([
                i.requirement.reference, i.requirement.title,
                ans.and_then(|a| a.decision).map_or(if i.answered_by_provider() { "Implemented by the provider" } else { "No decision recorded" }, |d| d.label()),
                ans.map(|a| [a.reason.as_deref(), a.alternative.as_deref(), a.alternative_reason.as_deref()]
                    .into_iter().flatten().collect::<Vec<_>>().join(" — ")).unwrap_or_default(),
            ])
        }).collect::<Vec<_>>(),
        "tasks": doc.tasks.iter().map(|x| json!([
            x.title, x.assignee.clone().unwrap_or_default(), x.due_date.map_or(String::new(), |d| d.to_string()),
            if x.is_overdue(today) { "Overdue" } else { x.status.label() },
            x.is_overdue(today),
            treats(doc, x),
        ])).collect::<Vec<_>>(),
    })
}

/// The SRA report as a PDF.
pub fn sra_pdf(doc: &SraDocument, now: OffsetDateTime) -> Result<Vec<u8>, PdfError> {
    render(
        include_str!("../templates/sra.typ"),
        &sra_data(doc, now),
        now,
    )
}
