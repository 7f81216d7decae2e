//! The OAuth layer's token sources for spec-driven authentication: give a
//! [`TwoLeggedProvider`], an [`SsaProvider`] or a [`UserSession`] to a [`Client`](crate::Client)
//! ([`ClientBuilder::token_source`](crate::ClientBuilder::token_source)) and every operation gets
//! its bearer token from it, for exactly the scopes the operation's `security` names.

use super::error::OAuthError;
use super::session::UserSession;
use super::ssa::SsaProvider;
use super::two_legged::TwoLeggedProvider;
use crate::{AuthError, AuthOption, Grants, Scope, Scopes, SecretString, TokenSource};

type TokenFuture<'a, T> = aps_auth_runtime::auth::TokenFuture<'a, T>;

fn source_error(e: OAuthError) -> AuthError {
    AuthError::Source(Box::new(e))
}

fn scopes_of(option: &AuthOption) -> Scopes {
    option.scopes.iter().map(|s| Scope::from(*s)).collect()
}

/// Application tokens (client credentials), one per scope set an operation names.
impl TokenSource for TwoLeggedProvider {
    fn grants(&self) -> Grants {
        Grants::APP
    }

    fn token<'a>(
        &'a self,
        option: &'a AuthOption,
    ) -> TokenFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            let token = self.token(&scopes_of(option)).await.map_err(source_error)?;
            Ok(token.into_access_token().into())
        })
    }

    fn invalidate<'a>(&'a self, token: &'a SecretString) -> TokenFuture<'a, bool> {
        Box::pin(async move {
            self.forget(token.expose_secret()).await;
            true
        })
    }
}

/// A service account's tokens (JWT-bearer grant), one per scope set an operation names. A service
/// account acts as a user: it serves the operations that take user (three-legged) tokens.
impl TokenSource for SsaProvider {
    fn grants(&self) -> Grants {
        Grants::USER
    }

    fn token<'a>(
        &'a self,
        option: &'a AuthOption,
    ) -> TokenFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            let token = self.token(&scopes_of(option)).await.map_err(source_error)?;
            Ok(token.into_access_token().into())
        })
    }

    fn invalidate<'a>(&'a self, token: &'a SecretString) -> TokenFuture<'a, bool> {
        Box::pin(async move {
            self.forget(token.expose_secret()).await;
            true
        })
    }
}

/// The signed-in user's token, refreshed as needed. An operation whose scopes the user's grant
/// does not cover is refused ([`AuthError::MissingScopes`]) before anything is sent.
impl TokenSource for UserSession {
    fn grants(&self) -> Grants {
        Grants::USER
    }

    fn token<'a>(
        &'a self,
        option: &'a AuthOption,
    ) -> TokenFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            let missing = |granted: &Scopes| -> Vec<String> {
                option
                    .scopes
                    .iter()
                    .filter(|s| !granted.iter().any(|g| g.as_str() == **s))
                    .map(|s| (*s).to_owned())
                    .collect()
            };
            let before = missing(self.current().scopes());
            if !before.is_empty() {
                return Err(AuthError::MissingScopes { missing: before });
            }
            let token = self.access_token().await.map_err(source_error)?;
            let after = missing(token.scopes());
            if !after.is_empty() {
                return Err(AuthError::MissingScopes { missing: after });
            }
            Ok(token.into_access_token().into())
        })
    }

    fn invalidate<'a>(&'a self, token: &'a SecretString) -> TokenFuture<'a, bool> {
        Box::pin(async move {
            self.expire(token.expose_secret());
            !self.sign_in_required()
        })
    }
}
