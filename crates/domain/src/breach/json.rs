//! A strict reading of a JSON case: every key once, no key the contract does not name, and
//! each value of the JSON type its field takes. Errors name the field by its path
//! (`states.CA`, `four_factor.recipient`).
//!
//! The case is first read into [`Json`], a tree that keeps every key as written (`serde_json`'s
//! own map would silently keep only the last of two equal keys), then taken apart field by
//! field.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use time::Date;

use crate::Invalid;

/// A JSON value with its object keys in order, duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number of 0 or more.
    Unsigned(u64),
    /// A negative whole number.
    Negative(i64),
    /// Any other number (a fraction, an exponent, or too large for 64 bits).
    Fraction(f64),
    /// A string.
    Text(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, its entries as written.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Reads a JSON document; a syntax error is reported against the field `input`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        // A byte-order mark, as some editors write, is not part of the document.
        let input = input.strip_prefix('\u{feff}').unwrap_or(input);
        serde_json::from_str(input).map_err(|e| {
            Invalid::new(
                "input",
                format!(
                    "is not a JSON document (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Unsigned(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(u64::try_from(v).map_or(Json::Negative(v), Json::Unsigned))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Fraction(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            entries.push((k, v));
        }
        Ok(Json::Object(entries))
    }
}

/// The entries of one JSON object of the case, checked for duplicate and unknown keys.
#[derive(Debug)]
pub struct Object {
    prefix: String,
    entries: Vec<(String, Json)>,
}

impl Object {
    /// Takes `value` as the object named `name` (empty for the document itself) whose keys
    /// must be among `known` (any key when `known` is `None`).
    pub fn new(name: &str, value: Json, known: Option<&[&str]>) -> Result<Self, Invalid> {
        let Json::Object(entries) = value else {
            let field = if name.is_empty() { "input" } else { name };
            return Err(Invalid::new(field, "must be a JSON object"));
        };
        let prefix = if name.is_empty() {
            String::new()
        } else {
            format!("{name}.")
        };
        // A set, not a scan of the earlier keys: a body full of keys must not cost n².
        let mut seen = HashSet::with_capacity(entries.len());
        for (k, _) in &entries {
            if !seen.insert(k.as_str()) {
                return Err(Invalid::new(
                    format!("{prefix}{k}"),
                    "appears more than once",
                ));
            }
            if let Some(known) = known
                && !known.contains(&k.as_str())
            {
                return Err(Invalid::new(
                    format!("{prefix}{k}"),
                    format!("is not a field here; the fields are {}", known.join(", ")),
                ));
            }
        }
        Ok(Self { prefix, entries })
    }

    /// The full name of `key` inside this object.
    pub fn path(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Removes and returns `key`'s value; `null` counts as absent.
    pub fn take(&mut self, key: &str) -> Option<(String, Json)> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        let (k, v) = self.entries.swap_remove(i);
        let path = format!("{}{k}", self.prefix);
        (v != Json::Null).then_some((path, v))
    }

    /// Every remaining entry, with its full name.
    pub fn into_entries(self) -> impl Iterator<Item = (String, Json)> {
        let prefix = self.prefix;
        self.entries
            .into_iter()
            .map(move |(k, v)| (format!("{prefix}{k}"), v))
    }

    /// Removes `key` and reads it with `read`, which is given the field's full name.
    pub fn field<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&str, Json) -> Result<T, Invalid>,
    ) -> Result<Option<T>, Invalid> {
        self.take(key).map(|(path, v)| read(&path, v)).transpose()
    }
}

/// A string.
pub fn text(field: &str, v: Json) -> Result<String, Invalid> {
    match v {
        Json::Text(s) => Ok(s),
        _ => Err(Invalid::new(field, "must be a string")),
    }
}

/// `true` or `false`.
#[expect(
    clippy::needless_pass_by_value,
    reason = "every reader takes the value the same way, so `Object::field` can call any"
)]
pub fn boolean(field: &str, v: Json) -> Result<bool, Invalid> {
    match v {
        Json::Bool(b) => Ok(b),
        _ => Err(Invalid::new(field, "must be true or false")),
    }
}

/// A count: a JSON whole number of 0 or more (not a string, not a fraction).
#[expect(
    clippy::needless_pass_by_value,
    reason = "every reader takes the value the same way, so `Object::field` can call any"
)]
pub fn count(field: &str, v: Json) -> Result<u64, Invalid> {
    match v {
        Json::Unsigned(n) => Ok(n),
        Json::Negative(_) => Err(Invalid::new(field, "must not be negative")),
        Json::Fraction(f) if f < 0.0 => Err(Invalid::new(field, "must not be negative")),
        Json::Fraction(_) => Err(Invalid::new(
            field,
            "must be a whole number (no fraction or exponent)",
        )),
        _ => Err(Invalid::new(field, "must be a whole number of 0 or more")),
    }
}

/// A date written `YYYY-MM-DD`.
pub fn date(field: &str, v: Json) -> Result<Date, Invalid> {
    match v {
        Json::Text(s) => super::dates::parse(field, &s),
        _ => Err(Invalid::new(field, "must be a date written YYYY-MM-DD")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_whether_they_were_whole_negative_or_fractional() {
        let Json::Array(v) = Json::parse("[1, -2, 1.5, 1e3, 18446744073709551616, 0]").unwrap()
        else {
            panic!("an array")
        };
        assert_eq!(v[0], Json::Unsigned(1));
        assert_eq!(v[1], Json::Negative(-2));
        assert!(matches!(v[2], Json::Fraction(_)));
        assert!(matches!(v[3], Json::Fraction(_)));
        assert!(matches!(v[4], Json::Fraction(_)));
        assert_eq!(v[5], Json::Unsigned(0));
    }

    #[test]
    fn a_key_written_twice_is_refused_by_its_full_name() {
        let v = Json::parse(r#"{"a": 1, "a": 2}"#).unwrap();
        let e = Object::new("states", v, None).unwrap_err();
        assert_eq!(e.field, "states.a");
    }

    #[test]
    fn a_leading_byte_order_mark_is_ignored() {
        assert_eq!(Json::parse("\u{feff}{}").unwrap(), Json::Object(vec![]));
    }

    #[test]
    fn syntax_errors_are_reported_against_the_input() {
        for bad in ["", "{", "{\"a\":}", "[1,]", "{} {}", "nul"] {
            assert_eq!(Json::parse(bad).unwrap_err().field, "input", "{bad:?}");
        }
    }
}
