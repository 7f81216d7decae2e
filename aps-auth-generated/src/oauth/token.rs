//! [`Token`]: an access token with the instant it expires, its scopes and its refresh token.

use std::time::{Duration, Instant};

use super::error::OAuthError;
use super::protocol::{ExtraFields, TokenAnswer};
use super::secrets::{AccessToken, IdToken, RefreshToken};
use crate::{ApiResponse, RateLimit, Scopes};

/// The lifetime assumed when a token answer has no `expires_in` (RFC 6749 makes it optional).
pub const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);

/// A token from the token endpoint. `Debug` shows everything but the secrets.
#[derive(Debug, Clone)]
pub struct Token {
    access_token: AccessToken,
    token_type: String,
    expires_at: Instant,
    /// How long the token lived when it arrived.
    lifetime: Duration,
    scopes: Scopes,
    refresh_token: Option<RefreshToken>,
    id_token: Option<IdToken>,
    extra: ExtraFields,
    rate_limit: RateLimit,
}

impl Token {
    /// Reads a token answer. `received` is when the answer arrived (expiry counts from there);
    /// `requested` are the scopes asked for, which RFC 6749 says were granted when the answer
    /// names none.
    pub(crate) fn from_response(
        answer: ApiResponse<TokenAnswer>,
        received: Instant,
        requested: Option<&Scopes>,
    ) -> Result<Token, OAuthError> {
        let rate_limit = answer.rate_limit();
        let body = answer.into_inner();
        let access_token = body.access_token.ok_or_else(|| {
            OAuthError::InvalidTokenResponse("the answer has no `access_token`".into())
        })?;
        let token_type = body.token_type.unwrap_or_else(|| "Bearer".into());
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(OAuthError::InvalidTokenResponse(format!(
                "token_type `{token_type}` is not Bearer"
            )));
        }
        // Clamped to [0, MAX_LIFETIME]: a server's number never overflows the clock.
        let lifetime = match body.expires_in {
            Some(seconds) => seconds.lifetime(),
            None => ASSUMED_LIFETIME,
        };
        Ok(Token {
            access_token: AccessToken::new(access_token),
            token_type,
            expires_at: received.checked_add(lifetime).unwrap_or(received),
            lifetime,
            scopes: body
                .scope
                .or_else(|| requested.cloned())
                .unwrap_or_default(),
            refresh_token: body.refresh_token.map(RefreshToken::new),
            id_token: body.id_token.map(IdToken::new),
            extra: body.extra,
            rate_limit,
        })
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// `Bearer`.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// When the token expires, computed when the answer arrived.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// The time left before expiry (zero once expired).
    pub fn expires_in(&self) -> Duration {
        self.expires_at.saturating_duration_since(Instant::now())
    }

    /// Whether the token should be renewed: it expires within `margin` from now, where the
    /// margin is at most half the token's lifetime (so a token that lives less than the margin is
    /// still used for half its life instead of being fetched again on every call).
    pub fn expires_within(&self, margin: Duration) -> bool {
        let margin = margin.min(self.lifetime / 2);
        Instant::now()
            .checked_add(margin)
            .is_none_or(|soon| soon >= self.expires_at)
    }

    /// The granted scopes.
    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// The refresh token (three-legged flows).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The OpenID Connect ID token, when `openid` was asked for (not verified here).
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// Fields of the token answer that OAuth does not name, as sent.
    pub fn extra(&self) -> &ExtraFields {
        &self.extra
    }

    /// The rate-limit headers of the answer that brought this token.
    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit
    }

    pub(crate) fn keep_refresh_token(&mut self, previous: Option<&RefreshToken>) {
        if self.refresh_token.is_none() {
            self.refresh_token = previous.cloned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::protocol::TokenAnswer;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    fn token(json: &str) -> Token {
        let answer: TokenAnswer = serde_json::from_str(json).unwrap();
        let answer = ApiResponse::new(StatusCode::OK, HeaderMap::new(), answer);
        Token::from_response(answer, Instant::now(), None).unwrap()
    }

    #[test]
    fn a_short_lived_token_is_renewed_at_half_its_life_not_at_once() {
        let short = token(r#"{"access_token":"a","expires_in":10}"#);
        assert!(!short.expires_within(Duration::from_secs(60)));
        let long = token(r#"{"access_token":"a","expires_in":3600}"#);
        assert!(!long.expires_within(Duration::from_secs(60)));
        // A margin is capped at half the lifetime: renewal comes at 30 minutes left, not sooner.
        assert!(!long.expires_within(Duration::from_secs(3599)));
        let dead = token(r#"{"access_token":"a","expires_in":0}"#);
        assert!(dead.expires_within(Duration::from_secs(60)));
    }

    #[test]
    fn numbers_from_the_server_never_panic() {
        for expires_in in [
            "9223372036854775807",
            "-1",
            "1e308",
            "\"NaN\"",
            "\"12\"",
            "null",
        ] {
            let t = token(&format!(
                r#"{{"access_token":"a","expires_in":{expires_in}}}"#
            ));
            assert!(t.expires_in() <= crate::oauth::MAX_LIFETIME, "{expires_in}");
            let _ = t.expires_within(Duration::MAX);
        }
    }
}
