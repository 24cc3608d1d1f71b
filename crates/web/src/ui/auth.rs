//! Signing in (password, then the second factor), signing out, keeping a session alive, and
//! accepting an invitation.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use safeharbor_core::auth::secret;
use safeharbor_core::auth::session::{self, SignIn, Stage};
use safeharbor_core::{Error, invites};
use serde::Deserialize;

use super::forms::FormErrors;
use super::session::{
    CsrfForm, UiError, UiResult, UiSession, constant_time_eq, query_start, redirect_with,
    session_redirect,
};
use crate::AppState;
use crate::extract::{ClientMeta, SESSION_COOKIE, cookie_in};

/// Cookie for the sign-in form's CSRF check (there is no session yet).
const LOGIN_COOKIE: &str = "sh_login";

/// Query of the sign-in page.
#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    timeout: Option<String>,
    signed_out: Option<String>,
    activated: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    email: String,
    next: String,
    token: String,
    notice: Option<String>,
    errors: FormErrors,
}

fn safe_next(next: Option<&str>) -> String {
    next.and_then(super::session::local_path)
        .filter(|n| !n.starts_with("/login"))
        .unwrap_or_else(|| "/".to_owned())
}

fn render_login(page: &LoginPage, status: StatusCode) -> UiResult<Response> {
    let html = page
        .render()
        .map_err(|e| UiError::Core(Error::internal(e)))?;
    let mut res = (status, Html(html)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set(LOGIN_COOKIE, &page.token, "/login", 3600),
    );
    Ok(res)
}

/// `GET /login`.
pub async fn login_form(
    State(s): State<AppState>,
    Query(q): Query<LoginQuery>,
) -> UiResult<Response> {
    let idle_min = s.app.settings().session_idle.whole_minutes().max(1);
    let notice = if q.timeout.is_some() {
        Some(format!(
            "You were signed out after {idle_min} minutes without activity, to protect patient information. Sign in again to continue."
        ))
    } else if q.signed_out.is_some() {
        Some("You are signed out.".to_owned())
    } else if q.activated.is_some() {
        Some("Your password is set. Sign in with it now.".to_owned())
    } else {
        None
    };
    let page = LoginPage {
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        token: secret::new_token("")?,
        notice,
        errors: FormErrors::none(),
    };
    render_login(&page, StatusCode::OK)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default, rename = "_login")]
    login_token: String,
}

