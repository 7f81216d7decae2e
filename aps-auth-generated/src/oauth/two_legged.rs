//! [`TwoLeggedProvider`]: client-credentials tokens, cached per scope set, renewed ahead of
//! expiry, fetched once however many tasks ask at the same time, and, through a shared
//! [`TokenStore`](super::TokenStore), once however many processes ask.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::client::OAuthClient;
use super::coordinate::{self, Done, Outcome};
use super::error::OAuthError;
use super::flight::SingleFlight;
use super::retry::Repeat;
use super::store::{Expected, StoreEntry, StoreKey};
use super::token::Token;
use crate::Scopes;

/// Two-legged (client credentials) tokens for one application.
///
/// `token(scopes)` returns a cached token while it has more than the client's expiry margin
/// left (at most half its lifetime), else gets a new one: from the client's token store when
/// another process already fetched it, else from the server. Callers that find the cache stale
/// at the same time share one attempt, and its error when it fails. Cheap to clone; clones share
/// the cache.
#[derive(Debug, Clone)]
pub struct TwoLeggedProvider {
    client: OAuthClient,
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
}

/// The cached token of one scope set, and the attempt in flight to renew it (also the cache of
/// [`super::SsaProvider`]).
#[derive(Debug, Default)]
pub(super) struct Slot {
    pub(super) cached: Mutex<Option<Token>>,
    pub(super) flight: Arc<SingleFlight<Token>>,
}

impl Slot {
    pub(super) fn fresh(&self, client: &OAuthClient) -> Option<Token> {
        self.cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|t| !t.expires_within(client.expiry_margin()))
            .cloned()
    }
}

impl TwoLeggedProvider {
    pub(crate) fn new(client: OAuthClient) -> Self {
        TwoLeggedProvider {
            client,
            slots: Arc::default(),
        }
    }

    /// A valid token for `scopes` (from the cache when possible).
    pub async fn token(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let name = cache_key(scopes);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.entry(name.clone()).or_default().clone()
        };
        if let Some(token) = slot.fresh(&self.client) {
            return Ok(token);
        }
        let (client, scopes) = (self.client.clone(), scopes.clone());
        let flight = slot.flight.clone();
        flight
            .run(move || async move {
                // An attempt that ended just before this one started may have filled the cache.
                if let Some(token) = slot.fresh(&client) {
                    return Ok(token);
                }
                let token = fetch(&client, &name, &scopes).await?;
                *slot.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
                Ok(token)
            })
            .await
    }

    /// Forgets `token` (the server refused it): from this provider's cache and from the token
    /// store, so neither this process nor another hands it out again. The next `token` call
    /// fetches a new one.
    pub async fn forget(&self, token: &str) {
        let slots: Vec<(String, Arc<Slot>)> = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(name, slot)| (name.clone(), slot.clone()))
            .collect();
        for (name, slot) in slots {
            {
                let mut cached = slot.cached.lock().unwrap_or_else(PoisonError::into_inner);
                if cached
                    .as_ref()
                    .is_some_and(|t| t.access_token().secret() == token)
                {
                    *cached = None;
                }
            }
            let key = StoreKey::two_legged(self.client.credentials().client_id(), &name);
            let store = self.client.token_store();
            match store.load(&key).await {
                Ok(Some(entry)) if entry.token.access_token() == token => {
                    if let Err(e) = store.remove(&key, entry.version).await {
                        tracing::warn!(key = ?key, error = %e, "cannot remove a refused token from the store");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(key = ?key, error = %e, "token store unavailable"),
            }
        }
    }

    /// Drops every cached token of this provider (the next `token` call asks the store, then
    /// the server). Entries in a shared store stay.
    pub fn clear(&self) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// A token from the store when another process fetched one, else from the server (saved for the
/// others).
async fn fetch(client: &OAuthClient, name: &str, scopes: &Scopes) -> Result<Token, OAuthError> {
    let key = StoreKey::two_legged(client.credentials().client_id(), name);
    let margin = client.expiry_margin();
    let usable =
        |entry: &StoreEntry| !Token::from_stored(entry.token.clone()).expires_within(margin);
    let outcome = coordinate::once(client, &key, usable, |_| async {
        let mut form = client.token_form("client_credentials");
        if !scopes.is_empty() {
            form.set("scope", scopes.to_string());
        }
        let token = client
            .request_token(form, Repeat::Safe, Some(scopes))
            .await?;
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

/// Scope sets, not lists: order and repetition do not matter.
pub(super) fn cache_key(scopes: &Scopes) -> String {
    let mut names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

impl OAuthClient {
    /// A provider of two-legged tokens for this application.
    pub fn two_legged(&self) -> TwoLeggedProvider {
        TwoLeggedProvider::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::cache_key;

    #[test]
    fn scope_order_and_repeats_share_a_cache_entry() {
        let a = "data:read bucket:read data:read".parse().unwrap();
        let b = "bucket:read data:read".parse().unwrap();
        assert_eq!(cache_key(&a), cache_key(&b));
    }
}
