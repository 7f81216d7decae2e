//! A fleet of real OS processes sharing one client id through a real Redis server
//! (`RedisStore`), against a token server on 127.0.0.1 that counts requests and rotates refresh
//! tokens like APS (a spent refresh token is refused with `invalid_grant`).
//!
//! The worker processes are this test binary started again with `fleet_worker` and a role in
//! `APS_FLEET_ROLE`; they print `RESULT ...` lines the tests read.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aps_auth_generated::oauth::{
    ClientSecret, Credentials, OAuthClient, OAuthError, RedisStore, RetryPolicy, StoreKey, Token,
};
use aps_auth_tests::redis::RedisServer;
use serde_json::json;
use wiremock::matchers::{body_string_contains, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ROLE: &str = "APS_FLEET_ROLE";
const CLIENT_ID: &str = "fleet-client-id";
const FIRST_REFRESH: &str = "rt-0";

// ---------------------------------------------------------------------------------------------
// The worker side.

/// Not a test of its own: the entry point of the worker processes the tests below start.
#[test]
#[ignore = "a worker process the fleet tests start (APS_FLEET_ROLE)"]
fn fleet_worker() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        match role.as_str() {
            "two_legged" => two_legged_worker().await,
            "refresh" => refresh_worker().await,
            other => format!("unknown role {other}"),
        }
    });
    println!("RESULT {result}");
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn worker_client() -> OAuthClient {
    let lock_ttl = env("APS_LOCK_TTL_MS").parse().unwrap();
    OAuthClient::builder(Credentials::confidential(
        CLIENT_ID,
        ClientSecret::new("fleet-secret"),
    ))
    .base_url(env("APS_TOKEN_SERVER"))
    .retry(RetryPolicy::none())
    .token_store(RedisStore::new(&env("APS_REDIS_URL")).unwrap())
    .lock_ttl(Duration::from_millis(lock_ttl))
    .build()
    .unwrap()
}

/// 250 concurrent callers of one two-legged provider; all must get the same token.
async fn two_legged_worker() -> String {
    let provider = worker_client().two_legged();
    let scopes: aps_auth_generated::Scopes = "data:read".parse().unwrap();
    let callers: Vec<_> = (0..250)
        .map(|_| {
            let (provider, scopes) = (provider.clone(), scopes.clone());
            tokio::spawn(async move { provider.token(&scopes).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        match caller.await.unwrap() {
            Ok(token) => tokens.push(token.access_token().expose_secret().to_owned()),
            Err(e) => return format!("error {e}"),
        }
    }
    tokens.dedup();
    format!("ok {}", tokens.join(","))
}

/// Opens the shared session, says READY, waits for GO on stdin, refreshes.
async fn refresh_worker() -> String {
    let client = worker_client();
    let session = match client.resume_session(&env("APS_SESSION")).await {
        Ok(session) => session,
        Err(e) => return format!("error {e}"),
    };
    println!("READY");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    match session.refresh().await {
        Ok(token) => format!(
            "ok {} {}",
            token.access_token().expose_secret(),
            token.refresh_token().map_or("-", |t| t.expose_secret())
        ),
        Err(OAuthError::SignInRequired(_)) => "sign_in_required".into(),
        Err(e) => format!("error {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The test side.

/// A worker process; killed if still running when dropped.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Worker {
    fn start(role: &str, vars: &[(&str, String)]) -> Worker {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["fleet_worker", "--exact", "--ignored", "--nocapture"])
            .env(ROLE, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Worker {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The rest of the first line starting with `prefix` (30 s at most).
    fn expect(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                // libtest may print its own words on the same line.
                Ok(line) => {
                    if let Some(at) = line.find(prefix) {
                        return line[at + prefix.len()..].trim().to_owned();
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no `{prefix}` line from a worker in 30 s")
                }
                Err(RecvTimeoutError::Disconnected) => panic!("a worker ended without `{prefix}`"),
            }
        }
    }

    fn go(&mut self) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(b"GO\n").unwrap();
        stdin.flush().unwrap();
    }

    fn kill(&mut self) {
        // SIGKILL on Unix: no destructor, no unlock.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn vars(server: &MockServer, redis: &RedisServer, lock_ttl_ms: u64) -> Vec<(&'static str, String)> {
    vec![
        ("APS_TOKEN_SERVER", server.uri()),
        ("APS_REDIS_URL", redis.url()),
        ("APS_LOCK_TTL_MS", lock_ttl_ms.to_string()),
        ("APS_SESSION", "user-1".into()),
    ]
}

/// A token endpoint that rotates refresh tokens: the current one is exchanged once (it is spent
/// on arrival, as a real server does), anything else is `invalid_grant`.
struct Rotating {
    current: Mutex<(u32, String)>,
    delay: Duration,
}

impl Respond for Rotating {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let given = url::form_urlencoded::parse(&request.body)
            .find(|(name, _)| name == "refresh_token")
            .map(|(_, value)| value.into_owned());
        let mut current = self.current.lock().unwrap();
        if given.as_deref() != Some(current.1.as_str()) {
            return ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_grant", "error_description": "refresh token already used"}),
            );
        }
        current.0 += 1;
        current.1 = format!("rt-{}", current.0);
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "access_token": format!("at-{}", current.0),
                "refresh_token": current.1,
                "expires_in": 3600,
                "token_type": "Bearer",
            }))
            .set_delay(self.delay)
    }
}

async fn rotating_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(Rotating {
            current: Mutex::new((0, FIRST_REFRESH.into())),
            delay,
        })
        .mount(&server)
        .await;
    server
}

