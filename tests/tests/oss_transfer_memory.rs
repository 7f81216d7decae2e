//! A file of 256 MiB (generated at test time in the temp directory, removed after) uploaded in
//! parallel parts and downloaded in parallel ranges through `aps_auth_generated::transfer`,
//! byte-identical, while the peak resident memory of this process (`VmHWM`) stays within
//! part size x parallelism of the baseline. Its own test binary, so nothing else shares the
//! process.
//!
//! The bound: `baseline + 2 x (parallelism + 1) x part size + 24 MiB`. The baseline is the peak
//! measured just before the transfers (runtime, HTTP client, test server started, file written
//! through a 1 MiB buffer). Each part in flight is held once by the transfer (the bytes being
//! sent, kept for a retry) and may be copied once below it (hyper's write buffer, TLS not being
//! used on loopback), plus the one being read from the source: `2 x (parallelism + 1)` parts.
//! The 24 MiB is slack for the allocator (per-thread arenas of the runtime's workers and
//! reqwest's connection tasks) and the download's file handles' buffers. Measured on the
//! development machine: baseline 13 MiB, peak 35 MiB after the upload, 44 MiB after the download,
//! against a bound of 87 MiB. The file itself is 256 MiB: an implementation holding it (or a
//! fraction of it growing with the file) would exceed the bound several times over.

mod transfer_support;

use std::time::Duration;

use aps_auth_generated::transfer::{MIN_PART_SIZE, Transfer};
use aps_auth_tests::oidc::OidcServer;
use transfer_support::{TestFile, oss_with_bucket, same_bytes};

const FILE_SIZE: u64 = 256 * 1024 * 1024;
const PARALLELISM: usize = 4;
const PART_SIZE: u64 = MIN_PART_SIZE;
const SLACK: u64 = 24 * 1024 * 1024;

/// The peak resident set of this process (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_file_goes_up_and_down_within_part_size_times_parallelism() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc/self/status: the memory bound is not measured here");
        return;
    }
    let Some(server) = OidcServer::start() else {
        return;
    };
    tokio::time::timeout(Duration::from_secs(300), async {
        let oss = oss_with_bucket(&server, "big-bucket").await;
        let file = TestFile::new("big", FILE_SIZE, 42);
        let transfer = Transfer::new(oss)
            .unwrap()
            .part_size(PART_SIZE)
            .parallelism(PARALLELISM);
        let baseline = peak_rss();
        let bound = baseline + 2 * (PARALLELISM as u64 + 1) * PART_SIZE + SLACK;

        let started = std::time::Instant::now();
        let details = transfer
            .upload("big-bucket", "big.bin")
            .from_file(&file.path)
            .await
            .unwrap();
        assert_eq!(details.size, Some(file.len as i64));
        let after_upload = peak_rss();
        let stats = server.s3_stats().await;
        assert_eq!(stats["puts"].as_object().unwrap().len(), 52, "{stats}");

        let copy = file.sibling(".down");
        let outcome = transfer
            .download("big-bucket", "big.bin")
            .to_file(&copy)
            .await
            .unwrap();
        assert!(outcome.sha1_checked && outcome.size == FILE_SIZE);
        let after_download = peak_rss();
        assert!(same_bytes(&file.path, &copy).await);
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        eprintln!(
            "peak RSS: baseline {:.1} MiB, after upload {:.1} MiB, after download {:.1} MiB, bound {:.1} MiB ({:.1} s)",
            mib(baseline),
            mib(after_upload),
            mib(after_download),
            mib(bound),
            started.elapsed().as_secs_f64()
        );
        assert!(
            after_download <= bound,
            "peak RSS {:.1} MiB over the bound {:.1} MiB (baseline {:.1} MiB)",
            mib(after_download),
            mib(bound),
            mib(baseline)
        );
    })
    .await
    .expect("bounded in time");
}
