//! The security risk assessment (SRA) of an organization for a period: a guided questionnaire
//! over every HIPAA Security Rule standard and implementation specification, connected to the
//! risk analysis (assets, threats, vulnerabilities: see [`crate::risks`]) without replacing it.
//!
//! Addressable specifications carry the 164.306(d)(3) decision. An answer of "not implemented"
//! or "partly implemented" becomes a risk or a task in the same step. Finalizing locks the
//! assessment as an immutable snapshot (a JSON document and its SHA-256, with who and when);
//! the database refuses changes to it. The next period starts from a copy of the answers.
//!
//! An organization's risk analysis is current for 12 months after it is finalized, or until an
//! asset change marked significant (164.308(a)(1)(ii)(A) asks for an accurate and thorough
//! assessment; 164.316(b)(2)(iii) asks for periodic review and update).

mod checks;
mod currency;
mod signoff;

use std::collections::HashMap;

use safeharbor_catalog::{Catalog, HIPAA_SECURITY};
use safeharbor_domain::catalog::{Designation, Requirement, RequirementKind};
use safeharbor_domain::ids::{AssessmentId, AssetId, RiskId};
use safeharbor_domain::org::{OrgKind, OrgProfile, Organization};
use safeharbor_domain::risk::{
    Answer, AnswerInput, Assessment, AssessmentStatus, Asset, BLOCK_MAX, ControlStatus, ItemRules,
    LINE_MAX, PERIOD_MAX, Rating, Response, ResponseStatus, Risk, RiskFields, RiskStatus,
    RiskThresholds, SRA_CHECKS_VERSION, Task, ThreatConsideration, parse_date,
};
use safeharbor_domain::text;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;
use crate::ports::{Made, TaskFilter};

pub use checks::{CheckInput, Gap, GapTarget, gaps};
pub use currency::{Currency, DUE_SOON_DAYS, add_months};
pub use signoff::{
    FinalizeReadiness, SignOffState, confirm_no_ephi, readiness, set_details, set_no_ephi, sign_off,
};

/// The safeguard families of the questionnaire, in the rule's order.
pub const FAMILIES: [(&str, &str); 5] = [
    ("administrative", "Administrative safeguards (164.308)"),
    ("physical", "Physical safeguards (164.310)"),
    ("technical", "Technical safeguards (164.312)"),
    ("organizational", "Organizational requirements (164.314)"),
    (
        "documentation",
        "Policies, procedures and documentation (164.316)",
    ),
];

/// The questionnaire's items: every standard and implementation specification of the
/// Security Rule, in regulation order.
pub fn questionnaire(c: &Catalog) -> Vec<Requirement> {
    c.requirements(HIPAA_SECURITY)
        .into_iter()
        .filter(|r| {
            !r.withdrawn
                && matches!(
                    r.kind,
                    RequirementKind::Standard | RequirementKind::ImplementationSpec
                )
        })
        .cloned()
        .collect()
}

/// The citation of a questionnaire item as the catalog prints it, from either form people
/// type (`164.308(a)(1)` or `164.308(a)(1)(i)`).
pub async fn canonical_ref(app: &App, typed: &str) -> Result<String> {
    let c = app.catalog().await?;
    c.requirement(HIPAA_SECURITY, typed)
        .map(|r| r.reference.clone())
        .ok_or(Error::NotFound)
}

/// What the catalog says about an item, for checking its answer.
pub fn rules_of(req: &Requirement) -> ItemRules {
    ItemRules {
        addressable: req.designation == Some(Designation::Addressable),
        na_allowed: req.na_condition.is_some(),
    }
}

/// A provider control that covers an item, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InheritedControl {
    /// The party responsible (the provider's name).
    pub provider: String,
    /// The control.
    pub title: String,
    /// Its status.
    pub status: ControlStatus,
    /// Who runs it at the provider.
    pub owner: Option<String>,
    /// How often it is performed.
    pub frequency: Option<String>,
}

