//! The three-legged flow: [`AuthorizationRequest`] (PKCE S256, `state`, `nonce`, the authorize
//! URL), reading the redirect, exchanging the code, and [`UserSession`], which refreshes once
//! for all concurrent callers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use url::Url;

use super::client::{OAuthClient, ops};
use super::error::{OAuthError, OAuthErrorCode};
use super::retry::Repeat;
use super::secrets::{AuthorizationCode, CsrfState, PkceVerifier, random_unreserved};
use super::token::Token;
use crate::Scopes;

/// A started authorization: send the user to [`AuthorizationRequest::url`], keep this value
/// (it holds the PKCE verifier and the `state`), and give it the redirect when the user comes back.
/// `Debug` leaves out the URL, which carries the `state`.
#[derive(Clone)]
pub struct AuthorizationRequest {
    url: Url,
    redirect_uri: String,
    state: CsrfState,
    nonce: Option<String>,
    verifier: PkceVerifier,
    scopes: Scopes,
    /// Set by the first redirect that carries this request's `state` (RFC 9700: `state` is
    /// one-time); shared by clones.
    answered: Arc<AtomicBool>,
}

impl OAuthClient {
    /// Starts a three-legged authorization: a new PKCE verifier (S256) and `state` from the OS
    /// CSPRNG, and the authorize URL with every parameter encoded. When the scopes include
    /// `openid`, a random `nonce` is sent too (OpenID Connect ties it to the ID token and refuses
    /// it without `openid`).
    pub fn start_authorization(
        &self,
        redirect_uri: &str,
        scopes: &Scopes,
    ) -> Result<AuthorizationRequest, OAuthError> {
        let state = CsrfState::generate()?;
        let nonce = match scopes.iter().any(|s| s.as_str() == "openid") {
            true => Some(random_unreserved(32)?),
            false => None,
        };
        let verifier = PkceVerifier::generate()?;
        // The protocol's parameters, each once, whatever the document lists (RFC 6749 section
        // 4.1.1, RFC 7636 section 4.3, OpenID Connect's `nonce`).
        let mut url = self.endpoint(ops::AUTHORIZE)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", self.credentials().client_id())
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", &scopes.to_string())
                .append_pair("state", state.secret());
            if let Some(nonce) = &nonce {
                query.append_pair("nonce", nonce);
            }
            query
                .append_pair("code_challenge", &verifier.challenge_s256())
                .append_pair("code_challenge_method", "S256");
        }
        Ok(AuthorizationRequest {
            url,
            redirect_uri: redirect_uri.to_owned(),
            state,
            nonce,
            verifier,
            scopes: scopes.clone(),
            answered: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Exchanges the code from the redirect for tokens, with the same `redirect_uri` and the PKCE
    /// verifier. A code is single-use: this request is sent once and never retried.
    pub async fn exchange_code(
        &self,
        request: &AuthorizationRequest,
        code: AuthorizationCode,
    ) -> Result<Token, OAuthError> {
        let mut form = self.token_form("authorization_code");
        form.set("code", code.secret())
            .set("redirect_uri", request.redirect_uri.clone())
            .set("code_verifier", request.verifier.secret());
        self.request_token(form, Repeat::Never, Some(&request.scopes))
            .await
    }

    /// A session around a three-legged token, which refreshes it when needed.
    pub fn session(&self, token: Token) -> UserSession {
        UserSession {
            inner: Arc::new(SessionInner {
                client: self.clone(),
                generation: AtomicU64::new(0),
                token: Arc::new(tokio::sync::Mutex::new(token)),
            }),
        }
    }
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes.to_string())
            .field("state", &self.state)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl AuthorizationRequest {
    /// Where to send the user.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` sent (compared with the redirect's in [`AuthorizationRequest::callback`]).
    pub fn state(&self) -> &CsrfState {
        &self.state
    }

    /// The `nonce` sent, if any (to check an ID token's `nonce` claim against).
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The PKCE verifier, for a code exchange made some other way than
    /// [`OAuthClient::exchange_code`].
    pub fn pkce_verifier(&self) -> &PkceVerifier {
        &self.verifier
    }

    /// The redirect URI sent.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Reads the redirect the user came back with (the full URL, or just its path and query).
    /// Checks, without sending anything: the `state` matches (in constant time), the URL is the
    /// redirect URI, then reports an `error` the server put there, or returns the `code`.
    pub fn callback(&self, redirect: &str) -> Result<AuthorizationCode, OAuthError> {
        let expected = Url::parse(&self.redirect_uri).map_err(|e| {
            OAuthError::InvalidRedirect(format!("the redirect URI is not a URL: {e}"))
        })?;
        let url = expected
            .join(redirect)
            .map_err(|e| OAuthError::InvalidRedirect(format!("not a URL: {e}")))?;
        let mut state = None;
        let (mut code, mut error, mut description) = (None, None, None);
        for (key, value) in url.query_pairs() {
            let slot = match &*key {
                "state" => &mut state,
                "code" => &mut code,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.is_some() {
                return Err(OAuthError::InvalidRedirect(format!(
                    "`{key}` appears twice"
                )));
            }
            *slot = Some(value.into_owned());
        }
        // The state is checked first: an answer to someone else's request is not ours to read.
        if state.map(CsrfState::new).as_ref() != Some(&self.state) {
            return Err(OAuthError::StateMismatch);
        }
        if url.scheme() != expected.scheme()
            || url.host() != expected.host()
            || url.port_or_known_default() != expected.port_or_known_default()
            || url.path() != expected.path()
        {
            return Err(OAuthError::InvalidRedirect(format!(
                "it goes to {}://{}{}{}, not to the redirect URI",
                url.scheme(),
                url.host_str().unwrap_or(""),
                url.port().map(|p| format!(":{p}")).unwrap_or_default(),
                url.path()
            )));
        }
        // One answer per request: a replayed redirect (even a genuine one) is refused.
        if self.answered.swap(true, Ordering::AcqRel) {
            return Err(OAuthError::InvalidRedirect(
                "this authorization request was already answered (`state` is one-time)".into(),
            ));
        }
        if let Some(error) = error {
            return Err(OAuthError::Authorization {
                error: OAuthErrorCode::parse(&error),
                description,
            });
        }
        match code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
            _ => Err(OAuthError::InvalidRedirect(
                "no `code` and no `error`".into(),
            )),
        }
    }
}

/// A signed-in user's tokens. [`UserSession::access_token`] refreshes the token when it is about
/// to expire; concurrent callers share one refresh (refresh tokens rotate: a second refresh with
/// the same token would fail). Cheap to clone; clones share the session.
#[derive(Debug, Clone)]
pub struct UserSession {
    inner: Arc<SessionInner>,
}

#[derive(Debug)]
struct SessionInner {
    client: OAuthClient,
    /// Bumped by every refresh; lets a waiter see that the refresh it wanted already happened.
    generation: AtomicU64,
    /// The token; a refresh holds this lock from the request to the store of its answer.
    token: Arc<tokio::sync::Mutex<Token>>,
}

impl UserSession {
    /// The current token, refreshed first when it expires within the client's expiry margin.
    pub async fn access_token(&self) -> Result<Token, OAuthError> {
        let token = self.inner.token.clone().lock_owned().await;
        if token.expires_within(self.inner.client.expiry_margin()) {
            return self.refresh_detached(token).await;
        }
        Ok(token.clone())
    }

    /// Refreshes now. Callers that ask while a refresh is under way get its result instead of
    /// starting another.
    pub async fn refresh(&self) -> Result<Token, OAuthError> {
        let seen = self.inner.generation.load(Ordering::Acquire);
        let token = self.inner.token.clone().lock_owned().await;
        if self.inner.generation.load(Ordering::Acquire) != seen {
            return Ok(token.clone());
        }
        self.refresh_detached(token).await
    }

    /// The current token, as it is (no refresh).
    pub async fn current(&self) -> Token {
        self.inner.token.lock().await.clone()
    }

    /// Refreshes in a task of its own that owns the lock, so the refresh runs to completion and
    /// its answer (a rotated refresh token) reaches the session even when every caller is
    /// dropped after the request left (a web handler whose client went away, a `timeout`, a
    /// `select!`): the server has spent the old refresh token by then.
    async fn refresh_detached(
        &self,
        mut token: tokio::sync::OwnedMutexGuard<Token>,
    ) -> Result<Token, OAuthError> {
        let inner = self.inner.clone();
        let task = tokio::spawn(async move {
            let refresh_token = token.refresh_token().cloned().ok_or_else(|| {
                OAuthError::InvalidTokenResponse("the token has no refresh token".into())
            })?;
            let fresh = inner.client.refresh(&refresh_token).await?;
            *token = fresh.clone();
            inner.generation.fetch_add(1, Ordering::AcqRel);
            Ok(fresh)
        });
        task.await
            .map_err(|e| OAuthError::RefreshInterrupted(e.to_string()))?
    }
}
