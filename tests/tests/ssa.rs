//! Secure Service Accounts: `SsaProvider` against `wiremock` on 127.0.0.1: the JWT-bearer token
//! request and its signed assertion, caching, single-flight, renewal, retries with a fresh
//! assertion, refusals, spec-driven authentication, and no secret in any output; and once against
//! the test OAuth server's JWT-bearer grant (`tests/oidc/`, skipped with
//! `APS_AUTH_SKIP_NODE_TESTS=1` where Node.js is missing).

use std::sync::Arc;
use std::time::Duration;

use aps_auth_generated::oauth::{
    ClientSecret, Credentials, OAuthClient, OAuthError, OAuthErrorCode, RetryPolicy,
    ServiceAccountKey, SsaProvider,
};
use aps_auth_generated::{Client, Scopes};
use aps_auth_tests::oidc::{
    OidcServer, SSA_CLIENT, SSA_KEY_ID, SSA_SERVICE_ACCOUNT_ID, ssa_test_key_pem,
    throwaway_rsa_private_key_pem,
};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// TEST-ONLY RSA 2048 key pair (`openssl genpkey`, PKCS#8 as APS returns it), the one copy in
/// `tests/keys/jwt/`. It protects nothing.
const TEST_ONLY_PRIVATE_KEY: &str = include_str!("../keys/jwt/ssa-test-only.pem");
const TEST_ONLY_PUBLIC_KEY: &str = include_str!("../keys/jwt/ssa-public-test-only.pem");

const CLIENT_ID: &str = "ssa-app";
const SECRET: &str = "ssa-s3cret";
const ACCOUNT: &str = "SA-0001";
const KID: &str = "kid-0001";
const TOKEN_PATH: &str = "/authentication/v2/token";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_elapsed: Duration::from_secs(10),
    }
}

fn oauth(server: &MockServer) -> OAuthClient {
    OAuthClient::builder(Credentials::confidential(
        CLIENT_ID,
        ClientSecret::new(SECRET),
    ))
    .base_url(server.uri())
    .retry(quick_retries())
    .timeout(Some(Duration::from_secs(5)))
    .build()
    .unwrap()
}

fn provider(server: &MockServer) -> SsaProvider {
    let key = ServiceAccountKey::from_pem(TEST_ONLY_PRIVATE_KEY, KID).unwrap();
    oauth(server).service_account(ACCOUNT, key)
}

fn scopes(s: &str) -> Scopes {
    s.parse().unwrap()
}

fn token_answer(access_token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in
    }))
}

/// The form fields of a request.
fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

fn field(request: &Request, name: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The assertion's claims, after checking its RS256 signature with the public key, its `kid`,
/// `iss`, `sub` and `aud`.
fn verified_claims(assertion: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(assertion).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(KID));
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.sub = Some(ACCOUNT.into());
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
    let key = DecodingKey::from_rsa_pem(TEST_ONLY_PUBLIC_KEY.as_bytes()).unwrap();
    jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .unwrap()
        .claims
}

#[tokio::test]
async fn the_token_request_is_a_jwt_bearer_grant_with_a_signed_assertion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        ))
        .respond_with(token_answer("AT-1", 3600))
        .expect(1)
        .mount(&server)
        .await;
    let token = provider(&server)
        .token(&scopes("data:read user-profile:read"))
        .await
        .unwrap();
    assert_eq!(token.access_token().expose_secret(), "AT-1");
    assert_eq!(token.scopes().to_string(), "data:read user-profile:read");

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    assert_eq!(
        request.headers.get("authorization").unwrap(),
        &format!("Basic {basic}")
    );
    assert_eq!(field(request, "grant_type").as_deref(), Some(JWT_BEARER));
    assert_eq!(
        field(request, "scope").as_deref(),
        Some("data:read user-profile:read")
    );
    assert_eq!(field(request, "client_secret"), None, "Basic, not both");
    let audience = format!("{}{TOKEN_PATH}", server.uri());
    let claims = verified_claims(&field(request, "assertion").unwrap(), &audience);
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 300, "a short-lived assertion");
    assert_eq!(claims["scope"], json!(["data:read", "user-profile:read"]));
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 32));
}

