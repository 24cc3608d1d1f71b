//! The one error type of the use cases. `web` maps each variant to HTTP in one place.

use safeharbor_domain::Invalid;

/// What went wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or the caller may not know it exists (HTTP 404).
    /// Cross-tenant access always ends here, never in `Forbidden`.
    #[error("not found")]
    NotFound,
    /// The caller is signed in and may see the thing, but may not do this to it (HTTP 403).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No valid credentials (HTTP 401). The message is the same for every cause.
    #[error("unauthenticated")]
    Unauthenticated,
    /// A second factor is needed to finish signing in (HTTP 401, code `mfa_required`).
    #[error("a second factor is required")]
    MfaRequired,
    /// The organization requires a second factor and the caller has not enrolled one
    /// (HTTP 403, code `mfa_enrollment_required`).
    #[error("this organization requires multi-factor authentication")]
    MfaEnrollmentRequired,
    /// Too many attempts; try again after the given number of seconds (HTTP 429).
    #[error("too many attempts")]
    TooManyAttempts {
        /// Seconds until another attempt may succeed.
        retry_after_secs: u64,
    },
    /// The request conflicts with stored state, e.g. a duplicate slug (HTTP 409).
    #[error("conflict on {field}: {message}")]
    Conflict {
        /// The field that clashes.
        field: String,
        /// What to do about it.
        message: String,
    },
    /// A value breaks a rule (HTTP 400 or 422).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The thing cannot be done until each of these is (HTTP 422, code `incomplete`): e.g.
    /// finalizing a risk analysis that is not one yet. Each names its item (`field`) and what
    /// is missing.
    #[error("{} thing(s) must be done first", .0.len())]
    Incomplete(Vec<Invalid>),
    /// A stored evidence file is missing (or altered) in the evidence store: the record exists
    /// but its bytes are gone (HTTP 500, code `stored_file_missing`). Logged, audited and shown
    /// on the organization's status, so lost evidence is noticed before an audit.
    #[error("the stored file of this evidence is missing or altered")]
    StoredFileMissing,
    /// Something failed that the caller cannot fix (HTTP 500). The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// A broken rule on `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(Invalid::new(field, reason))
    }

    /// A clash with stored data on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Wraps an unexpected failure.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(e.into())
    }
}

/// The result of a use case.
pub type Result<T, E = Error> = std::result::Result<T, E>;
