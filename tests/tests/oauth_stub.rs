//! The OAuth layer against a local stub server (`wiremock` on 127.0.0.1): client
//! authentication, caching, single-flight, refusals, and fault injection (429 with
//! Retry-After, 503, HTML 500, slow answers, truncated JSON).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aps_auth_generated::oauth::{
    AuthorizationCode, ClientAuthMethod, ClientSecret, Credentials, Expected, LockToken,
    MemoryStore, OAuthClient, OAuthError, OAuthErrorCode, RetryPolicy, StoreEntry, StoreFuture,
    StoreKey, StoredToken, TokenStore, UserSession,
};
use aps_auth_generated::{Error, Scopes};
use base64::Engine as _;
use serde_json::json;
use wiremock::matchers::{body_string, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.dG9wLXNlY3JldC1hY2Nlc3M.c2ln";
const REFRESH: &str = "refresh-secret-0001";
const SECRET: &str = "s3cr+t/:%&= x";

fn scopes(s: &str) -> Scopes {
    s.parse().unwrap()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_elapsed: Duration::from_secs(10),
    }
}

fn oauth(server: &MockServer, credentials: Credentials) -> OAuthClient {
    OAuthClient::builder(credentials)
        .base_url(server.uri())
        .retry(quick_retries())
        .timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap()
}

fn confidential() -> Credentials {
    Credentials::confidential("my id", ClientSecret::new(SECRET))
}

fn token_answer(expires_in: u64, scope: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": expires_in, "scope": scope}).to_string(),
            "application/json",
        )
        .insert_header("X-RateLimit-Remaining", "41")
}

fn no_authorization_header(req: &Request) -> bool {
    !req.headers.contains_key("authorization")
}

#[tokio::test]
async fn two_legged_uses_basic_auth_with_form_encoded_credentials() {
    let server = MockServer::start().await;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("my+id:s3cr%2Bt%2F%3A%25%26%3D+x")
    );
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .and(header("authorization", expected.as_str()))
        .and(body_string(
            "grant_type=client_credentials&scope=data%3Aread",
        ))
        .respond_with(token_answer(3600, "data:read"))
        .expect(1)
        .mount(&server)
        .await;
    let token = oauth(&server, confidential())
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap();
    assert_eq!(token.access_token().expose_secret(), TOKEN);
    assert_eq!(token.scopes().to_string(), "data:read");
    assert!(token.expires_in() > Duration::from_secs(3500));
    assert_eq!(token.rate_limit().remaining, Some(41));
    let debug = format!("{token:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
}

#[tokio::test]
async fn two_legged_can_send_the_secret_in_the_body_instead() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .and(no_authorization_header)
        .and(body_string(
            "grant_type=client_credentials&client_id=my+id&client_secret=s3cr%2Bt%2F%3A%25%26%3D+x&scope=data%3Aread",
        ))
        .respond_with(token_answer(3600, "data:read"))
        .expect(1)
        .mount(&server)
        .await;
    let credentials = confidential().with_auth_method(ClientAuthMethod::RequestBody);
    oauth(&server, credentials)
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap();
}

#[tokio::test]
async fn tokens_are_cached_per_scope_set_and_renewed_ahead_of_expiry() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("scope=data%3Aread+bucket%3Aread"))
        .respond_with(token_answer(3600, "data:read bucket:read"))
        .expect(1)
        .mount(&server)
        .await;
    // Lives less than the 60 s margin: renewed at half its life (15 s left), so cached, not
    // fetched again on every call.
    Mock::given(body_string_contains("scope=code%3Aall"))
        .respond_with(token_answer(30, "code:all"))
        .expect(1)
        .mount(&server)
        .await;
    let provider = oauth(&server, confidential()).two_legged();
    let clone = provider.clone();
    provider
        .token(&scopes("data:read bucket:read"))
        .await
        .unwrap();
    clone.token(&scopes("bucket:read data:read")).await.unwrap();
    provider.token(&scopes("code:all")).await.unwrap();
    provider.token(&scopes("code:all")).await.unwrap();
}

