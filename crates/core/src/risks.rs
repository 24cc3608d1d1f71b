//! The threat library and the risk register (164.308(a)(1)(ii)(A) risk analysis and
//! (B) risk management).
//!
//! A risk is a threat exploiting a vulnerability of an asset (or group of assets), rated for
//! likelihood and impact on 1-5 scales before and after existing controls. The level comes
//! from the installation's 5x5 matrix thresholds. Accepting a risk is an administrator's
//! decision with a recorded rationale. Every change is kept in the risk's history, which gives
//! residual risk over time.

use std::collections::{BTreeMap, HashMap, HashSet};

use safeharbor_catalog::threats::{CATEGORIES, ThreatLibrary};
use safeharbor_domain::ids::{AssetId, RiskId, ThreatId};
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::risk::{
    AssetKind, BLOCK_MAX, LINE_MAX, Rating, Risk, RiskFields, RiskInput, RiskSnapshot, RiskStatus,
    Task, Treatment, parse_date,
};
use safeharbor_domain::text;
use time::Date;

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;
use crate::ports::{CustomThreat, RiskFilter};

/// A threat as offered to an organization: from the shipped library or its own.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ThreatView {
    /// Key to record on a risk.
    pub key: String,
    /// Name.
    pub name: String,
    /// NIST SP 800-30 threat source type.
    pub category: String,
    /// What happens.
    pub description: Option<String>,
    /// Kinds of asset it applies to.
    pub asset_kinds: Vec<AssetKind>,
    /// Starting likelihood hint.
    pub typical_likelihood: Option<Rating>,
    /// Starting impact hint.
    pub typical_impact: Option<Rating>,
    /// Weaknesses it exploits.
    pub vulnerabilities: Vec<VulnerabilityView>,
    /// Added by the organization.
    pub custom: bool,
}

/// A weakness a threat exploits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VulnerabilityView {
    /// Name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// The Security Rule requirements whose safeguards address it.
    pub related_requirements: Vec<String>,
}

fn library_views() -> Vec<ThreatView> {
    ThreatLibrary::shipped()
        .threats
        .iter()
        .map(|t| ThreatView {
            key: t.id.clone(),
            name: t.name.clone(),
            category: t.category.clone(),
            description: Some(t.description.clone()),
            asset_kinds: t.asset_kinds.clone(),
            typical_likelihood: Some(t.typical_likelihood),
            typical_impact: Some(t.typical_impact),
            vulnerabilities: t
                .vulnerabilities
                .iter()
                .map(|v| VulnerabilityView {
                    name: v.name.clone(),
                    description: Some(v.description.clone()),
                    related_requirements: v.related_requirements.clone(),
                })
                .collect(),
            custom: false,
        })
        .collect()
}

fn custom_view(t: CustomThreat) -> ThreatView {
    ThreatView {
        key: t.key,
        name: t.name,
        category: t.category,
        description: t.description,
        asset_kinds: t.asset_kinds,
        typical_likelihood: None,
        typical_impact: None,
        vulnerabilities: t
            .vulnerabilities
            .into_iter()
            .map(|v| VulnerabilityView {
                name: v,
                description: None,
                related_requirements: Vec::new(),
            })
            .collect(),
        custom: true,
    }
}

async fn threats_in(app: &App, scope: &TenantScope) -> Result<Vec<ThreatView>> {
    let mut all = library_views();
    all.extend(
        app.store
            .list_custom_threats(scope)
            .await?
            .into_iter()
            .map(custom_view),
    );
    Ok(all)
}

/// The library and the organization's own threats.
pub async fn threats(app: &App, caller: &Caller, slug: &str) -> Result<Vec<ThreatView>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    threats_in(app, &scope).await
}

/// A threat to add to an organization's library.
#[derive(Debug, Clone, Default)]
pub struct NewThreat {
    /// Name.
    pub name: String,
    /// NIST SP 800-30 threat source type.
    pub category: String,
    /// What happens.
    pub description: String,
    /// Kinds of asset (wire forms).
    pub asset_kinds: Vec<String>,
    /// Weaknesses, one per entry.
    pub vulnerabilities: Vec<String>,
}

