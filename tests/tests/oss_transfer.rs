//! `aps_auth_generated::transfer` against the test server's OSS routes and fake S3
//! (`tests/oidc/resources.mjs`, `s3.mjs`): multi-part uploads and ranged downloads byte-identical,
//! an interrupted upload resumed without sending a finished part again (PUTs counted at the
//! server), each scripted fault recovered or answered with the typed error, no signed URL in any
//! error. The large file and the memory bound are in `oss_transfer_memory.rs`.

mod transfer_support;

use std::time::Duration;

use aps_auth_generated::RetryPolicy;
use aps_auth_generated::transfer::{
    DownloadState, MIN_PART_SIZE, PartFailure, Transfer, TransferError, UploadState,
};
use aps_auth_tests::oidc::OidcServer;
use serde_json::json;
use transfer_support::{TestFile, oss_with_bucket, same_bytes};

/// Every test ends within this.
const LIMIT: Duration = Duration::from_secs(120);

macro_rules! server {
    () => {
        match (captured_logs(), OidcServer::start()).1 {
            Some(server) => server,
            None => return,
        }
    };
}

/// Fast retries, so the faults cost little time.
fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_elapsed: Duration::from_secs(20),
    }
}

/// What the tracing of this test binary wrote.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary (debug and up, the transfers' spawned tasks included),
/// through one global subscriber.
fn captured_logs() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this test binary");
            captured
        })
        .clone()
}

