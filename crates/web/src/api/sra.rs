//! `/api/v1/orgs/{slug}/sra` and `/assessments`: the security risk assessment.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use safeharbor_core::sra::{self, AssessmentView, Item, MakeFromAnswer, Outcome, Progress};
use safeharbor_domain::ids::{AssessmentId, AssetId};
use safeharbor_domain::risk::{AnswerInput, Assessment};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::attachment;
use super::risks::RiskResponseRef;
use super::tasks::TaskResponse;
use super::ts;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// An assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentResponse {
    /// Id.
    pub id: String,
    /// The period, e.g. `2026`.
    pub period: String,
    /// `draft` or `final`.
    pub status: String,
    /// What it covers.
    pub scope: Option<String>,
    /// The assessment it started from.
    pub copied_from: Option<String>,
    /// Started (RFC 3339).
    pub started_at: String,
    /// By whom.
    pub started_by: String,
    /// Finalized.
    pub finalized_at: Option<String>,
    /// By whom.
    pub finalized_by: Option<String>,
    /// SHA-256 of the finalized snapshot.
    pub snapshot_sha256: Option<String>,
    /// Who prepared it (named apart from the organization's sign-off).
    pub prepared_by: Option<String>,
    /// The organization's sign-off: who, in what capacity, when.
    pub signed_off_by: Option<String>,
    /// `client administrator`, `security official`, `provider administrator`.
    pub signed_off_as: Option<String>,
    /// When (RFC 3339).
    pub signed_off_at: Option<String>,
    /// For a final one: whether it passed Safeharbor's completeness checks (false: finalized
    /// before them; a new analysis is needed).
    pub checked: Option<bool>,
}

impl From<Assessment> for AssessmentResponse {
    fn from(a: Assessment) -> Self {
        Self {
            id: a.id.to_string(),
            period: a.period,
            status: a.status.as_str().into(),
            scope: a.scope,
            copied_from: a.copied_from.map(|c| c.to_string()),
            started_at: ts(a.started_at),
            started_by: a.started_by,
            finalized_at: a.finalized_at.map(ts),
            finalized_by: a.finalized_by,
            snapshot_sha256: a.snapshot_sha256,
            prepared_by: a.prepared_by,
            signed_off_by: a.sign_off.as_ref().map(|s| s.by.clone()),
            signed_off_as: a.sign_off.as_ref().map(|s| s.capacity.clone()),
            signed_off_at: a.sign_off.as_ref().map(|s| ts(s.at)),
            checked: (a.status == safeharbor_domain::risk::AssessmentStatus::Final)
                .then_some(a.checks_version.is_some()),
        }
    }
}

/// An organization's risk analysis status.
#[derive(Debug, Serialize, ToSchema)]
pub struct SraStatusResponse {
    /// `missing`, `current`, `due_soon`, `overdue`, `invalidated` or `unchecked` (finalized
    /// before Safeharbor's completeness checks: a new analysis is needed).
    pub currency: String,
    /// For people.
    pub label: String,
    /// The latest finalized assessment.
    pub latest_final: Option<AssessmentResponse>,
    /// The assessment in progress.
    pub draft: Option<AssessmentResponse>,
}

/// Whether the organization's risk analysis is current: for `sra_valid_months` after it is
/// finalized (12 by default, a Safeharbor default rather than a term of the rule), unless an
/// asset change marked significant came after it.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/sra", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = SraStatusResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn status(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<SraStatusResponse>> {
    let st = sra::status(&s.app, &auth.caller, &slug).await?;
    Ok(Json(SraStatusResponse {
        currency: st.currency.as_str().into(),
        label: st.currency.label(),
        latest_final: st.latest_final.map(Into::into),
        draft: st.draft.map(Into::into),
    }))
}

/// The organization's assessments, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assessments", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<AssessmentResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<AssessmentResponse>>> {
    let l = sra::list(&s.app, &auth.caller, &slug).await?;
    Ok(Json(l.into_iter().map(Into::into).collect()))
}

/// An assessment to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The period, e.g. `2026`; one assessment per period.
    pub period: String,
    /// What it covers.
    #[serde(default)]
    pub scope: Option<String>,
}

