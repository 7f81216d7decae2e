//! [`OAuthClient`]: the generated client plus the application's credentials, client
//! authentication, retries and token bookkeeping. Every flow starts here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::HeaderValue;
use url::Url;

use super::error::OAuthError;
use super::retry::{Repeat, RetryPolicy, with_retry};
use super::secrets::{AccessToken, ClientSecret, RefreshToken};
use super::token::Token;
use crate::{
    Client, ClientBuilder, ConfigError, GetTokenRequest, GetTokenRequestGrantType,
    IntrospectTokenRequest, IntrospectionResponse, JWKSResponse, LogoutParams, RevokeTokenRequest,
    RevokeTokenRequestTokenTypeHint, Scopes, UserProfile,
};

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

    /// The `Authorization: Basic` value, when this client authenticates that way.
    fn basic_header(&self) -> Option<HeaderValue> {
        let secret = self.client_secret.as_ref()?;
        if self.method != ClientAuthMethod::Basic {
            return None;
        }
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(&self.client_id), encode(secret.secret()));
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        );
        HeaderValue::from_str(&value).ok()
    }

    /// `client_id` and `client_secret` for a form body, as the auth method says.
    fn body_fields(&self) -> (Option<String>, Option<crate::SecretString>) {
        match (&self.client_secret, self.method) {
            (Some(_), ClientAuthMethod::Basic) => (None, None),
            (Some(secret), ClientAuthMethod::RequestBody) => (
                Some(self.client_id.clone()),
                Some(secret.to_secret_string()),
            ),
            (None, _) => (Some(self.client_id.clone()), None),
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
}

impl OAuthClientBuilder {
    /// The API's base URL (default: production, `https://developer.api.autodesk.com`). Plain
    /// http is refused unless the host is loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.base_url(url);
        self
    }

    /// Uses this HTTP client (keep redirects off on it).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = self.client.http_client(client);
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

    /// Builds the client.
    pub fn build(self) -> Result<OAuthClient, ConfigError> {
        let api = self.client.build()?;
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

    /// A token request with the client authentication fields filled in.
    pub(crate) fn token_request(&self, grant_type: GetTokenRequestGrantType) -> GetTokenRequest {
        let (client_id, client_secret) = self.inner.credentials.body_fields();
        GetTokenRequest {
            grant_type,
            client_id,
            client_secret,
            code: None,
            redirect_uri: None,
            scope: None,
            refresh_token: None,
            code_verifier: None,
        }
    }

    /// Sends a token request and reads the token.
    pub(crate) async fn request_token(
        &self,
        request: GetTokenRequest,
        repeat: Repeat,
        requested: Option<&Scopes>,
    ) -> Result<Token, OAuthError> {
        tracing::debug!(grant_type = %request.grant_type, scope = ?request.scope.as_ref().map(ToString::to_string), "token request");
        let answer = with_retry(&self.inner.retry, repeat, "token", || {
            self.inner.token_api.get_token(&request)
        })
        .await;
        let received = Instant::now();
        let token = Token::from_response(answer?, received, requested)?;
        tracing::debug!(grant_type = %request.grant_type, expires_in_s = token.expires_in().as_secs(), "token received");
        Ok(token)
    }

    /// Exchanges a refresh token for a new token. The answer's refresh token replaces the old
    /// one when the server rotates it (it is kept otherwise). Sent once, never retried: a rotated
    /// refresh token may already be spent. For concurrent callers, use a
    /// [`super::UserSession`], which refreshes once for all of them.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token, OAuthError> {
        let mut request = self.token_request(GetTokenRequestGrantType::RefreshToken);
        request.refresh_token = Some(refresh_token.to_secret_string());
        let mut token = self.request_token(request, Repeat::Never, None).await?;
        token.keep_refresh_token(Some(refresh_token));
        Ok(token)
    }

    /// Revokes a token (RFC 7009). Any 200 answer is success, whatever its body.
    pub async fn revoke(
        &self,
        token: &str,
        hint: RevokeTokenRequestTokenTypeHint,
    ) -> Result<(), OAuthError> {
        let (_, client_secret) = self.inner.credentials.body_fields();
        let request = RevokeTokenRequest {
            token: token.into(),
            token_type_hint: hint,
            client_id: self.inner.credentials.client_id.clone(),
            client_secret,
        };
        with_retry(&self.inner.retry, Repeat::Safe, "revoke", || {
            self.inner.token_api.revoke_token(&request)
        })
        .await?;
        Ok(())
    }

    /// Revokes an access token.
    pub async fn revoke_access_token(&self, token: &AccessToken) -> Result<(), OAuthError> {
        self.revoke(token.secret(), RevokeTokenRequestTokenTypeHint::AccessToken)
            .await
    }

    /// Revokes a refresh token.
    pub async fn revoke_refresh_token(&self, token: &RefreshToken) -> Result<(), OAuthError> {
        self.revoke(
            token.secret(),
            RevokeTokenRequestTokenTypeHint::RefreshToken,
        )
        .await
    }

    /// Introspects a token (RFC 7662). An inactive token is a normal answer
    /// (`active: Some(false)`), not an error.
    pub async fn introspect(&self, token: &str) -> Result<IntrospectionResponse, OAuthError> {
        let (client_id, client_secret) = self.inner.credentials.body_fields();
        let request = IntrospectTokenRequest {
            token: token.into(),
            client_id,
            client_secret,
        };
        let answer = with_retry(&self.inner.retry, Repeat::Safe, "introspect", || {
            self.inner.token_api.introspect_token(&request)
        })
        .await?;
        Ok(answer.into_inner())
    }

    /// The signed-in user's profile.
    pub async fn user_profile(
        &self,
        access_token: &AccessToken,
    ) -> Result<UserProfile, OAuthError> {
        let answer = with_retry(&self.inner.retry, Repeat::Safe, "profile", || {
            self.inner.api.get_user_profile(access_token.secret())
        })
        .await?;
        Ok(answer.into_inner())
    }

    /// The public keys that sign APS JWTs.
    pub async fn keys(&self) -> Result<JWKSResponse, OAuthError> {
        let answer = with_retry(&self.inner.retry, Repeat::Safe, "keys", || {
            self.inner.api.get_keys()
        })
        .await
        .map_err(super::error::untyped_to_aps)?;
        Ok(answer.into_inner())
    }

    /// The URL that ends the user's Autodesk session, optionally sending them on afterwards.
    pub fn logout_url(&self, post_logout_redirect_uri: Option<&str>) -> Url {
        self.inner.api.logout_url(&LogoutParams {
            post_logout_redirect_uri: post_logout_redirect_uri.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(secret.unwrap().expose_secret(), "s");
        let public = Credentials::public("id");
        assert!(public.basic_header().is_none());
        assert_eq!(public.body_fields().0.as_deref(), Some("id"));
        assert!(public.body_fields().1.is_none());
        assert!(!format!("{post:?}").contains("\"s\""));
    }
}
