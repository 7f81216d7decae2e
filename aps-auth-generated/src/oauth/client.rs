//! [`OAuthClient`]: the generated client plus the application's credentials, client
//! authentication, retries and token bookkeeping. Every flow starts here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{OAuthError, as_protocol_error};
use super::oidc::KeyCache;
use super::protocol::{ErrorBody, Form, Introspection, JsonWebKeySet, TokenAnswer, TokenTypeHint};
use super::retry::{Repeat, RetryPolicy, with_retry};
use super::secrets::{AccessToken, ClientSecret, RefreshToken};
use super::store::{MemoryStore, TokenStore};
use super::token::Token;
use crate::{ApiResponse, Client, ClientBuilder, ConfigError, Error, Scopes, UserProfile};
use aps_auth_runtime::redact::SentSecrets;

/// The operations of the generated API the layer finds its endpoints by (method names, pinned by
/// the name map). `cargo xtask generate` checks the document still has them.
pub(crate) mod ops {
    /// The token endpoint (RFC 6749 section 3.2).
    pub const TOKEN: &str = "get_token";
    /// The revocation endpoint (RFC 7009).
    pub const REVOKE: &str = "revoke_token";
    /// The introspection endpoint (RFC 7662).
    pub const INTROSPECT: &str = "introspect_token";
    /// The key set (RFC 7517).
    pub const KEYS: &str = "get_keys";
    /// The authorization endpoint (RFC 6749 section 3.1), a browser redirect.
    pub const AUTHORIZE: &str = "authorize_url";
    /// The end-session endpoint (OpenID Connect RP-initiated logout), a browser redirect.
    pub const LOGOUT: &str = "logout_url";
}

/// How a confidential client proves its identity at the token endpoint. Never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthMethod {
    /// HTTP Basic (`client_secret_basic`), with id and secret form-urlencoded before base64 as
    /// RFC 6749 section 2.3.1 requires. The default.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    RequestBody,
}

/// An application's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    client_id: String,
    client_secret: Option<ClientSecret>,
    method: ClientAuthMethod,
}

