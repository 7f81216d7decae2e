//! Checks the JWT parts of the test OIDC server (`tests/oidc/server.mjs`, `tests/oidc/jwt.mjs`)
//! with raw HTTP requests: RS256 ID tokens with `kid` and `nonce`, the JWT access tokens of
//! [`JWT_CLIENT`], signing key rotation, and the JWT-bearer grant of APS Secure Service Accounts.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aps_auth_tests::oidc::{
    BASIC_CLIENT, INITIAL_SIGNING_KEY_ID, JWKS_MAX_AGE_SECS, JWT_ACCESS_TOKEN_AUDIENCE,
    JWT_BEARER_GRANT_TYPE, JWT_CLIENT, OidcServer, REDIRECT_URI, SSA_CLIENT, SSA_KEY_ID,
    SSA_SERVICE_ACCOUNT_ID, ssa_test_key_pem, throwaway_rsa_private_key_pem,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

const TOKEN: &str = "/authentication/v2/token";
const HUBS: &str = "/project/v1/hubs";

/// Starts a server, or returns from the test when Node.js is missing and skipping is allowed
/// (`APS_AUTH_SKIP_NODE_TESTS=1`).
macro_rules! server {
    () => {
        match OidcServer::start() {
            Some(server) => server,
            None => return,
        }
    };
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
}

fn basic_auth((id, secret): (&str, &str)) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

async fn post_token(
    server: &OidcServer,
    client: (&str, &str),
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = http()
        .post(server.url(TOKEN))
        .header("Authorization", basic_auth(client))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body)
}