/// Adds a threat of the organization's own.
pub async fn add_threat(
    app: &App,
    caller: &Caller,
    slug: &str,
    new: NewThreat,
) -> Result<ThreatView> {
    let name = text::required_line("name", &new.name, LINE_MAX)?;
    let category = new.category.trim().to_owned();
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(Error::invalid(
            "category",
            format!("must be one of {}", CATEGORIES.join(", ")),
        ));
    }
    let description = text::optional_block("description", Some(&new.description), BLOCK_MAX)?;
    let mut asset_kinds = Vec::new();
    for k in new.asset_kinds.iter().filter(|k| !k.trim().is_empty()) {
        let k = AssetKind::parse(k).map_err(|e| Error::invalid("asset_kinds", e.reason))?;
        if !asset_kinds.contains(&k) {
            asset_kinds.push(k);
        }
    }
    if asset_kinds.is_empty() {
        return Err(Error::invalid(
            "asset_kinds",
            "choose at least one kind of asset it applies to",
        ));
    }
    let mut vulnerabilities = Vec::new();
    for v in new.vulnerabilities.iter().filter(|v| !v.trim().is_empty()) {
        vulnerabilities.push(text::required_line("vulnerabilities", v, LINE_MAX)?);
    }
    if vulnerabilities.is_empty() {
        return Err(Error::invalid(
            "vulnerabilities",
            "name at least one weakness this threat exploits",
        ));
    }
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let key = format!("custom-{}", text::sort_key(&name).replace(' ', "-"));
    if ThreatLibrary::shipped().threat(&key).is_some() {
        return Err(Error::conflict(
            "name",
            "the library already has this threat",
        ));
    }
    let now = app.now();
    let t = CustomThreat {
        id: ThreatId::new(),
        key,
        name,
        category,
        description,
        asset_kinds,
        vulnerabilities,
        created_at: now,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "threat.create",
        "threat",
        Some(t.id.to_string()),
        format!("threat \"{}\" added to the library", t.name),
    );
    app.store.insert_custom_threat(&scope, &t, &event).await?;
    Ok(custom_view(t))
}

/// A threat and vulnerability pair the library suggests for an asset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    /// Threat key.
    pub threat_key: String,
    /// Threat name.
    pub threat_name: String,
    /// Vulnerability.
    pub vulnerability: String,
    /// What the vulnerability is.
    pub description: Option<String>,
    /// Starting likelihood.
    pub likelihood: Option<Rating>,
    /// Starting impact.
    pub impact: Option<Rating>,
    /// The Security Rule requirements whose safeguards address it.
    pub related_requirements: Vec<String>,
    /// Whether the register already has this pair for the asset.
    pub in_register: bool,
}

/// The threat and vulnerability pairs that apply to an asset's kind, marking those already
/// in the register.
pub async fn suggestions(
    app: &App,
    caller: &Caller,
    slug: &str,
    asset: AssetId,
) -> Result<Vec<Suggestion>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let asset = app.store.get_asset(&scope, asset).await?;
    let filter = RiskFilter {
        asset: Some(asset.id),
        include_closed: true,
        ..RiskFilter::default()
    };
    let page = PageRequest::parse(Some(200), None)?;
    let present: HashSet<(String, String)> = app
        .store
        .list_risks(&scope, &filter, &page)
        .await?
        .items
        .into_iter()
        .map(|r| (r.fields.threat_key, text::sort_key(&r.fields.vulnerability)))
        .collect();
    let mut out = Vec::new();
    for t in threats_in(app, &scope).await? {
        if !t.asset_kinds.contains(&asset.fields.kind) {
            continue;
        }
        for v in &t.vulnerabilities {
            out.push(Suggestion {
                in_register: present.contains(&(t.key.clone(), text::sort_key(&v.name))),
                threat_key: t.key.clone(),
                threat_name: t.name.clone(),
                vulnerability: v.name.clone(),
                description: v.description.clone(),
                likelihood: t.typical_likelihood,
                impact: t.typical_impact,
                related_requirements: v.related_requirements.clone(),
            });
        }
    }
    Ok(out)
}

/// A page of the register.
pub async fn list(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &RiskFilter,
    page: &PageRequest,
) -> Result<Page<Risk>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_risks(&scope, filter, page).await
}