/// Starts the assessment of a period from a copy of the latest one's answers.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assessments", tag = "risk", request_body = StartRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = AssessmentResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn start(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(r): ApiJson<StartRequest>,
) -> ApiResult<(StatusCode, Json<AssessmentResponse>)> {
    let a = sra::start(
        &s.app,
        &auth.caller,
        &slug,
        &r.period,
        r.scope.as_deref().unwrap_or(""),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// A provider control covering an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct InheritedDto {
    /// The party responsible.
    pub provider: String,
    /// The control.
    pub title: String,
    /// Its status.
    pub status: String,
}

/// A questionnaire item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse {
    /// Citation.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Title.
    pub title: String,
    /// `administrative`, `physical`, `technical`, `organizational` or `documentation`.
    pub safeguard: Option<String>,
    /// `standard` or `implementation_spec`.
    pub kind: String,
    /// `required` or `addressable` (specifications).
    pub designation: Option<String>,
    /// When it may be answered `not_applicable`; absent: it always applies.
    pub not_applicable_when: Option<String>,
    /// The organization's own answer: `implemented`, `partial`, `not_implemented`,
    /// `not_applicable`.
    pub status: Option<String>,
    /// The answer that counts (own, else from inherited controls).
    pub effective_status: Option<String>,
    /// `implemented`, `alternative` or `not_reasonable` (addressable only).
    pub decision: Option<String>,
    /// The equivalent alternative measure.
    pub alternative: Option<String>,
    /// Why (not applicable, not reasonable and appropriate).
    pub reason: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Why the alternative measure is reasonable and appropriate.
    pub alternative_reason: Option<String>,
    /// How it is implemented.
    pub implementation: Option<String>,
    /// The organization's own controls that claim it.
    pub own_controls: Vec<String>,
    /// Current evidence linked to it.
    pub evidence: Vec<String>,
    /// Who answered last.
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: Option<String>,
    /// Provider controls that cover it (read-only here).
    pub inherited: Vec<InheritedDto>,
}

impl From<&Item> for ItemResponse {
    fn from(i: &Item) -> Self {
        let r = &i.requirement;
        let a = i.response.as_ref();
        Self {
            reference: r.reference.clone(),
            title: r.title.clone(),
            safeguard: r.family.clone(),
            kind: r.kind.as_str().into(),
            designation: r.designation.map(|d| d.as_str().into()),
            not_applicable_when: r.na_condition.clone(),
            status: a.and_then(|x| x.answer.status).map(|s| s.as_str().into()),
            effective_status: i.effective_status().map(|s| s.as_str().into()),
            decision: a.and_then(|x| x.answer.decision).map(|d| d.as_str().into()),
            alternative: a.and_then(|x| x.answer.alternative.clone()),
            reason: a.and_then(|x| x.answer.reason.clone()),
            notes: a.and_then(|x| x.answer.notes.clone()),
            alternative_reason: a.and_then(|x| x.answer.alternative_reason.clone()),
            implementation: a.and_then(|x| x.answer.implementation.clone()),
            own_controls: i.own_controls.clone(),
            evidence: i.evidence.clone(),
            updated_by: a.map(|x| x.updated_by.clone()),
            updated_at: a.map(|x| ts(x.updated_at)),
            inherited: i
                .inherited
                .iter()
                .map(|c| InheritedDto {
                    provider: c.provider.clone(),
                    title: c.title.clone(),
                    status: c.status.as_str().into(),
                })
                .collect(),
        }
    }
}

/// Progress of a safeguard family.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressResponse {
    /// Family, or `all`.
    pub safeguard: String,
    /// Items.
    pub total: u32,
    /// Answered.
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

impl From<Progress> for ProgressResponse {
    fn from(p: Progress) -> Self {
        Self {
            safeguard: p.family,
            total: p.total,
            answered: p.answered,
            implemented: p.implemented,
            partial: p.partial,
            not_implemented: p.not_implemented,
            not_applicable: p.not_applicable,
        }
    }
}

/// An assessment with its questionnaire.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDetail {
    /// The assessment.
    pub assessment: AssessmentResponse,
    /// For a finalized one: the stored snapshot still matches its hash.
    pub snapshot_verified: Option<bool>,
    /// Progress per safeguard, then `all`.
    pub progress: Vec<ProgressResponse>,
    /// Every standard and implementation specification.
    pub items: Vec<ItemResponse>,
}

fn detail(v: AssessmentView) -> AssessmentDetail {
    AssessmentDetail {
        progress: v.doc.progress().into_iter().map(Into::into).collect(),
        items: v.doc.items.iter().map(Into::into).collect(),
        snapshot_verified: v.snapshot_verified,
        assessment: v.doc.assessment.into(),
    }
}