/// One questionnaire item with its answer and what the provider delivers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The requirement.
    pub requirement: Requirement,
    /// The organization's own answer.
    pub response: Option<Response>,
    /// Controls the provider delivers for it.
    pub inherited: Vec<InheritedControl>,
    /// The organization's own controls that claim it (titles).
    #[serde(default)]
    pub own_controls: Vec<String>,
    /// Current evidence linked to it (titles).
    #[serde(default)]
    pub evidence: Vec<String>,
}

impl Item {
    /// Whether it is an addressable implementation specification.
    pub fn addressable(&self) -> bool {
        self.requirement.designation == Some(Designation::Addressable)
    }

    /// The answer that counts: the organization's own, else what inherited controls give.
    pub fn effective_status(&self) -> Option<ResponseStatus> {
        if let Some(s) = self.response.as_ref().and_then(|r| r.answer.status) {
            return Some(s);
        }
        if self
            .inherited
            .iter()
            .any(|c| c.status == ControlStatus::Implemented)
        {
            return Some(ResponseStatus::Implemented);
        }
        if self
            .inherited
            .iter()
            .any(|c| c.status == ControlStatus::Partial)
        {
            return Some(ResponseStatus::Partial);
        }
        None
    }

    /// Whether the effective answer comes from the provider alone.
    pub fn answered_by_provider(&self) -> bool {
        self.response
            .as_ref()
            .and_then(|r| r.answer.status)
            .is_none()
            && self.effective_status().is_some()
    }
}

/// Progress of one safeguard family (or all of them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Family key (`all` for the total).
    pub family: String,
    /// Label.
    pub label: String,
    /// Items.
    pub total: u32,
    /// Items with an effective answer.
    pub answered: u32,
    /// Implemented.
    pub implemented: u32,
    /// Partly implemented.
    pub partial: u32,
    /// Not implemented.
    pub not_implemented: u32,
    /// Not applicable.
    pub not_applicable: u32,
}

impl Progress {
    /// Percent answered, rounded down.
    pub fn percent(&self) -> u32 {
        (self.answered * 100).checked_div(self.total).unwrap_or(0)
    }

    fn add(&mut self, s: Option<ResponseStatus>) {
        self.total += 1;
        match s {
            None => {}
            Some(s) => {
                self.answered += 1;
                match s {
                    ResponseStatus::Implemented => self.implemented += 1,
                    ResponseStatus::Partial => self.partial += 1,
                    ResponseStatus::NotImplemented => self.not_implemented += 1,
                    ResponseStatus::NotApplicable => self.not_applicable += 1,
                }
            }
        }
    }
}

/// Progress per family, then the total.
pub fn progress(items: &[Item]) -> Vec<Progress> {
    let mut out: Vec<Progress> = FAMILIES
        .iter()
        .map(|(k, l)| Progress {
            family: (*k).into(),
            label: (*l).into(),
            ..Progress::default()
        })
        .collect();
    let mut total = Progress {
        family: "all".into(),
        label: "All safeguards".into(),
        ..Progress::default()
    };
    for it in items {
        let s = it.effective_status();
        total.add(s);
        let fam = it.requirement.family.as_deref().unwrap_or("");
        if let Some(p) = out.iter_mut().find(|p| p.family == fam) {
            p.add(s);
        }
    }
    out.push(total);
    out
}

/// Everything the SRA report shows; also the finalized snapshot, frozen as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SraDocument {
    /// Organization name.
    pub org_name: String,
    /// Organization slug.
    pub org_slug: String,
    /// `covered_entity`, `business_associate`...
    pub hipaa_role: String,
    /// Whether the organization is the MSP itself.
    pub is_provider: bool,
    /// The assessment.
    pub assessment: Assessment,
    /// When this document was assembled.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The matrix thresholds in force.
    pub thresholds: RiskThresholds,
    /// Location names (the scope's sites).
    pub locations: Vec<String>,
    /// The asset inventory.
    pub assets: Vec<Asset>,
    /// The risk register.
    pub risks: Vec<Risk>,
    /// The questionnaire.
    pub items: Vec<Item>,
    /// The risk management plan.
    pub tasks: Vec<Task>,
    /// The organization's officials and risk acceptance threshold when assembled.
    #[serde(default)]
    pub profile: OrgProfile,
    /// Threat categories recorded as considered and not relevant, per asset.
    #[serde(default)]
    pub considerations: Vec<ThreatConsideration>,
    /// Who took part: preparer, answerers, the security official, the signer.
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// For how many months the installation treats a finalized analysis as current (a
    /// Safeharbor default setting, not a term of the rule).
    #[serde(default)]
    pub valid_months: Option<u32>,
}

