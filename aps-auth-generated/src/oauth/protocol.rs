//! The OAuth 2.0 wire protocol the layer speaks, in its own types, so that a change to the
//! document's schemas (a renamed `TokenResponse`, a token answer described with `oneOf`, a new
//! form field) never changes what the layer sends or how it reads answers:
//!
//! - token requests (RFC 6749 section 4), revocation (RFC 7009) and introspection (RFC 7662)
//!   as form bodies the layer writes itself, each parameter once;
//! - the token answer ([`TokenAnswer`], RFC 6749 section 5.1, keeping `id_token` and unknown
//!   fields), the error answer ([`ErrorBody`], RFC 6749 section 5.2 plus APS's fields), the
//!   introspection answer ([`Introspection`]) and the key set ([`JsonWebKeySet`], RFC 7517).
//!
//! From the document the layer takes only what it adds: where each endpoint is (its module's
//! `OPERATIONS` table, looked up by method name) and the user profile.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::code::OAuthErrorCode;
use crate::Scopes;
use aps_auth_runtime::redact::{RedactSent, SentSecrets};

/// The longest lifetime a token answer is believed: a larger `expires_in` is capped to it, so a
/// hostile or broken server cannot make a token live (or be cached) forever.
pub const MAX_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A form body: name/value pairs in the order they are added, each name once; and the secrets
/// its request sends (its secret values, and those sent beside it, in a header), which travel
/// with it to where an error answer is built and are masked there.
#[derive(Default)]
pub(crate) struct Form {
    pairs: Vec<(&'static str, String)>,
    sent: SentSecrets,
}

impl Form {
    /// Adds `name=value`, replacing an earlier value of the same name.
    pub(crate) fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.pairs.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.pairs.push((name, value)),
        }
        self
    }

    /// Adds `name=value` for a secret value (a client secret, a code, a verifier, a token, an
    /// assertion): never to be seen again in what the server answers.
    pub(crate) fn set_secret(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.sent.add(value);
        self.set(name, value)
    }

    /// Records a secret the request sends outside the form (the client secret in HTTP Basic).
    pub(crate) fn sends_secret(&mut self, value: &str) -> &mut Self {
        self.sent.add(value);
        self
    }

    /// The secrets this request sends.
    pub(crate) fn sent(&self) -> &SentSecrets {
        &self.sent
    }

    /// Adds `name=value` when there is a value.
    pub(crate) fn set_opt(
        &mut self,
        name: &'static str,
        value: Option<impl Into<String>>,
    ) -> &mut Self {
        if let Some(value) = value {
            self.set(name, value);
        }
        self
    }

    /// The pairs, for `reqwest::RequestBuilder::form`.
    pub(crate) fn pairs(&self) -> &[(&'static str, String)] {
        &self.pairs
    }

    /// The value of `name`, if set.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

// A form holds secrets (client secret, code, verifier, refresh token): only names are printed.
impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.pairs.iter().map(|(n, _)| n))
            .finish()
    }
}

/// Fields of an answer the protocol does not name, kept as sent. `Debug` prints only their
/// names (a server may put anything there).
#[derive(Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct ExtraFields(pub BTreeMap<String, Value>);

impl ExtraFields {
    /// A field by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

impl fmt::Debug for ExtraFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// A successful token answer (RFC 6749 section 5.1), as sent.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub(crate) access_token: Option<crate::SecretString>,
    pub(crate) token_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub(crate) expires_in: Option<Seconds>,
    pub(crate) refresh_token: Option<String>,
    #[serde(default, deserialize_with = "lenient_scopes")]
    pub(crate) scope: Option<Scopes>,
    pub(crate) id_token: Option<String>,
    #[serde(flatten)]
    pub(crate) extra: ExtraFields,
}

/// A lifetime in seconds as a server wrote it: a number (or a numeric string), which may be
/// negative, fractional or absurdly large; [`Seconds::lifetime`] makes it usable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Seconds(pub(crate) f64);