/// `POST /login`.
pub async fn login(
    State(s): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> UiResult<Response> {
    let next = safe_next(Some(&f.next));
    let expected = cookie_in(&headers, LOGIN_COOKIE).unwrap_or_default();
    let retry = |errors: FormErrors, status: StatusCode| -> UiResult<Response> {
        let page = LoginPage {
            email: f.email.clone(),
            next: next.clone(),
            token: secret::new_token("")?,
            notice: None,
            errors,
        };
        render_login(&page, status)
    };
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), f.login_token.as_bytes()) {
        return retry(
            FormErrors::one("form", "The sign-in form expired. Please sign in again."),
            StatusCode::FORBIDDEN,
        );
    }
    if f.email.trim().is_empty() {
        return retry(
            FormErrors::one("email", "Enter your e-mail address."),
            StatusCode::BAD_REQUEST,
        );
    }
    let input = SignIn {
        email: f.email.clone(),
        password: f.password.clone(),
        totp: None,
        allow_pending_mfa: true,
        ip: meta.ip,
        request_id: Some(meta.request_id),
    };
    match session::sign_in(&s.app, input).await {
        Ok(signed) => {
            let max_age = (signed.session.expires_at - signed.session.created_at).whole_seconds();
            let to = if signed.session.mfa_pending {
                query_start(String::from("/login/mfa?"))
                    .append_pair("next", &next)
                    .finish()
            } else {
                next
            };
            let mut res = session_redirect(&signed.token, max_age, s.config.secure_cookies, &to);
            // The sign-in form's cookie lives on /login: it is cleared on that path.
            res.headers_mut().append(
                header::SET_COOKIE,
                crate::cookies::clear(LOGIN_COOKIE, "/login"),
            );
            Ok(res)
        }
        Err(Error::Unauthenticated) => retry(
            FormErrors::one(
                "password",
                "That e-mail address and password do not match an account. Check both and try again.",
            ),
            StatusCode::UNAUTHORIZED,
        ),
        Err(Error::TooManyAttempts { .. }) => retry(
            FormErrors::one(
                "form",
                "Too many failed sign-ins. Wait 15 minutes and try again, or ask your administrator.",
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct MfaPage {
    next: String,
    csrf: String,
    errors: FormErrors,
}

async fn pending(
    s: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
) -> UiResult<session::SessionContext> {
    let token = cookie_in(headers, SESSION_COOKIE).ok_or_else(|| UiError::Login("/".into()))?;
    session::authenticate(
        &s.app,
        &token,
        Stage::AwaitingMfa,
        meta.ip.clone(),
        Some(meta.request_id.clone()),
    )
    .await
    .map_err(|_| UiError::Login("/".into()))
}

/// `GET /login/mfa`: the second step of signing in.
pub async fn mfa_form(
    State(s): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> UiResult<Response> {
    let ctx = pending(&s, &headers, &meta).await?;
    let page = MfaPage {
        next: safe_next(q.next.as_deref()),
        csrf: ctx.session.csrf_token,
        errors: FormErrors::none(),
    };
    Ok(Html(
        page.render()
            .map_err(|e| UiError::Core(Error::internal(e)))?,
    )
    .into_response())
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /login/mfa`.
pub async fn mfa(
    State(s): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Form(f): Form<MfaForm>,
) -> UiResult<Response> {
    let ctx = pending(&s, &headers, &meta).await?;
    let next = safe_next(Some(&f.next));
    if !constant_time_eq(f.csrf.as_bytes(), ctx.session.csrf_token.as_bytes()) {
        return Err(UiError::Page(
            StatusCode::FORBIDDEN,
            "This form expired. Sign in again.".into(),
        ));
    }
    let retry = |msg: &str, status| -> UiResult<Response> {
        let page = MfaPage {
            next: next.clone(),
            csrf: ctx.session.csrf_token.clone(),
            errors: FormErrors::one("code", msg),
        };
        Ok((
            status,
            Html(
                page.render()
                    .map_err(|e| UiError::Core(Error::internal(e)))?,
            ),
        )
            .into_response())
    };
    match session::complete_mfa(&s.app, &ctx, &f.code).await {
        Ok(()) => Ok(Redirect::to(&next).into_response()),
        Err(Error::Unauthenticated) => retry(
            "That code is not right or was already used. Enter the current code from your authenticator app.",
            StatusCode::UNAUTHORIZED,
        ),
        Err(Error::TooManyAttempts { .. }) => retry(
            "Too many wrong codes. Wait 15 minutes and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => Err(e.into()),
    }
}

/// A form with no fields of its own.
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// `POST /logout`.
pub async fn logout(
    State(s): State<AppState>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let ctx = session::SessionContext {
        caller: ui.caller,
        session: ui.session,
    };
    session::sign_out(&s.app, &ctx).await?;
    let mut res = Redirect::to("/login?signed_out=1").into_response();
    if let Ok(v) = crate::api::session::session_cookie("", 0, s.config.secure_cookies) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `POST /session/keepalive`: the "stay signed in" button. Authenticating the request is what
/// resets the idle timer.
pub async fn keepalive(CsrfForm(_ui, NoFields {}): CsrfForm<NoFields>) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    name: String,
    email: String,
    errors: FormErrors,
    existing_account: bool,
    token: String,
}

fn invitation_gone() -> UiError {
    UiError::Page(
        StatusCode::NOT_FOUND,
        "This invitation link has expired or was already used. Ask whoever invited you for a new one.".into(),
    )
}

#[derive(Template)]
#[template(path = "invite_join.html")]
struct JoinPage {
    chrome: super::chrome::Chrome,
    email: String,
    token: String,
}

/// `GET /invite/{token}/join`: an existing account accepts an invitation, signed in.
pub async fn join_form(
    State(s): State<AppState>,
    ui: UiSession,
    Path(token): Path<String>,
) -> UiResult<Response> {
    let inv = invites::show(&s.app, &token)
        .await
        .map_err(|_| invitation_gone())?;
    ui.page(&JoinPage {
        chrome: super::chrome::Chrome::new(&ui, super::chrome::Section::Account, None),
        email: inv.email.to_string(),
        token,
    })
}

/// `POST /invite/{token}/join`.
pub async fn join(
    State(s): State<AppState>,
    Path(token): Path<String>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    invites::join(&s.app, &ui.caller, &token).await?;
    Ok(redirect_with(
        "/",
        "ok",
        "Invitation accepted: the organization is in your list now.",
    ))
}

/// `GET /invite/{token}`: set a first password.
pub async fn invite_form(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> UiResult<Response> {
    let inv = invites::show(&s.app, &token)
        .await
        .map_err(|_| invitation_gone())?;
    let page = InvitePage {
        name: inv.name,
        email: inv.email.to_string(),
        errors: FormErrors::none(),
        existing_account: inv.existing_account,
        token,
    };
    Ok(Html(
        page.render()
            .map_err(|e| UiError::Core(Error::internal(e)))?,
    )
    .into_response())
}

/// The first-password form.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /invite/{token}`. The token in the path is the proof; there is no session yet.
pub async fn invite(
    State(s): State<AppState>,
    meta: ClientMeta,
    Path(token): Path<String>,
    Form(f): Form<InviteForm>,
) -> UiResult<Response> {
    let inv = invites::show(&s.app, &token)
        .await
        .map_err(|_| invitation_gone())?;
    let retry = |errors: FormErrors| -> UiResult<Response> {
        let page = InvitePage {
            name: inv.name.clone(),
            email: inv.email.to_string(),
            errors,
            existing_account: inv.existing_account,
            token: token.clone(),
        };
        Ok((
            StatusCode::BAD_REQUEST,
            Html(
                page.render()
                    .map_err(|e| UiError::Core(Error::internal(e)))?,
            ),
        )
            .into_response())
    };
    if f.password != f.confirm {
        return retry(FormErrors::one(
            "confirm",
            "The two passwords differ; type the same one twice.",
        ));
    }
    match invites::accept(&s.app, &token, &f.password, meta.ip, Some(meta.request_id)).await {
        Ok(_) => Ok(redirect_with("/login?activated=1", "ok", "Password set")),
        Err(e) => retry(FormErrors::from_error(e)?),
    }
}
