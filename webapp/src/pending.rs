//! [`PendingSignIns`]: the authorization requests of sign-ins in progress, kept server-side
//! between `/login` and `/callback` (their `state`, PKCE verifier and nonce never reach the
//! browser) and taken out exactly once: a replayed callback finds nothing. On Redis when the app
//! has one, so the callback may reach another instance than the login; in memory otherwise.
//!
//! Keys are `aps-auth-webapp:sign-in:<SHA-256 of the sign-in id>`: no id appears in Redis. With
//! the app's key ring the value is sealed ([`KeyRing::seal`], the Redis key as its context, so
//! a value moved to another sign-in's key does not open); a value that does not open is logged
//! and treated as absent, never used. In memory the parts stay in the process, unsealed.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use aps_auth_generated::oauth::{AuthorizationRequestParts, KeyRing};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::Digest as _;

use crate::cookie::Id;

/// The sign-ins in progress, shared by every instance when on Redis.
pub struct PendingSignIns {
    backend: Backend,
    /// Seals the values on Redis when set.
    keys: Option<KeyRing>,
}

enum Backend {
    /// In this process only (one instance).
    Memory(Mutex<HashMap<String, (AuthorizationRequestParts, Instant)>>),
    /// On Redis: every instance sees every sign-in.
    Redis(ConnectionManager),
}

impl std::fmt::Debug for PendingSignIns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIns")
            .field(
                "on",
                &match self.backend {
                    Backend::Memory(_) => "memory",
                    Backend::Redis(_) => "Redis",
                },
            )
            .field("sealed", &self.keys.is_some())
            .finish()
    }
}

/// The store of sign-ins failed; the message holds no key or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sign-in store: {0}")]
pub struct PendingError(String);

impl PendingSignIns {
    /// In memory.
    pub fn memory() -> Self {
        PendingSignIns {
            backend: Backend::Memory(Mutex::default()),
            keys: None,
        }
    }

    /// On the Redis server at `url` (connects on first use; 1 s per command), the values sealed
    /// under `keys` when given (in clear otherwise).
    pub fn redis(url: &str, keys: Option<KeyRing>) -> Result<Self, PendingError> {
        let timeout = Duration::from_secs(1);
        let client = redis::Client::open(url)
            .map_err(|e| PendingError(format!("invalid Redis URL: {}", e.category())))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(timeout))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| PendingError(format!("Redis: {}", e.category())))?;
        Ok(PendingSignIns {
            backend: Backend::Redis(connection),
            keys,
        })
    }

    /// Keeps `parts` under the sign-in `id` for `ttl`.
    pub async fn put(
        &self,
        id: &Id,
        parts: &AuthorizationRequestParts,
        ttl: Duration,
    ) -> Result<(), PendingError> {
        let key = key(id);
        match &self.backend {
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                map.retain(|_, (_, until)| *until > now);
                map.insert(key, (parts.clone(), now + ttl));
                Ok(())
            }
            Backend::Redis(connection) => {
                let value = encode(self.keys.as_ref(), &key, parts)?;
                let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
                redis::cmd("SET")
                    .arg(&key)
                    .arg(value)
                    .arg("PX")
                    .arg(millis)
                    .query_async::<()>(&mut connection.clone())
                    .await
                    .map_err(|e| failed("SET", &e))
            }
        }
    }

    /// Takes the parts kept under `id` out (read and delete in one step), if they are there and
    /// not expired.
    pub async fn take(&self, id: &Id) -> Result<Option<AuthorizationRequestParts>, PendingError> {
        let key = key(id);
        match &self.backend {
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(map
                    .remove(&key)
                    .filter(|(_, until)| *until > Instant::now())
                    .map(|(parts, _)| parts))
            }
            Backend::Redis(connection) => {
                let value: Option<String> = redis::cmd("GETDEL")
                    .arg(&key)
                    .query_async(&mut connection.clone())
                    .await
                    .map_err(|e| failed("GETDEL", &e))?;
                match value {
                    Some(value) => decode(self.keys.as_ref(), &key, &value),
                    None => Ok(None),
                }
            }
        }
    }
}

/// What Redis keeps under `key` for `parts`: their JSON, sealed under `keys` when given.
fn encode(
    keys: Option<&KeyRing>,
    key: &str,
    parts: &AuthorizationRequestParts,
) -> Result<String, PendingError> {
    let json = serde_json::to_string(parts)
        .map_err(|e| PendingError(format!("cannot write the request: {}", e.classify_name())))?;
    match keys {
        Some(keys) => keys
            .seal(key.as_bytes(), json.as_bytes())
            .map_err(|e| PendingError(format!("cannot seal the request: {e}"))),
        None => Ok(json),
    }
}

