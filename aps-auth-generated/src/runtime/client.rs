//! [`Client`]: base URL, HTTP client and timeout, plus the send/decode helpers every generated
//! operation calls.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::{BasicCredentials, TokenSource};
use super::error::{ApiError, DecodeError, Error, RAW_BODY_CAP, RawBody, StatusError};
use super::lenient;
use super::redact::{RedactSent, SentSecrets, scrub_message, scrub_sensitive_message};
use super::response::ApiResponse;

/// The timeout applied to each request unless [`ClientBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest success body read unless [`ClientBuilder::max_body_size`] says otherwise: 16 MiB.
const DEFAULT_MAX_BODY_SIZE: usize = 16 * 1024 * 1024;

/// A client for the API. Cheap to clone (the HTTP connection pool is shared).
///
/// Every operation of the document is a method: `async` for calls, plain for browser redirects
/// (which build a [`Url`] and send nothing).
#[derive(Clone)]
pub struct Client {
    base_url: Url,
    http: reqwest::Client,
    timeout: Option<Duration>,
    /// The largest success body read (error bodies are read up to what an error keeps).
    max_body_size: usize,
    /// An `Authorization` header sent with every request (client authentication of the OAuth
    /// layer's token-endpoint client). Marked sensitive; never printed.
    authorization: Option<reqwest::header::HeaderValue>,
    /// Where operations that take a bearer token get it when the call gives none.
    token_source: Option<Arc<dyn TokenSource>>,
    /// The client credentials operations whose `security` is HTTP Basic send when the call
    /// gives none.
    basic_credentials: Option<BasicCredentials>,
    /// Whether an answer that does not decode strictly is an error at once, rather than decoded
    /// again leniently (`lenient.rs`).
    strict_decoding: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .finish()
    }
}

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not usable.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The document declares no server and no base URL was given.
    #[error(
        "no base URL: the document declares no server, so one must be given with ClientBuilder::base_url"
    )]
    MissingBaseUrl,
    /// The HTTP client could not be created (TLS initialisation).
    #[error("cannot create the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// Builds a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    http: Option<reqwest::ClientBuilder>,
    timeout: Option<Option<Duration>>,
    max_body_size: Option<usize>,
    token_source: Option<Arc<dyn TokenSource>>,
    basic_credentials: Option<BasicCredentials>,
    strict_decoding: bool,
}

impl ClientBuilder {
    /// The base URL (default: the document's first server). It must be `https`, or `http` on a
    /// loopback host (`127.0.0.1`, `[::1]`, `localhost`) for local testing.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Builds the HTTP client from this builder instead of the default one (rustls, no redirect
    /// following), for proxies, certificates, connection pool settings and the like.
    ///
    /// Redirects are always off: [`ClientBuilder::build`] sets
    /// [`reqwest::redirect::Policy::none`] on it, whatever policy it had. Following a `307` or
    /// `308` would send a request's body again, to wherever the `Location` says, and token
    /// requests carry authorization codes, PKCE verifiers and client secrets; no API answer is
    /// meant to be followed. A redirect is an error answer ([`crate::Error::Status`]).
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// The largest success body the client reads, in bytes (default: 16 MiB). A larger answer
    /// is a [`crate::Error::BodyTooLarge`], without its body; it is refused before reading when its `Content-Length` already says
    /// so. Error answers are unaffected (an error keeps at most 16 KiB of its body anyway).
    pub fn max_body_size(mut self, limit: usize) -> Self {
        self.max_body_size = Some(limit);
        self
    }