/// Someone who took part in the analysis, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Name or account.
    pub name: String,
    /// Their part (`prepared`, `answered items`, `security official`, `signed off`).
    pub role: String,
}

impl SraDocument {
    /// Progress per family and in total.
    pub fn progress(&self) -> Vec<Progress> {
        progress(&self.items)
    }
}

/// An assessment with its questionnaire, as shown and reported.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    /// The organization.
    pub org: Organization,
    /// The document (live for a draft, the frozen snapshot when final).
    pub doc: SraDocument,
    /// Whether the caller may change it (a draft, and a role that writes).
    pub editable: bool,
    /// For a final assessment: whether the stored snapshot still matches its hash.
    pub snapshot_verified: Option<bool>,
}

async fn items_for(app: &App, scope: &TenantScope, responses: Vec<Response>) -> Result<Vec<Item>> {
    let c = app.catalog().await?;
    let inherited = crate::controls::inherited_in(app, scope).await?;
    let own = app.store.list_controls(scope).await?;
    let today = app.now().date();
    let evidence = app.store.all_evidence(scope).await?;
    let mut by_ref: HashMap<String, Response> = responses
        .into_iter()
        .map(|r| (r.requirement_ref.clone(), r))
        .collect();
    Ok(questionnaire(&c)
        .into_iter()
        .map(|req| {
            let inh = inherited
                .iter()
                .filter(|(_, ctl)| ctl.requirement_refs.contains(&req.reference))
                .map(|(p, ctl)| InheritedControl {
                    provider: p.name.clone(),
                    title: ctl.title.clone(),
                    status: ctl.status,
                    owner: ctl.owner.clone(),
                    frequency: ctl.frequency.clone(),
                })
                .collect();
            let own_controls = own
                .iter()
                .filter(|ctl| {
                    ctl.archived_at.is_none() && ctl.requirement_refs.contains(&req.reference)
                })
                .map(|ctl| ctl.title.clone())
                .collect();
            let evidence = evidence
                .iter()
                .filter(|e| {
                    e.archived_at.is_none()
                        && e.freshness(today) != safeharbor_domain::evidence::Freshness::Expired
                        && e.links.iter().any(|l| {
                            matches!(l,
                                safeharbor_domain::evidence::LinkTarget::Requirement(r)
                                    if *r == req.reference)
                        })
                })
                .map(|e| e.title.clone())
                .collect();
            Item {
                response: by_ref.remove(&req.reference),
                requirement: req,
                inherited: inh,
                own_controls,
                evidence,
            }
        })
        .collect())
}

async fn live_document(
    app: &App,
    scope: &TenantScope,
    assessment: Assessment,
) -> Result<SraDocument> {
    let responses = app.store.responses(scope, assessment.id).await?;
    let items = items_for(app, scope, responses).await?;
    let mut locations = Vec::new();
    let mut page = safeharbor_domain::page::PageRequest::parse(Some(200), None)?;
    loop {
        let p = app
            .store
            .list_locations(scope, &crate::ports::LocationFilter::default(), &page)
            .await?;
        locations.extend(p.items.into_iter().map(|l| l.name));
        match p.next_cursor {
            Some(c) => page = safeharbor_domain::page::PageRequest::parse(Some(200), Some(&c))?,
            None => break,
        }
    }
    let org = scope.org();
    let profile = app.store.org_profile(scope).await?;
    let participants = participants(&assessment, &items, &profile);
    Ok(SraDocument {
        org_name: org.name.clone(),
        org_slug: org.slug.to_string(),
        hipaa_role: org.hipaa_role.as_str().to_owned(),
        is_provider: org.kind == OrgKind::Provider,
        assessment,
        generated_at: app.now(),
        thresholds: app.settings().risk_thresholds,
        locations,
        assets: app.store.all_assets(scope).await?,
        risks: app.store.all_risks(scope).await?,
        items,
        tasks: app.store.list_tasks(scope, &TaskFilter::default()).await?,
        considerations: app.store.threat_considerations(scope).await?,
        profile,
        participants,
        valid_months: Some(app.settings().sra_valid_months),
    })
}

