//! `/api/v1/orgs/{slug}/risks` and `/threats`: the threat library and the risk register.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::ports::RiskFilter;
use safeharbor_core::risks::{self, NewThreat, PlanInput, Suggestion, ThreatView, TrendPoint};
use safeharbor_domain::ids::{AssetId, RiskId};
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::risk::{Risk, RiskInput, RiskStatus, RiskThresholds};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::tasks::TaskResponse;
use super::{ListPage, ts};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// A threat of the library or the organization's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatResponse {
    /// Key to record on a risk.
    pub key: String,
    /// Name.
    pub name: String,
    /// `adversarial`, `accidental`, `structural` or `environmental` (NIST SP 800-30).
    pub category: String,
    /// What happens.
    pub description: Option<String>,
    /// Kinds of asset it applies to.
    pub asset_kinds: Vec<String>,
    /// Starting likelihood (library threats).
    pub typical_likelihood: Option<u8>,
    /// Starting impact (library threats).
    pub typical_impact: Option<u8>,
    /// Weaknesses it exploits.
    pub vulnerabilities: Vec<VulnerabilityResponse>,
    /// Added by the organization.
    pub custom: bool,
}

/// A weakness.
#[derive(Debug, Serialize, ToSchema)]
pub struct VulnerabilityResponse {
    /// Name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// Security Rule requirements whose safeguards address it.
    pub related_requirements: Vec<String>,
}

impl From<ThreatView> for ThreatResponse {
    fn from(t: ThreatView) -> Self {
        Self {
            key: t.key,
            name: t.name,
            category: t.category,
            description: t.description,
            asset_kinds: t
                .asset_kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            typical_likelihood: t
                .typical_likelihood
                .map(safeharbor_domain::risk::Rating::get),
            typical_impact: t.typical_impact.map(safeharbor_domain::risk::Rating::get),
            vulnerabilities: t
                .vulnerabilities
                .into_iter()
                .map(|v| VulnerabilityResponse {
                    name: v.name,
                    description: v.description,
                    related_requirements: v.related_requirements,
                })
                .collect(),
            custom: t.custom,
        }
    }
}

/// The threat library and the organization's own threats.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/threats", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<ThreatResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn threats(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<ThreatResponse>>> {
    let list = risks::threats(&s.app, &auth.caller, &slug).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A threat to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatRequest {
    /// Name.
    pub name: String,
    /// `adversarial`, `accidental`, `structural` or `environmental`.
    pub category: String,
    /// What happens.
    #[serde(default)]
    pub description: Option<String>,
    /// Kinds of asset it applies to.
    pub asset_kinds: Vec<String>,
    /// Weaknesses it exploits.
    pub vulnerabilities: Vec<String>,
}

