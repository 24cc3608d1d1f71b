//! What a risk analysis must hold before it can be finalized: the checks an OCR investigator
//! would make first. Pure: it reads an assembled [`SraDocument`] and lists each gap with the
//! item it concerns, so the finalize page and the API refusal can name every one.
//!
//! - 164.308(a)(2): a named security official.
//! - 164.308(a)(1)(ii)(A): an inventory of the systems that create, receive, maintain or
//!   transmit ePHI (or a reviewed statement that there are none); every such system examined
//!   against every threat category; every standard and specification answered for real
//!   ("not applicable" only where the catalog states a condition), with how it is implemented.
//! - 164.306(d)(3): each addressable specification carries a decision consistent with its status.
//! - 164.308(a)(1)(ii)(B): a risk for each gap, and a treatment for every risk above the
//!   organization's acceptance threshold.

use std::collections::{HashMap, HashSet};

use safeharbor_domain::ids::{AssetId, RiskId};
use safeharbor_domain::risk::{
    Asset, Protection, ResponseStatus, Risk, RiskStatus, THREAT_CATEGORIES, Task, Treatment,
};
use serde::Serialize;

use super::{Item, SraDocument};

/// Where a gap is fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum GapTarget {
    /// A questionnaire item, by citation.
    Item(String),
    /// An asset of the inventory.
    Asset(AssetId),
    /// A risk of the register.
    Risk(RiskId),
    /// The inventory as a whole.
    Inventory,
    /// The organization's HIPAA profile (officials, acceptance threshold).
    Profile,
    /// The organization's sign-off.
    SignOff,
}

/// One thing missing before the analysis can be finalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The citation of the item, or `inventory`, `asset:<id>`, `risk:<id>`,
    /// `security_official`, `sign_off`.
    pub field: String,
    /// What is missing, as a sentence.
    pub message: String,
    /// Where to fix it.
    pub target: GapTarget,
}

impl Gap {
    fn item(reference: &str, message: impl std::fmt::Display) -> Self {
        Self {
            field: reference.to_owned(),
            message: format!("{reference}: {message}"),
            target: GapTarget::Item(reference.to_owned()),
        }
    }
}

/// What the checks read besides the document.
#[derive(Debug, Clone)]
pub struct CheckInput<'a> {
    /// The live document (draft).
    pub doc: &'a SraDocument,
    /// Threat key (library or custom) to its NIST SP 800-30 category.
    pub category_of: &'a HashMap<String, String>,
    /// Risks scoring above this need a treatment.
    pub acceptance_max: u8,
}

/// Every gap, in the order a reviewer would work them: the organization, the inventory, the
/// questionnaire, the assets' threat coverage, then the plan.
pub fn gaps(input: &CheckInput<'_>) -> Vec<Gap> {
    let doc = input.doc;
    let mut out = Vec::new();
    if doc.profile.security_official.is_none() {
        out.push(Gap {
            field: "security_official".into(),
            message: "Name the organization's security official (164.308(a)(2)): the one \
                      person responsible for its security policies and procedures."
                .into(),
            target: GapTarget::Profile,
        });
    }
    let ephi: Vec<&Asset> = doc
        .assets
        .iter()
        .filter(|a| a.archived_at.is_none() && a.fields.ephi_role.is_ephi())
        .collect();
    inventory_gaps(doc, &ephi, &mut out);
    let risks_by_item = risks_by_item(&doc.risks);
    let tasks_by_risk = tasks_by_risk(&doc.tasks);
    for item in &doc.items {
        item_gaps(
            item,
            &ephi,
            &risks_by_item,
            &tasks_by_risk,
            &doc.tasks,
            &mut out,
        );
    }
    for a in &ephi {
        asset_gaps(doc, input.category_of, a, &mut out);
    }
    for r in &doc.risks {
        risk_gaps(r, input.acceptance_max, &tasks_by_risk, &mut out);
    }
    out
}

