//! Retries of generated calls against a real server on 127.0.0.1 (`aps_auth_tests::flaky`):
//! `429` bursts with `Retry-After` (seconds and HTTP dates), `503`s, `502`s and `504`s, dropped
//! connections and answers cut off mid-body, a stalled server; what is repeated (GET, an
//! operation marked `x-idempotent`) and what never is (POST); the deadline and per-call
//! overrides; the final error names its attempts. No assertion on time: policies are tiny, and
//! what is counted is requests.

use std::time::Duration;

use aps_auth_generated::{
    Client, Error, IntrospectTokenRequest, RetryPolicy, RevokeTokenRequest,
    RevokeTokenRequestTokenTypeHint,
};
use aps_auth_tests::flaky::{FlakyServer, Reply};

const KEYS: &str = "/authentication/v2/keys";
const REVOKE: &str = "/authentication/v2/revoke";
const INTROSPECT: &str = "/authentication/v2/introspect";
const JWKS: &str = r#"{"keys": []}"#;

/// `attempts` attempts with millisecond backoffs and a deadline far away.
fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(20),
    }
}

fn client(server: &FlakyServer, policy: Option<RetryPolicy>) -> Client {
    let builder = Client::builder().base_url(server.url());
    match policy {
        Some(policy) => builder.retry_policy(policy),
        None => builder,
    }
    .build()
    .expect("client")
}

#[tokio::test]
async fn a_429_burst_with_retry_after_is_waited_out() {
    let server = FlakyServer::start().await;
    let burst = vec![Reply::retry_after(429, "0"); 3];
    server.script(KEYS, burst, Reply::status(200, JWKS));
    let answer = client(&server, Some(fast(4)))
        .get_keys()
        .await
        .expect("keys");
    assert_eq!(answer.status(), 200);
    assert_eq!(server.count("GET", KEYS), 4);
}

#[tokio::test]
async fn retries_are_on_by_default() {
    let server = FlakyServer::start().await;
    server.script(
        KEYS,
        vec![Reply::retry_after(429, "0")],
        Reply::status(200, JWKS),
    );
    let client = client(&server, None);
    assert_eq!(*client.retry_policy(), RetryPolicy::default());
    client.get_keys().await.expect("keys");
    assert_eq!(server.count("GET", KEYS), 2);
}

#[tokio::test]
async fn a_503_with_a_retry_after_date_and_gateway_errors_are_retried() {
    let server = FlakyServer::start().await;
    server.script(
        KEYS,
        vec![
            Reply::retry_after(503, "Wed, 21 Oct 2015 07:28:00 GMT"),
            Reply::status(502, "{}"),
            Reply::status(504, "{}"),
            Reply::status(503, "{}"),
        ],
        Reply::status(200, JWKS),
    );
    client(&server, Some(fast(5)))
        .get_keys()
        .await
        .expect("keys");
    assert_eq!(server.count("GET", KEYS), 5);
}

#[tokio::test]
async fn dropped_connections_and_cut_answers_are_retried() {
    let server = FlakyServer::start().await;
    server.script(
        KEYS,
        vec![Reply::Drop, Reply::Cut, Reply::Drop],
        Reply::status(200, JWKS),
    );
    client(&server, Some(fast(4)))
        .get_keys()
        .await
        .expect("keys");
    assert_eq!(server.count("GET", KEYS), 4);
}

#[tokio::test]
async fn a_post_is_never_repeated() {
    let server = FlakyServer::start().await;
    server.script(REVOKE, vec![], Reply::status(503, "{}"));
    let body = RevokeTokenRequest::new("t0ken", RevokeTokenRequestTokenTypeHint::AccessToken, "id");
    let err = client(&server, Some(fast(5)))
        .revoke_token(&body)
        .await
        .expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 1);
    assert!(!matches!(err, Error::Retried { .. }), "{err}");
    // Nor after a dropped connection: the server may have acted on it.
    server.script(REVOKE, vec![Reply::Drop], Reply::status(200, "{}"));
    client(&server, Some(fast(5)))
        .revoke_token(&body)
        .await
        .expect_err("dropped");
    assert_eq!(server.count("POST", REVOKE), 2);
}

