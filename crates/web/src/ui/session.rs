//! Signed-in pages: the session extractor (redirects to sign-in), CSRF-checked forms, the
//! error pages, flash messages and rendering.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use safeharbor_core::auth::session::{self, SessionContext, Stage};
use safeharbor_core::ports::SessionRecord;
use safeharbor_core::{Caller, Error};
use safeharbor_domain::org::Organization;
use safeharbor_domain::user::Role;
use serde::de::DeserializeOwned;

use super::chrome::Flash;
use crate::AppState;
use crate::extract::{SESSION_COOKIE, client_ip, cookie};
use crate::middleware::current_request_id;

/// Name of the flash-message cookie.
pub const FLASH_COOKIE: &str = "sh_flash";

/// A signed-in user on a page.
#[derive(Debug, Clone)]
pub struct UiSession {
    /// The caller, for use cases.
    pub caller: Caller,
    /// The session (CSRF token, timeouts).
    pub session: SessionRecord,
    /// The user's own organization (provider for MSP staff).
    pub home_org: Organization,
    /// Whether the user administers the whole installation.
    pub is_provider_admin: bool,
    /// Automatic logoff, in seconds.
    pub idle_secs: i64,
    /// A message left by the previous action.
    pub flash: Option<Flash>,
}

impl UiSession {
    /// The user's display name.
    pub fn user_name(&self) -> &str {
        self.caller.user().map_or("", |u| u.name.as_str())
    }

    /// Renders a page, clearing the flash message it shows.
    pub fn page(&self, t: &impl Template) -> UiResult<Response> {
        let html = t.render().map_err(|e| UiError::Core(Error::internal(e)))?;
        let mut res = Html(html).into_response();
        if self.flash.is_some() {
            res.headers_mut()
                .append(header::SET_COOKIE, clear_cookie(FLASH_COOKIE));
        }
        Ok(res)
    }
}

impl FromRequestParts<AppState> for UiSession {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let to_login = || UiError::Login(next.clone());
        let token = cookie(parts, SESSION_COOKIE).ok_or_else(to_login)?;
        let ip = client_ip(parts, state.config.trust_proxy);
        let ctx = match session::authenticate(
            &state.app,
            &token,
            Stage::Complete,
            ip,
            Some(current_request_id()),
        )
        .await
        {
            Ok(c) => c,
            Err(Error::Unauthenticated) => return Err(to_login()),
            Err(e) => return Err(UiError::Core(e)),
        };
        if let Some(id) = ctx.caller.user_id() {
            tracing::Span::current().record("user_id", tracing::field::display(id));
        }
        let home_org = safeharbor_core::orgs::home(&state.app, &ctx.caller).await?;
        let is_provider_admin = ctx
            .caller
            .memberships()
            .iter()
            .any(|m| m.role == Role::ProviderAdmin);
        Ok(Self {
            caller: ctx.caller,
            session: ctx.session,
            home_org,
            is_provider_admin,
            idle_secs: state.app.settings().session_idle.whole_seconds(),
            flash: read_flash(parts),
        })
    }
}

fn read_flash(parts: &Parts) -> Option<Flash> {
    let raw = cookie(parts, FLASH_COOKIE)?;
    let decoded = form_urlencoded::parse(raw.as_bytes()).next()?;
    let kind = match decoded.0.as_ref() {
        k @ ("ok" | "error" | "info") => k.to_owned(),
        _ => return None,
    };
    Some(Flash {
        kind,
        text: decoded.1.into_owned(),
    })
}

/// A redirect that leaves a message for the next page.
pub fn redirect_with(location: &str, kind: &str, text: &str) -> Response {
    let mut res = Redirect::to(location).into_response();
    let value: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(kind, text)
        .finish();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set(FLASH_COOKIE, &value, "/", 60),
    );
    res
}

/// A `Set-Cookie` that deletes `name` (set on `/`).
pub fn clear_cookie(name: &str) -> HeaderValue {
    crate::cookies::clear(name, "/")
}

/// A form posted by a signed-in user, with its CSRF token checked against the session.
#[derive(Debug)]
pub struct CsrfForm<T>(pub UiSession, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, UiError> {
        let (mut parts, body) = req.into_parts();
        let ui = UiSession::from_request_parts(&mut parts, state).await?;
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
            .await
            .map_err(|_| {
                UiError::Page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form is larger than the server accepts.".into(),
                )
            })?;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        let form_token = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.clone());
        let given = form_token.or(header_token).unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), ui.session.csrf_token.as_bytes()) {
            return Err(UiError::Page(StatusCode::FORBIDDEN, "This form has expired or did not come from Safeharbor. Go back, reload the page and try again.".into()));
        }
        let fields = pairs.into_iter().filter(|(k, _)| k != "_csrf");
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let value = serde_urlencoded::from_str(&encoded).map_err(|_| {
            UiError::Page(
                StatusCode::BAD_REQUEST,
                "The form could not be read; reload the page and try again.".into(),
            )
        })?;
        Ok(Self(ui, value))
    }
}

