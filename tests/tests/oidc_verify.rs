//! ID-token and access-token verification against a key set served on 127.0.0.1 (wiremock),
//! with tokens signed by test-only keys (`tests/keys/jwt/`): every refusal names its check,
//! the key set is cached per `Cache-Control`, fetched again for an unknown `kid` (a rotation) but
//! not for every bogus one, and the redirect's `iss` (RFC 9207) is checked.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient, OAuthError, TokenCheck};
use aps_auth_tests::read;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEYS: &str = "/authentication/v2/keys";
const CLIENT_ID: &str = "my-app";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn jwk(which: &str, kid: &str) -> Value {
    let all: Value =
        serde_json::from_str(&read("tests/keys/jwt/public-jwks-test-only.json")).unwrap();
    let mut key = all[which].clone();
    key["kid"] = json!(kid);
    key
}

fn sign(which: &str, kid: Option<&str>, claims: &Value) -> String {
    let pem = read(&format!("tests/keys/jwt/{which}-test-only.pem"));
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn keys_server(keys: Vec<Value>) -> MockServer {
    let server = MockServer::start().await;
    serve_keys(&server, keys).await;
    server
}

async fn serve_keys(server: &MockServer, keys: Vec<Value>) {
    server.reset().await;
    Mock::given(path(KEYS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "public, max-age=60")
                .set_body_json(json!({ "keys": keys })),
        )
        .mount(server)
        .await;
}

async fn key_fetches(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == KEYS)
        .count()
}

fn client(server: &MockServer, min_refetch: Duration) -> OAuthClient {
    OAuthClient::builder(Credentials::confidential(CLIENT_ID, ClientSecret::new("s")))
        .base_url(server.uri())
        .jwks_min_refetch(min_refetch)
        .build()
        .unwrap()
}

fn id_claims(server: &MockServer) -> Value {
    json!({
        "iss": server.uri(), "sub": "user-1", "aud": CLIENT_ID,
        "exp": now() + 600, "iat": now(), "nonce": "n-1", "email": "ada@example.com"
    })
}

fn check_of(err: &OAuthError) -> TokenCheck {
    match err {
        OAuthError::TokenRejected(r) => r.check,
        other => panic!("not a rejection: {other:?}"),
    }
}

#[tokio::test]
async fn a_good_id_token_verifies_and_each_bad_one_names_its_check() {
    let server = keys_server(vec![jwk("signing", "k1")]).await;
    let client = client(&server, Duration::from_secs(30));
    let good = id_claims(&server);
    let claims = client
        .verify_id_token(&sign("signing", Some("k1"), &good), Some("n-1"))
        .await
        .unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));

    let with = |change: Value| {
        let mut c = good.clone();
        for (k, v) in change.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let cases = [
        (
            sign("signing", Some("k1"), &good),
            Some("n-2"),
            TokenCheck::Nonce,
        ),
        (
            sign("signing", Some("k1"), &with(json!({"aud": "someone-else"}))),
            Some("n-1"),
            TokenCheck::Audience,
        ),
        (
            sign(
                "signing",
                Some("k1"),
                &with(json!({"iss": "https://evil.example"})),
            ),
            Some("n-1"),
            TokenCheck::Issuer,
        ),
        (
            sign("signing", Some("k1"), &with(json!({"exp": now() - 3600}))),
            Some("n-1"),
            TokenCheck::Expired,
        ),
        (
            sign("signing", Some("k1"), &with(json!({"iat": now() + 3600}))),
            Some("n-1"),
            TokenCheck::NotYetValid,
        ),
        // Signed by a forger's key, claiming the issuer's kid.
        (
            sign("other", Some("k1"), &good),
            Some("n-1"),
            TokenCheck::Signature,
        ),
        ("not.a.jwt".to_owned(), Some("n-1"), TokenCheck::Malformed),
    ];
    for (token, nonce, check) in cases {
        let err = client.verify_id_token(&token, nonce).await.unwrap_err();
        assert_eq!(check_of(&err), check, "{err}");
        assert!(!err.to_string().contains(&token), "{err}");
    }
    // HS256 with the public key as secret (the classic confusion attack) is refused outright.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &good,
        &EncodingKey::from_secret(b"whatever"),
    )
    .unwrap();
    let err = client.verify_id_token(&hs, Some("n-1")).await.unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Algorithm, "{err}");
    // All of that from one fetch of the key set (cached for its max-age).
    assert_eq!(key_fetches(&server).await, 1);
}