impl Credentials {
    /// A confidential client (it has a secret), authenticating with HTTP Basic.
    pub fn confidential(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Some(client_secret),
            method: ClientAuthMethod::Basic,
        }
    }

    /// A public client (no secret, e.g. a desktop or single-page app): it sends `client_id` only
    /// and relies on PKCE.
    pub fn public(client_id: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: None,
            method: ClientAuthMethod::Basic,
        }
    }

    /// Chooses how the secret is sent.
    pub fn with_auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.method = method;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `Authorization: Basic` value, when this client authenticates that way (the
    /// runtime's encoding, shared with operations whose `security` is HTTP Basic).
    fn basic_header(&self) -> Option<HeaderValue> {
        let secret = self.client_secret.as_ref()?;
        if self.method != ClientAuthMethod::Basic {
            return None;
        }
        aps_auth_runtime::auth::basic_authorization(&self.client_id, secret.secret())
    }

    /// `client_id` and `client_secret` for a form body, as the auth method says.
    fn body_fields(&self) -> (Option<String>, Option<String>) {
        match (&self.client_secret, self.method) {
            (Some(_), ClientAuthMethod::Basic) => (None, None),
            (Some(secret), ClientAuthMethod::RequestBody) => (
                Some(self.client_id.clone()),
                Some(secret.secret().to_owned()),
            ),
            (None, _) => (Some(self.client_id.clone()), None),
        }
    }

    /// Adds the client authentication fields a form body carries (none with HTTP Basic), and
    /// records the client secret among the request's secrets however it is sent.
    fn authenticate(&self, form: &mut Form) {
        let (client_id, client_secret) = self.body_fields();
        form.set_opt("client_id", client_id);
        if let Some(secret) = client_secret {
            form.set_secret("client_secret", &secret);
        }
        if let Some(secret) = &self.client_secret {
            form.sends_secret(secret.secret());
        }
    }
}

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
                keys: Arc::default(),
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
    keys: Arc<KeyCache>,
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

    /// The URL of a generated operation, looked up by method name in the `OPERATIONS` table.
    pub(crate) fn endpoint(&self, operation: &'static str) -> Result<Url, OAuthError> {
        let info = crate::generated::OPERATIONS
            .iter()
            .find(|op| op.name == operation)
            .filter(|op| !op.path.contains('{'))
            .ok_or(OAuthError::MissingOperation(operation))?;
        let segments: Vec<&str> = info.path.trim_start_matches('/').split('/').collect();
        Ok(self.inner.api.endpoint(&segments, &[]))
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
    async fn post_form<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        form: &Form,
        repeat: Repeat,
    ) -> Result<ApiResponse<T>, Error<ErrorBody>> {
        let url = self
            .endpoint(operation)
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let api = &self.inner.token_api;
        with_retry(&self.inner.retry, repeat, operation, || {
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
            .post_form::<TokenAnswer>(ops::TOKEN, &form, repeat)
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
        let url = self.endpoint(ops::TOKEN)?;
        let (url, api) = (&url, &self.inner.token_api);
        // Every attempt's secrets (each has its own assertion), so that no answer shows any.
        let mut sent = SentSecrets::default();
        let mut first = Some(first);
        let answer = with_retry(&self.inner.retry, Repeat::Safe, ops::TOKEN, || {
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
        })
        .await;
        let received = Instant::now();
        let token = Token::from_response(answer?, received, requested, &sent)?;
        tracing::debug!(grant_type = %grant_type, expires_in_s = token.expires_in().as_secs(), "token received");
        Ok(token)
    }

    /// Exchanges a refresh token for a new token. The answer's refresh token replaces the old
    /// one when the server rotates it (it is kept otherwise). Sent once, never retried: a rotated
    /// refresh token may already be spent. For concurrent callers, use a
    /// [`super::UserSession`], which refreshes once for all of them.
    ///
    /// The new token's scopes are the ones the answer names; this call does not know the grant's,
    /// so an answer without `scope` gives a token without scopes. [`OAuthClient::refresh_grant`]
    /// (and a [`super::UserSession`]) keep the grant's scopes then, as RFC 6749 section 5.1 says.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token, OAuthError> {
        self.refresh_granted(refresh_token, None).await
    }

    /// Refreshes `token`'s grant with its refresh token, as [`OAuthClient::refresh`] does. When
    /// the answer names no `scope`, the new token has `token`'s scopes (RFC 6749 sections 5.1 and
    /// 6: an omitted scope is the one originally granted). A token without refresh token is
    /// [`OAuthError::SignInRequired`].
    pub async fn refresh_grant(&self, token: &Token) -> Result<Token, OAuthError> {
        let Some(refresh_token) = token.refresh_token() else {
            return Err(OAuthError::sign_in_required(
                "the token has no refresh token",
                None,
            ));
        };
        self.refresh_granted(refresh_token, Some(token.scopes()))
            .await
    }

    /// A refresh whose answer, when it names no `scope`, has the `granted` scopes.
    pub(crate) async fn refresh_granted(
        &self,
        refresh_token: &RefreshToken,
        granted: Option<&Scopes>,
    ) -> Result<Token, OAuthError> {
        let mut form = self.token_form("refresh_token");
        form.set_secret("refresh_token", refresh_token.secret());
        let mut token = self.request_token(form, Repeat::Never, granted).await?;
        token.keep_refresh_token(Some(refresh_token));
        Ok(token)
    }

    /// Revokes a token (RFC 7009). Any 200 answer is success, whatever its body.
    pub async fn revoke(&self, token: &str, hint: TokenTypeHint) -> Result<(), OAuthError> {
        let mut form = Form::default();
        form.set_secret("token", token)
            .set("token_type_hint", hint.as_str());
        // RFC 7009 identifies the client as the token endpoint does; APS also wants `client_id`.
        form.set("client_id", self.inner.credentials.client_id.clone());
        self.inner.credentials.authenticate(&mut form);
        let url = self.endpoint(ops::REVOKE)?;
        let api = &self.inner.token_api;
        with_retry(&self.inner.retry, Repeat::Safe, ops::REVOKE, || {
            let request = api.request(Method::POST, url.clone()).form(form.pairs());
            api.send_empty_sensitive::<ErrorBody>(request, form.sent())
        })
        .await?;
        Ok(())
    }

    /// Revokes an access token.
    pub async fn revoke_access_token(&self, token: &AccessToken) -> Result<(), OAuthError> {
        self.revoke(token.secret(), TokenTypeHint::AccessToken)
            .await
    }

    /// Revokes a refresh token.
    pub async fn revoke_refresh_token(&self, token: &RefreshToken) -> Result<(), OAuthError> {
        self.revoke(token.secret(), TokenTypeHint::RefreshToken)
            .await
    }

    /// Introspects a token (RFC 7662). An inactive token is a normal answer (`active: false`),
    /// not an error.
    pub async fn introspect(&self, token: &str) -> Result<Introspection, OAuthError> {
        let mut form = Form::default();
        form.set_secret("token", token);
        self.inner.credentials.authenticate(&mut form);
        let answer = self
            .post_form::<Introspection>(ops::INTROSPECT, &form, Repeat::Safe)
            .await?;
        Ok(answer.into_inner())
    }

    /// The signed-in user's profile (the document's own operation and model).
    pub async fn user_profile(
        &self,
        access_token: &AccessToken,
    ) -> Result<UserProfile, OAuthError> {
        let answer = with_retry(&self.inner.retry, Repeat::Safe, "profile", || async {
            self.inner
                .api
                .get_user_profile()
                .bearer_token(access_token.secret())
                .await
                .map_err(as_protocol_error)
        })
        .await?;
        Ok(answer.into_inner())
    }

    /// The public keys that sign APS JWTs.
    pub async fn keys(&self) -> Result<JsonWebKeySet, OAuthError> {
        let url = self.endpoint(ops::KEYS)?;
        let api = &self.inner.api;
        let answer = with_retry(&self.inner.retry, Repeat::Safe, "keys", || {
            api.send_json::<JsonWebKeySet, ErrorBody>(api.request(Method::GET, url.clone()))
        })
        .await?;
        Ok(answer.into_inner())
    }

    /// The URL that ends the user's Autodesk session, optionally sending them on afterwards.
    pub fn logout_url(&self, post_logout_redirect_uri: Option<&str>) -> Result<Url, OAuthError> {
        let mut url = self.endpoint(ops::LOGOUT)?;
        if let Some(uri) = post_logout_redirect_uri {
            url.query_pairs_mut()
                .append_pair("post_logout_redirect_uri", uri);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        let c = Credentials::confidential("my id", ClientSecret::new("s3cr+t/:%&= x"));
        let header = c.basic_header().unwrap();
        let b64 = header.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "my+id:s3cr%2Bt%2F%3A%25%26%3D+x"
        );
        assert_eq!(c.body_fields().0, None);
        assert!(c.body_fields().1.is_none());
    }

    #[test]
    fn body_auth_and_public_clients_never_send_both() {
        let post = Credentials::confidential("id", ClientSecret::new("s"))
            .with_auth_method(ClientAuthMethod::RequestBody);
        assert!(post.basic_header().is_none());
        let (id, secret) = post.body_fields();
        assert_eq!(id.as_deref(), Some("id"));
        assert_eq!(secret.as_deref(), Some("s"));
        let public = Credentials::public("id");
        assert!(public.basic_header().is_none());
        assert_eq!(public.body_fields().0.as_deref(), Some("id"));
        assert!(public.body_fields().1.is_none());
        assert!(!format!("{post:?}").contains("\"s\""));
    }
}
