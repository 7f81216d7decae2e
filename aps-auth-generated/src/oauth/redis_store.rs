//! [`RedisStore`] (cargo feature `redis`): a [`TokenStore`] on Redis, for a fleet of processes
//! sharing one client id.
//!
//! What it writes, under its prefix (default `aps-auth:`):
//! - `v1:2l:<hash>`: a hash `{v, t}` with the two-legged token of a (client id, scope set) as
//!   JSON ([`StoredToken`](super::StoredToken): access token, expiry, scopes), expiring with the
//!   token;
//! - `v1:3l:<hash>`: a hash `{v, t}` with a user session's token (access, refresh and ID tokens)
//!   and its version, expiring [`SESSION_TTL`](super::SESSION_TTL) after its last write;
//! - `<key>:lock`: a random lock value, for at most the client's lock TTL.
//!
//! Keys are SHA-256 hashes: no client id, scope, session id or token appears in a key. Values
//! hold tokens in clear: protect the server (see the README).
//!
//! An entry whose version (`v`) is not a `u64` in decimal is treated as absent and overwritten;
//! one whose token (`t`) does not read is ignored (logged), and replaced by the next write that
//! does not compare versions.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::store::{
    Expected, LockToken, StoreEntry, StoreError, StoreFuture, StoreKey, TokenStore,
};

/// Writes `t` and `v` if the version is as expected, and sets the expiry. A `v` that is not a
/// version this store writes (a `u64` in decimal without leading zeros) counts as no entry
/// ("0"), as `load` treats it as absent.
/// KEYS[1]: key; ARGV: expected version ("any" or a number), new version, JSON, ttl in ms.
const SAVE: &str = r"
local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= '0' and (not string.match(v, '^[1-9][0-9]*$') or #v > 20
    or (#v == 20 and v > '18446744073709551615')) then
  v = '0'
end
if ARGV[1] ~= 'any' and v ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 't', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
";

/// Deletes the lock if it still holds this value. KEYS[1]: lock key; ARGV[1]: value.
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Deletes the entry if its version is as given. KEYS[1]: key; ARGV[1]: version.
const REMOVE: &str = r"
if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A token store on Redis. Cheap to clone (one multiplexed connection, reconnected after a
/// failure). Every command is bounded by a response timeout (default 1 s): when Redis is down,
/// operations fail fast and the OAuth layer works on its own until Redis is back.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    save: redis::Script,
    unlock: redis::Script,
    remove: redis::Script,
}

impl std::fmt::Debug for RedisStore {
    // The URL may carry a password: it is not kept, and nothing of the connection is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the Redis server at `url` (`redis://host:port/db`, `rediss://` for TLS is not
    /// compiled in), with a 1 s timeout per command. Connects on first use, so building it never
    /// fails because Redis is down. Call it within a Tokio runtime.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        Self::with_timeout(url, Duration::from_secs(1))
    }

    /// As [`RedisStore::new`], with another timeout per command (and per connection attempt).
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        // The URL is not echoed: it may hold a password.
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::new(format!("invalid Redis URL: {}", e.category())))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(timeout);
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| {
            StoreError::new(format!(
                "cannot set up the Redis connection: {}",
                e.category()
            ))
        })?;
        Ok(RedisStore {
            connection,
            prefix: "aps-auth:".into(),
            save: redis::Script::new(SAVE),
            unlock: redis::Script::new(UNLOCK),
            remove: redis::Script::new(REMOVE),
        })
    }

    /// Writes under another prefix than `aps-auth:` (several applications on one server).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, key: &StoreKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    fn lock_key(&self, key: &StoreKey) -> String {
        format!("{}{}:lock", self.prefix, key.as_str())
    }
}

/// A Redis error in words that carry no value sent or stored.
fn failed(what: &str, error: &redis::RedisError) -> StoreError {
    let kind = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connection_refusal() || error.is_connection_dropped() || error.is_io_error()
    {
        "connection failed".to_owned()
    } else {
        error.category().to_owned()
    };
    StoreError::new(format!("Redis {what}: {kind}"))
}

/// A version as this store writes it: a `u64` in decimal, without sign or leading zeros.
fn parse_version(text: &str) -> Option<u64> {
    let version = text.parse::<u64>().ok()?;
    (version.to_string() == text).then_some(version)
}

/// Milliseconds for `PX`/`PEXPIRE`: at least 1 (0 is an error), at most a year.
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.min(super::protocol::MAX_LIFETIME).as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl TokenStore for RedisStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<StoreEntry>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let (version, json): (Option<String>, Option<String>) = redis::cmd("HMGET")
                .arg(self.key(key))
                .arg("v")
                .arg("t")
                .query_async(&mut connection)
                .await
                .map_err(|e| failed("read", &e))?;
            let (Some(version), Some(json)) = (version, json) else {
                return Ok(None);
            };
            // A version this store did not write (not a `u64` in decimal, as `SAVE` checks too)
            // is treated as absent; its value is not echoed.
            let Some(version) = parse_version(&version) else {
                tracing::warn!(key = ?key, "unreadable version in Redis; the entry is ignored");
                return Ok(None);
            };
            // A token this store did not write (or an older format) is treated as absent until a
            // write replaces it; its content is not echoed.
            match serde_json::from_str(&json) {
                Ok(token) => Ok(Some(StoreEntry { version, token })),
                Err(e) => {
                    tracing::warn!(key = ?key, line = e.line(), column = e.column(), "unreadable entry in Redis; ignored");
                    Ok(None)
                }
            }
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        entry: &'a StoreEntry,
        expected: Expected,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let json = serde_json::to_string(&entry.token).map_err(|e| {
                StoreError::new(format!("cannot encode the token: {}", e.classify() as u8))
            })?;
            let expected = match expected {
                Expected::Any => "any".to_owned(),
                Expected::Version(v) => v.to_string(),
            };
            let mut connection = self.connection.clone();
            let written: i64 = self
                .save
                .key(self.key(key))
                .arg(expected)
                .arg(entry.version)
                .arg(json)
                .arg(millis(ttl))
                .invoke_async(&mut connection)
                .await
                .map_err(|e| failed("write", &e))?;
            Ok(written == 1)
        })
    }

    fn lock<'a>(&'a self, key: &'a StoreKey, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        Box::pin(async move {
            let lock = LockToken::generate()?;
            let mut connection = self.connection.clone();
            let taken: Option<String> = redis::cmd("SET")
                .arg(self.lock_key(key))
                .arg(lock.as_str())
                .arg("NX")
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut connection)
                .await
                .map_err(|e| failed("lock", &e))?;
            Ok(taken.map(|_| lock))
        })
    }

    fn unlock<'a>(&'a self, key: &'a StoreKey, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let _: i64 = self
                .unlock
                .key(self.lock_key(key))
                .arg(lock.as_str())
                .invoke_async(&mut connection)
                .await
                .map_err(|e| failed("unlock", &e))?;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a StoreKey, version: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let _: i64 = self
                .remove
                .key(self.key(key))
                .arg(version)
                .invoke_async(&mut connection)
                .await
                .map_err(|e| failed("remove", &e))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_versions_this_store_writes_are_read() {
        assert_eq!(parse_version("0"), Some(0));
        assert_eq!(parse_version("42"), Some(42));
        assert_eq!(parse_version("18446744073709551615"), Some(u64::MAX));
        for foreign in [
            "",
            "-1",
            "+1",
            "007",
            "1e3",
            " 1",
            "abc",
            "18446744073709551616",
        ] {
            assert_eq!(parse_version(foreign), None, "{foreign}");
        }
    }
}