/// OpenID Connect Core 1.0 section 3.1.3.7 steps 3 to 5: every audience must be the client or
/// one it trusts, and `azp`, present whenever there are several audiences, must be the client.
#[tokio::test]
async fn an_id_token_for_other_audiences_or_another_authorized_party_is_refused() {
    let server = keys_server(vec![jwk("signing", "k1")]).await;
    let plain = client(&server, Duration::from_secs(30));
    let trusting =
        OAuthClient::builder(Credentials::confidential(CLIENT_ID, ClientSecret::new("s")))
            .base_url(server.uri())
            .trusted_audiences(["partner-api"])
            .build()
            .unwrap();
    let good = id_claims(&server);
    let with = |change: Value| {
        let mut c = good.clone();
        for (k, v) in change.as_object().unwrap() {
            c[k] = v.clone();
        }
        sign("signing", Some("k1"), &c)
    };
    let other_too = with(json!({"aud": [CLIENT_ID, "partner-api"]}));
    let other_too_azp = with(json!({"aud": [CLIENT_ID, "partner-api"], "azp": CLIENT_ID}));
    let other_azp = with(json!({"aud": [CLIENT_ID, "partner-api"], "azp": "partner-api"}));
    let third = with(json!({"aud": [CLIENT_ID, "partner-api", "third"], "azp": CLIENT_ID}));
    let lone_azp = with(json!({"azp": "partner-api"}));
    let only_trusted = with(json!({"aud": ["partner-api"], "azp": "partner-api"}));
    let odd_audience = with(json!({"aud": [CLIENT_ID, 7], "azp": CLIENT_ID}));
    let odd_azp = with(json!({"azp": 7}));
    let cases = [
        // An audience the client does not trust, with or without `azp`.
        (&plain, &other_too, Some(TokenCheck::UntrustedAudience)),
        (&plain, &other_too_azp, Some(TokenCheck::UntrustedAudience)),
        (&trusting, &third, Some(TokenCheck::UntrustedAudience)),
        // Several audiences, all trusted: `azp` must be there and name this client.
        (&trusting, &other_too, Some(TokenCheck::AuthorizedParty)),
        (&trusting, &other_azp, Some(TokenCheck::AuthorizedParty)),
        (&trusting, &other_too_azp, None),
        // One audience: `azp` is optional, but when present must be this client.
        (&plain, &lone_azp, Some(TokenCheck::AuthorizedParty)),
        (&plain, &sign("signing", Some("k1"), &good), None),
        // A trusted audience alone does not make the token this client's.
        (&trusting, &only_trusted, Some(TokenCheck::Audience)),
        // An audience or `azp` that is not a string is not hidden or guessed at.
        (&plain, &odd_audience, Some(TokenCheck::Malformed)),
        (&plain, &odd_azp, Some(TokenCheck::Malformed)),
    ];
    for (i, (client, token, check)) in cases.into_iter().enumerate() {
        let result = client.verify_id_token(token, Some("n-1")).await;
        match check {
            None => {
                result.unwrap_or_else(|e| panic!("case {i}: {e}"));
            }
            Some(check) => {
                let err = result.expect_err(&format!("case {i} was accepted"));
                assert_eq!(check_of(&err), check, "case {i}: {err}");
            }
        }
    }
}

fn jwk_with(which: &str, kid: &str, change: Value) -> Value {
    let mut key = jwk(which, kid);
    for (k, v) in change.as_object().unwrap() {
        match v {
            Value::Null => key.as_object_mut().unwrap().remove(k),
            v => key.as_object_mut().unwrap().insert(k.clone(), v.clone()),
        };
    }
    key
}