#[tokio::test]
async fn every_assertion_is_issued_now_with_its_own_jti_and_no_scope_claim_without_scopes() {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-1", 3600))
        .mount(&server)
        .await;
    let provider = provider(&server);
    provider.token(&scopes("data:read")).await.unwrap();
    provider.token(&Scopes::default()).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let audience = format!("{}{TOKEN_PATH}", server.uri());
    let claims: Vec<Value> = requests
        .iter()
        .map(|r| verified_claims(&field(r, "assertion").unwrap(), &audience))
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for c in &claims {
        let iat = c["iat"].as_u64().unwrap();
        assert!(iat.abs_diff(now) <= 5, "{iat} vs {now}");
        assert_eq!(c["jti"].as_str().unwrap().len(), 32);
    }
    assert_ne!(
        claims[0]["jti"], claims[1]["jti"],
        "every assertion has its own jti"
    );
    assert_eq!(claims[0]["scope"], json!(["data:read"]));
    assert!(
        claims[1].get("scope").is_none(),
        "no scopes: no scope claim"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_callers_cause_one_request_and_share_the_cache() {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-1", 3600).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server);
    let callers: Vec<_> = (0..100)
        .map(|i| {
            let provider = provider.clone();
            // The same scope set, in two orders.
            let wanted = if i % 2 == 0 {
                "data:read data:write"
            } else {
                "data:write data:read"
            };
            tokio::spawn(async move { provider.token(&scopes(wanted)).await })
        })
        .collect();
    for caller in callers {
        assert_eq!(
            caller
                .await
                .unwrap()
                .unwrap()
                .access_token()
                .expose_secret(),
            "AT-1"
        );
    }
    // Cached: no new request.
    provider
        .token(&scopes("data:read data:write"))
        .await
        .unwrap();
}

#[tokio::test]
async fn tokens_are_cached_per_scope_set_and_renewed_ahead_of_expiry() {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-1", 2))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-2", 3600))
        .mount(&server)
        .await;
    let provider = provider(&server);
    let wanted = scopes("data:read");
    assert_eq!(
        provider
            .token(&wanted)
            .await
            .unwrap()
            .access_token()
            .expose_secret(),
        "AT-1"
    );
    assert_eq!(
        provider
            .token(&wanted)
            .await
            .unwrap()
            .access_token()
            .expose_secret(),
        "AT-1"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // A 2 s token is renewed at half its life, before it expires.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let renewed = provider.token(&wanted).await.unwrap();
    assert_eq!(renewed.access_token().expose_secret(), "AT-2");
    // Another scope set is another token.
    provider.token(&scopes("data:write")).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_retry_signs_a_new_assertion() {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-1", 3600))
        .mount(&server)
        .await;
    provider(&server).token(&scopes("data:read")).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let audience = format!("{}{TOKEN_PATH}", server.uri());
    let first = field(&requests[0], "assertion").unwrap();
    let second = field(&requests[1], "assertion").unwrap();
    assert_ne!(first, second, "the retry sent the same assertion again");
    assert_ne!(
        verified_claims(&first, &audience)["jti"],
        verified_claims(&second, &audience)["jti"]
    );
}

#[tokio::test]
async fn an_invalid_grant_is_a_typed_refusal_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "the service account is disabled"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .token(&scopes("data:read"))
        .await
        .unwrap_err();
    let OAuthError::Refused(refusal) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(refusal.status.as_u16(), 400);
    assert_eq!(err.code(), Some(&OAuthErrorCode::InvalidGrant));
    assert!(
        err.to_string().contains("the service account is disabled"),
        "{err}"
    );
}

/// Echoes every assertion received so far, glued to other words (so that it does not look like
/// a JWT on its own), in the error text of a 503 answer: JSON, or an HTML page.
struct EchoAssertions {
    seen: Arc<std::sync::Mutex<Vec<String>>>,
    html: bool,
}

impl wiremock::Respond for EchoAssertions {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.push(field(request, "assertion").unwrap());
        let glued: Vec<String> = seen.iter().map(|a| format!("sent{a}")).collect();
        let answer = ResponseTemplate::new(503).insert_header("Retry-After", "0");
        if self.html {
            return answer.set_body_raw(format!("<p>{}</p>", glued.join(" ")), "text/html");
        }
        answer.set_body_json(json!({
            "error": "temporarily_unavailable",
            "error_description": glued.join(" "),
            "developerMessage": format!("assertion={}", seen[0]),
            "details": glued,
        }))
    }
}

