//! The requests to the storage behind signed URLs: one part's `PUT`, one range's `GET`, each
//! retried by the runtime's one retry implementation (`with_retry`, the calls' and the OAuth
//! layer's too) with the transfer's [`RetryPolicy`]. A refused URL (`403`) is not retried here:
//! the transfer replaces it and tries again.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aps_auth_runtime::retry::{Repeat, with_retry};
use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, RANGE};
use tokio::io::{AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

use super::error::PartFailure;
use super::signed::SignedUrl;
use crate::{Error, RawBody, RetryPolicy, StatusError};

/// How much of an S3 error body is read, to find its `<Code>`.
const ERROR_BODY_CAP: usize = 4096;

/// The HTTP client for the signed URLs (it sends no token: the URL is the credential), with the
/// retry policy and the timeout of one attempt.
#[derive(Debug, Clone)]
pub(crate) struct Storage {
    pub(crate) http: reqwest::Client,
    pub(crate) policy: RetryPolicy,
    pub(crate) timeout: Duration,
}

/// Where a range's bytes go: a file handle at the range's offset, a buffer, or the transfer's
/// writer itself (one range at a time, hashed on the way when asked).
pub(crate) enum Sink<'w> {
    /// Written at the offset.
    File(tokio::fs::File),
    /// Collected.
    Buffer(Vec<u8>),
    /// Written through, in order.
    Writer {
        writer: Pin<&'w mut (dyn AsyncWrite + Send + 'w)>,
        sha1: Option<&'w mut sha1_smol::Sha1>,
    },
}

impl Sink<'_> {
    /// Ready to take bytes from `offset` on (what an earlier attempt wrote is kept).
    async fn begin(&mut self, offset: u64) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.seek(std::io::SeekFrom::Start(offset)).await.map(drop),
            Sink::Buffer(_) | Sink::Writer { .. } => Ok(()),
        }
    }

    async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(chunk).await,
            Sink::Buffer(b) => {
                b.extend_from_slice(chunk);
                Ok(())
            }
            Sink::Writer { writer, sha1 } => {
                writer.write_all(chunk).await?;
                if let Some(sha1) = sha1 {
                    sha1.update(chunk);
                }
                Ok(())
            }
        }
    }

    async fn finish(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush().await,
            Sink::Buffer(_) | Sink::Writer { .. } => Ok(()),
        }
    }
}

/// Why a range stopped.
pub(crate) enum RangeFailure {
    /// Writing at this offset failed.
    Write(u64, std::io::Error),
    /// The storage failed (after the retries).
    Storage(PartFailure),
}

/// A range's `GET`: the sink back, how far the bytes reached, and the outcome.
pub(crate) struct Fetched<'w> {
    pub(crate) sink: Sink<'w>,
    pub(crate) at: u64,
    pub(crate) outcome: Result<(), RangeFailure>,
}

impl Storage {
    /// `PUT`s one part; the `ETag` the storage answered.
    pub(crate) async fn put(
        &self,
        url: &SignedUrl,
        body: Bytes,
    ) -> Result<Option<String>, PartFailure> {
        with_retry(
            &self.policy,
            Repeat::Safe,
            "oss transfer: part upload",
            || {
                let request = self
                    .http
                    .put(url.expose_secret())
                    .timeout(self.timeout)
                    .body(body.clone());
                async move {
                    let answer = request.send().await.map_err(transport)?;
                    if !answer.status().is_success() {
                        return Err(refused(answer).await);
                    }
                    let etag = answer
                        .headers()
                        .get(ETAG)
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.trim_matches('"').to_owned());
                    answer.bytes().await.map_err(transport)?;
                    Ok(etag)
                }
            },
        )
        .await
        .map_err(failure)
    }

    /// `GET`s bytes `from..end` into `sink`; a retry asks for the bytes after those already
    /// written (`Range: bytes=<reached>-`), so nothing is written twice.
    pub(crate) async fn get<'w>(
        &self,
        url: &SignedUrl,
        from: u64,
        end: u64,
        sink: Sink<'w>,
    ) -> Fetched<'w> {
        let reached = AtomicU64::new(from);
        let sink = Mutex::new(sink);
        let outcome = with_retry(
            &self.policy,
            Repeat::Safe,
            "oss transfer: range download",
            || {
                let from = reached.load(Ordering::Relaxed);
                let request = self
                    .http
                    .get(url.expose_secret())
                    .timeout(self.timeout)
                    .header(RANGE, format!("bytes={from}-{}", end - 1));
                let (sink, reached) = (&sink, &reached);
                async move {
                    let mut answer = request.send().await.map_err(transport)?;
                    let status = answer.status();
                    if !status.is_success() {
                        return Err(refused(answer).await);
                    }
                    check_range(status, answer.headers().get(CONTENT_RANGE), from, end)?;
                    let mut sink = sink.lock().await;
                    if let Err(e) = sink.begin(from).await {
                        return Ok(Err((from, e)));
                    }
                    let mut at = from;
                    while let Some(chunk) = answer.chunk().await.map_err(transport)? {
                        if at + chunk.len() as u64 > end {
                            return Err(bad("the body is longer than the range".into()));
                        }
                        if let Err(e) = sink.write(&chunk).await {
                            return Ok(Err((at, e)));
                        }
                        at += chunk.len() as u64;
                        reached.store(at, Ordering::Relaxed);
                    }
                    if at != end {
                        return Err(bad(format!("the body ended {} bytes short", end - at)));
                    }
                    Ok(sink.finish().await.map_err(|e| (at, e)))
                }
            },
        )
        .await;
        let outcome = match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err((at, e))) => Err(RangeFailure::Write(at, e)),
            Err(e) => Err(RangeFailure::Storage(failure(e))),
        };
        Fetched {
            sink: sink.into_inner(),
            at: reached.into_inner(),
            outcome,
        }
    }
}