/// Adds a threat of the organization's own.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/threats", tag = "risk", request_body = ThreatRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = ThreatResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn add_threat(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(r): ApiJson<ThreatRequest>,
) -> ApiResult<(StatusCode, Json<ThreatResponse>)> {
    let t = risks::add_threat(
        &s.app,
        &auth.caller,
        &slug,
        NewThreat {
            name: r.name,
            category: r.category,
            description: r.description.unwrap_or_default(),
            asset_kinds: r.asset_kinds,
            vulnerabilities: r.vulnerabilities,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// A suggested threat and vulnerability pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionResponse {
    /// Threat key.
    pub threat_key: String,
    /// Threat name.
    pub threat_name: String,
    /// Vulnerability.
    pub vulnerability: String,
    /// What it is.
    pub description: Option<String>,
    /// Starting likelihood.
    pub likelihood: Option<u8>,
    /// Starting impact.
    pub impact: Option<u8>,
    /// Security Rule requirements whose safeguards address it.
    pub related_requirements: Vec<String>,
    /// The register already has this pair for the asset.
    pub in_register: bool,
}

impl From<Suggestion> for SuggestionResponse {
    fn from(s: Suggestion) -> Self {
        Self {
            threat_key: s.threat_key,
            threat_name: s.threat_name,
            vulnerability: s.vulnerability,
            description: s.description,
            likelihood: s.likelihood.map(safeharbor_domain::risk::Rating::get),
            impact: s.impact.map(safeharbor_domain::risk::Rating::get),
            related_requirements: s.related_requirements,
            in_register: s.in_register,
        }
    }
}

/// Threat and vulnerability pairs the library suggests for an asset.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assets/{id}/suggestions", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = Vec<SuggestionResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn suggestions(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<SuggestionResponse>>> {
    let id = AssetId::parse(&id)?;
    let list = risks::suggestions(&s.app, &auth.caller, &slug, id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A risk.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskResponse {
    /// Id.
    pub id: String,
    /// The asset, when about one.
    pub asset_id: Option<String>,
    /// Its name.
    pub asset: Option<String>,
    /// A group of assets, when not about one.
    pub asset_group: Option<String>,
    /// Threat key.
    pub threat_key: String,
    /// Threat.
    pub threat: String,
    /// Vulnerability.
    pub vulnerability: String,
    /// Likelihood before controls, 1-5.
    pub likelihood: u8,
    /// Impact before controls, 1-5.
    pub impact: u8,
    /// Likelihood × impact.
    pub inherent_score: u8,
    /// `low`, `medium`, `high` or `critical`.
    pub inherent_level: String,
    /// Controls in place.
    pub existing_controls: Option<String>,
    /// Likelihood with controls.
    pub residual_likelihood: Option<u8>,
    /// Impact with controls.
    pub residual_impact: Option<u8>,
    /// Residual score.
    pub residual_score: Option<u8>,
    /// Residual level.
    pub residual_level: Option<String>,
    /// `mitigate`, `accept`, `transfer` or `avoid`.
    pub treatment: Option<String>,
    /// How the treatment is done.
    pub treatment_detail: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// `open`, `in_treatment`, `accepted` or `closed`.
    pub status: String,
    /// Why it was accepted.
    pub acceptance_rationale: Option<String>,
    /// Who accepted it.
    pub accepted_by: Option<String>,
    /// When.
    pub accepted_at: Option<String>,
    /// `manual`, `suggestion` or `assessment:<citation>`.
    pub source: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl RiskResponse {
    fn from_risk(r: Risk, t: RiskThresholds) -> Self {
        let f = r.fields.clone();
        Self {
            id: r.id.to_string(),
            asset_id: f.asset_id.map(|a| a.to_string()),
            asset: r.asset_name.clone(),
            asset_group: f.asset_group,
            threat_key: f.threat_key,
            threat: f.threat_name,
            vulnerability: f.vulnerability,
            likelihood: f.likelihood.get(),
            impact: f.impact.get(),
            inherent_score: r.inherent_score(),
            inherent_level: t.level(r.inherent_score()).as_str().into(),
            existing_controls: f.existing_controls,
            residual_likelihood: f
                .residual_likelihood
                .map(safeharbor_domain::risk::Rating::get),
            residual_impact: f.residual_impact.map(safeharbor_domain::risk::Rating::get),
            residual_score: r.residual_score(),
            residual_level: r.residual_score().map(|s| t.level(s).as_str().into()),
            treatment: f.treatment.map(|x| x.as_str().into()),
            treatment_detail: f.treatment_detail,
            owner: f.owner,
            due_date: f.due_date.map(|d| d.to_string()),
            status: r.status.as_str().into(),
            acceptance_rationale: r.acceptance_rationale,
            accepted_by: r.accepted_by,
            accepted_at: r.accepted_at.map(ts),
            source: r.source,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListRisksQuery {
    /// Words in the threat, vulnerability, asset or owner.
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only about this asset.
    pub asset_id: Option<String>,
    /// Only with an inherent score of at least this (1-25).
    pub min_score: Option<u8>,
    /// Include closed risks (default: only with `status=closed`).
    pub include_closed: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The risk register, highest inherent score first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/risks", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ListRisksQuery),
    responses((status = 200, body = ListPage<RiskResponse>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ListRisksQuery>,
) -> ApiResult<Json<ListPage<RiskResponse>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = RiskFilter {
        q: q.q,
        status: q.status.as_deref().map(RiskStatus::parse).transpose()?,
        asset: q
            .asset_id
            .as_deref()
            .map(|a| {
                AssetId::parse(a)
                    .map_err(|_| safeharbor_domain::Invalid::new("asset_id", "is not an asset id"))
            })
            .transpose()?,
        min_score: q.min_score,
        include_closed: q.include_closed.unwrap_or(false),
    };
    let p = risks::list(&s.app, &auth.caller, &slug, &filter, &page).await?;
    let t = s.app.settings().risk_thresholds;
    Ok(Json(ListPage::from_page(p, |r| {
        RiskResponse::from_risk(r, t)
    })))
}

/// A risk to add, or changes to one (absent fields stay as they are; `null` clears).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskRequest {
    /// The asset at risk (id), or
    #[serde(default)]
    pub asset_id: Option<String>,
    /// a group of assets ("all workstations").
    #[serde(default)]
    pub asset_group: Option<String>,
    /// Threat key from the library or the organization's own, or `other`.
    #[serde(default)]
    pub threat_key: Option<String>,
    /// Threat name (default: the library's name for the key).
    #[serde(default)]
    pub threat_name: Option<String>,
    /// The weakness exploited.
    #[serde(default)]
    pub vulnerability: Option<String>,
    /// 1-5.
    #[serde(default)]
    pub likelihood: Option<i64>,
    /// 1-5.
    #[serde(default)]
    pub impact: Option<i64>,
    /// Controls in place.
    #[serde(default)]
    pub existing_controls: Option<String>,
    /// 1-5, with existing controls.
    #[serde(default)]
    pub residual_likelihood: Option<i64>,
    /// 1-5, with existing controls.
    #[serde(default)]
    pub residual_impact: Option<i64>,
    /// `mitigate`, `accept`, `transfer` or `avoid`.
    #[serde(default)]
    pub treatment: Option<String>,
    /// How the treatment is done: for `transfer`, to whom and under what agreement; for
    /// `avoid`, what activity stops.
    #[serde(default)]
    pub treatment_detail: Option<String>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_date: Option<String>,
    /// `open` (default), `in_treatment` or `closed`. Accepting uses the accept action.
    #[serde(default)]
    pub status: Option<String>,
}

async fn save(
    s: &AppState,
    auth: &Authed,
    slug: &str,
    current: Option<&Risk>,
    r: RiskRequest,
) -> ApiResult<Risk> {
    let cf = current.map(|c| &c.fields);
    let o = |v: Option<String>, cur: Option<String>| v.or(cur).unwrap_or_default();
    let asset = match r.asset_id.as_deref() {
        Some("") => None,
        Some(a) => Some(
            AssetId::parse(a)
                .map_err(|_| safeharbor_domain::Invalid::new("asset_id", "is not an asset id"))?,
        ),
        None => cf.and_then(|f| f.asset_id),
    };
    let group = o(r.asset_group, cf.and_then(|f| f.asset_group.clone()));
    let key = o(r.threat_key.clone(), cf.map(|f| f.threat_key.clone()));
    let name = match (&r.threat_name, &r.threat_key) {
        (Some(n), _) => n.clone(),
        (None, Some(_)) => String::new(),
        (None, None) => cf.map(|f| f.threat_name.clone()).unwrap_or_default(),
    };
    let vuln = o(r.vulnerability, cf.map(|f| f.vulnerability.clone()));
    let existing = o(
        r.existing_controls,
        cf.and_then(|f| f.existing_controls.clone()),
    );
    let treatment = o(
        r.treatment,
        cf.and_then(|f| f.treatment.map(|t| t.as_str().to_owned())),
    );
    let treatment_detail = o(
        r.treatment_detail,
        cf.and_then(|f| f.treatment_detail.clone()),
    );
    let owner = o(r.owner, cf.and_then(|f| f.owner.clone()));
    let due = o(
        r.due_date,
        cf.and_then(|f| f.due_date.map(|d| d.to_string())),
    );
    let rl = r
        .residual_likelihood
        .or(cf.and_then(|f| f.residual_likelihood.map(|x| i64::from(x.get()))));
    let ri = r
        .residual_impact
        .or(cf.and_then(|f| f.residual_impact.map(|x| i64::from(x.get()))));
    let input = RiskInput {
        asset_group: &group,
        threat_key: &key,
        threat_name: &name,
        vulnerability: &vuln,
        likelihood: r.likelihood.or(cf.map(|f| i64::from(f.likelihood.get()))),
        impact: r.impact.or(cf.map(|f| i64::from(f.impact.get()))),
        existing_controls: &existing,
        residual_likelihood: rl,
        residual_impact: ri,
        treatment: &treatment,
        treatment_detail: &treatment_detail,
        owner: &owner,
        due_date: &due,
    };
    let status = match r.status.as_deref() {
        Some(st) => RiskStatus::parse(st)?,
        None => current.map_or(RiskStatus::Open, |c| c.status),
    };
    Ok(match current {
        None => risks::create(&s.app, &auth.caller, slug, asset, input, status, "manual").await?,
        Some(c) => risks::update(&s.app, &auth.caller, slug, c.id, asset, input, status).await?,
    })
}

/// Adds a risk.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/risks", tag = "risk", request_body = RiskRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = RiskResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<RiskRequest>,
) -> ApiResult<(StatusCode, Json<RiskResponse>)> {
    let r = save(&s, &auth, &slug, None, req).await?;
    let t = s.app.settings().risk_thresholds;
    Ok((StatusCode::CREATED, Json(RiskResponse::from_risk(r, t))))
}

/// One risk.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/risks/{id}", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 200, body = RiskResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<RiskResponse>> {
    let id = RiskId::parse(&id)?;
    let r = risks::get(&s.app, &auth.caller, &slug, id).await?;
    Ok(Json(RiskResponse::from_risk(
        r,
        s.app.settings().risk_thresholds,
    )))
}

/// Changes a risk; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/risks/{id}", tag = "risk", request_body = RiskRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 200, body = RiskResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<RiskRequest>,
) -> ApiResult<Json<RiskResponse>> {
    let id = RiskId::parse(&id)?;
    let current = risks::get(&s.app, &auth.caller, &slug, id).await?;
    let r = save(&s, &auth, &slug, Some(&current), req).await?;
    Ok(Json(RiskResponse::from_risk(
        r,
        s.app.settings().risk_thresholds,
    )))
}

/// Why a risk is accepted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// Why the remaining risk is reasonable and appropriate to keep.
    pub rationale: String,
}

/// Accepts a risk (client administrators and provider administrators only).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/risks/{id}/accept", tag = "risk", request_body = AcceptRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 200, body = RiskResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn accept(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AcceptRequest>,
) -> ApiResult<Json<RiskResponse>> {
    let id = RiskId::parse(&id)?;
    let r = risks::accept(&s.app, &auth.caller, &slug, id, &req.rationale).await?;
    Ok(Json(RiskResponse::from_risk(
        r,
        s.app.settings().risk_thresholds,
    )))
}

/// A treatment to plan.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// What to do (default: from the risk).
    #[serde(default)]
    pub title: Option<String>,
    /// Details.
    #[serde(default)]
    pub description: Option<String>,
    /// Who (default: the risk's owner).
    #[serde(default)]
    pub assignee: Option<String>,
    /// `YYYY-MM-DD` (default: the risk's due date).
    #[serde(default)]
    pub due_date: Option<String>,
}

/// The risk and the task planned for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanResponse {
    /// The risk, now in treatment.
    pub risk: RiskResponse,
    /// The task.
    pub task: TaskResponse,
}

