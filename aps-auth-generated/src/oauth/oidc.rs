//! OpenID Connect and JWT verification: ID tokens checked after a code exchange (no `crit`
//! header, signature against the issuer's key set, `iss`, `aud` and `azp`, `exp`/`iat`/`nbf`
//! with [`CLOCK_SKEW`], `nonce`), the key
//! set cached per `Cache-Control` and fetched again (at most every `jwks_min_refetch`) when a
//! token names an unknown `kid`, and [`AccessTokenVerifier`] for resource servers (a backend or a
//! webhook receiver) that verify APS JWT access tokens locally.
//!
//! Every failure is a [`TokenRejected`] naming the check that failed; no token or key appears in
//! it. Only RS256 is accepted (what APS signs with): `none` and HMAC algorithms are refused. A
//! token's key is picked by `kid` among the set's RSA keys meant for RS256 signatures (`use`
//! absent or `sig`, `key_ops` absent or with `verify`, `alg` absent or `RS256`).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use reqwest::header::CACHE_CONTROL;
use serde::Deserialize;
use serde_json::Value;

use super::client::{OAuthClient, ops};
use super::error::OAuthError;
use super::flight::SingleFlight;
use super::protocol::{ErrorBody, ExtraFields, JsonWebKey, JsonWebKeySet};
use crate::Scopes;

/// How far clocks may disagree: a token is accepted this long after its `exp`, and may be
/// issued (`iat`) or become valid (`nbf`) this far in the future.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// How long a key set is kept when its answer has no `Cache-Control: max-age`.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(300);

/// The one signature algorithm accepted, as JWS and JWK name it.
const ALGORITHM: &str = "RS256";

/// The longest a key set is kept, whatever `max-age` says.
const MAX_JWKS_AGE: Duration = Duration::from_secs(24 * 60 * 60);

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

fn rejected(token: &'static str, check: TokenCheck, detail: impl Into<String>) -> TokenRejected {
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

/// The issuer's key set, cached; shared by the client's clones.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    cached: Mutex<Option<CachedKeys>>,
    flight: Arc<SingleFlight<Arc<CachedKeys>>>,
}

#[derive(Debug, Clone)]
struct CachedKeys {
    keys: JsonWebKeySet,
    fetched: Instant,
    max_age: Duration,
}

impl CachedKeys {
    fn fresh(&self) -> bool {
        self.fetched.elapsed() < self.max_age
    }

    /// The key that may verify a token signed with `alg` under `kid` (RFC 8725 section 3.1,
    /// RFC 7517 sections 4.2 to 4.4): its `kid`, and meant for this ([`usable_for`]). A key
    /// with the `kid` that is not meant for this is no candidate: [`TokenCheck::KeyUse`] when
    /// no candidate remains, [`TokenCheck::UnknownKey`] when the set has no such `kid`.
    fn key(&self, kid: Option<&str>, alg: &str) -> Result<&JsonWebKey, TokenCheck> {
        let named: Vec<&JsonWebKey> = match kid {
            Some(kid) => self
                .keys
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid))
                .collect(),
            // Without a `kid`, only a set of one key says which key it is.
            None => match self.keys.keys.as_slice() {
                [only] => vec![only],
                _ => Vec::new(),
            },
        };
        if named.is_empty() {
            return Err(TokenCheck::UnknownKey);
        }
        named
            .into_iter()
            .find(|k| usable_for(k, alg))
            .ok_or(TokenCheck::KeyUse)
    }
}

/// Whether a key may verify a signature made with `alg` (an RSA algorithm): an RSA key whose
/// `use` is absent or `sig`, whose `key_ops` are absent or include `verify`, and whose `alg` is
/// absent or `alg` (member values are case-sensitive).
fn usable_for(key: &JsonWebKey, alg: &str) -> bool {
    let ops_allow = match key.extra.get("key_ops") {
        None => true,
        Some(Value::Array(ops)) => ops.iter().any(|op| op.as_str() == Some("verify")),
        Some(_) => false,
    };
    key.kty == "RSA"
        && key.use_.as_deref().is_none_or(|u| u == "sig")
        && key.alg.as_deref().is_none_or(|a| a == alg)
        && ops_allow
}

