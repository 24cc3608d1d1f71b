//! Form errors: the same validation as the API, shown next to each field.

use safeharbor_core::Error;

/// Errors by field, in the order found.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// One error.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![(field.into(), message.into())])
    }

    /// The error of a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every error.
    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

    /// The field errors in a use case's error, or the error itself when it is not about a
    /// field (not found, forbidden, internal...).
    pub fn from_error(e: Error) -> Result<Self, Error> {
        match e {
            Error::Invalid(i) => Ok(Self::one(i.field, i.reason)),
            Error::Conflict { field, message } => Ok(Self::one(field, message)),
            other => Err(other),
        }
    }

    /// Renames a field (the use case's name to the form's).
    #[must_use]
    pub fn rename(mut self, from: &str, to: &str) -> Self {
        for (f, _) in &mut self.0 {
            if f == from {
                to.clone_into(f);
            }
        }
        self
    }
}

impl From<safeharbor_domain::Invalid> for FormErrors {
    fn from(i: safeharbor_domain::Invalid) -> Self {
        Self::one(i.field, i.reason)
    }
}
