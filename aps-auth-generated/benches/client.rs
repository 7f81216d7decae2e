//! Client benchmark, against a minimal HTTP/1.1 server on 127.0.0.1 in the same process:
//!
//! - the same token request through the client (`OAuthClient::refresh`: the runtime's request and
//!   decoding, the OAuth layer's form and token answer) and through a hand-written minimal
//!   `reqwest` call (form body, HTTP Basic, JSON decode), interleaved; p50 and p99 of each, and
//!   their ratio;
//! - the two-legged provider: the cost of a cached-token hit against a baseline of the
//!   irreducible work (lock a mutex, clone the token), and 1,000 concurrent callers on a cold
//!   cache, counting the requests the server saw.
//!
//! `cargo bench -p aps-auth-generated --bench client` measures; `cargo test -p aps-auth-generated
//! --bench client` is a smoke run with few iterations.
//!
//! It goes through types the OAuth layer owns (`OAuthClient`, `Token`) and the raw answer, never
//! through a generated schema's fields: the layer reads the token answer in its own types, so a
//! change to the document's token schemas changes neither it nor this benchmark.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aps_auth_generated::Scopes;
use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient, RefreshToken};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2ln","token_type":"Bearer","expires_in":3600,"scope":"data:read"}"#;

#[derive(serde::Deserialize)]
#[allow(dead_code)] // fields are decoded, as a real client would, but not read
struct RawToken {
    access_token: String,
    token_type: String,
    expires_in: u64,
    scope: String,
}

/// Answers every request with `BODY`, keeping connections alive; counts requests.
async fn serve(listener: TcpListener, count: Arc<AtomicU64>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let count = count.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                // Read one request: headers, then Content-Length bytes of body.
                let (head_end, length) = loop {
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                while buf.len() < head_end + length {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                buf.drain(..head_end + length);
                count.fetch_add(1, Ordering::Relaxed);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
                    BODY.len()
                );
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, batch, hits) = if full {
        (50, 100, 1_000_000)
    } else {
        (2, 5, 1_000)
    };

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU64::new(0));
    let server = tokio::spawn(serve(listener, count.clone()));

    // --- the same request, client vs hand-written -------------------------------------------
    // One token request per call, never cached: a refresh (the server answers every request
    // with `BODY`).
    let credentials = Credentials::confidential("bench-client", ClientSecret::new("bench-secret"));
    let client = OAuthClient::builder(credentials.clone())
        .base_url(&base)
        .build()
        .unwrap();
    let refresh_token = RefreshToken::new("bench-refresh-token");
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let raw_url = format!("{base}/authentication/v2/token");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "bench-refresh-token"),
    ];
    let run_client = || async {
        let t = Instant::now();
        let token = client.refresh(&refresh_token).await.expect("client call");
        assert!(!token.access_token().expose_secret().is_empty());
        t.elapsed()
    };
    let run_raw = || async {
        let t = Instant::now();
        let token: RawToken = raw
            .post(&raw_url)
            .timeout(Duration::from_secs(30))
            .basic_auth("bench-client", Some("bench-secret"))
            .form(&form)
            .send()
            .await
            .expect("raw call")
            .error_for_status()
            .expect("200")
            .json()
            .await
            .expect("decodes");
        assert!(!token.access_token.is_empty());
        t.elapsed()
    };
    for _ in 0..batch {
        run_client().await;
        run_raw().await;
    }
    let (mut client_times, mut raw_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so drift on a shared machine hits both alike.
        if round % 2 == 0 {
            for _ in 0..batch {
                client_times.push(run_client().await);
            }
            for _ in 0..batch {
                raw_times.push(run_raw().await);
            }
        } else {
            for _ in 0..batch {
                raw_times.push(run_raw().await);
            }
            for _ in 0..batch {
                client_times.push(run_client().await);
            }
        }
    }
    client_times.sort();
    raw_times.sort();
    let (g50, g99) = (
        percentile(&client_times, 0.5),
        percentile(&client_times, 0.99),
    );
    let (r50, r99) = (percentile(&raw_times, 0.5), percentile(&raw_times, 0.99));
    println!(
        "| token request ({} each) | p50 | p99 |",
        client_times.len()
    );
    println!("|---|---:|---:|");
    println!(
        "| hand-written reqwest (baseline) | {} | {} |",
        us(r50),
        us(r99)
    );
    println!(
        "| client: `OAuthClient::refresh` (runtime + OAuth layer) | {} | {} |",
        us(g50),
        us(g99)
    );
    println!(
        "| ratio client / baseline | {:.3} | {:.3} |",
        g50.as_secs_f64() / r50.as_secs_f64(),
        g99.as_secs_f64() / r99.as_secs_f64()
    );

    // --- two-legged provider ------------------------------------------------------------------
    let provider = client.two_legged();
    let scopes: Scopes = "data:read".parse().unwrap();
    let warm = provider.token(&scopes).await.unwrap();
    let t = Instant::now();
    for _ in 0..hits {
        std::hint::black_box(provider.token(&scopes).await.unwrap());
    }
    let hit = t.elapsed() / hits;
    // Baseline: the work a hit cannot avoid: lock an uncontended mutex, clone the token.
    let slot = std::sync::Mutex::new(Some(warm));
    let t = Instant::now();
    for _ in 0..hits {
        std::hint::black_box(slot.lock().unwrap().clone());
    }
    let baseline = t.elapsed() / hits;
    println!();
    println!("| two-legged provider | time | ratio to baseline |");
    println!("|---|---:|---:|");
    println!(
        "| cached hit ({hits} calls) | {:.0} ns | {:.2}x |",
        hit.as_nanos(),
        hit.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "| baseline: lock + clone | {:.0} ns | 1.00x |",
        baseline.as_nanos()
    );

    // A new client: its own (empty) token store, so the cache is really cold.
    let cold = OAuthClient::builder(credentials)
        .base_url(&base)
        .build()
        .unwrap()
        .two_legged();
    let before = count.load(Ordering::Relaxed);
    let t = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let cold = cold.clone();
            let scopes = scopes.clone();
            tokio::spawn(async move { cold.token(&scopes).await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = t.elapsed();
    let requests = count.load(Ordering::Relaxed) - before;
    println!(
        "| 1,000 concurrent callers, cold cache | {} for all | {requests} request(s) at the server |",
        us(elapsed)
    );
    assert_eq!(
        requests, 1,
        "single-flight broken: {requests} token requests for 1,000 callers"
    );
    server.abort();
}