/// The parts Redis kept under `key`. With `keys`, a value that does not open under this key
/// (written in clear, modified, moved from another key, sealed by a key not in the ring) is
/// logged and absent: that sign-in must start again.
fn decode(
    keys: Option<&KeyRing>,
    key: &str,
    value: &str,
) -> Result<Option<AuthorizationRequestParts>, PendingError> {
    let json = match keys {
        Some(keys) => match keys.open(key.as_bytes(), value) {
            Ok(json) => json,
            Err(refused) => {
                tracing::warn!(reason = %refused, "a stored sign-in was refused; treated as absent");
                return Ok(None);
            }
        },
        None => value.as_bytes().to_vec(),
    };
    serde_json::from_slice(&json).map(Some).map_err(|e| {
        PendingError(format!(
            "a stored request does not read: {}",
            e.classify_name()
        ))
    })
}

/// The Redis key of a sign-in id: its SHA-256, never the id.
fn key(id: &Id) -> String {
    let hash = sha2::Sha256::digest(id.as_str().as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("aps-auth-webapp:sign-in:{hex}")
}

/// A Redis failure in words that carry nothing sent or stored.
fn failed(command: &str, error: &redis::RedisError) -> PendingError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_io_error() || error.is_connection_refusal() {
        "connection failed"
    } else {
        error.category()
    };
    PendingError(format!("Redis {command}: {kind}"))
}

/// serde_json's error class as a word (its message may quote the value).
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "wrong fields",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aps_auth_generated::oauth::{
        AuthorizationRequest, ClientSecret, Credentials, EncryptionKey, OAuthClient,
    };

    fn request() -> AuthorizationRequest {
        let client = OAuthClient::builder(Credentials::confidential("id", ClientSecret::new("s")))
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        client
            .start_authorization("http://127.0.0.1:1/callback", &"data:read".parse().unwrap())
            .unwrap()
    }

    #[test]
    fn sealed_parts_hold_no_secret_and_open_only_under_their_key() {
        let parts = request().to_parts();
        let json = serde_json::to_value(&parts).unwrap();
        // The nonce is there only when `openid` is asked for.
        let secrets: Vec<String> = ["state", "verifier", "nonce"]
            .iter()
            .filter_map(|field| json[field].as_str().map(str::to_owned))
            .collect();
        assert!(secrets.len() >= 2, "{secrets:?}");
        let ring =
            |id: &str, byte| KeyRing::new(id, EncryptionKey::from_bytes([byte; 32])).unwrap();
        let keys = ring("1", 7);
        let (here, there) = (key(&Id::generate().unwrap()), key(&Id::generate().unwrap()));

        let sealed = encode(Some(&keys), &here, &parts).unwrap();
        assert!(sealed.starts_with("v1.1."), "{sealed}");
        for secret in &secrets {
            assert!(!sealed.contains(secret.as_str()));
        }
        assert_eq!(
            decode(Some(&keys), &here, &sealed).unwrap(),
            Some(parts.clone())
        );
        // Moved to another sign-in's key, modified, under another key, or in clear: absent.
        assert_eq!(decode(Some(&keys), &there, &sealed).unwrap(), None);
        let mut modified = sealed.clone().into_bytes();
        let last = modified.len() - 1;
        modified[last] = if modified[last] == b'A' { b'B' } else { b'A' };
        let modified = String::from_utf8(modified).unwrap();
        assert_eq!(decode(Some(&keys), &here, &modified).unwrap(), None);
        assert_eq!(decode(Some(&ring("1", 8)), &here, &sealed).unwrap(), None);
        let clear = encode(None, &here, &parts).unwrap();
        assert!(
            clear.contains(secrets[1].as_str()),
            "without keys: JSON in clear"
        );
        assert_eq!(decode(Some(&keys), &here, &clear).unwrap(), None);
        assert_eq!(decode(None, &here, &clear).unwrap(), Some(parts.clone()));
        // A ring whose older key sealed it still opens it (rotation).
        let rotated = ring("2", 9).with_previous("1", EncryptionKey::from_bytes([7; 32]));
        assert_eq!(
            decode(Some(&rotated.unwrap()), &here, &sealed).unwrap(),
            Some(parts)
        );
    }

    #[tokio::test]
    async fn a_sign_in_is_taken_out_once_and_expires() {
        let request = request();
        let store = PendingSignIns::memory();
        let (id, other) = (Id::generate().unwrap(), Id::generate().unwrap());
        assert!(!key(&id).contains(id.as_str()));
        store
            .put(&id, &request.to_parts(), Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.take(&other).await.unwrap(), None);
        assert_eq!(store.take(&id).await.unwrap(), Some(request.to_parts()));
        assert_eq!(store.take(&id).await.unwrap(), None, "taken once");
        store
            .put(&id, &request.to_parts(), Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(store.take(&id).await.unwrap(), None, "expired");
    }
}