/// The whole register.
pub async fn all(app: &App, caller: &Caller, slug: &str) -> Result<Vec<Risk>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.all_risks(&scope).await
}

/// Counts of the register per cell of the matrix, inherent and current.
pub async fn heat(app: &App, caller: &Caller, slug: &str) -> Result<crate::ports::HeatCounts> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.risk_heat(&scope).await
}

/// One risk.
pub async fn get(app: &App, caller: &Caller, slug: &str, id: RiskId) -> Result<Risk> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_risk(&scope, id).await
}

/// Fills the threat name from the library when the key is known and no name is given.
async fn threat_name_for(app: &App, scope: &TenantScope, key: &str, given: &str) -> Result<String> {
    if !given.trim().is_empty() {
        return Ok(given.to_owned());
    }
    let key = key.trim();
    if let Some(t) = ThreatLibrary::shipped().threat(key) {
        return Ok(t.name.clone());
    }
    if let Some(t) = app
        .store
        .list_custom_threats(scope)
        .await?
        .into_iter()
        .find(|t| t.key == key)
    {
        return Ok(t.name);
    }
    Ok(String::new())
}

async fn check_asset(app: &App, scope: &TenantScope, asset: Option<AssetId>) -> Result<()> {
    if let Some(a) = asset {
        app.store.get_asset(scope, a).await.map_err(|e| match e {
            Error::NotFound => Error::invalid("asset_id", "is not an asset of this organization"),
            other => other,
        })?;
    }
    Ok(())
}

/// Validates risk input against the organization (asset, threat names).
pub async fn validate(
    app: &App,
    scope: &TenantScope,
    asset: Option<AssetId>,
    input: &RiskInput<'_>,
) -> Result<RiskFields> {
    let name = threat_name_for(app, scope, input.threat_key, input.threat_name).await?;
    let fields = RiskInput {
        threat_name: &name,
        ..input.clone()
    }
    .parse(asset)?;
    check_asset(app, scope, asset).await?;
    Ok(fields)
}

fn refuse_accepted_status(status: RiskStatus) -> Result<()> {
    if status == RiskStatus::Accepted {
        return Err(Error::invalid(
            "status",
            "a risk is accepted with the accept action, which records who accepted it and why",
        ));
    }
    Ok(())
}

/// Adds a risk. `source` says where it came from (`manual`, `suggestion`).
pub async fn create(
    app: &App,
    caller: &Caller,
    slug: &str,
    asset: Option<AssetId>,
    input: RiskInput<'_>,
    status: RiskStatus,
    source: &str,
) -> Result<Risk> {
    refuse_accepted_status(status)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let fields = validate(app, &scope, asset, &input).await?;
    let now = app.now();
    let risk = Risk {
        id: RiskId::new(),
        org_id: scope.org_id(),
        fields,
        asset_name: None,
        status,
        acceptance_rationale: None,
        accepted_by: None,
        accepted_at: None,
        source: source.to_owned(),
        created_at: now,
        updated_at: now,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "risk.create",
        "risk",
        Some(risk.id.to_string()),
        format!(
            "risk \"{}: {}\" added (score {})",
            risk.fields.threat_name,
            risk.fields.vulnerability,
            risk.inherent_score()
        ),
    );
    app.store.insert_risk(&scope, &risk, None, &event).await?;
    app.store.get_risk(&scope, risk.id).await
}

/// Replaces a risk's fields and status (not acceptance: see [`accept`]).
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: RiskId,
    asset: Option<AssetId>,
    input: RiskInput<'_>,
    status: RiskStatus,
) -> Result<Risk> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut risk = app.store.get_risk(&scope, id).await?;
    if status == RiskStatus::Accepted && risk.status != RiskStatus::Accepted {
        refuse_accepted_status(status)?;
    }
    let fields = validate(app, &scope, asset, &input).await?;
    if risk.fields == fields && risk.status == status {
        return Ok(risk);
    }
    if status != RiskStatus::Accepted {
        risk.acceptance_rationale = None;
        risk.accepted_by = None;
        risk.accepted_at = None;
    }
    let now = app.now();
    risk.fields = fields;
    risk.status = status;
    risk.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "risk.update",
        "risk",
        Some(risk.id.to_string()),
        format!(
            "risk \"{}: {}\" updated ({}, score {})",
            risk.fields.threat_name,
            risk.fields.vulnerability,
            risk.status.as_str(),
            risk.current_score()
        ),
    );
    app.store.update_risk(&scope, &risk, None, &event).await?;
    app.store.get_risk(&scope, id).await
}