/// A server that echoes the assertions it was sent in its error text: the error shows none of
/// them, the last attempt's nor an earlier one's (every retry signs a new assertion).
#[tokio::test]
async fn an_echoed_assertion_is_never_shown() {
    for html in [false, true] {
        let server = MockServer::start().await;
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        Mock::given(path(TOKEN_PATH))
            .respond_with(EchoAssertions {
                seen: seen.clone(),
                html,
            })
            .expect(3)
            .mount(&server)
            .await;
        let err = provider(&server)
            .token(&scopes("data:read"))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
        let shown = format!("{err}\n{err:?}");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        for assertion in seen.iter() {
            for part in assertion.split('.') {
                assert!(!shown.contains(part), "leaked:\n{shown}");
            }
        }
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[tokio::test]
async fn a_client_gets_user_tokens_from_the_provider_and_renews_one_the_api_refuses() {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-1", 3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token_answer("AT-2", 3600))
        .mount(&server)
        .await;
    Mock::given(path("/userprofile/v1/users/@me"))
        .and(header("authorization", "Bearer AT-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(path("/userprofile/v1/users/@me"))
        .and(header("authorization", "Bearer AT-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"userId": ACCOUNT, "userName": "sa"})),
        )
        .mount(&server)
        .await;
    let provider = provider(&server);
    let api = Client::builder()
        .base_url(server.uri())
        .token_source(provider.clone())
        .build()
        .unwrap();
    let profile = api.get_user_profile().await.unwrap();
    // Through the answer's wire names, not the generated type's fields.
    assert_eq!(serde_json::to_value(&*profile).unwrap()["userId"], ACCOUNT);
    let requests = server.received_requests().await.unwrap();
    let token_requests: Vec<&Request> = requests
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .collect();
    assert_eq!(token_requests.len(), 2, "the refused token was forgotten");
    // The operation's declared scope, exactly.
    assert_eq!(
        field(token_requests[0], "scope").as_deref(),
        Some("user-profile:read")
    );
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_key_assertion_secret_or_token_in_any_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Global, not thread-local: the other tests of this binary hit the same callsites on other
    // threads, and a thread-local subscriber would lose events to their cached interest. Their
    // events land here too, and must not leak either.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("data%3Aread"))
        .respond_with(token_answer("AT-SECRET-1", 3600))
        .mount(&server)
        .await;
    Mock::given(path(TOKEN_PATH))
        .and(body_string_contains("data%3Awrite"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    let provider = provider(&server);
    let token = provider.token(&scopes("data:read")).await.unwrap();
    let err = provider.token(&scopes("data:write")).await.unwrap_err();
    let key_err = ServiceAccountKey::from_pem(TEST_ONLY_PUBLIC_KEY, KID).unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("token request") && log.contains("retrying"),
        "{log}"
    );
    let everything =
        format!("{log}\n{err}\n{err:?}\n{key_err}\n{key_err:?}\n{token:?}\n{provider:?}");
    let mut secrets = vec!["AT-SECRET-1".to_owned(), SECRET.to_owned()];
    for request in server.received_requests().await.unwrap() {
        secrets.push(field(&request, "assertion").unwrap());
    }
    secrets.extend(
        TEST_ONLY_PRIVATE_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_owned),
    );
    for secret in secrets {
        assert!(
            !everything.contains(&secret),
            "`{secret}` leaked:\n{everything}"
        );
    }
}

/// Against `oidc-provider` with the JWT-bearer grant of `tests/oidc/server.mjs`, which checks the
/// assertion's `alg`, `kid`, signature, `iss`, `sub`, `aud`, `exp`, `iat` and the scopes.
#[tokio::test]
async fn the_test_oauth_server_grants_the_service_account_a_user_token() {
    let Some(server) = OidcServer::start() else {
        return;
    };
    let client = OAuthClient::builder(Credentials::confidential(
        SSA_CLIENT.0,
        ClientSecret::new(SSA_CLIENT.1),
    ))
    .base_url(server.base_url())
    .build()
    .unwrap();
    let key = ServiceAccountKey::from_pem(&ssa_test_key_pem(), SSA_KEY_ID).unwrap();
    let provider = client.service_account(SSA_SERVICE_ACCOUNT_ID, key);
    let wanted = scopes("data:read user-profile:read");
    let token = provider.token(&wanted).await.unwrap();
    provider.token(&wanted).await.unwrap();
    assert_eq!(server.jwt_bearer_grant_count().await, 1, "cached");
    // A user token of the service account.
    let profile = client.user_profile(token.access_token()).await.unwrap();
    assert_eq!(
        serde_json::to_value(&profile).unwrap()["userId"],
        SSA_SERVICE_ACCOUNT_ID
    );

    // The token store is the client's: another provider of the same account shares the token
    // (so do the processes of a fleet sharing a `RedisStore`), whatever key it holds.
    let stranger =
        ServiceAccountKey::from_pem(&throwaway_rsa_private_key_pem(), SSA_KEY_ID).unwrap();
    let shared = client.service_account(SSA_SERVICE_ACCOUNT_ID, stranger.clone());
    assert_eq!(
        shared.token(&wanted).await.unwrap().access_token(),
        token.access_token()
    );
    assert_eq!(server.jwt_bearer_grant_count().await, 1, "shared");

    // A key the server does not know, on a client of its own: a typed refusal naming the check.
    let alone = OAuthClient::builder(Credentials::confidential(
        SSA_CLIENT.0,
        ClientSecret::new(SSA_CLIENT.1),
    ))
    .base_url(server.base_url())
    .build()
    .unwrap();
    let err = alone
        .service_account(SSA_SERVICE_ACCOUNT_ID, stranger)
        .token(&wanted)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&OAuthErrorCode::InvalidGrant), "{err}");
    assert!(err.to_string().contains("signature"), "{err}");
}
