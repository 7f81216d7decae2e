//! [`EncryptedStore`] (cargo feature `encryption`): any [`TokenStore`] with its entries sealed
//! under the application's [`KeyRing`], so the store (Redis, a database) never holds a token in
//! clear.
//!
//! What the inner store gets is a [`StoreEntry`] of the same version whose token is a sealed
//! stand-in: token type `aps-auth-sealed`, the envelope (`v1.<key id>.<nonce>.<ciphertext>`,
//! see `encryption.rs`) as its access token, expired since the epoch, no refresh or ID token,
//! no scope. The whole [`StoredToken`] (tokens, scopes, expiry, extra fields) is the ciphertext.
//! A reader without the wrapper sees an expired token that cannot be refreshed, never a token
//! to send. The envelope's associated data holds the store key and the entry's version: an
//! entry copied to another key, or whose version was changed, does not open.
//!
//! An entry that does not open ([`EntryRefused`]) is logged (its key and the reason, no
//! content) and treated as absent: a session must sign in again, a two-legged token is asked
//! for again. As with a version the layer never writes, such an entry is overwritten by the
//! next write that expects none ([`Expected::Version`]`(0)`), compared on its own version.
//! Versions, locks and removals are the inner store's, unchanged.
//!
//! The inner store's own prefix is not bound (the wrapper does not see it): applications that
//! share a store, a client id and session ids should not share a key ring either.

use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroize as _;

use super::encryption::{EntryRefused, KeyRing, Purpose};
use super::protocol::ExtraFields;
use super::store::{
    Expected, LockToken, StoreEntry, StoreError, StoreFuture, StoreKey, TokenStore,
};
use super::stored::StoredToken;
use crate::SecretString;

/// The token type of a sealed stand-in.
const SEALED_TOKEN_TYPE: &str = "aps-auth-sealed";

