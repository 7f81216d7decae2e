//! Paging benchmark, against a minimal HTTP/1.1 server on 127.0.0.1 in the same process that
//! serves an OSS object listing in pages (`startAt`, `limit`, an absolute `next` URL):
//!
//! - the whole listing walked with the generated call builder's `pages()` stream;
//! - the same requests made by hand with the generated single call, reading `next` and passing
//!   its `startAt` to the next call, as a user without the stream would;
//!
//! interleaved in the same run; the time per page (p50 and p99 of whole walks divided by their
//! pages) of each, and their ratio, which is the stream's per-page overhead.
//!
//! `cargo bench -p aps-auth-generated --bench paging --features oss` measures; `cargo test ... --bench
//! paging` is a smoke run with few iterations.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aps_auth_generated::generated::oss;
use aps_auth_generated::{Client, StaticToken};
use futures_core::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Pages per walk, and objects per page.
const PAGES: usize = 20;
const PER_PAGE: usize = 100;

/// The answer to page `i` (0-based): `PER_PAGE` objects, and `next` unless it is the last.
fn page_body(base: &str, i: usize) -> String {
    let items: Vec<String> = (0..PER_PAGE)
        .map(|j| {
            let n = i * PER_PAGE + j;
            format!(
                r#"{{"bucketKey":"bench","objectKey":"object-{n:05}","objectId":"urn:adsk.objects:os.object:bench/object-{n:05}","sha1":"{}","size":{n},"location":"{base}/oss/v2/buckets/bench/objects/object-{n:05}"}}"#,
                "0".repeat(40)
            )
        })
        .collect();
    let next = match i + 1 < PAGES {
        true => format!(
            r#","next":"{base}/oss/v2/buckets/bench/objects?startAt=object-{:05}&limit={PER_PAGE}""#,
            (i + 1) * PER_PAGE - 1
        ),
        false => String::new(),
    };
    format!(r#"{{"items":[{}]{next}}}"#, items.join(","))
}

/// Answers each GET with the page its `startAt` names, keeping connections alive.
async fn serve(listener: TcpListener, pages: Arc<Vec<String>>, count: Arc<AtomicU64>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let (pages, count) = (pages.clone(), count.clone());
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
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
                let page = head
                    .split_once("startAt=object-")
                    .and_then(|(_, rest)| rest.get(..5))
                    .and_then(|n| n.parse::<usize>().ok())
                    .map_or(0, |last| (last + 1) / PER_PAGE);
                count.fetch_add(1, Ordering::Relaxed);
                let body = &pages[page.min(PAGES - 1)];
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
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

/// The `startAt` of a next link.
fn start_at(next: &str) -> Option<String> {
    let url = url::Url::parse(next).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "startAt")
        .map(|(_, v)| v.into_owned())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, batch) = if full { (30, 10) } else { (2, 2) };

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let pages = Arc::new((0..PAGES).map(|i| page_body(&base, i)).collect::<Vec<_>>());
    let count = Arc::new(AtomicU64::new(0));
    let server = tokio::spawn(serve(listener, pages, count.clone()));

    let client = Client::builder()
        .base_url(&base)
        .token_source(StaticToken::new("bench-token".to_owned()))
        .build()
        .unwrap();
    let api = oss::Client::from_client(client);

    let run_stream = || async {
        let t = Instant::now();
        let mut stream = api.get_objects("bench").limit(PER_PAGE as i64).pages();
        let mut objects = 0;
        while let Some(page) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
            objects += page.expect("page").items.as_ref().map_or(0, Vec::len);
        }
        assert_eq!(objects, PAGES * PER_PAGE);
        t.elapsed()
    };
    let run_by_hand = || async {
        let t = Instant::now();
        let mut objects = 0;
        let mut after: Option<String> = None;
        loop {
            let mut call = api.get_objects("bench").limit(PER_PAGE as i64);
            if let Some(after) = after.take() {
                call = call.start_at(after);
            }
            let page = call.await.expect("page").into_inner();
            objects += page.items.as_ref().map_or(0, Vec::len);
            match page.next.as_deref().and_then(start_at) {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(objects, PAGES * PER_PAGE);
        t.elapsed()
    };

    // Both make the same requests.
    let before = count.load(Ordering::Relaxed);
    run_stream().await;
    assert_eq!(count.load(Ordering::Relaxed) - before, PAGES as u64);
    let before = count.load(Ordering::Relaxed);
    run_by_hand().await;
    assert_eq!(count.load(Ordering::Relaxed) - before, PAGES as u64);
    for _ in 0..batch {
        run_stream().await;
        run_by_hand().await;
    }

    let (mut stream_times, mut hand_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so drift on a shared machine hits both alike.
        for first in [round % 2 == 0, round % 2 != 0] {
            for _ in 0..batch {
                match first {
                    true => stream_times.push(run_stream().await / PAGES as u32),
                    false => hand_times.push(run_by_hand().await / PAGES as u32),
                }
            }
        }
    }
    stream_times.sort();
    hand_times.sort();
    let (s50, s99) = (
        percentile(&stream_times, 0.5),
        percentile(&stream_times, 0.99),
    );
    let (h50, h99) = (percentile(&hand_times, 0.5), percentile(&hand_times, 0.99));
    println!(
        "| per page ({} walks of {PAGES} pages of {PER_PAGE} objects each) | p50 | p99 |",
        stream_times.len()
    );
    println!("|---|---:|---:|");
    println!(
        "| by hand: the generated single call, `next` followed (baseline) | {} | {} |",
        us(h50),
        us(h99)
    );
    println!(
        "| stream: `get_objects(..).pages()` | {} | {} |",
        us(s50),
        us(s99)
    );
    println!(
        "| ratio stream / by hand | {:.3} | {:.3} |",
        s50.as_secs_f64() / h50.as_secs_f64(),
        s99.as_secs_f64() / h99.as_secs_f64()
    );
    server.abort();
}
