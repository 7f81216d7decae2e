//! The hand-written OAuth 2.0 layer for APS, on top of the generated operations.
//!
//! - [`OAuthClient`]: credentials ([`Credentials`]: HTTP Basic by default, or the form body, or a
//!   public client), retries ([`RetryPolicy`]), and the calls every flow shares: refresh, revoke,
//!   introspect, profile, keys, logout URL.
//! - Two-legged: [`TwoLeggedProvider`], a cached, single-flight source of client-credentials tokens.
//! - Three-legged: [`AuthorizationRequest`] (PKCE S256, `state`, `nonce`), the redirect check,
//!   the code exchange, and [`UserSession`] for single-flight refresh.
//!
//! Every secret is a newtype whose `Debug` is redacted; errors and `tracing` events never carry
//! one.
//!
//! The layer speaks the OAuth 2.0 protocol in its own types (`protocol.rs`): it writes its form
//! bodies and reads token, error, introspection and key-set answers itself, so a change to the
//! document's schemas never breaks it. From the generated API it takes the endpoints (the
//! `OPERATIONS` table) and the user profile; `cargo xtask generate` refuses a document that
//! lacks what the layer needs.
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

mod client;
mod error;
mod protocol;
mod retry;
mod secrets;
mod three_legged;
mod token;
mod two_legged;

pub use client::{ClientAuthMethod, Credentials, OAuthClient, OAuthClientBuilder};
pub use error::{OAuthError, OAuthErrorCode, Refusal};
pub use protocol::{
    ErrorBody, ExtraFields, Introspection, JsonWebKey, JsonWebKeySet, MAX_LIFETIME, TokenTypeHint,
};
pub use retry::RetryPolicy;
pub use secrets::{
    AccessToken, AuthorizationCode, ClientSecret, CsrfState, IdToken, PkceVerifier, RefreshToken,
};
pub use three_legged::{AuthorizationRequest, UserSession};
pub use token::{ASSUMED_LIFETIME, Token};
pub use two_legged::TwoLeggedProvider;
