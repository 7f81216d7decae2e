//! [`ApiResponse`]: a decoded answer with its status and headers, and the rate-limit headers
//! APS sends with every answer.

use std::ops::Deref;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::lenient::Unparsed;

/// A successful answer: the decoded body plus the status and headers it came with.
/// Derefs to the body.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
    unparsed: Vec<Unparsed>,
}

impl<T> ApiResponse<T> {
    #[doc(hidden)] // for the OAuth layer's tests
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        ApiResponse {
            status,
            headers,
            body,
            unparsed: Vec::new(),
        }
    }

    pub(crate) fn with_unparsed(mut self, unparsed: Vec<Unparsed>) -> Self {
        self.unparsed = unparsed;
        self
    }

    /// The same answer with its body changed by `f`.
    pub(crate) fn map_body<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
            unparsed: self.unparsed,
        }
    }

    /// The values of the answer the generated type could not read, each with its JSON pointer,
    /// raw JSON and the reason; empty when the whole answer decoded.
    ///
    /// An answer that does not decode strictly is decoded again leniently (unless the client
    /// was built with [`strict_decoding`](crate::ClientBuilder::strict_decoding)): an optional
    /// field whose value does not fit its type is `None` in the body and listed here, so one
    /// unexpected value does not cost the rest of the answer.
    pub fn unparsed(&self) -> &[Unparsed] {
        &self.unparsed
    }

    /// Whether every value of the answer was read into the body (nothing in [`Self::unparsed`]).
    pub fn is_complete(&self) -> bool {
        self.unparsed.is_empty()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `X-RateLimit-*` headers of the answer.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, dropping status and headers.
    pub fn into_inner(self) -> T {
        self.body
    }
}

impl<T> Deref for ApiResponse<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

/// Rate-limit information from the `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
/// `X-RateLimit-Reset` headers; a field is `None` when the header is absent or not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// Requests allowed in the current window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// When the window resets, as the server sent it (seconds).
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse().ok();
        RateLimit {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset"),
        }
    }
}