/// Who took part, from the record: the preparer, the people who answered items, the security
/// official, the reviewer of a no-ePHI statement, and the signer.
fn participants(a: &Assessment, items: &[Item], profile: &OrgProfile) -> Vec<Participant> {
    let mut out: Vec<Participant> = Vec::new();
    let mut add = |name: &str, role: &str| {
        if let Some(p) = out.iter_mut().find(|p| p.name == name) {
            if !p.role.split(", ").any(|r| r == role) {
                p.role = format!("{}, {role}", p.role);
            }
        } else {
            out.push(Participant {
                name: name.to_owned(),
                role: role.to_owned(),
            });
        }
    };
    add(
        a.prepared_by.as_deref().unwrap_or(&a.started_by),
        "prepared",
    );
    let mut answerers: Vec<&str> = items
        .iter()
        .filter_map(|i| i.response.as_ref().map(|r| r.updated_by.as_str()))
        .collect();
    answerers.sort_unstable();
    answerers.dedup();
    for who in answerers {
        add(who, "answered items");
    }
    if let Some(o) = &profile.security_official {
        add(&o.name, "security official");
    }
    if let Some(who) = a.no_ephi.as_ref().and_then(|n| n.confirmed_by.as_deref()) {
        add(who, "confirmed the no-ePHI statement");
    }
    if let Some(s) = &a.sign_off {
        add(&s.by, &format!("signed off as {}", s.capacity));
    }
    out
}

/// The organization's assessments, newest first.
pub async fn list(app: &App, caller: &Caller, slug: &str) -> Result<Vec<Assessment>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_assessments(&scope).await
}

/// Starts the assessment of a period, from a copy of the answers of the latest one.
pub async fn start(
    app: &App,
    caller: &Caller,
    slug: &str,
    period: &str,
    scope_text: &str,
) -> Result<Assessment> {
    let period = text::required_line("period", period, PERIOD_MAX)?;
    let scope_text = text::optional_block("scope", Some(scope_text), BLOCK_MAX)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let existing = app.store.list_assessments(&scope).await?;
    if let Some(d) = existing
        .iter()
        .find(|a| a.status == AssessmentStatus::Draft)
    {
        return Err(Error::conflict(
            "period",
            format!(
                "the assessment for {} is still in progress; finalize it before starting another",
                d.period
            ),
        ));
    }
    let previous = existing.first();
    let responses = match previous {
        Some(p) => app.store.responses(&scope, p.id).await?,
        None => Vec::new(),
    };
    let now = app.now();
    let a = Assessment {
        id: AssessmentId::new(),
        org_id: scope.org_id(),
        period,
        status: AssessmentStatus::Draft,
        scope: scope_text,
        copied_from: previous.map(|p| p.id),
        started_at: now,
        started_by: caller.actor_label(),
        finalized_at: None,
        finalized_by: None,
        snapshot_sha256: None,
        checks_version: None,
        prepared_by: None,
        no_ephi: None,
        sign_off: None,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "assessment.start",
        "assessment",
        Some(a.id.to_string()),
        format!(
            "risk assessment {} started{}",
            a.period,
            previous.map_or(String::new(), |p| format!(" from a copy of {}", p.period))
        ),
    );
    app.store
        .insert_assessment(&scope, &a, &responses, &event)
        .await?;
    Ok(a)
}

/// Whether a stored snapshot still matches the hash recorded when it was finalized.
pub fn snapshot_matches(snapshot: &str, sha256_hex: &str) -> bool {
    hex::encode(Sha256::digest(snapshot.as_bytes())) == sha256_hex
}

