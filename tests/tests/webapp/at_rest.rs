//! What the web app leaves in Redis, read with the harness's plain RESP client (not through the
//! app's code): every key and value, the sign-in in progress opened with the test's copy of the
//! key ring, and the check that a secret appears nowhere in it, in clear or in base64.

use aps_auth_generated::oauth::KeyRing;
use aps_auth_tests::redis::RedisServer;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use serde_json::Value;

/// The base64 of a key of 32 bytes `byte`.
pub fn key_text(byte: u8) -> String {
    STANDARD.encode([byte; 32])
}

/// `APS_TOKEN_KEYS` text of the ring whose current key is `current` (`(id, byte)`: a key of 32
/// such bytes), followed by the older keys `previous`.
pub fn ring_text(current: (&str, u8), previous: &[(&str, u8)]) -> String {
    std::iter::once(&current)
        .chain(previous)
        .map(|(id, byte)| format!("{id}:{}", key_text(*byte)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The ring of [`ring_text`].
pub fn ring(current: (&str, u8), previous: &[(&str, u8)]) -> KeyRing {
    KeyRing::parse(&ring_text(current, previous)).expect("a valid key ring")
}

/// The lines of a RESP reply that are values (not the `*n` and `$n` headers).
fn values(reply: &str) -> impl Iterator<Item = &str> {
    reply
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('*') && !l.starts_with('$'))
}

/// Everything Redis holds: each key and its hash fields or value, as the server sends them.
pub fn dump(redis: &RedisServer) -> String {
    let keys = redis.command(&["KEYS", "*"]);
    let mut out = keys.clone();
    for key in values(&keys) {
        let kind = redis.command(&["TYPE", key]);
        let read = match kind.as_str() {
            "+hash\r\n" => "HGETALL",
            "+string\r\n" => "GET",
            other => panic!("the app keeps a {other:?} under {key}: this dump does not read it"),
        };
        out += &redis.command(&[read, key]);
    }
    out
}

/// The one sign-in in progress: its Redis key, its raw value, and its parts (JSON) opened with
/// `keys` under that key.
pub fn pending_sign_in(redis: &RedisServer, keys: &KeyRing) -> (String, String, Value) {
    let listed = redis.command(&["KEYS", "aps-auth-webapp:sign-in:*"]);
    let found: Vec<&str> = values(&listed).collect();
    let [key] = found[..] else {
        panic!("not one sign-in in progress: {listed:?}");
    };
    let reply = redis.command(&["GET", key]);
    let raw = values(&reply).next().expect("a value").to_owned();
    let json = keys
        .open(key.as_bytes(), &raw)
        .unwrap_or_else(|e| panic!("the sign-in does not open with the app's ring: {e}"));
    let parts = serde_json::from_slice(&json).expect("the parts' JSON");
    (key.to_owned(), raw, parts)
}

/// Every base64 form `secret` can take inside a longer base64 text: both alphabets, at each of
/// the three byte alignments, only the characters its own bytes decide.
fn base64_forms(secret: &str) -> Vec<String> {
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

/// Asserts that no secret of `secrets` (`(what, secret)`) is in `dump`, in clear or in base64.
pub fn assert_none_in(dump: &str, secrets: &[(&str, String)]) {
    for (what, secret) in secrets {
        assert!(secret.len() >= 16, "{what} is too short to look for");
        let mut forms = base64_forms(secret);
        forms.push(secret.clone());
        for form in forms {
            assert!(!dump.contains(&form), "the {what} is in Redis: {dump}");
        }
    }
}
