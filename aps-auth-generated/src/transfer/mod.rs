//! Files of any size through OSS's signed S3 URLs (feature `oss`): [`Transfer`] uploads a file
//! or any `AsyncRead` in parts and downloads in byte ranges, several in flight at once, each
//! retried with the client's [`crate::RetryPolicy`] (the runtime's one retry implementation),
//! signed URLs asked for in batches and replaced when refused (`403`) or about to expire. What
//! is done is published as a small serde-able state ([`UploadState`], [`DownloadState`]) to
//! resume from, and as [`Progress`]. Memory stays near part size x parallelism: a source or
//! object is never held whole.
//!
//! ```no_run
//! use aps_auth_generated::generated::oss;
//! use aps_auth_generated::transfer::Transfer;
//!
//! # async fn run(oss: oss::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let transfer = Transfer::new(oss)?.part_size(8 * 1024 * 1024).parallelism(4);
//! let upload = transfer.upload("my-bucket", "big.bin");
//! let state = upload.state(); // persist `state.borrow().clone()` to resume after a crash
//! let details = upload.from_file("big.bin").await?;
//! println!("{} bytes stored", details.size.unwrap_or_default());
//! let outcome = transfer.download("my-bucket", "big.bin").to_file("copy.bin").await?;
//! assert!(outcome.sha1_checked || outcome.size == 0);
//! # drop(state);
//! # Ok(())
//! # }
//! ```

mod checksum;
mod dest;
mod download;
mod error;
mod limits;
mod progress;
mod signed;
mod source;
mod state;
mod storage;
mod upload;

use std::time::Duration;

pub use download::{Download, DownloadOutcome};
pub use error::{PartFailure, TransferError};
pub use limits::{
    DEFAULT_PART_SIZE, MAX_MINUTES_EXPIRATION, MAX_PART_SIZE, MAX_PARTS, MAX_URLS_PER_REQUEST,
    MIN_PART_SIZE,
};
pub use progress::Progress;
pub use signed::SignedUrl;
pub use state::{DownloadState, PartDone, UploadState};
pub use upload::Upload;

use crate::RetryPolicy;
use crate::generated::oss;
use storage::Storage;

/// The default number of parts or ranges in flight.
pub const DEFAULT_PARALLELISM: usize = 4;
/// The default life of the signed URLs asked for, in minutes.
pub const DEFAULT_MINUTES_EXPIRATION: u32 = 10;
/// The default timeout of one part's or range's attempt.
pub const DEFAULT_PART_TIMEOUT: Duration = Duration::from_secs(120);
/// The least deadline of one part's or range's retries by default: an attempt moving megabytes
/// may take long, and a deadline of a JSON call's length would forbid retrying it.
pub const MIN_RETRY_DEADLINE: Duration = Duration::from_secs(300);
/// How many fresh URLs a part or range gets after its URL is refused, by default.
pub const DEFAULT_MAX_URL_REFRESHES: u32 = 3;

/// Uploads and downloads through signed S3 URLs, with the options they share. Cheap to clone.
///
/// New options come as new methods: building one never breaks.
#[derive(Debug, Clone)]
pub struct Transfer {
    oss: oss::Client,
    http: reqwest::Client,
    retry: RetryPolicy,
    part_size: u64,
    parallelism: usize,
    minutes_expiration: u32,
    urls_per_request: u32,
    part_timeout: Duration,
    max_url_refreshes: u32,
}

