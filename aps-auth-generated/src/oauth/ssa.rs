//! Secure Service Accounts: [`SsaProvider`] gets a service account's tokens with the JWT-bearer
//! grant (RFC 7523), signing each assertion with the account's [`ServiceAccountKey`], and caches
//! them per scope set as [`TwoLeggedProvider`](super::TwoLeggedProvider) does: renewed ahead of
//! expiry, fetched once however many tasks ask, and, through a shared
//! [`TokenStore`](super::TokenStore), once however many processes ask.
//!
//! The assertion follows Autodesk's Secure Service Account document (its example of the
//! exchange, `spec/secure-service-account.yaml`): header `{"alg": "RS256", "kid": <key id>}`;
//! claims `iss` (the client id), `sub` (the service account id), `aud` (the token endpoint URL),
//! `exp`, and `scope` as a JSON array of scope names. This layer adds `iat` and a random `jti`
//! (RFC 7523 section 3), and keeps `exp` [`ASSERTION_LIFETIME`] after `iat`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::client::{OAuthClient, ops};
use super::coordinate::{self, Done, Outcome};
use super::error::OAuthError;
use super::protocol::Form;
use super::secrets::random_unreserved;
use super::store::{Expected, StoreEntry, StoreKey};
use super::token::Token;
use super::two_legged::{Slot, cache_key};
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
    client: OAuthClient,
    account_id: Arc<str>,
    key: ServiceAccountKey,
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
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
            client: self.clone(),
            account_id: Arc::from(account_id.into()),
            key,
            slots: Arc::default(),
        }
    }
}

impl SsaProvider {
    /// The service account id (the assertions' `sub`).
    pub fn service_account_id(&self) -> &str {
        &self.account_id
    }

