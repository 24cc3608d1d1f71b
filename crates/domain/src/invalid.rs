use std::fmt;

/// A value a user supplied that breaks a rule: names the field and says what to fix.
///
/// The reason never repeats the rejected value, so it is safe to show and to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    /// The field, as the user named it (`slug`, `email`, `items[2].title`).
    pub field: String,
    /// What is wrong and how to fix it, in plain words.
    pub reason: String,
}

impl Invalid {
    /// A rule broken by `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}
