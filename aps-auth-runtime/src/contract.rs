//! The runtime contract: everything generated code may use beside the public types of the
//! crate root, in one place. Generated files name these items as
//! `::aps_auth_runtime::contract::...`; the generator (`aps-auth-codegen`, `emit/`) writes paths
//! to exactly these. Changing a signature here is changing the generator's target: regenerate
//! and run the tests.
//!
//! | item | used by generated code for |
//! |---|---|
//! | `client!` (`client_macro.rs`, re-exported here) | the root module's `Client` and `ClientBuilder`: a newtype of [`Client`] with the document's default base URL |
//! | `Client::send_operation`, [`CallOptions`] (`call.rs`) | every call: its retries, its timeout and its span, given the operation's [`OperationInfo`] constant (`endpoints`) |
//! | methods of [`Client`], defined here | `endpoint` (URL from path segments and query pairs), `endpoint_on` (the same for an operation with a server of its own), `request`, `send_json` / `send_json_optional` / `send_empty` / `send_text` / `send_bytes` (send and decode) |
//! | [`Pairs`], [`with_headers`], [`with_cookies`], defined here | query, header and cookie parameters |
//! | `ScopeList` (`scopes.rs`) | `pub type Scopes = ::aps_auth_runtime::ScopeList<Scope>` |
//! | `Error`, `ApiResponse` | every operation's result |
//! | `SecretString` | secret-bearing fields (`expose_secret` when written into a request) |
//! | `ConfigError` | `Client::new` of a secondary document's client |
//! | [`OperationInfo`] | each module's `OPERATIONS` table |
//! | `builder!`, `setters!` (`builders.rs`, re-exported here) | each call builder's redacted `Debug` and its `IntoFuture`; the `with_` setters of structs |
//! | `object!` (`object.rs`, re-exported here) | each struct's `Deserialize` |
//! | `closed_enum!`, `open_enum!`, `one_of!` (`enums.rs`, re-exported here) | the glue of string enums (`as_str`, `Display`, serde) and the serde impls of `oneOf`/`anyOf` enums |
//! | `OneOrMany` (`one_or_many.rs`) | a field whose document's own example contradicts its single or array shape |
//! | `answer`, `request`, `check_all`, `Check` (`examples.rs`, re-exported here) | the `examples.rs` test of each generated module (a `#[cfg(test)]` module): the document's examples decode |
//! | `OperationAuth`, `AuthOption`, `Grants` (`auth.rs`), and `Client::send_authorized`, defined here | an operation that takes a bearer token: its `security`, and sending with a token from the call or the client's source |
//! | `Pages`, `Items`, `NextLink` (`paging/`) | a paged operation's `pages()` and `items()`: the streams, and where the next link is |
//! | `Client::basic_authorized`, defined here | an operation whose `security` is HTTP Basic: `Authorization: Basic` from the call's or the client's credentials |
//!
//! Public types are named through the crate root. The generated crate re-exports them at its
//! own root beside the generated types; `aps-auth-codegen`'s `naming::RUNTIME_NAMES` lists them
//! so no generated type shadows one (a test derives the list's duty from the real exports).

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use std::future::Future;

use crate::auth::{AuthError, OperationAuth, basic_authorization};
use crate::client::Client;
use crate::decode::{content_type, decode_json};
use crate::error::{DecodeError, Error, RawBody};
use crate::response::ApiResponse;

pub use crate::call::CallOptions;
pub use crate::examples::{Check, answer, check_all, request};
pub use crate::{builder, client, closed_enum, object, one_of, open_enum, setters};

