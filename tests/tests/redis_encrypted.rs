//! Tokens encrypted at rest (`EncryptedStore` over `RedisStore`) on a real `redis-server`:
//! what lands in Redis holds no token bytes; a tampered or moved entry is refused (typed),
//! treated as absent and never used; keys rotate across separate processes.
//!
//! The processes of the rotation test are this test binary started again with
//! `encrypted_worker` and a role in `APS_ENCRYPTED_ROLE`; they print a `RESULT ...` line.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aps_auth_generated::oauth::{
    ClientSecret, Credentials, EncryptedStore, EncryptedStoreError, EntryRefused, KeyRing,
    OAuthClient, OAuthError, RedisStore, RetryPolicy, StoreKey, Token, TokenStore,
};
use aps_auth_tests::redis::RedisServer;
use base64::Engine as _;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ROLE: &str = "APS_ENCRYPTED_ROLE";
const CLIENT_ID: &str = "encrypted-client-id";
/// Makes every token long and distinctive, so finding it (or its base64) is never chance.
const TAIL: &str = "Q7vX2mK9pL4tR8wZ1nB6cF3hJ5dS0gY";

fn key_text(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

fn ring(text: &str) -> KeyRing {
    KeyRing::parse(text).unwrap()
}

fn store(redis_url: &str, keys: &str) -> EncryptedStore<RedisStore> {
    EncryptedStore::new(RedisStore::new(redis_url).unwrap(), ring(keys))
}

fn client(server: &str, redis_url: &str, keys: &str) -> OAuthClient {
    OAuthClient::builder(Credentials::confidential(
        CLIENT_ID,
        ClientSecret::new("encrypted-secret"),
    ))
    .base_url(server)
    .retry(RetryPolicy::none())
    .token_store(store(redis_url, keys))
    .build()
    .unwrap()
}

/// A signed-in user's token: expired access token, a refresh token the server accepts.
fn signed_in(refresh: &str) -> Token {
    Token::from_stored(
        serde_json::from_value(json!({
            "access_token": format!("access-seed-{TAIL}"), "token_type": "Bearer",
            "expires_at_ms": 0, "lifetime_s": 3600, "refresh_token": refresh
        }))
        .unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// The worker side.

/// Not a test of its own: the entry point of the processes the rotation test starts.
#[test]
#[ignore = "a worker process the rotation test starts (APS_ENCRYPTED_ROLE)"]
fn encrypted_worker() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let env = |name: &str| std::env::var(name).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let (keys, session) = (env("APS_TOKEN_KEYS"), env("APS_SESSION"));
        let client = client(&env("APS_TOKEN_SERVER"), &env("APS_REDIS_URL"), &keys);
        match role.as_str() {
            "seed" => {
                client
                    .shared_session(&session, signed_in(&env("APS_REFRESH")))
                    .await;
                "ok".to_owned()
            }
            "refresh" | "resume" => match client.resume_session(&session).await {
                Ok(opened) if role == "refresh" => match opened.refresh().await {
                    Ok(token) => format!("ok {}", token.refresh_token().unwrap().expose_secret()),
                    Err(e) => format!("error {e}"),
                },
                Ok(opened) => {
                    let token = opened.current();
                    format!("ok {}", token.refresh_token().unwrap().expose_secret())
                }
                Err(OAuthError::SignInRequired(_)) => {
                    let key = StoreKey::session(CLIENT_ID, &session);
                    let why = store(&env("APS_REDIS_URL"), &keys)
                        .load_verified(&key)
                        .await;
                    format!("sign_in_required {why:?}")
                }
                Err(e) => format!("error {e}"),
            },
            other => format!("unknown role {other}"),
        }
    });
    println!("RESULT {result}");
}

// ---------------------------------------------------------------------------------------------
// The test side.

/// A worker process; killed if still running when dropped.
struct Worker {
    child: Child,
    lines: Receiver<String>,
}

