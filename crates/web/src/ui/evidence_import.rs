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

/// Largest file carried from the preview to the import inside the page (bigger ones are chosen
/// again).
const CARRY_MAX_BYTES: usize = 4 * 1024 * 1024;

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
    /// The previewed file, carried to the import button when it is small enough.
    carried: Option<String>,
    file_name: String,
}

/// What the form said.
struct Form {
    kind: String,
    preset: String,
    mapping: DeviceMapping,
    file_name: String,
}

fn import_page(
    ui: &UiSession,
    org: Organization,
    form: &Form,
    outcome: Option<ImportOutcome>,
    error: Option<String>,
    carried: Option<String>,
) -> ImportPage {
    ImportPage {
        chrome: Chrome::new(ui, Section::Evidence, Some(&org)),
        org,
        kind: form.kind.clone(),
        preset: form.preset.clone(),
        mapping: DeviceField::ALL
            .into_iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    f.label().to_owned(),
                    form.mapping.get(f).unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        presets: DeviceMapping::presets()
            .iter()
            .map(|p| (p.key.to_owned(), p.label.to_owned(), p.note.to_owned()))
            .collect(),
        outcome,
        error,
        carried,
        file_name: form.file_name.clone(),
    }
}

/// `GET /orgs/{slug}/evidence/import`.
pub async fn import_form(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let form = Form {
        kind: "devices".into(),
        preset: "generic".into(),
        mapping: DeviceMapping::preset("generic").unwrap_or_default(),
        file_name: String::new(),
    };
    let p = import_page(&ui, org, &form, None, None, None);
    ui.page(&p)
}

fn forged() -> UiError {
    UiError::Page(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from Safeharbor. Go back, reload the page and try again.".into(),
    )
}

async fn read_bounded(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
) -> UiResult<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| {
        UiError::Page(
            StatusCode::BAD_REQUEST,
            "The upload could not be read; try again.".into(),
        )
    })? {
        if out.len() + chunk.len() > max {
            return Err(UiError::Page(
                StatusCode::BAD_REQUEST,
                "The file is larger than 64 MB; split the export into smaller files.".into(),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// `POST /orgs/{slug}/evidence/import` (multipart: `_csrf` first, then `kind`, `preset`,
/// `loaded_preset`, `map_<field>`, `file` or `content` (the previewed file carried by the
/// page), `confirm`): previews unless `confirm` is set. Choosing another preset shows its
/// mapping first.
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
    let mut file_name = String::new();
    let mut csrf_ok = false;
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|_| bad("The upload could not be read; try again."))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if !csrf_ok {
            // The token comes first, so nothing else is read from a forged form.
            let given = crate::api::evidence::small_field(&mut field)
                .await
                .unwrap_or_default();
            if name != "_csrf"
                || !super::session::constant_time_eq(
                    given.as_bytes(),
                    ui.session.csrf_token.as_bytes(),
                )
            {
                return Err(forged());
            }
            csrf_ok = true;
            continue;
        }
        match name.as_str() {
            "file" => {
                file_name = field.file_name().unwrap_or_default().to_owned();
                file = read_bounded(&mut field, IMPORT_MAX_BYTES).await?;
            }
            "content" => {
                if file.is_empty() {
                    file = read_bounded(&mut field, IMPORT_MAX_BYTES).await?;
                }
            }
            _ => {
                if fields.len() >= 40 {
                    return Err(bad("The form has too many fields."));
                }
                let v = crate::api::evidence::small_field(&mut field)
                    .await
                    .ok_or_else(|| bad("A form field is too long or not text."))?;
                fields.push((name, v));
            }
        }
    }
    if !csrf_ok {
        return Err(forged());
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    if file_name.is_empty() {
        file_name = get("file_name").to_owned();
    }
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let preset = get("preset").to_owned();
    let preset_changed = preset != get("loaded_preset");
    let mut mapping = if preset_changed {
        evidence::imports::preset_for(&preset, &file).unwrap_or_default()
    } else {
        DeviceMapping::default()
    };
    if !preset_changed {
        for f in DeviceField::ALL {
            let v = get(&format!("map_{}", f.as_str())).trim().to_owned();
            mapping.set(f, Some(v).filter(|v| !v.is_empty()));
        }
    }
    let form = Form {
        kind: get("kind").to_owned(),
        preset,
        mapping,
        file_name,
    };
    let kind = ImportKind::parse(&form.kind).map_err(|_| bad("Choose what the file is."))?;
    // A new preset is always previewed first, so the user sees the columns it maps.
    let new_preset = preset_changed && kind == ImportKind::Devices;
    let confirm = !get("confirm").is_empty() && !new_preset;
    let result = evidence::imports::run(
        &s.app,
        &ui.caller,
        &slug,
        ImportRequest {
            kind,
            data: &file,
            file_name: Some(form.file_name.as_str()).filter(|n| !n.is_empty()),
            mapping: (kind == ImportKind::Devices).then(|| form.mapping.clone()),
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
            let carried = (o.errors.is_empty() && file.len() <= CARRY_MAX_BYTES)
                .then(|| String::from_utf8(file).ok())
                .flatten();
            let p = import_page(&ui, org, &form, Some(o), None, carried);
            Ok((status, ui.page(&p)?).into_response())
        }
        Err(safeharbor_core::Error::Invalid(i)) => {
            let p = import_page(
                &ui,
                org,
                &form,
                None,
                Some(format!("The {}: {}.", i.field, i.reason)),
                None,
            );
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
