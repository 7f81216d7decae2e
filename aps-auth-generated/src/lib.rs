//! Typed async client for the Autodesk Platform Services (APS) Authentication API.
//!
//! The models and one method per operation are generated from the OpenAPI 3.1 document in
//! `spec/` into [`generated`] (never edit those files: run `cargo xtask generate`). They call a
//! small hand-written runtime, the `aps-auth-runtime` crate, whose public types ([`Error`],
//! [`ApiResponse`], [`SecretString`]...) are re-exported here; [`Client`] is the generated
//! module's newtype of the runtime's client, with one method per operation.
//!
//! Cargo features: `oauth` (default) is the OAuth 2.0 layer, `redis` its token store on Redis.
//! Two more APS APIs, generated from Autodesk's published OpenAPI documents, are off by default
//! so that the authentication API alone compiles nothing more: `data-management`
//! (`generated::data_management`: hubs, projects, folders, items, versions) and `oss`
//! (`generated::oss`: the Object Storage Service's buckets and objects). Each has a `Client` of
//! its own that wraps this crate's [`Client`].
//!
//! ```no_run
//! use aps_auth_generated::{Client, GetTokenRequest, GetTokenRequestGrantType, Scope, SecretString};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new()?;
//! // Required inputs in `new`, optional ones with `with_` setters: a document that gains an
//! // optional field breaks no caller.
//! let request = GetTokenRequest::new(GetTokenRequestGrantType::ClientCredentials)
//!     .with_client_id("my-client-id")
//!     .with_client_secret(SecretString::new("my-client-secret"))
//!     .with_scope([Scope::DataRead, Scope::BucketRead].into_iter().collect::<aps_auth_generated::Scopes>());
//! // Each operation returns a call builder: optional parameters are setters; await it to send.
//! let token = client.get_token(&request).await?;
//! println!("expires in {:?} s, scopes {:?}", token.expires_in, token.scope);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, see Cargo.toml) marks what a cargo feature enables.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[rustfmt::skip] // formatted by prettyplease, checked by `cargo xtask check`
pub mod generated;
#[cfg(feature = "oauth")]
#[cfg_attr(docsrs, doc(cfg(feature = "oauth")))]
pub mod oauth;
#[cfg(feature = "oss")]
#[cfg_attr(docsrs, doc(cfg(feature = "oss")))]
pub mod transfer;

pub use aps_auth_runtime::RetryPolicy;
#[doc(hidden)] // for the crate's benchmarks
pub use aps_auth_runtime::decode_answer;
pub use aps_auth_runtime::{ApiError, DecodeError, Error, RawBody, StatusError};
pub use aps_auth_runtime::{ApiResponse, RateLimit};
pub use aps_auth_runtime::{AuthError, AuthOption, BasicCredentials, Grants, OperationAuth};
pub use aps_auth_runtime::{ConfigError, DEFAULT_TIMEOUT};
pub use aps_auth_runtime::{DEFAULT_MAX_PAGES, Items, PageError, Pages};
pub use aps_auth_runtime::{OneOrMany, OperationInfo, ScopeList, SecretString, Unparsed};
pub use aps_auth_runtime::{StaticToken, TokenSource};
#[allow(unused_imports)] // a document may declare no operations
pub use generated::operations::*;
pub use generated::types;
#[allow(unused_imports)] // a document may declare no types
pub use generated::types::*;
#[doc(inline)] // documented at the root, as before the runtime was a crate of its own
pub use generated::{Client, ClientBuilder};

/// The README's examples, compiled as doctests so the quickstart stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// MIGRATION.md's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../MIGRATION.md")]
struct MigrationDoctests;
