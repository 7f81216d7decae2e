//! [`Error`]: everything a generated operation can fail with. It keeps the HTTP status, the
//! documented error body when the server sent one, and otherwise the raw body (size-capped, with
//! token values redacted), so no answer is lost and none causes a panic.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::redact::SentSecrets;
use super::response::RateLimit;

/// How much of a body an error keeps.
pub(crate) const RAW_BODY_CAP: usize = 16 * 1024;

/// The failure of an operation. `E` is the error body the document declares for it
/// (`serde_json::Value` when it declares none).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with an error status and a body of the documented error type.
    Api(Box<ApiError<E>>),
    /// The server answered with an error status, but the body is not the documented error
    /// type (an HTML page, an empty body, other JSON).
    Status(Box<StatusError>),
    /// The server answered with a success status, but the body does not decode as documented.
    Decode(Box<DecodeError>),
    /// The answer's body is larger than the client reads
    /// ([`crate::ClientBuilder::max_body_size`]); nothing of it is kept.
    BodyTooLarge {
        /// The HTTP status.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The answer came from another URL than the one requested: the HTTP client followed a
    /// redirect. It is not used (redirects are never followed; see
    /// [`crate::ClientBuilder::http_client`]).
    Redirected {
        /// The HTTP status of the answer that arrived.
        status: StatusCode,
    },
    /// The request was not sent or the answer not read: connection, TLS, timeout, redirect...
    Transport(reqwest::Error),
    /// A parameter value cannot be sent (a header value with a line break, for example).
    InvalidRequest(String),
    /// No bearer token for the operation: the client has no token source, the source serves
    /// none of the operation's schemes or lacks its scopes, or it failed; or no HTTP Basic
    /// credentials for an operation that needs them. Nothing was sent.
    Auth(Box<super::auth::AuthError>),
    /// A call sent more than once ([`crate::RetryPolicy`]) that failed every time: `last` is the
    /// last attempt's error. [`Error::status`], [`Error::headers`] and [`Error::raw_body`] read
    /// the last attempt's.
    Retried {
        /// Attempts made in all, the first included (at least 2).
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error<E>>,
    },
}

impl<E> Error<E> {
    /// The same error with another error body type: an [`Error::Api`] goes through `api`, every
    /// other variant is kept as it is. (The OAuth layer reads error bodies as its protocol's.)
    #[doc(hidden)]
    pub fn map_api<F>(self, api: impl FnOnce(ApiError<E>) -> Error<F>) -> Error<F> {
        match self {
            Error::Api(e) => api(*e),
            Error::Status(e) => Error::Status(e),
            Error::Decode(e) => Error::Decode(e),
            Error::BodyTooLarge { status, limit } => Error::BodyTooLarge { status, limit },
            Error::Redirected { status } => Error::Redirected { status },
            Error::Transport(e) => Error::Transport(e),
            Error::InvalidRequest(e) => Error::InvalidRequest(e),
            Error::Auth(e) => Error::Auth(e),
            Error::Retried { attempts, last } => Error::Retried {
                attempts,
                last: Box::new(last.map_api(api)),
            },
        }
    }

    /// How many times the request was sent: `attempts` of an [`Error::Retried`], else 1 (0 when
    /// nothing was sent: an [`Error::InvalidRequest`] or [`Error::Auth`]).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Retried { attempts, .. } => *attempts,
            Error::InvalidRequest(_) | Error::Auth(_) => 0,
            _ => 1,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Status(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::BodyTooLarge { status, .. } | Error::Redirected { status } => Some(*status),
            Error::Transport(e) => e.status(),
            Error::InvalidRequest(_) | Error::Auth(_) => None,
            Error::Retried { last, .. } => last.status(),
        }
    }

    /// The headers of an error answer, when there was one.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::Status(e) => Some(&e.headers),
            Error::Decode(_)
            | Error::BodyTooLarge { .. }
            | Error::Redirected { .. }
            | Error::Transport(_)
            | Error::InvalidRequest(_)
            | Error::Auth(_) => None,
            Error::Retried { last, .. } => last.headers(),
        }
    }

    /// The raw body of the answer (redacted and capped), when there was one.
    pub fn raw_body(&self) -> Option<&RawBody> {
        match self {
            Error::Api(e) => Some(&e.raw),
            Error::Status(e) => Some(&e.body),
            Error::Decode(e) => Some(&e.body),
            Error::BodyTooLarge { .. }
            | Error::Redirected { .. }
            | Error::Transport(_)
            | Error::InvalidRequest(_)
            | Error::Auth(_) => None,
            Error::Retried { last, .. } => last.raw_body(),
        }
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => write!(f, "HTTP {}: {}", e.status, e.raw.preview()),
            Error::Status(e) => write!(
                f,
                "HTTP {}: {} (body: {})",
                e.status,
                e.reason,
                e.body.preview()
            ),
            Error::Decode(e) => write!(
                f,
                "HTTP {}: undecodable answer: {} (body: {})",
                e.status,
                e.reason,
                e.body.preview()
            ),
            Error::BodyTooLarge { status, limit } => write!(
                f,
                "HTTP {status}: the body is larger than the limit of {limit} bytes \
                 (ClientBuilder::max_body_size); it was not read"
            ),
            Error::Redirected { status } => write!(
                f,
                "HTTP {status}: the answer came through a redirect, which is never followed; \
                 it was not used"
            ),
            Error::Transport(e) => write!(f, "request failed: {e}"),
            Error::InvalidRequest(msg) => write!(f, "invalid request: {msg}"),
            Error::Auth(e) => write!(f, "no token: {e}"),
            Error::Retried { attempts, last } => write!(f, "after {attempts} attempts: {last}"),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Auth(e) => Some(&**e),
            Error::Retried { last, .. } => last.source(),
            _ => None,
        }
    }
}