/// `max-age` of a `Cache-Control` header (`no-store`/`no-cache`: zero), clamped to a day.
fn max_age(headers: &reqwest::header::HeaderMap) -> Duration {
    let Some(value) = headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()) else {
        return DEFAULT_JWKS_MAX_AGE;
    };
    let mut age = DEFAULT_JWKS_MAX_AGE;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = lower.strip_prefix("max-age=")
            && let Ok(seconds) = seconds.trim_matches('"').parse::<u64>()
        {
            age = Duration::from_secs(seconds);
        }
    }
    age.min(MAX_JWKS_AGE)
}

impl OAuthClient {
    /// Fetches the key set (one request for all concurrent callers) and caches it.
    async fn fetch_keys(&self) -> Result<Arc<CachedKeys>, OAuthError> {
        let cache = self.key_cache();
        let client = self.clone();
        cache
            .flight
            .clone()
            .run(move || async move {
                let url = client.endpoint(ops::KEYS)?;
                let api = client.api();
                let answer = api
                    .send_json::<JsonWebKeySet, ErrorBody>(api.request(Method::GET, url))
                    .await?;
                let fetched = CachedKeys {
                    max_age: max_age(answer.headers()),
                    fetched: Instant::now(),
                    keys: answer.into_inner(),
                };
                tracing::debug!(
                    keys = fetched.keys.keys.len(),
                    max_age_s = fetched.max_age.as_secs(),
                    "key set fetched"
                );
                *client
                    .key_cache()
                    .cached
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(fetched.clone());
                Ok(Arc::new(fetched))
            })
            .await
    }

    /// The RS256 key `kid` names: from the cache while fresh; fetched when the cache is stale,
    /// and once more when the cached set has no usable key for `kid` (unknown, or only keys not
    /// meant for this: see [`CachedKeys::key`]) if the last fetch is older than
    /// `jwks_min_refetch` (so a flood of bogus `kid`s cannot hammer the keys endpoint).
    async fn decoding_key(
        &self,
        what: &'static str,
        kid: Option<&str>,
    ) -> Result<DecodingKey, OAuthError> {
        let named = || kid.map_or("without a kid".into(), |k| format!("`{k}`"));
        let refusal = |check: TokenCheck, later: String| {
            OAuthError::TokenRejected(rejected(
                what,
                check,
                match check {
                    TokenCheck::KeyUse => format!(
                        "the issuer's key set has no key {} for verifying {ALGORITHM} signatures (only keys for another use, algorithm or key type){later}",
                        named()
                    ),
                    _ => format!("no key {} in the issuer's key set{later}", named()),
                },
            ))
        };
        let cached = self
            .key_cache()
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let keys = match cached {
            Some(keys) if keys.fresh() && keys.key(kid, ALGORITHM).is_ok() => Arc::new(keys),
            Some(keys) if keys.fresh() && keys.fetched.elapsed() < self.jwks_min_refetch() => {
                let check = keys
                    .key(kid, ALGORITHM)
                    .err()
                    .unwrap_or(TokenCheck::UnknownKey);
                return Err(refusal(
                    check,
                    format!(
                        " (fetched {} s ago; not fetched again sooner than every {} s)",
                        keys.fetched.elapsed().as_secs(),
                        self.jwks_min_refetch().as_secs()
                    ),
                ));
            }
            _ => self.fetch_keys().await?,
        };
        let jwk = keys
            .key(kid, ALGORITHM)
            .map_err(|check| refusal(check, String::new()))?;
        let (Some(n), Some(e)) = (&jwk.n, &jwk.e) else {
            return Err(OAuthError::TokenRejected(rejected(
                what,
                TokenCheck::UnknownKey,
                "the issuer's RSA key lacks its modulus or exponent",
            )));
        };
        DecodingKey::from_rsa_components(n, e).map_err(|_| {
            OAuthError::TokenRejected(rejected(
                what,
                TokenCheck::UnknownKey,
                "the issuer's key is not a valid RSA key",
            ))
        })
    }