/// A [`TokenStore`] whose entries are encrypted at rest with XChaCha20-Poly1305 under the
/// application's [`KeyRing`]: writes seal with the ring's current key, reads open with any key
/// of the ring (so keys rotate without signing anyone out). Entries that do not open are
/// treated as absent. Cheap to clone when the inner store is.
///
/// ```no_run
/// # #[cfg(feature = "redis")]
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use aps_auth_generated::oauth::{
///     ClientSecret, Credentials, EncryptedStore, KeyRing, OAuthClient, RedisStore,
/// };
///
/// // `2:<base64 of 32 bytes>,1:<the previous key>`: the current key first.
/// let keys = KeyRing::parse(&std::env::var("APS_TOKEN_KEYS")?)?;
/// let store = EncryptedStore::new(RedisStore::new("redis://127.0.0.1/")?, keys);
/// let client = OAuthClient::builder(Credentials::confidential("id", ClientSecret::new("secret")))
///     .token_store(store)
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EncryptedStore<S> {
    inner: S,
    keys: Arc<KeyRing>,
}

impl<S: TokenStore> EncryptedStore<S> {
    /// `inner`, with every entry sealed under `keys`.
    pub fn new(inner: S, keys: KeyRing) -> Self {
        EncryptedStore {
            inner,
            keys: Arc::new(keys),
        }
    }

    /// The store that holds the sealed entries.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The key ring.
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// The entry under `key`, opened; or why it was refused. [`TokenStore::load`] is this with a
    /// refused entry logged and read as absent.
    pub async fn load_verified(
        &self,
        key: &StoreKey,
    ) -> Result<Option<StoreEntry>, EncryptedStoreError> {
        match self.inner.load(key).await? {
            None => Ok(None),
            Some(entry) => Ok(Some(open_entry(&self.keys, key, entry)?)),
        }
    }

    /// The condition for a write that expects no entry: none, or the version of one that does
    /// not open (it counts as absent, and is replaced only if it is still the same).
    async fn expect_absent(&self, key: &StoreKey) -> Result<Expected, StoreError> {
        Ok(match self.inner.load(key).await? {
            Some(entry) => {
                let version = entry.version;
                match open_entry(&self.keys, key, entry) {
                    Ok(_) => Expected::Version(0),
                    Err(_) => Expected::Version(version),
                }
            }
            None => Expected::Version(0),
        })
    }
}

/// What the inner store's [`StoreEntry`] holds in place of the token: see the module docs.
fn seal_entry(
    keys: &KeyRing,
    key: &StoreKey,
    entry: &StoreEntry,
) -> Result<StoreEntry, StoreError> {
    let mut json = serde_json::to_vec(&entry.token)
        .map_err(|e| StoreError::new(format!("cannot encode the token: {}", e.classify() as u8)))?;
    let sealed = keys.seal_for(Purpose::StoreEntry, &context(key, entry.version), &json);
    json.zeroize();
    let sealed = sealed.map_err(|e| StoreError::new(format!("cannot encrypt the entry: {e}")))?;
    Ok(StoreEntry {
        version: entry.version,
        token: StoredToken {
            access_token: SecretString::new(sealed),
            token_type: SEALED_TOKEN_TYPE.into(),
            expires_at_ms: 0,
            lifetime_s: 0,
            scope: String::new(),
            refresh_token: None,
            id_token: None,
            extra: ExtraFields::default(),
        },
    })
}

/// The entry a sealed stand-in holds, or why it does not open.
fn open_entry(
    keys: &KeyRing,
    key: &StoreKey,
    entry: StoreEntry,
) -> Result<StoreEntry, EntryRefused> {
    let stand_in = &entry.token;
    if stand_in.token_type != SEALED_TOKEN_TYPE
        || stand_in.refresh_token.is_some()
        || stand_in.id_token.is_some()
    {
        return Err(EntryRefused::NotSealed);
    }
    let mut plaintext = keys.open_for(
        Purpose::StoreEntry,
        &context(key, entry.version),
        stand_in.access_token.expose_secret(),
    )?;
    let token =
        serde_json::from_slice::<StoredToken>(&plaintext).map_err(|e| EntryRefused::Undecodable {
            line: e.line(),
            column: e.column(),
        });
    plaintext.zeroize();
    Ok(StoreEntry {
        version: entry.version,
        token: token?,
    })
}

/// Where an entry is: the store key and the entry's version, length-prefixed.
fn context(key: &StoreKey, version: u64) -> Vec<u8> {
    let key = key.as_str().as_bytes();
    let mut context = Vec::with_capacity(16 + key.len());
    context.extend_from_slice(&(key.len() as u64).to_be_bytes());
    context.extend_from_slice(key);
    context.extend_from_slice(&version.to_be_bytes());
    context
}

impl<S: TokenStore> TokenStore for EncryptedStore<S> {
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<StoreEntry>> {
        Box::pin(async move {
            match self.load_verified(key).await {
                Ok(entry) => Ok(entry),
                Err(EncryptedStoreError::Store(e)) => Err(e),
                Err(EncryptedStoreError::Refused(refused)) => {
                    tracing::warn!(key = ?key, reason = %refused, "a token store entry was refused; treated as absent");
                    Ok(None)
                }
            }
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        entry: &'a StoreEntry,
        expected: Expected,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let sealed = seal_entry(&self.keys, key, entry)?;
            let expected = match expected {
                Expected::Version(0) => self.expect_absent(key).await?,
                other => other,
            };
            self.inner.save(key, &sealed, expected, ttl).await
        })
    }

    fn lock<'a>(&'a self, key: &'a StoreKey, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        self.inner.lock(key, ttl)
    }

    fn unlock<'a>(&'a self, key: &'a StoreKey, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        self.inner.unlock(key, lock)
    }

    fn remove<'a>(&'a self, key: &'a StoreKey, version: u64) -> StoreFuture<'a, ()> {
        self.inner.remove(key, version)
    }
}

/// Why [`EncryptedStore::load_verified`] has no entry to give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptedStoreError {
    /// The inner store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The entry is there but does not open.
    #[error("token store entry refused: {0}")]
    Refused(#[from] EntryRefused),
}

#[cfg(test)]
mod tests {
    use super::super::encryption::EncryptionKey;
    use super::super::store::MemoryStore;
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    fn ring(id: &str, byte: u8) -> KeyRing {
        KeyRing::new(id, EncryptionKey::from_bytes([byte; 32])).unwrap()
    }

    fn entry(version: u64, access: &str) -> StoreEntry {
        let token = serde_json::from_value(serde_json::json!({
            "access_token": access, "token_type": "Bearer", "expires_at_ms": 4_000_000_000_000u64,
            "lifetime_s": 3600, "scope": "data:read", "refresh_token": "the-refresh-token"
        }))
        .unwrap();
        StoreEntry { version, token }
    }

