//! [`OAuthError`]: what the OAuth flows fail with, keeping the server's `error` and
//! `error_description` (RFC 6749 section 5.2) and APS's own error fields.

use std::fmt;
use std::sync::Arc;

use reqwest::StatusCode;

use super::claims::TokenRejected;
use super::code::OAuthErrorCode;
use super::protocol::ErrorBody;
use super::store::StoreError;
use crate::{Error, RateLimit};
use aps_auth_runtime::redact::{RedactSent, SentSecrets};

/// The failure of an OAuth flow. Cheap to clone: callers that waited on one request in flight
/// all get its error.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OAuthError {
    /// The server refused the request with an error answer (wrong secret, used code, wrong
    /// verifier...).
    Refused(Box<Refusal>),
    /// The authorization redirect carried an error (`error`, `error_description`): the user
    /// denied consent, or the request was invalid.
    Authorization {
        /// The `error` parameter.
        error: OAuthErrorCode,
        /// The `error_description` parameter, redacted as an error answer's (the request's
        /// `state` and PKCE verifier masked).
        description: Option<String>,
    },
    /// The redirect's `state` is not the one this authorization request sent: possible CSRF.
    /// Nothing was sent to the server.
    StateMismatch,
    /// The redirect URL is not a valid answer to this authorization request.
    InvalidRedirect(String),
    /// The token answer lacks something a token needs (`access_token`).
    InvalidTokenResponse(String),
    /// The request failed below OAuth: transport, timeout, an HTML page, an undecodable body.
    Http(Arc<Error<ErrorBody>>),
    /// The user's grant is gone (the server answered `invalid_grant` to a refresh, or the
    /// session has no refresh token left): the user must sign in again. A session that got this
    /// never sends its dead refresh token again.
    SignInRequired(Box<SignInRequired>),
    /// The token store failed where the layer cannot do without it (loading a shared session).
    /// Elsewhere a store failure is logged and the layer works on its own.
    Store(StoreError),
    /// An ID token or JWT access token failed verification: which check, and why.
    TokenRejected(TokenRejected),
    /// The generated API lacks an operation the layer needs. Never returned any more: the layer
    /// names its operations as generated constants, so such an API does not compile (kept so
    /// that matches on it still compile).
    MissingOperation(&'static str),
    /// No random numbers from the OS.
    Random(getrandom::Error),
    /// The task that refreshed a session ended without an answer (the runtime shut down, or it
    /// panicked); the session keeps its previous token.
    RefreshInterrupted(String),
    /// A service account key cannot be read (not an RSA private key in PEM, an empty key id) or
    /// cannot sign an assertion. The message never holds key material.
    ServiceAccountKey(String),
}

/// Why a user must sign in again.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignInRequired {
    /// What happened, in plain words (no secret).
    pub reason: String,
    /// The server's refusal, when the server said so (`invalid_grant`).
    pub refusal: Option<Refusal>,
}

/// An error answer from the server, with both the OAuth and the APS error fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// OAuth's `error`, when present.
    pub error: Option<OAuthErrorCode>,
    /// OAuth's `error_description`, when present.
    pub error_description: Option<String>,
    /// The error body: OAuth's fields, APS's (`developerMessage`, `errorCode`, ...) and any other.
    ///
    /// All of it is the server's text, redacted as error bodies are (JWTs, `Bearer` credentials,
    /// secret keys' values) and with every secret the request sent (client secret, code, PKCE
    /// verifier, refresh token, assertion) replaced by `[redacted]`; so is `error_description`.
    /// An `error` that is not a registered OAuth code is redacted too.
    pub body: ErrorBody,
    /// The answer's rate-limit headers.
    pub rate_limit: RateLimit,
}

impl OAuthError {
    /// A [`OAuthError::SignInRequired`].
    pub(crate) fn sign_in_required(reason: impl Into<String>, refusal: Option<Refusal>) -> Self {
        OAuthError::SignInRequired(Box::new(SignInRequired {
            reason: reason.into(),
            refusal,
        }))
    }