/// RFC 8725 section 3.1, RFC 7517 sections 4.2 to 4.4: a key is picked by `kid` and by being
/// meant for this: `use` absent or `sig`, `key_ops` absent or with `verify`, `alg` absent or the
/// token's, an RSA key. An encryption key, or one for another algorithm, never verifies a
/// signature, for ID tokens and access tokens alike.
#[tokio::test]
async fn only_a_signing_key_for_the_tokens_algorithm_verifies_it() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(30));
    let id_token = sign("signing", Some("k1"), &id_claims(&server));
    let access_token = sign(
        "signing",
        Some("k1"),
        &json!({"iss": server.uri(), "exp": now() + 600}),
    );
    let refused = [
        json!({"use": "enc"}),
        json!({"use": "SIG"}),
        json!({"alg": "RS512"}),
        json!({"alg": "RSA-OAEP", "use": null}),
        json!({"use": null, "key_ops": ["encrypt"]}),
        json!({"kty": "oct"}),
    ];
    for change in refused {
        serve_keys(&server, vec![jwk_with("signing", "k1", change.clone())]).await;
        // A new client each time: the key set is cached per client.
        let client = self::client(&server, Duration::from_secs(30));
        let err = client.verify_id_token(&id_token, None).await.unwrap_err();
        assert_eq!(check_of(&err), TokenCheck::KeyUse, "{change}: {err}");
        let err = client
            .access_token_verifier()
            .verify(&access_token)
            .await
            .unwrap_err();
        assert_eq!(check_of(&err), TokenCheck::KeyUse, "{change}: {err}");
        // Refused from the cached set: no fetch per token.
        assert_eq!(key_fetches(&server).await, 1, "{change}");
    }
    // `use`, `alg` and `key_ops` may be absent, or say what the token needs.
    for change in [
        json!({"use": null, "alg": null}),
        json!({"use": null, "key_ops": ["verify"]}),
    ] {
        serve_keys(&server, vec![jwk_with("signing", "k1", change.clone())]).await;
        let client = self::client(&server, Duration::from_secs(30));
        client
            .verify_id_token(&id_token, None)
            .await
            .unwrap_or_else(|e| panic!("{change}: {e}"));
    }
    // A kid shared by an encryption key (listed first) and the signing key: the signing key.
    serve_keys(
        &server,
        vec![
            jwk_with("other", "k1", json!({"use": "enc", "alg": "RSA-OAEP"})),
            jwk("signing", "k1"),
        ],
    )
    .await;
    client.verify_id_token(&id_token, None).await.unwrap();
    client
        .access_token_verifier()
        .verify(&access_token)
        .await
        .unwrap();
    // A set that has no usable key for the kid is fetched again like an unknown kid (at most
    // every `jwks_min_refetch`): once the issuer publishes the signing key, it verifies.
    serve_keys(
        &server,
        vec![jwk_with("signing", "k1", json!({"use": "enc"}))],
    )
    .await;
    let eager = self::client(&server, Duration::ZERO);
    let err = eager.verify_id_token(&id_token, None).await.unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::KeyUse, "{err}");
    serve_keys(&server, vec![jwk("signing", "k1")]).await;
    eager.verify_id_token(&id_token, None).await.unwrap();
    assert_eq!(key_fetches(&server).await, 1);
}

