//! [`Token`]: an access token with the instant it expires, its scopes and its refresh token;
//! its stored form is `stored.rs`'s [`StoredToken`], made only on request.

use std::time::{Duration, Instant, SystemTime};

use super::claims::IdTokenClaims;
use super::error::OAuthError;
use super::protocol::{ExtraFields, MAX_LIFETIME, TokenAnswer};
use super::secrets::{AccessToken, IdToken, RefreshToken};
use super::stored::{StoredToken, unix_millis};
use crate::{ApiResponse, RateLimit, Scopes};
use aps_auth_runtime::redact::SentSecrets;

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
    /// The verified claims of the ID token (after a code exchange that asked for `openid`).
    id_token_claims: Option<Box<IdTokenClaims>>,
    extra: ExtraFields,
    rate_limit: RateLimit,
}

impl Token {
    /// Reads a token answer. `received` is when the answer arrived (expiry counts from there);
    /// `requested` are the scopes asked for (for a refresh: the grant's), which RFC 6749 says
    /// were granted when the answer names none. A blank `scope` names none too.
    /// An error quotes the server's words with `sent` (the request's secrets) masked.
    pub(crate) fn from_response(
        answer: ApiResponse<TokenAnswer>,
        received: Instant,
        requested: Option<&Scopes>,
        sent: &SentSecrets,
    ) -> Result<Token, OAuthError> {
        let rate_limit = answer.rate_limit();
        let body = answer.into_inner();
        let access_token = body.access_token.ok_or_else(|| {
            OAuthError::InvalidTokenResponse("the answer has no `access_token`".into())
        })?;
        let token_type = body.token_type.unwrap_or_else(|| "Bearer".into());
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(OAuthError::InvalidTokenResponse(format!(
                "token_type `{}` is not Bearer",
                sent.redact(&token_type)
            )));
        }
        // Clamped to [0, MAX_LIFETIME]: a server's number never overflows the clock.
        let lifetime = match body.expires_in {
            Some(seconds) => seconds.lifetime(),
            None => ASSUMED_LIFETIME,
        };
        Ok(Token {
            access_token: AccessToken::from(access_token),
            token_type,
            expires_at: received.checked_add(lifetime).unwrap_or(received),
            lifetime,
            scopes: body
                .scope
                .filter(|granted| !granted.is_empty())
                .or_else(|| requested.cloned())
                .unwrap_or_default(),
            refresh_token: body.refresh_token.map(RefreshToken::new),
            id_token: body.id_token.map(IdToken::new),
            id_token_claims: None,
            extra: body.extra,
            rate_limit,
        })
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The access token, taken out of the token (for a bearer header: no copy of the secret).
    pub fn into_access_token(self) -> AccessToken {
        self.access_token
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

    /// The OpenID Connect ID token, when `openid` was asked for.
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// The claims of the ID token, verified by [`OAuthClient::exchange_code`](super::OAuthClient::exchange_code)
    /// (signature, issuer, audience, times, nonce). `None` when `openid` was not asked for, and
    /// for a token from a refresh or a stored form (verify those with
    /// [`OAuthClient::verify_id_token`](super::OAuthClient::verify_id_token)).
    pub fn id_token_claims(&self) -> Option<&IdTokenClaims> {
        self.id_token_claims.as_deref()
    }

    pub(crate) fn set_id_token_claims(&mut self, claims: IdTokenClaims) {
        self.id_token_claims = Some(Box::new(claims));
    }

    /// Fields of the token answer that OAuth does not name, as sent.
    pub fn extra(&self) -> &ExtraFields {
        &self.extra
    }

    /// The rate-limit headers of the answer that brought this token.
    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit
    }

    /// The stored form of this token, to keep it across restarts or share it between processes:
    /// **it carries the access, refresh and ID tokens in clear**, so keep it where secrets
    /// belong (an encrypted column, a protected Redis). Its expiry is wall-clock time. This is
    /// the only way to serialise a token: `Token` itself implements no `Serialize`.
    pub fn to_stored(&self) -> StoredToken {
        let expires_at = SystemTime::now()
            .checked_add(self.expires_in())
            .unwrap_or_else(SystemTime::now);
        StoredToken {
            access_token: self.access_token.clone().into(),
            token_type: self.token_type.clone(),
            expires_at_ms: unix_millis(expires_at),
            lifetime_s: self.lifetime.as_secs(),
            scope: self.scopes.to_string(),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            id_token: self.id_token.as_ref().map(|t| t.expose_secret().to_owned()),
            extra: self.extra.clone(),
        }
    }

