//! OSS transfer benchmark, against a minimal OSS + S3 stand-in on 127.0.0.1 in the same process
//! (the Node test server is not started from a bench): it signs "URLs" pointing back at itself,
//! discards what is `PUT` (counting the bytes) and answers ranged `GET`s from a pattern, with an
//! optional delay before each storage answer to stand for a network's round trip.
//!
//! For an object of `SIZE` bytes in 5 MiB parts, in the same run, interleaved:
//!
//! - upload: a hand-written reqwest loop (the generated calls for the URLs and the completion,
//!   one `PUT` per part in order: the baseline), the helper with one part in flight, and the
//!   helper with four;
//! - download: a hand-written loop of ranged `GET`s streamed to a sink, the helper with one range
//!   in flight, and with four (`to_writer`, in order).
//!
//! The throughput (median of rounds) of each and the ratios helper / hand-written (sequential)
//! and parallel / sequential.
//!
//! `cargo bench -p aps-auth-generated --bench transfer --features oss` measures; `cargo test ...
//! --bench transfer` is a smoke run with a small object and few rounds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aps_auth_generated::generated::oss::{self, types::Completes3uploadBody};
use aps_auth_generated::transfer::{MIN_PART_SIZE, Transfer};
use aps_auth_generated::{Client, StaticToken};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PART: u64 = MIN_PART_SIZE;

/// The stand-in's settings.
struct Server {
    base: String,
    size: u64,
    delay: Duration,
    received: AtomicU64,
}

/// Serves one connection: requests in turn, kept alive.
async fn connection(mut stream: TcpStream, server: Arc<Server>) {
    let pattern: Vec<u8> = (0..1 << 20).map(|i| (i * 31 % 251) as u8).collect();
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let header = |name: &str| {
            head.lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                })
                .map(|(_, v)| v.trim().to_owned())
        };
        let mut left: u64 = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let taken = (left as usize).min(buf.len());
        buf.drain(..taken);
        left -= taken as u64;
        while left > 0 {
            match stream
                .read(&mut chunk[..(left.min(64 * 1024) as usize)])
                .await
            {
                Ok(0) | Err(_) => return,
                Ok(n) => left -= n as u64,
            }
        }
        let (method, target) = {
            let mut words = head.split_whitespace();
            (
                words.next().unwrap_or("").to_owned(),
                words.next().unwrap_or("").to_owned(),
            )
        };
        let json = |body: String| {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        let answer = if target.contains("/signeds3upload") && method == "GET" {
            let q = |name: &str| {
                target
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
            };
            let (parts, first) = (q("parts"), q("firstPart"));
            let urls: Vec<String> = (first..first + parts)
                .map(|n| format!("\"{}/s3/put/{n}\"", server.base))
                .collect();
            json(format!(
                r#"{{"uploadKey":"bench-key","urls":[{}]}}"#,
                urls.join(",")
            ))
        } else if target.contains("/signeds3upload") {
            json(format!(
                r#"{{"bucketKey":"bench","objectKey":"obj","size":{}}}"#,
                server.size
            ))
        } else if target.contains("/signeds3download") {
            json(format!(
                r#"{{"status":"complete","url":"{}/s3/get","params":{{}},"size":{}}}"#,
                server.base, server.size
            ))
        } else if target.starts_with("/s3/put/") {
            tokio::time::sleep(server.delay).await;
            server.received.fetch_add(
                header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
                Ordering::Relaxed,
            );
            "HTTP/1.1 200 OK\r\netag: \"e\"\r\ncontent-length: 0\r\n\r\n".to_owned()
        } else {
            tokio::time::sleep(server.delay).await;
            let (start, end) = header("range")
                .and_then(|r| {
                    let (a, b) = r.strip_prefix("bytes=")?.split_once('-')?;
                    Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))
                })
                .unwrap_or((0, server.size - 1));
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {start}-{end}/{}\r\ncontent-length: {}\r\n\r\n",
                server.size,
                end - start + 1
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut left = end - start + 1;
            while left > 0 {
                let n = left.min(pattern.len() as u64) as usize;
                if stream.write_all(&pattern[..n]).await.is_err() {
                    return;
                }
                left -= n as u64;
            }
            continue;
        };
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The baseline upload: URLs from the generated call (25 a request), one `PUT` per part in
/// order with reqwest, the completion with the generated call.
async fn upload_by_hand(oss: &oss::Client, http: &reqwest::Client, data: &[u8]) {
    let parts = (data.len() as u64).div_ceil(PART) as u32;
    let mut upload_key: Option<String> = None;
    let mut etags = Vec::new();
    for first in (1..=parts).step_by(25) {
        let count = (parts - first + 1).min(25);
        let mut call = oss
            .signed_s3_upload("bench", "obj")
            .parts(count)
            .first_part(first);
        if let Some(key) = &upload_key {
            call = call.upload_key(key.clone());
        }
        let signed = call.await.expect("signed URLs").into_inner();
        upload_key = Some(signed.upload_key);
        for (i, url) in signed.urls.iter().enumerate() {
            let n = u64::from(first) + i as u64 - 1;
            let part = &data[(n * PART) as usize..((n + 1) * PART).min(data.len() as u64) as usize];
            let answer = http
                .put(url)
                .body(Bytes::copy_from_slice(part))
                .send()
                .await
                .expect("PUT");
            assert!(answer.status().is_success());
            etags.push(
                answer.headers()["etag"]
                    .to_str()
                    .unwrap()
                    .trim_matches('"')
                    .to_owned(),
            );
        }
    }
    let body = Completes3uploadBody::new(upload_key.unwrap())
        .with_size(data.len() as i64)
        .with_e_tags(etags);
    oss.complete_signed_s3_upload("bench", "obj", "application/json", &body)
        .await
        .expect("complete");
}

