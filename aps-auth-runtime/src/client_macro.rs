//! `client!`: the `Client` and `ClientBuilder` of a generated crate's root module.
//!
//! The document's operations are inherent methods of the client, and inherent methods can only
//! be added to a type of the crate that defines them; so the generated module owns its
//! `Client`, a newtype of this crate's [`Client`](crate::Client) written by this macro, which
//! delegates every public method, passes in the document's default base URL and the generated
//! crate's `User-Agent`, and dereferences to the runtime client so that generated call
//! builders reach the send helpers of the runtime contract.

/// `client!(DEFAULT_BASE_URL)`: `pub struct Client` and `pub struct ClientBuilder` in the
/// calling module, whose client uses `DEFAULT_BASE_URL` (an `Option<&'static str>`) unless
/// given a base URL.
#[doc(hidden)]
#[macro_export]
macro_rules! client {
    ($default_base_url:expr) => {
        /// A client for the API. Cheap to clone (the HTTP connection pool is shared).
        ///
        /// Every operation of the document is a method: `async` for calls, plain for browser
        /// redirects (which build a URL and send nothing).
        #[derive(Clone)]
        pub struct Client($crate::Client);

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl ::std::ops::Deref for Client {
            type Target = $crate::Client;

            fn deref(&self) -> &$crate::Client {
                &self.0
            }
        }

        impl Client {
            /// A client for the document's default server with default settings.
            pub fn new() -> ::std::result::Result<Self, $crate::ConfigError> {
                ClientBuilder::default().build()
            }

            /// A builder to set the base URL, HTTP client or timeout.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::default()
            }

            /// The base URL every path is appended to.
            pub fn base_url(&self) -> &$crate::__private::url::Url {
                self.0.base_url()
            }

            /// A copy of this client (sharing its connections) whose operations get their
            /// bearer tokens from `source` (see [`ClientBuilder::token_source`]).
            pub fn with_token_source(&self, source: impl $crate::TokenSource) -> Client {
                Client(self.0.with_token_source(source))
            }

            /// The token source, if the client has one.
            pub fn token_source(
                &self,
            ) -> ::std::option::Option<&::std::sync::Arc<dyn $crate::TokenSource>> {
                self.0.token_source()
            }

            /// A copy of this client (sharing its connections) whose HTTP Basic operations send
            /// `credentials` (see [`ClientBuilder::basic_credentials`]).
            pub fn with_basic_credentials(&self, credentials: $crate::BasicCredentials) -> Client {
                Client(self.0.with_basic_credentials(credentials))
            }

            /// The HTTP Basic client credentials, if the client has them.
            pub fn basic_credentials(&self) -> ::std::option::Option<&$crate::BasicCredentials> {
                self.0.basic_credentials()
            }

            /// How calls are retried (see [`ClientBuilder::retry_policy`]).
            pub fn retry_policy(&self) -> &$crate::RetryPolicy {
                self.0.retry_policy()
            }

            /// A copy of this client (sharing its connections) whose calls are retried as
            /// `policy` says (see [`ClientBuilder::retry_policy`]).
            pub fn with_retry_policy(&self, policy: $crate::RetryPolicy) -> Client {
                Client(self.0.with_retry_policy(policy))
            }

            /// A copy of this client that sends `value` as the `Authorization` header of every
            /// request (client authentication of the OAuth layer's token-endpoint client).
            #[doc(hidden)]
            pub fn with_authorization(
                &self,
                value: $crate::__private::reqwest::header::HeaderValue,
            ) -> Client {
                Client(self.0.with_authorization(value))
            }
        }

        /// Builds a [`Client`].
        pub struct ClientBuilder($crate::ClientBuilder);

        impl ::std::fmt::Debug for ClientBuilder {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl ::std::default::Default for ClientBuilder {
            fn default() -> Self {
                ClientBuilder($crate::Client::builder().defaults(
                    $default_base_url,
                    concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
                ))
            }
        }

        impl ClientBuilder {
            /// The base URL (default: the document's first server). It must be `https`, or
            /// `http` on a loopback host (`127.0.0.1`, `[::1]`, `localhost`) for local testing.
            pub fn base_url(self, url: impl Into<String>) -> Self {
                ClientBuilder(self.0.base_url(url))
            }

            /// Builds the HTTP client from this builder instead of the default one (rustls, no
            /// redirect following), for proxies, certificates, connection pool settings and the
            /// like.
            ///
            /// Redirects are always off: [`ClientBuilder::build`] sets
            /// `reqwest::redirect::Policy::none` on it, whatever policy it had. Following a
            /// `307` or `308` would send a request's body again, to wherever the `Location`
            /// says, and token requests carry authorization codes, PKCE verifiers and client
            /// secrets; no API answer is meant to be followed. A redirect is an error answer
            /// (`Error::Status`).
            pub fn http_client(self, builder: $crate::__private::reqwest::ClientBuilder) -> Self {
                ClientBuilder(self.0.http_client(builder))
            }

            /// The largest success body the client reads, in bytes (default: 16 MiB). A larger
            /// answer is an `Error::BodyTooLarge`, without its body; it is refused before
            /// reading when its `Content-Length` already says so. Error answers are unaffected
            /// (an error keeps at most 16 KiB of its body anyway).
            pub fn max_body_size(self, limit: usize) -> Self {
                ClientBuilder(self.0.max_body_size(limit))
            }

            /// The per-request timeout (default: `DEFAULT_TIMEOUT`, 30 s); `None` for no
            /// timeout.
            pub fn timeout(self, timeout: ::std::option::Option<::std::time::Duration>) -> Self {
                ClientBuilder(self.0.timeout(timeout))
            }

            /// Where operations get their bearer token when a call is given none: the OAuth
            /// layer's two-legged provider or user session, a `StaticToken`, or your own
            /// `TokenSource`. Each operation asks it for exactly the scopes its `security`
            /// names.
            pub fn token_source(self, source: impl $crate::TokenSource) -> Self {
                ClientBuilder(self.0.token_source(source))
            }

            /// The client credentials sent (as `Authorization: Basic`) by operations whose
            /// `security` is HTTP Basic, when a call is given none with `.basic_auth(...)`. Only
            /// those operations send them.
            pub fn basic_credentials(self, credentials: $crate::BasicCredentials) -> Self {
                ClientBuilder(self.0.basic_credentials(credentials))
            }

            /// Whether an answer that does not decode into its generated type is an error at
            /// once (`true`), or decoded again so that only the values that do not fit are left
            /// out and listed in `ApiResponse::unparsed` (`false`, the default). Either way, an
            /// answer whose required parts do not decode is an `Error::Decode`.
            pub fn strict_decoding(self, strict: bool) -> Self {
                ClientBuilder(self.0.strict_decoding(strict))
            }

            /// How calls are retried (default: `RetryPolicy::default()`: up to 4 attempts within
            /// 30 s); `RetryPolicy::none()` turns retries off. Only calls safe to repeat are
            /// ever retried: `GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`, and operations the
            /// document marks `x-idempotent: true`; never another `POST` or `PATCH`, nor a
            /// request whose body cannot be sent again. A call's `.retry_policy(..)` overrides
            /// this for that call.
            pub fn retry_policy(self, policy: $crate::RetryPolicy) -> Self {
                ClientBuilder(self.0.retry_policy(policy))
            }

            /// Validates the settings and builds the client.
            pub fn build(self) -> ::std::result::Result<Client, $crate::ConfigError> {
                self.0.build().map(Client)
            }
        }
    };
}
