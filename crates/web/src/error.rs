//! The one place where errors become HTTP responses.
//!
//! Clients get `{"error": {"code", "message", "field"?, "request_id"}}`. A 500 says only
//! "internal error" and the request id; its cause is logged once, here.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeharbor_core::Error;
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::current_request_id;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What happened and what to do, for people.
    pub message: String,
    /// The field at fault.
    pub field: Option<String>,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
    /// Each thing to do first (422 `incomplete`).
    pub details: Vec<FieldProblem>,
}

/// One thing wrong or missing, naming its field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field or item (a citation, `inventory`, `risk:<id>`...).
    pub field: String,
    /// What is wrong or missing.
    pub message: String,
}

/// The error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `not_found`, `invalid`, `conflict`, `unauthenticated`, `mfa_required`,
    /// `mfa_enrollment_required`, `forbidden`, `too_many_attempts`, `payload_too_large`,
    /// `method_not_allowed`, `internal`.
    pub code: String,
    /// For people: what is wrong and how to fix it.
    pub message: String,
    /// The field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `incomplete`: every thing to do first, each naming its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldProblem>,
    /// The request's id, to quote when reporting a problem.
    pub request_id: String,
}

impl ApiError {
    /// An error with no field.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            details: Vec::new(),
        }
    }

    /// A 400 naming a field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid", message)
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            // 404: also every cross-tenant access.
            Error::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", "not found"),
            // 403: a member whose role does not allow the action.
            Error::Forbidden(why) => Self::new(StatusCode::FORBIDDEN, "forbidden", why),
            // 401: no valid credentials; one message for every cause.
            Error::Unauthenticated => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "sign in first: the e-mail, password, code or token was not accepted, or the session ended",
            ),
            // 401: the password was right; send the code too.
            Error::MfaRequired => Self::new(
                StatusCode::UNAUTHORIZED,
                "mfa_required",
                "this account uses a second factor: send the current code from your authenticator app as `totp`",
            ),
            // 403: the organization requires MFA and the caller has none.
            Error::MfaEnrollmentRequired => Self::new(
                StatusCode::FORBIDDEN,
                "mfa_enrollment_required",
                "this organization requires multi-factor authentication: enroll an authenticator app first (POST /api/v1/me/mfa)",
            ),
            // 429
            Error::TooManyAttempts { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    "too many failed sign-ins; wait and try again",
                )
            },
            // 409
            Error::Conflict { field, message } => Self {
                field: Some(field),
                ..Self::new(StatusCode::CONFLICT, "conflict", message)
            },
            // 400
            Error::Invalid(i) => Self::invalid(i.field, i.reason),
            // 422: the first thing to do leads; every one is listed.
            Error::Incomplete(list) => {
                let first = list.first().cloned();
                Self {
                    field: first.as_ref().map(|i| i.field.clone()),
                    details: list
                        .into_iter()
                        .map(|i| FieldProblem {
                            field: i.field,
                            message: i.reason,
                        })
                        .collect(),
                    ..Self::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "incomplete",
                        first.map_or_else(
                            || "something must be done first".to_owned(),
                            |f| format!("not yet: {}", f.reason),
                        ),
                    )
                }
            }
            // 500: the record is there, its stored bytes are not.
            Error::StoredFileMissing => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "stored_file_missing",
                "the stored file of this evidence is missing or altered in the evidence store; an administrator must restore it from a backup of the data directory (it is recorded on the organization's status)",
            ),
            // 500: log the cause once; tell the client nothing about it.
            Error::Internal(cause) => {
                tracing::error!(error = %cause, source = ?cause.source(), "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; quote the request id when reporting it",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
                details: self.details,
                request_id: current_request_id(),
            },
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The answer for any path that is not a route.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such page or API route",
    )
}

/// A handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<safeharbor_domain::Invalid> for ApiError {
    fn from(i: safeharbor_domain::Invalid) -> Self {
        Self::invalid(i.field, i.reason)
    }
}