async fn view_in(app: &App, scope: &TenantScope, id: AssessmentId) -> Result<AssessmentView> {
    let a = app.store.get_assessment(scope, id).await?;
    if a.status == AssessmentStatus::Final {
        let snap = app
            .store
            .assessment_snapshot(scope, id)
            .await?
            .ok_or_else(|| Error::internal("a finalized assessment has no snapshot"))?;
        let verified = a
            .snapshot_sha256
            .as_deref()
            .is_some_and(|h| snapshot_matches(&snap, h));
        let mut doc: SraDocument = serde_json::from_str(&snap)
            .map_err(|_| Error::internal("stored assessment snapshot does not parse"))?;
        doc.assessment = a;
        return Ok(AssessmentView {
            org: scope.org().clone(),
            doc,
            editable: false,
            snapshot_verified: Some(verified),
        });
    }
    let doc = live_document(app, scope, a).await?;
    Ok(AssessmentView {
        org: scope.org().clone(),
        doc,
        editable: scope.role().can_write() && scope.org().archived_at.is_none(),
        snapshot_verified: None,
    })
}

/// One assessment with its questionnaire (the frozen snapshot once final).
pub async fn view(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
) -> Result<AssessmentView> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    view_in(app, &scope, id).await
}

/// What to make from a "not implemented" or "partly implemented" answer.
#[derive(Debug, Clone, Default)]
pub enum MakeFromAnswer {
    /// Nothing.
    #[default]
    Nothing,
    /// A risk in the register.
    Risk {
        /// The asset, if about one.
        asset: Option<AssetId>,
        /// Or a group of assets (default: all systems holding ePHI).
        asset_group: String,
        /// Threat key from the library (default: `other`).
        threat_key: String,
        /// Likelihood 1-5.
        likelihood: Option<i64>,
        /// Impact 1-5.
        impact: Option<i64>,
        /// Owner.
        owner: String,
        /// Due date.
        due_date: String,
    },
    /// A task in the plan.
    Task {
        /// What to do (default: implement the requirement).
        title: String,
        /// Who.
        assignee: String,
        /// When.
        due_date: String,
    },
}

/// What answering made.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Only the answer.
    Answered,
    /// The answer and a risk.
    Risk(Risk),
    /// The answer and a task.
    Task(Task),
}