async fn client_credentials(server: &OidcServer, client: (&str, &str), scope: &str) -> String {
    let (status, body) = post_token(
        server,
        client,
        &[("grant_type", "client_credentials"), ("scope", scope)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The status of `GET <path>` with the bearer token.
async fn get_status(server: &OidcServer, path: &str, token: &str) -> u16 {
    http()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("no keys in {jwks}"))
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// Verifies an RS256 JWT of the server against its JWKS (the header `kid` must name a key) and
/// returns `(header, claims)`. `audience` is checked when given.
fn verify(jwks: &Value, token: &str, issuer: &str, audience: &str) -> (Header, Value) {
    let header = jsonwebtoken::decode_header(token).unwrap_or_else(|e| panic!("{e}: {token}"));
    assert_eq!(header.alg, Algorithm::RS256, "{header:?}");
    let kid = header.kid.clone().expect("a kid in the header");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} is not in {jwks}"));
    assert!(key.get("d").is_none(), "private key material in {jwks}");
    let key =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap_or_else(|e| panic!("{token} does not verify: {e}"));
    (data.header, data.claims)
}

fn assert_jwt_access_token_claims(server: &OidcServer, claims: &Value, scope: &str, sub: &str) {
    assert_eq!(claims["iss"], server.base_url(), "{claims}");
    assert_eq!(claims["aud"], JWT_ACCESS_TOKEN_AUDIENCE, "{claims}");
    assert_eq!(claims["client_id"], JWT_CLIENT.0, "{claims}");
    assert_eq!(claims["scope"], scope, "{claims}");
    assert_eq!(claims["sub"], sub, "{claims}");
    assert!(
        claims["jti"].as_str().is_some_and(|j| j.len() >= 16),
        "{claims}"
    );
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 3600, "{claims}");
    assert!(iat.abs_diff(now()) < 60, "{claims}");
}

#[tokio::test]
async fn jwt_client_access_tokens_are_rs256_jwts_whose_kid_is_in_the_jwks() {
    let server = server!();
    let response = http()
        .get(server.url("/authentication/v2/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        format!("public, max-age={JWKS_MAX_AGE_SECS}").as_str()
    );
    let jwks: Value = response.json().await.unwrap();
    assert_eq!(kids(&jwks), [INITIAL_SIGNING_KEY_ID]);

    let scope = "data:read bucket:read";
    let token = client_credentials(&server, JWT_CLIENT, scope).await;
    let (header, claims) = verify(&jwks, &token, server.base_url(), JWT_ACCESS_TOKEN_AUDIENCE);
    assert_eq!(header.kid.as_deref(), Some(INITIAL_SIGNING_KEY_ID));
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_jwt_access_token_claims(&server, &claims, scope, JWT_CLIENT.0);

    // The resource routes take it (scope data:read) ...
    assert_eq!(get_status(&server, HUBS, &token).await, 200);
    // ... but not a forged copy (same claims, signature of another token).
    let other = client_credentials(&server, JWT_CLIENT, "data:write").await;
    let forged = format!(
        "{}.{}",
        token.rsplit_once('.').unwrap().0,
        other.rsplit_once('.').unwrap().1
    );
    assert_eq!(get_status(&server, HUBS, &forged).await, 401);

    // Other clients keep opaque access tokens.
    let opaque = client_credentials(&server, BASIC_CLIENT, "data:read").await;
    assert!(!opaque.contains('.'), "{opaque}");
    assert_eq!(get_status(&server, HUBS, &opaque).await, 200);

    // A resource indicator other than the configured one is refused.
    let (status, body) = post_token(
        &server,
        JWT_CLIENT,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "data:read"),
            ("resource", "https://example.com/other"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_target")),
        "{body}"
    );
}

fn pkce() -> (String, String) {
    let verifier = format!(
        "{}-jwt-verifier-0123456789abcdefghijklmnopqrstuvwxyz",
        std::process::id()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The authorization code flow for `client` with `openid` and a nonce, logged in as `login`:
/// the token response.
async fn code_flow_with_nonce(
    server: &OidcServer,
    client: (&str, &str),
    login: &str,
    nonce: &str,
) -> Value {
    let (verifier, challenge) = pkce();
    let mut url = Url::parse(&server.url("/authentication/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client.0)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid data:read")
        .append_pair("state", "s1")
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let target = server.authorize_headless(&url, login).await;
    let code = query(&target, "code").unwrap_or_else(|| panic!("no code in {target}"));
    let (status, tokens) = post_token(
        server,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn id_tokens_are_rs256_with_kid_and_nonce_and_user_jwts_refresh() {
    let server = server!();
    let jwks = server.jwks().await;

    // An opaque-token client: the ID token is RS256 with the kid and carries the nonce.
    let tokens = code_flow_with_nonce(&server, BASIC_CLIENT, "alice", "nonce-basic-1").await;
    let id_token = tokens["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tokens}"));
    let (header, claims) = verify(&jwks, id_token, server.base_url(), BASIC_CLIENT.0);
    assert_eq!(header.kid.as_deref(), Some(INITIAL_SIGNING_KEY_ID));
    assert_eq!(claims["nonce"], "nonce-basic-1", "{claims}");
    assert_eq!(claims["sub"], "alice", "{claims}");
    assert!(
        !tokens["access_token"].as_str().unwrap().contains('.'),
        "{tokens}"
    );

    // The JWT client: an ID token as well, and a JWT access token for the user.
    let tokens = code_flow_with_nonce(&server, JWT_CLIENT, "bob", "nonce-jwt-2").await;
    let (_, claims) = verify(
        &jwks,
        tokens["id_token"].as_str().unwrap(),
        server.base_url(),
        JWT_CLIENT.0,
    );
    assert_eq!(claims["nonce"], "nonce-jwt-2", "{claims}");
    let access_token = tokens["access_token"].as_str().unwrap();
    let (_, claims) = verify(
        &jwks,
        access_token,
        server.base_url(),
        JWT_ACCESS_TOKEN_AUDIENCE,
    );
    assert_jwt_access_token_claims(&server, &claims, "data:read", "bob");
    assert_eq!(get_status(&server, HUBS, access_token).await, 200);
    // A user token: the profile endpoint takes it.
    assert_eq!(
        get_status(&server, "/userprofile/v1/users/@me", access_token).await,
        200
    );

    // Refreshing gives another JWT access token.
    let (status, refreshed) = post_token(
        &server,
        JWT_CLIENT,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let (_, claims) = verify(
        &jwks,
        refreshed["access_token"].as_str().unwrap(),
        server.base_url(),
        JWT_ACCESS_TOKEN_AUDIENCE,
    );
    assert_jwt_access_token_claims(&server, &claims, "data:read", "bob");
}

#[tokio::test]
async fn key_rotation_changes_the_jwks_and_the_signing_key() {
    let server = server!();
    let old_jwt = client_credentials(&server, JWT_CLIENT, "data:read").await;
    let opaque = client_credentials(&server, BASIC_CLIENT, "data:read").await;
    server.reset_counts().await;

    // Without keep_old: only the new key is published, and new tokens use it.
    let kid_1 = server.rotate_keys(false).await;
    assert_ne!(kid_1, INITIAL_SIGNING_KEY_ID);
    let jwks = server.jwks().await;
    assert_eq!(kids(&jwks), [kid_1.as_str()]);
    let new_jwt = client_credentials(&server, JWT_CLIENT, "data:read").await;
    let (header, claims) = verify(
        &jwks,
        &new_jwt,
        server.base_url(),
        JWT_ACCESS_TOKEN_AUDIENCE,
    );
    assert_eq!(header.kid.as_deref(), Some(kid_1.as_str()));
    assert_jwt_access_token_claims(&server, &claims, "data:read", JWT_CLIENT.0);
    assert_eq!(get_status(&server, HUBS, &new_jwt).await, 200);
    // A JWT signed by the dropped key is refused; opaque tokens survive the rotation.
    assert_eq!(get_status(&server, HUBS, &old_jwt).await, 401);
    assert_eq!(get_status(&server, HUBS, &opaque).await, 200);
    // ID tokens use the new key too.
    let tokens = code_flow_with_nonce(&server, BASIC_CLIENT, "carol", "n-3").await;
    let (header, claims) = verify(
        &jwks,
        tokens["id_token"].as_str().unwrap(),
        server.base_url(),
        BASIC_CLIENT.0,
    );
    assert_eq!(header.kid.as_deref(), Some(kid_1.as_str()));
    assert_eq!(claims["nonce"], "n-3", "{claims}");

    // With keep_old: both keys are published, the new one first, and tokens of both work.
    let kid_2 = server.rotate_keys(true).await;
    assert_ne!(kid_2, kid_1);
    let jwks = server.jwks().await;
    assert_eq!(kids(&jwks), [kid_2.as_str(), kid_1.as_str()]);
    let newest = client_credentials(&server, JWT_CLIENT, "data:read").await;
    let (header, _) = verify(&jwks, &newest, server.base_url(), JWT_ACCESS_TOKEN_AUDIENCE);
    assert_eq!(header.kid.as_deref(), Some(kid_2.as_str()));
    verify(
        &jwks,
        &new_jwt,
        server.base_url(),
        JWT_ACCESS_TOKEN_AUDIENCE,
    );
    assert_eq!(get_status(&server, HUBS, &new_jwt).await, 200);
    assert_eq!(get_status(&server, HUBS, &newest).await, 200);

    // The counters survived the rotations.
    assert_eq!(
        server.token_counts().await,
        json!({"token": {"client_credentials": 2, "authorization_code": 1, "refresh_token": 0}})
    );
}

/// A JWT-bearer assertion for [`SSA_CLIENT`], with its claims changed by `edit`.
fn assertion(
    server: &OidcServer,
    pem: &str,
    kid: &str,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let now = now();
    let mut claims = json!({
        "iss": SSA_CLIENT.0,
        "sub": SSA_SERVICE_ACCOUNT_ID,
        "aud": server.url(TOKEN),
        "iat": now,
        "exp": now + 300,
        "jti": format!("jti-{now}-{}", std::process::id()),
    });
    edit(claims.as_object_mut().unwrap());
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("an RSA PEM key");
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn jwt_bearer(server: &OidcServer, assertion: &str, scope: &str) -> (u16, Value) {
    post_token(
        server,
        SSA_CLIENT,
        &[
            ("grant_type", JWT_BEARER_GRANT_TYPE),
            ("assertion", assertion),
            ("scope", scope),
        ],
    )
    .await
}

#[tokio::test]
async fn jwt_bearer_grant_with_a_good_assertion() {
    let server = server!();
    let pem = ssa_test_key_pem();
    let scope = "data:read data:write";
    let (status, body) = jwt_bearer(
        &server,
        &assertion(&server, &pem, SSA_KEY_ID, |_| {}),
        scope,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    assert_eq!(body["scope"], scope, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert!(!token.is_empty(), "{body}");

    // A user token of the service account.
    assert_eq!(get_status(&server, HUBS, token).await, 200);
    let profile: Value = http()
        .get(server.url("/userprofile/v1/users/@me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["userId"], SSA_SERVICE_ACCOUNT_ID, "{profile}");
    // A user (three-legged) token: the OSS routes (app tokens only) refuse it.
    assert_eq!(
        get_status(
            &server,
            "/oss/v2/buckets/b1/objects/o1/signeds3download",
            token
        )
        .await,
        403
    );

    // An array aud with the token endpoint works too.
    let array_aud = assertion(&server, &pem, SSA_KEY_ID, |c| {
        c.insert(
            "aud".into(),
            json!(["https://other.example", server.url(TOKEN)]),
        );
    });
    let (status, body) = jwt_bearer(&server, &array_aud, "data:read").await;
    assert_eq!(status, 200, "{body}");

    assert_eq!(server.jwt_bearer_grant_count().await, 2);
    assert_eq!(server.grant_count("client_credentials").await, 0);
    server.reset_counts().await;
    assert_eq!(server.jwt_bearer_grant_count().await, 0);
}

#[tokio::test]
async fn jwt_bearer_grant_refuses_bad_assertions_naming_the_check() {
    let server = server!();
    let pem = ssa_test_key_pem();
    let wrong_pem = throwaway_rsa_private_key_pem();
    let now = now();
    let good = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        assertion(&server, &pem, SSA_KEY_ID, |c| edit(c))
    };

    let hs256 = {
        let header = Header {
            kid: Some(SSA_KEY_ID.to_owned()),
            ..Header::new(Algorithm::HS256)
        };
        let claims = json!({"iss": SSA_CLIENT.0, "sub": SSA_SERVICE_ACCOUNT_ID,
            "aud": server.url(TOKEN), "iat": now, "exp": now + 60});
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(b"secret")).unwrap()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "signature",
            assertion(&server, &wrong_pem, SSA_KEY_ID, |_| {}),
            "data:read",
        ),
        (
            "kid",
            assertion(&server, &pem, "ssa-kid-unknown", |_| {}),
            "data:read",
        ),
        ("alg", hs256, "data:read"),
        (
            "exp",
            good(&|c| {
                c.insert("iat".into(), json!(now - 400));
                c.insert("exp".into(), json!(now - 100));
            }),
            "data:read",
        ),
        (
            "exp",
            good(&|c| {
                c.insert("iat".into(), json!(now));
                c.insert("exp".into(), json!(now + 301));
            }),
            "data:read",
        ),
        (
            "aud",
            good(&|c| {
                c.insert(
                    "aud".into(),
                    json!(server.url("/authentication/v2/authorize")),
                );
            }),
            "data:read",
        ),
        (
            "sub",
            good(&|c| {
                c.insert("sub".into(), json!("ssa-account-2"));
            }),
            "data:read",
        ),
        (
            "iss",
            good(&|c| {
                c.insert("iss".into(), json!(BASIC_CLIENT.0));
            }),
            "data:read",
        ),
        ("scope", good(&|_| {}), "data:read not-a-scope"),
        ("scope", good(&|_| {}), ""),
        ("assertion", "not-a-jwt".to_owned(), "data:read"),
    ];
    for (check, assertion, scope) in &cases {
        let (status, body) = jwt_bearer(&server, assertion, scope).await;
        assert_eq!(
            (status, &body["error"]),
            (400, &json!("invalid_grant")),
            "{check}: {body}"
        );
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(
            description.starts_with(&format!("{check}: ")),
            "expected the {check} check to fail: {body}"
        );
    }

    // Another client may not use the grant.
    let (status, body) = post_token(
        &server,
        BASIC_CLIENT,
        &[
            ("grant_type", JWT_BEARER_GRANT_TYPE),
            ("assertion", &good(&|_| {})),
            ("scope", "data:read"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    assert_eq!(
        server.jwt_bearer_grant_count().await,
        cases.len() as u64 + 1
    );
}
