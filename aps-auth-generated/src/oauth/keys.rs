//! The issuer's key set (JWKS, RFC 7517), cached per `Cache-Control`, and the choice of the key
//! that may verify a token ([`KeyCache`]). Fetching it is [`OAuthClient::key_set`]'s job (the one
//! way the layer asks for the key set); this file only keeps and reads it.
//!
//! [`OAuthClient::key_set`]: super::OAuthClient

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::CACHE_CONTROL;
use serde_json::Value;

use super::claims::TokenCheck;
use super::error::OAuthError;
use super::flight::SingleFlight;
use super::protocol::{JsonWebKey, JsonWebKeySet};
use crate::ApiResponse;

/// How long a key set is kept when its answer has no `Cache-Control: max-age`.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(300);

/// The one signature algorithm accepted, as JWS and JWK name it.
pub(super) const ALGORITHM: &str = "RS256";

/// The longest a key set is kept, whatever `max-age` says.
const MAX_JWKS_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The issuer's key set, cached; shared by the client's clones.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    cached: Arc<Mutex<Option<CachedKeys>>>,
    flight: Arc<SingleFlight<Arc<CachedKeys>>>,
}

/// A fetched key set, when it came and how long it may be kept.
#[derive(Debug, Clone)]
pub(super) struct CachedKeys {
    keys: JsonWebKeySet,
    fetched: Instant,
    max_age: Duration,
}

impl KeyCache {
    /// The cached key set, fresh or not.
    pub(super) fn cached(&self) -> Option<CachedKeys> {
        self.cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs `fetch` (the key set answer) once for all concurrent callers and caches its set for
    /// as long as its `Cache-Control` allows.
    pub(super) async fn refill<Fut>(&self, fetch: Fut) -> Result<Arc<CachedKeys>, OAuthError>
    where
        Fut: Future<Output = Result<ApiResponse<JsonWebKeySet>, OAuthError>> + Send + 'static,
    {
        let cached = self.cached.clone();
        self.flight
            .run(move || async move {
                let answer = fetch.await?;
                let fetched = CachedKeys {
                    max_age: max_age(answer.headers()),
                    fetched: Instant::now(),
                    keys: answer.into_inner(),
                };
                tracing::debug!(
                    keys = fetched.keys.keys.len(),
                    max_age_s = fetched.max_age.as_secs(),
                    "key set fetched"
                );
                *cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(fetched.clone());
                Ok(Arc::new(fetched))
            })
            .await
    }
}

impl CachedKeys {
    /// Whether the set may still be used without asking again.
    pub(super) fn fresh(&self) -> bool {
        self.fetched.elapsed() < self.max_age
    }

    /// How long ago the set was fetched.
    pub(super) fn age(&self) -> Duration {
        self.fetched.elapsed()
    }

    /// The key that may verify a token signed with `alg` under `kid` (RFC 8725 section 3.1,
    /// RFC 7517 sections 4.2 to 4.4): its `kid`, and meant for this ([`usable_for`]). A key
    /// with the `kid` that is not meant for this is no candidate: [`TokenCheck::KeyUse`] when
    /// no candidate remains, [`TokenCheck::UnknownKey`] when the set has no such `kid`.
    pub(super) fn key(&self, kid: Option<&str>, alg: &str) -> Result<&JsonWebKey, TokenCheck> {
        let named: Vec<&JsonWebKey> = match kid {
            Some(kid) => self
                .keys
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid))
                .collect(),
            // Without a `kid`, only a set of one key says which key it is.
            None => match self.keys.keys.as_slice() {
                [only] => vec![only],
                _ => Vec::new(),
            },
        };
        if named.is_empty() {
            return Err(TokenCheck::UnknownKey);
        }
        named
            .into_iter()
            .find(|k| usable_for(k, alg))
            .ok_or(TokenCheck::KeyUse)
    }
}

/// Whether a key may verify a signature made with `alg` (an RSA algorithm): an RSA key whose
/// `use` is absent or `sig`, whose `key_ops` are absent or include `verify`, and whose `alg` is
/// absent or `alg` (member values are case-sensitive).
fn usable_for(key: &JsonWebKey, alg: &str) -> bool {
    let ops_allow = match key.extra.get("key_ops") {
        None => true,
        Some(Value::Array(ops)) => ops.iter().any(|op| op.as_str() == Some("verify")),
        Some(_) => false,
    };
    key.kty == "RSA"
        && key.use_.as_deref().is_none_or(|u| u == "sig")
        && key.alg.as_deref().is_none_or(|a| a == alg)
        && ops_allow
}

/// `max-age` of a `Cache-Control` header (`no-store`/`no-cache`: zero), clamped to a day.
fn max_age(headers: &reqwest::header::HeaderMap) -> Duration {
    let Some(value) = headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()) else {
        return DEFAULT_JWKS_MAX_AGE;
    };
    let mut age = DEFAULT_JWKS_MAX_AGE;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = lower.strip_prefix("max-age=")
            && let Ok(seconds) = seconds.trim_matches('"').parse::<u64>()
        {
            age = Duration::from_secs(seconds);
        }
    }
    age.min(MAX_JWKS_AGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn cache_control_sets_the_key_sets_age() {
        let mut h = HeaderMap::new();
        assert_eq!(max_age(&h), DEFAULT_JWKS_MAX_AGE);
        h.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=120"),
        );
        assert_eq!(max_age(&h), Duration::from_secs(120));
        h.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("max-age=99999999999"),
        );
        assert_eq!(max_age(&h), MAX_JWKS_AGE);
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        assert_eq!(max_age(&h), Duration::ZERO);
    }
}
