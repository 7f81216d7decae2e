//! [`UserSession`]: a signed-in user's tokens, refreshed once for all concurrent callers (and,
//! for a session shared through a [`TokenStore`](super::TokenStore), once for all processes),
//! with the rotated refresh token saved before anyone uses the new access token.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use super::client::OAuthClient;
use super::code::OAuthErrorCode;
use super::coordinate::{self, Done, Outcome};
use super::error::OAuthError;
use super::flight::SingleFlight;
use super::store::{Expected, StoreEntry, StoreKey, next_version};
use super::token::Token;

/// How long a shared session stays in the store after its last write: the lifetime of an APS
/// refresh token (15 days). A session unused for longer cannot be refreshed anyway.
pub const SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 24 * 60 * 60);

/// A signed-in user's tokens. [`UserSession::access_token`] refreshes the token when it is about
/// to expire; concurrent callers share one refresh and its result, errors included (refresh
/// tokens rotate: a second refresh with the same token would fail). The refresh runs in a task of
/// its own, so it completes and its rotated refresh token reaches the session even when every
/// caller is dropped. Cheap to clone; clones share the session.
///
/// Made by [`OAuthClient::session`] (this process only), or by [`OAuthClient::shared_session`]
/// and [`OAuthClient::resume_session`] (kept in the client's token store under a session id of
/// the application's, so every process, and a restarted one, refreshes it in turn).
#[derive(Debug, Clone)]
pub struct UserSession {
    inner: Arc<SessionInner>,
}

#[derive(Debug)]
struct SessionInner {
    client: OAuthClient,
    /// Where the session is shared, if it is.
    shared: Option<StoreKey>,
    state: Mutex<State>,
    flight: Arc<SingleFlight<Token>>,
    changes: watch::Sender<Token>,
}

#[derive(Debug)]
struct State {
    token: Token,
    /// The version of `token`: bumped by every refresh (the store's entry version when shared).
    version: u64,
    /// Set once the grant is gone; the session then never sends its refresh token again.
    dead: Option<OAuthError>,
}

impl OAuthClient {
    /// A session around a three-legged token, kept in this process only.
    pub fn session(&self, token: Token) -> UserSession {
        UserSession::new(self.clone(), None, token, 0)
    }

    /// A session kept in the client's token store under `session_id` (an id of the
    /// application's: a user id, a web session id; only its hash is used as a key), starting
    /// from `token` (just signed in). Other processes open it with
    /// [`OAuthClient::resume_session`]. If the store is unreachable, the session works in this
    /// process alone (logged).
    pub async fn shared_session(&self, session_id: &str, token: Token) -> UserSession {
        let key = StoreKey::session(self.credentials().client_id(), session_id);
        let store = self.token_store();
        // The version there now, for the compare-and-set (a foreign one included: it is replaced).
        let current = match store.load(&key).await {
            Ok(entry) => entry.map_or(0, |e| e.version),
            Err(e) => {
                tracing::warn!(key = ?key, error = %e, "token store unavailable; the session is not shared");
                return UserSession::new(self.clone(), Some(key), token, 0);
            }
        };
        let entry = StoreEntry {
            version: next_version(current),
            token: token.to_stored(),
        };
        match store
            .save(&key, &entry, Expected::Version(current), SESSION_TTL)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(key = ?key, "the stored session changed while it was replaced; the next refresh settles it")
            }
            Err(e) => {
                tracing::warn!(key = ?key, error = %e, "token store unavailable; the session is not shared yet")
            }
        }
        UserSession::new(self.clone(), Some(key), token, entry.version)
    }

    /// Opens the session kept in the token store under `session_id`. Fails with
    /// [`OAuthError::SignInRequired`] when there is none (never signed in, or unused for longer
    /// than [`SESSION_TTL`]) and with [`OAuthError::Store`] when the store cannot be read.
    pub async fn resume_session(&self, session_id: &str) -> Result<UserSession, OAuthError> {
        let key = StoreKey::session(self.credentials().client_id(), session_id);
        match self.token_store().load(&key).await {
            Ok(Some(entry)) if !entry.is_foreign() => Ok(UserSession::new(
                self.clone(),
                Some(key),
                Token::from_stored(entry.token),
                entry.version,
            )),
            Ok(Some(_)) => {
                tracing::warn!(key = ?key, "the stored session has a version this layer never writes; treated as absent");
                Err(OAuthError::sign_in_required(
                    "the token store has no usable session (its version was not written by this layer)",
                    None,
                ))
            }
            Ok(None) => Err(OAuthError::sign_in_required(
                "the token store has no such session",
                None,
            )),
            Err(e) => Err(OAuthError::Store(e)),
        }
    }
}

impl UserSession {
    fn new(client: OAuthClient, shared: Option<StoreKey>, token: Token, version: u64) -> Self {
        let (changes, _) = watch::channel(token.clone());
        UserSession {
            inner: Arc::new(SessionInner {
                client,
                shared,
                state: Mutex::new(State {
                    token,
                    version,
                    dead: None,
                }),
                flight: Arc::default(),
                changes,
            }),
        }
    }

    /// The current token, refreshed first when it expires within the client's expiry margin (at
    /// most half its lifetime).
    pub async fn access_token(&self) -> Result<Token, OAuthError> {
        let seen = {
            let state = self.inner.state();
            if let Some(dead) = &state.dead {
                return Err(dead.clone());
            }
            if !state
                .token
                .expires_within(self.inner.client.expiry_margin())
            {
                return Ok(state.token.clone());
            }
            state.version
        };
        self.refresh_from(seen).await
    }

