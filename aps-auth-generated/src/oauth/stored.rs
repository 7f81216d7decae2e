//! [`StoredToken`]: the stored form of a token (wall-clock expiry, serialisable), what a
//! [`TokenStore`](super::TokenStore) keeps. Made only by the explicit `Token::to_stored`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::protocol::ExtraFields;
use crate::SecretString;

/// The stored form of a [`Token`](super::Token)
/// ([`Token::to_stored`](super::Token::to_stored)): serialisable with serde (JSON, a database
/// row), expiry as wall-clock time (milliseconds since the Unix epoch). It holds the tokens in
/// clear; its `Debug` does not show them.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredToken {
    pub(super) access_token: SecretString,
    pub(super) token_type: String,
    pub(super) expires_at_ms: u64,
    pub(super) lifetime_s: u64,
    #[serde(default)]
    pub(super) scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) id_token: Option<String>,
    #[serde(default)]
    pub(super) extra: ExtraFields,
}

impl StoredToken {
    pub(crate) fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// When the token expires (wall-clock).
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH
            .checked_add(Duration::from_millis(self.expires_at_ms))
            .unwrap_or(UNIX_EPOCH)
    }

    /// Whether it carries a refresh token.
    pub fn has_refresh_token(&self) -> bool {
        self.refresh_token.is_some()
    }
}

impl std::fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredToken")
            .field("token_type", &self.token_type)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("extra", &self.extra)
            .finish_non_exhaustive()
    }
}

pub(super) fn unix_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
