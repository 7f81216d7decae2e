//! [`TransferError`]: why an upload or a download stopped, naming the part or byte range and the
//! reason. No signed URL, token or storage error body is ever part of it (an S3 error body can
//! echo what a signed URL carried): only the status and S3's error `Code`.

use std::fmt;

use reqwest::StatusCode;

/// Why one part (upload) or byte range (download) failed, after its retries.
#[derive(Debug)]
#[non_exhaustive]
pub enum PartFailure {
    /// The storage answered an error status (`code` is S3's error `Code`, when it sent one).
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The `<Code>` of S3's XML error body, e.g. `AccessDenied`.
        code: Option<String>,
    },
    /// The request was not sent or the answer not read (connection, timeout, a body cut off).
    /// The error carries no URL.
    Transport(reqwest::Error),
    /// The signed URL was refused (`403`) again after it was replaced this many times.
    UrlRefused {
        /// Fresh URLs tried after the first was refused.
        refreshes: u32,
    },
    /// The storage answered something the transfer cannot use (a missing or wrong
    /// `Content-Range`, a body of the wrong length).
    BadAnswer(String),
}

impl fmt::Display for PartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartFailure::Status {
                status,
                code: Some(code),
            } => write!(f, "HTTP {status} ({code})"),
            PartFailure::Status { status, code: None } => write!(f, "HTTP {status}"),
            PartFailure::Transport(e) => write!(f, "transport error: {e}"),
            PartFailure::UrlRefused { refreshes } => write!(
                f,
                "the signed URL was refused (403) again after {refreshes} fresh URL(s)"
            ),
            PartFailure::BadAnswer(why) => write!(f, "unusable answer: {why}"),
        }
    }
}

/// An upload or download that did not complete. What was done stays in its state
/// ([`super::UploadState`], [`super::DownloadState`]), to resume from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The options or the resume state cannot be used (a part size outside APS's limits, a
    /// state of another object...). Nothing was sent.
    #[error("invalid transfer options: {0}")]
    Options(String),
    /// An OSS call (signed URLs, completion) failed; `step` says which.
    #[error("OSS {step} failed: {source}")]
    Oss {
        /// `"signed upload URLs"`, `"completing the upload"`, `"signed download URL"`.
        step: &'static str,
        /// The call's error (it carries no signed URL: OSS's own answers are not kept here).
        #[source]
        source: Box<crate::Error<serde_json::Value>>,
    },
    /// OSS answered something the transfer cannot use (no upload key, too few URLs, a negative
    /// size...).
    #[error("OSS {step}: {reason}")]
    BadOssAnswer {
        /// Which call.
        step: &'static str,
        /// What is wrong with its answer.
        reason: String,
    },
    /// Uploading part `part` (1-based) failed.
    #[error("part {part} failed: {reason}")]
    Part {
        /// The part number (1-based, as OSS numbers them).
        part: u32,
        /// Why.
        reason: PartFailure,
    },
    /// Downloading the byte range `start..end` failed.
    #[error("bytes {start}..{end} failed: {reason}")]
    Range {
        /// The first byte.
        start: u64,
        /// One past the last byte.
        end: u64,
        /// Why.
        reason: PartFailure,
    },
    /// Reading the source failed, or it did not hold the length it was said to.
    #[error("reading the source at byte {offset}: {reason}")]
    Source {
        /// Where in the source.
        offset: u64,
        /// Why.
        reason: String,
    },
    /// Writing the destination failed.
    #[error("writing the destination at byte {offset}: {source}")]
    Destination {
        /// Where in the destination.
        offset: u64,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The object needs more parts than S3 allows (10,000): use larger parts.
    #[error("more than {limit} parts: use a larger part size")]
    TooManyParts {
        /// The limit.
        limit: u32,
    },
    /// The downloaded size is not the object's.
    #[error("downloaded {got} bytes, the object has {expected}")]
    SizeMismatch {
        /// What OSS says the object holds.
        expected: u64,
        /// What was written.
        got: u64,
    },
    /// The downloaded bytes' SHA-1 is not the one OSS gave.
    #[error("SHA-1 of the download is {got}, OSS says {expected}")]
    ChecksumMismatch {
        /// OSS's digest (hex).
        expected: String,
        /// The download's digest (hex).
        got: String,
    },
}

impl TransferError {
    /// An OSS call's failure.
    pub(crate) fn oss(step: &'static str, source: crate::Error<serde_json::Value>) -> Self {
        TransferError::Oss {
            step,
            source: Box::new(source),
        }
    }
}
