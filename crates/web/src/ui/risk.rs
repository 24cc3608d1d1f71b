//! The risk analysis pages: the asset inventory (with CSV import), the threat library, and the
//! risk register with its heat maps.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::assets::{self, CSV_COLUMNS, ImportReport};
use safeharbor_core::authz::{self, Need};
use safeharbor_core::orgs;
use safeharbor_core::ports::{AssetFilter, LocationFilter, RiskFilter};
use safeharbor_core::risks::{self, NewThreat, PlanInput, Suggestion, ThreatView};
use safeharbor_domain::ids::{AssetId, RiskId};
use safeharbor_domain::org::Organization;
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::risk::{
    Asset, AssetInput, AssetKind, Criticality, EphiRole, IMPACT_SCALE, LIKELIHOOD_SCALE,
    Protection, Risk, RiskInput, RiskSnapshot, RiskStatus, RiskThresholds, Treatment,
};
use serde::Deserialize;

use super::auth::NoFields;
use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{
    CsrfForm, UiError, UiResult, UiSession, constant_time_eq, query_start, redirect_with,
};
use crate::AppState;

type Options = Vec<(String, String)>;

fn opts<T: Copy>(all: &[T], wire: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Options {
    all.iter()
        .map(|v| (wire(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

fn with_blank(mut o: Options, blank: &str) -> Options {
    o.insert(0, (String::new(), blank.to_owned()));
    o
}

fn scale(s: &[(u8, &str, &str); 5]) -> Options {
    s.iter()
        .map(|(n, l, _)| (n.to_string(), format!("{n} {l}")))
        .collect()
}

fn not_found<T>(_: T) -> safeharbor_core::Error {
    safeharbor_core::Error::NotFound
}

async fn location_options(s: &AppState, ui: &UiSession, slug: &str) -> UiResult<Options> {
    let page = PageRequest::parse(Some(200), None)?;
    let l = safeharbor_core::locations::list(
        &s.app,
        &ui.caller,
        slug,
        &LocationFilter::default(),
        &page,
    )
    .await?;
    Ok(with_blank(
        l.items
            .into_iter()
            .map(|l| (l.id.to_string(), l.name))
            .collect(),
        "No particular location",
    ))
}

/// A level's CSS class and label for a score.
pub fn level(t: RiskThresholds, score: u8) -> (&'static str, &'static str) {
    let l = t.level(score);
    (l.as_str(), l.label())
}

// ------------------------------------------------------------------ assets

/// Filters of the asset list.
#[derive(Debug, Deserialize, Default)]
pub struct AssetQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ephi: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    cursor: String,
}

/// The add and edit form of an asset.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AssetForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    ephi_role: String,
    #[serde(default)]
    criticality: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    encryption_at_rest: String,
    #[serde(default)]
    encryption_in_transit: String,
    #[serde(default)]
    mfa: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    significant: String,
}

impl AssetForm {
    fn blank() -> Self {
        Self {
            kind: "workstation".into(),
            ephi_role: "none".into(),
            criticality: "moderate".into(),
            encryption_at_rest: "unknown".into(),
            encryption_in_transit: "unknown".into(),
            mfa: "unknown".into(),
            ..Self::default()
        }
    }

    fn of(a: &Asset) -> Self {
        let f = &a.fields;
        Self {
            name: f.name.clone(),
            kind: f.kind.as_str().into(),
            location: f.location_id.map(|l| l.to_string()).unwrap_or_default(),
            ephi_role: f.ephi_role.as_str().into(),
            criticality: f.criticality.as_str().into(),
            owner: f.owner.clone().unwrap_or_default(),
            vendor: f.vendor.clone().unwrap_or_default(),
            encryption_at_rest: f.encryption_at_rest.as_str().into(),
            encryption_in_transit: f.encryption_in_transit.as_str().into(),
            mfa: f.mfa.as_str().into(),
            notes: f.notes.clone().unwrap_or_default(),
            significant: String::new(),
        }
    }

    async fn parse(
        &self,
        s: &AppState,
        ui: &UiSession,
        slug: &str,
    ) -> Result<safeharbor_domain::risk::AssetFields, safeharbor_core::Error> {
        let scope = authz::scope(&s.app, &ui.caller, slug, Need::Read).await?;
        let loc = assets::resolve_location(&s.app, &scope, &self.location).await?;
        Ok(AssetInput {
            name: &self.name,
            kind: &self.kind,
            ephi_role: &self.ephi_role,
            criticality: &self.criticality,
            owner: &self.owner,
            vendor: &self.vendor,
            encryption_at_rest: &self.encryption_at_rest,
            encryption_in_transit: &self.encryption_in_transit,
            mfa: &self.mfa,
            notes: &self.notes,
        }
        .parse(loc)?)
    }
}

/// Choices of the asset form.
#[derive(Debug)]
pub struct AssetChoices {
    kinds: Options,
    roles: Options,
    criticality: Options,
    protection: Options,
    locations: Options,
}

async fn asset_choices(s: &AppState, ui: &UiSession, slug: &str) -> UiResult<AssetChoices> {
    Ok(AssetChoices {
        kinds: opts(AssetKind::ALL, AssetKind::as_str, AssetKind::label),
        roles: opts(EphiRole::ALL, EphiRole::as_str, EphiRole::label),
        criticality: opts(Criticality::ALL, Criticality::as_str, Criticality::label),
        protection: opts(Protection::ALL, Protection::as_str, Protection::label),
        locations: location_options(s, ui, slug).await?,
    })
}

#[derive(Template)]
#[template(path = "assets.html")]
struct AssetsPage {
    chrome: Chrome,
    org: Organization,
    items: Vec<Asset>,
    next: Option<String>,
    q: AssetQuery,
    can_write: bool,
    form: AssetForm,
    form_action: String,
    choices: AssetChoices,
    kind_filter: Options,
    errors: FormErrors,
}

async fn assets_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    q: AssetQuery,
    form: AssetForm,
    errors: FormErrors,
) -> UiResult<AssetsPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let page = PageRequest::parse(Some(50), Some(q.cursor.as_str()))?;
    let filter = AssetFilter {
        q: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        kind: AssetKind::parse(&q.kind).ok(),
        ephi_only: q.ephi == "1",
        location: None,
        include_archived: q.show == "archived",
    };
    let list = assets::list(&s.app, &ui.caller, slug, &filter, &page).await?;
    let next = list.next_cursor.map(|c| {
        query_start(format!("/orgs/{slug}/assets?"))
            .append_pair("q", &q.q)
            .append_pair("kind", &q.kind)
            .append_pair("ephi", &q.ephi)
            .append_pair("show", &q.show)
            .append_pair("cursor", &c)
            .finish()
    });
    Ok(AssetsPage {
        chrome: Chrome::new(ui, Section::Assets, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        items: list.items,
        next,
        q,
        form,
        form_action: format!("/orgs/{slug}/assets"),
        choices: asset_choices(s, ui, slug).await?,
        kind_filter: with_blank(
            opts(AssetKind::ALL, AssetKind::as_str, AssetKind::label),
            "Every kind",
        ),
        errors,
    })
}

/// `GET /orgs/{slug}/assets`.
pub async fn assets_list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<AssetQuery>,
) -> UiResult<Response> {
    let p = assets_page(&s, &ui, &slug, q, AssetForm::blank(), FormErrors::none()).await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/assets`.
pub async fn asset_create(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<AssetForm>,
) -> UiResult<Response> {
    let result = match f.parse(&s, &ui, &slug).await {
        Ok(fields) => {
            assets::create(&s.app, &ui.caller, &slug, fields, !f.significant.is_empty()).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(redirect_with(
            &format!("/orgs/{slug}/assets/{}", a.id),
            "ok",
            &format!(
                "Asset \"{}\" added. Review the threats suggested for it below.",
                a.fields.name
            ),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = assets_page(&s, &ui, &slug, AssetQuery::default(), f, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    chrome: Chrome,
    org: Organization,
    asset: Asset,
    form: AssetForm,
    form_action: String,
    choices: AssetChoices,
    errors: FormErrors,
    can_write: bool,
    suggestions: Vec<Suggestion>,
    risks: Vec<Risk>,
    thresholds: RiskThresholds,
    categories: Vec<safeharbor_core::considerations::CategoryStatus>,
}

async fn asset_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: &str,
    form: Option<AssetForm>,
    errors: FormErrors,
) -> UiResult<AssetPage> {
    let id = AssetId::parse(id).map_err(not_found)?;
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let asset = assets::get(&s.app, &ui.caller, slug, id).await?;
    let page = PageRequest::parse(Some(200), None)?;
    let risks = risks::list(
        &s.app,
        &ui.caller,
        slug,
        &RiskFilter {
            asset: Some(id),
            include_closed: true,
            ..RiskFilter::default()
        },
        &page,
    )
    .await?
    .items;
    Ok(AssetPage {
        chrome: Chrome::new(ui, Section::Assets, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        form: form.unwrap_or_else(|| AssetForm::of(&asset)),
        form_action: format!("/orgs/{slug}/assets/{id}"),
        choices: asset_choices(s, ui, slug).await?,
        suggestions: risks::suggestions(&s.app, &ui.caller, slug, id).await?,
        categories: safeharbor_core::considerations::for_asset(&s.app, &ui.caller, slug, id)
            .await?,
        asset,
        errors,
        risks,
        thresholds: s.app.settings().risk_thresholds,
    })
}

/// `GET /orgs/{slug}/assets/{id}`.
pub async fn asset_show(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let p = asset_page(&s, &ui, &slug, &id, None, FormErrors::none()).await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/assets/{id}`.
pub async fn asset_update(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<AssetForm>,
) -> UiResult<Response> {
    let aid = AssetId::parse(&id).map_err(not_found)?;
    let result = match f.parse(&s, &ui, &slug).await {
        Ok(fields) => {
            assets::update(
                &s.app,
                &ui.caller,
                &slug,
                aid,
                fields,
                !f.significant.is_empty(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(redirect_with(
            &format!("/orgs/{slug}/assets/{}", a.id),
            "ok",
            &format!("Asset \"{}\" saved.", a.fields.name),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = asset_page(&s, &ui, &slug, &id, Some(f), errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

async fn asset_set_archived(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: &str,
    archived: bool,
) -> UiResult<Response> {
    let aid = AssetId::parse(id).map_err(not_found)?;
    let a = assets::set_archived(&s.app, &ui.caller, slug, aid, archived).await?;
    Ok(redirect_with(
        &format!("/orgs/{slug}/assets/{id}"),
        "ok",
        &format!(
            "Asset \"{}\" {}.",
            a.fields.name,
            if archived {
                "archived (kept on record)"
            } else {
                "restored"
            }
        ),
    ))
}

/// `POST /orgs/{slug}/assets/{id}/archive`.
pub async fn asset_archive(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    asset_set_archived(&s, &ui, &slug, &id, true).await
}

/// `POST /orgs/{slug}/assets/{id}/restore`.
pub async fn asset_restore(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    asset_set_archived(&s, &ui, &slug, &id, false).await
}

#[derive(Template)]
#[template(path = "asset_import.html")]
struct ImportPage {
    chrome: Chrome,
    org: Organization,
    columns: Vec<(&'static str, String, &'static str)>,
    csv: String,
    report: Option<ImportReport>,
    preview: Vec<[String; 6]>,
    error: Option<String>,
    significant: bool,
}

fn preview_rows(r: Option<&ImportReport>) -> Vec<[String; 6]> {
    r.map(|r| {
        r.assets
            .iter()
            .zip(&r.locations)
            .take(200)
            .map(|(a, l)| {
                [
                    a.name.clone(),
                    a.kind.label().to_owned(),
                    l.clone().unwrap_or_default(),
                    a.ephi_role.label().to_owned(),
                    a.encryption_at_rest.label().to_owned(),
                    a.mfa.label().to_owned(),
                ]
            })
            .collect()
    })
    .unwrap_or_default()
}

fn import_columns() -> Vec<(&'static str, String, &'static str)> {
    CSV_COLUMNS
        .iter()
        .map(|(n, a, d)| (*n, a.join(", "), *d))
        .collect()
}

/// `GET /orgs/{slug}/assets/import`.
pub async fn import_form(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    authz::scope(&s.app, &ui.caller, &slug, Need::Write).await?;
    let p = ImportPage {
        chrome: Chrome::new(&ui, Section::Assets, Some(&org)),
        org,
        columns: import_columns(),
        csv: String::new(),
        report: None,
        preview: Vec::new(),
        error: None,
        significant: false,
    };
    ui.page(&p)
}

/// `POST /orgs/{slug}/assets/import` (multipart: `_csrf`, `file` or `csv`, `confirm`,
/// `significant`): previews (dry run) unless `confirm` is set.
pub async fn import(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let bad = |m: &str| UiError::Page(StatusCode::BAD_REQUEST, m.to_owned());
    // Access first: nobody else's upload is read.
    authz::scope(&s.app, &ui.caller, &slug, Need::Write).await?;
    let mut mp = <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, &s)
        .await
        .map_err(|_| bad("Send the form as multipart/form-data, as the import page does."))?;
    let (mut csrf, mut file, mut text, mut confirm, mut significant) =
        (String::new(), Vec::new(), String::new(), false, false);
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| bad("The upload could not be read; try again."))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field.bytes().await.map_err(|_| {
            bad("The upload could not be read; it may be larger than the server accepts.")
        })?;
        match name.as_str() {
            "_csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes.to_vec(),
            "csv" => text = String::from_utf8_lossy(&bytes).into_owned(),
            "confirm" => confirm = !bytes.is_empty(),
            "significant" => significant = !bytes.is_empty(),
            _ => {}
        }
    }
    if !constant_time_eq(csrf.as_bytes(), ui.session.csrf_token.as_bytes()) {
        return Err(UiError::Page(StatusCode::FORBIDDEN, "This form has expired or did not come from Safeharbor. Go back, reload the page and try again.".into()));
    }
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let mut error = None;
    let csv = if file.is_empty() {
        text
    } else if let Ok(t) = String::from_utf8(file) {
        t
    } else {
        error = Some(
            "The file is not UTF-8 text. Save the CSV as UTF-8 and upload it again.".to_owned(),
        );
        String::new()
    };
    let mut report = None;
    if error.is_none() {
        if csv.trim().is_empty() {
            error = Some("Choose a CSV file or paste its contents.".into());
        } else {
            match assets::import_csv(&s.app, &ui.caller, &slug, &csv, !confirm, significant).await {
                Ok(r) if r.created > 0 => {
                    return Ok(redirect_with(
                        &format!("/orgs/{slug}/assets"),
                        "ok",
                        &format!("{} assets imported.", r.created),
                    ));
                }
                Ok(r) => report = Some(r),
                Err(safeharbor_core::Error::Invalid(i)) => {
                    error = Some(format!("The {}: {}.", i.field, i.reason));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let status = if error.is_some() || report.as_ref().is_some_and(|r| !r.errors.is_empty()) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let p = ImportPage {
        chrome: Chrome::new(&ui, Section::Assets, Some(&org)),
        org,
        columns: import_columns(),
        csv,
        preview: preview_rows(report.as_ref()),
        report,
        error,
        significant,
    };
    Ok((status, ui.page(&p)?).into_response())
}

// ------------------------------------------------------------------ threats

#[derive(Template)]
#[template(path = "threats.html")]
struct ThreatsPage {
    chrome: Chrome,
    org: Organization,
    threats: Vec<ThreatView>,
    can_write: bool,
    form: ThreatForm,
    kinds: Options,
    categories: Vec<&'static str>,
    errors: FormErrors,
}

/// The form of a custom threat.
#[derive(Debug, Default, Clone)]
pub struct ThreatForm {
    name: String,
    category: String,
    description: String,
    kinds: Vec<String>,
    vulnerabilities: String,
}

async fn threats_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    form: ThreatForm,
    errors: FormErrors,
) -> UiResult<ThreatsPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    Ok(ThreatsPage {
        chrome: Chrome::new(ui, Section::Risks, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        threats: risks::threats(&s.app, &ui.caller, slug).await?,
        form,
        kinds: opts(AssetKind::ALL, AssetKind::as_str, AssetKind::label),
        categories: safeharbor_catalog::threats::CATEGORIES.to_vec(),
        errors,
    })
}

/// `GET /orgs/{slug}/threats`.
pub async fn threats_list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let p = threats_page(
        &s,
        &ui,
        &slug,
        ThreatForm {
            category: "adversarial".into(),
            ..ThreatForm::default()
        },
        FormErrors::none(),
    )
    .await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/threats`: `name`, `category`, `description`, `kind` (repeated),
/// `vulnerabilities` (one per line).
pub async fn threat_create(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, fields): CsrfForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = ThreatForm {
        name: get("name"),
        category: get("category"),
        description: get("description"),
        kinds: fields
            .iter()
            .filter(|(n, _)| n == "kind")
            .map(|(_, v)| v.clone())
            .collect(),
        vulnerabilities: get("vulnerabilities"),
    };
    let r = risks::add_threat(
        &s.app,
        &ui.caller,
        &slug,
        NewThreat {
            name: form.name.clone(),
            category: form.category.clone(),
            description: form.description.clone(),
            asset_kinds: form.kinds.clone(),
            vulnerabilities: form.vulnerabilities.lines().map(str::to_owned).collect(),
        },
    )
    .await;
    match r {
        Ok(t) => Ok(redirect_with(
            &format!("/orgs/{slug}/threats"),
            "ok",
            &format!(
                "Threat \"{}\" added to this organization's library.",
                t.name
            ),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = threats_page(&s, &ui, &slug, form, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

// ------------------------------------------------------------------ risks

/// Filters of the register.
#[derive(Debug, Deserialize, Default)]
pub struct RiskQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    cursor: String,
}

/// A heat map cell.
#[derive(Debug)]
pub struct Cell {
    /// Risks in the cell.
    pub count: u32,
    /// Level class.
    pub class: &'static str,
    /// For screen readers.
    pub label: String,
}

pub fn heat(risks: &[Risk], residual: bool, t: RiskThresholds) -> Vec<(u8, Vec<Cell>)> {
    heat_cells(&risks::heat_map(risks, residual), t)
}

/// Heat map rows from counts, likelihood 5 first.
pub fn heat_cells(m: &[[u32; 5]; 5], t: RiskThresholds) -> Vec<(u8, Vec<Cell>)> {
    (1..=5u8)
        .rev()
        .map(|l| {
            let row = (1..=5u8)
                .map(|i| {
                    let count = m[usize::from(l - 1)][usize::from(i - 1)];
                    let (class, name) = level(t, l * i);
                    Cell {
                        count,
                        class,
                        label: format!(
                            "likelihood {l}, impact {i}: {name}, {count} risk{}",
                            if count == 1 { "" } else { "s" }
                        ),
                    }
                })
                .collect();
            (l, row)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "risks.html")]
struct RisksPage {
    chrome: Chrome,
    org: Organization,
    items: Vec<Risk>,
    next: Option<String>,
    q: RiskQuery,
    can_write: bool,
    thresholds: RiskThresholds,
    heat_inherent: Vec<(u8, Vec<Cell>)>,
    heat_current: Vec<(u8, Vec<Cell>)>,
    statuses: Options,
    total_open: u32,
    today: time::Date,
}

/// `GET /orgs/{slug}/risks`.
pub async fn risks_list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<RiskQuery>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
    let page = PageRequest::parse(Some(50), Some(q.cursor.as_str()))?;
    let filter = RiskFilter {
        q: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        status: RiskStatus::parse(&q.status).ok(),
        asset: None,
        min_score: q.min.parse().ok(),
        include_closed: false,
    };
    let list = risks::list(&s.app, &ui.caller, &slug, &filter, &page).await?;
    let counts = risks::heat(&s.app, &ui.caller, &slug).await?;
    let t = s.app.settings().risk_thresholds;
    let next = list.next_cursor.map(|c| {
        query_start(format!("/orgs/{slug}/risks?"))
            .append_pair("q", &q.q)
            .append_pair("status", &q.status)
            .append_pair("min", &q.min)
            .append_pair("cursor", &c)
            .finish()
    });
    let p = RisksPage {
        chrome: Chrome::new(&ui, Section::Risks, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        items: list.items,
        next,
        q,
        thresholds: t,
        heat_inherent: heat_cells(&counts.inherent, t),
        heat_current: heat_cells(&counts.current, t),
        statuses: with_blank(
            opts(RiskStatus::ALL, RiskStatus::as_str, RiskStatus::label),
            "Not closed",
        ),
        total_open: counts.total(),
        today: s.app.now().date(),
    };
    ui.page(&p)
}

/// The add and edit form of a risk.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct RiskForm {
    #[serde(default)]
    asset_id: String,
    #[serde(default)]
    asset_group: String,
    #[serde(default)]
    threat_key: String,
    #[serde(default)]
    threat_name: String,
    #[serde(default)]
    vulnerability: String,
    #[serde(default)]
    likelihood: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    existing_controls: String,
    #[serde(default)]
    residual_likelihood: String,
    #[serde(default)]
    residual_impact: String,
    #[serde(default)]
    treatment: String,
    #[serde(default)]
    treatment_detail: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    source: String,
}

fn num(field: &str, v: &str) -> Result<Option<i64>, safeharbor_domain::Invalid> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| safeharbor_domain::Invalid::new(field, "must be a whole number from 1 to 5"))
}

impl RiskForm {
    fn of(r: &Risk) -> Self {
        let f = &r.fields;
        let n = |v: Option<safeharbor_domain::risk::Rating>| {
            v.map(|x| x.get().to_string()).unwrap_or_default()
        };
        Self {
            asset_id: f.asset_id.map(|a| a.to_string()).unwrap_or_default(),
            asset_group: f.asset_group.clone().unwrap_or_default(),
            threat_key: f.threat_key.clone(),
            threat_name: f.threat_name.clone(),
            vulnerability: f.vulnerability.clone(),
            likelihood: f.likelihood.get().to_string(),
            impact: f.impact.get().to_string(),
            existing_controls: f.existing_controls.clone().unwrap_or_default(),
            residual_likelihood: n(f.residual_likelihood),
            residual_impact: n(f.residual_impact),
            treatment: f
                .treatment
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            treatment_detail: f.treatment_detail.clone().unwrap_or_default(),
            owner: f.owner.clone().unwrap_or_default(),
            due_date: f.due_date.map(|d| d.to_string()).unwrap_or_default(),
            status: r.status.as_str().into(),
            source: r.source.clone(),
        }
    }

    async fn save(
        &self,
        s: &AppState,
        ui: &UiSession,
        slug: &str,
        id: Option<RiskId>,
    ) -> Result<Risk, safeharbor_core::Error> {
        let asset = if self.asset_id.trim().is_empty() {
            None
        } else {
            Some(AssetId::parse(self.asset_id.trim()).map_err(|_| {
                safeharbor_domain::Invalid::new("asset_id", "is not an asset of this organization")
            })?)
        };
        let input = RiskInput {
            asset_group: &self.asset_group,
            threat_key: &self.threat_key,
            threat_name: &self.threat_name,
            vulnerability: &self.vulnerability,
            likelihood: num("likelihood", &self.likelihood)?,
            impact: num("impact", &self.impact)?,
            existing_controls: &self.existing_controls,
            residual_likelihood: num("residual_likelihood", &self.residual_likelihood)?,
            residual_impact: num("residual_impact", &self.residual_impact)?,
            treatment: &self.treatment,
            treatment_detail: &self.treatment_detail,
            owner: &self.owner,
            due_date: &self.due_date,
        };
        let status = if self.status.trim().is_empty() {
            RiskStatus::Open
        } else {
            RiskStatus::parse(&self.status)?
        };
        match id {
            None => {
                let source = if self.source == "suggestion" {
                    "suggestion"
                } else {
                    "manual"
                };
                risks::create(&s.app, &ui.caller, slug, asset, input, status, source).await
            }
            Some(id) => risks::update(&s.app, &ui.caller, slug, id, asset, input, status).await,
        }
    }
}

/// Choices of the risk form.
#[derive(Debug)]
pub struct RiskChoices {
    assets: Options,
    threats: Options,
    likelihood: Options,
    impact: Options,
    treatments: Options,
    statuses: Options,
}

async fn risk_choices(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    editing_accepted: bool,
) -> UiResult<RiskChoices> {
    let scope = authz::scope(&s.app, &ui.caller, slug, Need::Read).await?;
    let _ = scope;
    let page = PageRequest::parse(Some(200), None)?;
    let mut assets_opts = vec![(
        String::new(),
        "A group of assets (name it below)".to_owned(),
    )];
    let mut p = assets::list(&s.app, &ui.caller, slug, &AssetFilter::default(), &page).await?;
    loop {
        assets_opts.extend(p.items.iter().map(|a| {
            (
                a.id.to_string(),
                format!("{} ({})", a.fields.name, a.fields.kind.label()),
            )
        }));
        match p.next_cursor {
            Some(c) if assets_opts.len() < 2000 => {
                let next = PageRequest::parse(Some(200), Some(&c))?;
                p = assets::list(&s.app, &ui.caller, slug, &AssetFilter::default(), &next).await?;
            }
            _ => break,
        }
    }
    let mut threats: Options = risks::threats(&s.app, &ui.caller, slug)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    threats.push(("other".into(), "Other (name it below)".into()));
    let statuses = RiskStatus::ALL
        .iter()
        .filter(|st| **st != RiskStatus::Accepted || editing_accepted)
        .map(|st| (st.as_str().to_owned(), st.label().to_owned()))
        .collect();
    Ok(RiskChoices {
        assets: assets_opts,
        threats,
        likelihood: with_blank(scale(&LIKELIHOOD_SCALE), "Choose"),
        impact: with_blank(scale(&IMPACT_SCALE), "Choose"),
        treatments: with_blank(
            opts(Treatment::ALL, Treatment::as_str, Treatment::label),
            "Not decided yet",
        ),
        statuses,
    })
}

#[derive(Template)]
#[template(path = "risk.html")]
struct RiskPage {
    chrome: Chrome,
    org: Organization,
    risk: Option<Risk>,
    form: RiskForm,
    choices: RiskChoices,
    errors: FormErrors,
    can_write: bool,
    can_accept: bool,
    thresholds: RiskThresholds,
    history: Vec<RiskSnapshot>,
    likelihood_scale: Vec<(u8, &'static str, &'static str)>,
    impact_scale: Vec<(u8, &'static str, &'static str)>,
    plan: PlanForm,
    accept_error: Option<String>,
}

/// The plan-treatment form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct PlanForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    due_date: String,
}

#[expect(clippy::too_many_arguments, reason = "a page with three forms")]
async fn risk_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    risk: Option<Risk>,
    form: RiskForm,
    errors: FormErrors,
    plan: PlanForm,
    accept_error: Option<String>,
) -> UiResult<RiskPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let history = match &risk {
        Some(r) => {
            let scope = authz::scope(&s.app, &ui.caller, slug, Need::Read).await?;
            let _ = scope;
            risks_history(s, ui, slug, r.id).await?
        }
        None => Vec::new(),
    };
    let editing_accepted = risk
        .as_ref()
        .is_some_and(|r| r.status == RiskStatus::Accepted);
    Ok(RiskPage {
        chrome: Chrome::new(ui, Section::Risks, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        can_accept: role.can_administer() && org.archived_at.is_none(),
        org,
        choices: risk_choices(s, ui, slug, editing_accepted).await?,
        risk,
        form,
        errors,
        thresholds: s.app.settings().risk_thresholds,
        history,
        likelihood_scale: LIKELIHOOD_SCALE.to_vec(),
        impact_scale: IMPACT_SCALE.to_vec(),
        plan,
        accept_error,
    })
}

async fn risks_history(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: RiskId,
) -> UiResult<Vec<RiskSnapshot>> {
    Ok(risks::history_of(&s.app, &ui.caller, slug, id).await?)
}

/// Prefill of a new risk (from a suggestion or an asset).
#[derive(Debug, Deserialize, Default)]
pub struct NewRiskQuery {
    #[serde(default)]
    asset_id: String,
    #[serde(default)]
    threat_key: String,
    #[serde(default)]
    vulnerability: String,
    #[serde(default)]
    likelihood: String,
    #[serde(default)]
    impact: String,
}

/// `GET /orgs/{slug}/risks/new`.
pub async fn risk_new(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<NewRiskQuery>,
) -> UiResult<Response> {
    let form = RiskForm {
        asset_id: q.asset_id,
        threat_key: if q.threat_key.is_empty() {
            "hacking".into()
        } else {
            q.threat_key
        },
        vulnerability: q.vulnerability,
        likelihood: q.likelihood,
        impact: q.impact,
        status: "open".into(),
        ..RiskForm::default()
    };
    let p = risk_page(
        &s,
        &ui,
        &slug,
        None,
        form,
        FormErrors::none(),
        PlanForm::default(),
        None,
    )
    .await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/risks`.
pub async fn risk_create(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<RiskForm>,
) -> UiResult<Response> {
    match f.save(&s, &ui, &slug, None).await {
        Ok(r) => Ok(redirect_with(
            &format!("/orgs/{slug}/risks/{}", r.id),
            "ok",
            &format!(
                "Risk added with an inherent score of {}.",
                r.inherent_score()
            ),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = risk_page(&s, &ui, &slug, None, f, errors, PlanForm::default(), None).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// `GET /orgs/{slug}/risks/{id}`.
pub async fn risk_show(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let rid = RiskId::parse(&id).map_err(not_found)?;
    let r = risks::get(&s.app, &ui.caller, &slug, rid).await?;
    let form = RiskForm::of(&r);
    let p = risk_page(
        &s,
        &ui,
        &slug,
        Some(r),
        form,
        FormErrors::none(),
        PlanForm::default(),
        None,
    )
    .await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/risks/{id}`.
pub async fn risk_update(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, form_in): CsrfForm<RiskForm>,
) -> UiResult<Response> {
    let rid = RiskId::parse(&id).map_err(not_found)?;
    match form_in.save(&s, &ui, &slug, Some(rid)).await {
        Ok(r) => Ok(redirect_with(
            &format!("/orgs/{slug}/risks/{}", r.id),
            "ok",
            "Risk saved.",
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let r = risks::get(&s.app, &ui.caller, &slug, rid).await?;
            let p = risk_page(
                &s,
                &ui,
                &slug,
                Some(r),
                form_in,
                errors,
                PlanForm::default(),
                None,
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// The accept form.
#[derive(Debug, Deserialize, Default)]
pub struct AcceptForm {
    #[serde(default)]
    rationale: String,
}

/// `POST /orgs/{slug}/risks/{id}/accept`.
pub async fn risk_accept(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, form_in): CsrfForm<AcceptForm>,
) -> UiResult<Response> {
    let rid = RiskId::parse(&id).map_err(not_found)?;
    match risks::accept(&s.app, &ui.caller, &slug, rid, &form_in.rationale).await {
        Ok(_) => Ok(redirect_with(
            &format!("/orgs/{slug}/risks/{id}"),
            "ok",
            "Risk accepted; the rationale is on record.",
        )),
        Err(safeharbor_core::Error::Invalid(i)) => {
            let r = risks::get(&s.app, &ui.caller, &slug, rid).await?;
            let form = RiskForm::of(&r);
            let p = risk_page(
                &s,
                &ui,
                &slug,
                Some(r),
                form,
                FormErrors::none(),
                PlanForm::default(),
                Some(i.reason),
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /orgs/{slug}/risks/{id}/plan`.
pub async fn risk_plan(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, form_in): CsrfForm<PlanForm>,
) -> UiResult<Response> {
    let rid = RiskId::parse(&id).map_err(not_found)?;
    let r = risks::plan(
        &s.app,
        &ui.caller,
        &slug,
        rid,
        PlanInput {
            title: form_in.title.clone(),
            description: String::new(),
            assignee: form_in.assignee.clone(),
            due_date: form_in.due_date.clone(),
        },
    )
    .await;
    match r {
        Ok((_, t)) => Ok(redirect_with(
            &format!("/orgs/{slug}/tasks"),
            "ok",
            &format!("Task \"{}\" added to the risk management plan.", t.title),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let risk = risks::get(&s.app, &ui.caller, &slug, rid).await?;
            let form = RiskForm::of(&risk);
            let p = risk_page(&s, &ui, &slug, Some(risk), form, errors, form_in, None).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// The consideration form: why a threat category is not relevant to an asset.
#[derive(Debug, Deserialize, Default)]
pub struct ConsiderForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    withdraw: String,
}

/// `POST /orgs/{slug}/assets/{id}/threat-categories/{category}`: records (or withdraws) that a
/// threat category was considered for the asset and is not relevant.
pub async fn asset_consider(
    State(s): State<AppState>,
    Path((slug, id, category)): Path<(String, String, String)>,
    CsrfForm(ui, f): CsrfForm<ConsiderForm>,
) -> UiResult<Response> {
    let aid = AssetId::parse(&id).map_err(not_found)?;
    let result = if f.withdraw.is_empty() {
        safeharbor_core::considerations::record(
            &s.app, &ui.caller, &slug, aid, &category, &f.reason,
        )
        .await
        .map(|_| "Recorded as considered and not relevant.")
    } else {
        safeharbor_core::considerations::withdraw(&s.app, &ui.caller, &slug, aid, &category)
            .await
            .map(|()| "Withdrawn: assess this category for the asset.")
    };
    match result {
        Ok(msg) => Ok(redirect_with(
            &format!("/orgs/{slug}/assets/{id}#threat-categories"),
            "ok",
            msg,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = asset_page(&s, &ui, &slug, &id, None, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}
