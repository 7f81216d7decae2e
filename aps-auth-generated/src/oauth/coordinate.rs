//! Doing token work once for every process that shares a [`TokenStore`]: look in the store
//! first; otherwise take the key's lock, look again, do the work (a token request, a refresh),
//! save its result *before* anyone uses it, and release the lock. Others wait for the entry, or
//! for the lock to be released or expire. When the store fails, the work is done without it
//! (logged): a store outage degrades sharing, never the caller.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::client::OAuthClient;
use super::error::OAuthError;
use super::store::{Expected, LockToken, StoreEntry, StoreError, StoreKey, TokenStore};
use super::token::Token;

/// How often a process waiting for another's work looks at the store.
const POLL: Duration = Duration::from_millis(25);

/// What the work produced: the token, and what to save for the other processes.
pub(crate) struct Done {
    pub(crate) token: Token,
    /// The entry, the condition and the time to live of the save (`None`: save nothing).
    pub(crate) save: Option<(StoreEntry, Expected, Duration)>,
}

impl Done {
    fn into_outcome(self) -> Outcome {
        let version = self.save.as_ref().map_or(0, |(entry, ..)| entry.version);
        Outcome::Did(self.token, version)
    }
}

/// How a coordinated call ended.
pub(crate) enum Outcome {
    /// Someone (another process, or an earlier call) had already done it: the store's entry.
    Found(StoreEntry),
    /// This process did the work; the store has its result unless it failed (then logged).
    /// The version is the saved entry's (0 when nothing was to be saved).
    Did(Token, u64),
}

/// Runs `work` for `key` unless the store has an entry `usable` accepts. `work` gets the
/// store's entry as it was under the lock (`None` when there is none, or the store failed).
pub(crate) async fn once<U, W, Fut>(
    client: &OAuthClient,
    key: &StoreKey,
    usable: U,
    work: W,
) -> Result<Outcome, OAuthError>
where
    U: Fn(&StoreEntry) -> bool,
    W: FnOnce(Option<StoreEntry>) -> Fut,
    Fut: Future<Output = Result<Done, OAuthError>>,
{
    let shared = client.token_store().clone();
    let store = &*shared;
    let mut latest = match store.load(key).await {
        Ok(Some(entry)) if usable(&entry) => return Ok(Outcome::Found(entry)),
        Ok(entry) => entry,
        Err(e) => {
            degraded(key, &e);
            return alone(work(None)).await;
        }
    };
    // The lock expires after `lock_ttl`; waiting twice as long means the store misbehaves.
    let give_up = Instant::now()
        .checked_add(client.lock_ttl().saturating_mul(2))
        .unwrap_or_else(Instant::now);
    loop {
        match store.lock(key, client.lock_ttl()).await {
            Ok(Some(lock)) => {
                let held = Held {
                    store: shared.clone(),
                    key: key.clone(),
                    lock: Some(lock),
                };
                return locked(held, usable, work).await;
            }
            Ok(None) => {}
            Err(e) => {
                degraded(key, &e);
                return alone(work(latest)).await;
            }
        }
        tokio::time::sleep(POLL).await;
        match store.load(key).await {
            Ok(Some(entry)) if usable(&entry) => return Ok(Outcome::Found(entry)),
            Ok(entry) => latest = entry,
            Err(e) => {
                degraded(key, &e);
                return alone(work(latest)).await;
            }
        }
        if Instant::now() >= give_up {
            tracing::warn!(key = ?key, "the store's lock was never released; working without it");
            return alone(work(latest)).await;
        }
    }
}

/// A lock this process holds. Released by [`Held::release`]; if the work is abandoned instead
/// (it panicked, or its task was dropped), dropping it releases the lock from a task of its own,
/// so the others do not wait for the lock's expiry.
struct Held {
    store: Arc<dyn TokenStore>,
    key: StoreKey,
    lock: Option<LockToken>,
}

impl Held {
    async fn release(mut self) {
        if let Some(lock) = self.lock.take() {
            release(&*self.store, &self.key, &lock).await;
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else {
            return;
        };
        let (store, key) = (self.store.clone(), self.key.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { release(&*store, &key, &lock).await });
            }
            Err(_) => tracing::warn!(key = ?key, "the store's lock was abandoned; it will expire"),
        }
    }
}

/// The work under the lock: look again, work, save, release.
async fn locked<U, W, Fut>(held: Held, usable: U, work: W) -> Result<Outcome, OAuthError>
where
    U: Fn(&StoreEntry) -> bool,
    W: FnOnce(Option<StoreEntry>) -> Fut,
    Fut: Future<Output = Result<Done, OAuthError>>,
{
    let (shared, key) = (held.store.clone(), held.key.clone());
    let (store, key) = (&*shared, &key);
    let entry = match store.load(key).await {
        Ok(Some(entry)) if usable(&entry) => {
            held.release().await;
            return Ok(Outcome::Found(entry));
        }
        Ok(entry) => entry,
        Err(e) => {
            degraded(key, &e);
            None
        }
    };
    let done = work(entry).await;
    if let Ok(Done {
        save: Some((entry, expected, ttl)),
        ..
    }) = &done
    {
        match store.save(key, entry, *expected, *ttl).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                key = ?key,
                "the stored entry changed while this process held the lock (it expired?); \
                 this process keeps its own token"
            ),
            Err(e) => degraded(key, &e),
        }
    }
    held.release().await;
    done.map(Done::into_outcome)
}

async fn alone<Fut: Future<Output = Result<Done, OAuthError>>>(
    work: Fut,
) -> Result<Outcome, OAuthError> {
    work.await.map(Done::into_outcome)
}

async fn release(store: &dyn TokenStore, key: &StoreKey, lock: &LockToken) {
    if let Err(e) = store.unlock(key, lock).await {
        tracing::warn!(key = ?key, error = %e, "cannot release the store's lock; it will expire");
    }
}

fn degraded(key: &StoreKey, error: &StoreError) {
    tracing::warn!(key = ?key, error = %error, "token store unavailable; working without it");
}