    #[tokio::test]
    async fn entries_round_trip_sealed_and_keep_versions_locks_and_removal() {
        let store = EncryptedStore::new(Arc::new(MemoryStore::new()), ring("a", 1));
        let key = StoreKey::session("client", "user");
        assert!(
            store
                .save(&key, &entry(1, "at-1"), Expected::Version(0), TTL)
                .await
                .unwrap()
        );
        // The inner store holds a stand-in: nothing in clear, no usable token, the same version.
        let raw = store.inner().load(&key).await.unwrap().unwrap();
        assert_eq!(raw.version, 1);
        let json = serde_json::to_string(&raw.token).unwrap();
        for clear in ["at-1", "the-refresh-token", "data:read", "Bearer"] {
            assert!(!json.contains(clear), "{json}");
        }
        assert!(!raw.token.has_refresh_token() && raw.token.expires_at_ms == 0);
        assert_eq!(store.load(&key).await.unwrap(), Some(entry(1, "at-1")));
        // Compare-and-set on the version, as the inner store does it.
        assert!(
            !store
                .save(&key, &entry(2, "x"), Expected::Version(0), TTL)
                .await
                .unwrap()
        );
        assert!(
            !store
                .save(&key, &entry(2, "x"), Expected::Version(7), TTL)
                .await
                .unwrap()
        );
        assert!(
            store
                .save(&key, &entry(2, "at-2"), Expected::Version(1), TTL)
                .await
                .unwrap()
        );
        assert!(
            store
                .save(&key, &entry(3, "at-3"), Expected::Any, TTL)
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .load(&key)
                .await
                .unwrap()
                .unwrap()
                .token
                .access_token()
                .expose_secret(),
            "at-3"
        );
        // Locks are the inner store's.
        let lock = store.lock(&key, TTL).await.unwrap().unwrap();
        assert!(store.inner().lock(&key, TTL).await.unwrap().is_none());
        store.unlock(&key, &lock).await.unwrap();
        assert!(store.inner().lock(&key, TTL).await.unwrap().is_some());
        // Removal compares the version.
        store.remove(&key, 2).await.unwrap();
        assert!(store.load(&key).await.unwrap().is_some());
        store.remove(&key, 3).await.unwrap();
        assert_eq!(store.load(&key).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_refused_entry_is_absent_and_overwritten_only_while_it_is_the_same() {
        let memory = Arc::new(MemoryStore::new());
        let store = EncryptedStore::new(memory.clone(), ring("a", 1));
        let (key, other) = (StoreKey::session("c", "u1"), StoreKey::session("c", "u2"));
        assert!(
            store
                .save(&key, &entry(5, "at-5"), Expected::Any, TTL)
                .await
                .unwrap()
        );
        // Moved to another key: refused, typed, and absent through the trait.
        let raw = memory.load(&key).await.unwrap().unwrap();
        assert!(memory.save(&other, &raw, Expected::Any, TTL).await.unwrap());
        assert_eq!(
            store.load_verified(&other).await,
            Err(EncryptedStoreError::Refused(EntryRefused::Tampered))
        );
        assert_eq!(store.load(&other).await.unwrap(), None);
        // Its version changed in place: refused too.
        let bumped = StoreEntry {
            version: 6,
            ..raw.clone()
        };
        assert!(
            memory
                .save(&key, &bumped, Expected::Any, TTL)
                .await
                .unwrap()
        );
        assert_eq!(
            store.load_verified(&key).await,
            Err(EncryptedStoreError::Refused(EntryRefused::Tampered))
        );
        // A token in clear is not taken either.
        assert!(
            memory
                .save(&key, &entry(6, "planted"), Expected::Any, TTL)
                .await
                .unwrap()
        );
        assert_eq!(
            store.load_verified(&key).await,
            Err(EncryptedStoreError::Refused(EntryRefused::NotSealed))
        );
        // A write expecting nothing replaces the refused entry...
        assert!(
            store
                .save(&key, &entry(1, "fresh"), Expected::Version(0), TTL)
                .await
                .unwrap()
        );
        assert_eq!(store.load(&key).await.unwrap(), Some(entry(1, "fresh")));
        // ...but not a readable one, and another ring reads this one as absent.
        assert!(
            !store
                .save(&key, &entry(1, "x"), Expected::Version(0), TTL)
                .await
                .unwrap()
        );
        let stranger = EncryptedStore::new(memory.clone(), ring("b", 2));
        assert_eq!(
            stranger.load_verified(&key).await,
            Err(EncryptedStoreError::Refused(EntryRefused::UnknownKey {
                key_id: "a".into()
            }))
        );
        assert!(
            stranger
                .save(&key, &entry(1, "theirs"), Expected::Version(0), TTL)
                .await
                .unwrap()
        );
        assert_eq!(stranger.load(&key).await.unwrap(), Some(entry(1, "theirs")));
        assert_eq!(store.load(&key).await.unwrap(), None);
    }
}
