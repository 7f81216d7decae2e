//! [`Download`]: an object fetched through its signed download URL in byte ranges, several in
//! flight, into a file (each range written at its offset) or any `AsyncWrite` (ranges put back
//! in order, at most parallelism of them buffered); size and SHA-1 checked at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Transfer;
use super::checksum::{file_sha1, sha1_hex};
use super::dest::{Dest, bounds, fresh_sink, refused_again, spare_buffer, write_error};
use super::error::{PartFailure, TransferError};
use super::progress::{Progress, Reporter};
use super::signed::{SignedUrl, use_until};
use super::state::{DownloadState, range_len};
use super::storage::{Fetched, RangeFailure, Sink, url_refused};

/// What a finished download was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutcome {
    /// The object's size, which the destination now holds.
    pub size: u64,
    /// Whether the bytes' SHA-1 was checked against the one OSS gave (it was not when OSS gave
    /// none, or a plain writer was resumed: its earlier bytes cannot be read back).
    pub sha1_checked: bool,
}

/// One download of `bucket/object_key`, made by [`Transfer::download`]. Dropping the started
/// future stops it; [`Download::state`] says which ranges are written.
#[derive(Debug)]
#[must_use = "a download does nothing until `to_file` or `to_writer` is awaited"]
pub struct Download {
    transfer: Transfer,
    state: watch::Sender<DownloadState>,
    resumed: bool,
    /// A resumed state of another bucket or object: refused when the transfer starts.
    foreign: bool,
    progress: Reporter,
}

/// The signed URL in hand and until when it is used.
struct Url {
    url: SignedUrl,
    until: Instant,
}

impl Download {
    pub(crate) fn new(transfer: Transfer, bucket: &str, object_key: &str) -> Self {
        let state = DownloadState {
            bucket: bucket.into(),
            object_key: object_key.into(),
            size: 0,
            part_size: transfer.part_size,
            sha1: None,
            done: BTreeSet::new(),
        };
        Download {
            transfer,
            state: watch::Sender::new(state),
            resumed: false,
            foreign: false,
            progress: Reporter::new(),
        }
    }

    /// Resumes into the same destination: ranges `state` lists are not fetched again (for a
    /// plain writer: the ranges from the start without a gap, after which the writer must
    /// stand). Refused when the object's size changed since.
    pub fn resume(mut self, state: DownloadState) -> Self {
        let ours = self.state.borrow();
        self.foreign = (&state.bucket, &state.object_key) != (&ours.bucket, &ours.object_key);
        drop(ours);
        self.resumed = true;
        self.state.send_replace(state);
        self
    }

    /// Bytes written of how many.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// The state to persist for a resume, updated after each range.
    pub fn state(&self) -> watch::Receiver<DownloadState> {
        self.state.subscribe()
    }