    /// The per-request timeout (default: [`DEFAULT_TIMEOUT`]); `None` for no timeout.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Where operations get their bearer token when a call is given none: the OAuth layer's
    /// two-legged provider or user session, a [`StaticToken`](crate::StaticToken), or your
    /// own [`TokenSource`]. Each operation asks it for exactly the scopes its `security` names.
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.token_source = Some(Arc::new(source));
        self
    }

    /// The client credentials sent (as `Authorization: Basic`) by operations whose `security`
    /// is HTTP Basic, when a call is given none with `.basic_auth(...)`. Only those operations
    /// send them.
    pub fn basic_credentials(mut self, credentials: BasicCredentials) -> Self {
        self.basic_credentials = Some(credentials);
        self
    }

    /// Whether an answer that does not decode into its generated type is an error at once
    /// (`true`), or decoded again so that only the values that do not fit are left out and
    /// listed in [`ApiResponse::unparsed`](crate::ApiResponse::unparsed) (`false`, the default).
    /// Either way, an answer whose required parts do not decode is a [`crate::Error::Decode`].
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.strict_decoding = strict;
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let raw = match self.base_url {
            Some(url) => url,
            None => crate::generated::DEFAULT_BASE_URL
                .ok_or(ConfigError::MissingBaseUrl)?
                .to_owned(),
        };
        let base_url = parse_base_url(&raw)?;
        let http = match self.http {
            Some(builder) => builder,
            None => reqwest::Client::builder().user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            )),
        }
        // Never follow a redirect (see `http_client`), even on a caller's builder.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(ConfigError::Http)?;
        Ok(Client {
            base_url,
            http,
            timeout: self.timeout.unwrap_or(Some(DEFAULT_TIMEOUT)),
            max_body_size: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
            authorization: None,
            token_source: self.token_source,
            basic_credentials: self.basic_credentials,
            strict_decoding: self.strict_decoding,
        })
    }
}

fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL cannot have a query or a fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(invalid(
            "plain http is only allowed for loopback hosts; use https",
        )),
        _ => Err(invalid("the scheme must be https")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

impl Client {
    /// A client for the document's default server with default settings.
    pub fn new() -> Result<Self, ConfigError> {
        ClientBuilder::default().build()
    }

    /// A builder to set the base URL, HTTP client or timeout.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL every path is appended to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// A copy of this client (sharing its connections) whose operations get their bearer tokens
    /// from `source` (see [`ClientBuilder::token_source`]).
    pub fn with_token_source(&self, source: impl TokenSource) -> Client {
        Client {
            token_source: Some(Arc::new(source)),
            ..self.clone()
        }
    }

    /// The token source, if the client has one.
    pub fn token_source(&self) -> Option<&Arc<dyn TokenSource>> {
        self.token_source.as_ref()
    }

    /// A copy of this client (sharing its connections) whose HTTP Basic operations send
    /// `credentials` (see [`ClientBuilder::basic_credentials`]).
    pub fn with_basic_credentials(&self, credentials: BasicCredentials) -> Client {
        Client {
            basic_credentials: Some(credentials),
            ..self.clone()
        }
    }

    /// The HTTP Basic client credentials, if the client has them.
    pub fn basic_credentials(&self) -> Option<&BasicCredentials> {
        self.basic_credentials.as_ref()
    }
}

/// Internals the runtime contract (`contract.rs`) and the OAuth layer build on.
impl Client {
    /// The base URL every path is appended to, and the HTTP client and settings requests use.
    pub(super) fn parts(
        &self,
    ) -> (
        &Url,
        &reqwest::Client,
        Option<Duration>,
        Option<&reqwest::header::HeaderValue>,
    ) {
        (
            &self.base_url,
            &self.http,
            self.timeout,
            self.authorization.as_ref(),
        )
    }

    /// A copy of this client that sends `value` as the `Authorization` header of every request.
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    pub(crate) fn with_authorization(&self, mut value: reqwest::header::HeaderValue) -> Client {
        value.set_sensitive(true);
        Client {
            authorization: Some(value),
            ..self.clone()
        }
    }

    /// Sends and decodes a JSON answer like `send_json`, for answers that may carry tokens
    /// (the OAuth layer's token requests): when a success answer does not decode, the
    /// [`DecodeError`] keeps no body at all and a decoder message with nothing of the body.
    /// `sent` are the secrets the request carries (its form's): an error answer has them masked
    /// wherever it shows server text, its decoded error body (`E::redact_sent`) included.
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    pub(crate) async fn send_json_sensitive<
        T: DeserializeOwned,
        E: DeserializeOwned + RedactSent,
    >(
        &self,
        request: RequestBuilder,
        sent: &SentSecrets,
    ) -> Result<ApiResponse<T>, Error<E>> {
        let raw = self.execute_masked(request, sent, E::redact_sent).await?;
        decode_json_with(raw, Sensitivity::Withhold, sent)
    }

    /// Sends, ignoring the body of a success answer, masking `sent` in an error answer as
    /// [`Client::send_json_sensitive`] does.
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    pub(crate) async fn send_empty_sensitive<E: DeserializeOwned + RedactSent>(
        &self,
        request: RequestBuilder,
        sent: &SentSecrets,
    ) -> Result<ApiResponse<()>, Error<E>> {
        let raw = self.execute_masked(request, sent, E::redact_sent).await?;
        Ok(ApiResponse::new(raw.status, raw.headers, ()))
    }

    /// Sends; a success status yields the raw answer (at most `max_body_size` bytes), an error
    /// status the decoded error, with the credential of the request's `Authorization` header
    /// masked in its raw body.
    pub(super) async fn execute<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<Raw, Error<E>> {
        self.execute_masked(request, &SentSecrets::default(), |_, _| {})
            .await
    }

    /// [`Client::execute`], for a request that also sends the secrets `sent`: an error answer
    /// has them (and the `Authorization` credential) masked in its raw body and reason, and
    /// `redact` masks them in the decoded error body.
    async fn execute_masked<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        sent: &SentSecrets,
        redact: impl FnOnce(&mut E, &SentSecrets),
    ) -> Result<Raw, Error<E>> {
        let (http, request) = request.build_split();
        let request = request.map_err(Error::Transport)?;
        let authorization = request.headers().get(AUTHORIZATION).cloned();
        let requested = request.url().clone();
        let response = http.execute(request).await.map_err(Error::Transport)?;
        let status = response.status();
        if let Some(err) = followed_redirect(&requested, response.url(), status) {
            return Err(err);
        }
        let headers = response.headers().clone();
        if status.is_success() {
            let limit = self.max_body_size;
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(body_too_large(status, limit));
            }
            let (body, truncated) = read_capped(response, limit)
                .await
                .map_err(Error::Transport)?;
            if truncated {
                return Err(body_too_large(status, limit));
            }
            return Ok(Raw {
                status,
                headers,
                body,
                lenient: !self.strict_decoding,
            });
        }
        let (body, truncated) = read_capped(response, RAW_BODY_CAP)
            .await
            .map_err(Error::Transport)?;
        let mut sent = sent.clone();
        if let Some(value) = &authorization {
            sent.add_authorization(value);
        }
        Err(decode_error(
            status, headers, &body, truncated, &sent, redact,
        ))
    }
}

