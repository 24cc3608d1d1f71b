//! Cursor pagination: lists are returned a page at a time with an opaque cursor for the next.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::Invalid;

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// Where a page starts: the sort key and id of the last item of the page before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Sort key of the last item seen.
    pub key: String,
    /// Tie-breaker: id (or sequence number) of the last item seen.
    pub id: String,
}

impl Cursor {
    /// The opaque text form handed to clients.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Parses a cursor a client sent back.
    pub fn decode(s: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "cursor",
                "is not a cursor this server issued; start from the first page",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }
}

/// Which page to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page, 1 to [`MAX_LIMIT`].
    pub limit: u32,
    /// Start after this item; none for the first page.
    pub after: Option<Cursor>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// Validates a limit and cursor from a query string.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, Invalid> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Invalid::new(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(Cursor::decode(c)?),
        };
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row, if present, proves a next
    /// page exists, and the cursor points after the last item kept.
    pub fn from_rows(
        mut rows: Vec<T>,
        req: &PageRequest,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Self {
        let limit = req.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| cursor_of(last).encode())
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    /// Transforms the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Escapes a search term for `LIKE ... ESCAPE '\'` and wraps it for a substring match
/// (lower case, to match the lower-cased sort keys).
pub fn like_pattern(term: &str) -> String {
    format!("%{}%", like_escape(&term.to_lowercase()))
}

/// A `LIKE ... ESCAPE '\'` pattern matching values that start with `prefix` (case kept).
pub fn like_prefix(prefix: &str) -> String {
    format!("{}%", like_escape(prefix))
}

fn like_escape(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            key: "lakeside".into(),
            id: "x".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert_eq!(Cursor::decode("!!!").unwrap_err().field, "cursor");
        assert!(Cursor::decode("aGVsbG8").is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(201), None).is_err());
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn pages_know_whether_more_follow() {
        let req = PageRequest {
            limit: 2,
            after: None,
        };
        let p = Page::from_rows(vec![1, 2, 3], &req, |n| Cursor {
            key: n.to_string(),
            id: String::new(),
        });
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(
            Cursor::decode(p.next_cursor.as_deref().unwrap())
                .unwrap()
                .key,
            "2"
        );
        let last = Page::from_rows(vec![1, 2], &req, |n| Cursor {
            key: n.to_string(),
            id: String::new(),
        });
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_A"), "%50\\%\\_a%");
        assert_eq!(like_prefix("org.c_"), "org.c\\_%");
    }
}