    /// Downloads into the file at `path` (created, or reused when resuming), ranges written in
    /// parallel at their offsets; the file is read back once for the SHA-1.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<DownloadOutcome, TransferError> {
        self.run(Dest::File(path.as_ref().to_owned())).await
    }

    /// Downloads into `writer`, in order; ranges are fetched in parallel and at most
    /// parallelism of them wait in memory.
    pub async fn to_writer(
        self,
        writer: impl AsyncWrite + Send,
    ) -> Result<DownloadOutcome, TransferError> {
        let next = if self.resumed {
            self.state.borrow().prefix()
        } else {
            0
        };
        self.run(Dest::Writer {
            writer: Box::pin(writer),
            pending: BTreeMap::new(),
            spare: Vec::new(),
            next,
            sha1: (next == 0).then(sha1_smol::Sha1::new),
        })
        .await
    }

    async fn run(self, mut dest: Dest<'_>) -> Result<DownloadOutcome, TransferError> {
        let t = &self.transfer;
        t.check()?;
        super::upload::check_target(self.foreign)?;
        let mut url = self.fetch_url().await?;
        if let Dest::Writer { sha1, .. } = &mut dest
            && self.state.borrow().sha1.is_none()
        {
            // Nothing to check against: no hashing.
            *sha1 = None;
        }
        let (size, part_size) = {
            let s = self.state.borrow();
            (s.size, s.part_size)
        };
        let ranges = size.div_ceil(part_size);
        self.progress
            .set(self.state.borrow().bytes_done(), Some(size));
        if let Dest::File(path) = &dest {
            let file = tokio::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(!self.resumed)
                .open(path)
                .await
                .map_err(|e| write_error(0, e))?;
            file.set_len(size).await.map_err(|e| write_error(0, e))?;
        }
        let start = match &dest {
            Dest::Writer { next, .. } => *next,
            Dest::File(_) => 0,
        };
        let file = match &dest {
            Dest::File(path) => Some(path.clone()),
            Dest::Writer { .. } => None,
        };
        let mut todo = (start..ranges)
            .filter(|i| !self.state.borrow().done.contains(i))
            .peekable();
        if t.parallelism == 1 && file.is_none() {
            self.in_order(&mut dest, url, todo, (size, part_size))
                .await?;
            return self.verify(dest, size).await;
        }
        let mut flight: JoinSet<(u64, Fetched<'static>)> = JoinSet::new();
        let mut refreshes: BTreeMap<u64, u32> = BTreeMap::new();
        loop {
            while flight.len() < t.parallelism
                && let Some(&i) = todo.peek()
            {
                if let Dest::Writer { next, .. } = &dest
                    && i >= next + t.parallelism as u64
                {
                    break;
                }
                todo.next();
                if Instant::now() >= url.until {
                    url = self.fetch_url().await?;
                }
                let (start, end) = bounds(i, size, part_size);
                let sink = fresh_sink(file.as_deref(), spare_buffer(&mut dest), start, end).await?;
                self.spawn(&mut flight, &url.url, i, (start, end), sink);
            }
            let Some(joined) = flight.join_next().await else {
                break;
            };
            let (i, fetched) = joined.map_err(|e| TransferError::Range {
                start: 0,
                end: 0,
                reason: PartFailure::BadAnswer(format!("a range's task ended: {e}")),
            })?;
            let (start, end) = bounds(i, size, part_size);
            match fetched.outcome {
                Ok(()) => self.written(&mut dest, i, fetched.sink, part_size).await?,
                Err(RangeFailure::Write(offset, e)) => return Err(write_error(offset, e)),
                Err(RangeFailure::Storage(reason)) if url_refused(&reason) => {
                    let n = refreshes.entry(i).or_insert(0);
                    *n += 1;
                    refused_again(*n, t.max_url_refreshes, start, end)?;
                    url = self.fetch_url().await?;
                    self.spawn(&mut flight, &url.url, i, (fetched.at, end), fetched.sink);
                }
                Err(RangeFailure::Storage(reason)) => {
                    return Err(TransferError::Range { start, end, reason });
                }
            }
        }
        self.verify(dest, size).await
    }

    /// One range at a time, straight into the writer (a retry goes on after the bytes written).
    async fn in_order(
        &self,
        dest: &mut Dest<'_>,
        mut url: Url,
        todo: impl Iterator<Item = u64>,
        (size, part_size): (u64, u64),
    ) -> Result<(), TransferError> {
        let Dest::Writer {
            writer, next, sha1, ..
        } = dest
        else {
            return Ok(());
        };
        let storage = self.transfer.storage();
        for i in todo {
            let (start, end) = bounds(i, size, part_size);
            let (mut from, mut refreshes) = (start, 0);
            loop {
                if Instant::now() >= url.until {
                    url = self.fetch_url().await?;
                }
                let sink = Sink::Writer {
                    writer: writer.as_mut(),
                    sha1: sha1.as_mut(),
                };
                let fetched = storage.get(&url.url, from, end, sink).await;
                from = fetched.at;
                match fetched.outcome {
                    Ok(()) => break,
                    Err(RangeFailure::Write(offset, e)) => return Err(write_error(offset, e)),
                    Err(RangeFailure::Storage(reason)) if url_refused(&reason) => {
                        refreshes += 1;
                        refused_again(refreshes, self.transfer.max_url_refreshes, start, end)?;
                        url = self.fetch_url().await?;
                    }
                    Err(RangeFailure::Storage(reason)) => {
                        return Err(TransferError::Range { start, end, reason });
                    }
                }
            }
            self.mark(i);
            *next += 1;
        }
        Ok(())
    }

    /// Starts the `GET` of bytes `from..end` of range `i`.
    fn spawn(
        &self,
        flight: &mut JoinSet<(u64, Fetched<'static>)>,
        url: &SignedUrl,
        i: u64,
        (from, end): (u64, u64),
        sink: Sink<'static>,
    ) {
        let (storage, url) = (self.transfer.storage(), url.clone());
        flight.spawn(async move { (i, storage.get(&url, from, end, sink).await) });
    }

    /// Range `i` arrived: for a writer, every range now in order is written.
    async fn written(
        &self,
        dest: &mut Dest<'_>,
        i: u64,
        sink: Sink<'static>,
        part_size: u64,
    ) -> Result<(), TransferError> {
        let Dest::Writer {
            writer,
            pending,
            spare,
            next,
            sha1,
        } = dest
        else {
            self.mark(i);
            return Ok(());
        };
        if let Sink::Buffer(bytes) = sink {
            pending.insert(i, bytes);
        }
        while let Some(bytes) = pending.remove(next) {
            writer
                .write_all(&bytes)
                .await
                .map_err(|e| write_error(*next * part_size, e))?;
            if let Some(sha1) = sha1 {
                sha1.update(&bytes);
            }
            self.mark(*next);
            *next += 1;
            let mut bytes = bytes;
            bytes.clear();
            spare.push(bytes);
        }
        Ok(())
    }

    fn mark(&self, i: u64) {
        let len = self.state.borrow().range_len(i);
        self.state.send_modify(|s| {
            s.done.insert(i);
        });
        self.progress.add(len);
    }

    /// Asks OSS for the signed download URL (one URL even while a chunked upload assembles),
    /// and sets the state up from its answer (or checks a resumed one against it).
    async fn fetch_url(&self) -> Result<Url, TransferError> {
        const STEP: &str = "signed download URL";
        let t = &self.transfer;
        let (bucket, key) = {
            let s = self.state.borrow();
            (s.bucket.clone(), s.object_key.clone())
        };
        let issued = Instant::now();
        let answer = t
            .oss
            .signed_s3_download(bucket, key)
            .minutes_expiration(t.minutes_expiration)
            .public_resource_fallback(true)
            .await
            .map_err(|e| TransferError::oss(STEP, e))?
            .into_inner();
        let bad = |reason: &str| TransferError::BadOssAnswer {
            step: STEP,
            reason: reason.into(),
        };
        let size = u64::try_from(answer.size).map_err(|_| bad("a negative size"))?;
        let url = answer
            .url
            .ok_or_else(|| bad("no single URL (status chunked)"))?;
        let sha1 = answer.sha1.as_deref().and_then(sha1_hex);
        let mut err = None;
        self.state.send_if_modified(|s| {
            if self.resumed || s.size != 0 || !s.done.is_empty() {
                if s.size != size || (s.sha1.is_some() && sha1.is_some() && s.sha1 != sha1) {
                    err = Some(bad("the object changed since the download started"));
                }
                return false;
            }
            s.size = size;
            s.sha1 = sha1.clone();
            s.part_size = t.part_size;
            true
        });
        if let Some(err) = err {
            return Err(err);
        }
        if self.state.borrow().part_size == 0 {
            return Err(TransferError::Options(
                "the range size must be at least 1".into(),
            ));
        }
        Ok(Url {
            url: SignedUrl::new(url),
            until: use_until(issued, t.minutes_expiration),
        })
    }

    /// Checks size and SHA-1 of what was written.
    async fn verify(self, dest: Dest<'_>, size: u64) -> Result<DownloadOutcome, TransferError> {
        let expected = self.state.borrow().sha1.clone();
        let got = match dest {
            Dest::File(path) => {
                let mut file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| write_error(0, e))?;
                let len = file.metadata().await.map_err(|e| write_error(0, e))?.len();
                if len != size {
                    return Err(TransferError::SizeMismatch {
                        expected: size,
                        got: len,
                    });
                }
                match expected {
                    Some(_) => Some(file_sha1(&mut file).await.map_err(|e| write_error(0, e))?),
                    None => None,
                }
            }
            Dest::Writer {
                mut writer,
                next,
                sha1,
                ..
            } => {
                writer.flush().await.map_err(|e| write_error(size, e))?;
                let written = (next * self.state.borrow().part_size).min(size);
                if written != size {
                    return Err(TransferError::SizeMismatch {
                        expected: size,
                        got: written,
                    });
                }
                sha1.map(|s| s.digest().to_string())
            }
        };
        match (expected, got) {
            (Some(expected), Some(got)) if expected != got => {
                Err(TransferError::ChecksumMismatch { expected, got })
            }
            (Some(_), Some(_)) => Ok(DownloadOutcome {
                size,
                sha1_checked: true,
            }),
            _ => Ok(DownloadOutcome {
                size,
                sha1_checked: false,
            }),
        }
    }
}

impl DownloadState {
    fn range_len(&self, i: u64) -> u64 {
        range_len(self.size, self.part_size, i)
    }
}
