//! Browsing the regulatory catalog: frameworks, search, a requirement's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use safeharbor_core::catalog::{self, RequirementView};
use safeharbor_domain::catalog::{Framework, Requirement, RequirementKind};
use serde::Deserialize;

use super::chrome::{Chrome, Section};
use super::session::{UiResult, UiSession};
use crate::AppState;

/// Search terms.
#[derive(Debug, Deserialize, Default)]
pub struct CatalogQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    chrome: Chrome,
    frameworks: Vec<(Framework, usize)>,
    q: String,
    results: Vec<Requirement>,
}

/// `GET /catalog`: every framework, and search across them.
pub async fn index(
    State(s): State<AppState>,
    ui: UiSession,
    Query(q): Query<CatalogQuery>,
) -> UiResult<Response> {
    let c = s.app.catalog().await?;
    let frameworks = catalog::frameworks(&s.app, &ui.caller)
        .await?
        .into_iter()
        .map(|f| {
            let n = c.requirements(&f.key).len();
            (f, n)
        })
        .collect();
    let results = if q.q.trim().is_empty() {
        Vec::new()
    } else {
        catalog::search(&s.app, &ui.caller, &q.q, None, 100).await?
    };
    let p = CatalogPage {
        chrome: Chrome::new(&ui, Section::Catalog, None),
        frameworks,
        q: q.q,
        results,
    };
    ui.page(&p)
}

#[derive(Template)]
#[template(path = "framework.html")]
struct FrameworkPage {
    chrome: Chrome,
    framework: Framework,
    requirements: Vec<Requirement>,
    q: String,
    kind: String,
    kinds: Vec<(String, String)>,
    total: usize,
}

/// `GET /catalog/{key}`.
pub async fn framework(
    State(s): State<AppState>,
    ui: UiSession,
    Path(key): Path<String>,
    Query(q): Query<CatalogQuery>,
) -> UiResult<Response> {
    let (f, all) = catalog::framework(&s.app, &ui.caller, &key).await?;
    let total = all.len();
    let mut kinds: Vec<RequirementKind> = all.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    let needle = q.q.trim().to_lowercase();
    let requirements = all
        .into_iter()
        .filter(|r| q.kind.is_empty() || r.kind.as_str() == q.kind)
        .filter(|r| {
            needle.is_empty()
                || r.reference.to_lowercase().contains(&needle)
                || r.title.to_lowercase().contains(&needle)
        })
        .take(500)
        .collect();
    let mut kind_options = vec![(String::new(), "Any kind".to_owned())];
    kind_options.extend(
        kinds
            .into_iter()
            .map(|k| (k.as_str().to_owned(), k.label().to_owned())),
    );
    let p = FrameworkPage {
        chrome: Chrome::new(&ui, Section::Catalog, None),
        framework: f,
        requirements,
        q: q.q,
        kind: q.kind,
        kinds: kind_options,
        total,
    };
    ui.page(&p)
}

#[derive(Template)]
#[template(path = "requirement.html")]
struct RequirementPage {
    chrome: Chrome,
    v: RequirementView,
}

impl RequirementPage {
    fn link(framework: &str, reference: &str) -> String {
        format!("/catalog/{framework}/r/{}", urlencode(reference))
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `GET /catalog/{key}/r/{ref}`.
pub async fn requirement(
    State(s): State<AppState>,
    ui: UiSession,
    Path((key, reference)): Path<(String, String)>,
) -> UiResult<Response> {
    let v = catalog::requirement(&s.app, &ui.caller, &key, &reference).await?;
    let p = RequirementPage {
        chrome: Chrome::new(&ui, Section::Catalog, None),
        v,
    };
    ui.page(&p)
}

/// A link to a requirement's page.
pub fn requirement_link(framework: &str, reference: &str) -> String {
    RequirementPage::link(framework, reference)
}