/// PUTs the server counted for `part`.
fn puts(stats: &serde_json::Value, part: u32) -> u64 {
    stats["puts"][part.to_string()].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_resumes_without_sending_a_finished_part() {
    let server = server!();
    tokio::time::timeout(LIMIT, async {
        let oss = oss_with_bucket(&server, "resume-bucket").await;
        let file = TestFile::new("resume", 7 * MIN_PART_SIZE + 12_345, 7);
        let transfer = Transfer::new(oss)
            .unwrap()
            .parallelism(2)
            .retry_policy(quick_retries(3));
        // Part 5 hangs (its answer waits 60 s): the upload stops there, with earlier parts done.
        server
            .s3_faults(json!([{"op": "put", "part": 5, "kind": "slow", "ms": 60_000}]))
            .await;
        let upload = transfer.upload("resume-bucket", "resumed.bin");
        let mut state = upload.state();
        let mut progress = upload.progress();
        let run = upload.from_file(&file.path);
        interrupt_when(
            run,
            &mut state,
            |s| s.parts.len() >= 4,
            "the upload should hang on part 5",
        )
        .await;
        // The future is dropped: the application persists the state (JSON here).
        let persisted = serde_json::to_string(&*state.borrow()).unwrap();
        assert!(!persisted.contains("s3-fake"), "{persisted}");
        let done_before = progress.borrow_and_update().done;
        let resumed: UploadState = serde_json::from_str(&persisted).unwrap();
        assert!(resumed.upload_key.is_some());
        let finished: Vec<u32> = resumed.parts.keys().copied().collect();
        assert!(!finished.contains(&5), "{finished:?}");
        assert_eq!(done_before, resumed.bytes_done());

        server.s3_faults(json!([])).await;
        // A state is for its own object only.
        let err = transfer
            .upload("resume-bucket", "another.bin")
            .resume(resumed.clone())
            .from_file(&file.path)
            .await
            .unwrap_err();
        assert!(matches!(err, TransferError::Options(_)), "{err:?}");
        let upload = transfer
            .upload("resume-bucket", "resumed.bin")
            .resume(resumed);
        let progress = upload.progress();
        let details = upload.from_file(&file.path).await.unwrap();
        assert_eq!(details.size, Some(file.len as i64));
        assert_eq!(progress.borrow().done, file.len);

        let stats = server.s3_stats().await;
        for part in &finished {
            assert_eq!(
                puts(&stats, *part),
                1,
                "part {part} was sent again: {stats}"
            );
        }
        for part in 1..=8 {
            assert!(puts(&stats, part) >= 1, "part {part} never sent: {stats}");
        }

        let copy = file.sibling(".down");
        let outcome = transfer
            .download("resume-bucket", "resumed.bin")
            .to_file(&copy)
            .await
            .unwrap();
        assert!(outcome.sha1_checked);
        assert!(same_bytes(&file.path, &copy).await);
    })
    .await
    .expect("bounded in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scripted_fault_is_recovered() {
    let server = server!();
    tokio::time::timeout(LIMIT, async {
        let oss = oss_with_bucket(&server, "fault-bucket").await;
        let file = TestFile::new("faults", 6 * MIN_PART_SIZE + 999, 11);
        let transfer = Transfer::new(oss)
            .unwrap()
            .parallelism(3)
            .urls_per_request(4)
            .part_timeout(Duration::from_secs(2))
            .retry_policy(quick_retries(4));
        let part = MIN_PART_SIZE;
        server
            .s3_faults(json!([
                {"op": "put", "part": 2, "kind": "status", "status": 500, "times": 2},
                {"op": "put", "part": 3, "kind": "expire"},
                {"op": "put", "part": 4, "kind": "drop"},
                {"op": "put", "part": 6, "kind": "slow", "ms": 4000},
                {"op": "get", "start": part, "kind": "status", "status": 503, "times": 2},
                {"op": "get", "start": 2 * part, "kind": "drop"},
                {"op": "get", "start": 3 * part, "kind": "expire"},
                {"op": "get", "start": 4 * part, "kind": "slow", "ms": 4000},
            ]))
            .await;
        let details = transfer
            .upload("fault-bucket", "faults.bin")
            .from_file(&file.path)
            .await
            .unwrap();
        assert_eq!(details.size, Some(file.len as i64));
        let stats = server.s3_stats().await;
        // 500 twice, then through; refused (expired URLs) then through with a fresh URL; dropped,
        // then refused (the URL was used), then a fresh one; timed out, then likewise.
        assert_eq!(puts(&stats, 2), 3, "{stats}");
        assert_eq!(puts(&stats, 3), 2, "{stats}");
        assert!(puts(&stats, 4) >= 2, "{stats}");
        assert!(puts(&stats, 6) >= 2, "{stats}");
        assert_eq!(puts(&stats, 1), 1, "{stats}");

        // Into a file (ranges at their offsets) and into a plain writer (ranges in order).
        let copy = file.sibling(".down");
        let outcome = transfer
            .download("fault-bucket", "faults.bin")
            .to_file(&copy)
            .await
            .unwrap();
        assert!(outcome.sha1_checked && outcome.size == file.len);
        assert!(same_bytes(&file.path, &copy).await);
        let gets = server.s3_stats().await["gets"].clone();
        assert_eq!(gets[part.to_string()], 3, "{gets}");
        assert_eq!(gets["0"], 1, "{gets}");

        let copy2 = file.sibling(".down2");
        let writer = tokio::fs::File::create(&copy2).await.unwrap();
        let outcome = transfer
            .download("fault-bucket", "faults.bin")
            .to_writer(writer)
            .await
            .unwrap();
        assert!(outcome.sha1_checked);
        assert!(same_bytes(&file.path, &copy2).await);

        // One range at a time, straight into the writer: a range cut off goes on after the
        // bytes written (a GET from the middle of the range), never writing them twice.
        server
            .s3_faults(json!([
                {"op": "get", "start": part, "kind": "status", "status": 500, "times": 2},
                {"op": "get", "start": 2 * part, "kind": "drop"},
                {"op": "get", "start": 3 * part, "kind": "expire"},
            ]))
            .await;
        server.reset_counts().await;
        let writer = tokio::fs::File::create(&copy2).await.unwrap();
        let outcome = transfer
            .clone()
            .parallelism(1)
            .download("fault-bucket", "faults.bin")
            .to_writer(writer)
            .await
            .unwrap();
        assert!(outcome.sha1_checked);
        assert!(same_bytes(&file.path, &copy2).await);
        let gets = server.s3_stats().await["gets"].clone();
        let resumed_inside = gets.as_object().unwrap().keys().any(|start| {
            let start: u64 = start.parse().unwrap();
            start > 2 * part && start < 3 * part
        });
        assert!(resumed_inside, "{gets}");
        assert_eq!(gets[(3 * part).to_string()], 2, "{gets}");

        // Retries and refreshed URLs were logged, and no signed URL with them.
        let logs = String::from_utf8_lossy(&captured_logs().0.lock().unwrap()).into_owned();
        assert!(logs.contains("retrying"), "{logs}");
        assert!(logs.contains("signed URL refused"), "{logs}");
        assert!(!logs.contains("s3-fake"), "{logs}");
    })
    .await
    .expect("bounded in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_that_lasts_gives_the_typed_error_naming_the_part() {
    let server = server!();
    tokio::time::timeout(LIMIT, async {
        let oss = oss_with_bucket(&server, "broken-bucket").await;
        let file = TestFile::new("broken", 2 * MIN_PART_SIZE + 1, 13);
        let transfer = Transfer::new(oss).unwrap().retry_policy(quick_retries(2));

        server
            .s3_faults(
                json!([{"op": "put", "part": 2, "kind": "status", "status": 500, "times": 99}]),
            )
            .await;
        let upload = transfer.upload("broken-bucket", "broken.bin");
        let state = upload.state();
        let err = upload.from_file(&file.path).await.unwrap_err();
        match &err {
            TransferError::Part {
                part: 2,
                reason: PartFailure::Status { status, code },
            } => {
                assert_eq!(status.as_u16(), 500);
                assert_eq!(code.as_deref(), Some("InternalError"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "part 2 failed: HTTP 500 Internal Server Error (InternalError)"
        );
        // What was done is kept to resume from.
        assert!(state.borrow().upload_key.is_some());
        for text in [err.to_string(), format!("{err:?}"), format!("{transfer:?}")] {
            assert!(!text.contains("s3-fake"), "{text}");
        }

        server
            .s3_faults(json!([{"op": "put", "part": 1, "kind": "expire", "times": 99}]))
            .await;
        let err = transfer
            .upload("broken-bucket", "refused.bin")
            .from_file(&file.path)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                TransferError::Part {
                    part: 1,
                    reason: PartFailure::UrlRefused { refreshes: 3 }
                }
            ),
            "{err:?}"
        );

        // Options outside APS's limits are refused before anything is sent.
        let err = transfer
            .clone()
            .part_size(MIN_PART_SIZE - 1)
            .upload("broken-bucket", "small.bin")
            .from_file(&file.path)
            .await
            .unwrap_err();
        assert!(matches!(err, TransferError::Options(_)), "{err:?}");
        let err = transfer
            .clone()
            .minutes_expiration(61)
            .download("broken-bucket", "small.bin")
            .to_file(file.sibling(".down"))
            .await
            .unwrap_err();
        assert!(matches!(err, TransferError::Options(_)), "{err:?}");
    })
    .await
    .expect("bounded in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_of_unknown_length_uploads_and_downloads_into_a_writer() {
    let server = server!();
    tokio::time::timeout(LIMIT, async {
        let oss = oss_with_bucket(&server, "reader-bucket").await;
        let file = TestFile::new("reader", 2 * MIN_PART_SIZE + 3, 17);
        let transfer = Transfer::new(oss).unwrap().part_size(MIN_PART_SIZE);
        let reader = tokio::fs::File::open(&file.path).await.unwrap();
        let upload = transfer.upload("reader-bucket", "stream.bin");
        let progress = upload.progress();
        let details = upload.from_reader(reader, None).await.unwrap();
        assert_eq!(details.size, Some(file.len as i64));
        assert_eq!(progress.borrow().done, file.len);
        assert_eq!(progress.borrow().total, Some(file.len));
        let stats = server.s3_stats().await;
        assert_eq!(stats["puts"], json!({"1": 1, "2": 1, "3": 1}), "{stats}");

        let mut bytes = Vec::new();
        let outcome = transfer
            .clone()
            .part_size(1 << 20)
            .download("reader-bucket", "stream.bin")
            .to_writer(&mut bytes)
            .await
            .unwrap();
        assert!(outcome.sha1_checked);
        assert_eq!(bytes, std::fs::read(&file.path).unwrap());

        // An empty object is one empty part.
        let details = transfer
            .upload("reader-bucket", "empty.bin")
            .from_reader(&b""[..], Some(0))
            .await
            .unwrap();
        assert_eq!(details.size, Some(0));
        let mut bytes = Vec::new();
        transfer
            .download("reader-bucket", "empty.bin")
            .to_writer(&mut bytes)
            .await
            .unwrap();
        assert!(bytes.is_empty());
        // A source shorter than stated is refused, naming where it ended.
        let err = transfer
            .upload("reader-bucket", "short.bin")
            .from_reader(&b"abc"[..], Some(10))
            .await
            .unwrap_err();
        assert!(
            matches!(err, TransferError::Source { offset: 3, .. }),
            "{err:?}"
        );
    })
    .await
    .expect("bounded in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_download_resumes_from_what_is_written() {
    let server = server!();
    tokio::time::timeout(LIMIT, async {
        let oss = oss_with_bucket(&server, "resume-down").await;
        let file = TestFile::new("resume-down", 3 * MIN_PART_SIZE + 77, 19);
        let transfer = Transfer::new(oss).unwrap().parallelism(2);
        transfer
            .upload("resume-down", "obj.bin")
            .from_file(&file.path)
            .await
            .unwrap();
        let range = 1 << 20;
        let small = transfer.clone().part_size(range);
        // The range at 6 MiB hangs: the download stops there, with earlier ranges written.
        server
            .s3_faults(json!([{"op": "get", "start": 6 * range, "kind": "slow", "ms": 60_000}]))
            .await;
        let copy = file.sibling(".down");
        let download = small.download("resume-down", "obj.bin");
        let mut state = download.state();
        let run = download.to_file(&copy);
        interrupt_when(
            run,
            &mut state,
            |s| s.done.len() >= 5,
            "the download should hang at 6 MiB",
        )
        .await;
        let persisted = serde_json::to_string(&*state.borrow()).unwrap();
        let resumed: DownloadState = serde_json::from_str(&persisted).unwrap();
        assert_eq!(resumed.size, file.len);
        assert!(!resumed.done.contains(&6));
        let written: Vec<u64> = resumed.done.iter().copied().collect();

        server.s3_faults(json!([])).await;
        server.reset_counts().await;
        let err = small
            .download("resume-down", "other.bin")
            .resume(resumed.clone())
            .to_file(&copy)
            .await
            .unwrap_err();
        assert!(matches!(err, TransferError::Options(_)), "{err:?}");
        let outcome = small
            .download("resume-down", "obj.bin")
            .resume(resumed)
            .to_file(&copy)
            .await
            .unwrap();
        assert!(outcome.sha1_checked);
        assert!(same_bytes(&file.path, &copy).await);
        let gets = server.s3_stats().await["gets"].clone();
        for i in &written {
            assert!(
                gets[(i * range).to_string()].is_null(),
                "range {i} fetched again: {gets}"
            );
        }
        assert_eq!(gets["6291456"], 1, "{gets}");
    })
    .await
    .expect("bounded in time");
}

/// Runs `transfer` until the state it publishes on `state` satisfies `enough`, then drops it: an
/// interrupted transfer. Panics when the transfer ends first (`what`: why it should not have).
async fn interrupt_when<S, T>(
    transfer: T,
    state: &mut tokio::sync::watch::Receiver<S>,
    enough: impl Fn(&S) -> bool,
    what: &str,
) where
    T: std::future::Future,
    T::Output: std::fmt::Debug,
{
    let reached = async {
        loop {
            state.changed().await.unwrap();
            if enough(&state.borrow()) {
                return;
            }
        }
    };
    tokio::select! {
        outcome = transfer => panic!("{what}: {outcome:?}"),
        () = reached => {}
    }
}