/// Accepts a risk: a client administrator's or provider administrator's decision, with the
/// rationale on record.
pub async fn accept(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: RiskId,
    rationale: &str,
) -> Result<Risk> {
    let rationale =
        text::optional_block("rationale", Some(rationale), BLOCK_MAX)?.ok_or_else(|| {
            Error::invalid(
                "rationale",
                "record why the remaining risk is reasonable and appropriate to accept",
            )
        })?;
    // Client administrators and provider administrators only.
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    refuse_if_archived(scope.org())?;
    let mut risk = app.store.get_risk(&scope, id).await?;
    let now = app.now();
    risk.fields.treatment = Some(Treatment::Accept);
    risk.status = RiskStatus::Accepted;
    risk.acceptance_rationale = Some(rationale);
    risk.accepted_by = Some(caller.actor_label());
    risk.accepted_at = Some(now);
    risk.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "risk.accept",
        "risk",
        Some(risk.id.to_string()),
        format!(
            "risk \"{}: {}\" accepted at score {}",
            risk.fields.threat_name,
            risk.fields.vulnerability,
            risk.current_score()
        ),
    );
    app.store.update_risk(&scope, &risk, None, &event).await?;
    app.store.get_risk(&scope, id).await
}

/// A treatment to plan as a task.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// What to do (default: from the risk).
    pub title: String,
    /// Details.
    pub description: String,
    /// Who does it (default: the risk's owner).
    pub assignee: String,
    /// When (`YYYY-MM-DD`; default: the risk's due date).
    pub due_date: String,
}

/// Turns a risk's treatment into a task of the risk management plan; the risk goes into
/// treatment.
pub async fn plan(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: RiskId,
    input: PlanInput,
) -> Result<(Risk, Task)> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut risk = app.store.get_risk(&scope, id).await?;
    if matches!(risk.status, RiskStatus::Accepted | RiskStatus::Closed) {
        return Err(Error::conflict(
            "status",
            "this risk is accepted or closed; reopen it before planning a treatment",
        ));
    }
    let default_title = format!(
        "Reduce risk: {} ({}){}",
        risk.fields.threat_name,
        risk.fields.vulnerability,
        risk.asset_name
            .as_deref()
            .or(risk.fields.asset_group.as_deref())
            .map_or(String::new(), |a| format!(" on {a}"))
    );
    let title = if input.title.trim().is_empty() {
        default_title.chars().take(LINE_MAX).collect()
    } else {
        text::required_line("title", &input.title, LINE_MAX)?
    };
    let due = parse_date("due_date", &input.due_date)?.or(risk.fields.due_date);
    let assignee = text::optional_line("assignee", Some(&input.assignee), LINE_MAX)?
        .or_else(|| risk.fields.owner.clone());
    let now = app.now();
    let task = Task {
        description: text::optional_block("description", Some(&input.description), BLOCK_MAX)?,
        due_date: due,
        assignee,
        ..Task::open(
            scope.org_id(),
            title,
            "risk",
            Some(risk.id.to_string()),
            now,
        )
    };
    risk.status = RiskStatus::InTreatment;
    if risk.fields.treatment.is_none() {
        risk.fields.treatment = Some(Treatment::Mitigate);
    }
    risk.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "risk.plan",
        "risk",
        Some(risk.id.to_string()),
        format!("treatment planned: task \"{}\"", task.title),
    );
    app.store
        .update_risk(&scope, &risk, Some(&task), &event)
        .await?;
    Ok((app.store.get_risk(&scope, id).await?, task))
}

/// One risk's recorded changes, oldest first.
pub async fn history_of(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: RiskId,
) -> Result<Vec<RiskSnapshot>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_risk(&scope, id).await?;
    Ok(app
        .store
        .risk_history(&scope)
        .await?
        .into_iter()
        .filter(|(r, _)| *r == id)
        .map(|(_, s)| s)
        .collect())
}

