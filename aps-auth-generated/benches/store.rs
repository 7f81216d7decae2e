//! Token store benchmark (cargo features `redis`, `encryption`): the cost of a "store hit",
//! reading a cached two-legged token and turning it into a [`Token`] with [`Token::from_stored`]
//! (what the provider does with a hit), from a [`RedisStore`] on a real `redis-server` against
//! the same read from a [`MemoryStore`]; and what encryption at rest adds ([`EncryptedStore`]
//! over each, opening the XChaCha20-Poly1305 envelope).
//!
//! - Memory and Redis hits, plain and encrypted, run in interleaved batches whose order
//!   alternates; p50 and p99 of each operation, the ratio redis / memory, and the ratio
//!   encrypted / plain for each store, at p50 and p99.
//! - For context, a raw Redis round trip on the same kind of connection (a `ConnectionManager`):
//!   `PING`, and the very `HMGET` the store sends, without decoding; the ratio store hit / raw
//!   round trip shows what the store adds over the network.
//!
//! The benchmark starts its own `redis-server` on a free port of 127.0.0.1 (no persistence, in
//! a temporary directory) and kills it at the end, also when it fails.
//!
//! `cargo bench -p aps-auth-generated --bench store --features redis,encryption` measures;
//! `cargo test -p aps-auth-generated --bench store --features redis,encryption` is a smoke run
//! with few iterations.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aps_auth_generated::oauth::{
    EncryptedStore, EncryptionKey, Expected, KeyRing, MemoryStore, RedisStore, StoreEntry,
    StoreKey, StoredToken, Token, TokenStore,
};

/// How long to wait for the started server to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` on 127.0.0.1, killed (and its directory removed) when dropped, which also
/// happens when the benchmark panics.
struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    fn start() -> RedisServer {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "aps-auth-bench-redis-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let child = Command::new("redis-server")
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--bind", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                if e.kind() == io::ErrorKind::NotFound {
                    panic!(
                        "`redis-server` is not on PATH, and the store benchmark needs it: run \
                         `bash scripts/install-test-deps` (it installs the Debian package \
                         redis-server), or install Redis 7 yourself"
                    );
                }
                panic!("cannot start `redis-server`: {e}");
            }
        };
        // From here on, dropping `server` kills the process.
        let mut server = RedisServer { child, port, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("redis-server on port {port} exited with {status} before answering PING");
            }
            if answers_ping(port) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer PING within {START_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a server on `port` answers `PING` with `+PONG` on a new connection right now.
fn answers_ping(port: u16) -> bool {
    let ping = || -> io::Result<bool> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        stream.write_all(b"*1\r\n$4\r\nPING\r\n")?;
        let mut reply = [0u8; 7];
        stream.read_exact(&mut reply)?;
        Ok(&reply == b"+PONG\r\n")
    };
    ping().unwrap_or(false)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

/// Times one run of `op`.
async fn time<F: Future<Output = ()>>(op: impl Fn() -> F) -> Duration {
    let t = Instant::now();
    op().await;
    t.elapsed()
}

/// A store hit as the provider has it: load, then `Token::from_stored`.
async fn hit(store: &dyn TokenStore, key: &StoreKey) {
    let entry = store
        .load(key)
        .await
        .expect("store read")
        .expect("the token is in the store");
    std::hint::black_box(Token::from_stored(entry.token));
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, batch) = if full { (100, 200) } else { (2, 5) };

    let server = RedisServer::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(run(&server.url(), rounds, batch));
    drop(runtime);
    drop(server);
}