#[tokio::test]
async fn concurrent_callers_on_a_cold_cache_cause_one_request() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(token_answer(3600, "data:read").set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = oauth(&server, confidential()).two_legged();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move {
                provider
                    .token(&scopes("data:read"))
                    .await
                    .map(|t| t.access_token().clone())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().expose_secret(), TOKEN);
    }
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_delay() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(token_answer(3600, "data:read"))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    oauth(&server, confidential())
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn a_503_html_page_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(
            ResponseTemplate::new(503).set_body_raw("<html>maintenance</html>", "text/html"),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(token_answer(3600, "data:read"))
        .expect(1)
        .mount(&server)
        .await;
    oauth(&server, confidential())
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap();
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/introspect"))
        .respond_with(ResponseTemplate::new(500).set_body_raw("<html>oops</html>", "text/html"))
        .expect(3)
        .mount(&server)
        .await;
    let err = oauth(&server, confidential())
        .introspect("some-token")
        .await
        .unwrap_err();
    let OAuthError::Http(http) = &err else {
        panic!("{err:?}")
    };
    let Error::Status(status) = &**http else {
        panic!("{err:?}")
    };
    assert_eq!(status.status, 500);
    assert!(status.body.as_str().contains("oops"));
}

#[tokio::test]
async fn a_code_exchange_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(500).set_body_raw("<html>oops</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth(&server, confidential());
    let request = client
        .start_authorization("http://127.0.0.1:8080/callback", &scopes("data:read"))
        .unwrap();
    let err = client
        .exchange_code(&request, AuthorizationCode::new("single-use"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried_within_bounds() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/keys"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .expect(3)
        .mount(&server)
        .await;
    let client = OAuthClient::builder(confidential())
        .base_url(server.uri())
        .retry(quick_retries())
        .timeout(Some(Duration::from_millis(150)))
        .build()
        .unwrap();
    let err = client.keys().await.unwrap_err();
    let OAuthError::Http(http) = &err else {
        panic!("{err:?}")
    };
    let Error::Transport(e) = &**http else {
        panic!("{err:?}")
    };
    assert!(e.is_timeout());
}

#[tokio::test]
async fn truncated_json_is_an_error_that_shows_no_token() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(r#"{{"access_token":"{TOKEN}","refresh_token":"{REFRESH}","expires_"#),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = oauth(&server, confidential())
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OAuthError::Http(http) if matches!(**http, Error::Decode(_))),
        "{err:?}"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains(TOKEN) && !shown.contains(REFRESH) && !shown.contains(SECRET),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn refusals_keep_the_oauth_error_and_description() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            json!({"error": "invalid_client", "error_description": "client authentication failed"}).to_string(),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = oauth(&server, confidential())
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&OAuthErrorCode::InvalidClient));
    let OAuthError::Refused(refusal) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(refusal.status, 401);
    assert_eq!(
        refusal.error_description.as_deref(),
        Some("client authentication failed")
    );
    assert!(
        err.to_string()
            .contains("invalid_client: client authentication failed"),
        "{err}"
    );
}

/// A client-credentials answer without `scope`, or with a blank one, grants the scopes asked for
/// (RFC 6749 section 5.1).
#[tokio::test]
async fn a_two_legged_answer_without_scope_grants_the_scopes_asked_for() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("scope=data%3Aread+bucket%3Aread"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(body_string_contains("scope=code%3Aall"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600, "scope": " "}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let provider = oauth(&server, confidential()).two_legged();
    let token = provider
        .token(&scopes("data:read bucket:read"))
        .await
        .unwrap();
    assert_eq!(token.scopes().to_string(), "data:read bucket:read");
    let token = provider.token(&scopes("code:all")).await.unwrap();
    assert_eq!(token.scopes().to_string(), "code:all");
}

/// `refresh_grant` keeps the grant's scopes when the answer names none; an answer that names
/// scopes is believed.
#[tokio::test]
async fn a_refresh_without_scope_keeps_the_grants_scopes() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("refresh_token=r-without-scope"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "a2", "refresh_token": "r2", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    Mock::given(body_string_contains("refresh_token=r-with-scope"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "a3", "expires_in": 3600, "scope": "data:read"}),
            ),
        )
        .mount(&server)
        .await;
    let client = oauth(&server, Credentials::public("spa"));
    let granted = |refresh_token: &str| {
        aps_auth_generated::oauth::Token::from_stored(
            serde_json::from_value(json!({
                "access_token": "a1", "token_type": "Bearer", "expires_at_ms": 0,
                "lifetime_s": 3600, "scope": "data:read data:write",
                "refresh_token": refresh_token
            }))
            .unwrap(),
        )
    };
    let fresh = client
        .refresh_grant(&granted("r-without-scope"))
        .await
        .unwrap();
    assert_eq!(fresh.access_token().expose_secret(), "a2");
    assert_eq!(fresh.scopes().to_string(), "data:read data:write");
    let narrowed = client
        .refresh_grant(&granted("r-with-scope"))
        .await
        .unwrap();
    assert_eq!(narrowed.scopes().to_string(), "data:read");
    assert_eq!(
        narrowed.refresh_token().unwrap().expose_secret(),
        "r-with-scope"
    );

    // A session does the same.
    let session = client.session(granted("r-without-scope"));
    let token = session.access_token().await.unwrap();
    assert_eq!(token.scopes().to_string(), "data:read data:write");
}