    /// Verifies a JWT's header and signature and returns its claims as JSON.
    async fn verified_claims(&self, what: &'static str, token: &str) -> Result<Value, OAuthError> {
        let fail = |check, detail: &str| OAuthError::TokenRejected(rejected(what, check, detail));
        let members =
            header_members(token).ok_or_else(|| fail(TokenCheck::Malformed, "it is not a JWT"))?;
        // RFC 7515 section 4.1.11: an extension listed in `crit` must be understood, and this
        // verifier understands none; whatever `crit` holds (even a malformed value), the token is
        // not one it may accept.
        if members.contains_key("crit") {
            return Err(fail(
                TokenCheck::Critical,
                "its header lists critical extensions (`crit`), which this verifier does not understand",
            ));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| fail(TokenCheck::Malformed, "it is not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(fail(
                TokenCheck::Algorithm,
                &format!("it is signed with {:?}; only RS256 is accepted", header.alg),
            ));
        }
        let key = self.decoding_key(what, header.kid.as_deref()).await?;
        // The claims are checked below, one by one, for typed errors.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        match jsonwebtoken::decode::<Value>(token, &key, &validation) {
            Ok(data) => Ok(data.claims),
            Err(e) => match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => Err(fail(
                    TokenCheck::Signature,
                    "the signature does not verify with the issuer's key",
                )),
                _ => Err(fail(TokenCheck::Malformed, "its parts do not decode")),
            },
        }
    }

    /// Verifies an ID token from this client's issuer: no `crit` header, signature (RS256, the
    /// issuer's key set), `iss`, `aud` (this client's id, any other audience one of its
    /// [`trusted_audiences`](super::OAuthClientBuilder::trusted_audiences)), `azp` (this
    /// client's id; required when `aud` names several), `exp`, `iat` and `nbf` (within
    /// [`CLOCK_SKEW`]) and, when given, `nonce`. [`OAuthClient::exchange_code`] does this by
    /// itself when `openid` was asked for.
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, OAuthError> {
        const WHAT: &str = "ID token";
        let fail = |check, detail: String| OAuthError::TokenRejected(rejected(WHAT, check, detail));
        let raw = self.verified_claims(WHAT, id_token).await?;
        let claims: IdTokenClaims = serde_json::from_value(raw).map_err(|e| {
            fail(
                TokenCheck::Malformed,
                format!(
                    "its claims are not an ID token's: {}",
                    aps_auth_runtime::redact::scrub_message(&e.to_string())
                ),
            )
        })?;
        if claims.iss != self.issuer() {
            return Err(fail(
                TokenCheck::Issuer,
                format!("issued by `{}`, not `{}`", claims.iss, self.issuer()),
            ));
        }
        let client_id = self.credentials().client_id();
        if !claims.aud.iter().any(|a| a == client_id) {
            return Err(fail(
                TokenCheck::Audience,
                format!("its audience {:?} does not name this client", claims.aud),
            ));
        }
        // OpenID Connect Core 1.0 section 3.1.3.7, steps 3 to 5.
        let trusted = self.trusted_audiences();
        let untrusted: Vec<&str> = claims
            .aud
            .iter()
            .map(String::as_str)
            .filter(|a| *a != client_id && !trusted.iter().any(|t| t == a))
            .collect();
        if !untrusted.is_empty() {
            return Err(fail(
                TokenCheck::UntrustedAudience,
                format!("it is also meant for {untrusted:?}, which this client does not trust"),
            ));
        }
        match &claims.azp {
            Some(azp) if azp != client_id => {
                return Err(fail(
                    TokenCheck::AuthorizedParty,
                    format!("its authorized party (`azp`) is `{azp}`, not this client"),
                ));
            }
            None if claims.aud.len() > 1 => {
                return Err(fail(
                    TokenCheck::AuthorizedParty,
                    "it names several audiences but no authorized party (`azp`)".into(),
                ));
            }
            _ => {}
        }
        check_times(WHAT, claims.exp, Some(claims.iat), claims.nbf)?;
        if let Some(expected) = nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(fail(
                TokenCheck::Nonce,
                match &claims.nonce {
                    Some(_) => "its nonce is not the authorization request's".into(),
                    None => "it carries no nonce, though the request sent one".into(),
                },
            ));
        }
        Ok(claims)
    }

    /// A verifier of JWT access tokens from this client's issuer, for a resource server.
    pub fn access_token_verifier(&self) -> AccessTokenVerifier {
        AccessTokenVerifier {
            client: self.clone(),
            audience: None,
            scopes: Vec::new(),
        }
    }
}