/// The methods generated operations call on the client (doc-hidden: for generated code only).
#[doc(hidden)]
impl Client {
    /// Sends `request` with a bearer token: `explicit` when the call was given one, else one from
    /// the client's token source for the first of `auth`'s options the source serves (with that
    /// option's scopes). When the server answers `401` to a token from the source, the source
    /// drops it and, if it may have another, the request is sent once more with a fresh one.
    /// `send` sends and decodes (one of the `send_*` methods).
    pub async fn send_authorized<T, E, F, Fut>(
        &self,
        auth: &'static OperationAuth,
        explicit: Option<&str>,
        request: RequestBuilder,
        send: F,
    ) -> Result<T, Error<E>>
    where
        F: Fn(RequestBuilder) -> Fut,
        Fut: Future<Output = Result<T, Error<E>>>,
    {
        if let Some(token) = explicit {
            return send(request.bearer_auth(token)).await;
        }
        let Some(source) = self.token_source() else {
            if auth.optional {
                return send(request).await;
            }
            return Err(Error::Auth(Box::new(AuthError::NoTokenSource {
                operation: auth.operation,
            })));
        };
        let Some(option) = auth.option_for(source.grants()) else {
            return Err(Error::Auth(Box::new(AuthError::NoMatchingScheme {
                operation: auth.operation,
                schemes: auth.options.iter().map(|o| o.scheme).collect(),
                source_grants: source.grants(),
            })));
        };
        let token = source
            .token(option)
            .await
            .map_err(|e| Error::Auth(Box::new(e)))?;
        // A body that is a stream cannot be sent twice; every body the generator writes can.
        let again = request.try_clone();
        let first = send(request.bearer_auth(token.expose_secret())).await;
        match (first, again) {
            (Err(e), Some(again)) if e.status() == Some(StatusCode::UNAUTHORIZED) => {
                if !source.invalidate(&token).await {
                    return Err(e);
                }
                let fresh = source
                    .token(option)
                    .await
                    .map_err(|e| Error::Auth(Box::new(e)))?;
                send(again.bearer_auth(fresh.expose_secret())).await
            }
            (result, _) => result,
        }
    }

    /// Adds `Authorization: Basic` to the request of an operation whose `security` is HTTP
    /// Basic: `explicit` credentials when the call was given some, else the client's. `own`:
    /// the call set the operation's own `Authorization` header parameter, which is sent as it
    /// is. Without credentials, an operation that may be called without them is sent as it is;
    /// the others fail before sending.
    pub fn basic_authorized<E>(
        &self,
        operation: &'static str,
        optional: bool,
        explicit: Option<(&str, &str)>,
        own: bool,
        request: RequestBuilder,
    ) -> Result<RequestBuilder, Error<E>> {
        if own {
            return Ok(request);
        }
        let value = match (explicit, self.basic_credentials()) {
            (Some((id, secret)), _) => basic_authorization(id, secret),
            (None, Some(credentials)) => credentials.authorization(),
            (None, None) if optional => return Ok(request),
            (None, None) => {
                return Err(Error::Auth(Box::new(AuthError::NoBasicCredentials {
                    operation,
                })));
            }
        };
        let value = value.ok_or_else(|| {
            Error::InvalidRequest("the client credentials cannot be sent in a header".into())
        })?;
        Ok(request.header(reqwest::header::AUTHORIZATION, value))
    }

    /// The base URL with `segments` appended (each one percent-encoded) and `query` added
    /// (form-urlencoded).
    pub fn endpoint(&self, segments: &[&str], query: &[(String, String)]) -> Url {
        join(self.parts().0.clone(), segments, query)
    }

    /// The URL of an operation the document serves from a server of its own (`servers` on the
    /// operation or its path): that server while the client uses the document's default server
    /// (`document_default`), else the client's base URL, so that a base URL given by the user (a
    /// test server, a proxy) applies to every operation.
    pub fn endpoint_on(
        &self,
        document_default: Option<&str>,
        server: &str,
        segments: &[&str],
        query: &[(String, String)],
    ) -> Url {
        let on_default = document_default
            .and_then(|d| Url::parse(d).ok())
            .is_some_and(|d| {
                d.as_str().trim_end_matches('/') == self.base_url().as_str().trim_end_matches('/')
            });
        let own = Url::parse(server).ok().filter(|u| !u.cannot_be_a_base());
        let base = match (on_default, own) {
            (true, Some(url)) => url,
            _ => self.parts().0.clone(),
        };
        join(base, segments, query)
    }

    /// A request with the client's timeout (and `Authorization` header, if any) applied.
    pub fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let (_, http, timeout, authorization) = self.parts();
        // A page stream sends a page's call to its next link (`paging/redirect.rs`).
        let url = crate::paging::redirect::take(self, url);
        let mut request = http.request(method, url);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        if let Some(value) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value.clone());
        }
        request
    }

    /// Sends and decodes a JSON answer.
    pub async fn send_json<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<ApiResponse<T>, Error<E>> {
        decode_json(self.execute(request).await?)
    }

    /// Sends and decodes a JSON answer that may also be empty (`204 No Content`, or a `200`
    /// without a body): `None` then.
    pub async fn send_json_optional<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<ApiResponse<Option<T>>, Error<E>> {
        let raw = self.execute(request).await?;
        if raw.status == StatusCode::NO_CONTENT || raw.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiResponse::new(raw.status, raw.headers, None));
        }
        decode_json::<T, E>(raw).map(|answer| answer.map_body(Some))
    }

    /// Sends; any body of a success answer is ignored.
    pub async fn send_empty<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<ApiResponse<()>, Error<E>> {
        let raw = self.execute(request).await?;
        Ok(ApiResponse::new(raw.status, raw.headers, ()))
    }

    /// Sends and returns a text answer.
    pub async fn send_text<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<ApiResponse<String>, Error<E>> {
        let raw = self.execute(request).await?;
        match String::from_utf8(raw.body) {
            Ok(text) => Ok(ApiResponse::new(raw.status, raw.headers, text)),
            Err(e) => Err(Error::Decode(Box::new(DecodeError {
                status: raw.status,
                content_type: content_type(&raw.headers),
                reason: format!("the text body is not UTF-8: {}", e.utf8_error()),
                body: RawBody::new(e.as_bytes(), false),
            }))),
        }
    }

    /// Sends and returns the answer's bytes.
    pub async fn send_bytes<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<ApiResponse<Vec<u8>>, Error<E>> {
        let raw = self.execute(request).await?;
        Ok(ApiResponse::new(raw.status, raw.headers, raw.body))
    }
}

