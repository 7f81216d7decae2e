//! [`TwoLeggedProvider`]: client-credentials tokens, cached per scope set, renewed ahead of
//! expiry, fetched once however many tasks ask at the same time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::client::OAuthClient;
use super::error::OAuthError;
use super::retry::Repeat;
use super::token::Token;
use crate::Scopes;

/// Two-legged (client credentials) tokens for one application.
///
/// `token(scopes)` returns a cached token while it has more than the client's expiry margin
/// left, else fetches a new one. Callers that find the cache cold or stale at the same time
/// wait for a single request. Cheap to clone; clones share the cache.
#[derive(Debug, Clone)]
pub struct TwoLeggedProvider {
    client: OAuthClient,
    /// One slot per scope set (sorted, deduplicated); the async mutex makes fetches single-flight.
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

/// The cached token for one scope set; holding its lock is holding the right to fetch.
type Slot = Arc<tokio::sync::Mutex<Option<Token>>>;

impl TwoLeggedProvider {
    pub(crate) fn new(client: OAuthClient) -> Self {
        TwoLeggedProvider {
            client,
            slots: Arc::default(),
        }
    }

    /// A valid token for `scopes` (from the cache when possible).
    pub async fn token(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.entry(cache_key(scopes)).or_default().clone()
        };
        let mut cached = slot.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| !t.expires_within(self.client.expiry_margin()))
        {
            return Ok(token.clone());
        }
        let mut form = self.client.token_form("client_credentials");
        if !scopes.is_empty() {
            form.set("scope", scopes.to_string());
        }
        let token = self
            .client
            .request_token(form, Repeat::Safe, Some(scopes))
            .await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Drops every cached token (the next `token` call fetches).
    pub fn clear(&self) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// Scope sets, not lists: order and repetition do not matter.
fn cache_key(scopes: &Scopes) -> String {
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