/// The members of a JWT's JOSE header, read here rather than by `jsonwebtoken` so that every
/// member is seen as sent (whatever its type): the first of three dot-separated parts, base64url
/// without padding, a JSON object. `None` when it is not that.
fn header_members(token: &str) -> Option<serde_json::Map<String, Value>> {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()?;
    match serde_json::from_slice(&json).ok()? {
        Value::Object(members) => Some(members),
        _ => None,
    }
}

/// `exp` (with the skew), `iat` and `nbf` (neither after now plus the skew).
fn check_times(
    what: &'static str,
    exp: u64,
    iat: Option<u64>,
    nbf: Option<u64>,
) -> Result<(), OAuthError> {
    let now = now_secs();
    let skew = CLOCK_SKEW.as_secs();
    if exp.saturating_add(skew) < now {
        return Err(OAuthError::TokenRejected(rejected(
            what,
            TokenCheck::Expired,
            format!("it expired {} s ago", now - exp),
        )));
    }
    if let Some(iat) = iat
        && iat > now.saturating_add(skew)
    {
        return Err(OAuthError::TokenRejected(rejected(
            what,
            TokenCheck::NotYetValid,
            format!("it was issued {} s in the future", iat - now),
        )));
    }
    // RFC 7519 section 4.1.5.
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(skew)
    {
        return Err(OAuthError::TokenRejected(rejected(
            what,
            TokenCheck::NotBefore,
            format!("it is not valid for another {} s", nbf - now),
        )));
    }
    Ok(())
}

/// Verifies APS JWT access tokens locally, for a backend or webhook receiver that is handed one:
/// no `crit` header, signature against the issuer's key set (cached; see the module docs), `iss`,
/// `exp` and `nbf` (with [`CLOCK_SKEW`]), the audience when one is set, and the scopes required.
///
/// ```no_run
/// # async fn run(client: aps_auth_generated::oauth::OAuthClient, bearer: &str) -> Result<(), aps_auth_generated::oauth::OAuthError> {
/// let verifier = client
///     .access_token_verifier()
///     .audience("https://autodesk.com")
///     .require_scopes(["data:read"]);
/// let claims = verifier.verify(bearer).await?; // a typed `TokenRejected` says which check failed
/// println!("token of client {:?}, scopes {}", claims.client_id, claims.scope);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AccessTokenVerifier {
    client: OAuthClient,
    audience: Option<String>,
    scopes: Vec<String>,
}

impl AccessTokenVerifier {
    /// Requires `aud` to name this audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Requires these scopes to be granted.
    pub fn require_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, OAuthError> {
        const WHAT: &str = "access token";
        let fail = |check, detail: String| OAuthError::TokenRejected(rejected(WHAT, check, detail));
        let raw = self.client.verified_claims(WHAT, token).await?;
        let claims: AccessTokenClaims = serde_json::from_value(raw).map_err(|e| {
            fail(
                TokenCheck::Malformed,
                format!(
                    "its claims are not an access token's: {}",
                    aps_auth_runtime::redact::scrub_message(&e.to_string())
                ),
            )
        })?;
        if claims.iss.as_deref() != Some(self.client.issuer()) {
            return Err(fail(
                TokenCheck::Issuer,
                format!(
                    "issued by {:?}, not `{}`",
                    claims.iss.as_deref().unwrap_or("nobody"),
                    self.client.issuer()
                ),
            ));
        }
        if let Some(audience) = &self.audience
            && !claims.aud.iter().any(|a| a == audience)
        {
            return Err(fail(
                TokenCheck::Audience,
                format!("its audience {:?} does not name `{audience}`", claims.aud),
            ));
        }
        check_times(WHAT, claims.exp, None, claims.nbf)?;
        let missing: Vec<&str> = self
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !claims.scope.iter().any(|g| g.as_str() == *s))
            .collect();
        if !missing.is_empty() {
            return Err(fail(
                TokenCheck::Scope,
                format!("it lacks the scopes {missing:?}"),
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn cache_control_sets_the_key_sets_age() {
        let mut h = HeaderMap::new();
        assert_eq!(max_age(&h), DEFAULT_JWKS_MAX_AGE);
        h.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=120"),
        );
        assert_eq!(max_age(&h), Duration::from_secs(120));
        h.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("max-age=99999999999"),
        );
        assert_eq!(max_age(&h), MAX_JWKS_AGE);
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        assert_eq!(max_age(&h), Duration::ZERO);
    }

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