/// Signs `session` in, in the store: an expired access token and the first refresh token.
async fn seed_session(server: &MockServer, redis: &RedisServer, session: &str) {
    let client = OAuthClient::builder(Credentials::confidential(CLIENT_ID, ClientSecret::new("s")))
        .base_url(server.uri())
        .token_store(RedisStore::new(&redis.url()).unwrap())
        .build()
        .unwrap();
    let token = Token::from_stored(
        serde_json::from_value(json!({
            "access_token": "at-0", "token_type": "Bearer", "expires_at_ms": 0,
            "lifetime_s": 3600, "refresh_token": FIRST_REFRESH
        }))
        .unwrap(),
    );
    client.shared_session(session, token).await;
}

async fn refresh_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("grant_type=refresh_token"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_of_250_callers_make_one_token_request() {
    let redis = RedisServer::start();
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "fleet-token-1", "expires_in": 3600}))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let workers: Vec<Worker> = (0..4)
        .map(|_| Worker::start("two_legged", &vars(&server, &redis, 10_000)))
        .collect();
    for worker in &workers {
        assert_eq!(worker.expect("RESULT"), "ok fleet-token-1");
    }
    server.verify().await;
    // What landed in Redis: one hashed key, no client id, scope or token in any key name.
    let keys = redis.command(&["KEYS", "*"]);
    assert!(keys.starts_with("*1\r\n"), "{keys}");
    assert!(keys.contains("aps-auth:v1:2l:"), "{keys}");
    for secret in [CLIENT_ID, "fleet-token-1", "data:read", "fleet-secret"] {
        assert!(!keys.contains(secret), "{keys}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refreshing_one_session_make_one_refresh_request() {
    let redis = RedisServer::start();
    let server = rotating_server(Duration::from_millis(300)).await;
    seed_session(&server, &redis, "user-1").await;
    let mut workers: Vec<Worker> = (0..2)
        .map(|_| Worker::start("refresh", &vars(&server, &redis, 10_000)))
        .collect();
    for worker in &workers {
        assert_eq!(worker.expect("READY"), "");
    }
    workers.iter_mut().for_each(Worker::go);
    for worker in &workers {
        assert_eq!(worker.expect("RESULT"), "ok at-1 rt-1");
    }
    assert_eq!(refresh_requests(&server).await, 1);
}

/// A process killed (SIGKILL) while it holds the refresh lock, after its refresh request left:
/// the server spent the refresh token, so the grant is really lost. The next process takes the
/// lock once it expires and gets a typed "sign in again", not a hang or a generic failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_refresh_leaves_a_typed_sign_in_error_after_the_lock_expires() {
    let redis = RedisServer::start();
    let server = rotating_server(Duration::from_secs(5)).await;
    seed_session(&server, &redis, "user-1").await;
    let mut doomed = Worker::start("refresh", &vars(&server, &redis, 1_000));
    assert_eq!(doomed.expect("READY"), "");
    doomed.go();
    let deadline = Instant::now() + Duration::from_secs(10);
    while refresh_requests(&server).await == 0 {
        assert!(
            Instant::now() < deadline,
            "the first worker never sent its refresh"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    doomed.kill();
    let mut next = Worker::start("refresh", &vars(&server, &redis, 1_000));
    assert_eq!(next.expect("READY"), "");
    next.go();
    assert_eq!(next.expect("RESULT"), "sign_in_required");
    assert_eq!(refresh_requests(&server).await, 2);
}

/// A lock left by a process that died before sending anything: the others wait for it to expire,
/// then refresh normally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_left_by_a_dead_process_expires_and_the_refresh_goes_on() {
    let redis = RedisServer::start();
    let server = rotating_server(Duration::ZERO).await;
    seed_session(&server, &redis, "user-1").await;
    let lock = format!(
        "aps-auth:{}:lock",
        StoreKey::session(CLIENT_ID, "user-1").as_str()
    );
    assert_eq!(
        redis.command(&["SET", &lock, "dead-holder", "PX", "1500"]),
        "+OK\r\n"
    );
    let mut worker = Worker::start("refresh", &vars(&server, &redis, 1_500));
    assert_eq!(worker.expect("READY"), "");
    worker.go();
    assert_eq!(worker.expect("RESULT"), "ok at-1 rt-1");
    assert_eq!(redis.command(&["EXISTS", &lock]), ":0\r\n");
    assert_eq!(refresh_requests(&server).await, 1);
}

/// Redis stops and comes back while callers keep asking for short-lived tokens: no caller fails
/// (the provider works on its own meanwhile), and the store is used again afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_run_fails_no_caller() {
    let mut redis = RedisServer::start();
    let server = MockServer::start().await;
    // Renewed at half its life: a request through the store about every second.
    Mock::given(path("/authentication/v2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "short", "expires_in": 2})),
        )
        .mount(&server)
        .await;
    let client = OAuthClient::builder(Credentials::confidential(CLIENT_ID, ClientSecret::new("s")))
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .token_store(RedisStore::with_timeout(&redis.url(), Duration::from_millis(300)).unwrap())
        .build()
        .unwrap();
    let provider = client.two_legged();
    let failures = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop_at = Instant::now() + Duration::from_secs(5);
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let (provider, failures, calls) = (provider.clone(), failures.clone(), calls.clone());
            tokio::spawn(async move {
                let scopes = "data:read".parse().unwrap();
                while Instant::now() < stop_at {
                    if let Err(e) = provider.token(&scopes).await {
                        failures.lock().unwrap().push(e.to_string());
                    }
                    calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    redis.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    redis.restart();
    // The store recovers: a renewal after the restart lands in Redis again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let keys = redis.command(&["KEYS", "aps-auth:v1:2l:*"]);
        if keys.starts_with("*1\r\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nothing was written to Redis after its restart: {keys}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for caller in callers {
        caller.await.unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed calls: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(calls.load(std::sync::atomic::Ordering::Relaxed) > 100);
}

/// Versions Redis holds that `RedisStore` never writes (`u64::MAX`, which has no successor; too
/// large; signed; not a number; a leading zero), written there directly: treated as absent (no
/// session to resume), overwritten by a new session, and a refresh over one neither overflows nor
/// leaves the lock behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_redis_store_never_wrote_is_treated_as_absent_and_overwritten() {
    let redis = RedisServer::start();
    let server = rotating_server(Duration::ZERO).await;
    let client = OAuthClient::builder(Credentials::confidential(CLIENT_ID, ClientSecret::new("s")))
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .token_store(RedisStore::new(&redis.url()).unwrap())
        .build()
        .unwrap();
    let key = format!(
        "aps-auth:{}",
        StoreKey::session(CLIENT_ID, "user-1").as_str()
    );
    let lock = format!("{key}:lock");
    let foreign = json!({
        "access_token": "foreign-at", "token_type": "Bearer", "expires_at_ms": 4_000_000_000_000u64,
        "lifetime_s": 3600, "refresh_token": "foreign-rt"
    })
    .to_string();
    let signed_in = || {
        Token::from_stored(
            serde_json::from_value(json!({
                "access_token": "at-0", "token_type": "Bearer", "expires_at_ms": 0,
                "lifetime_s": 3600, "refresh_token": FIRST_REFRESH
            }))
            .unwrap(),
        )
    };
    let mut session = None;
    for hostile in [
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "-1",
        "abc",
        "007",
    ] {
        redis.command(&["DEL", &key]);
        assert_eq!(
            redis.command(&["HSET", &key, "v", hostile, "t", &foreign]),
            ":2\r\n"
        );
        let missing = client.resume_session("user-1").await.unwrap_err();
        assert!(
            matches!(missing, OAuthError::SignInRequired(_)),
            "{hostile}: {missing:?}"
        );
        session = Some(client.shared_session("user-1", signed_in()).await);
        assert_eq!(
            redis.command(&["HGET", &key, "v"]),
            "$1\r\n1\r\n",
            "{hostile}"
        );
    }
    let session = session.unwrap();
    // A foreign version written over the session before its refresh.
    redis.command(&["HSET", &key, "v", "18446744073709551615", "t", &foreign]);
    let token = session.access_token().await.unwrap();
    assert_eq!(token.access_token().expose_secret(), "at-1");
    assert_eq!(redis.command(&["HGET", &key, "v"]), "$1\r\n2\r\n");
    assert_eq!(redis.command(&["EXISTS", &lock]), ":0\r\n");
    let resumed = client.resume_session("user-1").await.unwrap();
    assert_eq!(
        resumed.current().refresh_token().unwrap().expose_secret(),
        "rt-1"
    );
    assert_eq!(refresh_requests(&server).await, 1);
}
