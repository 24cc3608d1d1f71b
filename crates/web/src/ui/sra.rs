//! The risk assessment pages: currency and the list of assessments, the guided questionnaire
//! (answered item by item, with htmx when available), finalizing, and the report as PDF, HTML
//! and CSV.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use safeharbor_core::orgs;
use safeharbor_core::sra::{
    self, AssessmentView, FAMILIES, Item, MakeFromAnswer, Progress, SraStatus,
};
use safeharbor_domain::ids::{AssessmentId, AssetId};
use safeharbor_domain::org::Organization;
use safeharbor_domain::risk::{
    AddressableDecision, Assessment, IMPACT_SCALE, LIKELIHOOD_SCALE, ResponseStatus, RiskThresholds,
};
use serde::Deserialize;

use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, is_htmx, redirect_with};
use crate::AppState;

fn not_found<T>(_: T) -> safeharbor_core::Error {
    safeharbor_core::Error::NotFound
}

#[derive(Template)]
#[template(path = "sra.html")]
struct SraPage {
    chrome: Chrome,
    org: Organization,
    status: SraStatus,
    assessments: Vec<Assessment>,
    can_write: bool,
    period: String,
    scope: String,
    errors: FormErrors,
}

async fn sra_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    period: String,
    scope: String,
    errors: FormErrors,
) -> UiResult<SraPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let status = sra::status(&s.app, &ui.caller, slug).await?;
    let assessments = sra::list(&s.app, &ui.caller, slug).await?;
    let period = if period.is_empty() {
        let y = s.app.now().year();
        if assessments.iter().any(|a| a.period == y.to_string()) {
            (y + 1).to_string()
        } else {
            y.to_string()
        }
    } else {
        period
    };
    Ok(SraPage {
        chrome: Chrome::new(ui, Section::Sra, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        status,
        assessments,
        period,
        scope,
        errors,
    })
}

/// `GET /orgs/{slug}/sra`.
pub async fn index(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let p = sra_page(
        &s,
        &ui,
        &slug,
        String::new(),
        String::new(),
        FormErrors::none(),
    )
    .await?;
    ui.page(&p)
}

/// The start form.
#[derive(Debug, Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    scope: String,
}

