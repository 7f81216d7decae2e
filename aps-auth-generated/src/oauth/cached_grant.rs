//! [`CachedGrant`]: the cache behind every provider of tokens that are fetched again rather than
//! refreshed (client credentials, a service account's JWT-bearer grant). One token per scope
//! set, renewed ahead of expiry, fetched once however many tasks ask at the same time
//! ([`SingleFlight`]) and, through a shared [`TokenStore`](super::TokenStore), once however
//! many processes ask ([`coordinate`]). A refused token is found by its fingerprint, so
//! forgetting it touches its own scope set only.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sha2::Digest as _;

use super::client::OAuthClient;
use super::coordinate::{self, Done, Outcome};
use super::error::OAuthError;
use super::flight::SingleFlight;
use super::store::{Expected, StoreEntry, StoreKey};
use super::token::Token;
use crate::Scopes;

/// How one kind of grant gets a token, and where the fleet keeps it.
pub(super) trait Grant: Clone + Send + Sync + 'static {
    /// The client the grant's requests go through.
    fn client(&self) -> &OAuthClient;

    /// The store key of the token for the scope set `name` ([`cache_key`]).
    fn store_key(&self, name: &str) -> StoreKey;

    /// Asks the server for a new token for `scopes`.
    fn request(&self, scopes: &Scopes) -> impl Future<Output = Result<Token, OAuthError>> + Send;
}

/// A [`Grant`]'s tokens, cached per scope set. Cheap to clone; clones share the cache.
#[derive(Debug, Clone)]
pub(super) struct CachedGrant<G> {
    grant: G,
    slots: Arc<Mutex<Slots>>,
}

/// The slots by scope set, and which scope set each cached token belongs to.
#[derive(Default)]
struct Slots {
    by_scopes: HashMap<String, Arc<Slot>>,
    /// SHA-256 of a cached access token -> its scope set: no secret is kept twice.
    by_token: HashMap<[u8; 32], String>,
}

impl std::fmt::Debug for Slots {
    /// The slots (whose tokens show redacted); not the fingerprints, which would let a reader
    /// confirm a guessed token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slots")
            .field("by_scopes", &self.by_scopes)
            .finish_non_exhaustive()
    }
}

/// The cached token of one scope set, and the attempt in flight to renew it.
#[derive(Debug, Default)]
struct Slot {
    cached: Mutex<Option<Token>>,
    flight: Arc<SingleFlight<Token>>,
}

impl Slot {
    fn cached(&self) -> MutexGuard<'_, Option<Token>> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self, client: &OAuthClient) -> Option<Token> {
        self.cached()
            .as_ref()
            .filter(|t| !t.expires_within(client.expiry_margin()))
            .cloned()
    }
}

fn fingerprint(access_token: &str) -> [u8; 32] {
    sha2::Sha256::digest(access_token.as_bytes()).into()
}

impl<G: Grant> CachedGrant<G> {
    pub(super) fn new(grant: G) -> Self {
        CachedGrant {
            grant,
            slots: Arc::default(),
        }
    }

    /// The grant.
    pub(super) fn grant(&self) -> &G {
        &self.grant
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A valid token for `scopes` (from the cache when possible).
    pub(super) async fn token(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let name = cache_key(scopes);
        let slot = self
            .slots()
            .by_scopes
            .entry(name.clone())
            .or_default()
            .clone();
        if let Some(token) = slot.fresh(self.grant.client()) {
            return Ok(token);
        }
        let (this, scopes) = (self.clone(), scopes.clone());
        let flight = slot.flight.clone();
        flight
            .run(move || async move {
                // An attempt that ended just before this one started may have filled the cache.
                if let Some(token) = slot.fresh(this.grant.client()) {
                    return Ok(token);
                }
                let token = this.fetch(&name, &scopes).await?;
                this.keep(&name, &slot, token.clone());
                Ok(token)
            })
            .await
    }

    /// Caches `token` as the slot `name`'s, replacing the previous one in the index too.
    fn keep(&self, name: &str, slot: &Slot, token: Token) {
        let mut slots = self.slots();
        let mut cached = slot.cached();
        if let Some(old) = cached.as_ref() {
            slots
                .by_token
                .remove(&fingerprint(old.access_token().expose_secret()));
        }
        slots.by_token.insert(
            fingerprint(token.access_token().expose_secret()),
            name.to_owned(),
        );
        *cached = Some(token);
    }

    /// Forgets `token` (the server refused it): from the cache of its scope set and from the
    /// token store. A token this cache never handed out is left alone.
    pub(super) async fn forget(&self, token: &str) {
        let print = fingerprint(token);
        let found = {
            let mut slots = self.slots();
            let name = slots.by_token.remove(&print);
            name.and_then(|name| Some((slots.by_scopes.get(&name)?.clone(), name)))
        };
        let Some((slot, name)) = found else {
            return;
        };
        {
            let mut cached = slot.cached();
            if cached
                .as_ref()
                .is_some_and(|t| fingerprint(t.access_token().expose_secret()) == print)
            {
                *cached = None;
            }
        }
        let key = self.grant.store_key(&name);
        let store = self.grant.client().token_store();
        match store.load(&key).await {
            Ok(Some(entry)) if entry.token.access_token().expose_secret() == token => {
                if let Err(e) = store.remove(&key, entry.version).await {
                    tracing::warn!(key = ?key, error = %e, "cannot remove a refused token from the store");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(key = ?key, error = %e, "token store unavailable"),
        }
    }

    /// Drops every cached token (the next `token` call asks the store, then the server).
    /// Entries in a shared store stay.
    pub(super) fn clear(&self) {
        let mut slots = self.slots();
        slots.by_scopes.clear();
        slots.by_token.clear();
    }

    /// A token from the store when another process fetched one, else from the server (saved
    /// for the others).
    async fn fetch(&self, name: &str, scopes: &Scopes) -> Result<Token, OAuthError> {
        let client = self.grant.client();
        let key = self.grant.store_key(name);
        let margin = client.expiry_margin();
        let usable =
            |entry: &StoreEntry| !Token::from_stored(entry.token.clone()).expires_within(margin);
        let outcome = coordinate::once(client, &key, usable, |_| async {
            let token = self.grant.request(scopes).await?;
            let entry = StoreEntry {
                version: 0,
                token: token.to_stored(),
            };
            let ttl = token.expires_in();
            Ok(Done {
                save: (!ttl.is_zero()).then_some((entry, Expected::Any, ttl)),
                token,
            })
        })
        .await?;
        Ok(match outcome {
            Outcome::Found(entry) => Token::from_stored(entry.token),
            Outcome::Did(token, _) => token,
        })
    }
}

/// Scope sets, not lists: order and repetition do not matter.
pub(super) fn cache_key(scopes: &Scopes) -> String {
    let mut names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

#[cfg(test)]
mod tests {
    use super::{cache_key, fingerprint};

    #[test]
    fn scope_order_and_repeats_share_a_cache_entry() {
        let a = "data:read bucket:read data:read".parse().unwrap();
        let b = "bucket:read data:read".parse().unwrap();
        assert_eq!(cache_key(&a), cache_key(&b));
    }

    #[test]
    fn fingerprints_tell_tokens_apart_and_stay_out_of_debug() {
        assert_eq!(fingerprint("a"), fingerprint("a"));
        assert_ne!(fingerprint("a"), fingerprint("b"));
        let mut slots = super::Slots::default();
        slots.by_token.insert(fingerprint("a"), "data:read".into());
        let shown = format!("{slots:?}");
        assert!(!shown.contains("by_token"), "{shown}");
    }
}