impl Transfer {
    /// Transfers through `oss` (its token source signs the OSS calls; its retry policy retries
    /// parts and ranges, with a deadline of at least [`MIN_RETRY_DEADLINE`]), with the defaults: [`DEFAULT_PART_SIZE`], [`DEFAULT_PARALLELISM`],
    /// [`DEFAULT_MINUTES_EXPIRATION`], [`MAX_URLS_PER_REQUEST`], [`DEFAULT_PART_TIMEOUT`].
    ///
    /// Fails only when no HTTP client can be built for the signed URLs (no TLS backend).
    pub fn new(oss: oss::Client) -> Result<Self, TransferError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TransferError::Options(format!("HTTP client: {e}")))?;
        let policy = *oss.inner().retry_policy();
        Ok(Transfer {
            retry: RetryPolicy {
                max_elapsed: policy.max_elapsed.max(MIN_RETRY_DEADLINE),
                ..policy
            },
            oss,
            http,
            part_size: DEFAULT_PART_SIZE,
            parallelism: DEFAULT_PARALLELISM,
            minutes_expiration: DEFAULT_MINUTES_EXPIRATION,
            urls_per_request: MAX_URLS_PER_REQUEST,
            part_timeout: DEFAULT_PART_TIMEOUT,
            max_url_refreshes: DEFAULT_MAX_URL_REFRESHES,
        })
    }

    /// The part size of uploads ([`MIN_PART_SIZE`]..=[`MAX_PART_SIZE`]; raised for a source
    /// that would need more than [`MAX_PARTS`]) and the range size of downloads (at least 1).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// Parts or ranges in flight at once (at least 1).
    pub fn parallelism(mut self, parts: usize) -> Self {
        self.parallelism = parts;
        self
    }

    /// The life of the signed URLs asked for (1..=[`MAX_MINUTES_EXPIRATION`] minutes).
    pub fn minutes_expiration(mut self, minutes: u32) -> Self {
        self.minutes_expiration = minutes;
        self
    }

    /// Upload URLs asked for per request (1..=[`MAX_URLS_PER_REQUEST`]).
    pub fn urls_per_request(mut self, urls: u32) -> Self {
        self.urls_per_request = urls;
        self
    }

    /// How each part's or range's request is retried (default: the OSS client's policy, its
    /// deadline raised to [`MIN_RETRY_DEADLINE`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The timeout of one attempt of one part or range.
    pub fn part_timeout(mut self, timeout: Duration) -> Self {
        self.part_timeout = timeout;
        self
    }

    /// Fresh URLs a part or range gets after its URL is refused (`403`) before it fails.
    pub fn max_url_refreshes(mut self, refreshes: u32) -> Self {
        self.max_url_refreshes = refreshes;
        self
    }

    /// The HTTP client for the signed URLs (it must not follow redirects; it never sends a
    /// token: the URL is the credential).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// An upload to `bucket/object_key`.
    pub fn upload(&self, bucket: &str, object_key: &str) -> Upload {
        Upload::new(self.clone(), bucket, object_key)
    }

    /// A download of `bucket/object_key`.
    pub fn download(&self, bucket: &str, object_key: &str) -> Download {
        Download::new(self.clone(), bucket, object_key)
    }

    /// Refuses options outside APS's limits (the part size is checked where it is used).
    fn check(&self) -> Result<(), TransferError> {
        let bad = |why: String| Err(TransferError::Options(why));
        if self.parallelism == 0 {
            return bad("parallelism must be at least 1".into());
        }
        if !(1..=MAX_MINUTES_EXPIRATION).contains(&self.minutes_expiration) {
            return bad(format!(
                "minutes_expiration {} is outside 1..={MAX_MINUTES_EXPIRATION}",
                self.minutes_expiration
            ));
        }
        if !(1..=MAX_URLS_PER_REQUEST).contains(&self.urls_per_request) {
            return bad(format!(
                "urls_per_request {} is outside 1..={MAX_URLS_PER_REQUEST}",
                self.urls_per_request
            ));
        }
        Ok(())
    }

    fn storage(&self) -> Storage {
        Storage {
            http: self.http.clone(),
            policy: self.retry,
            timeout: self.part_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transfers' futures can be spawned (checked at compile time).
    #[allow(dead_code)]
    fn futures_are_send(t: Transfer, out: Vec<u8>) {
        fn send<T: Send>(_: T) {}
        send(t.upload("b", "o").from_reader(&b""[..], None));
        send(t.upload("b", "o").from_file("f"));
        send(t.download("b", "o").to_writer(out));
        send(t.download("b", "o").to_file("f"));
    }
}