/// Answers one item of a draft assessment; optionally makes a risk or a task from a gap.
pub async fn answer(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
    requirement: &str,
    fields: &AnswerInput<'_>,
    make: MakeFromAnswer,
) -> Result<Outcome> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let wanted = canonical_ref(app, requirement).await?;
    let c = app.catalog().await?;
    let req = questionnaire(&c)
        .into_iter()
        .find(|r| r.reference == wanted)
        .ok_or(Error::NotFound)?;
    let ans = Answer::parse(rules_of(&req), fields)?;
    let a = app.store.get_assessment(&scope, id).await?;
    if a.status == AssessmentStatus::Final {
        return Err(Error::conflict(
            "assessment",
            "this assessment is finalized and read-only; start the next period's assessment to change answers",
        ));
    }
    let now = app.now();
    let gap = matches!(
        ans.status,
        Some(ResponseStatus::NotImplemented | ResponseStatus::Partial)
    );
    if !matches!(make, MakeFromAnswer::Nothing) && !gap {
        return Err(Error::invalid(
            "make",
            "a risk or task can be made from an answer of not implemented or partly implemented",
        ));
    }
    let state = match ans.status {
        Some(ResponseStatus::Partial) => "partly implemented",
        _ => "not implemented",
    };
    let outcome = match make {
        MakeFromAnswer::Nothing => Outcome::Answered,
        MakeFromAnswer::Risk {
            asset,
            asset_group,
            threat_key,
            likelihood,
            impact,
            owner,
            due_date,
        } => {
            let key = if threat_key.trim().is_empty() {
                "other".to_owned()
            } else {
                threat_key
            };
            let group = if asset.is_none() && asset_group.trim().is_empty() {
                "All systems that hold ePHI".to_owned()
            } else {
                asset_group
            };
            let vulnerability = format!("{} {} is {state}", req.reference, req.title);
            let input = safeharbor_domain::risk::RiskInput {
                asset_group: &group,
                threat_key: &key,
                threat_name: if key == "other" { "Safeguard gap" } else { "" },
                vulnerability: &vulnerability,
                likelihood,
                impact,
                owner: &owner,
                due_date: &due_date,
                ..Default::default()
            };
            let fields: RiskFields = crate::risks::validate(app, &scope, asset, &input).await?;
            Outcome::Risk(Risk {
                id: RiskId::new(),
                org_id: scope.org_id(),
                fields,
                asset_name: None,
                status: RiskStatus::Open,
                acceptance_rationale: None,
                accepted_by: None,
                accepted_at: None,
                source: format!("assessment:{}", req.reference),
                created_at: now,
                updated_at: now,
            })
        }
        MakeFromAnswer::Task {
            title,
            assignee,
            due_date,
        } => {
            let title = if title.trim().is_empty() {
                format!("Implement {} {}", req.reference, req.title)
                    .chars()
                    .take(LINE_MAX)
                    .collect()
            } else {
                text::required_line("title", &title, LINE_MAX)?
            };
            Outcome::Task(Task {
                description: Some(format!(
                    "From the {} risk assessment: {} {} is {state}.",
                    a.period, req.reference, req.title
                )),
                due_date: parse_date("due_date", &due_date)?,
                assignee: text::optional_line("assignee", Some(&assignee), LINE_MAX)?,
                ..Task::open(
                    scope.org_id(),
                    title,
                    "assessment",
                    Some(req.reference.clone()),
                    now,
                )
            })
        }
    };
    let response = Response {
        requirement_ref: req.reference.clone(),
        answer: ans,
        updated_at: now,
        updated_by: caller.actor_label(),
    };
    let saved_with = match &outcome {
        Outcome::Answered => Made::Nothing,
        Outcome::Risk(r) => Made::Risk(r),
        Outcome::Task(t) => Made::Task(t),
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "assessment.answer",
        "assessment",
        Some(id.to_string()),
        format!(
            "{} answered {}{}",
            req.reference,
            response
                .answer
                .status
                .map_or("(no status)", ResponseStatus::as_str),
            match &outcome {
                Outcome::Answered => "",
                Outcome::Risk(_) => "; risk added",
                Outcome::Task(_) => "; task added",
            }
        ),
    );
    app.store
        .put_response(&scope, id, &response, saved_with, &event)
        .await?;
    Ok(outcome)
}

/// Locks a draft as final, once it is a risk analysis: nothing missing (see
/// [`checks`]) and the organization's sign-off on exactly this content, which a client
/// administrator or security official gives by finalizing. The snapshot records the version of
/// the checks it passed.
pub async fn finalize(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
) -> Result<Assessment> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let a = app.store.get_assessment(&scope, id).await?;
    if a.status == AssessmentStatus::Final {
        return Err(Error::conflict(
            "assessment",
            "this risk analysis is already finalized",
        ));
    }
    let mut doc = live_document(app, &scope, a).await?;
    let ready = signoff::evaluate(app, caller, &scope, &doc).await?;
    if !ready.can_finalize() {
        return Err(signoff::incomplete(ready.blockers()));
    }
    let now = app.now();
    if !matches!(ready.sign_off, SignOffState::Valid { .. })
        && let Some(capacity) = ready.caller_may_sign_as
    {
        doc.assessment.sign_off = Some(safeharbor_domain::risk::SignOff {
            by: caller.actor_label(),
            capacity,
            at: now,
            digest: ready.digest,
        });
    }
    doc.assessment.status = AssessmentStatus::Final;
    doc.assessment.finalized_at = Some(now);
    doc.assessment.finalized_by = Some(caller.actor_label());
    doc.assessment.checks_version = Some(SRA_CHECKS_VERSION);
    if doc.assessment.prepared_by.is_none() {
        doc.assessment.prepared_by = Some(doc.assessment.started_by.clone());
    }
    doc.participants = participants(&doc.assessment, &doc.items, &doc.profile);
    doc.generated_at = now;
    let snapshot = serde_json::to_string(&doc).map_err(Error::internal)?;
    doc.assessment.snapshot_sha256 = Some(hex::encode(Sha256::digest(snapshot.as_bytes())));
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "assessment.finalize",
        "assessment",
        Some(id.to_string()),
        format!(
            "risk analysis {} finalized (snapshot sha256 {})",
            doc.assessment.period,
            doc.assessment.snapshot_sha256.as_deref().unwrap_or("")
        ),
    );
    app.store
        .finalize_assessment(&scope, &doc.assessment, &snapshot, &event)
        .await?;
    Ok(doc.assessment)
}