/// `POST /orgs/{slug}/sra`.
pub async fn start(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<StartForm>,
) -> UiResult<Response> {
    match sra::start(&s.app, &ui.caller, &slug, &f.period, &f.scope).await {
        Ok(a) => Ok(redirect_with(
            &format!("/orgs/{slug}/sra/{}", a.id),
            "ok",
            &format!(
                "Risk assessment {} started{}.",
                a.period,
                if a.copied_from.is_some() {
                    " from a copy of the previous answers"
                } else {
                    ""
                }
            ),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = sra_page(&s, &ui, &slug, f.period, f.scope, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// One questionnaire item, rendered alone (htmx swaps it after an answer) or in the page.
#[derive(Template)]
#[template(path = "sra_item.html")]
struct ItemBlock<'a> {
    slug: &'a str,
    assessment: AssessmentId,
    item: &'a Item,
    csrf: &'a str,
    editable: bool,
    errors: FormErrors,
    form: AnswerForm,
    statuses: &'a [(String, String)],
    decisions: &'a [(String, String)],
    likelihood: &'a [(String, String)],
    impact: &'a [(String, String)],
    assets: &'a [(String, String)],
    saved: Option<String>,
}

fn options() -> [Vec<(String, String)>; 4] {
    let statuses = std::iter::once((String::new(), "Not answered".to_owned()))
        .chain(
            ResponseStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().to_owned())),
        )
        .collect();
    let decisions = std::iter::once((String::new(), "No decision yet".to_owned()))
        .chain(
            AddressableDecision::ALL
                .iter()
                .map(|d| (d.as_str().to_owned(), d.label().to_owned())),
        )
        .collect();
    let scale = |s: &[(u8, &str, &str); 5]| {
        s.iter()
            .map(|(n, l, _)| (n.to_string(), format!("{n} {l}")))
            .collect()
    };
    [
        statuses,
        decisions,
        scale(&LIKELIHOOD_SCALE),
        scale(&IMPACT_SCALE),
    ]
}

impl ItemBlock<'_> {
    fn id(&self) -> String {
        item_anchor(&self.item.requirement.reference)
    }
}

/// An HTML id for a citation.
pub fn item_anchor(reference: &str) -> String {
    let mut out = String::from("item-");
    for c in reference.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The answer form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AnswerForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    alternative: String,
    #[serde(default)]
    alternative_reason: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    implementation: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    make: String,
    #[serde(default)]
    asset_id: String,
    #[serde(default)]
    likelihood: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    due_date: String,
}

impl AnswerForm {
    fn of(item: &Item) -> Self {
        let a = item.response.as_ref().map(|r| &r.answer);
        Self {
            status: a
                .and_then(|a| a.status)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            decision: a
                .and_then(|a| a.decision)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            alternative: a.and_then(|a| a.alternative.clone()).unwrap_or_default(),
            alternative_reason: a
                .and_then(|a| a.alternative_reason.clone())
                .unwrap_or_default(),
            reason: a.and_then(|a| a.reason.clone()).unwrap_or_default(),
            implementation: a.and_then(|a| a.implementation.clone()).unwrap_or_default(),
            notes: a.and_then(|a| a.notes.clone()).unwrap_or_default(),
            likelihood: "3".into(),
            impact: "3".into(),
            ..Self::default()
        }
    }
}

#[derive(Template)]
#[template(path = "sra_assessment.html")]
struct AssessmentPage {
    chrome: Chrome,
    org: Organization,
    view: AssessmentView,
    progress: Vec<Progress>,
    families: Vec<(String, String, Vec<String>)>,
    family: String,
    only_open: bool,
    can_finalize: bool,
    errors: FormErrors,
}

/// Filters of the questionnaire.
#[derive(Debug, Deserialize, Default)]
pub struct ItemsQuery {
    #[serde(default)]
    family: String,
    #[serde(default)]
    show: String,
}

async fn asset_options(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
) -> UiResult<Vec<(String, String)>> {
    let page = safeharbor_domain::page::PageRequest::parse(Some(200), None)?;
    let list = safeharbor_core::assets::list(
        &s.app,
        &ui.caller,
        slug,
        &safeharbor_core::ports::AssetFilter {
            ephi_only: true,
            ..Default::default()
        },
        &page,
    )
    .await?;
    Ok(
        std::iter::once((String::new(), "All systems that hold ePHI".to_owned()))
            .chain(
                list.items
                    .into_iter()
                    .map(|a| (a.id.to_string(), a.fields.name)),
            )
            .collect(),
    )
}

async fn assessment_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: &str,
    q: &ItemsQuery,
    errors: FormErrors,
) -> UiResult<AssessmentPage> {
    let aid = AssessmentId::parse(id).map_err(not_found)?;
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let view = sra::view(&s.app, &ui.caller, slug, aid).await?;
    let [statuses, decisions, likelihood, impact] = options();
    let assets = if view.editable {
        asset_options(s, ui, slug).await?
    } else {
        Vec::new()
    };
    let only_open = q.show == "open";
    let mut families = Vec::new();
    for (key, label) in FAMILIES {
        if !q.family.is_empty() && q.family != key {
            continue;
        }
        let mut blocks = Vec::new();
        for item in view
            .doc
            .items
            .iter()
            .filter(|i| i.requirement.family.as_deref() == Some(key))
        {
            if only_open && item.effective_status().is_some() {
                continue;
            }
            let b = ItemBlock {
                slug,
                assessment: aid,
                item,
                csrf: &ui.session.csrf_token,
                editable: view.editable,
                errors: FormErrors::none(),
                form: AnswerForm::of(item),
                statuses: &statuses,
                decisions: &decisions,
                likelihood: &likelihood,
                impact: &impact,
                assets: &assets,
                saved: None,
            };
            blocks.push(b.render().map_err(safeharbor_core::Error::internal)?);
        }
        families.push((key.to_owned(), label.to_owned(), blocks));
    }
    let progress = view.doc.progress();
    Ok(AssessmentPage {
        chrome: Chrome::new(ui, Section::Sra, Some(&org)),
        can_finalize: view.editable,
        org,
        progress,
        view,
        families,
        family: q.family.clone(),
        only_open,
        errors,
    })
}