    /// Refreshes now. Callers that ask while a refresh is under way get its result instead of
    /// starting another; so does a caller of a shared session that another process refreshed
    /// since this one last looked.
    pub async fn refresh(&self) -> Result<Token, OAuthError> {
        let seen = {
            let state = self.inner.state();
            if let Some(dead) = &state.dead {
                return Err(dead.clone());
            }
            state.version
        };
        self.refresh_from(seen).await
    }

    /// The current token, as it is (no refresh).
    pub fn current(&self) -> Token {
        self.inner.state().token.clone()
    }

    /// A receiver that sees every new token of this session (a refresh here, or one adopted from
    /// another process), after the token store has it. For an application that keeps sessions
    /// itself, `Token::to_stored` of each gives what to save; implementing
    /// [`TokenStore`](super::TokenStore) instead makes the save happen before any caller uses the
    /// new token.
    pub fn watch(&self) -> watch::Receiver<Token> {
        self.inner.changes.subscribe()
    }

    /// Marks `access_token` expired if it is the current one (the server refused it), so the
    /// next [`UserSession::access_token`] refreshes.
    pub fn expire(&self, access_token: &str) {
        let mut state = self.inner.state();
        if state.token.access_token().expose_secret() == access_token {
            state.token.expire();
        }
    }

    /// Whether the grant is gone (the last refresh was refused with `invalid_grant`).
    pub fn sign_in_required(&self) -> bool {
        self.inner.state().dead.is_some()
    }

    /// Runs the refresh for a caller that saw version `seen`, in a task of its own that every
    /// concurrent caller joins.
    async fn refresh_from(&self, seen: u64) -> Result<Token, OAuthError> {
        let inner = self.inner.clone();
        self.inner
            .flight
            .run(move || async move {
                {
                    let state = inner.state();
                    if let Some(dead) = &state.dead {
                        return Err(dead.clone());
                    }
                    // Refreshed since this caller looked (by the flight that just ended).
                    if state.version != seen {
                        return Ok(state.token.clone());
                    }
                }
                let result = inner.refresh_once(seen).await;
                if let Err(err @ OAuthError::SignInRequired(_)) = &result {
                    inner.state().dead = Some(err.clone());
                }
                result
            })
            .await
    }
}

impl SessionInner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One refresh: across processes through the store when shared, else here.
    async fn refresh_once(&self, seen: u64) -> Result<Token, OAuthError> {
        let Some(key) = &self.shared else {
            let token = self.refresh_with(self.current_token(), None).await?.token;
            self.adopt(token.clone(), next_version(seen));
            return Ok(token);
        };
        // Versions come from the store, which may hold anything: no arithmetic on them but
        // `next_version`, and an entry with a foreign version is neither adopted nor built on
        // (it is overwritten, compared on its own version).
        let outcome = coordinate::once(
            &self.client,
            key,
            |entry| !entry.is_foreign() && entry.version > seen,
            |entry| async move {
                // The newest refresh token: the store's, unless this process has a newer one
                // (the store lost its data, say).
                let in_store = entry.as_ref().map_or(0, |e| e.version);
                let (base, token) = match entry {
                    Some(e) if !e.is_foreign() && e.version >= seen => {
                        (e.version, Token::from_stored(e.token))
                    }
                    Some(e) if !e.is_foreign() => (seen.max(e.version), self.current_token()),
                    _ => (seen, self.current_token()),
                };
                let mut done = self.refresh_with(token, Some(next_version(base))).await?;
                if let Some((_, expected, _)) = &mut done.save {
                    *expected = Expected::Version(in_store);
                }
                Ok(done)
            },
        )
        .await?;
        Ok(match outcome {
            Outcome::Found(entry) => {
                let token = Token::from_stored(entry.token);
                self.adopt(token.clone(), entry.version);
                token
            }
            Outcome::Did(token, version) => {
                self.adopt(token.clone(), version.max(next_version(seen)));
                token
            }
        })
    }

    fn current_token(&self) -> Token {
        self.state().token.clone()
    }

    /// Sends the refresh. An `invalid_grant` answer (the grant was revoked, expired, or its
    /// refresh token already spent) and a token without refresh token become
    /// [`OAuthError::SignInRequired`].
    async fn refresh_with(&self, token: Token, version: Option<u64>) -> Result<Done, OAuthError> {
        let Some(refresh_token) = token.refresh_token() else {
            return Err(OAuthError::sign_in_required(
                "the session's token has no refresh token",
                None,
            ));
        };
        // An answer without `scope` keeps the grant's (RFC 6749 section 6).
        let fresh = match self
            .client
            .refresh_granted(refresh_token, Some(token.scopes()))
            .await
        {
            Ok(fresh) => fresh,
            Err(OAuthError::Refused(refusal))
                if refusal.error == Some(OAuthErrorCode::InvalidGrant) =>
            {
                tracing::warn!(
                    "the refresh token was refused (invalid_grant); the user must sign in again"
                );
                return Err(OAuthError::sign_in_required(
                    "the server refused the refresh token (invalid_grant): the grant was revoked, \
                     expired, or its refresh token was already used",
                    Some(*refusal),
                ));
            }
            Err(other) => return Err(other),
        };
        let save = version.map(|version| {
            let entry = StoreEntry {
                version,
                token: fresh.to_stored(),
            };
            (entry, Expected::Any, SESSION_TTL)
        });
        Ok(Done { token: fresh, save })
    }

    fn adopt(&self, token: Token, version: u64) {
        {
            let mut state = self.state();
            state.token = token.clone();
            state.version = version;
        }
        self.changes.send_replace(token);
    }
}
