//! The three-legged flow: [`AuthorizationRequest`] (PKCE S256, `state`, `nonce`, the authorize
//! URL), its stored form ([`AuthorizationRequestParts`], for a web app whose redirect may land on
//! another instance), reading the redirect, and exchanging the code. Sessions are in
//! `session.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use url::Url;

use super::claims::{TokenCheck, TokenRejected};
use super::client::OAuthClient;
use super::code::OAuthErrorCode;
use super::endpoints;
use super::error::OAuthError;
use super::secrets::{AuthorizationCode, CsrfState, PkceVerifier, random_unreserved};
use super::token::Token;
use crate::Scopes;
use aps_auth_runtime::redact::SentSecrets;
use aps_auth_runtime::retry::Repeat;

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
    /// The issuer a redirect's `iss` must name (RFC 9207); empty: not checked.
    issuer: String,
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
        let mut url = self.endpoint(endpoints::AUTHORIZE);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", self.credentials().client_id())
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", &scopes.to_string())
                .append_pair("state", state.expose_secret());
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
            issuer: self.issuer().to_owned(),
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
        form.set_secret("code", code.expose_secret())
            .set("redirect_uri", request.redirect_uri.clone())
            .set_secret("code_verifier", request.verifier.expose_secret());
        let mut token = self
            .request_token(form, Repeat::Never, Some(&request.scopes))
            .await?;
        // OpenID Connect: the ID token is verified before the token is handed out.
        if request.scopes.iter().any(|s| s.as_str() == "openid") {
            let Some(id_token) = token.id_token() else {
                return Err(OAuthError::TokenRejected(TokenRejected {
                    token: "ID token",
                    check: TokenCheck::Missing,
                    detail: "the token answer has no `id_token`, though `openid` was asked for"
                        .into(),
                }));
            };
            let claims = self
                .verify_id_token(id_token.expose_secret(), request.nonce.as_deref())
                .await?;
            token.set_id_token_claims(claims);
        }
        Ok(token)
    }
}

/// The stored form of an [`AuthorizationRequest`], for a web app whose redirect may come back to
/// another instance: keep it server-side (never in a cookie the browser can read) between
/// sending the user away and the redirect, keyed by something of the user's browser session.
/// It holds the `state`, PKCE verifier and nonce in clear; its `Debug` does not show them.
///
/// `state` is one-time: take the parts out of the server-side store when the redirect arrives
/// (read and delete in one step), so a replayed redirect finds nothing. Within one process,
/// [`AuthorizationRequest::callback`] refuses a second redirect by itself.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizationRequestParts {
    url: String,
    redirect_uri: String,
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    verifier: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    issuer: String,
}