fn sign_with_header(header: Header, claims: &Value) -> String {
    let pem = read("tests/keys/jwt/signing-test-only.pem");
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// RFC 7519 section 4.1.5: a token is not accepted before its `nbf` (with the clock skew used
/// for `exp` and `iat`), whatever number or other JSON a token puts there, without a panic.
#[tokio::test]
async fn a_token_is_refused_before_its_not_before_time() {
    let server = keys_server(vec![jwk("signing", "k1")]).await;
    let client = client(&server, Duration::from_secs(30));
    let verifier = client.access_token_verifier();
    let id = |nbf: Value| {
        let mut claims = id_claims(&server);
        claims["nbf"] = nbf;
        sign("signing", Some("k1"), &claims)
    };
    let access = |nbf: Value| {
        sign(
            "signing",
            Some("k1"),
            &json!({"iss": server.uri(), "exp": now() + 7200, "nbf": nbf}),
        )
    };
    let cases = [
        (json!(now() + 3600), Some(TokenCheck::NotBefore)),
        (json!(1e300), Some(TokenCheck::NotBefore)),
        (json!(u64::MAX), Some(TokenCheck::NotBefore)),
        (json!("0"), Some(TokenCheck::Malformed)),
        (json!(null), Some(TokenCheck::Malformed)),
        (json!([1]), Some(TokenCheck::Malformed)),
        // Within the clock skew, in the past, or absurdly far in the past: valid.
        (json!(now() + 30), None),
        (json!(now() - 30), None),
        (json!(-1e300), None),
    ];
    for (nbf, check) in cases {
        let results = [
            client.verify_id_token(&id(nbf.clone()), None).await.err(),
            verifier.verify(&access(nbf.clone())).await.err(),
        ];
        for err in results {
            assert_eq!(err.as_ref().map(check_of), check, "nbf {nbf}: {err:?}");
        }
    }
}

/// RFC 7515 section 4.1.11: this verifier understands no JWS extension, so a header with `crit`
/// (well-formed or not) makes the token invalid, for ID and access tokens alike.
#[tokio::test]
async fn a_token_with_critical_header_extensions_is_refused() {
    let server = keys_server(vec![jwk("signing", "k1")]).await;
    let client = client(&server, Duration::from_secs(30));
    let verifier = client.access_token_verifier();
    let id_claims = id_claims(&server);
    let access_claims = json!({"iss": server.uri(), "exp": now() + 600});
    let mut well_formed = Header::new(Algorithm::RS256);
    well_formed.kid = Some("k1".into());
    well_formed.crit = Some(vec!["https://example.invalid/ext".into()]);
    well_formed
        .extras
        .insert("https://example.invalid/ext", "must be understood");
    let mut headers = vec![well_formed];
    for crit in [
        json!([]),
        json!("exp"),
        json!(7),
        json!(null),
        json!({"a": 1}),
    ] {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("k1".into());
        header.extras.insert("crit", crit);
        headers.push(header);
    }
    for header in headers {
        let err = client
            .verify_id_token(&sign_with_header(header.clone(), &id_claims), None)
            .await
            .unwrap_err();
        assert_eq!(check_of(&err), TokenCheck::Critical, "{header:?}: {err}");
        let err = verifier
            .verify(&sign_with_header(header.clone(), &access_claims))
            .await
            .unwrap_err();
        assert_eq!(check_of(&err), TokenCheck::Critical, "{header:?}: {err}");
    }
    // The same tokens without `crit` verify.
    let mut plain = Header::new(Algorithm::RS256);
    plain.kid = Some("k1".into());
    client
        .verify_id_token(&sign_with_header(plain.clone(), &id_claims), None)
        .await
        .unwrap();
    verifier
        .verify(&sign_with_header(plain, &access_claims))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_bogus_kids_do_not_hammer_the_endpoint() {
    let server = keys_server(vec![jwk("signing", "k1")]).await;
    // Signing is slow in debug builds: every token is made before the clock matters.
    let interval = Duration::from_millis(1500);
    let client = client(&server, interval);
    let claims = id_claims(&server);
    let old = sign("signing", Some("k1"), &claims);
    let new = sign("other", Some("k2"), &claims);
    let bogus: Vec<String> = (0..20)
        .map(|i| sign("other", Some(&format!("bogus-{i}")), &claims))
        .collect();
    client.verify_id_token(&old, None).await.unwrap();
    // The issuer rotates: a new key, the old one gone.
    serve_keys(&server, vec![jwk("other", "k2")]).await;
    tokio::time::sleep(interval).await;
    client
        .verify_id_token(&new, None)
        .await
        .expect("the new kid makes the client fetch the key set again");
    assert_eq!(key_fetches(&server).await, 1, "one fetch since the reset");
    // A flood of unknown kids right after: refused without fetching again.
    for token in &bogus {
        let err = client.verify_id_token(token, None).await.unwrap_err();
        assert_eq!(check_of(&err), TokenCheck::UnknownKey, "{err}");
    }
    assert_eq!(key_fetches(&server).await, 1);
    // The old key is gone: its tokens no longer verify (after the interval, one more fetch).
    tokio::time::sleep(interval).await;
    let err = client.verify_id_token(&old, None).await.unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::UnknownKey, "{err}");
    assert_eq!(key_fetches(&server).await, 2);
}

#[tokio::test]
async fn access_tokens_are_verified_for_a_resource_server() {
    let server = keys_server(vec![jwk("signing", "k1")]).await;
    let client = client(&server, Duration::from_secs(30));
    let claims = json!({
        "iss": server.uri(), "client_id": "some-app", "aud": ["https://autodesk.com"],
        "scope": ["data:read", "data:write"], "exp": now() + 600, "jti": "j"
    });
    let verifier = client
        .access_token_verifier()
        .audience("https://autodesk.com")
        .require_scopes(["data:read"]);
    let ok = verifier
        .verify(&sign("signing", Some("k1"), &claims))
        .await
        .unwrap();
    assert_eq!(ok.client_id.as_deref(), Some("some-app"));
    assert!(ok.scope.iter().any(|s| s.as_str() == "data:write"));
    // A space-separated `scope` reads the same.
    let mut spaced = claims.clone();
    spaced["scope"] = json!("data:read bucket:read");
    verifier
        .verify(&sign("signing", Some("k1"), &spaced))
        .await
        .unwrap();

    let err = verifier
        .clone()
        .require_scopes(["bucket:delete"])
        .verify(&sign("signing", Some("k1"), &claims))
        .await
        .unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Scope, "{err}");
    assert!(err.to_string().contains("bucket:delete"), "{err}");
    let err = client
        .access_token_verifier()
        .audience("https://other.example")
        .verify(&sign("signing", Some("k1"), &claims))
        .await
        .unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Audience, "{err}");
    let mut expired = claims.clone();
    expired["exp"] = json!(now() - 600);
    let err = verifier
        .verify(&sign("signing", Some("k1"), &expired))
        .await
        .unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Expired, "{err}");
    // Numbers a token carries never panic the verifier.
    for exp in [json!(1e300), json!(-1), json!(u64::MAX), json!("soon")] {
        let mut odd = claims.clone();
        odd["exp"] = exp;
        let _ = verifier.verify(&sign("signing", Some("k1"), &odd)).await;
    }
}