/// A session signed in at `server` (code `c`, access token `a1`, refresh token [`REFRESH`]),
/// whose one refresh answers `a2` and the rotated refresh token `rotated` after `refresh_delay`.
async fn signed_in_session(server: &MockServer, refresh_delay: Duration) -> UserSession {
    Mock::given(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"access_token": "a1", "refresh_token": REFRESH, "expires_in": 3600}).to_string(),
            "application/json",
        ))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(body_string_contains(
        format!("refresh_token={REFRESH}").as_str(),
    ))
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_raw(
                json!({"access_token": "a2", "refresh_token": "rotated", "expires_in": 3600})
                    .to_string(),
                "application/json",
            )
            .set_delay(refresh_delay),
    )
    .expect(1)
    .mount(server)
    .await;
    let client = oauth(server, Credentials::public("spa"));
    let request = client
        .start_authorization("http://127.0.0.1:8080/callback", &scopes("data:read"))
        .unwrap();
    let token = client
        .exchange_code(&request, AuthorizationCode::new("c"))
        .await
        .unwrap();
    client.session(token)
}

#[tokio::test]
async fn a_session_refreshes_once_for_concurrent_callers() {
    let server = MockServer::start().await;
    let session = signed_in_session(&server, Duration::from_millis(200)).await;
    let session = Arc::new(session);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move {
                session
                    .refresh()
                    .await
                    .map(|t| t.access_token().expose_secret().to_owned())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "a2");
    }
    let current = session.current();
    assert_eq!(current.refresh_token().unwrap().expose_secret(), "rotated");
}

/// A refresh whose caller is dropped after the request left still completes, and the session
/// keeps the rotated refresh token (the server has spent the old one).
#[tokio::test]
async fn a_refresh_survives_its_caller_being_dropped() {
    let server = MockServer::start().await;
    let session = signed_in_session(&server, Duration::from_millis(300)).await;
    // The caller gives up while the server is still answering.
    let mut changes = session.watch();
    let gave_up = tokio::time::timeout(Duration::from_millis(50), session.refresh()).await;
    assert!(gave_up.is_err(), "the refresh should still be under way");
    // The refresh goes on without its caller; the session announces its result.
    tokio::time::timeout(Duration::from_secs(5), changes.changed())
        .await
        .expect("the refresh finishes")
        .unwrap();
    let current = session.current();
    assert_eq!(current.access_token().expose_secret(), "a2");
    assert_eq!(current.refresh_token().unwrap().expose_secret(), "rotated");
}

#[test]
fn authorization_requests_carry_pkce_state_and_nonce() {
    let client = OAuthClient::new(Credentials::public("spa")).unwrap();
    let callback = "http://127.0.0.1:8080/callback";
    let a = client
        .start_authorization(callback, &scopes("openid data:read user-profile:read"))
        .unwrap();
    let b = client
        .start_authorization(callback, &scopes("openid data:read"))
        .unwrap();
    let c = client
        .start_authorization(callback, &scopes("data:read"))
        .unwrap();
    assert_eq!(
        c.nonce(),
        None,
        "OpenID Connect servers refuse a nonce without `openid`"
    );
    assert!(!c.url().query_pairs().any(|(k, _)| k == "nonce"));
    let query: std::collections::HashMap<String, String> =
        a.url().query_pairs().into_owned().collect();
    assert_eq!(a.url().path(), "/authentication/v2/authorize");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "spa");
    assert_eq!(query["redirect_uri"], "http://127.0.0.1:8080/callback");
    assert_eq!(query["scope"], "openid data:read user-profile:read");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["state"], a.state().expose_secret());
    assert_eq!(Some(query["nonce"].as_str()), a.nonce());
    assert_ne!(a.state(), b.state());
    assert_ne!(a.nonce(), b.nonce());
    let b_query: std::collections::HashMap<String, String> =
        b.url().query_pairs().into_owned().collect();
    assert_ne!(query["code_challenge"], b_query["code_challenge"]);
    assert!(!format!("{a:?}").contains(a.state().expose_secret()));
}

