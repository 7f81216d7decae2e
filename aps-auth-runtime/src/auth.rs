//! Spec-driven authentication: what each operation's `security` asks for ([`OperationAuth`],
//! generated beside every operation that takes a bearer token), and where the client gets the
//! token ([`TokenSource`], given once to the [`Client`](crate::Client)).
//!
//! An operation whose `security` is HTTP Basic sends client credentials instead: the call's
//! (`.basic_auth(id, secret)`), else the client's ([`BasicCredentials`], given once with
//! [`ClientBuilder::basic_credentials`](crate::ClientBuilder::basic_credentials)).
//!
//! A call first uses a token given to its builder (`.bearer_token(...)`), else asks the client's
//! source for a token for the first of the operation's options the source can serve (a
//! two-legged source serves client-credentials schemes, a user session authorization-code
//! ones), with exactly the scopes that option declares. A `401` answer to a token from the source
//! makes the source drop it, and the call is sent once more with a fresh one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::HeaderValue;

use super::secret::SecretString;

/// Which OAuth grants a scheme accepts tokens from, or a source gives tokens of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grants {
    /// Application tokens (OAuth 2.0 client credentials: two-legged).
    pub app: bool,
    /// User tokens (authorization code, implicit, password flows; OpenID Connect: three-legged).
    pub user: bool,
}

impl Grants {
    /// Application tokens only.
    pub const APP: Grants = Grants {
        app: true,
        user: false,
    };
    /// User tokens only.
    pub const USER: Grants = Grants {
        app: false,
        user: true,
    };
    /// Either (an HTTP bearer scheme says nothing of where its token comes from).
    pub const ANY: Grants = Grants {
        app: true,
        user: true,
    };

    /// Whether a token of `self` can serve a scheme accepting `other`.
    pub fn serves(self, other: Grants) -> bool {
        (self.app && other.app) || (self.user && other.user)
    }
}

/// One way an operation may be authorized: a security scheme of the document, the grants it
/// accepts and the scopes the operation's requirement names for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthOption {
    /// The scheme's name in the document (`components.securitySchemes`).
    pub scheme: &'static str,
    /// Which grants' tokens the scheme accepts.
    pub grants: Grants,
    /// The scopes the operation asks for under this scheme (least privilege: exactly these).
    pub scopes: &'static [&'static str],
}

/// What an operation's `security` says about bearer tokens, in the document's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationAuth {
    /// The operation's method name.
    pub operation: &'static str,
    /// The document also allows calling it without a token.
    pub optional: bool,
    /// The schemes that take a bearer token, in the document's order of preference.
    pub options: &'static [AuthOption],
}

impl OperationAuth {
    /// The first option a source of `grants` can serve.
    pub fn option_for(&self, grants: Grants) -> Option<&'static AuthOption> {
        self.options.iter().find(|o| grants.serves(o.grants))
    }
}

/// What a [`TokenSource`] returns.
pub type TokenFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a [`Client`](crate::Client) gets bearer tokens. The OAuth layer's two-legged provider
/// and user session implement it (with the `oauth` feature), as does [`StaticToken`].
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// Which grants this source's tokens come from.
    fn grants(&self) -> Grants;

    /// A token for `option` (the operation's scheme and its scopes).
    fn token<'a>(
        &'a self,
        option: &'a AuthOption,
    ) -> TokenFuture<'a, Result<SecretString, AuthError>>;

    /// The server refused `token` (`401`): forget it. Returns whether asking again may give
    /// another token (then the call is sent once more).
    fn invalidate<'a>(&'a self, token: &'a SecretString) -> TokenFuture<'a, bool>;
}

impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    fn grants(&self) -> Grants {
        (**self).grants()
    }

    fn token<'a>(
        &'a self,
        option: &'a AuthOption,
    ) -> TokenFuture<'a, Result<SecretString, AuthError>> {
        (**self).token(option)
    }

    fn invalidate<'a>(&'a self, token: &'a SecretString) -> TokenFuture<'a, bool> {
        (**self).invalidate(token)
    }
}

/// A fixed token for every operation, for users who get tokens some other way. It serves every
/// scheme; a `401` is returned as it is (there is no other token to try).
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: SecretString,
    grants: Grants,
}

impl StaticToken {
    /// A fixed token, offered to every scheme.
    pub fn new(token: impl Into<SecretString>) -> Self {
        StaticToken {
            token: token.into(),
            grants: Grants::ANY,
        }
    }

    /// Offers it only to schemes accepting `grants` (a user token: [`Grants::USER`]).
    pub fn for_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }
}

impl TokenSource for StaticToken {
    fn grants(&self) -> Grants {
        self.grants
    }

