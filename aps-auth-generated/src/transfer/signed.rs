//! Signed S3 URLs: [`SignedUrl`], a credential (redacted `Debug`, no `Display`), and the batch
//! of upload URLs an upload holds, with the time they stop working.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// A signed storage URL. Whoever holds it may read or write the object until it expires, so it
/// is a credential: its `Debug` shows no part of it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedUrl(String);

impl SignedUrl {
    /// Wraps a URL OSS signed.
    pub fn new(url: impl Into<String>) -> Self {
        SignedUrl(url.into())
    }

    /// The URL itself: send it only to the storage it names.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignedUrl(<redacted>)")
    }
}

/// When a URL signed for `minutes` at `issued` is no longer used: a margin before it expires
/// (a quarter of its life, at most 30 s), so that a request starts while it still works.
pub(crate) fn use_until(issued: Instant, minutes: u32) -> Instant {
    let life = Duration::from_secs(u64::from(minutes) * 60);
    issued + life - (life / 4).min(Duration::from_secs(30))
}

/// The upload URLs in hand, by part number, and when they stop being used.
#[derive(Debug, Default)]
pub(crate) struct UrlBatch {
    urls: BTreeMap<u32, SignedUrl>,
    until: Option<Instant>,
}

impl UrlBatch {
    /// The URL of `part`, if one is in hand and still fresh at `now`.
    pub(crate) fn get(&self, part: u32, now: Instant) -> Option<SignedUrl> {
        match self.until {
            Some(until) if now < until => self.urls.get(&part).cloned(),
            _ => None,
        }
    }

    /// Replaces the batch: `urls[i]` is part `first + i`.
    pub(crate) fn replace(&mut self, first: u32, urls: Vec<String>, until: Instant) {
        self.urls = (first..).zip(urls.into_iter().map(SignedUrl)).collect();
        self.until = Some(until);
    }

    /// Forgets every URL (one was refused: they were signed together, so they expire together).
    pub(crate) fn clear(&mut self) {
        self.urls.clear();
        self.until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_url_never_shows_in_debug() {
        let url = SignedUrl::new("https://s3.example/o?X-Amz-Signature=abc123");
        assert_eq!(format!("{url:?}"), "SignedUrl(<redacted>)");
        assert!(url.expose_secret().contains("abc123"));
    }

    #[test]
    fn urls_are_used_until_a_margin_before_they_expire() {
        let now = Instant::now();
        assert_eq!(use_until(now, 1), now + Duration::from_secs(45));
        assert_eq!(use_until(now, 60), now + Duration::from_secs(3570));
        let mut batch = UrlBatch::default();
        assert!(batch.get(1, now).is_none());
        batch.replace(3, vec!["a".into(), "b".into()], use_until(now, 2));
        assert_eq!(batch.get(4, now).unwrap().expose_secret(), "b");
        assert!(batch.get(2, now).is_none() && batch.get(5, now).is_none());
        // Expired by the clock: not used any more.
        assert!(batch.get(3, now + Duration::from_secs(91)).is_none());
        assert!(batch.get(3, now + Duration::from_secs(89)).is_some());
        batch.clear();
        assert!(batch.get(3, now).is_none());
    }
}
