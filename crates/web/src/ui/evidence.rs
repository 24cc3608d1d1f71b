//! The evidence locker pages: the list with freshness filters and uploads (with progress when
//! scripts run), one item with its hash, versions, links and metadata, coverage per requirement,
//! imports from the MSP's tools, and what expires soon across every client.

use askama::Template;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeharbor_core::authz::{self, Need};
use safeharbor_core::evidence::{self, Coverage, NewEvidence};
use safeharbor_core::orgs;
use safeharbor_core::ports::{EvidenceFilter, OrgEvidence};
use safeharbor_domain::evidence::{
    Evidence, EvidenceKind, EvidenceMeta, EvidenceVersion, Freshness, LinkTarget,
};
use safeharbor_domain::ids::{ControlId, EvidenceId};
use safeharbor_domain::org::Organization;
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::risk::Control;
use serde::Deserialize;

use super::chrome::{Chrome, Section};
use super::session::{CsrfForm, UiError, UiResult, UiSession, query_start, redirect_with};
use crate::AppState;
use crate::api::evidence::{receive, stream_file};
use crate::error::ApiError;

fn id_of(id: &str) -> Result<EvidenceId, safeharbor_core::Error> {
    EvidenceId::parse(id).map_err(|_| safeharbor_core::Error::NotFound)
}

/// `100 MB`.
pub fn size(bytes: &u64) -> String {
    evidence::human_size(*bytes)
}

/// A stored file name as shown: bidirectional formatting characters (which can show
/// `gpj.exe` as `exe.jpg`) become visible `[?]` markers instead of acting.
pub fn display_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                "[?]".to_owned()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What is shown for a freshness.
pub fn fresh_badge(f: &Freshness) -> &'static str {
    match f {
        Freshness::Current => "ok",
        Freshness::Expiring => "warn",
        Freshness::Expired => "danger",
    }
}

/// List filters.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    freshness: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    archived: String,
    #[serde(default)]
    control: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct ListPage {
    chrome: Chrome,
    org: Organization,
    items: Vec<Evidence>,
    next: Option<String>,
    q: ListQuery,
    today: time::Date,
    can_write: bool,
    limit: String,
    error: Option<String>,
    requirements: Vec<(String, String)>,
}

async fn list_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    q: ListQuery,
    error: Option<String>,
) -> UiResult<ListPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let page = PageRequest::parse(Some(50), Some(q.cursor.as_str()))?;
    let filter = EvidenceFilter {
        q: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        freshness: Freshness::parse(&q.freshness).ok(),
        include_archived: q.archived == "1",
        link: ControlId::parse(&q.control).ok().map(LinkTarget::Control),
        ..EvidenceFilter::default()
    };
    let list = evidence::list(&s.app, &ui.caller, slug, &filter, &page).await?;
    let next = list.next_cursor.map(|c| {
        query_start(format!("/orgs/{slug}/evidence?"))
            .append_pair("q", &q.q)
            .append_pair("freshness", &q.freshness)
            .append_pair("archived", &q.archived)
            .append_pair("control", &q.control)
            .append_pair("cursor", &c)
            .finish()
    });
    let catalog = s.app.catalog().await?;
    let requirements = safeharbor_core::sra::questionnaire(&catalog)
        .into_iter()
        .map(|r| (r.reference.clone(), format!("{} {}", r.reference, r.title)))
        .collect();
    Ok(ListPage {
        chrome: Chrome::new(ui, Section::Evidence, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        items: list.items,
        next,
        q,
        today: s.app.now().date(),
        limit: evidence::human_size(s.app.settings().upload_limit),
        error,
        requirements,
    })
}

/// `GET /orgs/{slug}/evidence`.
pub async fn list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let p = list_page(&s, &ui, &slug, q, None).await?;
    ui.page(&p)
}

/// Checks write access to the organization before reading a byte of the upload (another
/// tenant gets 404, never a content-type complaint), then reads the form as multipart.
pub(crate) async fn multipart_after_access(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    req: axum::extract::Request,
) -> UiResult<Multipart> {
    authz::scope(&s.app, &ui.caller, slug, Need::Write).await?;
    <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, s)
        .await
        .map_err(|_| {
            UiError::Page(
                StatusCode::BAD_REQUEST,
                "Send the form as multipart/form-data, as the evidence pages do.".into(),
            )
        })
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("application/json"))
}

