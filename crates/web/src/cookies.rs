//! Every cookie Safeharbor sets, built and read with the `cookie` crate: `HttpOnly`,
//! `SameSite=Strict`, and `Secure` whenever the installation serves over TLS (added in one place,
//! [`mark_secure`], so no cookie can be forgotten).

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

/// A `Set-Cookie` for `name=value` on `path`, living `max_age` seconds (0 deletes it).
pub fn set(name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let c = Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// A `Set-Cookie` that deletes `name` on `path`.
pub fn clear(name: &str, path: &str) -> HeaderValue {
    set(name, "", path, 0)
}

/// The value of cookie `name` in these request headers, if sent.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Adds `Secure` to every cookie a response sets.
pub fn mark_secure(headers: &mut HeaderMap) {
    let values: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if values.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for v in values {
        let secured = v
            .to_str()
            .ok()
            .and_then(|s| Cookie::parse(s.to_owned()).ok())
            .and_then(|mut c| {
                c.set_secure(true);
                HeaderValue::from_str(&c.to_string()).ok()
            });
        headers.append(header::SET_COOKIE, secured.unwrap_or(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_made_secure_in_one_place() {
        let v = set("sh_flash", "ok=Saved", "/", 60);
        let s = v.to_str().unwrap();
        assert!(
            s.contains("HttpOnly") && s.contains("SameSite=Strict") && s.contains("Max-Age=60"),
            "{s}"
        );
        assert!(!s.contains("Secure"));
        let mut h = HeaderMap::new();
        h.append(header::SET_COOKIE, v);
        h.append(header::SET_COOKIE, clear("sh_login", "/login"));
        mark_secure(&mut h);
        let all: Vec<&str> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|c| c.contains("Secure")), "{all:?}");
        let mut req = HeaderMap::new();
        req.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sh_session=shs_x; b=2"),
        );
        assert_eq!(read(&req, "sh_session").as_deref(), Some("shs_x"));
        assert_eq!(read(&req, "nope"), None);
    }
}
