//! [`Upload`]: a source cut into parts, each `PUT` to its signed URL with a bounded number in
//! flight, URLs asked for in batches and replaced when refused or old, the upload completed with
//! its upload key; the [`UploadState`] published after every part, to resume from.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use bytes::Bytes;
use tokio::io::AsyncRead;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Transfer;
use super::error::{PartFailure, TransferError};
use super::limits::{self, MAX_PARTS};
use super::progress::{Progress, Reporter};
use super::signed::{UrlBatch, use_until};
use super::source::Source;
use super::state::{PartDone, UploadState};
use super::storage::{Storage, url_refused};
use crate::generated::oss::types::{Completes3uploadBody, ObjectDetails};

/// One upload to `bucket/object_key`, made by [`Transfer::upload`]: read [`Upload::progress`]
/// and [`Upload::state`] before starting it with [`Upload::from_file`] or
/// [`Upload::from_reader`]. Dropping the started future stops it (parts in flight are
/// cancelled); the state then says what is done, and [`Upload::resume`] goes on from there.
#[derive(Debug)]
#[must_use = "an upload does nothing until `from_file` or `from_reader` is awaited"]
pub struct Upload {
    transfer: Transfer,
    state: watch::Sender<UploadState>,
    resumed: bool,
    /// A resumed state of another bucket or object: refused when the transfer starts.
    foreign: bool,
    content_type: Option<String>,
    progress: Reporter,
}

/// What finished parts in flight answer: the part, its bytes (to send again), the outcome.
type PartAnswer = (u32, Bytes, Result<Option<String>, PartFailure>);

impl Upload {
    pub(crate) fn new(transfer: Transfer, bucket: &str, object_key: &str) -> Self {
        let part_size = transfer.part_size;
        Upload {
            transfer,
            state: watch::Sender::new(UploadState::new(bucket, object_key, part_size, None)),
            resumed: false,
            foreign: false,
            content_type: None,
            progress: Reporter::new(),
        }
    }

    /// Resumes an interrupted upload of the same object from the same source: the parts
    /// `state` lists are not sent again (a state without an upload key starts afresh).
    pub fn resume(mut self, state: UploadState) -> Self {
        let ours = self.state.borrow();
        self.foreign = (&state.bucket, &state.object_key) != (&ours.bucket, &ours.object_key);
        drop(ours);
        self.resumed = state.upload_key.is_some();
        self.state.send_replace(state);
        self
    }

    /// The `Content-Type` OSS records for the object (default `application/octet-stream`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Bytes done of how many, updated after each part.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// The state to persist for a resume, updated when OSS gives the upload key and after each
    /// part.
    pub fn state(&self) -> watch::Receiver<UploadState> {
        self.state.subscribe()
    }

    /// Uploads a file (its length read from its metadata); finished parts are skipped by
    /// seeking.
    pub async fn from_file(self, path: impl AsRef<Path>) -> Result<ObjectDetails, TransferError> {
        let io = |e: std::io::Error| TransferError::Source {
            offset: 0,
            reason: e.to_string(),
        };
        let file = tokio::fs::File::open(path).await.map_err(io)?;
        let len = file.metadata().await.map_err(io)?.len();
        self.run(Source::file(file, len)).await
    }

    /// Uploads what `reader` gives, `len` bytes when known (checked), else up to its end.
    pub async fn from_reader(
        self,
        reader: impl AsyncRead + Send,
        len: Option<u64>,
    ) -> Result<ObjectDetails, TransferError> {
        self.run(Source::reader(reader, len)).await
    }

    async fn run(self, mut source: Source<'_>) -> Result<ObjectDetails, TransferError> {
        let t = &self.transfer;
        t.check()?;
        check_target(self.foreign)?;
        let len = source.len;
        let part_size = self.prepare(len)?;
        let total_parts = match len {
            Some(len) => Some(limits::part_count(len, part_size)?),
            None => None,
        };
        let done = self.state.borrow().bytes_done();
        self.progress.set(done, len);
        let mut run = Run {
            upload: &self,
            storage: t.storage(),
            urls: UrlBatch::default(),
            total_parts,
            refreshes: BTreeMap::new(),
        };
        if self.state.borrow().upload_key.is_none() {
            run.fetch_urls(1).await?;
        }
        let mut flight: JoinSet<PartAnswer> = JoinSet::new();
        let mut next = 1u32;
        let mut read_all = false;
        loop {
            while !read_all && flight.len() < t.parallelism {
                match run.next_part(&mut source, next, part_size).await? {
                    Next::Send { bytes, last } => {
                        read_all = last;
                        run.send(&mut flight, next, bytes).await?;
                    }
                    Next::Finished { last } => read_all = last,
                    Next::End => read_all = true,
                }
                next += 1;
            }
            let Some(joined) = flight.join_next().await else {
                break;
            };
            let (part, bytes, outcome) = joined.map_err(|e| TransferError::Part {
                part: 0,
                reason: PartFailure::BadAnswer(format!("a part's task ended: {e}")),
            })?;
            match outcome {
                Ok(etag) => run.done(part, bytes.len() as u64, etag),
                Err(reason) if url_refused(&reason) => {
                    run.retry_refused(&mut flight, part, bytes, reason).await?
                }
                Err(reason) => return Err(TransferError::Part { part, reason }),
            }
        }
        if len.is_some() {
            source.check_end().await?;
        }
        run.complete(source.offset).await
    }