#[test]
fn callbacks_are_checked_locally() {
    let client = OAuthClient::new(Credentials::public("spa")).unwrap();
    // Each check gets a request of its own: a request takes one answer (`state` is one-time).
    let fresh = || {
        let request = client
            .start_authorization("http://127.0.0.1:8080/callback", &scopes("data:read"))
            .unwrap();
        let state = request.state().expose_secret().to_owned();
        (request, state)
    };

    let (request, state) = fresh();
    let code = request
        .callback(&format!(
            "http://127.0.0.1:8080/callback?code=abc&state={state}"
        ))
        .unwrap();
    assert_eq!(code.expose_secret(), "abc");
    // The same redirect again (a replay, or a second tab): refused.
    let err = request
        .callback(&format!(
            "http://127.0.0.1:8080/callback?code=abc&state={state}"
        ))
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidRedirect(_)), "{err:?}");
    // A clone shares the request: refused too.
    assert!(
        request
            .clone()
            .callback(&format!("/callback?code=abc&state={state}"))
            .is_err()
    );

    // A path and query alone, as a callback listener sees them.
    let (request, state) = fresh();
    assert!(
        request
            .callback(&format!("/callback?code=abc&state={state}"))
            .is_ok()
    );

    // A forged or missing state is refused, and does not use the request up.
    let (request, state) = fresh();
    let err = request
        .callback("http://127.0.0.1:8080/callback?code=abc&state=forged")
        .unwrap_err();
    assert!(matches!(err, OAuthError::StateMismatch), "{err:?}");
    let err = request
        .callback("http://127.0.0.1:8080/callback?code=abc")
        .unwrap_err();
    assert!(matches!(err, OAuthError::StateMismatch), "{err:?}");
    assert!(
        request
            .callback(&format!("/callback?code=abc&state={state}"))
            .is_ok()
    );

    let (request, state) = fresh();
    let err = request
        .callback(&format!("http://127.0.0.1:8080/callback?error=access_denied&error_description=User+said+no&state={state}"))
        .unwrap_err();
    let OAuthError::Authorization { error, description } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*error, OAuthErrorCode::AccessDenied);
    assert_eq!(description.as_deref(), Some("User said no"));

    // Another path, another port: not our redirect URI.
    for elsewhere in [
        "http://127.0.0.1:8080/elsewhere",
        "http://127.0.0.1:9090/callback",
        "https://127.0.0.1:8080/callback",
    ] {
        let (request, state) = fresh();
        let err = request
            .callback(&format!("{elsewhere}?code=abc&state={state}"))
            .unwrap_err();
        assert!(
            matches!(err, OAuthError::InvalidRedirect(_)),
            "{elsewhere}: {err:?}"
        );
    }
    let (request, state) = fresh();
    let err = request
        .callback(&format!("http://127.0.0.1:8080/callback?state={state}"))
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidRedirect(_)), "{err:?}");
    let (request, state) = fresh();
    let err = request
        .callback(&format!("/callback?code=a&code=b&state={state}"))
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidRedirect(_)), "{err:?}");
}

#[test]
fn credentials_never_show_the_secret() {
    let shown = format!("{:?}", confidential());
    assert!(
        !shown.contains(SECRET) && shown.contains("[redacted]"),
        "{shown}"
    );
    let client = OAuthClient::new(confidential()).unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains("czNjcit0"),
        "{shown}"
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

/// Every log line of this test binary, through one global subscriber: a thread-local one loses
/// events when other tests register the same callsites at the same time (tracing caches each
/// callsite's interest), and work spawned by the layer (single-flight tasks) must be seen too.
fn captured_logs() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this test binary");
            captured
        })
        .clone()
}

#[tokio::test]
async fn tracing_output_never_contains_a_secret() {
    let captured = captured_logs();

    let server = MockServer::start().await;
    Mock::given(body_string_contains("grant_type=client_credentials"))
        .respond_with(token_answer(3600, "data:read"))
        .mount(&server)
        .await;
    Mock::given(body_string_contains("grant_type=authorization_code"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(
                json!({"access_token": TOKEN, "refresh_token": REFRESH, "expires_in": 3600})
                    .to_string(),
                "application/json",
            ),
        )
        .mount(&server)
        .await;
    Mock::given(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    Mock::given(path("/authentication/v2/introspect"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;

    let client = oauth(&server, confidential());
    client
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap();
    let request = client
        .start_authorization("http://127.0.0.1:8080/callback", &scopes("data:read"))
        .unwrap();
    let token = client
        .exchange_code(&request, AuthorizationCode::new("the-code-value"))
        .await
        .unwrap();
    let refresh_err = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    let introspect_err = client.introspect(TOKEN).await.unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("token request") && log.contains("retrying"),
        "{log}"
    );
    let everything = format!(
        "{log}\n{refresh_err}\n{refresh_err:?}\n{introspect_err}\n{introspect_err:?}\n{token:?}\n{request:?}"
    );
    for secret in [
        TOKEN,
        REFRESH,
        SECRET,
        "the-code-value",
        request.state().expose_secret(),
    ] {
        assert!(
            !everything.contains(secret),
            "`{secret}` leaked:\n{everything}"
        );
    }
}

#[test]
fn handles_are_cheap_to_clone_and_shareable_across_tasks() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<OAuthClient>();
    shareable::<aps_auth_generated::oauth::TwoLeggedProvider>();
    shareable::<aps_auth_generated::oauth::UserSession>();
    shareable::<aps_auth_generated::oauth::Token>();
    shareable::<aps_auth_generated::Client>();
}

/// Callers queued behind a failing request share its error: ten callers, one request.
#[tokio::test]
async fn waiters_share_a_failed_attempt_instead_of_each_sending_one() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_raw("<html>down</html>", "text/html")
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let provider = OAuthClient::builder(confidential())
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .two_legged();
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token(&scopes("data:read")).await })
        })
        .collect();
    for caller in callers {
        let err = caller.await.unwrap().unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err}");
    }
}

