//! The import page: an export from an RMM tool, a backup system or osquery, previewed (every
//! row checked, findings listed) and then kept as evidence with its findings as tasks.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::evidence::imports::{ImportKind, ImportOutcome, ImportRequest};
use safeharbor_core::imports::devices::{DeviceField, DeviceMapping};
use safeharbor_core::{evidence, orgs};
use safeharbor_domain::org::Organization;

use super::chrome::{Chrome, Section};
use super::evidence::multipart_after_access;
use super::session::{UiError, UiResult, UiSession, redirect_with};
use crate::AppState;

/// Largest import file taken through the page (the API takes the same).
const IMPORT_MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Template)]
#[template(path = "evidence_import.html")]
struct ImportPage {
    chrome: Chrome,
    org: Organization,
    kind: String,
    preset: String,
    mapping: Vec<(String, String, String)>,
    presets: Vec<(String, String, String)>,
    outcome: Option<ImportOutcome>,
    error: Option<String>,
}

fn import_page(
    ui: &UiSession,
    org: Organization,
    kind: &str,
    preset: &str,
    mapping: &DeviceMapping,
    outcome: Option<ImportOutcome>,
    error: Option<String>,
) -> ImportPage {
    ImportPage {
        chrome: Chrome::new(ui, Section::Evidence, Some(&org)),
        org,
        kind: kind.to_owned(),
        preset: preset.to_owned(),
        mapping: DeviceField::ALL
            .into_iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    f.label().to_owned(),
                    mapping.get(f).unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        presets: DeviceMapping::presets()
            .iter()
            .map(|p| (p.key.to_owned(), p.label.to_owned(), p.note.to_owned()))
            .collect(),
        outcome,
        error,
    }
}

/// `GET /orgs/{slug}/evidence/import`.
pub async fn import_form(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let mapping = DeviceMapping::preset("generic").unwrap_or_default();
    let p = import_page(&ui, org, "devices", "generic", &mapping, None, None);
    ui.page(&p)
}

/// `POST /orgs/{slug}/evidence/import` (multipart: `_csrf`, `kind`, `preset`, `map_<field>`,
/// `file`, `confirm`): previews unless `confirm` is set.
pub async fn import(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let bad = |m: &str| UiError::Page(StatusCode::BAD_REQUEST, m.to_owned());
    let mut mp = multipart_after_access(&s, &ui, &slug, req).await?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file = Vec::new();
    let mut file_name = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| bad("The upload could not be read; try again."))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            file_name = field.file_name().map(str::to_owned);
            let mut field = field;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|_| bad("The upload could not be read; try again."))?
            {
                if file.len() + chunk.len() > IMPORT_MAX_BYTES {
                    return Err(bad(
                        "The file is larger than 64 MB; split the export into smaller files.",
                    ));
                }
                file.extend_from_slice(&chunk);
            }
        } else {
            let mut field = field;
            let v = crate::api::evidence::small_field(&mut field)
                .await
                .ok_or_else(|| bad("A form field is too long or not text."))?;
            fields.push((name, v));
        }
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    if !super::session::constant_eq(get("_csrf").as_bytes(), ui.session.csrf_token.as_bytes()) {
        return Err(UiError::Page(StatusCode::FORBIDDEN, "This form has expired or did not come from Safeharbor. Go back, reload the page and try again.".into()));
    }
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let kind_text = get("kind").to_owned();
    let preset = get("preset").to_owned();
    let mut mapping = DeviceMapping::preset(&preset).unwrap_or_default();
    for f in DeviceField::ALL {
        let v = get(&format!("map_{}", f.as_str())).trim().to_owned();
        mapping.set(f, Some(v).filter(|v| !v.is_empty()));
    }
    let kind = ImportKind::parse(&kind_text).map_err(|_| bad("Choose what the file is."))?;
    let confirm = !get("confirm").is_empty();
    let result = evidence::imports::run(
        &s.app,
        &ui.caller,
        &slug,
        ImportRequest {
            kind,
            data: &file,
            file_name: file_name.as_deref(),
            mapping: (kind == ImportKind::Devices).then(|| mapping.clone()),
            dry_run: !confirm,
            controls: Vec::new(),
        },
    )
    .await;
    match result {
        Ok(o) if o.evidence.is_some() => Ok(redirect_with(
            &format!("/orgs/{slug}/evidence"),
            "ok",
            &format!(
                "Imported {} records: {} findings, {} tasks opened, {} brought up to date, {} closed.",
                o.records,
                o.findings.len(),
                o.tasks_opened,
                o.tasks_updated,
                o.tasks_closed
            ),
        )),
        Ok(o) => {
            let status = if o.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let p = import_page(&ui, org, &kind_text, &preset, &mapping, Some(o), None);
            Ok((status, ui.page(&p)?).into_response())
        }
        Err(safeharbor_core::Error::Invalid(i)) => {
            let p = import_page(
                &ui,
                org,
                &kind_text,
                &preset,
                &mapping,
                None,
                Some(format!("The {}: {}.", i.field, i.reason)),
            );
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