impl std::fmt::Debug for AuthorizationRequestParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequestParts")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl AuthorizationRequest {
    /// The stored form of this request (see [`AuthorizationRequestParts`]).
    pub fn to_parts(&self) -> AuthorizationRequestParts {
        AuthorizationRequestParts {
            url: self.url.to_string(),
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.expose_secret().to_owned(),
            nonce: self.nonce.clone(),
            verifier: self.verifier.expose_secret().to_owned(),
            scopes: self.scopes.to_string(),
            issuer: self.issuer.clone(),
        }
    }

    /// Rebuilds a request from its stored form (on the instance the redirect reached). Fails
    /// when the stored URLs are not URLs or the `state` or verifier is empty.
    pub fn from_parts(parts: AuthorizationRequestParts) -> Result<Self, OAuthError> {
        let invalid =
            |why: &str| OAuthError::InvalidRedirect(format!("stored authorization request: {why}"));
        let url =
            Url::parse(&parts.url).map_err(|e| invalid(&format!("its URL is not a URL: {e}")))?;
        Url::parse(&parts.redirect_uri)
            .map_err(|e| invalid(&format!("its redirect URI is not a URL: {e}")))?;
        if parts.state.is_empty() || parts.verifier.is_empty() {
            return Err(invalid("its `state` or PKCE verifier is empty"));
        }
        Ok(AuthorizationRequest {
            url,
            redirect_uri: parts.redirect_uri,
            state: CsrfState::new(parts.state),
            nonce: parts.nonce,
            verifier: PkceVerifier::new(parts.verifier),
            scopes: parts.scopes.parse().unwrap_or_default(),
            issuer: parts.issuer,
            answered: Arc::new(AtomicBool::new(false)),
        })
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
    /// redirect URI, an `iss` (RFC 9207) is exactly the client's issuer, then reports an `error`
    /// the server put there, or returns the `code`.
    pub fn callback(&self, redirect: &str) -> Result<AuthorizationCode, OAuthError> {
        let expected = Url::parse(&self.redirect_uri).map_err(|e| {
            OAuthError::InvalidRedirect(format!("the redirect URI is not a URL: {e}"))
        })?;
        let url = expected
            .join(redirect)
            .map_err(|e| OAuthError::InvalidRedirect(format!("not a URL: {e}")))?;
        let mut state = None;
        let (mut code, mut error, mut description, mut iss) = (None, None, None, None);
        for (key, value) in url.query_pairs() {
            let slot = match &*key {
                "state" => &mut state,
                "iss" => &mut iss,
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
        // What the redirect says is the server's (or anyone's) text: shown redacted, with this
        // request's secrets masked.
        let mut sent = SentSecrets::default();
        sent.add(self.state.expose_secret());
        sent.add(self.verifier.expose_secret());
        if url.scheme() != expected.scheme()
            || url.host() != expected.host()
            || url.port_or_known_default() != expected.port_or_known_default()
            || url.path() != expected.path()
        {
            return Err(OAuthError::InvalidRedirect(format!(
                "it goes to {}://{}{}{}, not to the redirect URI",
                url.scheme(),
                sent.redact(url.host_str().unwrap_or("")),
                url.port().map(|p| format!(":{p}")).unwrap_or_default(),
                sent.redact(url.path())
            )));
        }
        // RFC 9207: an authorization server that names itself must be the one asked (mix-up
        // attacks send the user back with another server's code). Section 2.4: simple string
        // comparison, nothing normalized (a trailing slash makes another issuer).
        if let Some(iss) = &iss
            && !self.issuer.is_empty()
            && *iss != self.issuer
        {
            return Err(OAuthError::InvalidRedirect(format!(
                "its `iss` is `{}`, not this client's issuer `{}` (RFC 9207)",
                sent.redact(iss),
                self.issuer
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
                error: OAuthErrorCode::from_server(&error, &sent),
                description: description.map(|d| sent.redact(&d)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{ClientSecret, Credentials};

    #[test]
    fn a_request_survives_its_stored_form_and_hides_secrets() {
        let client = OAuthClient::builder(Credentials::confidential("id", ClientSecret::new("s")))
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let scopes = "openid data:read".parse().unwrap();
        let request = client
            .start_authorization("http://127.0.0.1:1/cb", &scopes)
            .unwrap();
        let parts = request.to_parts();
        let debug = format!("{parts:?}");
        assert!(!debug.contains(request.state().expose_secret()), "{debug}");
        assert!(
            !debug.contains(request.pkce_verifier().expose_secret()),
            "{debug}"
        );
        let json = serde_json::to_string(&parts).unwrap();
        let back = AuthorizationRequest::from_parts(serde_json::from_str(&json).unwrap()).unwrap();
        assert_eq!(back.url(), request.url());
        assert_eq!(back.nonce(), request.nonce());
        assert_eq!(back.pkce_verifier(), request.pkce_verifier());
        let redirect = format!("/cb?code=c1&state={}", request.state().expose_secret());
        assert_eq!(back.callback(&redirect).unwrap().expose_secret(), "c1");
        assert!(back.callback(&redirect).is_err(), "state is one-time");

        let mut broken = parts.clone();
        broken.state.clear();
        assert!(AuthorizationRequest::from_parts(broken).is_err());
    }
}