#[test]
fn a_redirect_from_another_issuer_is_refused() {
    let client = OAuthClient::builder(Credentials::public("spa"))
        .base_url("https://developer.api.autodesk.com")
        .build()
        .unwrap();
    let scopes = "data:read".parse().unwrap();
    let callback = "http://127.0.0.1:8080/callback";
    let request = client.start_authorization(callback, &scopes).unwrap();
    let state = request.state().expose_secret().to_owned();
    let mixed_up = format!("{callback}?code=c&state={state}&iss=https%3A%2F%2Fevil.example");
    let err = request.callback(&mixed_up).unwrap_err();
    assert!(
        matches!(&err, OAuthError::InvalidRedirect(why) if why.contains("RFC 9207")),
        "{err}"
    );
    // RFC 9207 section 2.4: simple string comparison, so the issuer with a trailing slash
    // (which the ID token's `iss` check refuses too) is another issuer.
    let request = client.start_authorization(callback, &scopes).unwrap();
    let state = request.state().expose_secret().to_owned();
    let slashed =
        format!("{callback}?code=c&state={state}&iss=https%3A%2F%2Fdeveloper.api.autodesk.com%2F");
    let err = request.callback(&slashed).unwrap_err();
    assert!(
        matches!(&err, OAuthError::InvalidRedirect(why) if why.contains("RFC 9207")),
        "{err}"
    );
    let request = client.start_authorization(callback, &scopes).unwrap();
    let state = request.state().expose_secret().to_owned();
    let genuine =
        format!("{callback}?code=c&state={state}&iss=https%3A%2F%2Fdeveloper.api.autodesk.com");
    assert_eq!(request.callback(&genuine).unwrap().expose_secret(), "c");
}

/// Against the real OpenID provider: a sign-in asking for `openid` gets its ID token verified
/// by the code exchange (RS256 from the provider's key set, issuer, audience, nonce).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_sign_in_with_openid_verifies_the_id_token() {
    use aps_auth_tests::oidc::{BASIC_CLIENT, OidcServer};
    let Some(server) = OidcServer::start() else {
        return;
    };
    let client = OAuthClient::builder(Credentials::confidential(
        BASIC_CLIENT.0,
        ClientSecret::new(BASIC_CLIENT.1),
    ))
    .base_url(server.base_url())
    .build()
    .unwrap();
    let scopes = "openid data:read".parse().unwrap();
    let request = client
        .start_authorization("http://127.0.0.1:43210/callback", &scopes)
        .unwrap();
    let redirect = server.authorize_headless(request.url(), "ada").await;
    let code = request.callback(redirect.as_str()).unwrap();
    let token = client.exchange_code(&request, code).await.unwrap();
    let claims = token.id_token_claims().expect("verified claims");
    assert_eq!(claims.nonce.as_deref(), request.nonce());
    assert_eq!(claims.aud, [BASIC_CLIENT.0]);
    assert_eq!(claims.iss, client.issuer());
    // The same token with another nonce, or for another client, is refused.
    let id_token = token.id_token().unwrap().expose_secret().to_owned();
    let err = client
        .verify_id_token(&id_token, Some("another-nonce"))
        .await
        .unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Nonce, "{err}");
    let other = OAuthClient::builder(Credentials::public("public-client"))
        .base_url(server.base_url())
        .build()
        .unwrap();
    let err = other.verify_id_token(&id_token, None).await.unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Audience, "{err}");
}

