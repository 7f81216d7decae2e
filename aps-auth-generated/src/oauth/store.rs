//! [`TokenStore`]: where tokens live beyond one provider's memory, so that many processes sharing
//! one client id make one token request, and a rotated refresh token is never spent twice.
//! [`MemoryStore`] is the default (one process); `RedisStore` (cargo feature `redis`) serves a
//! fleet.
//!
//! A store keeps [`StoreEntry`] values (a [`StoredToken`] and a version) under [`StoreKey`]s,
//! writes them with a compare-and-set on the version, and hands out locks with an expiry. Keys
//! are hashes: no client id, scope, session id or secret appears in a key.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::stored::StoredToken;

/// What a store's operations return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Shared storage for tokens. Implement it to keep tokens in your own database; the layer calls
/// [`TokenStore::save`] with a rotated refresh token *before* any caller gets the new access
/// token, so a crash after a refresh does not lose the grant.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The entry under `key`, if there is one (an expired entry may be returned or not).
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<StoreEntry>>;

    /// Writes `entry` under `key`, to expire after `ttl`, if the entry there now is as `expected`
    /// says. Returns whether it was written.
    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        entry: &'a StoreEntry,
        expected: Expected,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Takes the lock of `key` for at most `ttl` (it expires then, whatever happened to its
    /// holder); `None` when someone else holds it.
    fn lock<'a>(&'a self, key: &'a StoreKey, ttl: Duration) -> StoreFuture<'a, Option<LockToken>>;

    /// Releases a lock if `lock` still holds it (an expired lock taken by someone else since is
    /// left alone).
    fn unlock<'a>(&'a self, key: &'a StoreKey, lock: &'a LockToken) -> StoreFuture<'a, ()>;

    /// Deletes the entry under `key` if it still has `version` (a token the server refused).
    fn remove<'a>(&'a self, key: &'a StoreKey, version: u64) -> StoreFuture<'a, ()>;
}

/// A store shared by several clients (`Arc<MemoryStore>` for several clients of one process).
impl<T: TokenStore + ?Sized> TokenStore for std::sync::Arc<T> {
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<StoreEntry>> {
        (**self).load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        entry: &'a StoreEntry,
        expected: Expected,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        (**self).save(key, entry, expected, ttl)
    }

    fn lock<'a>(&'a self, key: &'a StoreKey, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        (**self).lock(key, ttl)
    }

    fn unlock<'a>(&'a self, key: &'a StoreKey, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        (**self).unlock(key, lock)
    }

    fn remove<'a>(&'a self, key: &'a StoreKey, version: u64) -> StoreFuture<'a, ()> {
        (**self).remove(key, version)
    }
}

/// The condition of a [`TokenStore::save`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Write whatever is there.
    Any,
    /// Write only if the entry there has this version (0: only if there is none).
    Version(u64),
}

/// A stored token and its version, which every write of a session increases by one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreEntry {
    /// Increased by one at every write of a session (two-legged entries stay at 0). `u64::MAX`
    /// has no successor: the layer never writes it, and treats an entry that has it as absent
    /// (it is overwritten, with a compare-and-set on that very version).
    pub version: u64,
    /// The token.
    pub token: StoredToken,
}

impl StoreEntry {
    /// Whether the version is one the layer cannot build on (`u64::MAX`): a value it did not
    /// write, treated as absent.
    pub(crate) fn is_foreign(&self) -> bool {
        self.version == u64::MAX
    }
}

/// The version written after `version`: one more, or 1 when that would be `u64::MAX` or
/// overflow (only a foreign value gets there; the count starts again).
pub(crate) fn next_version(version: u64) -> u64 {
    version
        .checked_add(1)
        .filter(|next| *next != u64::MAX)
        .unwrap_or(1)
}

/// A key of a [`TokenStore`]: `v1:2l:<hash>` for a two-legged token (client id and scope set),
/// `v1:3l:<hash>` for a user session (client id and session id), `v1:sa:<hash>` for a service
/// account's token (client id, service account id and scope set). The hash is SHA-256, so keys
/// carry nothing readable.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoreKey(String);

impl StoreKey {
    /// The key of the two-legged token of `client_id` for a scope set (`scopes`: the sorted,
    /// deduplicated scope names joined by spaces).
    pub fn two_legged(client_id: &str, scopes: &str) -> Self {
        StoreKey(format!("v1:2l:{}", digest(&[client_id, scopes])))
    }

    /// The key of the token of the service account `account_id` of `client_id` for a scope set
    /// (`scopes` as in [`StoreKey::two_legged`]).
    pub fn service_account(client_id: &str, account_id: &str, scopes: &str) -> Self {
        StoreKey(format!(
            "v1:sa:{}",
            digest(&[client_id, account_id, scopes])
        ))
    }

    /// The key of the user session `session_id` of `client_id`.
    pub fn session(client_id: &str, session_id: &str) -> Self {
        StoreKey(format!("v1:3l:{}", digest(&[client_id, session_id])))
    }

    /// The key as text (what a store writes under, after its own prefix).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreKey({})", self.0)
    }
}

fn digest(parts: &[&str]) -> String {
    let mut hash = sha2::Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Proof of holding a lock: a random value only its taker knows. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct LockToken(String);

impl LockToken {
    /// A new random lock value.
    pub fn generate() -> Result<Self, StoreError> {
        super::secrets::random_unreserved(32)
            .map(LockToken)
            .map_err(|e| StoreError::new(format!("no randomness for a lock value: {e}")))
    }

    /// The value, for a store implementation to write.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LockToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockToken([redacted])")
    }
}

