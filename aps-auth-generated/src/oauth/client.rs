//! [`OAuthClient`] and its builder: the generated client plus the application's credentials,
//! retries, store and issuer settings, and the token requests every grant sends through it.
//! Every flow starts here; the calls flows share are in `calls.rs`, each grant's entry point
//! beside its provider.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::credentials::Credentials;
use super::endpoints;
use super::error::OAuthError;
use super::keys::KeyCache;
use super::protocol::{ErrorBody, Form, TokenAnswer};
use super::store::{MemoryStore, TokenStore};
use super::token::Token;
use crate::{ApiResponse, Client, ClientBuilder, ConfigError, Error, OperationInfo, Scopes};
use aps_auth_runtime::RetryPolicy;
use aps_auth_runtime::redact::SentSecrets;
use aps_auth_runtime::retry::{Repeat, with_retry};

/// Builds an [`OAuthClient`].
#[derive(Debug)]
pub struct OAuthClientBuilder {
    credentials: Credentials,
    client: ClientBuilder,
    retry: RetryPolicy,
    expiry_margin: Duration,
    store: Arc<dyn TokenStore>,
    lock_ttl: Duration,
    issuer: Option<String>,
    jwks_min_refetch: Duration,
    trusted_audiences: Vec<String>,
}

/// How long a store lock is held at most (default): longer than a token request with its retries
/// takes, so it only expires when its holder died.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(45);

impl OAuthClientBuilder {
    /// The API's base URL (default: production, `https://developer.api.autodesk.com`). Plain
    /// http is refused unless the host is loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.base_url(url);
        self
    }

    /// Builds the HTTP client from this builder (proxies, certificates, ...). Redirects are
    /// always turned off on it: following one would send a token request's code, verifier or
    /// secret again (see [`crate::ClientBuilder::http_client`]).
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.client = self.client.http_client(builder);
        self
    }

    /// The per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.client = self.client.timeout(timeout);
        self
    }

    /// How failed requests are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long before its expiry a cached token is renewed (default 60 s).
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// Where two-legged tokens and shared sessions are kept (default: a [`MemoryStore`] of this
    /// client's own). Give every process of a fleet the same shared store (`RedisStore` with the
    /// `redis` feature) so they make one token request between them.
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// How long a store lock (taken to fetch or refresh a token for every process) lasts at most
    /// before others may take it over (default [`DEFAULT_LOCK_TTL`]). Longer than a token request
    /// takes; it matters only when the holder dies.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// The issuer ID tokens and JWT access tokens must name in `iss`, and the redirect's `iss`
    /// (RFC 9207) must equal (default: the base URL without its trailing slash, which is APS's
    /// issuer, `https://developer.api.autodesk.com`).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The shortest time between two fetches of the key set caused by unknown `kid`s (default
    /// 30 s): a key rotation is picked up at once, a flood of bogus `kid`s costs one request per
    /// interval.
    pub fn jwks_min_refetch(mut self, interval: Duration) -> Self {
        self.jwks_min_refetch = interval;
        self
    }

    /// Audiences besides this client's id that an ID token may also name (default: none),
    /// replacing any list set before. OpenID Connect Core 1.0 section 3.1.3.7: an ID token that
    /// names any other audience is refused, and one naming several must carry `azp` equal to
    /// this client's id.
    pub fn trusted_audiences<S: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = S>,
    ) -> Self {
        self.trusted_audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OAuthClient, ConfigError> {
        let api = self.client.build()?;
        let issuer = self
            .issuer
            .unwrap_or_else(|| api.base_url().as_str().trim_end_matches('/').to_owned());
        let token_api = match self.credentials.basic_header() {
            Some(header) => api.with_authorization(header),
            None => api.clone(),
        };
        Ok(OAuthClient {
            inner: Arc::new(Inner {
                api,
                token_api,
                credentials: self.credentials,
                retry: self.retry,
                expiry_margin: self.expiry_margin,
                store: self.store,
                lock_ttl: self.lock_ttl,
                issuer,
                jwks_min_refetch: self.jwks_min_refetch,
                trusted_audiences: self.trusted_audiences,
                keys: KeyCache::default(),
            }),
        })
    }
}

/// The OAuth 2.0 client for APS: two-legged tokens ([`OAuthClient::two_legged`]), the
/// three-legged flow ([`OAuthClient::start_authorization`]), refresh, revoke, introspect, logout
/// and the user profile. Cheap to clone, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// For calls that carry no client authentication (profile, keys).
    api: Client,
    /// For token-endpoint calls: sends `Authorization: Basic` when the credentials say so.
    token_api: Client,
    credentials: Credentials,
    retry: RetryPolicy,
    expiry_margin: Duration,
    store: Arc<dyn TokenStore>,
    lock_ttl: Duration,
    issuer: String,
    jwks_min_refetch: Duration,
    /// Audiences an ID token may name besides the client id.
    trusted_audiences: Vec<String>,
    /// The issuer's key set, cached (`oidc.rs`).
    keys: KeyCache,
}

impl OAuthClient {
    /// A client for production APS with default settings.
    pub fn new(credentials: Credentials) -> Result<Self, ConfigError> {
        Self::builder(credentials).build()
    }

    /// A builder to change the base URL, HTTP client, timeout, retries or expiry margin.
    pub fn builder(credentials: Credentials) -> OAuthClientBuilder {
        OAuthClientBuilder {
            credentials,
            client: Client::builder(),
            retry: RetryPolicy::default(),
            expiry_margin: Duration::from_secs(60),
            store: Arc::new(MemoryStore::new()),
            lock_ttl: DEFAULT_LOCK_TTL,
            issuer: None,
            jwks_min_refetch: Duration::from_secs(30),
            trusted_audiences: Vec::new(),
        }
    }