async fn run(url: &str, rounds: usize, batch: usize) {
    // A two-legged token as the provider stores it; an APS access token is a JWT of about 1 KB.
    let expires_at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 3_600_000;
    let access_token = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", "A".repeat(1000));
    let stored: StoredToken = serde_json::from_str(&format!(
        r#"{{"access_token":"{access_token}","token_type":"Bearer","expires_at_ms":{expires_at_ms},"lifetime_s":3600,"scope":"data:read"}}"#
    ))
    .expect("a stored token");
    let key = StoreKey::two_legged("bench-client", "data:read");
    let entry = StoreEntry {
        version: 0,
        token: stored,
    };
    let ttl = Duration::from_secs(3600);

    let memory = MemoryStore::new();
    let redis = RedisStore::new(url).expect("a Redis store");
    let keys = KeyRing::new("1", EncryptionKey::generate().expect("a key")).expect("a key ring");
    let sealed_memory = EncryptedStore::new(MemoryStore::new(), keys.clone());
    // Its own prefix: the plain store's entry stays as it is.
    let sealed_redis = EncryptedStore::new(
        RedisStore::new(url)
            .expect("a Redis store")
            .with_prefix("aps-auth-sealed:"),
        keys,
    );
    let stores = [
        &memory as &dyn TokenStore,
        &redis,
        &sealed_memory,
        &sealed_redis,
    ];
    for store in stores {
        assert!(
            store
                .save(&key, &entry, Expected::Any, ttl)
                .await
                .expect("store write"),
            "the token was not written"
        );
        let back = store.load(&key).await.expect("store read").expect("a hit");
        let token = Token::from_stored(back.token);
        assert_eq!(token.access_token().expose_secret(), access_token);
        assert!(!token.expires_within(Duration::from_secs(60)));
    }

    // The raw round trips, on a connection of the same kind as the store's.
    let client = redis::Client::open(url).expect("a Redis URL");
    let connection = redis::aio::ConnectionManager::new(client)
        .await
        .expect("a Redis connection");
    let redis_key = format!("aps-auth:{}", key.as_str());
    let raw_hmget = || {
        let mut connection = connection.clone();
        let redis_key = redis_key.clone();
        async move {
            let reply: (Option<u64>, Option<String>) = redis::cmd("HMGET")
                .arg(redis_key)
                .arg("v")
                .arg("t")
                .query_async(&mut connection)
                .await
                .expect("HMGET");
            assert!(reply.1.is_some());
            std::hint::black_box(reply);
        }
    };
    let raw_ping = || {
        let mut connection = connection.clone();
        async move {
            let reply: String = redis::cmd("PING")
                .query_async(&mut connection)
                .await
                .expect("PING");
            std::hint::black_box(reply);
        }
    };
    let memory_hit = || hit(&memory, &key);
    let redis_hit = || hit(&redis, &key);
    let sealed_memory_hit = || hit(&sealed_memory, &key);
    let sealed_redis_hit = || hit(&sealed_redis, &key);

    // Warm up every path (connections, allocator, caches).
    for _ in 0..batch {
        time(memory_hit).await;
        time(redis_hit).await;
        time(raw_hmget).await;
        time(raw_ping).await;
        time(sealed_memory_hit).await;
        time(sealed_redis_hit).await;
    }

    let mut times: [Vec<Duration>; 6] = Default::default();
    for round in 0..rounds {
        // Alternate the order, so drift on a shared machine hits every kind alike.
        let order: [usize; 6] = if round % 2 == 0 {
            [0, 1, 2, 3, 4, 5]
        } else {
            [5, 4, 3, 2, 1, 0]
        };
        for which in order {
            for _ in 0..batch {
                let t = match which {
                    0 => time(memory_hit).await,
                    1 => time(redis_hit).await,
                    2 => time(raw_hmget).await,
                    3 => time(raw_ping).await,
                    4 => time(sealed_memory_hit).await,
                    _ => time(sealed_redis_hit).await,
                };
                times[which].push(t);
            }
        }
    }
    for t in &mut times {
        t.sort();
    }
    let [p50, p99]: [[Duration; 6]; 2] =
        [0.5, 0.99].map(|p| std::array::from_fn(|i| percentile(&times[i], p)));
    let ratio = |a: usize, b: usize| {
        format!(
            "| {:.2}x | {:.2}x |",
            p50[a].as_secs_f64() / p50[b].as_secs_f64(),
            p99[a].as_secs_f64() / p99[b].as_secs_f64()
        )
    };

    println!(
        "| two-legged store hit, load + `Token::from_stored` ({} each) | p50 | p99 |",
        times[0].len()
    );
    println!("|---|---:|---:|");
    println!(
        "| `MemoryStore` (baseline) | {} | {} |",
        us(p50[0]),
        us(p99[0])
    );
    println!(
        "| `RedisStore`, redis-server on 127.0.0.1 | {} | {} |",
        us(p50[1]),
        us(p99[1])
    );
    println!("| ratio redis / memory {}", ratio(1, 0));
    println!();
    println!("| raw Redis round trip, `ConnectionManager` | p50 | p99 |");
    println!("|---|---:|---:|");
    println!(
        "| `HMGET` of the same entry, not decoded | {} | {} |",
        us(p50[2]),
        us(p99[2])
    );
    println!("| `PING` | {} | {} |", us(p50[3]), us(p99[3]));
    println!("| ratio store hit / `HMGET` {}", ratio(1, 2));
    println!("| ratio store hit / `PING` {}", ratio(1, 3));
    println!();
    println!(
        "| encryption at rest: `EncryptedStore` hit, XChaCha20-Poly1305 ({} each) | p50 | p99 |",
        times[4].len()
    );
    println!("|---|---:|---:|");
    println!("| over `MemoryStore` | {} | {} |", us(p50[4]), us(p99[4]));
    println!("| over `RedisStore` | {} | {} |", us(p50[5]), us(p99[5]));
    println!("| ratio encrypted / plain, memory {}", ratio(4, 0));
    println!("| ratio encrypted / plain, redis {}", ratio(5, 1));
}