/// `GET /orgs/{slug}/sra/{id}`.
pub async fn assessment(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<ItemsQuery>,
) -> UiResult<Response> {
    let p = assessment_page(&s, &ui, &slug, &id, &q, FormErrors::none()).await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/sra/{id}/items/{ref}`: answers one item. With htmx, answers with the
/// item's new block; otherwise redirects back to it.
pub async fn answer(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, reference)): Path<(String, String, String)>,
    CsrfForm(ui, f): CsrfForm<AnswerForm>,
) -> UiResult<Response> {
    let aid = AssessmentId::parse(&id).map_err(not_found)?;
    let make = match f.make.as_str() {
        "risk" => MakeFromAnswer::Risk {
            asset: AssetId::parse(f.asset_id.trim()).ok(),
            asset_group: String::new(),
            threat_key: String::new(),
            likelihood: f.likelihood.trim().parse().ok(),
            impact: f.impact.trim().parse().ok(),
            owner: f.assignee.clone(),
            due_date: f.due_date.clone(),
        },
        "task" => MakeFromAnswer::Task {
            title: String::new(),
            assignee: f.assignee.clone(),
            due_date: f.due_date.clone(),
        },
        _ => MakeFromAnswer::Nothing,
    };
    let fields = safeharbor_domain::risk::AnswerInput {
        status: &f.status,
        decision: &f.decision,
        alternative: &f.alternative,
        alternative_reason: &f.alternative_reason,
        reason: &f.reason,
        implementation: &f.implementation,
        notes: &f.notes,
    };
    let result = sra::answer(&s.app, &ui.caller, &slug, aid, &reference, &fields, make).await;
    let htmx = is_htmx(&headers);
    let (errors, saved) = match result {
        Ok(o) => (
            FormErrors::none(),
            Some(match o {
                sra::Outcome::Answered => "Saved.".to_owned(),
                sra::Outcome::Risk(r) => format!(
                    "Saved; risk added to the register (score {}).",
                    r.inherent_score()
                ),
                sra::Outcome::Task(t) => format!("Saved; task \"{}\" added to the plan.", t.title),
            }),
        ),
        Err(e) => (FormErrors::from_error(e)?, None),
    };
    if !htmx {
        if errors.is_empty() {
            return Ok(redirect_with(
                &format!("/orgs/{slug}/sra/{id}#{}", item_anchor(&reference)),
                "ok",
                &format!("{reference}: {}", saved.unwrap_or_default()),
            ));
        }
        let p = assessment_page(&s, &ui, &slug, &id, &ItemsQuery::default(), errors).await?;
        return Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response());
    }
    let view = sra::view(&s.app, &ui.caller, &slug, aid).await?;
    let item = view
        .doc
        .items
        .iter()
        .find(|i| i.requirement.reference == reference)
        .ok_or(safeharbor_core::Error::NotFound)?;
    let [statuses, decisions, likelihood, impact] = options();
    let assets = asset_options(&s, &ui, &slug).await?;
    let failed = !errors.is_empty();
    let b = ItemBlock {
        slug: &slug,
        assessment: aid,
        item,
        csrf: &ui.session.csrf_token,
        editable: view.editable,
        form: if failed { f } else { AnswerForm::of(item) },
        errors,
        statuses: &statuses,
        decisions: &decisions,
        likelihood: &likelihood,
        impact: &impact,
        assets: &assets,
        saved,
    };
    let rendered = b.render().map_err(safeharbor_core::Error::internal)?;
    // htmx swaps 2xx answers only; a refused answer comes back as 200 with its errors shown.
    Ok(Html(rendered).into_response())
}

/// `GET /orgs/{slug}/sra/{id}/report.pdf`.
pub async fn report_pdf(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let aid = AssessmentId::parse(&id).map_err(not_found)?;
    let v = sra::report(&s.app, &ui.caller, &slug, aid).await?;
    Ok(crate::api::sra::render(&s, v, "pdf", "").await?)
}

/// Which CSV part.
#[derive(Debug, Deserialize, Default)]
pub struct PartQuery {
    #[serde(default)]
    part: String,
}

/// `GET /orgs/{slug}/sra/{id}/report.csv?part=`.
pub async fn report_csv(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<PartQuery>,
) -> UiResult<Response> {
    let aid = AssessmentId::parse(&id).map_err(not_found)?;
    let v = sra::report(&s.app, &ui.caller, &slug, aid).await?;
    let part = if q.part.is_empty() {
        "risks"
    } else {
        q.part.as_str()
    };
    Ok(crate::api::sra::render(&s, v, "csv", part).await?)
}

#[derive(Template)]
#[template(path = "sra_report.html")]
struct ReportPage {
    chrome: Chrome,
    org: Organization,
    view: AssessmentView,
    progress: Vec<Progress>,
    thresholds: RiskThresholds,
    heat_inherent: Vec<(u8, Vec<super::risk::Cell>)>,
    heat_current: Vec<(u8, Vec<super::risk::Cell>)>,
    families: Vec<(&'static str, &'static str)>,
    today: time::Date,
}

/// `GET /orgs/{slug}/sra/{id}/report`: the report as a web page (print it, or save it).
pub async fn report_html(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let aid = AssessmentId::parse(&id).map_err(not_found)?;
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let view = sra::report(&s.app, &ui.caller, &slug, aid).await?;
    let t = view.doc.thresholds;
    let p = ReportPage {
        chrome: Chrome::new(&ui, Section::Sra, Some(&org)),
        org,
        progress: view.doc.progress(),
        thresholds: t,
        heat_inherent: super::risk::heat(&view.doc.risks, false, t),
        heat_current: super::risk::heat(&view.doc.risks, true, t),
        families: FAMILIES.to_vec(),
        today: s.app.now().date(),
        view,
    };
    ui.page(&p)
}