/// Counts of risks in each cell of the 5x5 matrix: `[likelihood-1][impact-1]`.
pub fn heat_map(risks: &[Risk], residual: bool) -> [[u32; 5]; 5] {
    let mut m = [[0u32; 5]; 5];
    for r in risks.iter().filter(|r| r.status != RiskStatus::Closed) {
        let (l, i) = if residual {
            match (r.fields.residual_likelihood, r.fields.residual_impact) {
                (Some(l), Some(i)) => (l, i),
                _ => (r.fields.likelihood, r.fields.impact),
            }
        } else {
            (r.fields.likelihood, r.fields.impact)
        };
        m[usize::from(l.get() - 1)][usize::from(i.get() - 1)] += 1;
    }
    m
}

/// The register on one day: how much risk remains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TrendPoint {
    /// The day.
    pub date: Date,
    /// Risks not closed.
    pub open: u32,
    /// Sum of current scores (residual when rated, else inherent) of risks not closed.
    pub total_score: u32,
    /// Risks not closed whose current level is high or critical.
    pub high: u32,
}

/// Residual risk over time, one point per day the register changed (last `max` days with
/// changes).
pub fn trend(
    history: &[(RiskId, RiskSnapshot)],
    thresholds: &safeharbor_domain::risk::RiskThresholds,
    max: usize,
) -> Vec<TrendPoint> {
    // Running totals, adjusted by each change: O(changes).
    let contribution = |s: &RiskSnapshot| -> (u32, u32, u32) {
        if s.status == RiskStatus::Closed {
            return (0, 0, 0);
        }
        let score = s.residual_score.unwrap_or(s.inherent_score);
        let high = matches!(
            thresholds.level(score),
            safeharbor_domain::risk::RiskLevel::High | safeharbor_domain::risk::RiskLevel::Critical
        );
        (1, u32::from(score), u32::from(high))
    };
    let mut state: HashMap<RiskId, RiskSnapshot> = HashMap::new();
    let mut by_day: BTreeMap<Date, TrendPoint> = BTreeMap::new();
    let (mut open, mut total, mut high) = (0u32, 0u32, 0u32);
    for (id, s) in history {
        if let Some(prev) = state.insert(*id, *s) {
            let (o, t, h) = contribution(&prev);
            open -= o;
            total -= t;
            high -= h;
        }
        let (o, t, h) = contribution(s);
        open += o;
        total += t;
        high += h;
        let date = s.at.date();
        by_day.insert(
            date,
            TrendPoint {
                date,
                open,
                total_score: total,
                high,
            },
        );
    }
    let points: Vec<TrendPoint> = by_day.into_values().collect();
    points[points.len().saturating_sub(max)..].to_vec()
}

/// Residual risk over time for an organization.
pub async fn risk_trend(app: &App, caller: &Caller, slug: &str) -> Result<Vec<TrendPoint>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let history = app.store.risk_history(&scope).await?;
    Ok(trend(&history, &app.settings().risk_thresholds, 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use safeharbor_domain::risk::RiskThresholds;
    use time::macros::datetime;

    #[test]
    fn the_trend_replays_history_day_by_day() {
        let a = RiskId::new();
        let b = RiskId::new();
        let snap = |at, inherent, residual, status| RiskSnapshot {
            at,
            inherent_score: inherent,
            residual_score: residual,
            status,
        };
        let h = vec![
            (
                a,
                snap(datetime!(2026-01-05 10:00 UTC), 20, None, RiskStatus::Open),
            ),
            (
                b,
                snap(datetime!(2026-01-05 11:00 UTC), 6, None, RiskStatus::Open),
            ),
            (
                a,
                snap(
                    datetime!(2026-03-01 09:00 UTC),
                    20,
                    Some(8),
                    RiskStatus::InTreatment,
                ),
            ),
            (
                b,
                snap(datetime!(2026-04-01 09:00 UTC), 6, None, RiskStatus::Closed),
            ),
        ];
        let t = trend(&h, &RiskThresholds::default(), 10);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].open, t[0].total_score, t[0].high), (2, 26, 1));
        assert_eq!((t[1].open, t[1].total_score, t[1].high), (2, 14, 0));
        assert_eq!((t[2].open, t[2].total_score), (1, 8));
        assert_eq!(trend(&h, &RiskThresholds::default(), 1).len(), 1);
    }
}