    /// Checks a resumed state against this upload, or sets a fresh one up; the part size.
    fn prepare(&self, len: Option<u64>) -> Result<u64, TransferError> {
        let mut err = None;
        let t = &self.transfer;
        self.state.send_modify(|s| {
            if !self.resumed {
                s.upload_key = None;
                s.parts.clear();
                s.part_size = limits::part_size_for(len, t.part_size);
                s.total = len;
            } else if s.total.is_some() && len.is_some() && s.total != len {
                err = Some("the source's length is not the resumed upload's");
            } else if limits::check_part_size(s.part_size).is_err() {
                err = Some("the resumed state's part size is outside APS's limits");
            } else {
                s.total = s.total.or(len);
            }
        });
        if let Some(why) = err {
            return Err(TransferError::Options(why.into()));
        }
        let part_size = self.state.borrow().part_size;
        limits::check_part_size(part_size)?;
        Ok(part_size)
    }
}

/// Refuses a resumed state of another bucket or object.
pub(crate) fn check_target(foreign: bool) -> Result<(), TransferError> {
    match foreign {
        true => Err(TransferError::Options(
            "the resumed state is of another bucket or object".into(),
        )),
        false => Ok(()),
    }
}

/// What comes next from the source.
enum Next {
    /// A part to send (`last`: nothing follows it).
    Send { bytes: Bytes, last: bool },
    /// A part the resumed state lists as done, skipped.
    Finished { last: bool },
    /// The source has no more parts.
    End,
}

/// One run of an upload: the URLs in hand and the refreshes made per part.
struct Run<'u> {
    upload: &'u Upload,
    storage: Storage,
    urls: UrlBatch,
    total_parts: Option<u32>,
    refreshes: BTreeMap<u32, u32>,
}