fn inventory_gaps(doc: &SraDocument, ephi: &[&Asset], out: &mut Vec<Gap>) {
    if !ephi.is_empty() {
        return;
    }
    let message = match &doc.assessment.no_ephi {
        None => {
            "The inventory lists no system that creates, receives, maintains or transmits \
             ePHI. Add them (EHR, imaging, phones with voicemail, backups, workstations...), or \
             write a reasoned statement that there are none for a reviewer to confirm."
        }
        Some(s) if s.confirmed_by.is_none() => {
            "The statement that there are no ePHI systems has not been confirmed by a reviewer \
             (an administrator other than its writer)."
        }
        Some(_) => return,
    };
    out.push(Gap {
        field: "inventory".into(),
        message: message.into(),
        target: GapTarget::Inventory,
    });
}

fn risks_by_item(risks: &[Risk]) -> HashMap<&str, Vec<&Risk>> {
    let mut m: HashMap<&str, Vec<&Risk>> = HashMap::new();
    for r in risks {
        if let Some(reference) = r.source.strip_prefix("assessment:") {
            m.entry(reference).or_default().push(r);
        }
    }
    m
}

fn tasks_by_risk(tasks: &[Task]) -> HashMap<String, Vec<&Task>> {
    let mut m: HashMap<String, Vec<&Task>> = HashMap::new();
    for t in tasks.iter().filter(|t| t.origin_kind == "risk") {
        if let Some(r) = &t.origin_ref {
            m.entry(r.clone()).or_default().push(t);
        }
    }
    m
}

fn item_gaps(
    item: &Item,
    ephi: &[&Asset],
    risks_by_item: &HashMap<&str, Vec<&Risk>>,
    tasks_by_risk: &HashMap<String, Vec<&Task>>,
    tasks: &[Task],
    out: &mut Vec<Gap>,
) {
    let reference = item.requirement.reference.as_str();
    let own = item.response.as_ref().map(|r| &r.answer);
    let Some(status) = item.effective_status() else {
        out.push(Gap::item(reference, "not answered yet."));
        return;
    };
    if item.answered_by_provider()
        && let Some(why) = contradiction(item, ephi)
    {
        out.push(Gap::item(
            reference,
            format!(
                "provided by the MSP, but {why}. The organization must answer this item itself."
            ),
        ));
        return;
    }
    if status == ResponseStatus::NotApplicable && item.requirement.na_condition.is_none() {
        out.push(Gap::item(
            reference,
            "answered not applicable, but it applies to every organization that handles ePHI; \
             answer whether it is implemented.",
        ));
        return;
    }
    if let Some(a) = own
        && item.addressable()
        && let Some(problem) = a.decision_problem()
    {
        out.push(Gap::item(reference, problem));
    }
    if status == ResponseStatus::Implemented
        && !item.answered_by_provider()
        && own.is_some_and(|a| a.implementation.is_none() && a.alternative.is_none())
        && item.own_controls.is_empty()
        && item.evidence.is_empty()
    {
        out.push(Gap::item(
            reference,
            "answered implemented without saying how: describe the safeguard, or link a \
             control or evidence to this citation.",
        ));
    }
    if matches!(
        status,
        ResponseStatus::NotImplemented | ResponseStatus::Partial
    ) {
        let risks = risks_by_item.get(reference).map_or(&[][..], Vec::as_slice);
        if risks.is_empty() {
            out.push(Gap::item(
                reference,
                format!(
                    "answered {}, with no risk recorded for the gap: add one to the register.",
                    status.label().to_lowercase()
                ),
            ));
        } else if item.addressable() && own.is_some_and(|a| a.decision.is_none()) {
            // 164.306(d)(3): without decision (b) or (c), the gap must be planned for.
            let planned = risks
                .iter()
                .any(|r| tasks_by_risk.contains_key(&r.id.to_string()))
                || tasks.iter().any(|t| {
                    t.origin_kind == "assessment" && t.origin_ref.as_deref() == Some(reference)
                });
            if !planned {
                out.push(Gap::item(
                    reference,
                    "addressable and not fully implemented, with no decision and no task to \
                     implement it: record an equivalent alternative, or why neither the \
                     specification nor an alternative is reasonable and appropriate, or plan \
                     a task (164.306(d)(3)).",
                ));
            }
        }
    }
}

