//! What a verified JWT says and how a token fails verification: [`IdTokenClaims`],
//! [`AccessTokenClaims`] (their numbers clamped, never trusted to fit), [`TokenCheck`] and
//! [`TokenRejected`], and the time checks with [`CLOCK_SKEW`]. No I/O: a leaf the errors, the
//! token and the verifier build on.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::Value;

use super::protocol::ExtraFields;
use crate::Scopes;

/// How far clocks may disagree: a token is accepted this long after its `exp`, and may be
/// issued (`iat`) or become valid (`nbf`) this far in the future.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The check a token failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenCheck {
    /// It is not a JWT this layer can read (three dot-separated base64url parts, JSON claims).
    Malformed,
    /// Its algorithm is not RS256.
    Algorithm,
    /// Its `kid` is not in the issuer's key set, even after fetching the set again.
    UnknownKey,
    /// The issuer's key set names its `kid`, but no such key may verify it: meant for another
    /// use (`use` not `sig`, `key_ops` without `verify`), another algorithm (`alg`), or not an
    /// RSA key.
    KeyUse,
    /// Its signature does not verify with the issuer's key.
    Signature,
    /// Its `iss` is not the expected issuer.
    Issuer,
    /// Its `aud` does not name the expected audience (the client id, for an ID token).
    Audience,
    /// Its `aud` also names an audience that is neither the client nor one it trusts
    /// (`OAuthClientBuilder::trusted_audiences`; ID tokens).
    UntrustedAudience,
    /// Its `azp` is not the client id, or it is missing though `aud` names several audiences
    /// (ID tokens).
    AuthorizedParty,
    /// It expired (`exp`, with the clock skew).
    Expired,
    /// It was issued in the future (`iat`, with the clock skew).
    NotYetValid,
    /// It is not valid yet (`nbf`, with the clock skew).
    NotBefore,
    /// Its header has a `crit` member: extensions that must be understood, and this verifier
    /// understands none (RFC 7515 section 4.1.11).
    Critical,
    /// Its `nonce` is not the authorization request's.
    Nonce,
    /// It lacks a scope the caller requires.
    Scope,
    /// The token answer has no `id_token`, though `openid` was asked for.
    Missing,
}

impl fmt::Display for TokenCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenCheck::Malformed => "format",
            TokenCheck::Algorithm => "algorithm",
            TokenCheck::UnknownKey => "key id",
            TokenCheck::KeyUse => "key use",
            TokenCheck::Signature => "signature",
            TokenCheck::Issuer => "issuer",
            TokenCheck::Audience => "audience",
            TokenCheck::UntrustedAudience => "trusted audience",
            TokenCheck::AuthorizedParty => "authorized party",
            TokenCheck::Expired => "expiry",
            TokenCheck::NotYetValid => "issued-at",
            TokenCheck::NotBefore => "not-before",
            TokenCheck::Critical => "critical header",
            TokenCheck::Nonce => "nonce",
            TokenCheck::Scope => "scope",
            TokenCheck::Missing => "presence",
        })
    }
}

/// A token that failed verification: which check, and why in plain words (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRejected {
    /// What kind of token: `ID token` or `access token`.
    pub token: &'static str,
    /// The check that failed.
    pub check: TokenCheck,
    /// Why.
    pub detail: String,
}

impl fmt::Display for TokenRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} failed the {} check: {}",
            self.token, self.check, self.detail
        )
    }
}

impl std::error::Error for TokenRejected {}

pub(super) fn rejected(
    token: &'static str,
    check: TokenCheck,
    detail: impl Into<String>,
) -> TokenRejected {
    TokenRejected {
        token,
        check,
        detail: detail.into(),
    }
}

/// The claims of a verified ID token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// The issuer.
    pub iss: String,
    /// The user's id at the issuer.
    pub sub: String,
    /// The audiences (the client id among them; the others trusted).
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// The authorized party: the client id, when present.
    #[serde(default)]
    pub azp: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    #[serde(deserialize_with = "seconds")]
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch.
    #[serde(deserialize_with = "seconds")]
    pub iat: u64,
    /// Not before, seconds since the Unix epoch, when sent.
    #[serde(default, deserialize_with = "optional_seconds")]
    pub nbf: Option<u64>,
    /// The authorization request's nonce.
    #[serde(default)]
    pub nonce: Option<String>,
    /// The user's email, when the scopes allowed it.
    #[serde(default)]
    pub email: Option<String>,
    /// The user's name, when the scopes allowed it.
    #[serde(default)]
    pub name: Option<String>,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// The claims of a verified JWT access token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// The issuer.
    #[serde(default)]
    pub iss: Option<String>,
    /// The subject (a user id for three-legged tokens).
    #[serde(default)]
    pub sub: Option<String>,
    /// The client the token was issued to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The audiences.
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry, seconds since the Unix epoch.
    #[serde(deserialize_with = "seconds")]
    pub exp: u64,
    /// Not before, seconds since the Unix epoch, when sent.
    #[serde(default, deserialize_with = "optional_seconds")]
    pub nbf: Option<u64>,
    /// The granted scopes (a space-separated string or an array on the wire).
    #[serde(default, deserialize_with = "scope_claim")]
    pub scope: Scopes,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// `aud`: one string or an array of strings (`null`: none). Anything else is refused rather than
/// skipped, so no audience can hide from the checks.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let not_a_string = || serde::de::Error::custom("an audience is not a string");
    match Value::deserialize(d)? {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(not_a_string()),
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(not_a_string()),
    }
}

/// A NumericDate: a JSON number, clamped into `u64` (never a panic on what a token says).
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            Ok(if f.is_nan() || f <= 0.0 {
                0
            } else if f >= u64::MAX as f64 {
                u64::MAX
            } else {
                f as u64
            })
        }
        _ => Err(serde::de::Error::custom("a date claim is not a number")),
    }
}

/// A NumericDate that may be absent (present, it must be a number; `null` is not one).
fn optional_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    seconds(d).map(Some)
}

fn scope_claim<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Scopes, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s.parse().unwrap_or_default(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(crate::Scope::from)
            .collect(),
        _ => Scopes::default(),
    })
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `exp` (with the skew), `iat` and `nbf` (neither after now plus the skew).
pub(super) fn check_times(
    what: &'static str,
    exp: u64,
    iat: Option<u64>,
    nbf: Option<u64>,
) -> Result<(), TokenRejected> {
    let now = now_secs();
    let skew = CLOCK_SKEW.as_secs();
    if exp.saturating_add(skew) < now {
        return Err(rejected(
            what,
            TokenCheck::Expired,
            format!("it expired {} s ago", now - exp),
        ));
    }
    if let Some(iat) = iat
        && iat > now.saturating_add(skew)
    {
        return Err(rejected(
            what,
            TokenCheck::NotYetValid,
            format!("it was issued {} s in the future", iat - now),
        ));
    }
    // RFC 7519 section 4.1.5.
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(skew)
    {
        return Err(rejected(
            what,
            TokenCheck::NotBefore,
            format!("it is not valid for another {} s", nbf - now),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_claims_never_panic() {
        for exp in ["1e300", "-5", "18446744073709551615", "0.5", "-1e300"] {
            let json = format!(r#"{{"exp": {exp}, "nbf": {exp}}}"#);
            let v: Value = serde_json::from_str(&json).unwrap();
            let claims: Result<AccessTokenClaims, _> = serde_json::from_value(v);
            let claims = claims.unwrap();
            let _ = check_times("t", claims.exp, Some(u64::MAX), claims.nbf);
            let _ = check_times("t", claims.exp, Some(0), Some(u64::MAX));
        }
    }
}