/// One assessment with its questionnaire (the frozen snapshot once final).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assessments/{id}", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<AssessmentDetail>> {
    let id = AssessmentId::parse(&id)?;
    Ok(Json(detail(
        sra::view(&s.app, &auth.caller, &slug, id).await?,
    )))
}

/// What to make from a gap.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum MakeRequest {
    /// A risk in the register.
    Risk {
        /// The asset at risk (id), or
        #[serde(default)]
        asset_id: Option<String>,
        /// a group (default "All systems that hold ePHI").
        #[serde(default)]
        asset_group: Option<String>,
        /// Threat key (default `other`).
        #[serde(default)]
        threat_key: Option<String>,
        /// 1-5.
        likelihood: i64,
        /// 1-5.
        impact: i64,
        /// Owner.
        #[serde(default)]
        owner: Option<String>,
        /// `YYYY-MM-DD`.
        #[serde(default)]
        due_date: Option<String>,
    },
    /// A task in the plan.
    Task {
        /// What to do (default: implement the requirement).
        #[serde(default)]
        title: Option<String>,
        /// Who.
        #[serde(default)]
        assignee: Option<String>,
        /// `YYYY-MM-DD`.
        #[serde(default)]
        due_date: Option<String>,
    },
}

/// An answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// `implemented`, `partial`, `not_implemented` or `not_applicable` (with `reason`).
    #[serde(default)]
    pub status: Option<String>,
    /// Addressable only (164.306(d)(3)): `implemented` (as specified), `alternative` (with
    /// `reason`, `alternative` and `alternative_reason`) or `not_reasonable` (with `reason`).
    /// `implemented` is recorded when the status is implemented and no decision is sent.
    #[serde(default)]
    pub decision: Option<String>,
    /// The equivalent alternative measure implemented.
    #[serde(default)]
    pub alternative: Option<String>,
    /// Why the alternative measure is reasonable and appropriate.
    #[serde(default)]
    pub alternative_reason: Option<String>,
    /// Why: not applicable (only where the item states a condition), or not reasonable and
    /// appropriate (as specified).
    #[serde(default)]
    pub reason: Option<String>,
    /// How it is implemented (needed for `implemented` unless a control or evidence is linked
    /// to the citation).
    #[serde(default)]
    pub implementation: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// With `partial` or `not_implemented`: make a risk or a task in the same step.
    #[serde(default)]
    pub make: Option<MakeRequest>,
}

/// What answering did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerResponse {
    /// The item as now answered.
    pub item: ItemResponse,
    /// The risk made, if any.
    pub risk: Option<RiskResponseRef>,
    /// The task made, if any.
    pub task: Option<TaskResponse>,
}