/// Why an inherited claim disagrees with the inventory, if it does: the MSP says MFA or
/// encryption is in place while assets the practice recorded say otherwise.
fn contradiction(item: &Item, ephi: &[&Asset]) -> Option<String> {
    let names = |f: &dyn Fn(&Asset) -> bool| -> Vec<&str> {
        ephi.iter()
            .filter(|a| f(a))
            .map(|a| a.fields.name.as_str())
            .collect()
    };
    let (what, bad) = match item.requirement.reference.as_str() {
        "164.312(d)" => (
            "multi-factor authentication is recorded as not in place on",
            names(&|a| a.fields.mfa == Protection::No),
        ),
        "164.312(a)(2)(iv)" => (
            "encryption at rest is recorded as missing or unknown on",
            names(&|a| {
                matches!(
                    a.fields.encryption_at_rest,
                    Protection::No | Protection::Unknown
                )
            }),
        ),
        "164.312(e)(2)(ii)" => (
            "encryption in transit is recorded as missing or unknown on",
            names(&|a| {
                matches!(
                    a.fields.encryption_in_transit,
                    Protection::No | Protection::Unknown
                )
            }),
        ),
        _ => return None,
    };
    if bad.is_empty() {
        return None;
    }
    let shown: Vec<&str> = bad.iter().take(3).copied().collect();
    let more = bad.len() - shown.len();
    Some(format!(
        "{what} {}{}",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    ))
}

fn asset_gaps(
    doc: &SraDocument,
    category_of: &HashMap<String, String>,
    asset: &Asset,
    out: &mut Vec<Gap>,
) {
    let mut covered: HashSet<&str> = doc
        .risks
        .iter()
        .filter(|r| r.fields.asset_id == Some(asset.id))
        .filter_map(|r| category_of.get(&r.fields.threat_key).map(String::as_str))
        .collect();
    covered.extend(
        doc.considerations
            .iter()
            .filter(|c| c.asset_id == asset.id)
            .map(|c| c.category.as_str()),
    );
    let missing: Vec<&str> = THREAT_CATEGORIES
        .iter()
        .filter(|(k, _)| !covered.contains(k))
        .map(|(k, _)| *k)
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(Gap {
        field: format!("asset:{}", asset.id),
        message: format!(
            "{}: no threat assessed and none recorded as considered and not relevant for the \
             {} categor{}.",
            asset.fields.name,
            missing.join(", "),
            if missing.len() == 1 { "y" } else { "ies" }
        ),
        target: GapTarget::Asset(asset.id),
    });
}

fn risk_gaps(
    r: &Risk,
    acceptance_max: u8,
    tasks_by_risk: &HashMap<String, Vec<&Task>>,
    out: &mut Vec<Gap>,
) {
    if r.status == RiskStatus::Closed || r.current_score() <= acceptance_max {
        return;
    }
    let name = format!(
        "{} ({}){}",
        r.fields.threat_name,
        r.fields.vulnerability,
        r.asset_name
            .as_deref()
            .or(r.fields.asset_group.as_deref())
            .map_or(String::new(), |a| format!(" on {a}"))
    );
    let problem = match r.fields.treatment {
        None => Some(format!(
            "scores {} (above the acceptance threshold of {acceptance_max}) and has no \
             treatment: mitigate, accept, transfer or avoid it.",
            r.current_score()
        )),
        Some(Treatment::Mitigate) => {
            let tasks = tasks_by_risk
                .get(&r.id.to_string())
                .map_or(&[][..], Vec::as_slice);
            if tasks
                .iter()
                .any(|t| t.assignee.is_some() && t.due_date.is_some())
            {
                None
            } else {
                Some(
                    "is to be mitigated, but no task with an owner and a due date plans it.".into(),
                )
            }
        }
        Some(Treatment::Accept) if r.status != RiskStatus::Accepted => Some(
            "is marked for acceptance, but no administrator has accepted it with a rationale."
                .into(),
        ),
        Some(Treatment::Accept) => None,
        Some(t @ (Treatment::Transfer | Treatment::Avoid)) => {
            r.fields.treatment_detail.is_none().then(|| {
                format!(
                    "is to be {}, without saying how.",
                    if t == Treatment::Transfer {
                        "transferred (to whom, under what agreement)"
                    } else {
                        "avoided (what activity stops)"
                    }
                )
            })
        }
    };
    if let Some(p) = problem {
        out.push(Gap {
            field: format!("risk:{}", r.id),
            message: format!("Risk {name} {p}"),
            target: GapTarget::Risk(r.id),
        });
    }
}