/// A token that lives less than the expiry margin is still cached (for half its life).
#[tokio::test]
async fn a_short_lived_token_is_still_cached() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(token_answer(20, "data:read"))
        .expect(1)
        .mount(&server)
        .await;
    let provider = oauth(&server, confidential()).two_legged();
    for _ in 0..5 {
        provider.token(&scopes("data:read")).await.unwrap();
    }
}

/// A refresh refused with `invalid_grant` is a typed "sign in again", and the dead refresh token
/// is never sent again.
#[tokio::test]
async fn a_dead_grant_asks_for_sign_in_and_is_not_resent() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("grant_type=refresh_token"))
        .respond_with(
            ResponseTemplate::new(400).set_body_raw(
                json!({"error": "invalid_grant", "error_description": "refresh token revoked"})
                    .to_string(),
                "application/json",
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth(&server, Credentials::public("spa"));
    let token = aps_auth_generated::oauth::Token::from_stored(
        serde_json::from_value(json!({
            "access_token": "old", "token_type": "Bearer", "expires_at_ms": 0, "lifetime_s": 3600,
            "refresh_token": REFRESH
        }))
        .unwrap(),
    );
    let session = client.session(token);
    for _ in 0..3 {
        let err = session.access_token().await.unwrap_err();
        let OAuthError::SignInRequired(why) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(err.code(), Some(&OAuthErrorCode::InvalidGrant));
        assert!(why.reason.contains("invalid_grant"), "{err}");
        assert!(!format!("{err} {err:?}").contains(REFRESH));
    }
    assert!(session.sign_in_required());
}

/// Two clients sharing one store (as two processes share Redis) refresh a shared session once
/// between them; both end with the rotated token, and a third opens it from the store.
#[tokio::test]
async fn a_shared_session_is_refreshed_once_for_every_client_of_the_store() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains(
        format!("refresh_token={REFRESH}").as_str(),
    ))
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_raw(
                json!({"access_token": "a2", "refresh_token": "rotated", "expires_in": 3600})
                    .to_string(),
                "application/json",
            )
            .set_delay(Duration::from_millis(200)),
    )
    .expect(1)
    .mount(&server)
    .await;
    let store = Arc::new(MemoryStore::new());
    let client = |store: &Arc<MemoryStore>| {
        OAuthClient::builder(Credentials::public("spa"))
            .base_url(server.uri())
            .retry(quick_retries())
            .token_store(store.clone())
            .build()
            .unwrap()
    };
    let token = aps_auth_generated::oauth::Token::from_stored(
        serde_json::from_value(json!({
            "access_token": "a1", "token_type": "Bearer", "expires_at_ms": 0, "lifetime_s": 3600,
            "refresh_token": REFRESH
        }))
        .unwrap(),
    );
    let first = client(&store).shared_session("user-7", token).await;
    let second = client(&store).resume_session("user-7").await.unwrap();
    let mut saved = second.watch();
    let (a, b) = tokio::join!(first.access_token(), second.access_token());
    assert_eq!(a.unwrap().access_token().expose_secret(), "a2");
    assert_eq!(b.unwrap().access_token().expose_secret(), "a2");
    assert!(saved.has_changed().unwrap());
    assert_eq!(
        saved
            .borrow_and_update()
            .refresh_token()
            .unwrap()
            .expose_secret(),
        "rotated"
    );
    let third = client(&store).resume_session("user-7").await.unwrap();
    assert_eq!(
        third.current().refresh_token().unwrap().expose_secret(),
        "rotated"
    );
    let missing = client(&store).resume_session("nobody").await.unwrap_err();
    assert!(
        matches!(missing, OAuthError::SignInRequired(_)),
        "{missing:?}"
    );
}