    /// The OAuth error code, from a refusal or from the redirect.
    pub fn code(&self) -> Option<&OAuthErrorCode> {
        match self {
            OAuthError::Refused(r) => r.error.as_ref(),
            OAuthError::SignInRequired(s) => s.refusal.as_ref().and_then(|r| r.error.as_ref()),
            OAuthError::Authorization { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            OAuthError::Refused(r) => Some(r.status),
            OAuthError::Http(e) => e.status(),
            OAuthError::SignInRequired(s) => s.refusal.as_ref().map(|r| r.status),
            _ => None,
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthError::Refused(r) => {
                write!(f, "the server refused the request (HTTP {})", r.status)?;
                if let Some(code) = &r.error {
                    write!(f, ": {code}")?;
                }
                if let Some(d) = r
                    .error_description
                    .as_ref()
                    .or(r.body.developer_message.as_ref())
                {
                    write!(f, ": {d}")?;
                }
                Ok(())
            }
            OAuthError::Authorization { error, description } => {
                write!(f, "authorization failed: {error}")?;
                if let Some(d) = description {
                    write!(f, ": {d}")?;
                }
                Ok(())
            }
            OAuthError::StateMismatch => f.write_str(
                "the redirect's `state` does not match the authorization request (possible CSRF)",
            ),
            OAuthError::InvalidRedirect(why) => write!(f, "invalid authorization redirect: {why}"),
            OAuthError::InvalidTokenResponse(why) => write!(f, "invalid token answer: {why}"),
            OAuthError::Http(e) => write!(f, "{e}"),
            OAuthError::SignInRequired(s) => {
                write!(f, "the user must sign in again: {}", s.reason)
            }
            OAuthError::Store(e) => write!(f, "{e}"),
            OAuthError::TokenRejected(e) => write!(f, "{e}"),
            OAuthError::Random(e) => write!(f, "no randomness from the OS: {e}"),
            OAuthError::RefreshInterrupted(why) => write!(f, "the refresh was interrupted: {why}"),
            OAuthError::ServiceAccountKey(why) => write!(f, "service account key: {why}"),
            OAuthError::MissingOperation(name) => write!(
                f,
                "the generated API has no `{name}` operation, which the OAuth layer needs"
            ),
        }
    }
}

impl std::error::Error for OAuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OAuthError::Http(e) => Some(&**e),
            OAuthError::Store(e) => Some(e),
            OAuthError::TokenRejected(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: 'static> From<Error<E>> for OAuthError {
    /// An error answer (of the layer's requests, or of any generated operation: its body is read
    /// again as an [`ErrorBody`]) becomes a [`Refusal`]; anything else stays an HTTP error.
    fn from(err: Error<E>) -> Self {
        match as_protocol_error(err) {
            Error::Api(api) => {
                let rate_limit = api.rate_limit();
                let api = *api;
                OAuthError::Refused(Box::new(Refusal {
                    status: api.status,
                    error: api.body.error.as_deref().map(OAuthErrorCode::parse),
                    error_description: api.body.error_description.clone(),
                    rate_limit,
                    body: api.body,
                }))
            }
            other => OAuthError::Http(Arc::new(other)),
        }
    }
}

impl From<getrandom::Error> for OAuthError {
    fn from(err: getrandom::Error) -> Self {
        OAuthError::Random(err)
    }
}

/// An error of a generated operation, whatever error type the document gives it, with its body
/// read as the protocol's [`ErrorBody`] (from the raw body the runtime keeps, redacted), so
/// [`OAuthError`] has one shape however the document describes errors. Every text of the body
/// goes through the body redaction (an [`ErrorBody`] the layer's own requests decoded has had
/// their secrets masked already; this is idempotent).
pub(crate) fn as_protocol_error<E: 'static>(err: Error<E>) -> Error<ErrorBody> {
    err.map_api(|api| {
        let body: Box<dyn std::any::Any> = Box::new(api.body);
        let parsed = match body.downcast::<ErrorBody>() {
            Ok(own) => Ok(*own),
            Err(_) => serde_json::from_str::<ErrorBody>(api.raw.as_str()),
        }
        .map(|mut body| {
            body.redact_sent(&SentSecrets::default());
            body
        });
        match parsed {
            Ok(body) => Error::Api(Box::new(crate::ApiError::new(
                api.status,
                body,
                api.raw,
                api.headers,
            ))),
            Err(e) => Error::Status(Box::new(crate::StatusError::new(
                api.status,
                None,
                format!("the body is not an error body: {e}"),
                api.raw,
                api.headers,
            ))),
        }
    })
}