/// A `206` whose `Content-Range` is `start..end`, or a `200` with the whole object from 0.
fn check_range(
    status: StatusCode,
    range: Option<&reqwest::header::HeaderValue>,
    start: u64,
    end: u64,
) -> Result<(), Error<()>> {
    if status == StatusCode::OK && start == 0 {
        return Ok(());
    }
    if status != StatusCode::PARTIAL_CONTENT {
        return Err(bad(format!("HTTP {status} to a range request")));
    }
    let want = format!("bytes {start}-{}/", end - 1);
    match range.and_then(|v| v.to_str().ok()) {
        Some(got) if got.starts_with(&want) => Ok(()),
        Some(got) => Err(bad(format!("Content-Range `{got}`, asked for `{want}*`"))),
        None => Err(bad("no Content-Range".into())),
    }
}

/// An unusable answer: not retried.
fn bad(why: String) -> Error<()> {
    Error::InvalidRequest(why)
}

/// A transport error without its URL (the URL is a credential).
fn transport(e: reqwest::Error) -> Error<()> {
    Error::Transport(e.without_url())
}

/// An error answer as the retry policy reads it (status, headers for `Retry-After`), keeping
/// only S3's `<Code>` of the body.
async fn refused(mut answer: reqwest::Response) -> Error<()> {
    let status = answer.status();
    let headers = std::mem::take(answer.headers_mut());
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_CAP {
        match answer.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let code = s3_code(&body).unwrap_or_default();
    Error::Status(Box::new(StatusError::new(
        status,
        None,
        code,
        RawBody::not_kept(),
        headers,
    )))
}

/// The `<Code>` of an S3 XML error body, if it is a plain word.
fn s3_code(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    let code = &text[start..start + len];
    (code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'))
        .then(|| code.to_owned())
}

/// A request's last error as a part's failure.
pub(crate) fn failure(e: Error<()>) -> PartFailure {
    match e {
        Error::Retried { last, .. } => failure(*last),
        Error::Status(s) => PartFailure::Status {
            status: s.status,
            code: (!s.reason.is_empty()).then_some(s.reason),
        },
        Error::Transport(e) => PartFailure::Transport(e),
        Error::InvalidRequest(why) => PartFailure::BadAnswer(why),
        other => PartFailure::BadAnswer(other.to_string()),
    }
}

/// Whether a failure is the storage refusing the URL (expired, or used), which a fresh URL cures.
pub(crate) fn url_refused(f: &PartFailure) -> bool {
    matches!(f, PartFailure::Status { status, .. } if *status == StatusCode::FORBIDDEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_s3s_error_code_is_kept() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><StringToSign>secret</StringToSign></Error>";
        assert_eq!(s3_code(body).as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(s3_code(b"<Code>a b</Code>"), None);
        assert_eq!(s3_code(b"nothing"), None);
    }

    #[test]
    fn a_range_answer_must_be_the_range_asked_for() {
        use reqwest::header::HeaderValue;
        let ok = HeaderValue::from_static("bytes 10-19/100");
        assert!(check_range(StatusCode::PARTIAL_CONTENT, Some(&ok), 10, 20).is_ok());
        assert!(check_range(StatusCode::PARTIAL_CONTENT, Some(&ok), 0, 10).is_err());
        assert!(check_range(StatusCode::PARTIAL_CONTENT, None, 10, 20).is_err());
        assert!(check_range(StatusCode::OK, None, 0, 100).is_ok());
        assert!(check_range(StatusCode::OK, None, 10, 20).is_err());
    }
}
