//! Where the next page is: a next link resolved against the client's base URL, checked before
//! anything is sent (same origin as the base URL, HTTPS off loopback, never a page already
//! fetched).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use url::Url;

use super::PageError;

/// The origin of `url` (`scheme://host:port`), the only part of a next link an error names.
pub(super) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The loop guard: the fingerprints of the pages fetched (8 bytes a page, whatever the URL).
#[derive(Debug, Default)]
pub(super) struct Seen(HashSet<u64>);

impl Seen {
    /// Records `url`; `false` when it was fetched before.
    pub(super) fn insert(&mut self, url: &Url) -> bool {
        let mut hasher = DefaultHasher::new();
        url.as_str().hash(&mut hasher);
        self.0.insert(hasher.finish())
    }
}

/// Resolves the next link of page `page` against `base`, or says why it must not be followed.
/// An absent, `null` or blank link is the last page (`Ok(None)`).
pub(super) fn resolve<E>(
    base: &Url,
    link: Option<&str>,
    page: u64,
) -> Result<Option<Url>, PageError<E>> {
    let Some(link) = link.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let url = base
        .join(link)
        .map_err(|_| PageError::InvalidNextLink { page })?;
    if url.origin() != base.origin() {
        return Err(PageError::ForeignNextLink {
            page,
            origin: origin(&url),
        });
    }
    if url.scheme() != "https" && !is_loopback(&url) {
        return Err(PageError::InsecureNextLink {
            page,
            origin: origin(&url),
        });
    }
    Ok(Some(url))
}

/// The URL of the page after `sent` when the answer's cursor is `cursor`: `sent` with the query
/// parameter `param` set to it. An absent, `null` or blank cursor is the last page.
pub(super) fn with_cursor(sent: &Url, param: &str, cursor: Option<&str>) -> Option<Url> {
    let cursor = cursor.filter(|c| !c.trim().is_empty())?;
    let mut next = sent.clone();
    let kept: Vec<(String, String)> = sent
        .query_pairs()
        .filter(|(k, _)| k != param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(param, cursor);
    Some(next)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://developer.api.autodesk.com/").unwrap()
    }

    #[test]
    fn a_relative_link_resolves_against_the_base_url() {
        let next = resolve::<()>(&base(), Some("/data/v1/x?page%5Bnumber%5D=1"), 1).unwrap();
        assert_eq!(
            next.unwrap().as_str(),
            "https://developer.api.autodesk.com/data/v1/x?page%5Bnumber%5D=1"
        );
    }

    #[test]
    fn absent_null_or_blank_is_the_last_page() {
        assert!(resolve::<()>(&base(), None, 1).unwrap().is_none());
        assert!(resolve::<()>(&base(), Some("  "), 1).unwrap().is_none());
    }

    #[test]
    fn another_origin_is_refused_naming_the_origin_only() {
        let e = resolve::<()>(&base(), Some("https://evil.example:8443/x?token=s3cr3t"), 3)
            .unwrap_err();
        assert!(
            matches!(&e, PageError::ForeignNextLink { page: 3, origin } if origin == "https://evil.example:8443")
        );
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        // Another port or scheme is another origin.
        let e = resolve::<()>(&base(), Some("http://developer.api.autodesk.com/x"), 2);
        assert!(matches!(e, Err(PageError::ForeignNextLink { page: 2, .. })));
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let base = Url::parse("http://build.internal/").unwrap();
        let e = resolve::<()>(&base, Some("/next"), 1);
        assert!(matches!(
            e,
            Err(PageError::InsecureNextLink { page: 1, .. })
        ));
        let local = Url::parse("http://127.0.0.1:9/").unwrap();
        assert!(resolve::<()>(&local, Some("/next"), 1).unwrap().is_some());
    }

    #[test]
    fn a_cursor_replaces_its_parameter_and_keeps_the_others() {
        let sent = Url::parse("https://h/list?limit=5&pageToken=a&q=x").unwrap();
        let next = with_cursor(&sent, "pageToken", Some("b c")).unwrap();
        assert_eq!(next.as_str(), "https://h/list?limit=5&q=x&pageToken=b+c");
        assert!(with_cursor(&sent, "pageToken", Some(" ")).is_none());
        assert!(with_cursor(&sent, "pageToken", None).is_none());
    }

    #[test]
    fn the_loop_guard_sees_a_repeated_url() {
        let mut seen = Seen::default();
        let a = Url::parse("https://h/a?p=1").unwrap();
        assert!(seen.insert(&a));
        assert!(seen.insert(&Url::parse("https://h/a?p=2").unwrap()));
        assert!(!seen.insert(&a));
    }
}