/// An answer that came through a redirect is not used: the HTTP client follows none (see
/// [`ClientBuilder::http_client`]), so this only guards against one that does anyway.
fn followed_redirect<E>(requested: &Url, answered: &Url, status: StatusCode) -> Option<Error<E>> {
    (requested != answered).then_some(Error::Redirected { status })
}

/// A success answer whose body is larger than the client reads.
fn body_too_large<E>(status: StatusCode, limit: usize) -> Error<E> {
    Error::BodyTooLarge { status, limit }
}

/// Whether an undecodable success body may be kept (redacted) in the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sensitivity {
    /// Keep it, redacted and capped.
    Keep,
    /// Keep nothing of it: it may carry tokens in a shape redaction does not recognise.
    Withhold,
}

/// Decodes a success answer's JSON body; a wrong content type, an empty body or JSON of the wrong
/// shape is a [`DecodeError`].
pub(super) fn decode_json<T: DeserializeOwned, E>(raw: Raw) -> Result<ApiResponse<T>, Error<E>> {
    decode_json_with(raw, Sensitivity::Keep, &SentSecrets::default())
}

fn decode_json_with<T: DeserializeOwned, E>(
    raw: Raw,
    sensitivity: Sensitivity,
    sent: &SentSecrets,
) -> Result<ApiResponse<T>, Error<E>> {
    let content_type = content_type(&raw.headers);
    let withhold = sensitivity == Sensitivity::Withhold;
    let fail = |reason: String| {
        let reason = sent.mask(&reason, false).into_owned();
        let (reason, body) = if withhold {
            (
                format!("{reason}; the body was withheld because it may carry tokens"),
                RawBody::withheld(),
            )
        } else {
            (reason, RawBody::masked(&raw.body, false, sent))
        };
        Error::Decode(Box::new(DecodeError {
            status: raw.status,
            content_type: content_type.clone(),
            reason,
            body,
        }))
    };
    if let Some(ct) = content_type.as_deref().filter(|ct| !is_json(ct)) {
        return Err(fail(format!(
            "expected a JSON body (application/json), got `{ct}`"
        )));
    }
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("expected a JSON body, got an empty body".into()));
    }
    // Valid JSON of another shape is decoded again leniently (never a token answer's): what
    // fits is kept, what does not is listed.
    match lenient::decode_answer::<T>(&raw.body, raw.lenient && !withhold) {
        Ok((body, unparsed)) if unparsed.is_empty() => {
            Ok(ApiResponse::new(raw.status, raw.headers, body))
        }
        Ok((body, unparsed)) => {
            tracing::warn!(
                status = raw.status.as_u16(),
                unparsed = unparsed.len(),
                pointers = %unparsed.iter().map(|u| u.pointer()).collect::<Vec<_>>().join(" "),
                "an answer did not decode into its generated type; the values that do not fit are left out (ApiResponse::unparsed)"
            );
            Ok(ApiResponse::new(raw.status, raw.headers, body).with_unparsed(unparsed))
        }
        Err(e) if withhold => Err(fail(scrub_sensitive_message(&e.to_string()))),
        Err(e) => Err(fail(scrub_message(&e.to_string()))),
    }
}