impl Seconds {
    /// The lifetime, at least zero and at most [`MAX_LIFETIME`].
    pub(crate) fn lifetime(self) -> Duration {
        if self.0.is_nan() || self.0 <= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(self.0)
            .unwrap_or(MAX_LIFETIME)
            .min(MAX_LIFETIME)
    }
}

/// `expires_in` as a JSON number or a numeric string; anything else is treated as absent.
fn lenient_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Seconds>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64().map(Seconds),
        Value::String(s) => s.trim().parse::<f64>().ok().map(Seconds),
        _ => None,
    })
}

/// `scope` as a space-separated string; anything else is treated as absent.
fn lenient_scopes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Scopes>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

/// An error answer: OAuth's fields (RFC 6749 section 5.2) and APS's own.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ErrorBody {
    /// OAuth's `error` code.
    pub error: Option<String>,
    /// OAuth's `error_description`.
    pub error_description: Option<String>,
    /// OAuth's `error_uri`.
    pub error_uri: Option<String>,
    /// APS's `developerMessage`.
    #[serde(rename = "developerMessage")]
    pub developer_message: Option<String>,
    /// APS's `errorCode`.
    #[serde(rename = "errorCode")]
    pub error_code: Option<String>,
    /// APS's `more info` link.
    #[serde(rename = "more info", alias = "moreInfo")]
    pub more_info: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Every text of an error answer is the server's: the OAuth `error` code is kept when it is one
/// of the registered codes (a fixed word, which reveals nothing), everything else goes through
/// the body redaction and has the request's secrets masked.
impl RedactSent for ErrorBody {
    fn redact_sent(&mut self, sent: &SentSecrets) {
        if let Some(code) = &mut self.error
            && matches!(OAuthErrorCode::parse(code), OAuthErrorCode::Other(_))
        {
            *code = sent.redact(code);
        }
        for text in [
            &mut self.error_description,
            &mut self.error_uri,
            &mut self.developer_message,
            &mut self.error_code,
            &mut self.more_info,
        ]
        .into_iter()
        .flatten()
        {
            *text = sent.redact(text);
        }
        let mut extra = Value::Object(std::mem::take(&mut self.extra.0).into_iter().collect());
        extra.redact_sent(sent);
        if let Value::Object(map) = extra {
            self.extra.0 = map.into_iter().collect();
        }
    }
}

/// What an introspection answer says about a token (RFC 7662 section 2.2).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Introspection {
    /// Whether the token is active. An inactive token is a normal answer, not an error.
    pub active: bool,
    /// The token's scopes.
    #[serde(default, deserialize_with = "lenient_scopes")]
    pub scope: Option<Scopes>,
    /// The client the token was issued to.
    pub client_id: Option<String>,
    /// The user who authorized it.
    pub username: Option<String>,
    /// The token type.
    pub token_type: Option<String>,
    /// Expiry, in seconds since the epoch.
    pub exp: Option<i64>,
    /// Issue time, in seconds since the epoch.
    pub iat: Option<i64>,
    /// Not-before time, in seconds since the epoch.
    pub nbf: Option<i64>,
    /// The subject.
    pub sub: Option<String>,
    /// The audience (a string or a list of strings).
    pub aud: Option<Value>,
    /// The issuer.
    pub iss: Option<String>,
    /// The token's identifier.
    pub jti: Option<String>,
    /// Every other field, as sent (APS adds its own).
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// A JSON Web Key Set (RFC 7517 section 5): the public keys that sign the server's tokens.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct JsonWebKeySet {
    /// The keys.
    pub keys: Vec<JsonWebKey>,
}

/// One public key (RFC 7517 section 4; RSA members from RFC 7518 section 6.3).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct JsonWebKey {
    /// Key type (`RSA`).
    pub kty: String,
    /// Key id.
    pub kid: Option<String>,
    /// Algorithm (`RS256`).
    pub alg: Option<String>,
    /// Intended use (`sig`).
    #[serde(rename = "use")]
    pub use_: Option<String>,
    /// RSA modulus, base64url.
    pub n: Option<String>,
    /// RSA exponent, base64url.
    pub e: Option<String>,
    /// Every other member, as sent.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// What a revoked token is, as a hint to the server (RFC 7009 section 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenTypeHint {
    /// `access_token`
    AccessToken,
    /// `refresh_token`
    RefreshToken,
}