/// A stored token (expired when `expires_at_ms` is 0).
fn stored(access_token: &str, refresh_token: &str, expires_at_ms: u64) -> StoredToken {
    serde_json::from_value(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_at_ms": expires_at_ms,
        "lifetime_s": 3600, "refresh_token": refresh_token
    }))
    .unwrap()
}

/// A refresh of [`REFRESH`] answering `a2` and the rotated refresh token `rotated`, once.
async fn one_refresh(server: &MockServer) {
    Mock::given(body_string_contains(
        format!("refresh_token={REFRESH}").as_str(),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_raw(
        json!({"access_token": "a2", "refresh_token": "rotated", "expires_in": 3600}).to_string(),
        "application/json",
    ))
    .expect(1)
    .mount(server)
    .await;
}

fn store_client(server: &MockServer, store: impl TokenStore) -> OAuthClient {
    OAuthClient::builder(Credentials::public("spa"))
        .base_url(server.uri())
        .retry(quick_retries())
        .token_store(store)
        .build()
        .unwrap()
}

/// A version the layer never writes (`u64::MAX`, which has no successor) in the store, written
/// there by something else: no overflow, the entry is treated as absent (never adopted, and
/// overwritten), and the lock is released.
#[tokio::test]
async fn a_foreign_version_in_the_store_is_treated_as_absent_without_a_panic() {
    let server = MockServer::start().await;
    one_refresh(&server).await;
    let store = Arc::new(MemoryStore::new());
    let key = StoreKey::session("spa", "user-9");
    let foreign = StoreEntry {
        version: u64::MAX,
        token: stored("foreign-at", "foreign-rt", 4_000_000_000_000),
    };
    let ttl = Duration::from_secs(60);
    assert!(
        store
            .save(&key, &foreign, Expected::Any, ttl)
            .await
            .unwrap()
    );
    let client = store_client(&server, store.clone());

    // Replaced, compared on its own version.
    let session = client
        .shared_session(
            "user-9",
            aps_auth_generated::oauth::Token::from_stored(stored("a1", REFRESH, 0)),
        )
        .await;
    let entry = store.load(&key).await.unwrap().unwrap();
    assert_eq!(entry.version, 1);
    let replaced = aps_auth_generated::oauth::Token::from_stored(entry.token);
    assert_eq!(replaced.access_token().expose_secret(), "a1");

    // Another writer puts the foreign version back: it is no session to resume, and the refresh
    // neither adopts it nor overflows.
    assert!(
        store
            .save(&key, &foreign, Expected::Any, ttl)
            .await
            .unwrap()
    );
    let missing = client.resume_session("user-9").await.unwrap_err();
    assert!(
        matches!(missing, OAuthError::SignInRequired(_)),
        "{missing:?}"
    );
    let token = session.access_token().await.unwrap();
    assert_eq!(token.access_token().expose_secret(), "a2");
    let entry = store.load(&key).await.unwrap().unwrap();
    assert_eq!(entry.version, 2);
    assert!(!format!("{:?}", entry.token).contains("foreign"));
    assert!(
        store.lock(&key, ttl).await.unwrap().is_some(),
        "the lock is released"
    );
    let resumed = client.resume_session("user-9").await.unwrap();
    assert_eq!(
        resumed.current().refresh_token().unwrap().expose_secret(),
        "rotated"
    );
}

/// A store that reports every entry with the version `u64::MAX` and may panic in `save`; it
/// counts locks taken and released.
#[derive(Debug, Default)]
struct Hostile {
    inner: MemoryStore,
    panic_on_save: std::sync::atomic::AtomicBool,
    locked: std::sync::atomic::AtomicUsize,
    unlocked: std::sync::atomic::AtomicUsize,
}

impl TokenStore for Hostile {
    fn load<'a>(&'a self, key: &'a StoreKey) -> StoreFuture<'a, Option<StoreEntry>> {
        Box::pin(async move {
            Ok(self.inner.load(key).await?.map(|mut entry| {
                entry.version = u64::MAX;
                entry
            }))
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        entry: &'a StoreEntry,
        _expected: Expected,
        ttl: std::time::Duration,
    ) -> StoreFuture<'a, bool> {
        assert!(
            !self.panic_on_save.load(std::sync::atomic::Ordering::SeqCst),
            "a store that panics"
        );
        self.inner.save(key, entry, Expected::Any, ttl)
    }

    fn lock<'a>(
        &'a self,
        key: &'a StoreKey,
        ttl: std::time::Duration,
    ) -> StoreFuture<'a, Option<LockToken>> {
        self.locked
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.lock(key, ttl)
    }

    fn unlock<'a>(&'a self, key: &'a StoreKey, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        self.unlocked
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.unlock(key, lock)
    }

    fn remove<'a>(&'a self, key: &'a StoreKey, version: u64) -> StoreFuture<'a, ()> {
        self.inner.remove(key, version)
    }
}