    /// A valid token of the service account for `scopes` (from the cache when possible).
    pub async fn token(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let name = cache_key(scopes);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.entry(name.clone()).or_default().clone()
        };
        if let Some(token) = slot.fresh(&self.client) {
            return Ok(token);
        }
        let (this, scopes) = (self.clone(), scopes.clone());
        let flight = slot.flight.clone();
        flight
            .run(move || async move {
                // An attempt that ended just before this one started may have filled the cache.
                if let Some(token) = slot.fresh(&this.client) {
                    return Ok(token);
                }
                let token = this.fetch(&name, &scopes).await?;
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
            let key = self.store_key(&name);
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

    fn store_key(&self, name: &str) -> StoreKey {
        StoreKey::service_account(
            self.client.credentials().client_id(),
            &self.account_id,
            name,
        )
    }

    /// A token from the store when another process fetched one, else from the server (saved
    /// for the others).
    async fn fetch(&self, name: &str, scopes: &Scopes) -> Result<Token, OAuthError> {
        let key = self.store_key(name);
        let margin = self.client.expiry_margin();
        let usable =
            |entry: &StoreEntry| !Token::from_stored(entry.token.clone()).expires_within(margin);
        let outcome = coordinate::once(&self.client, &key, usable, |_| async {
            let token = self.exchange(scopes).await?;
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

    /// The JWT-bearer token request: retried as a safe request, with a new assertion (new
    /// `iat`, `exp` and `jti`) for every attempt.
    async fn exchange(&self, scopes: &Scopes) -> Result<Token, OAuthError> {
        let audience = self.client.endpoint(ops::TOKEN)?.to_string();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{ClientSecret, Credentials};
    use jsonwebtoken::{DecodingKey, Validation};

    /// TEST-ONLY RSA 2048 key pair, generated for these tests (`openssl genpkey`). It protects
    /// nothing.
    const TEST_ONLY_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCoQKrBR0oPYohV\n\
ElAbZPu9tTWo/EJrp9roYyjr7rHX+ogfQDo+VKqh+zzvquvha3/+OAEr0lkYAVpS\n\
oxbdJhHbVIitp8dh4GAM30Tcg9dxR3FCcNPwCNYW4pNluMgzygK3+cUe5yXT+6YT\n\
gXtto2/F6QjO+Q67hLWbBKDwmxd8yX10QallvhLfBtkbgr6tZaA80RdYAFRHN3Vo\n\
P18BIMxtAI629hExBdwSuShOA9KiovUvgC6Nh02heJ0CwadYyPfZNkzwTy5Mmtmo\n\
XwioN1ZAkYALBhvgIvbqxztVLZpfz7nAAKNRJ4DzHw9IaERJWOIT2G/lAByPLTCw\n\
ECjFq8Z1AgMBAAECggEADHnb4sBIhS+HPT4OycxvjLejjPsRNpTLYX2VpGw338E1\n\
PfjJpaMqXx+w4XMV62P8D67tCoGeFzuY2PvWHC8dSXUEbx87ys3HRLnhjBoMONtV\n\
UkBPig/KedPyat6MadqwebfmazSbB3o0Usnzi91Mn0Sr+vAlrLeNR9T/ohe9/B2B\n\
J1SIDMlXjsqhftuHkiXIMZdberkvBjVK/JaB/0YsM4dgEcS6EHu4coAmGTKJvnAI\n\
Q0ThJpjxKhSoT8rRL511apApA90QwMWEX1zeF4COKteOzUNurjedA2amaH2YZOiK\n\
rk/ZoMCq3jDb9JyEZM9hDP0SYdBFfvQWCugUPL/Z2QKBgQDQaC7FAVWiRy1IDVOl\n\
ofOtclZ0GT/4WG2YvG/mH3mQBxcKTf+Ff018rAgdWae/Aq+CdYm2hKdiqK8UkIR2\n\
/vd5PpQHp3mIGDvPslxmpejEtfqdK5AiWUs2+zGeBXDskyWvVI8cm3vzJm38+DUO\n\
QEo+vmSipi43q7cH9b0VnOny7wKBgQDOrP5sC6o6hCNNa9CRl4AnYHLpQxlxRK5d\n\
HABu3OHSYY0zxYf9xp0T8+y/3k5kyKGRnLfiiZjFc9WQuYykDcdeMdMS5p17VQ9u\n\
2RkKKwEgWtr81QScqUIpAlW8NKjjW7Z5O5/4rP59sp6Ks+LqyBrouX6KEHhKnxBU\n\
kWA0mTZM2wKBgQCcFIqCbJ9vq5LUFXcB4yqWSb1Jsedg3QknjGjZldT68vRkeUnW\n\
9yJXLpfdM1oYCbDcKZ77nJmnn+GPqzQp0oYQvbcrjFfOfye8Qz5Eehi7yfZpY0jN\n\
EMbt5G6ihDywUPu2NcQAjsnjrnJNNK63f5qbJwhDb+XJN8caJQZ5e00S7QKBgQCG\n\
ckEb9kapxFXWwoEuhPioJPT7y1uctIodJd8eP3Bj1HPvrts1emOqnC5x7mLe6yk3\n\
uVRh+RK5uA3BFQNpoVEFdLIThJQDrCTa/j1swOb9rjzw5n4Wj4DrfopZYYRQStQc\n\
b240bg0rpeu+3SCLjNr8c9beZ7JpEKql6OBFtzl8qwKBgQC64B8GANG9wA2Ej7g1\n\
3yXR3MwSsOArTH4xgdUTL0FNEyYaZwcU0CxpEHkL46jy4t5jIOQyXHHl1wNwAzNn\n\
A8TSnH6h+pFmchVJBxeqk5D7Woc1dDu0jlt9mhvGgWlxEr8CLDRYfdLHMwvuDPHW\n\
2xPrvIEP1rCOq3DV3+ykdV4LYQ==\n\
-----END PRIVATE KEY-----\n";
    const TEST_ONLY_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqECqwUdKD2KIVRJQG2T7\n\
vbU1qPxCa6fa6GMo6+6x1/qIH0A6PlSqofs876rr4Wt//jgBK9JZGAFaUqMW3SYR\n\
21SIrafHYeBgDN9E3IPXcUdxQnDT8AjWFuKTZbjIM8oCt/nFHucl0/umE4F7baNv\n\
xekIzvkOu4S1mwSg8JsXfMl9dEGpZb4S3wbZG4K+rWWgPNEXWABURzd1aD9fASDM\n\
bQCOtvYRMQXcErkoTgPSoqL1L4AujYdNoXidAsGnWMj32TZM8E8uTJrZqF8IqDdW\n\
QJGACwYb4CL26sc7VS2aX8+5wACjUSeA8x8PSGhESVjiE9hv5QAcjy0wsBAoxavG\n\
dQIDAQAB\n\
-----END PUBLIC KEY-----\n";

    fn provider() -> SsaProvider {
        let client = OAuthClient::builder(Credentials::confidential(
            "the-client-id",
            ClientSecret::new("the-secret"),
        ))
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
        let key = ServiceAccountKey::from_pem(TEST_ONLY_PRIVATE_KEY, "kid-1").unwrap();
        client.service_account("account-1", key)
    }

    #[test]
    fn the_assertion_is_signed_rs256_with_the_kid_and_the_claims_aps_expects() {
        let provider = provider();
        let audience = provider.client.endpoint(ops::TOKEN).unwrap().to_string();
        assert_eq!(audience, "http://127.0.0.1:9/authentication/v2/token");
        let scopes: Scopes = "data:read user-profile:read".parse().unwrap();
        let jwt = provider
            .assertion(&audience, &scopes, SystemTime::now())
            .unwrap();

        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some("kid-1"));
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&audience]);
        validation.set_issuer(&["the-client-id"]);
        validation.sub = Some("account-1".into());
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        let key = DecodingKey::from_rsa_pem(TEST_ONLY_PUBLIC_KEY.as_bytes()).unwrap();
        let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation)
            .unwrap()
            .claims;
        let iat = claims["iat"].as_u64().unwrap();
        assert_eq!(claims["exp"].as_u64().unwrap() - iat, 300);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(iat.abs_diff(now) <= 5, "{iat} vs {now}");
        assert_eq!(
            claims["scope"],
            serde_json::json!(["data:read", "user-profile:read"])
        );
        assert_eq!(claims["jti"].as_str().unwrap().len(), 32);

        let other = provider
            .assertion(&audience, &Scopes::default(), SystemTime::now())
            .unwrap();
        let other = jsonwebtoken::decode::<serde_json::Value>(&other, &key, &validation)
            .unwrap()
            .claims;
        assert_ne!(
            other["jti"], claims["jti"],
            "every assertion has its own jti"
        );
        assert!(other.get("scope").is_none(), "no scopes: no scope claim");
    }

    #[test]
    fn a_key_that_cannot_sign_is_refused_at_once_without_showing_it() {
        let body: String = TEST_ONLY_PRIVATE_KEY.lines().nth(5).unwrap().to_owned();
        let damaged = TEST_ONLY_PRIVATE_KEY.replace(&body, &body.chars().rev().collect::<String>());
        for (pem, kid) in [
            ("not a pem", "kid"),
            (TEST_ONLY_PUBLIC_KEY, "kid"),
            (damaged.as_str(), "kid"),
            (TEST_ONLY_PRIVATE_KEY, " "),
        ] {
            let err = ServiceAccountKey::from_pem(pem, kid).unwrap_err();
            assert!(matches!(err, OAuthError::ServiceAccountKey(_)), "{err:?}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(&body) && !shown.contains("MII"), "{shown}");
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let provider = provider();
        let shown = format!("{provider:?} {:?}", provider.key);
        assert!(
            shown.contains("ServiceAccountKey") && shown.contains("kid-1"),
            "{shown}"
        );
        for line in TEST_ONLY_PRIVATE_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
        {
            assert!(!shown.contains(line), "{shown}");
        }
        assert!(
            !shown.contains("MII") && !shown.contains("the-secret"),
            "{shown}"
        );
    }
}