    /// A token from its stored form. Numbers are clamped (a stored form is input like any
    /// other): the expiry is at most [`MAX_LIFETIME`] away, an expiry in the past makes an
    /// expired token. Rate-limit headers are not stored.
    pub fn from_stored(stored: StoredToken) -> Token {
        let now_ms = unix_millis(SystemTime::now());
        let left =
            Duration::from_millis(stored.expires_at_ms.saturating_sub(now_ms)).min(MAX_LIFETIME);
        let now = Instant::now();
        Token {
            access_token: AccessToken::from(stored.access_token),
            token_type: stored.token_type,
            expires_at: now.checked_add(left).unwrap_or(now),
            lifetime: Duration::from_secs(stored.lifetime_s).min(MAX_LIFETIME),
            scopes: stored.scope.parse().unwrap_or_default(),
            refresh_token: stored.refresh_token.map(RefreshToken::new),
            id_token: stored.id_token.map(IdToken::new),
            id_token_claims: None,
            extra: stored.extra,
            rate_limit: RateLimit::default(),
        }
    }

    /// Marks the token expired (the server refused it): the next use renews it.
    pub(crate) fn expire(&mut self) {
        self.expires_at = Instant::now();
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
        Token::from_response(answer, Instant::now(), None, &SentSecrets::default()).unwrap()
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
    fn the_stored_form_round_trips_with_wall_clock_expiry_and_hides_secrets_in_debug() {
        let t = token(
            r#"{"access_token":"AT-1","refresh_token":"RT-1","id_token":"ID-1","expires_in":3600,"scope":"data:read","x":1}"#,
        );
        let stored = t.to_stored();
        let debug = format!("{stored:?}");
        assert!(
            !debug.contains("AT-1") && !debug.contains("RT-1") && !debug.contains("ID-1"),
            "{debug}"
        );
        let json = serde_json::to_string(&stored).unwrap();
        let back = Token::from_stored(serde_json::from_str(&json).unwrap());
        assert_eq!(back.access_token().expose_secret(), "AT-1");
        assert_eq!(back.refresh_token().unwrap().expose_secret(), "RT-1");
        assert_eq!(back.id_token().unwrap().expose_secret(), "ID-1");
        assert_eq!(back.scopes().to_string(), "data:read");
        assert!(back.extra().get("x").is_some());
        let left = back.expires_in().as_secs();
        assert!((3595..=3600).contains(&left), "{left}");
        let wall = stored
            .expires_at()
            .duration_since(SystemTime::now())
            .unwrap()
            .as_secs();
        assert!((3595..=3600).contains(&wall), "{wall}");
    }

    #[test]
    fn a_stored_form_from_elsewhere_is_clamped() {
        for (at, lifetime) in [("0", "0"), ("18446744073709551615", "18446744073709551615")] {
            let json = format!(
                r#"{{"access_token":"a","token_type":"Bearer","expires_at_ms":{at},"lifetime_s":{lifetime}}}"#
            );
            let t = Token::from_stored(serde_json::from_str(&json).unwrap());
            assert!(t.expires_in() <= MAX_LIFETIME);
            let _ = t.expires_within(Duration::MAX);
            let _ = t.to_stored();
        }
    }

    #[test]
    fn an_answer_without_scope_grants_the_requested_scopes() {
        let requested: Scopes = "data:read bucket:read".parse().unwrap();
        for json in [
            r#"{"access_token":"a"}"#,
            r#"{"access_token":"a","scope":""}"#,
            r#"{"access_token":"a","scope":"  "}"#,
            r#"{"access_token":"a","scope":null}"#,
            r#"{"access_token":"a","scope":42}"#,
        ] {
            let answer: TokenAnswer = serde_json::from_str(json).unwrap();
            let answer = ApiResponse::new(StatusCode::OK, HeaderMap::new(), answer);
            let t = Token::from_response(
                answer,
                Instant::now(),
                Some(&requested),
                &SentSecrets::default(),
            )
            .unwrap();
            assert_eq!(t.scopes(), &requested, "{json}");
        }
        let named = token(r#"{"access_token":"a","scope":"data:read"}"#);
        assert_eq!(named.scopes().to_string(), "data:read");
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