    /// The generated API client underneath (no client authentication attached).
    pub fn api(&self) -> &Client {
        &self.inner.api
    }

    /// The application's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    pub(crate) fn expiry_margin(&self) -> Duration {
        self.inner.expiry_margin
    }

    /// The token store (shared by the client's clones).
    pub fn token_store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    pub(crate) fn lock_ttl(&self) -> Duration {
        self.inner.lock_ttl
    }

    /// The issuer tokens and redirects must name.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub(crate) fn jwks_min_refetch(&self) -> Duration {
        self.inner.jwks_min_refetch
    }

    /// The audiences an ID token may name besides the client id
    /// ([`OAuthClientBuilder::trusted_audiences`]).
    pub fn trusted_audiences(&self) -> &[String] {
        &self.inner.trusted_audiences
    }

    pub(crate) fn key_cache(&self) -> &KeyCache {
        &self.inner.keys
    }

    /// The URL of one of the generated operations the layer uses (`endpoints.rs`, whose
    /// constants the compiler checks against the generated code: no path parameters).
    pub(crate) fn endpoint(&self, operation: OperationInfo) -> Url {
        let segments: Vec<&str> = operation.path.trim_start_matches('/').split('/').collect();
        self.inner.api.endpoint(&segments, &[])
    }

    /// The client for token-endpoint-like calls (it sends `Authorization: Basic` when the
    /// credentials say so).
    pub(super) fn token_api(&self) -> &Client {
        &self.inner.token_api
    }

    /// How failed requests are retried.
    pub(super) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Adds the client authentication fields to a form (none with HTTP Basic).
    pub(super) fn authenticate(&self, form: &mut Form) {
        self.inner.credentials.authenticate(form);
    }

    /// A token request for `grant_type` with the client authentication fields filled in.
    pub(crate) fn token_form(&self, grant_type: &'static str) -> Form {
        let mut form = Form::default();
        form.set("grant_type", grant_type);
        self.inner.credentials.authenticate(&mut form);
        form
    }

    /// POSTs a form to a token-endpoint-like operation (with client authentication) and decodes
    /// the answer as `T`, retrying as `repeat` allows.
    pub(super) async fn post_form<T: DeserializeOwned>(
        &self,
        operation: OperationInfo,
        form: &Form,
        repeat: Repeat,
    ) -> Result<ApiResponse<T>, Error<ErrorBody>> {
        let url = self.endpoint(operation);
        let api = &self.inner.token_api;
        with_retry(&self.inner.retry, repeat, operation.name, || {
            let request = api.request(Method::POST, url.clone()).form(form.pairs());
            api.send_json_sensitive::<T, ErrorBody>(request, form.sent())
        })
        .await
    }

    /// Sends a token request and reads the token.
    pub(crate) async fn request_token(
        &self,
        form: Form,
        repeat: Repeat,
        requested: Option<&Scopes>,
    ) -> Result<Token, OAuthError> {
        let grant_type = form.get("grant_type").unwrap_or_default().to_owned();
        tracing::debug!(grant_type = %grant_type, scope = ?form.get("scope"), "token request");
        let answer = self
            .post_form::<TokenAnswer>(endpoints::TOKEN, &form, repeat)
            .await;
        let received = Instant::now();
        let token = Token::from_response(answer?, received, requested, form.sent())?;
        tracing::debug!(grant_type = %grant_type, expires_in_s = token.expires_in().as_secs(), "token received");
        Ok(token)
    }

    /// Sends a token request whose form `build` makes afresh for every attempt, retried as a safe
    /// request: a JWT-bearer assertion (RFC 7523) is short-lived and may be single-use (`jti`), so
    /// a retry signs a new one instead of sending the old one again. A failure of `build` on the
    /// first attempt is returned as it is; on a retry (after the same `build` succeeded) it ends
    /// the retries as an invalid request.
    pub(crate) async fn request_token_rebuilt(
        &self,
        build: impl Fn() -> Result<Form, OAuthError>,
        requested: Option<&Scopes>,
    ) -> Result<Token, OAuthError> {
        let first = build()?;
        let grant_type = first.get("grant_type").unwrap_or_default().to_owned();
        tracing::debug!(grant_type = %grant_type, scope = ?first.get("scope"), "token request");
        let url = self.endpoint(endpoints::TOKEN);
        let (url, api) = (&url, &self.inner.token_api);
        // Every attempt's secrets (each has its own assertion), so that no answer shows any.
        let mut sent = SentSecrets::default();
        let mut first = Some(first);
        let answer = with_retry(
            &self.inner.retry,
            Repeat::Safe,
            endpoints::TOKEN.name,
            || {
                let form = first
                    .take()
                    .map_or_else(|| build().map_err(|e| e.to_string()), Ok);
                if let Ok(form) = &form {
                    sent.extend(form.sent());
                }
                let sent = sent.clone();
                async move {
                    let form = form.map_err(Error::InvalidRequest)?;
                    let request = api.request(Method::POST, url.clone()).form(form.pairs());
                    api.send_json_sensitive::<TokenAnswer, ErrorBody>(request, &sent)
                        .await
                }
            },
        )
        .await;
        let received = Instant::now();
        let token = Token::from_response(answer?, received, requested, &sent)?;
        tracing::debug!(grant_type = %grant_type, expires_in_s = token.expires_in().as_secs(), "token received");
        Ok(token)
    }
}