/// `base` with `segments` appended (each one percent-encoded) and `query` added
/// (form-urlencoded): the one place URLs of operations are built.
fn join(mut url: Url, segments: &[&str], query: &[(String, String)]) -> Url {
    // A base URL has a host (checked when the client was built, or by `endpoint_on`), so it
    // has path segments.
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    url
}

/// Name/value pairs collected by generated code for a query string or headers.
#[derive(Debug, Default)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// No pairs.
    pub fn new() -> Self {
        Pairs(Vec::new())
    }

    /// Adds a pair.
    pub fn push(&mut self, name: impl Into<String>, value: String) {
        self.0.push((name.into(), value));
    }

    /// The pairs, in the order they were added.
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }
}

/// Adds header parameters, refusing values that cannot be sent in a header.
pub fn with_headers<E>(
    request: reqwest::RequestBuilder,
    headers: &Pairs,
) -> Result<reqwest::RequestBuilder, Error<E>> {
    let mut request = request;
    for (name, value) in headers.as_slice() {
        let value = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
            Error::InvalidRequest(format!(
                "the value of header `{name}` contains characters a header cannot carry"
            ))
        })?;
        request = request.header(name.as_str(), value);
    }
    Ok(request)
}

/// Adds cookie parameters as one `Cookie` header, percent-encoding what a cookie value cannot
/// hold (RFC 6265: controls, space, `"`, `,`, `;`, `\`, and `%` itself).
pub fn with_cookies<E>(
    request: reqwest::RequestBuilder,
    cookies: &Pairs,
) -> Result<reqwest::RequestBuilder, Error<E>> {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'!' | b'#'..=b'$' | b'&'..=b'+' | b'-'..=b':' | b'<'..=b'[' | b']'..=b'~'
                    if b != b'%' =>
                {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let header = cookies
        .as_slice()
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("; ");
    let value = reqwest::header::HeaderValue::from_str(&header)
        .map_err(|_| Error::InvalidRequest("a cookie parameter cannot be sent".into()))?;
    Ok(request.header(reqwest::header::COOKIE, value))
}

/// One operation of a document, as listed in its module's `OPERATIONS` table: what the OAuth
/// layer (and any code that needs an endpoint without calling it) looks endpoints up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The name of its method on the client (`get_token`, `authorize_url`).
    pub name: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template as the document writes it (`/authentication/v2/token`).
    pub path: &'static str,
    /// The document's `operationId` (or, without one, the name derived from method and path):
    /// the name of the call's span (`otel.name`).
    pub operation_id: &'static str,
    /// Whether the document marks the operation idempotent (`x-idempotent: true`), so that a
    /// `POST` or `PATCH` is retried like a `GET` ([`crate::RetryPolicy`]).
    pub idempotent: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operations_own_server_applies_only_on_the_documents_default() {
        let default = Client::builder()
            .base_url("https://developer.api.autodesk.com")
            .build()
            .unwrap();
        let own = "https://api.userprofile.autodesk.com";
        let doc = Some("https://developer.api.autodesk.com");
        assert_eq!(
            default.endpoint_on(doc, own, &["userinfo"], &[]).as_str(),
            "https://api.userprofile.autodesk.com/userinfo"
        );
        // A base URL the user chose (a test server, a proxy) applies to every operation.
        let local = Client::builder()
            .base_url("http://127.0.0.1:9/base")
            .build()
            .unwrap();
        assert_eq!(
            local.endpoint_on(doc, own, &["userinfo"], &[]).as_str(),
            "http://127.0.0.1:9/base/userinfo"
        );
    }
}