/// The baseline download: the generated call for the URL, then one ranged `GET` per part in
/// order, streamed to a sink.
async fn download_by_hand(oss: &oss::Client, http: &reqwest::Client) -> u64 {
    let signed = oss
        .signed_s3_download("bench", "obj")
        .await
        .expect("URL")
        .into_inner();
    let url = signed.url.unwrap();
    let size = signed.size as u64;
    let mut sink = tokio::io::sink();
    let mut got = 0;
    for start in (0..size).step_by(PART as usize) {
        let end = (start + PART).min(size) - 1;
        let mut answer = http
            .get(&url)
            .header("range", format!("bytes={start}-{end}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(answer.status(), 206);
        while let Some(chunk) = answer.chunk().await.expect("body") {
            sink.write_all(&chunk).await.unwrap();
            got += chunk.len() as u64;
        }
    }
    got
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mbs(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

async fn run(size: u64, delay: Duration, rounds: usize) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = Arc::new(Server {
        base: base.clone(),
        size,
        delay,
        received: AtomicU64::new(0),
    });
    let accept = {
        let server = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(stream, server.clone()));
            }
        })
    };
    let client = Client::builder()
        .base_url(&base)
        .token_source(StaticToken::new("bench-token".to_owned()))
        .build()
        .unwrap();
    let oss = oss::Client::from_client(client);
    let http = reqwest::Client::new();
    let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
    let sequential = Transfer::new(oss.clone()).unwrap().parallelism(1);
    let parallel = Transfer::new(oss.clone()).unwrap().parallelism(4);

    let mut times: [Vec<Duration>; 6] = Default::default();
    for round in 0..rounds + 1 {
        // Alternate the order, so drift on a shared machine hits all alike; round 0 warms up.
        let order: [usize; 6] = if round % 2 == 0 {
            [0, 1, 2, 3, 4, 5]
        } else {
            [5, 4, 3, 2, 1, 0]
        };
        for which in order {
            let before = server.received.load(Ordering::Relaxed);
            let t = Instant::now();
            match which {
                0 => upload_by_hand(&oss, &http, &data).await,
                1 | 2 => {
                    let transfer = if which == 1 { &sequential } else { &parallel };
                    transfer
                        .upload("bench", "obj")
                        .from_reader(&data[..], Some(size))
                        .await
                        .expect("upload");
                }
                3 => assert_eq!(download_by_hand(&oss, &http).await, size),
                _ => {
                    let transfer = if which == 4 { &sequential } else { &parallel };
                    let outcome = transfer
                        .download("bench", "obj")
                        .to_writer(tokio::io::sink())
                        .await
                        .expect("download");
                    assert_eq!(outcome.size, size);
                }
            }
            let elapsed = t.elapsed();
            if which < 3 {
                assert_eq!(server.received.load(Ordering::Relaxed) - before, size);
            }
            if round > 0 {
                times[which].push(elapsed);
            }
        }
    }
    let [hand_up, seq_up, par_up, hand_down, seq_down, par_down] = times.map(median);
    println!(
        "\n{} MiB in {} parts, {} ms before each storage answer, median of {rounds} rounds:\n",
        size >> 20,
        size.div_ceil(PART),
        delay.as_millis()
    );
    println!("| | upload MB/s | download MB/s |");
    println!("|---|---:|---:|");
    println!(
        "| hand-written reqwest loop, 1 in flight (baseline) | {:.0} | {:.0} |",
        mbs(size, hand_up),
        mbs(size, hand_down)
    );
    println!(
        "| helper, 1 in flight | {:.0} | {:.0} |",
        mbs(size, seq_up),
        mbs(size, seq_down)
    );
    println!(
        "| helper, 4 in flight | {:.0} | {:.0} |",
        mbs(size, par_up),
        mbs(size, par_down)
    );
    println!(
        "| ratio helper 1 / hand-written (aim >= 0.9) | {:.2} | {:.2} |",
        hand_up.as_secs_f64() / seq_up.as_secs_f64(),
        hand_down.as_secs_f64() / seq_down.as_secs_f64()
    );
    println!(
        "| ratio helper 4 / helper 1 (aim > 1) | {:.2} | {:.2} |",
        seq_up.as_secs_f64() / par_up.as_secs_f64(),
        seq_down.as_secs_f64() / par_down.as_secs_f64()
    );
    accept.abort();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (size, rounds) = if full { (64 << 20, 7) } else { (11 << 20, 1) };
    for delay in [Duration::ZERO, Duration::from_millis(20)] {
        run(size, delay, rounds).await;
    }
}