/// Plans a risk's treatment as a task of the risk management plan.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/risks/{id}/plan", tag = "risk", request_body = PlanRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Risk id")),
    responses((status = 201, body = PlanResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn plan(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<PlanRequest>,
) -> ApiResult<(StatusCode, Json<PlanResponse>)> {
    let id = RiskId::parse(&id)?;
    let (r, t) = risks::plan(
        &s.app,
        &auth.caller,
        &slug,
        id,
        PlanInput {
            title: req.title.unwrap_or_default(),
            description: req.description.unwrap_or_default(),
            assignee: req.assignee.unwrap_or_default(),
            due_date: req.due_date.unwrap_or_default(),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PlanResponse {
            risk: RiskResponse::from_risk(r, s.app.settings().risk_thresholds),
            task: t.into(),
        }),
    ))
}

/// The register on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPointResponse {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Risks not closed.
    pub open: u32,
    /// Sum of current scores (residual where rated).
    pub total_score: u32,
    /// Risks at high or critical level.
    pub high: u32,
}

impl From<TrendPoint> for TrendPointResponse {
    fn from(p: TrendPoint) -> Self {
        Self {
            date: p.date.to_string(),
            open: p.open,
            total_score: p.total_score,
            high: p.high,
        }
    }
}

/// Residual risk over time: one point per day the register changed (up to 60).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/risk-trend", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<TrendPointResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn trend(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<TrendPointResponse>>> {
    let t = risks::risk_trend(&s.app, &auth.caller, &slug).await?;
    Ok(Json(t.into_iter().map(Into::into).collect()))
}

/// A risk, as returned with other things.
pub type RiskResponseRef = RiskResponse;

impl RiskResponse {
    /// With the installation's thresholds.
    pub fn new(r: Risk, t: RiskThresholds) -> Self {
        Self::from_risk(r, t)
    }
}