#[tokio::test]
async fn a_post_the_document_marks_idempotent_is_retried() {
    let server = FlakyServer::start().await;
    server.script(
        INTROSPECT,
        vec![Reply::status(503, "{}"), Reply::Drop],
        Reply::status(200, r#"{"active": false}"#),
    );
    let answer = client(&server, Some(fast(3)))
        .introspect_token(&IntrospectTokenRequest::new("t0ken"))
        .await
        .expect("introspection");
    assert_eq!(answer.active, Some(false));
    assert_eq!(server.count("POST", INTROSPECT), 3);
    // The body was sent again, whole, each time.
    assert!(
        server.seen().iter().all(|s| s
            .headers
            .to_ascii_lowercase()
            .contains("content-length: 11")),
        "{:?}",
        server.seen()
    );
}

#[tokio::test]
async fn the_final_error_names_its_attempts() {
    let server = FlakyServer::start().await;
    server.script(
        KEYS,
        vec![],
        Reply::status(503, r#"{"developerMessage":"down"}"#),
    );
    let err = client(&server, Some(fast(3)))
        .get_keys()
        .await
        .expect_err("always 503");
    assert_eq!(server.count("GET", KEYS), 3);
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        err.to_string().starts_with("after 3 attempts: HTTP 503"),
        "{err}"
    );
    let Error::Retried { attempts, last } = err else {
        panic!("not a retried error");
    };
    assert_eq!(attempts, 3);
    assert!(matches!(*last, Error::Status(_) | Error::Api(_)), "{last}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = FlakyServer::start().await;
    server.script(
        KEYS,
        vec![Reply::retry_after(429, "1")],
        Reply::status(200, JWKS),
    );
    // Backoff would retry within milliseconds; the server's word (1 s) is past the deadline.
    let policy = RetryPolicy {
        max_elapsed: Duration::from_millis(200),
        ..fast(5)
    };
    let err = client(&server, Some(policy))
        .get_keys()
        .await
        .expect_err("throttled");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.count("GET", KEYS), 1);
    // An absurd `Retry-After` neither panics nor waits.
    server.script(
        KEYS,
        vec![Reply::retry_after(429, "18446744073709551615")],
        Reply::status(200, JWKS),
    );
    let err = client(&server, Some(fast(5)))
        .get_keys()
        .await
        .expect_err("throttled for ever");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.count("GET", KEYS), 2);
}

#[tokio::test]
async fn the_deadline_bounds_the_attempts() {
    let server = FlakyServer::start().await;
    server.script(KEYS, vec![], Reply::status(502, "{}"));
    let policy = RetryPolicy {
        max_attempts: 1000,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(40),
        max_elapsed: Duration::from_millis(300),
    };
    let err = client(&server, Some(policy))
        .get_keys()
        .await
        .expect_err("always 502");
    let sent = server.count("GET", KEYS);
    assert_eq!(err.attempts() as usize, sent);
    assert!((2..1000).contains(&sent), "{sent} attempts");
}

#[tokio::test]
async fn per_call_overrides_replace_the_clients_policy_and_timeout() {
    let server = FlakyServer::start().await;
    // The client never retries; this call does.
    server.script(
        KEYS,
        vec![Reply::status(503, "{}")],
        Reply::status(200, JWKS),
    );
    let client = client(&server, Some(RetryPolicy::none()));
    client
        .get_keys()
        .retry_policy(fast(2))
        .await
        .expect("retried by the call's policy");
    assert_eq!(server.count("GET", KEYS), 2);
    server.script(
        KEYS,
        vec![Reply::status(503, "{}")],
        Reply::status(200, JWKS),
    );
    client
        .get_keys()
        .await
        .expect_err("the client's policy: once");
    assert_eq!(server.count("GET", KEYS), 3);
    // The call's timeout applies to each attempt, and a timeout is retried.
    let stall = Reply::Stall(Duration::from_secs(5));
    server.script(KEYS, vec![], stall);
    let err = client
        .get_keys()
        .timeout(Duration::from_millis(100))
        .retry_policy(fast(2))
        .await
        .expect_err("stalled");
    assert_eq!(err.attempts(), 2);
    assert!(
        matches!(&err, Error::Retried { last, .. } if matches!(&**last, Error::Transport(e) if e.is_timeout())),
        "{err}"
    );
    assert_eq!(server.count("GET", KEYS), 5);
}
