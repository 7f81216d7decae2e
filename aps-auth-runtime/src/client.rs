//! [`Client`] and [`ClientBuilder`]: base URL, HTTP client, timeout, body limit, token source
//! and client credentials, validated once when the client is built. Sending and decoding are
//! in `decode.rs`, the helpers generated operations call in `contract.rs`.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::{BasicCredentials, TokenSource};
use crate::retry::RetryPolicy;

/// The timeout applied to each request unless [`ClientBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest success body read unless [`ClientBuilder::max_body_size`] says otherwise: 16 MiB.
const DEFAULT_MAX_BODY_SIZE: usize = 16 * 1024 * 1024;

/// The client generated operations send with: a base URL, an HTTP client and the settings every
/// request shares. Cheap to clone (the HTTP connection pool is shared).
///
/// A generated module's own `Client` wraps this one (see the crate docs) and adds the
/// document's operations as methods.
#[derive(Clone)]
pub struct Client {
    base_url: Url,
    http: reqwest::Client,
    timeout: Option<Duration>,
    /// The largest success body read (error bodies are read up to what an error keeps).
    pub(crate) max_body_size: usize,
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
    pub(crate) strict_decoding: bool,
    /// How calls safe to repeat are retried.
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .field("retry", &self.retry)
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
    retry: Option<RetryPolicy>,
    /// The base URL used when none is given: the document's first server.
    default_base_url: Option<&'static str>,
    /// The `User-Agent` of the default HTTP client.
    user_agent: Option<&'static str>,
}

impl ClientBuilder {
    /// What the generated `Client` passes in: the document's default base URL (its first
    /// server, `None` when it declares none) and the `User-Agent` of the default HTTP client
    /// (the generated crate's name and version).
    #[doc(hidden)]
    pub fn defaults(mut self, base_url: Option<&'static str>, user_agent: &'static str) -> Self {
        self.default_base_url = base_url;
        self.user_agent = Some(user_agent);
        self
    }

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

    /// How generated calls are retried (default: [`RetryPolicy::default`]: up to 4 attempts
    /// within 30 s); [`RetryPolicy::none`] turns retries off. Only calls safe to repeat are ever
    /// retried: `GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`, and operations the document marks
    /// `x-idempotent: true`; never another `POST` or `PATCH`, nor a request whose body cannot be
    /// sent again. A call's `.retry_policy(..)` overrides this for that call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let raw = match self.base_url {
            Some(url) => url,
            None => self
                .default_base_url
                .ok_or(ConfigError::MissingBaseUrl)?
                .to_owned(),
        };
        let base_url = parse_base_url(&raw)?;
        let http = match self.http {
            Some(builder) => builder,
            None => reqwest::Client::builder().user_agent(self.user_agent.unwrap_or(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))),
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
            retry: self.retry.unwrap_or_default(),
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
    /// A client with default settings. Without a default base URL (which the generated
    /// `Client` passes in) this is [`ConfigError::MissingBaseUrl`]: use [`Client::builder`].
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

    /// How generated calls are retried (see [`ClientBuilder::retry_policy`]).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// A copy of this client (sharing its connections) whose calls are retried as `policy`
    /// says (see [`ClientBuilder::retry_policy`]).
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        Client {
            retry: policy,
            ..self.clone()
        }
    }
}

/// Internals the runtime contract (`contract.rs`) and the OAuth layer build on.
impl Client {
    /// The base URL every path is appended to, and the HTTP client and settings requests use.
    pub(crate) fn parts(
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

    /// A copy of this client that sends `value` as the `Authorization` header of every request
    /// (client authentication of the OAuth layer's token-endpoint client).
    #[doc(hidden)]
    pub fn with_authorization(&self, mut value: reqwest::header::HeaderValue) -> Client {
        value.set_sensitive(true);
        Client {
            authorization: Some(value),
            ..self.clone()
        }
    }
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
