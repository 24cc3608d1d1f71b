//! The signed-in user's account: password, second factor, sessions, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::auth::{mfa, session, token};
use safeharbor_core::members;
use safeharbor_core::ports::{ApiTokenRecord, SessionRecord};
use safeharbor_domain::ids::{ApiTokenId, SessionId};
use serde::Deserialize;

use super::auth::NoFields;
use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use crate::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    mfa_enabled: bool,
    sessions: Vec<SessionRecord>,
    current: String,
    errors: FormErrors,
}

async fn account_page(s: &AppState, ui: &UiSession, errors: FormErrors) -> UiResult<AccountPage> {
    let (user, _) = members::me(&s.app, &ui.caller).await?;
    let sessions = session::list_mine(&s.app, &ui.caller).await?;
    Ok(AccountPage {
        chrome: Chrome::new(ui, Section::Account, None),
        name: user.name,
        email: user.email.to_string(),
        mfa_enabled: user.mfa_enabled,
        sessions,
        current: ui.session.id.to_string(),
        errors,
    })
}

/// `GET /account`.
pub async fn show(State(s): State<AppState>, ui: UiSession) -> UiResult<Response> {
    let p = account_page(&s, &ui, FormErrors::none()).await?;
    ui.page(&p)
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/password`.
pub async fn change_password(
    State(s): State<AppState>,
    CsrfForm(ui, f): CsrfForm<PasswordForm>,
) -> UiResult<Response> {
    let result = if f.new_password == f.confirm {
        members::change_password(&s.app, &ui.caller, &f.current_password, &f.new_password).await
    } else {
        Err(safeharbor_core::Error::invalid(
            "confirm",
            "the two new passwords differ; type the same one twice",
        ))
    };
    match result {
        Ok(r) => Ok(redirect_with(
            "/account",
            "ok",
            &format!(
                "Password changed. {} other session(s) were signed out and {} API token(s) revoked.",
                r.sessions, r.tokens
            ),
        )),
        Err(e) => {
            let p = account_page(&s, &ui, FormErrors::from_error(e)?).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// `POST /account/sessions/{id}/revoke`.
pub async fn revoke_session(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let id = SessionId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    session::revoke_mine(&s.app, &ui.caller, id).await?;
    Ok(redirect_with(
        "/account",
        "ok",
        "That session was signed out.",
    ))
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    chrome: Chrome,
    enabled: bool,
    setup: Option<(String, String)>,
    errors: FormErrors,
}

/// `GET /account/mfa`.
pub async fn mfa(State(s): State<AppState>, ui: UiSession) -> UiResult<Response> {
    let (user, _) = members::me(&s.app, &ui.caller).await?;
    let p = MfaPage {
        chrome: Chrome::new(&ui, Section::Account, None),
        enabled: user.mfa_enabled,
        setup: None,
        errors: FormErrors::none(),
    };
    ui.page(&p)
}

/// The otpauth URI as an SVG QR code, drawn on the server.
fn qr_svg(uri: &str) -> UiResult<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| safeharbor_core::Error::internal(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// `POST /account/mfa/begin`: a new secret, shown as a QR code and as text.
pub async fn mfa_begin(
    State(s): State<AppState>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let e = mfa::begin(&s.app, &ui.caller, &s.config.issuer).await?;
    let p = MfaPage {
        chrome: Chrome::new(&ui, Section::Account, None),
        enabled: false,
        setup: Some((qr_svg(&e.otpauth_uri)?, e.secret)),
        errors: FormErrors::none(),
    };
    ui.page(&p)
}

/// A code (and, to remove the factor, the password).
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    secret: String,
}

/// `POST /account/mfa/confirm`.
pub async fn mfa_confirm(
    State(s): State<AppState>,
    CsrfForm(ui, f): CsrfForm<CodeForm>,
) -> UiResult<Response> {
    match mfa::confirm(&s.app, &ui.caller, &f.code).await {
        Ok(()) => Ok(redirect_with(
            "/account/mfa",
            "ok",
            "Your authenticator app is set up. You will be asked for a code when you sign in.",
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            // Show the same secret again so the app already set up keeps working.
            let uri = safeharbor_core::auth::totp::otpauth_uri(
                &f.secret,
                &s.config.issuer,
                ui.caller.user().map_or("", |u| u.email.as_str()),
            );
            let p = MfaPage {
                chrome: Chrome::new(&ui, Section::Account, None),
                enabled: false,
                setup: Some((qr_svg(&uri)?, f.secret)),
                errors,
            };
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// `POST /account/mfa/disable`.
pub async fn mfa_disable(
    State(s): State<AppState>,
    CsrfForm(ui, f): CsrfForm<CodeForm>,
) -> UiResult<Response> {
    match mfa::remove(&s.app, &ui.caller, &f.password, &f.code).await {
        Ok(()) => Ok(redirect_with(
            "/account/mfa",
            "ok",
            "The second factor was removed.",
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?.rename("current_password", "password");
            let p = MfaPage {
                chrome: Chrome::new(&ui, Section::Account, None),
                enabled: true,
                setup: None,
                errors,
            };
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<ApiTokenRecord>,
    created: Option<String>,
    form_name: String,
    form_org: String,
    form_days: String,
    errors: FormErrors,
}

async fn tokens_page(
    s: &AppState,
    ui: &UiSession,
    created: Option<String>,
    form: Option<&TokenForm>,
    errors: FormErrors,
) -> UiResult<TokensPage> {
    let tokens = token::list(&s.app, &ui.caller).await?;
    Ok(TokensPage {
        chrome: Chrome::new(ui, Section::Account, None),
        tokens,
        created,
        form_name: form.map(|f| f.name.clone()).unwrap_or_default(),
        form_org: form.map(|f| f.org.clone()).unwrap_or_default(),
        form_days: form.map_or_else(|| "90".to_owned(), |f| f.days.clone()),
        errors,
    })
}

/// `GET /account/tokens`.
pub async fn tokens(State(s): State<AppState>, ui: UiSession) -> UiResult<Response> {
    let p = tokens_page(&s, &ui, None, None, FormErrors::none()).await?;
    ui.page(&p)
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    days: String,
}

/// `POST /account/tokens`: the token is shown once, on this page.
pub async fn create_token(
    State(s): State<AppState>,
    CsrfForm(ui, f): CsrfForm<TokenForm>,
) -> UiResult<Response> {
    let days = match f.days.trim() {
        "" => Ok(None),
        d => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| safeharbor_core::Error::invalid("days", "must be a whole number of days")),
    };
    let result = match days {
        Ok(days) => {
            token::create(
                &s.app,
                &ui.caller,
                token::NewToken {
                    name: f.name.clone(),
                    org: Some(f.org.trim().to_owned()).filter(|o| !o.is_empty()),
                    days,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => {
            let p = tokens_page(&s, &ui, Some(t.token), None, FormErrors::none()).await?;
            ui.page(&p)
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = tokens_page(&s, &ui, None, Some(&f), errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let id = ApiTokenId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let t = token::revoke(&s.app, &ui.caller, id).await?;
    Ok(redirect_with(
        "/account/tokens",
        "ok",
        &format!("Token \"{}\" revoked: it no longer works.", t.name),
    ))
}