/// The currency of an organization in a list, on the installation's period.
pub fn list_currency(app: &App, item: &crate::ports::OrgListItem) -> Currency {
    Currency::of(
        item.sra_finalized_at.map(|f| (f, item.sra_checked)),
        item.sra_invalidated_at,
        app.now().date(),
        app.settings().sra_valid_months,
    )
}

/// An organization's risk analysis status.
#[derive(Debug, Clone)]
pub struct SraStatus {
    /// Currency.
    pub currency: Currency,
    /// The latest finalized assessment.
    pub latest_final: Option<Assessment>,
    /// The assessment in progress.
    pub draft: Option<Assessment>,
}

/// Currency and the assessments that set it.
pub async fn status(app: &App, caller: &Caller, slug: &str) -> Result<SraStatus> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let all = app.store.list_assessments(&scope).await?;
    let latest_final = all
        .iter()
        .filter(|a| a.status == AssessmentStatus::Final)
        .max_by_key(|a| a.finalized_at)
        .cloned();
    let draft = all
        .iter()
        .find(|a| a.status == AssessmentStatus::Draft)
        .cloned();
    let invalidated = sra_invalidated_at(app, &scope).await?;
    Ok(SraStatus {
        currency: Currency::of(
            latest_final
                .as_ref()
                .and_then(|a| a.finalized_at.map(|f| (f, a.checks_version.is_some()))),
            invalidated,
            app.now().date(),
            app.settings().sra_valid_months,
        ),
        latest_final,
        draft,
    })
}

async fn sra_invalidated_at(app: &App, scope: &TenantScope) -> Result<Option<OffsetDateTime>> {
    let filter = crate::ports::OrgFilter {
        q: Some(scope.org().slug.to_string()),
        include_archived: true,
        ..crate::ports::OrgFilter::default()
    };
    let page = safeharbor_domain::page::PageRequest::parse(Some(200), None)?;
    let visible = authz::OrgVisibility::Only(vec![scope.org_id()]);
    Ok(app
        .store
        .list_orgs(&visible, &filter, &page)
        .await?
        .items
        .into_iter()
        .find(|i| i.org.id == scope.org_id())
        .and_then(|i| i.sra_invalidated_at))
}

/// The report of an assessment: the frozen snapshot when final, else live data.
pub async fn report(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
) -> Result<AssessmentView> {
    view(app, caller, slug, id).await
}

/// The assessment a report without an id means: the draft in progress, else the latest
/// finalized.
pub async fn current_id(app: &App, caller: &Caller, slug: &str) -> Result<AssessmentId> {
    let s = status(app, caller, slug).await?;
    s.draft.or(s.latest_final).map(|a| a.id).ok_or_else(|| {
        Error::invalid(
            "org",
            "this organization has no risk assessment yet; start one first",
        )
    })
}

/// Ratings parsed from form or JSON numbers, for callers.
pub fn rating_opt(field: &str, v: Option<i64>) -> Result<Option<Rating>> {
    Ok(v.map(|n| Rating::parse(field, n)).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_questionnaire_covers_every_standard_and_specification() {
        let c = Catalog::shipped().unwrap();
        let q = questionnaire(&c);
        assert_eq!(q.len(), 65);
        assert!(q.iter().any(|r| r.reference == "164.308(a)(1)(ii)(A)"));
        assert!(q.iter().all(|r| {
            FAMILIES
                .iter()
                .any(|(f, _)| Some(*f) == r.family.as_deref())
        }));
        let addressable = q
            .iter()
            .filter(|r| r.designation == Some(Designation::Addressable))
            .count();
        assert!(addressable >= 20, "{addressable}");
    }
}