impl Run<'_> {
    /// What part `n` is: to send, finished (skipped in the source), or past the end.
    async fn next_part(
        &mut self,
        source: &mut Source<'_>,
        n: u32,
        part_size: u64,
    ) -> Result<Next, TransferError> {
        if self.total_parts.is_some_and(|total| n > total) {
            return Ok(Next::End);
        }
        let last_known = self.total_parts == Some(n);
        let finished = self.upload.state.borrow().parts.get(&n).map(|p| p.size);
        if let Some(size) = finished {
            source.skip(size).await?;
            return Ok(Next::Finished {
                last: last_known || size < part_size,
            });
        }
        if n > MAX_PARTS {
            return match source.read_part(1).await?.is_empty() {
                true => Ok(Next::End),
                false => Err(TransferError::TooManyParts { limit: MAX_PARTS }),
            };
        }
        let bytes = source.read_part(part_size).await?;
        if bytes.is_empty() && n > 1 && self.total_parts.is_none() {
            return Ok(Next::End);
        }
        let last = last_known || (self.total_parts.is_none() && (bytes.len() as u64) < part_size);
        Ok(Next::Send { bytes, last })
    }

    /// Starts part `n`'s `PUT`, asking for URLs first when none is in hand for it.
    async fn send(
        &mut self,
        flight: &mut JoinSet<PartAnswer>,
        n: u32,
        bytes: Bytes,
    ) -> Result<(), TransferError> {
        let url = match self.urls.get(n, Instant::now()) {
            Some(url) => url,
            None => {
                self.fetch_urls(n).await?;
                self.urls
                    .get(n, Instant::now())
                    .ok_or_else(|| TransferError::BadOssAnswer {
                        step: "signed upload URLs",
                        reason: format!("no URL for part {n}"),
                    })?
            }
        };
        let storage = self.storage.clone();
        flight.spawn(async move {
            let outcome = storage.put(&url, bytes.clone()).await;
            (n, bytes, outcome)
        });
        Ok(())
    }

    /// A part's URL was refused: the batch is dropped and the part sent again with a fresh URL,
    /// a bounded number of times.
    async fn retry_refused(
        &mut self,
        flight: &mut JoinSet<PartAnswer>,
        n: u32,
        bytes: Bytes,
        reason: PartFailure,
    ) -> Result<(), TransferError> {
        let refreshes = self.refreshes.entry(n).or_insert(0);
        if *refreshes >= self.upload.transfer.max_url_refreshes {
            let refreshes = *refreshes;
            tracing::debug!(part = n, %reason, "signed URL refused again");
            return Err(TransferError::Part {
                part: n,
                reason: PartFailure::UrlRefused { refreshes },
            });
        }
        *refreshes += 1;
        tracing::debug!(part = n, "signed URL refused: asking for fresh URLs");
        self.urls.clear();
        self.send(flight, n, bytes).await
    }

    /// A part is done: into the state and the progress.
    fn done(&mut self, n: u32, size: u64, etag: Option<String>) {
        self.upload.state.send_modify(|s| {
            s.parts.insert(n, PartDone { size, etag });
        });
        self.upload.progress.add(size);
    }

    /// Asks OSS for the URLs of parts `first..` (a batch), and the upload key with the first.
    async fn fetch_urls(&mut self, first: u32) -> Result<(), TransferError> {
        const STEP: &str = "signed upload URLs";
        let t = &self.upload.transfer;
        let left = self
            .total_parts
            .map_or(u32::MAX, |total| total.saturating_sub(first) + 1);
        let count = t
            .urls_per_request
            .min(left)
            .min(MAX_PARTS.saturating_sub(first) + 1)
            .max(1);
        let (bucket, key, upload_key) = {
            let s = self.upload.state.borrow();
            (s.bucket.clone(), s.object_key.clone(), s.upload_key.clone())
        };
        let issued = Instant::now();
        let mut call = t
            .oss
            .signed_s3_upload(bucket, key)
            .parts(count)
            .first_part(first)
            .minutes_expiration(t.minutes_expiration);
        if let Some(upload_key) = &upload_key {
            call = call.upload_key(upload_key.clone());
        }
        let answer = call
            .await
            .map_err(|e| TransferError::oss(STEP, e))?
            .into_inner();
        if answer.urls.len() != count as usize {
            return Err(TransferError::BadOssAnswer {
                step: STEP,
                reason: format!("{} URL(s) for {count} part(s)", answer.urls.len()),
            });
        }
        match upload_key {
            Some(ours) if ours != answer.upload_key => {
                return Err(TransferError::BadOssAnswer {
                    step: STEP,
                    reason: "another upload key than the upload's".into(),
                });
            }
            Some(_) => {}
            None => self
                .upload
                .state
                .send_modify(|s| s.upload_key = Some(answer.upload_key)),
        }
        self.urls
            .replace(first, answer.urls, use_until(issued, t.minutes_expiration));
        Ok(())
    }

    /// Every part is done: OSS assembles the object (with its size, and the parts' `ETag`s
    /// when the storage gave them all).
    async fn complete(self, size: u64) -> Result<ObjectDetails, TransferError> {
        const STEP: &str = "completing the upload";
        let t = &self.upload.transfer;
        let (bucket, key, body) = {
            let mut s = self.upload.state.borrow().clone();
            s.total = Some(size);
            let contiguous = s.parts.keys().copied().eq(1..=s.parts.len() as u32);
            let sent: u64 = s.bytes_done();
            if !contiguous || sent != size {
                return Err(TransferError::Options(format!(
                    "the parts done ({} bytes) do not make the source ({size} bytes): is it the resumed upload's?",
                    sent
                )));
            }
            let upload_key = s.upload_key.clone().unwrap_or_default();
            let etags: Option<Vec<String>> = s.parts.values().map(|p| p.etag.clone()).collect();
            let mut body = Completes3uploadBody::new(upload_key)
                .with_size(i64::try_from(size).unwrap_or(i64::MAX));
            if let Some(etags) = etags {
                body = body.with_e_tags(etags);
            }
            (s.bucket, s.object_key, body)
        };
        self.upload.progress.total(size);
        let mut call = t
            .oss
            .complete_signed_s3_upload(bucket, key, "application/json", &body);
        if let Some(content_type) = &self.upload.content_type {
            call = call.x_ads_meta_content_type(content_type.clone());
        }
        let answer = call.await.map_err(|e| TransferError::oss(STEP, e))?;
        Ok(answer.into_inner())
    }
}
