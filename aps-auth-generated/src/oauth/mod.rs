//! The hand-written OAuth 2.0 layer for APS, on top of the generated operations.
//!
//! - [`OAuthClient`]: credentials ([`Credentials`]: HTTP Basic by default, or the form body, or a
//!   public client), retries ([`RetryPolicy`]), and the calls every flow shares: refresh, revoke,
//!   introspect, profile, keys, logout URL.
//! - Two-legged: [`TwoLeggedProvider`], a cached, single-flight source of client-credentials tokens.
//! - Secure Service Accounts: [`SsaProvider`], the same for a service account's tokens (the
//!   JWT-bearer grant, assertions signed with its [`ServiceAccountKey`]).
//! - Three-legged: [`AuthorizationRequest`] (PKCE S256, `state`, `nonce`), the redirect check,
//!   the code exchange, and [`UserSession`] for single-flight refresh.
//!
//! Every secret is a newtype whose `Debug` is redacted; errors and `tracing` events never carry
//! one.
//!
//! The layer speaks the OAuth 2.0 protocol in its own types (`protocol.rs`): it writes its form
//! bodies and reads token, error, introspection and key-set answers itself, so a change to the
//! document's schemas never breaks it. From the generated API it takes the endpoints (the
//! generated `endpoints` constants, so a document without one does not compile) and the user
//! profile; `cargo xtask generate` refuses such a document first, in words.
//!
//! Its files depend on each other in one direction (a test in `tests/tests/oauth_layers.rs`
//! fails on a cycle): leaves (`secrets`, `code`, `protocol`, `claims`, `stored`,
//! `endpoints`; retries are the runtime's, `aps_auth_runtime::retry`), then `store`, `error`,
//! `flight`, `token`, `keys`, `credentials`; then
//! `client` ([`OAuthClient`] and its token requests); then what is built on it (`calls`,
//! `coordinate`, `cached_grant`, `oidc`); then the flows (`two_legged`, `ssa`, `session`,
//! `three_legged`) and `token_source` on top.
//!
//! With the cargo feature `encryption`, `EncryptedStore` seals any store's entries at rest under
//! the application's `KeyRing` (`encryption` is a leaf; `encrypted_store` sits beside
//! `redis_store`).
//!
//! ```no_run
//! use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient};
//! use aps_auth_generated::Scope;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = OAuthClient::new(Credentials::confidential("id", ClientSecret::new("secret")))?;
//! let tokens = client.two_legged();
//! let scopes = [Scope::DataRead].into_iter().collect();
//! let token = tokens.token(&scopes).await?; // cached until a minute before expiry
//! println!("valid for {:?}", token.expires_in());
//! # Ok(())
//! # }
//! ```

mod cached_grant;
mod calls;
mod claims;
mod client;
mod code;
mod coordinate;
mod credentials;
#[cfg(feature = "encryption")]
mod encrypted_store;
#[cfg(feature = "encryption")]
mod encryption;
mod endpoints;
mod error;
mod flight;
mod keys;
mod oidc;
mod protocol;
#[cfg(feature = "redis")]
mod redis_store;
mod secrets;
mod session;
mod ssa;
mod store;
mod stored;
mod three_legged;
mod token;
mod token_source;
mod two_legged;

/// How failed requests are retried: the runtime's policy, shared with every generated call.
pub use aps_auth_runtime::RetryPolicy;
pub use claims::{AccessTokenClaims, CLOCK_SKEW, IdTokenClaims, TokenCheck, TokenRejected};
pub use client::{DEFAULT_LOCK_TTL, OAuthClient, OAuthClientBuilder};
pub use code::OAuthErrorCode;
pub use credentials::{ClientAuthMethod, Credentials};
#[cfg(feature = "encryption")]
pub use encrypted_store::{EncryptedStore, EncryptedStoreError};
#[cfg(feature = "encryption")]
pub use encryption::{EncryptionKey, EntryRefused, KeyError, KeyRing};
pub use error::{OAuthError, Refusal, SignInRequired};
pub use keys::DEFAULT_JWKS_MAX_AGE;
pub use oidc::AccessTokenVerifier;
pub use protocol::{
    ErrorBody, ExtraFields, Introspection, JsonWebKey, JsonWebKeySet, MAX_LIFETIME, TokenTypeHint,
};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use secrets::{
    AccessToken, AuthorizationCode, ClientSecret, CsrfState, IdToken, PkceVerifier, RefreshToken,
};
pub use session::{SESSION_TTL, UserSession};
pub use ssa::{ASSERTION_LIFETIME, JWT_BEARER_GRANT_TYPE, ServiceAccountKey, SsaProvider};
pub use store::{
    Expected, LockToken, MemoryStore, StoreEntry, StoreError, StoreFuture, StoreKey, TokenStore,
};
pub use stored::StoredToken;
pub use three_legged::{AuthorizationRequest, AuthorizationRequestParts};
pub use token::{ASSUMED_LIFETIME, Token};
pub use two_legged::TwoLeggedProvider;