/// Answers one item of a draft assessment (409 once finalized).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/assessments/{id}/responses/{ref}", tag = "risk", request_body = AnswerRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id"),
        ("ref" = String, Path, description = "Requirement citation, e.g. 164.308(a)(1)(ii)(A)")),
    responses((status = 200, body = AnswerResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn answer(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id, reference)): Path<(String, String, String)>,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> ApiResult<Json<AnswerResponse>> {
    let id = AssessmentId::parse(&id)?;
    let make = match req.make {
        None => MakeFromAnswer::Nothing,
        Some(MakeRequest::Risk {
            asset_id,
            asset_group,
            threat_key,
            likelihood,
            impact,
            owner,
            due_date,
        }) => MakeFromAnswer::Risk {
            asset: asset_id
                .as_deref()
                .filter(|a| !a.is_empty())
                .map(|a| {
                    AssetId::parse(a).map_err(|_| {
                        safeharbor_domain::Invalid::new("make.asset_id", "is not an asset id")
                    })
                })
                .transpose()?,
            asset_group: asset_group.unwrap_or_default(),
            threat_key: threat_key.unwrap_or_default(),
            likelihood: Some(likelihood),
            impact: Some(impact),
            owner: owner.unwrap_or_default(),
            due_date: due_date.unwrap_or_default(),
        },
        Some(MakeRequest::Task {
            title,
            assignee,
            due_date,
        }) => MakeFromAnswer::Task {
            title: title.unwrap_or_default(),
            assignee: assignee.unwrap_or_default(),
            due_date: due_date.unwrap_or_default(),
        },
    };
    let fields = AnswerInput {
        status: req.status.as_deref().unwrap_or(""),
        decision: req.decision.as_deref().unwrap_or(""),
        alternative: req.alternative.as_deref().unwrap_or(""),
        alternative_reason: req.alternative_reason.as_deref().unwrap_or(""),
        reason: req.reason.as_deref().unwrap_or(""),
        implementation: req.implementation.as_deref().unwrap_or(""),
        notes: req.notes.as_deref().unwrap_or(""),
    };
    let outcome = sra::answer(&s.app, &auth.caller, &slug, id, &reference, &fields, make).await?;
    let v = sra::view(&s.app, &auth.caller, &slug, id).await?;
    let reference = sra::canonical_ref(&s.app, &reference).await?;
    let item = v
        .doc
        .items
        .iter()
        .find(|i| i.requirement.reference == reference)
        .map(ItemResponse::from)
        .ok_or_else(|| ApiError::from(safeharbor_core::Error::NotFound))?;
    let t = s.app.settings().risk_thresholds;
    Ok(Json(match outcome {
        Outcome::Answered => AnswerResponse {
            item,
            risk: None,
            task: None,
        },
        Outcome::Risk(risk) => AnswerResponse {
            item,
            risk: Some(RiskResponseRef::new(risk, t)),
            task: None,
        },
        Outcome::Task(tk) => AnswerResponse {
            item,
            risk: None,
            task: Some(tk.into()),
        },
    }))
}

/// Finalizes a risk analysis once it is one: every item answered for real, addressable
/// decisions consistent, an inventory of ePHI systems each examined against every threat
/// category, a risk for every gap and a treatment for every risk above the acceptance
/// threshold, a named security official, and the organization's sign-off (given by finalizing
/// when the caller is its administrator or security official). Otherwise 422 `incomplete`
/// lists every thing missing in `details`, each naming its item in `field` (a citation,
/// `inventory`, `asset:<id>`, `risk:<id>`, `security_official`, `sign_off`). It becomes an
/// immutable snapshot.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assessments/{id}/finalize", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn finalize(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<AssessmentResponse>> {
    let id = AssessmentId::parse(&id)?;
    Ok(Json(
        sra::finalize(&s.app, &auth.caller, &slug, id).await?.into(),
    ))
}

/// Report options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `pdf` (default) or `csv`.
    pub format: Option<String>,
    /// For CSV: `risks` (default), `assets`, `questionnaire` or `plan`.
    pub part: Option<String>,
}

/// Renders the whole report for an assessment.
pub(crate) async fn render(
    s: &AppState,
    v: AssessmentView,
    format: &str,
    part: &str,
) -> Result<Response, safeharbor_core::Error> {
    let name = format!(
        "sra-{}-{}",
        v.doc.org_slug,
        v.doc.assessment.period.replace(' ', "-")
    );
    match format {
        "pdf" => {
            let now = s.app.now();
            let doc = v.doc;
            let pdf =
                tokio::task::spawn_blocking(move || safeharbor_reports::sra::sra_pdf(&doc, now))
                    .await
                    .map_err(safeharbor_core::Error::internal)?
                    .map_err(safeharbor_core::Error::internal)?;
            Ok(attachment(pdf, "application/pdf", &format!("{name}.pdf")))
        }
        "csv" => {
            let body = match part {
                "risks" => safeharbor_reports::sra::risks_csv(&v.doc),
                "assets" => safeharbor_reports::sra::assets_csv(&v.doc),
                "questionnaire" => safeharbor_reports::sra::questionnaire_csv(&v.doc),
                "plan" => safeharbor_reports::sra::plan_csv(&v.doc),
                _ => {
                    return Err(safeharbor_core::Error::invalid(
                        "part",
                        "must be risks, assets, questionnaire or plan",
                    ));
                }
            };
            Ok(attachment(
                body.into_bytes(),
                "text/csv; charset=utf-8",
                &format!("{name}-{part}.csv"),
            ))
        }
        _ => Err(safeharbor_core::Error::invalid(
            "format",
            "must be pdf or csv",
        )),
    }
}

/// The SRA report: scope, method, inventory, register with heat maps, questionnaire results,
/// addressable decisions and the risk management plan. PDF, or one part as CSV.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assessments/{id}/report", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id"), ReportQuery),
    responses((status = 200, description = "The report", content_type = "application/pdf"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn report(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let id = AssessmentId::parse(&id)?;
    let v = sra::report(&s.app, &auth.caller, &slug, id).await?;
    Ok(render(
        &s,
        v,
        q.format.as_deref().unwrap_or("pdf"),
        q.part.as_deref().unwrap_or("risks"),
    )
    .await?)
}