/// A store failed (unreachable, timed out, answered garbage). The message never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// An error with a message (which must not contain a secret).
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
        }
    }
}

/// The default store: a map in this process's memory. Tokens are shared by every provider and
/// session of the clients that hold this store, and by nothing else.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    entries: HashMap<StoreKey, (StoreEntry, Instant)>,
    locks: HashMap<StoreKey, (LockToken, Instant)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut MemoryInner, Instant) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        inner.entries.retain(|_, (_, until)| *until > now);
        inner.locks.retain(|_, (_, until)| *until > now);
        f(&mut inner, now)
    }
}

/// `now + ttl`, saturating far in the future instead of overflowing.
fn deadline(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl)
        .or_else(|| now.checked_add(super::protocol::MAX_LIFETIME))
        .unwrap_or(now)
}

impl TokenStore for MemoryStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<StoreEntry>> {
        let entry = self.with(|inner, _| inner.entries.get(key).map(|(e, _)| e.clone()));
        Box::pin(async move { Ok(entry) })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        entry: &'a StoreEntry,
        expected: Expected,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let written = self.with(|inner, now| {
            let current = inner.entries.get(key).map_or(0, |(e, _)| e.version);
            if matches!(expected, Expected::Version(v) if v != current) {
                return false;
            }
            inner
                .entries
                .insert(key.clone(), (entry.clone(), deadline(now, ttl)));
            true
        });
        Box::pin(async move { Ok(written) })
    }

    fn lock<'a>(&'a self, key: &'a StoreKey, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        let taken = LockToken::generate().map(|lock| {
            self.with(|inner, now| {
                if inner.locks.contains_key(key) {
                    return None;
                }
                inner
                    .locks
                    .insert(key.clone(), (lock.clone(), deadline(now, ttl)));
                Some(lock)
            })
        });
        Box::pin(async move { taken })
    }

    fn unlock<'a>(&'a self, key: &'a StoreKey, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        self.with(|inner, _| {
            if inner.locks.get(key).is_some_and(|(held, _)| held == lock) {
                inner.locks.remove(key);
            }
        });
        Box::pin(async move { Ok(()) })
    }

    fn remove<'a>(&'a self, key: &'a StoreKey, version: u64) -> StoreFuture<'a, ()> {
        self.with(|inner, _| {
            if inner
                .entries
                .get(key)
                .is_some_and(|(e, _)| e.version == version)
            {
                inner.entries.remove(key);
            }
        });
        Box::pin(async move { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_what_they_are_made_of() {
        let key = StoreKey::two_legged("my-client-id", "data:read");
        assert!(!key.as_str().contains("my-client-id") && !key.as_str().contains("data"));
        assert_ne!(key, StoreKey::two_legged("my-client-i", "ddata:read"));
        assert_ne!(key, StoreKey::session("my-client-id", "data:read"));
        let account = StoreKey::service_account("my-client-id", "account-1", "data:read");
        assert!(account.as_str().starts_with("v1:sa:") && !account.as_str().contains("account"));
        assert_ne!(
            account,
            StoreKey::service_account("my-client-id", "account-2", "data:read")
        );
        assert_eq!(
            format!("{:?}", LockToken::generate().unwrap()),
            "LockToken([redacted])"
        );
    }

    #[test]
    fn versions_from_a_store_never_overflow() {
        assert_eq!(next_version(0), 1);
        assert_eq!(next_version(41), 42);
        assert_eq!(next_version(u64::MAX - 1), 1);
        assert_eq!(next_version(u64::MAX), 1);
        let token: StoredToken = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_at_ms":0,"lifetime_s":0}"#,
        )
        .unwrap();
        let entry = |version| StoreEntry {
            version,
            token: token.clone(),
        };
        assert!(entry(u64::MAX).is_foreign());
        assert!(!entry(u64::MAX - 1).is_foreign() && !entry(0).is_foreign());
    }

    #[tokio::test]
    async fn memory_store_compares_versions_and_expires_locks() {
        let store = MemoryStore::new();
        let key = StoreKey::session("c", "s");
        let token: StoredToken = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_at_ms":0,"lifetime_s":0}"#,
        )
        .unwrap();
        let v1 = StoreEntry {
            version: 1,
            token: token.clone(),
        };
        let ttl = Duration::from_secs(60);
        assert!(
            store
                .save(&key, &v1, Expected::Version(0), ttl)
                .await
                .unwrap()
        );
        assert!(
            !store
                .save(&key, &v1, Expected::Version(0), ttl)
                .await
                .unwrap()
        );
        assert_eq!(store.load(&key).await.unwrap().unwrap().version, 1);

        let lock = store
            .lock(&key, Duration::from_millis(30))
            .await
            .unwrap()
            .unwrap();
        assert!(store.lock(&key, ttl).await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(60)).await;
        let other = store.lock(&key, ttl).await.unwrap().unwrap();
        // The expired holder cannot release the new holder's lock.
        store.unlock(&key, &lock).await.unwrap();
        assert!(store.lock(&key, ttl).await.unwrap().is_none());
        store.unlock(&key, &other).await.unwrap();
        assert!(store.lock(&key, ttl).await.unwrap().is_some());
    }
}