/// A success answer before decoding.
pub(super) struct Raw {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
    /// Whether a body that does not decode strictly is decoded again leniently.
    pub(super) lenient: bool,
}

async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

pub(super) fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// An error answer: its body decoded as `E` (then `redact`ed), or kept as a [`StatusError`];
/// every text of it has `sent` masked.
fn decode_error<E: DeserializeOwned>(
    status: StatusCode,
    headers: HeaderMap,
    body: &[u8],
    truncated: bool,
    sent: &SentSecrets,
    redact: impl FnOnce(&mut E, &SentSecrets),
) -> Error<E> {
    let content_type = content_type(&headers);
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        "the body is empty".to_owned()
    } else if let Some(ct) = content_type.as_deref().filter(|ct| !is_json(ct)) {
        format!("expected a JSON error body, got `{ct}`")
    } else if truncated {
        format!("the body is larger than {RAW_BODY_CAP} bytes")
    } else {
        match serde_json::from_slice::<E>(body) {
            Ok(mut parsed) => {
                redact(&mut parsed, sent);
                return Error::Api(Box::new(ApiError {
                    status,
                    body: parsed,
                    raw: RawBody::masked(body, false, sent),
                    headers,
                }));
            }
            Err(e) => format!(
                "the body is not the documented error type: {}",
                scrub_message(&e.to_string())
            ),
        }
    };
    Error::Status(Box::new(StatusError {
        status,
        content_type,
        reason: sent.mask(&reason, false).into_owned(),
        body: RawBody::masked(body, truncated, sent),
        headers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_unless_loopback() {
        for ok in [
            "https://developer.api.autodesk.com",
            "http://127.0.0.1:8080",
            "http://localhost:1/prefix",
            "http://[::1]:9",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "ftp://127.0.0.1",
            "not a url",
            "https://h/?q=1",
            "mailto:a@b",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(ConfigError::InvalidBaseUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_answer_from_another_url_is_not_used() {
        let requested = Url::parse("http://127.0.0.1:1/authentication/v2/token").unwrap();
        let moved = Url::parse("http://127.0.0.1:1/elsewhere").unwrap();
        assert!(followed_redirect::<()>(&requested, &requested.clone(), StatusCode::OK).is_none());
        let err = followed_redirect::<()>(&requested, &moved, StatusCode::OK).expect("refused");
        assert!(
            matches!(&err, Error::Redirected { status } if *status == StatusCode::OK),
            "{err:?}"
        );
        // The URL it was sent on to is not repeated (it could carry a code).
        assert!(!err.to_string().contains("elsewhere"), "{err}");
    }

    #[test]
    fn the_body_limit_defaults_to_16_mib() {
        let build = |builder: ClientBuilder| builder.base_url("http://127.0.0.1:1").build();
        assert_eq!(
            build(Client::builder()).unwrap().max_body_size,
            16 * 1024 * 1024
        );
        let client = build(
            Client::builder()
                .http_client(reqwest::Client::builder())
                .max_body_size(10),
        )
        .unwrap();
        assert_eq!(client.max_body_size, 10);
    }

    #[test]
    fn endpoints_keep_the_base_path_and_encode_segments_and_query() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:1/base/")
            .build()
            .unwrap();
        let url = client.endpoint(
            &["users", "a/b c", "@me"],
            &[("scope".into(), "data:read data:write".into())],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/base/users/a%2Fb%20c/@me?scope=data%3Aread+data%3Awrite"
        );
    }
}
