//! [`TwoLeggedProvider`]: client-credentials tokens, cached per scope set, renewed ahead of
//! expiry, fetched once however many tasks ask at the same time, and, through a shared
//! [`TokenStore`](super::TokenStore), once however many processes ask (the [`CachedGrant`]
//! shared with [`SsaProvider`](super::SsaProvider)).

use super::cached_grant::{CachedGrant, Grant};
use super::client::OAuthClient;
use super::error::OAuthError;
use super::store::StoreKey;
use super::token::Token;
use crate::Scopes;
use aps_auth_runtime::retry::Repeat;

/// Two-legged (client credentials) tokens for one application.
///
/// `token(scopes)` returns a cached token while it has more than the client's expiry margin
/// left (at most half its lifetime), else gets a new one: from the client's token store when
/// another process already fetched it, else from the server. Callers that find the cache stale
/// at the same time share one attempt, and its error when it fails. Cheap to clone; clones share
/// the cache.
#[derive(Debug, Clone)]
pub struct TwoLeggedProvider {
    cache: CachedGrant<ClientCredentials>,
}

/// The client-credentials grant (RFC 6749 section 4.4).
#[derive(Debug, Clone)]
struct ClientCredentials {
    client: OAuthClient,
}

impl Grant for ClientCredentials {
    fn client(&self) -> &OAuthClient {
        &self.client
    }

    fn store_key(&self, name: &str) -> StoreKey {
        StoreKey::two_legged(self.client.credentials().client_id(), name)
    }

    async fn request(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let mut form = self.client.token_form("client_credentials");
        if !scopes.is_empty() {
            form.set("scope", scopes.to_string());
        }
        self.client
            .request_token(form, Repeat::Safe, Some(scopes))
            .await
    }
}

impl TwoLeggedProvider {
    /// A valid token for `scopes` (from the cache when possible).
    pub async fn token(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        self.cache.token(scopes).await
    }

    /// Forgets `token` (the server refused it): from this provider's cache and from the token
    /// store, so neither this process nor another hands it out again. The next `token` call
    /// for its scopes fetches a new one.
    pub async fn forget(&self, token: &str) {
        self.cache.forget(token).await;
    }

    /// Drops every cached token of this provider (the next `token` call asks the store, then
    /// the server). Entries in a shared store stay.
    pub fn clear(&self) {
        self.cache.clear();
    }
}

impl OAuthClient {
    /// A provider of two-legged tokens for this application.
    pub fn two_legged(&self) -> TwoLeggedProvider {
        TwoLeggedProvider {
            cache: CachedGrant::new(ClientCredentials {
                client: self.clone(),
            }),
        }
    }
}