/// An error answer with the documented error body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError<E> {
    /// The HTTP status.
    pub status: StatusCode,
    /// The decoded error body.
    pub body: E,
    /// The body as sent (redacted, capped): it keeps fields the error type does not declare,
    /// such as OAuth's `error` and `error_description`.
    pub raw: RawBody,
    /// The answer's headers.
    pub headers: HeaderMap,
}

impl<E> ApiError<E> {
    /// An error answer read by a layer above the runtime (the OAuth layer reads error bodies as
    /// its protocol's): the struct is `#[non_exhaustive]`, so other crates build it here.
    #[doc(hidden)]
    pub fn new(status: StatusCode, body: E, raw: RawBody, headers: HeaderMap) -> Self {
        ApiError {
            status,
            body,
            raw,
            headers,
        }
    }

    /// The `X-RateLimit-*` headers of the answer.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }
}

/// An error answer whose body is not the documented error type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatusError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Why the body was not decoded.
    pub reason: String,
    /// The body as sent (redacted, capped).
    pub body: RawBody,
    /// The answer's headers.
    pub headers: HeaderMap,
}

impl StatusError {
    /// An error answer read by a layer above the runtime, as [`ApiError::new`].
    #[doc(hidden)]
    pub fn new(
        status: StatusCode,
        content_type: Option<String>,
        reason: String,
        body: RawBody,
        headers: HeaderMap,
    ) -> Self {
        StatusError {
            status,
            content_type,
            reason,
            body,
            headers,
        }
    }
}

/// A success answer whose body does not decode as documented.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// What is wrong with it (decoder messages have quoted values removed).
    pub reason: String,
    /// The body as sent (redacted, capped); empty and [withheld](RawBody::is_withheld) when
    /// the answer may carry tokens (the OAuth layer's token requests).
    pub body: RawBody,
}

/// An answer's body as text: at most 16 KiB, invalid UTF-8 replaced, and secrets replaced by
/// `[redacted]`: the values of `access_token`, `refresh_token`, `id_token`, `client_secret`,
/// `password` and other secret keys (whatever their case and `_`/`-` separators, whatever the
/// value's type), JWTs, and `Bearer` credentials, in JSON and in any other text; and any
/// secret the request itself sent (the credential of its `Authorization` header; for the OAuth
/// layer's requests also the client secret, code, PKCE verifier, refresh token or assertion),
/// as itself or percent-, form- or JSON-encoded, wherever it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBody {
    text: String,
    truncated: bool,
    withheld: bool,
}

impl RawBody {
    pub(crate) fn new(bytes: &[u8], truncated: bool) -> Self {
        Self::masked(bytes, truncated, &SentSecrets::default())
    }

    /// A body with, besides what [`RawBody::new`] redacts, every secret the request sent masked
    /// (also one cut short where the body was).
    pub(crate) fn masked(bytes: &[u8], truncated: bool, sent: &SentSecrets) -> Self {
        let truncated = truncated || bytes.len() > RAW_BODY_CAP;
        let capped = &bytes[..bytes.len().min(RAW_BODY_CAP)];
        let text =
            super::redact::redact_body_sent(&String::from_utf8_lossy(capped), sent, truncated);
        RawBody {
            text,
            truncated,
            withheld: false,
        }
    }

    /// No body: it was not read, or not kept because it may carry secrets.
    pub(crate) fn withheld() -> Self {
        RawBody {
            text: String::new(),
            truncated: false,
            withheld: true,
        }
    }

    /// A body a layer above the runtime did not keep (the signed-storage transfers of the
    /// generated crate: an S3 error body can echo what the signed URL carried).
    #[doc(hidden)]
    pub fn not_kept() -> Self {
        Self::withheld()
    }

    /// The (redacted) text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the body was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Whether the body was empty (or [withheld](RawBody::is_withheld)).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether the body was deliberately not kept: it was too large to read, or it answered a
    /// token request and may carry tokens.
    pub fn is_withheld(&self) -> bool {
        self.withheld
    }

    fn preview(&self) -> String {
        const MAX: usize = 200;
        if self.withheld {
            return "<withheld>".into();
        }
        if self.text.is_empty() {
            return "<empty>".into();
        }
        let mut end = self.text.len().min(MAX);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let more = if end < self.text.len() || self.truncated {
            "..."
        } else {
            ""
        };
        format!("{}{more}", self.text[..end].trim())
    }
}