impl Worker {
    /// Runs `role` with `vars` and returns its `RESULT` (30 s at most).
    fn run(role: &str, vars: &[(&str, &str)]) -> String {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["encrypted_worker", "--exact", "--ignored", "--nocapture"])
            .env(ROLE, role)
            .stdin(Stdio::null())
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
        let worker = Worker { child, lines };
        loop {
            let line = worker
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("no RESULT from the `{role}` worker: {e}"));
            if let Some(at) = line.find("RESULT ") {
                return line[at + "RESULT ".len()..].trim().to_owned();
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A token endpoint that rotates refresh tokens: each valid one is exchanged once for new,
/// long tokens (access, refresh, ID); anything else is `invalid_grant`. Client credentials get
/// one long two-legged token.
struct TokenServer {
    valid: Mutex<(u32, HashSet<String>)>,
}

impl Respond for TokenServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        if field("grant_type") == Some("client_credentials") {
            return ResponseTemplate::new(200).set_body_json(json!({
                "access_token": format!("two-legged-access-{TAIL}"),
                "expires_in": 3600, "token_type": "Bearer",
            }));
        }
        let mut valid = self.valid.lock().unwrap();
        if !field("refresh_token").is_some_and(|given| valid.1.remove(given)) {
            return ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_grant", "error_description": "refresh token already used"}),
            );
        }
        valid.0 += 1;
        let n = valid.0;
        valid.1.insert(format!("refresh-{n}-{TAIL}"));
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("access-{n}-{TAIL}"),
            "refresh_token": format!("refresh-{n}-{TAIL}"),
            "id_token": format!("id-{n}-{TAIL}"),
            "expires_in": 3600, "token_type": "Bearer",
        }))
    }
}

async fn token_server(seeds: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(TokenServer {
            valid: Mutex::new((0, seeds.iter().map(|s| (*s).to_owned()).collect())),
        })
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer, grant: &str) -> usize {
    let received = server.received_requests().await.unwrap_or_default();
    received
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains(grant))
        .count()
}

/// The Redis key of a session, and its raw hash fields.
fn raw_key(session: &str) -> String {
    format!(
        "aps-auth:{}",
        StoreKey::session(CLIENT_ID, session).as_str()
    )
}

/// The envelope of a session's entry, as Redis holds it.
fn envelope(redis: &RedisServer, session: &str) -> String {
    let reply = redis.command(&["HGET", &raw_key(session), "t"]);
    let json = reply.split("\r\n").nth(1).unwrap();
    let stand_in: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(stand_in["token_type"], "aps-auth-sealed", "{json}");
    stand_in["access_token"].as_str().unwrap().to_owned()
}

/// Replaces the envelope of a session's entry in Redis, keeping its version.
fn write_envelope(redis: &RedisServer, session: &str, envelope: &str) {
    let stand_in = json!({"access_token": envelope, "token_type": "aps-auth-sealed",
        "expires_at_ms": 0, "lifetime_s": 0});
    redis.command(&["HSET", &raw_key(session), "t", &stand_in.to_string()]);
}

/// Every base64 form `secret` can take inside a longer base64 text: both alphabets, at each of
/// the three byte alignments, only the characters its own bytes decide.
fn base64_forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let mut forms = Vec::new();
    for shift in 0..3 {
        let mut bytes = vec![0u8; shift];
        bytes.extend_from_slice(secret.as_bytes());
        let (first, end) = ((8 * shift).div_ceil(6), 8 * bytes.len() / 6);
        for engine in [STANDARD, URL_SAFE] {
            forms.push(engine.encode(&bytes)[first..end].to_owned());
        }
    }
    forms
}