/// A hand-written store that only ever answers `u64::MAX` versions: a shared session is opened
/// and refreshed without an overflow, and every lock taken is released.
#[tokio::test]
async fn a_store_answering_only_maximal_versions_causes_no_panic() {
    let server = MockServer::start().await;
    one_refresh(&server).await;
    let store = Arc::new(Hostile::default());
    let client = store_client(&server, store.clone());
    let session = client
        .shared_session(
            "user-9",
            aps_auth_generated::oauth::Token::from_stored(stored("a1", REFRESH, 0)),
        )
        .await;
    Mock::given(body_string_contains("refresh_token=rotated"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(
                json!({"access_token": "a3", "refresh_token": "rotated-2", "expires_in": 3600})
                    .to_string(),
                "application/json",
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Never adopted from the store: each refresh is this session's own, with its latest token.
    let first = session.refresh().await;
    let second = session.refresh().await;
    assert_eq!(first.unwrap().access_token().expose_secret(), "a2");
    assert_eq!(second.unwrap().access_token().expose_secret(), "a3");
    assert_eq!(
        session.current().refresh_token().unwrap().expose_secret(),
        "rotated-2"
    );
    let key = StoreKey::session("spa", "user-9");
    let locked = store.locked.load(std::sync::atomic::Ordering::SeqCst);
    assert!(locked >= 1);
    assert_eq!(
        store.unlocked.load(std::sync::atomic::Ordering::SeqCst),
        locked
    );
    assert!(
        store
            .inner
            .lock(&key, Duration::from_secs(60))
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        client.resume_session("user-9").await,
        Err(OAuthError::SignInRequired(_))
    ));
}

/// The work under a store lock panics (here: the store's own `save`): the refresh ends as
/// `RefreshInterrupted`, and the lock is released at once instead of at its expiry.
#[tokio::test]
async fn a_lock_is_released_when_the_work_under_it_panics() {
    let server = MockServer::start().await;
    one_refresh(&server).await;
    let store = Arc::new(Hostile::default());
    let client = OAuthClient::builder(Credentials::public("spa"))
        .base_url(server.uri())
        .retry(quick_retries())
        .token_store(store.clone())
        .lock_ttl(Duration::from_secs(3600))
        .build()
        .unwrap();
    let session = client
        .shared_session(
            "user-9",
            aps_auth_generated::oauth::Token::from_stored(stored("a1", REFRESH, 0)),
        )
        .await;
    store
        .panic_on_save
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let err = session.refresh().await.unwrap_err();
    assert!(matches!(err, OAuthError::RefreshInterrupted(_)), "{err:?}");
    let key = StoreKey::session("spa", "user-9");
    let deadline = Instant::now() + Duration::from_secs(5);
    while store
        .inner
        .lock(&key, Duration::from_secs(60))
        .await
        .unwrap()
        .is_none()
    {
        assert!(Instant::now() < deadline, "the lock is still held");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A server that echoes what each request sent: every form value as it is, form-encoded (the
/// raw body), percent-encoded and JSON-escaped, and the `Authorization` header, in every field of
/// an error answer (JSON), or in an HTML page.
struct Echo {
    status: u16,
    html: bool,
}

impl wiremock::Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let values: Vec<String> = url::form_urlencoded::parse(&request.body)
            .map(|(_, v)| v.into_owned())
            .collect();
        let raw_body = String::from_utf8_lossy(&request.body).into_owned();
        let authorization = request
            .headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let percent: Vec<String> = values
            .iter()
            .map(|v| form_encoded(v).replace('+', "%20"))
            .collect();
        if self.html {
            let page = format!(
                "<html><p>you sent {}</p><pre>{raw_body}</pre><p>{}</p><p>{authorization}</p></html>",
                values.join(" "),
                percent.join(" ")
            );
            return ResponseTemplate::new(self.status).set_body_raw(page, "text/html");
        }
        let mut details = serde_json::Map::new();
        for (value, encoded) in values.iter().zip(&percent) {
            details.insert(value.clone(), json!([encoded, format!("got {value}")]));
        }
        ResponseTemplate::new(self.status).set_body_raw(
            json!({
                "error": values.last().cloned().unwrap_or_default(),
                "error_description": format!("you sent {}", values.join(" and ")),
                "developerMessage": raw_body,
                "errorCode": authorization,
                "more info": percent.join(" "),
                "details": details,
            })
            .to_string(),
            "application/json",
        )
    }
}

fn form_encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `secret` and the encoded forms a server may echo it in.
fn forms_of(secret: &str) -> Vec<String> {
    let form = form_encoded(secret);
    let percent = form.replace('+', "%20");
    vec![
        secret.to_owned(),
        form,
        percent.to_ascii_lowercase(),
        percent,
    ]
}

/// A server that echoes the secrets a request sent in its error text (`error`,
/// `error_description`, `developerMessage`, other fields, an HTML page) has none of them shown:
/// the client secret (HTTP Basic and form body), an authorization code, a PKCE verifier, a
/// refresh token, a revoked or introspected token; neither in the errors' `Display` and `Debug`
/// nor in the logs. The rest of the error stays readable.
#[tokio::test]
async fn a_server_echoing_what_the_request_sent_shows_none_of_it() {
    const CODE: &str = "c0de/with+special&chars=1";
    const REVOKED: &str = "opaque-revoked-token";
    let captured = captured_logs();
    let mut shown = Vec::new();
    let mut secrets = vec![
        SECRET.to_owned(),
        CODE.into(),
        REFRESH.into(),
        REVOKED.into(),
    ];
    for (status, html) in [(400, false), (401, false), (400, true)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(Echo { status, html })
            .mount(&server)
            .await;
        for credentials in [
            confidential(),
            confidential().with_auth_method(ClientAuthMethod::RequestBody),
            Credentials::public("spa"),
        ] {
            let client = OAuthClient::builder(credentials)
                .base_url(server.uri())
                .retry(RetryPolicy::none())
                .build()
                .unwrap();
            let request = client
                .start_authorization("http://127.0.0.1:8080/callback", &scopes("data:read"))
                .unwrap();
            secrets.push(request.pkce_verifier().expose_secret().to_owned());
            let errors = [
                client
                    .two_legged()
                    .token(&scopes("data:read"))
                    .await
                    .unwrap_err(),
                client
                    .exchange_code(&request, AuthorizationCode::new(CODE))
                    .await
                    .unwrap_err(),
                client
                    .refresh(&aps_auth_generated::oauth::RefreshToken::new(REFRESH))
                    .await
                    .unwrap_err(),
                client
                    .revoke(
                        REVOKED,
                        aps_auth_generated::oauth::TokenTypeHint::AccessToken,
                    )
                    .await
                    .unwrap_err(),
                client.introspect(REVOKED).await.unwrap_err(),
            ];
            for err in errors {
                assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
                if !html {
                    let OAuthError::Refused(refusal) = &err else {
                        panic!("{err:?}")
                    };
                    assert!(
                        refusal
                            .error_description
                            .as_deref()
                            .is_some_and(|d| d.starts_with("you sent ")),
                        "{err}"
                    );
                }
                shown.push(format!("{err}\n{err:?}"));
            }
        }
    }
    // The Basic credential itself, as sent.
    secrets
        .push(base64::engine::general_purpose::STANDARD.encode("my+id:s3cr%2Bt%2F%3A%25%26%3D+x"));
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let everything = format!("{}\n{log}", shown.join("\n"));
    assert!(everything.contains("[redacted]"));
    for secret in &secrets {
        for form in forms_of(secret) {
            assert!(
                !everything.contains(&form),
                "`{form}` leaked:\n{everything}"
            );
        }
    }
}

/// A token answer whose `token_type` echoes the code, and a redirect whose error text echoes the
/// request's `state` and verifier: neither is shown.
#[tokio::test]
async fn server_words_quoted_in_other_errors_hide_the_requests_secrets() {
    const CODE: &str = "the-code-0123456789";
    let server = MockServer::start().await;
    Mock::given(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "a", "token_type": format!("{CODE} eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln")}),
        ))
        .mount(&server)
        .await;
    let client = oauth(&server, Credentials::public("spa"));
    let request = client
        .start_authorization("http://127.0.0.1:8080/callback", &scopes("data:read"))
        .unwrap();
    let err = client
        .exchange_code(&request, AuthorizationCode::new(CODE))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::InvalidTokenResponse(_)),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(CODE) && !shown.contains("eyJhbGci") && shown.contains("not Bearer"),
        "{shown}"
    );

    let state = request.state().expose_secret().to_owned();
    let verifier = request.pkce_verifier().expose_secret().to_owned();
    let description = form_encoded(&format!("state {state} verifier {verifier}"));
    let err = request
        .callback(&format!(
            "/callback?state={state}&error=access_denied&error_description={description}"
        ))
        .unwrap_err();
    let OAuthError::Authorization { error, description } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(error, &OAuthErrorCode::AccessDenied);
    assert_eq!(
        description.as_deref(),
        Some("state [redacted] verifier [redacted]")
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&state) && !shown.contains(&verifier),
        "{shown}"
    );
}