/// Against the real provider: its JWT access tokens verify for a resource server, and after the
/// provider rotates its keys (dropping the old one) new tokens verify and old ones are refused,
/// without restarting anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_access_tokens_verify_across_a_key_rotation() {
    use aps_auth_tests::oidc::{JWT_ACCESS_TOKEN_AUDIENCE, JWT_CLIENT, OidcServer};
    let Some(server) = OidcServer::start() else {
        return;
    };
    let client = OAuthClient::builder(Credentials::confidential(
        JWT_CLIENT.0,
        ClientSecret::new(JWT_CLIENT.1),
    ))
    .base_url(server.base_url())
    .jwks_min_refetch(Duration::ZERO)
    .build()
    .unwrap();
    let verifier = client
        .access_token_verifier()
        .audience(JWT_ACCESS_TOKEN_AUDIENCE)
        .require_scopes(["data:read"]);
    let scopes = "data:read".parse().unwrap();
    let before = client.two_legged().token(&scopes).await.unwrap();
    let claims = verifier
        .verify(before.access_token().expose_secret())
        .await
        .unwrap();
    assert_eq!(claims.client_id.as_deref(), Some(JWT_CLIENT.0));

    let new_kid = server.rotate_keys(false).await;
    // A token signed with the new key: the verifier's cached set does not have its kid, so it
    // fetches the set again and accepts it.
    let fresh_client = OAuthClient::builder(Credentials::confidential(
        JWT_CLIENT.0,
        ClientSecret::new(JWT_CLIENT.1),
    ))
    .base_url(server.base_url())
    .build()
    .unwrap();
    let after = fresh_client.two_legged().token(&scopes).await.unwrap();
    let header = jsonwebtoken::decode_header(after.access_token().expose_secret()).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    verifier
        .verify(after.access_token().expose_secret())
        .await
        .unwrap();
    // The refetched set no longer holds the old key.
    let err = verifier
        .verify(before.access_token().expose_secret())
        .await
        .unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::UnknownKey, "{err}");
    let err = verifier
        .clone()
        .require_scopes(["bucket:delete"])
        .verify(after.access_token().expose_secret())
        .await
        .unwrap_err();
    assert_eq!(check_of(&err), TokenCheck::Scope, "{err}");
}

/// The OpenID Connect endpoints added to the document (discovery, UserInfo) work against the
/// real provider, UserInfo with the session as token source. UserInfo is served from a server of
/// its own in production; a client given another base URL (this test server) uses it for every
/// operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_userinfo_from_the_document() {
    use aps_auth_tests::oidc::{BASIC_CLIENT, OidcServer};
    let Some(server) = OidcServer::start() else {
        return;
    };
    let oauth = OAuthClient::builder(Credentials::confidential(
        BASIC_CLIENT.0,
        ClientSecret::new(BASIC_CLIENT.1),
    ))
    .base_url(server.base_url())
    .build()
    .unwrap();
    let api = aps_auth_generated::Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let config = api.get_open_id_configuration().await.unwrap();
    assert_eq!(config.issuer, oauth.issuer());

    let scopes = "openid user-profile:read".parse().unwrap();
    let request = oauth
        .start_authorization("http://127.0.0.1:43210/callback", &scopes)
        .unwrap();
    let redirect = server.authorize_headless(request.url(), "ada").await;
    let token = oauth
        .exchange_code(&request, request.callback(redirect.as_str()).unwrap())
        .await
        .unwrap();
    let sub = token.id_token_claims().unwrap().sub.clone();
    let info = api
        .with_token_source(oauth.session(token))
        .get_user_info()
        .await
        .unwrap();
    assert_eq!(info.sub, sub);
}