/// Compares secrets in constant time (`subtle`).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// What went wrong on a page.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in: go to the sign-in page, then back to this path.
    Login(String),
    /// A page with this status and message.
    Page(StatusCode, String),
    /// A use case's error.
    Core(Error),
}

impl From<Error> for UiError {
    fn from(e: Error) -> Self {
        Self::Core(e)
    }
}

impl From<safeharbor_domain::Invalid> for UiError {
    fn from(i: safeharbor_domain::Invalid) -> Self {
        Self::Core(Error::Invalid(i))
    }
}

/// A page result.
pub type UiResult<T> = Result<T, UiError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: String,
    request_id: String,
}

fn error_page(status: StatusCode, title: &'static str, message: String) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
        request_id: current_request_id(),
    };
    let html = page
        .render()
        .unwrap_or_else(|_| format!("{title}: {}", page.message));
    (status, Html(html)).into_response()
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            Self::Login(next) => {
                let safe = local_path(&next).unwrap_or_else(|| "/".into());
                let target: String = query_start(String::from("/login?"))
                    .append_pair("next", &safe)
                    .finish();
                Redirect::to(&target).into_response()
            }
            Self::Page(status, message) => error_page(status, "Something is not right", message),
            Self::Core(e) => match e {
                // 404 also for every other tenant's page.
                Error::NotFound => error_page(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    "There is no such page, or it is not yours to see.".into(),
                ),
                Error::Forbidden(why) => error_page(
                    StatusCode::FORBIDDEN,
                    "Not allowed",
                    format!("You cannot do this: {why}."),
                ),
                Error::Unauthenticated | Error::MfaRequired => {
                    Redirect::to("/login").into_response()
                }
                Error::MfaEnrollmentRequired => redirect_with(
                    "/account/mfa",
                    "info",
                    "This organization requires a second sign-in factor. Set up an authenticator app to continue.",
                ),
                Error::TooManyAttempts { .. } => error_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    "Too many failed sign-ins. Wait a few minutes and try again.".into(),
                ),
                Error::Invalid(i) => error_page(
                    StatusCode::BAD_REQUEST,
                    "Something is not right",
                    format!("{}: {}", i.field, i.reason),
                ),
                Error::Conflict { message, .. } => {
                    error_page(StatusCode::CONFLICT, "That cannot be done now", message)
                }
                Error::StoredFileMissing => error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The stored file is missing",
                    "This evidence is on record but its stored file is missing or altered in the evidence store. An administrator must restore it from a backup of the data directory; it now shows on the organization's status.".into(),
                ),
                Error::Incomplete(list) => error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Not yet",
                    list.iter()
                        .map(|i| i.reason.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                Error::Internal(cause) => {
                    tracing::error!(error = %cause, "internal error on a page");
                    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "Something went wrong on our side. Nothing you entered was half-saved. Quote the request id below if it happens again.".into())
                }
            },
        }
    }
}

/// A path on this site to go back to after signing in, or `None` when `next` could lead
/// elsewhere. Only a single `/` followed by something other than `/` or `\` is taken, with no
/// backslash or control character anywhere (browsers read `\` as `/` and drop tabs and line
/// breaks, so `/\evil.example` and `/\t/evil.example` reach another host), and it must parse as
/// a path with no scheme or authority.
pub fn local_path(next: &str) -> Option<String> {
    let mut chars = next.chars();
    if chars.next() != Some('/') || matches!(chars.next(), Some('/' | '\\')) {
        return None;
    }
    if next.chars().any(|c| c == '\\' || c.is_control()) {
        return None;
    }
    let uri: axum::http::Uri = next.parse().ok()?;
    (uri.scheme().is_none() && uri.authority().is_none()).then(|| next.to_owned())
}

/// Whether a request came from htmx (partial update).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// Opens a page session after a password or code was accepted: cookie and redirect.
pub fn session_redirect(token: &str, max_age: i64, secure: bool, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Ok(v) = crate::api::session::session_cookie(token, max_age, secure) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Kept so the sign-in flow can pass a context around.
pub type Pending = SessionContext;

/// A query-string builder appending to `url` (which ends with `?`).
pub fn query_start(url: String) -> form_urlencoded::Serializer<'static, String> {
    let start = url.len();
    form_urlencoded::Serializer::for_suffix(url, start)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site_are_taken_as_the_next_page() {
        for ok in ["/", "/orgs/lakeside", "/orgs/x?tab=1#top", "/a//b"] {
            assert_eq!(local_path(ok).as_deref(), Some(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example/",
            "evil.example",
            "",
            "/x\\y",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
