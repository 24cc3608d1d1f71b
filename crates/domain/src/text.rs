//! Rules for free text a user types: names, titles, addresses, notes.

use crate::Invalid;

/// Checks and normalises a required single-line text: trimmed, not empty, at most `max`
/// characters, no control characters.
pub fn required_line(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, "is required"));
    }
    check_line(field, v, max)?;
    Ok(v.to_owned())
}

/// Like [`required_line`] but an empty value means "none".
pub fn optional_line(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check_line(field, v, max)?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// Multi-line text (notes, descriptions): newlines and tabs allowed, other control characters
/// not; empty means "none".
pub fn optional_block(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let Some(v) = value.map(str::trim) else {
        return Ok(None);
    };
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    Ok(Some(v.to_owned()))
}

fn check_line(field: &str, v: &str, max: usize) -> Result<(), Invalid> {
    if v.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "must be a single line without control characters",
        ));
    }
    Ok(())
}

/// The key a name sorts and searches by: lower case, inner whitespace collapsed.
pub fn sort_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_line_trims_and_rejects_empty_long_and_control() {
        assert_eq!(required_line("name", "  Acme  ", 10).unwrap(), "Acme");
        assert_eq!(
            required_line("name", "   ", 10).unwrap_err().reason,
            "is required"
        );
        assert!(required_line("name", "abcdefghijk", 10).is_err());
        assert!(required_line("name", "a\u{7}b", 10).is_err());
        assert!(required_line("name", "a\nb", 10).is_err());
    }

    #[test]
    fn optional_block_keeps_newlines_but_not_other_controls() {
        assert_eq!(
            optional_block("notes", Some(" a\nb "), 10)
                .unwrap()
                .as_deref(),
            Some("a\nb")
        );
        assert_eq!(optional_block("notes", Some("  "), 10).unwrap(), None);
        assert!(optional_block("notes", Some("a\u{0}b"), 10).is_err());
    }

    #[test]
    fn sort_key_ignores_case_and_spacing() {
        assert_eq!(
            sort_key("  Lakeside   Family Clinic "),
            "lakeside family clinic"
        );
    }
}
