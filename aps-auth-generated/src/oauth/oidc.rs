//! OpenID Connect and JWT verification: ID tokens checked after a code exchange (no `crit`
//! header, signature against the issuer's key set, `iss`, `aud` and `azp`, `exp`/`iat`/`nbf`
//! with [`CLOCK_SKEW`](super::CLOCK_SKEW), `nonce`), the key
//! set cached per `Cache-Control` and fetched again (at most every `jwks_min_refetch`) when a
//! token names an unknown `kid`, and [`AccessTokenVerifier`] for resource servers (a backend or a
//! webhook receiver) that verify APS JWT access tokens locally.
//!
//! Every failure is a [`TokenRejected`](super::TokenRejected) naming the check that failed; no token or key appears in
//! it. Only RS256 is accepted (what APS signs with): `none` and HMAC algorithms are refused. A
//! token's key is picked by `kid` among the set's RSA keys meant for RS256 signatures (`use`
//! absent or `sig`, `key_ops` absent or with `verify`, `alg` absent or `RS256`).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::claims::{AccessTokenClaims, IdTokenClaims, TokenCheck, check_times, rejected};
use super::client::OAuthClient;
use super::error::OAuthError;
use super::keys::ALGORITHM;

impl OAuthClient {
    /// The RS256 key `kid` names: from the cache while fresh; fetched when the cache is stale,
    /// and once more when the cached set has no usable key for `kid` (unknown, or only keys not
    /// meant for this: see `CachedKeys::key`) if the last fetch is older than
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
        let keys = match self.key_cache().cached() {
            Some(keys) if keys.fresh() && keys.key(kid, ALGORITHM).is_ok() => {
                std::sync::Arc::new(keys)
            }
            Some(keys) if keys.fresh() && keys.age() < self.jwks_min_refetch() => {
                let check = keys
                    .key(kid, ALGORITHM)
                    .err()
                    .unwrap_or(TokenCheck::UnknownKey);
                return Err(refusal(
                    check,
                    format!(
                        " (fetched {} s ago; not fetched again sooner than every {} s)",
                        keys.age().as_secs(),
                        self.jwks_min_refetch().as_secs()
                    ),
                ));
            }
            _ => {
                let client = self.clone();
                let fetch = async move { client.key_set().await };
                self.key_cache().refill(fetch).await?
            }
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
    /// [`CLOCK_SKEW`](super::CLOCK_SKEW)) and, when given, `nonce`. [`OAuthClient::exchange_code`] does this by
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
        check_times(WHAT, claims.exp, Some(claims.iat), claims.nbf)
            .map_err(OAuthError::TokenRejected)?;
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

/// Verifies APS JWT access tokens locally, for a backend or webhook receiver that is handed one:
/// no `crit` header, signature against the issuer's key set (cached; see the module docs), `iss`,
/// `exp` and `nbf` (with [`CLOCK_SKEW`](super::CLOCK_SKEW)), the audience when one is set, and the scopes required.
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
        check_times(WHAT, claims.exp, None, claims.nbf).map_err(OAuthError::TokenRejected)?;
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
