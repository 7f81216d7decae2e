//! Secure Service Accounts: [`SsaProvider`] gets a service account's tokens with the JWT-bearer
//! grant (RFC 7523), signing each assertion with the account's [`ServiceAccountKey`], and caches
//! them per scope set in the [`CachedGrant`] behind [`TwoLeggedProvider`](super::TwoLeggedProvider): renewed ahead of
//! expiry, fetched once however many tasks ask, and, through a shared
//! [`TokenStore`](super::TokenStore), once however many processes ask.
//!
//! The assertion follows Autodesk's Secure Service Account document (its example of the
//! exchange, `spec/secure-service-account.yaml`): header `{"alg": "RS256", "kid": <key id>}`;
//! claims `iss` (the client id), `sub` (the service account id), `aud` (the token endpoint URL),
//! `exp`, and `scope` as a JSON array of scope names. This layer adds `iat` and a random `jti`
//! (RFC 7523 section 3), and keeps `exp` [`ASSERTION_LIFETIME`] after `iat`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::cached_grant::{CachedGrant, Grant};
use super::client::OAuthClient;
use super::endpoints;
use super::error::OAuthError;
use super::protocol::Form;
use super::secrets::random_unreserved;
use super::store::StoreKey;
use super::token::Token;
use crate::Scopes;

/// How long an assertion is valid (`exp` - `iat`): five minutes, the most APS accepts. A new
/// assertion is signed for every token request and every retry of one.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The `grant_type` of the JWT-bearer grant (RFC 7523 section 2.1).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A service account's private key (RSA, from the PEM that APS returns once when the key is
/// created) and its key id (`kid`).
///
/// A secret: `Debug` shows the key id only, there is no `Display`, and the key never leaves
/// this type except as signatures. Cheap to clone.
#[derive(Clone)]
pub struct ServiceAccountKey {
    kid: String,
    key: Arc<EncodingKey>,
}

impl ServiceAccountKey {
    /// Reads an RSA private key in PEM (PKCS#8 `PRIVATE KEY`, as APS returns it, or PKCS#1 `RSA
    /// PRIVATE KEY`) with its key id. The key signs a throwaway assertion here, so a key that
    /// cannot sign (a public key, a truncated or non-RSA one) fails now, not at the first token
    /// request. Errors ([`OAuthError::ServiceAccountKey`]) never contain key material.
    pub fn from_pem(pem: &str, kid: impl Into<String>) -> Result<Self, OAuthError> {
        let kid = kid.into();
        if kid.trim().is_empty() {
            return Err(OAuthError::ServiceAccountKey(
                "the key id (`kid`) is empty".into(),
            ));
        }
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
            OAuthError::ServiceAccountKey(format!(
                "not an RSA private key in PEM: {}",
                describe(e.kind())
            ))
        })?;
        let key = ServiceAccountKey {
            kid,
            key: Arc::new(key),
        };
        key.sign(&serde_json::json!({}))?;
        Ok(key)
    }

    /// The key id, sent as the assertion header's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// An RS256 JWT of `claims` with this key's `kid`.
    fn sign<C: Serialize>(&self, claims: &C) -> Result<String, OAuthError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| {
            OAuthError::ServiceAccountKey(format!(
                "cannot sign with the key: {}",
                describe(e.kind())
            ))
        })
    }
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("kid", &self.kid)
            .field("key", &format_args!("[redacted]"))
            .finish()
    }
}

/// What went wrong with a key, in words of this crate's own (the library's messages are not
/// passed on: a parser's message could quote its input).
fn describe(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidKeyFormat => "not a PEM-encoded RSA private key",
        ErrorKind::InvalidRsaKey(_) | ErrorKind::RsaFailedSigning => {
            "the RSA private key is invalid (a public key, or a damaged one?)"
        }
        ErrorKind::Base64(_) => "the PEM's base64 is invalid",
        _ => "the key is unusable",
    }
}

/// The claims of an assertion.
#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scope: Vec<&'a str>,
}

/// Tokens of one service account (a user-context identity, so they are three-legged tokens)
/// with the JWT-bearer grant.
///
/// `token(scopes)` returns a cached token while it has more than the client's expiry margin
/// left (at most half its lifetime), else gets a new one: from the client's token store when
/// another process already fetched it, else from the server, with a freshly signed assertion.
/// Callers that find the cache stale at the same time share one attempt, and its error when it
/// fails. Cheap to clone; clones share the cache. `Debug` shows no key material.
#[derive(Debug, Clone)]
pub struct SsaProvider {
    cache: CachedGrant<ServiceAccount>,
}

/// The JWT-bearer grant of one service account.
#[derive(Debug, Clone)]
struct ServiceAccount {
    client: OAuthClient,
    account_id: Arc<str>,
    key: ServiceAccountKey,
}

impl OAuthClient {
    /// A provider of the service account `account_id`'s tokens, signing assertions with `key`.
    /// The client must be the confidential application that owns the service account: the token
    /// request carries its client authentication as every token request does.
    pub fn service_account(
        &self,
        account_id: impl Into<String>,
        key: ServiceAccountKey,
    ) -> SsaProvider {
        SsaProvider {
            cache: CachedGrant::new(ServiceAccount {
                client: self.clone(),
                account_id: Arc::from(account_id.into()),
                key,
            }),
        }
    }
}

impl SsaProvider {
    /// The service account id (the assertions' `sub`).
    pub fn service_account_id(&self) -> &str {
        &self.cache.grant().account_id
    }

    /// A valid token of the service account for `scopes` (from the cache when possible).
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

impl Grant for ServiceAccount {
    fn client(&self) -> &OAuthClient {
        &self.client
    }

    fn store_key(&self, name: &str) -> StoreKey {
        StoreKey::service_account(
            self.client.credentials().client_id(),
            &self.account_id,
            name,
        )
    }

    /// The JWT-bearer token request: retried as a safe request, with a new assertion (new
    /// `iat`, `exp` and `jti`) for every attempt.
    async fn request(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let audience = self.client.endpoint(endpoints::TOKEN).to_string();
        let build = || -> Result<Form, OAuthError> {
            let mut form = self.client.token_form(JWT_BEARER_GRANT_TYPE);
            form.set_secret(
                "assertion",
                &self.assertion(&audience, scopes, SystemTime::now())?,
            );
            if !scopes.is_empty() {
                form.set("scope", scopes.to_string());
            }
            Ok(form)
        };
        self.client.request_token_rebuilt(build, Some(scopes)).await
    }
}

impl ServiceAccount {
    /// A signed assertion for `scopes`, issued at `now`.
    fn assertion(
        &self,
        audience: &str,
        scopes: &Scopes,
        now: SystemTime,
    ) -> Result<String, OAuthError> {
        let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let claims = AssertionClaims {
            iss: self.client.credentials().client_id(),
            sub: &self.account_id,
            aud: audience,
            iat,
            exp: iat.saturating_add(ASSERTION_LIFETIME.as_secs()),
            jti: random_unreserved(32)?,
            scope: scopes.iter().map(|s| s.as_str()).collect(),
        };
        self.key.sign(&claims)
    }
}
