//! Spec-driven authentication: what each operation's `security` asks for ([`OperationAuth`],
//! generated beside every operation that takes a bearer token), and where the client gets the
//! token ([`TokenSource`], given once to the [`Client`](crate::Client)).
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

/// Why an operation got no token.
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