/// Everything Redis holds: each key and its hash fields or value, as the server sends them.
fn dump(redis: &RedisServer) -> String {
    let keys = redis.command(&["KEYS", "*"]);
    let mut out = keys.clone();
    for key in keys.split("\r\n").filter(|l| l.starts_with("aps-auth:")) {
        let kind = redis.command(&["TYPE", key]);
        out += &redis.command(&[
            if kind.contains("hash") {
                "HGETALL"
            } else {
                "GET"
            },
            key,
        ]);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_lands_in_redis_holds_no_token_bytes() {
    let redis = RedisServer::start();
    let seed = format!("refresh-seed-{TAIL}");
    let server = token_server(&[&seed]).await;
    let keys = format!("1:{}", key_text(1));
    let first = client(&server.uri(), &redis.url(), &keys);
    let session = first.shared_session("user-1", signed_in(&seed)).await;
    let refreshed = session.refresh().await.unwrap();
    let scopes = "data:read".parse().unwrap();
    let two_legged = first.two_legged().token(&scopes).await.unwrap();

    // A second client, with stores of its own, reads both from Redis without asking again.
    let second = client(&server.uri(), &redis.url(), &keys);
    let resumed = second.resume_session("user-1").await.unwrap().current();
    assert_eq!(resumed.refresh_token(), refreshed.refresh_token());
    assert_eq!(resumed.access_token(), refreshed.access_token());
    let again = second.two_legged().token(&scopes).await.unwrap();
    assert_eq!(again.access_token(), two_legged.access_token());
    assert_eq!(requests(&server, "client_credentials").await, 1);

    let held = dump(&redis);
    assert!(
        held.contains("aps-auth-sealed") && held.contains("v1.1."),
        "{held}"
    );
    let secrets = [
        format!("refresh-seed-{TAIL}"),
        format!("access-seed-{TAIL}"),
        format!("access-1-{TAIL}"),
        format!("refresh-1-{TAIL}"),
        format!("id-1-{TAIL}"),
        format!("two-legged-access-{TAIL}"),
        TAIL.to_owned(),
        key_text(1),
    ];
    for secret in &secrets {
        assert!(!held.contains(secret.as_str()), "{secret} in Redis: {held}");
        for form in base64_forms(secret) {
            assert!(!held.contains(&form), "base64 {form} of {secret} in Redis");
        }
    }
    // A reader without the keys finds a token it cannot use: expired, nothing to refresh.
    let plain = OAuthClient::builder(Credentials::confidential(CLIENT_ID, ClientSecret::new("s")))
        .base_url(server.uri())
        .token_store(RedisStore::new(&redis.url()).unwrap())
        .build()
        .unwrap();
    let blind = plain.resume_session("user-1").await.unwrap();
    assert!(matches!(
        blind.access_token().await,
        Err(OAuthError::SignInRequired(_))
    ));
    assert_eq!(requests(&server, "refresh_token").await, 1);
}

/// Every log line of this test binary (one global subscriber, as in `oauth_stub.rs`).
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static CAPTURED: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Arc::new(Mutex::new(Vec::new()));
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::WARN)
                .with_writer(move || Captured(writer.clone()))
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            captured
        })
        .clone()
}

struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_moved_entry_is_refused_and_treated_as_absent() {
    let logs = captured_logs();
    let redis = RedisServer::start();
    let seeds = [1, 2].map(|n| format!("refresh-seed{n}-{TAIL}"));
    let server = token_server(&[&seeds[0], &seeds[1]]).await;
    let keys = format!("1:{}", key_text(1));
    let client = client(&server.uri(), &redis.url(), &keys);
    let store = store(&redis.url(), &keys);
    let key = |session| StoreKey::session(CLIENT_ID, session);
    let refused = |kind| Err(EncryptedStoreError::Refused(kind));
    client.shared_session("user-1", signed_in(&seeds[0])).await;
    let user2 = client.shared_session("user-2", signed_in(&seeds[1])).await;

    // One bit of the ciphertext changed.
    let sealed = envelope(&redis, "user-1");
    let (head, ciphertext) = sealed.rsplit_once('.').unwrap();
    let flipped = if ciphertext.starts_with('A') {
        'B'
    } else {
        'A'
    };
    write_envelope(
        &redis,
        "user-1",
        &format!("{head}.{flipped}{}", &ciphertext[1..]),
    );
    assert_eq!(
        store.load_verified(&key("user-1")).await,
        refused(EntryRefused::Tampered)
    );
    assert_eq!(store.load(&key("user-1")).await.unwrap(), None);
    let missing = client.resume_session("user-1").await.unwrap_err();
    assert!(
        matches!(missing, OAuthError::SignInRequired(_)),
        "{missing:?}"
    );
    // Cut short (by whole base64 quads, so what is left still decodes).
    let cut = &ciphertext[..(ciphertext.len() / 4 - 8) * 4];
    write_envelope(&redis, "user-1", &format!("{head}.{cut}"));
    assert_eq!(
        store.load_verified(&key("user-1")).await,
        refused(EntryRefused::Tampered)
    );
    // Signing in again replaces it.
    let seed3 = format!("refresh-seed3-{TAIL}");
    client.shared_session("user-1", signed_in(&seed3)).await;
    let back = client.resume_session("user-1").await.unwrap().current();
    assert_eq!(back.refresh_token().unwrap().expose_secret(), seed3);

    // user-2's entry copied, as is, to user-3's key: refused there, still good at home.
    let field = |name| redis.command(&["HGET", &raw_key("user-2"), name]);
    let (v, t) = (field("v"), field("t"));
    let (v, t) = (
        v.split("\r\n").nth(1).unwrap(),
        t.split("\r\n").nth(1).unwrap(),
    );
    redis.command(&["HSET", &raw_key("user-3"), "v", v, "t", t]);
    assert_eq!(
        store.load_verified(&key("user-3")).await,
        refused(EntryRefused::Tampered)
    );
    let missing = client.resume_session("user-3").await.unwrap_err();
    assert!(
        matches!(missing, OAuthError::SignInRequired(_)),
        "{missing:?}"
    );
    assert!(client.resume_session("user-2").await.is_ok());

    // A session whose entry goes bad under it refreshes with its own token and rewrites it.
    redis.command(&["HSET", &raw_key("user-2"), "v", "7"]);
    assert_eq!(
        store.load_verified(&key("user-2")).await,
        refused(EntryRefused::Tampered)
    );
    let token = user2.refresh().await.unwrap();
    assert_eq!(
        token.refresh_token().unwrap().expose_secret(),
        format!("refresh-1-{TAIL}")
    );
    let resumed = client.resume_session("user-2").await.unwrap().current();
    assert_eq!(resumed.refresh_token(), token.refresh_token());

    // A tampered two-legged token is not used: the next process asks the server again, and
    // the fresh token replaces it.
    let scopes = "data:read".parse().unwrap();
    client.two_legged().token(&scopes).await.unwrap();
    let two_legged = StoreKey::two_legged(CLIENT_ID, "data:read");
    let raw = format!("aps-auth:{}", two_legged.as_str());
    let t = redis.command(&["HGET", &raw, "t"]);
    let t = t.split("\r\n").nth(1).unwrap();
    redis.command(&["HSET", &raw, "t", &t.replacen("v1.1.", "v1.9.", 1)]);
    assert_eq!(
        store.load_verified(&two_legged).await,
        refused(EntryRefused::UnknownKey { key_id: "9".into() })
    );
    let other = self::client(&server.uri(), &redis.url(), &keys);
    other.two_legged().token(&scopes).await.unwrap();
    assert_eq!(requests(&server, "client_credentials").await, 2);
    assert!(store.load_verified(&two_legged).await.unwrap().is_some());

    // The refusals were logged, without a token or a ciphertext.
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("a token store entry was refused; treated as absent"),
        "{logs}"
    );
    assert!(logs.contains("does not authenticate"), "{logs}");
    for secret in [TAIL, &ciphertext[..20], &key_text(1)] {
        assert!(!logs.contains(secret), "{secret} in the logs: {logs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_across_processes() {
    let redis = RedisServer::start();
    let seed = format!("refresh-seed-{TAIL}");
    let server = token_server(&[&seed]).await;
    let (uri, url) = (server.uri(), redis.url());
    let (one, two) = (format!("1:{}", key_text(1)), format!("2:{}", key_text(2)));
    let both = format!("{two},{one}");
    let run = |role: &str, keys: &str| {
        Worker::run(
            role,
            &[
                ("APS_TOKEN_SERVER", &uri),
                ("APS_REDIS_URL", &url),
                ("APS_TOKEN_KEYS", keys),
                ("APS_SESSION", "user-1"),
                ("APS_REFRESH", &seed),
            ],
        )
    };
    // A writes with key 1.
    assert_eq!(run("seed", &one), "ok");
    assert!(envelope(&redis, "user-1").starts_with("v1.1."));
    // B, with key 2 current and key 1 kept, reads it, refreshes, and writes with key 2.
    assert_eq!(run("refresh", &both), format!("ok refresh-1-{TAIL}"));
    assert!(envelope(&redis, "user-1").starts_with("v1.2."));
    // A', with key 2 alone, reads it; a process with key 1 alone cannot, and says why.
    assert_eq!(run("resume", &two), format!("ok refresh-1-{TAIL}"));
    assert_eq!(
        run("resume", &one),
        r#"sign_in_required Err(Refused(UnknownKey { key_id: "2" }))"#
    );
    assert_eq!(requests(&server, "refresh_token").await, 1);
    assert_eq!(
        redis.command(&["HGET", &raw_key("user-1"), "v"]),
        "$1\r\n2\r\n"
    );
}
