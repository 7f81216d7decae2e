//! [`PendingSignIns`]: the authorization requests of sign-ins in progress, kept server-side
//! between `/login` and `/callback` (their `state`, PKCE verifier and nonce never reach the
//! browser) and taken out exactly once: a replayed callback finds nothing. On Redis when the app
//! has one, so the callback may reach another instance than the login; in memory otherwise.
//!
//! Keys are `aps-auth-webapp:sign-in:<SHA-256 of the sign-in id>`: no id appears in Redis.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use aps_auth_generated::oauth::AuthorizationRequestParts;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::Digest as _;

use crate::cookie::Id;

/// The sign-ins in progress, shared by every instance when on Redis.
pub enum PendingSignIns {
    /// In this process only (one instance).
    Memory(Mutex<HashMap<String, (AuthorizationRequestParts, Instant)>>),
    /// On Redis: every instance sees every sign-in.
    Redis(ConnectionManager),
}

impl std::fmt::Debug for PendingSignIns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PendingSignIns::Memory(_) => "PendingSignIns::Memory",
            PendingSignIns::Redis(_) => "PendingSignIns::Redis",
        })
    }
}

/// The store of sign-ins failed; the message holds no key or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sign-in store: {0}")]
pub struct PendingError(String);

impl PendingSignIns {
    /// In memory.
    pub fn memory() -> Self {
        PendingSignIns::Memory(Mutex::default())
    }

    /// On the Redis server at `url` (connects on first use; 1 s per command).
    pub fn redis(url: &str) -> Result<Self, PendingError> {
        let timeout = Duration::from_secs(1);
        let client = redis::Client::open(url)
            .map_err(|e| PendingError(format!("invalid Redis URL: {}", e.category())))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(timeout))
            .set_number_of_retries(1);
        ConnectionManager::new_lazy_with_config(client, config)
            .map(PendingSignIns::Redis)
            .map_err(|e| PendingError(format!("Redis: {}", e.category())))
    }

    /// Keeps `parts` under the sign-in `id` for `ttl`.
    pub async fn put(
        &self,
        id: &Id,
        parts: &AuthorizationRequestParts,
        ttl: Duration,
    ) -> Result<(), PendingError> {
        let key = key(id);
        match self {
            PendingSignIns::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                map.retain(|_, (_, until)| *until > now);
                map.insert(key, (parts.clone(), now + ttl));
                Ok(())
            }
            PendingSignIns::Redis(connection) => {
                let json = serde_json::to_string(parts)
                    .map_err(|e| PendingError(format!("cannot write the request: {e}")))?;
                let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
                redis::cmd("SET")
                    .arg(&key)
                    .arg(json)
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
        match self {
            PendingSignIns::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(map
                    .remove(&key)
                    .filter(|(_, until)| *until > Instant::now())
                    .map(|(parts, _)| parts))
            }
            PendingSignIns::Redis(connection) => {
                let json: Option<String> = redis::cmd("GETDEL")
                    .arg(&key)
                    .query_async(&mut connection.clone())
                    .await
                    .map_err(|e| failed("GETDEL", &e))?;
                json.map(|json| {
                    serde_json::from_str(&json).map_err(|e| {
                        PendingError(format!(
                            "a stored request does not read: {}",
                            e.classify_name()
                        ))
                    })
                })
                .transpose()
            }
        }
    }
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
    use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient};

    #[tokio::test]
    async fn a_sign_in_is_taken_out_once_and_expires() {
        let client = OAuthClient::builder(Credentials::confidential("id", ClientSecret::new("s")))
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let request = client
            .start_authorization("http://127.0.0.1:1/callback", &"data:read".parse().unwrap())
            .unwrap();
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