    fn token<'a>(&'a self, _: &'a AuthOption) -> TokenFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move { Ok(self.token.clone()) })
    }

    fn invalidate<'a>(&'a self, _: &'a SecretString) -> TokenFuture<'a, bool> {
        Box::pin(async { false })
    }
}

/// Client credentials for operations whose `security` is HTTP Basic (`type: http, scheme:
/// basic`), sent as `Authorization: Basic` with the id and secret form-urlencoded before base64
/// (RFC 6749 section 2.3.1), as the OAuth layer authenticates at the token endpoint. `Debug`
/// shows the client id, never the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct BasicCredentials {
    client_id: String,
    client_secret: SecretString,
}

impl BasicCredentials {
    /// A client id and its secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<SecretString>) -> Self {
        BasicCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `Authorization` header value (marked sensitive).
    pub(crate) fn authorization(&self) -> Option<HeaderValue> {
        basic_authorization(&self.client_id, self.client_secret.expose_secret())
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))`, marked sensitive (RFC 6749 section 2.3.1:
/// both are form-urlencoded before base64). `None` only if the value could not be a header,
/// which base64 text always can.
pub fn basic_authorization(client_id: &str, client_secret: &str) -> Option<HeaderValue> {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(client_secret));
    let mut value = HeaderValue::try_from(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
    .ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Why an operation got no token or credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The operation needs a bearer token; none was given to the call and the client has no
    /// token source ([`ClientBuilder::token_source`](crate::ClientBuilder::token_source)).
    #[error(
        "`{operation}` needs a bearer token: give the client a token source, or the call a token with `.bearer_token(...)`"
    )]
    NoTokenSource {
        /// The operation.
        operation: &'static str,
    },
    /// The client's source gives tokens no scheme of the operation accepts (an application token
    /// for an operation that needs a user).
    #[error(
        "`{operation}` accepts tokens of the schemes {schemes:?}, none of which the client's token source ({source_grants:?}) provides"
    )]
    NoMatchingScheme {
        /// The operation.
        operation: &'static str,
        /// The schemes it accepts.
        schemes: Vec<&'static str>,
        /// What the source provides.
        source_grants: Grants,
    },
    /// The operation needs HTTP Basic client credentials; none were given to the call and the
    /// client has none ([`ClientBuilder::basic_credentials`](crate::ClientBuilder::basic_credentials)).
    #[error(
        "`{operation}` needs HTTP Basic client credentials: give the client `basic_credentials`, or the call `.basic_auth(client_id, client_secret)`"
    )]
    NoBasicCredentials {
        /// The operation.
        operation: &'static str,
    },
    /// The user's grant does not cover the scopes the operation needs: sign in again asking for
    /// them.
    #[error("the session's grant lacks the scopes {missing:?} that this operation needs")]
    MissingScopes {
        /// The scopes the operation needs and the grant lacks.
        missing: Vec<String>,
    },
    /// The source failed to get a token (for the OAuth layer: an `OAuthError`, which
    /// `std::error::Error::source` and [`AuthError::source_error`] give back).
    #[error("the token source failed: {0}")]
    Source(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthError {
    /// The source's own error, to downcast (`downcast_ref::<OAuthError>()`).
    pub fn source_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            AuthError::Source(e) => Some(&**e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[AuthOption] = &[
        AuthOption {
            scheme: "3-legged",
            grants: Grants::USER,
            scopes: &["data:read"],
        },
        AuthOption {
            scheme: "2-legged",
            grants: Grants::APP,
            scopes: &["data:read", "bucket:read"],
        },
    ];
    const AUTH: OperationAuth = OperationAuth {
        operation: "op",
        optional: false,
        options: OPTIONS,
    };

    #[test]
    fn basic_credentials_are_form_encoded_then_base64_and_never_shown() {
        let credentials = BasicCredentials::new("my id", "s3cr:t/+");
        let value = credentials.authorization().unwrap();
        assert!(value.is_sensitive());
        let encoded = value.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, b"my+id:s3cr%3At%2F%2B");
        let debug = format!("{credentials:?}");
        assert!(
            debug.contains("my id") && !debug.contains("s3cr"),
            "{debug}"
        );
    }

    #[test]
    fn a_source_gets_the_first_option_it_can_serve() {
        assert_eq!(AUTH.option_for(Grants::USER).unwrap().scheme, "3-legged");
        assert_eq!(AUTH.option_for(Grants::APP).unwrap().scheme, "2-legged");
        assert_eq!(AUTH.option_for(Grants::ANY).unwrap().scheme, "3-legged");
        let none = Grants {
            app: false,
            user: false,
        };
        assert!(AUTH.option_for(none).is_none());
    }
}
