//! The minimal cookie store of the headless browser: what `Set-Cookie` headers set or expire,
//! and which cookies a request sends back (RFC 6265 default path and path-match).

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, SET_COOKIE};
use url::Url;

/// Cookies by `(name, path)`, sent to request paths the cookie path matches.
#[derive(Default)]
pub(super) struct CookieJar {
    /// Cookie values by name and path.
    cookies: BTreeMap<(String, String), String>,
}

impl CookieJar {
    /// Stores (or removes, when expired or empty) the cookies of every `Set-Cookie` header of a
    /// response to `url`.
    pub(super) fn store(&mut self, url: &Url, headers: &HeaderMap) {
        for header in headers.get_all(SET_COOKIE) {
            let Ok(header) = header.to_str() else {
                continue;
            };
            let mut parts = header.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
            let mut path = default_cookie_path(url);
            let mut expired = value.is_empty();
            for attribute in parts {
                let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
                let (key, val) = (key.trim().to_ascii_lowercase(), val.trim());
                match key.as_str() {
                    "path" if val.starts_with('/') => path = val.to_owned(),
                    "max-age" if val.parse::<i64>().is_ok_and(|s| s <= 0) => expired = true,
                    "expires" if val.contains("1970") => expired = true,
                    _ => {}
                }
            }
            if expired {
                self.cookies.remove(&(name, path));
            } else {
                self.cookies.insert((name, path), value);
            }
        }
    }

    /// The `Cookie` header value for a request to `url`, if any cookie applies.
    pub(super) fn header_for(&self, url: &Url) -> Option<String> {
        let request_path = url.path();
        let mut matching: Vec<(&(String, String), &String)> = self
            .cookies
            .iter()
            .filter(|((_, path), _)| path_matches(request_path, path))
            .collect();
        // Longer paths first (RFC 6265 section 5.4).
        matching.sort_by_key(|((_, path), _)| std::cmp::Reverse(path.len()));
        let header = matching
            .iter()
            .map(|((name, _), value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        (!header.is_empty()).then_some(header)
    }
}

/// RFC 6265 section 5.1.4 default path of a cookie set by a response to `url`.
fn default_cookie_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

/// RFC 6265 section 5.1.4 path-match.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn url(path: &str) -> Url {
        Url::parse(&format!("http://127.0.0.1:4000{path}")).unwrap()
    }

    fn set_cookies(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(SET_COOKIE, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn cookie_paths() {
        assert!(path_matches("/interaction/abc", "/interaction/abc"));
        assert!(path_matches("/interaction/abc/abort", "/interaction/abc"));
        assert!(!path_matches("/interaction/abcd", "/interaction/abc"));
        assert!(path_matches("/anything", "/"));
    }

    #[test]
    fn default_paths_drop_the_last_segment() {
        assert_eq!(default_cookie_path(&url("/a/b/c")), "/a/b");
        assert_eq!(default_cookie_path(&url("/a")), "/");
        assert_eq!(default_cookie_path(&url("/")), "/");
    }

    #[test]
    fn cookies_go_to_matching_paths_longest_path_first() {
        let mut jar = CookieJar::default();
        jar.store(
            &url("/authentication/v2/authorize"),
            &set_cookies(&[
                "_session=s1; path=/; httponly",
                "_interaction=i1; path=/interaction/abc; httponly",
            ]),
        );
        assert_eq!(
            jar.header_for(&url("/interaction/abc")).as_deref(),
            Some("_interaction=i1; _session=s1")
        );
        assert_eq!(
            jar.header_for(&url("/authentication/v2/token")).as_deref(),
            Some("_session=s1")
        );
    }

    #[test]
    fn expired_or_empty_cookies_are_removed() {
        let mut jar = CookieJar::default();
        let page = url("/interaction/abc");
        jar.store(
            &page,
            &set_cookies(&["a=1; path=/", "b=2; path=/", "c=3; path=/"]),
        );
        jar.store(
            &page,
            &set_cookies(&[
                "a=; path=/",
                "b=x; path=/; max-age=0",
                "c=x; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT",
            ]),
        );
        assert_eq!(jar.header_for(&page), None);
    }
}