impl TokenTypeHint {
    /// The hint as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_sends_each_name_once_and_prints_no_value() {
        let mut form = Form::default();
        form.set("grant_type", "a").set("code", "secret-code");
        form.set("grant_type", "b").set_opt("scope", None::<String>);
        assert_eq!(
            form.pairs(),
            &[
                ("grant_type", "b".to_owned()),
                ("code", "secret-code".to_owned())
            ]
        );
        assert!(!format!("{form:?}").contains("secret-code"));
    }

    #[test]
    fn token_answers_keep_id_token_and_unknown_fields() {
        let answer: TokenAnswer = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"3599","scope":"data:read","id_token":"x.y.z","aps":{"k":1}}"#,
        )
        .unwrap();
        assert_eq!(answer.id_token.as_deref(), Some("x.y.z"));
        assert_eq!(
            answer.expires_in.unwrap().lifetime(),
            Duration::from_secs(3599)
        );
        assert_eq!(answer.scope.unwrap().to_string(), "data:read");
        assert!(answer.extra.get("aps").is_some());
        assert_eq!(format!("{:?}", answer.extra), r#"{"aps"}"#);
    }

    #[test]
    fn lifetimes_from_the_server_are_clamped() {
        assert_eq!(Seconds(-5.0).lifetime(), Duration::ZERO);
        assert_eq!(Seconds(f64::NAN).lifetime(), Duration::ZERO);
        assert_eq!(Seconds(1e300).lifetime(), MAX_LIFETIME);
        assert_eq!(Seconds(9.223_372_036_854_776e18).lifetime(), MAX_LIFETIME);
        let answer: TokenAnswer =
            serde_json::from_str(r#"{"access_token":"a","expires_in":99999999999999999999999}"#)
                .unwrap();
        assert_eq!(answer.expires_in.unwrap().lifetime(), MAX_LIFETIME);
        let answer: TokenAnswer =
            serde_json::from_str(r#"{"access_token":"a","expires_in":{"no":1}}"#).unwrap();
        assert!(answer.expires_in.is_none());
    }

    #[test]
    fn error_bodies_lose_sent_secrets_and_token_shapes_but_keep_registered_codes() {
        let mut sent = SentSecrets::default();
        sent.add("the-client-secret");
        sent.add("grant");
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        let mut body: ErrorBody = serde_json::from_value(serde_json::json!({
            "error": "invalid_grant",
            "error_description": "the-client-secret is wrong",
            "error_uri": "https://x/?s=the-client-secret",
            "developerMessage": format!("assertion {jwt}"),
            "errorCode": "the%2Dclient%2Dsecret",
            "more info": "Bearer abc.def",
            "echo": {"sent": ["the-client-secret"], "n": 1}
        }))
        .unwrap();
        body.redact_sent(&sent);
        // A registered code is a fixed word: kept, even though it contains a sent value.
        assert_eq!(body.error.as_deref(), Some("invalid_grant"));
        let shown = format!("{body:?} {:?}", body.extra.0);
        for gone in ["the-client-secret", "the%2Dclient", "eyJhbGci", "abc.def"] {
            assert!(!shown.contains(gone), "{gone}: {shown}");
        }
        assert_eq!(body.extra.get("echo").unwrap()["n"], 1);
        let mut body: ErrorBody =
            serde_json::from_str(r#"{"error":"bad the-client-secret"}"#).unwrap();
        body.redact_sent(&sent);
        assert_eq!(body.error.as_deref(), Some("bad [redacted]"));
    }

    #[test]
    fn error_bodies_read_oauth_and_aps_fields() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":"invalid_grant","developerMessage":"m","more info":"u","x":1}"#,
        )
        .unwrap();
        assert_eq!(body.error.as_deref(), Some("invalid_grant"));
        assert_eq!(body.developer_message.as_deref(), Some("m"));
        assert_eq!(body.more_info.as_deref(), Some("u"));
        assert!(body.extra.get("x").is_some());
    }
}