/// After an upload: a redirect for forms, `{"location"}` or `{"error"}` for the page's script.
async fn upload_answer(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    json: bool,
    result: Result<Evidence, ApiError>,
    back: Option<EvidenceId>,
) -> UiResult<Response> {
    match result {
        Ok(e) => {
            let to = format!("/orgs/{slug}/evidence/{}", e.id);
            if json {
                return Ok(Json(serde_json::json!({ "location": to })).into_response());
            }
            Ok(redirect_with(
                &to,
                "ok",
                "Evidence saved. Its SHA-256 is shown below.",
            ))
        }
        Err(e)
            if e.status.is_client_error()
                && !matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) =>
        {
            let text = match &e.field {
                Some(f) => format!("The {f}: {}.", e.message),
                None => e.message.clone(),
            };
            if json {
                return Ok((e.status, Json(serde_json::json!({ "error": text }))).into_response());
            }
            if let Some(id) = back {
                return Ok(redirect_with(
                    &format!("/orgs/{slug}/evidence/{id}"),
                    "error",
                    &text,
                ));
            }
            let p = list_page(s, ui, slug, ListQuery::default(), Some(text)).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
        Err(e) => Err(UiError::Page(e.status, e.message)),
    }
}

/// `POST /orgs/{slug}/evidence` (multipart: `_csrf` first, then `file`, `title`,
/// `description`, `valid_until`, `requirement`).
pub async fn upload(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let json = wants_json(req.headers());
    let mp = multipart_after_access(&s, &ui, &slug, req).await?;
    let token = ui.session.csrf_token.clone();
    let r = receive(&s, &ui.caller, &slug, mp, None, Some(&token)).await;
    upload_answer(&s, &ui, &slug, json, r, None).await
}

/// A link to add.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    requirement: String,
}

/// `POST /orgs/{slug}/evidence/link`.
pub async fn add_link(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<LinkForm>,
) -> UiResult<Response> {
    let meta = NewEvidence {
        title: f.title,
        valid_until: f.valid_until,
        links: Some(f.requirement.trim())
            .filter(|r| !r.is_empty())
            .map(|r| LinkTarget::Requirement(r.to_owned()))
            .into_iter()
            .collect(),
        ..NewEvidence::default()
    };
    let r = evidence::add_link(&s.app, &ui.caller, &slug, &f.url, &meta, None)
        .await
        .map_err(ApiError::from);
    upload_answer(&s, &ui, &slug, false, r, None).await
}

#[derive(Template)]
#[template(path = "evidence_item.html")]
struct ItemPage {
    chrome: Chrome,
    org: Organization,
    e: Evidence,
    versions: Vec<EvidenceVersion>,
    controls: Vec<Control>,
    requirements: Vec<(String, String)>,
    linked_requirements: String,
    valid_until_text: String,
    today: time::Date,
    can_write: bool,
}

impl ItemPage {
    fn links_control(&self, c: &Control) -> bool {
        self.e.links.contains(&LinkTarget::Control(c.id))
    }
}

/// `GET /orgs/{slug}/evidence/{id}`.
pub async fn show(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let id = id_of(&id)?;
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
    let e = evidence::get(&s.app, &ui.caller, &slug, id).await?;
    let versions = evidence::versions(&s.app, &ui.caller, &slug, id).await?;
    let catalog = s.app.catalog().await?;
    let requirements = safeharbor_core::sra::questionnaire(&catalog)
        .into_iter()
        .map(|r| (r.reference.clone(), format!("{} {}", r.reference, r.title)))
        .collect();
    let linked_requirements = e
        .links
        .iter()
        .filter_map(|l| match l {
            LinkTarget::Requirement(r) => Some(r.clone()),
            LinkTarget::Control(_) => None,
        })
        .collect::<Vec<_>>()
        .join(", ");
    let p = ItemPage {
        valid_until_text: e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        chrome: Chrome::new(&ui, Section::Evidence, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        // Archived controls stay listed while linked, so saving the links keeps them.
        controls: safeharbor_core::controls::list(&s.app, &ui.caller, &slug)
            .await?
            .into_iter()
            .filter(|c| c.archived_at.is_none() || e.links.contains(&LinkTarget::Control(c.id)))
            .collect(),
        org,
        e,
        versions,
        requirements,
        linked_requirements,
        today: s.app.now().date(),
    };
    ui.page(&p)
}

/// Metadata edits.
#[derive(Debug, Deserialize)]
pub struct MetaForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    archived: String,
}

/// `POST /orgs/{slug}/evidence/{id}`.
pub async fn save(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<MetaForm>,
) -> UiResult<Response> {
    let eid = id_of(&id)?;
    // Access first: another tenant learns nothing from a validation message.
    authz::scope(&s.app, &ui.caller, &slug, Need::Write).await?;
    let back = format!("/orgs/{slug}/evidence/{id}");
    let meta = match EvidenceMeta::parse(&f.title, Some(&f.description), &f.valid_until) {
        Ok(m) => m,
        Err(i) => {
            return Ok(redirect_with(
                &back,
                "error",
                &format!("The {}: {}.", i.field, i.reason),
            ));
        }
    };
    match evidence::update(&s.app, &ui.caller, &slug, eid, &meta, f.archived == "1").await {
        Ok(_) => Ok(redirect_with(&back, "ok", "Saved.")),
        Err(safeharbor_core::Error::Invalid(i)) => Ok(redirect_with(
            &back,
            "error",
            &format!("The {}: {}.", i.field, i.reason),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /orgs/{slug}/evidence/{id}/links` with `requirements` (citations, comma-separated)
/// and `control` (repeatable) — parsed by hand since the form repeats a field.
pub async fn save_links(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, pairs): CsrfForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let eid = id_of(&id)?;
    let back = format!("/orgs/{slug}/evidence/{id}");
    let mut links = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "requirements" => links.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(|r| LinkTarget::Requirement(r.to_owned())),
            ),
            "requirement" if !v.trim().is_empty() => {
                links.push(LinkTarget::Requirement(v.trim().to_owned()));
            }
            "control" => {
                if let Ok(c) = ControlId::parse(v) {
                    links.push(LinkTarget::Control(c));
                }
            }
            _ => {}
        }
    }
    match evidence::set_links(&s.app, &ui.caller, &slug, eid, &links).await {
        Ok(_) => Ok(redirect_with(&back, "ok", "Links saved.")),
        Err(safeharbor_core::Error::Invalid(i)) => Ok(redirect_with(
            &back,
            "error",
            &format!("The {}: {}.", i.field, i.reason),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /orgs/{slug}/evidence/{id}/versions` (multipart, `_csrf` first).
pub async fn add_version(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let eid = id_of(&id)?;
    let json = wants_json(req.headers());
    let mp = multipart_after_access(&s, &ui, &slug, req).await?;
    let token = ui.session.csrf_token.clone();
    let r = receive(&s, &ui.caller, &slug, mp, Some(eid), Some(&token)).await;
    upload_answer(&s, &ui, &slug, json, r, Some(eid)).await
}

/// A link's new address.
#[derive(Debug, Deserialize)]
pub struct LinkVersionForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    valid_until: String,
}

/// `POST /orgs/{slug}/evidence/{id}/link-version`: a new address for link evidence.
pub async fn add_link_version(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<LinkVersionForm>,
) -> UiResult<Response> {
    let eid = id_of(&id)?;
    let meta = NewEvidence {
        valid_until: f.valid_until,
        ..NewEvidence::default()
    };
    let r = evidence::add_link(&s.app, &ui.caller, &slug, &f.url, &meta, Some(eid))
        .await
        .map_err(ApiError::from);
    upload_answer(&s, &ui, &slug, false, r, Some(eid)).await
}

/// Which version.
#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// `GET /orgs/{slug}/evidence/{id}/content` (audited download).
pub async fn content(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> UiResult<Response> {
    let (_, v, mut reader) =
        evidence::download(&s.app, &ui.caller, &slug, id_of(&id)?, q.version).await?;
    let first = reader.next_chunk().await?;
    Ok(stream_file(&v, first, reader))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    chrome: Chrome,
    org: Organization,
    rows: Vec<Coverage>,
    counts: Vec<(&'static str, usize)>,
}

/// `GET /orgs/{slug}/evidence-coverage`.
pub async fn coverage(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let rows = evidence::coverage(&s.app, &ui.caller, &slug).await?;
    let mut counts = Vec::new();
    for st in [
        evidence::CoverageState::Backed,
        evidence::CoverageState::Inherited,
        evidence::CoverageState::Stale,
        evidence::CoverageState::Unproven,
        evidence::CoverageState::Missing,
    ] {
        counts.push((st.label(), rows.iter().filter(|r| r.state == st).count()));
    }
    let p = CoveragePage {
        chrome: Chrome::new(&ui, Section::Evidence, Some(&org)),
        org,
        rows,
        counts,
    };
    ui.page(&p)
}

#[derive(Template)]
#[template(path = "expiring.html")]
struct ExpiringPage {
    chrome: Chrome,
    items: Vec<OrgEvidence>,
    today: time::Date,
}

/// `GET /evidence/expiring`: evidence expiring within 30 days (or expired), every client.
pub async fn expiring(State(s): State<AppState>, ui: UiSession) -> UiResult<Response> {
    let items = evidence::expiring_across(&s.app, &ui.caller, 30, 500).await?;
    let p = ExpiringPage {
        chrome: Chrome::new(&ui, Section::Expiring, None),
        items,
        today: s.app.now().date(),
    };
    ui.page(&p)
}
