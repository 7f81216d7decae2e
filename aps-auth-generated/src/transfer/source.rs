//! The upload's source, read one part at a time: a file (finished parts are skipped by seeking)
//! or any `AsyncRead` (finished parts are read and dropped through `tokio::io::copy`'s small
//! buffer).

use std::pin::Pin;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

use super::error::TransferError;

/// A source and how far it has been read.
pub(crate) struct Source<'a> {
    reader: Reader<'a>,
    /// The stated length, checked at the end.
    pub(crate) len: Option<u64>,
    pub(crate) offset: u64,
}

enum Reader<'a> {
    File(tokio::fs::File),
    Any(Pin<Box<dyn AsyncRead + Send + 'a>>),
}

impl<'a> Source<'a> {
    pub(crate) fn file(file: tokio::fs::File, len: u64) -> Self {
        Source {
            reader: Reader::File(file),
            len: Some(len),
            offset: 0,
        }
    }

    pub(crate) fn reader(reader: impl AsyncRead + Send + 'a, len: Option<u64>) -> Self {
        Source {
            reader: Reader::Any(Box::pin(reader)),
            len,
            offset: 0,
        }
    }

    fn error(&self, reason: impl Into<String>) -> TransferError {
        TransferError::Source {
            offset: self.offset,
            reason: reason.into(),
        }
    }

    /// Reads up to `max` bytes (fewer only at the end of the source).
    pub(crate) async fn read_part(&mut self, max: u64) -> Result<Bytes, TransferError> {
        let max = match self.len {
            Some(len) => max.min(len.saturating_sub(self.offset)),
            None => max,
        };
        let cap = usize::try_from(max).map_err(|_| self.error("part too large for memory"))?;
        let mut buf = Vec::with_capacity(cap);
        while buf.len() < cap {
            let read = match &mut self.reader {
                Reader::File(f) => (f.take((cap - buf.len()) as u64)).read_buf(&mut buf).await,
                Reader::Any(r) => {
                    r.as_mut()
                        .take((cap - buf.len()) as u64)
                        .read_buf(&mut buf)
                        .await
                }
            };
            match read {
                Ok(0) => break,
                Ok(n) => self.offset += n as u64,
                Err(e) => return Err(self.error(e.to_string())),
            }
        }
        if let Some(len) = self.len
            && buf.len() < cap
        {
            return Err(self.error(format!("the source ended, {len} bytes were stated")));
        }
        Ok(Bytes::from(buf))
    }

    /// Skips `n` bytes (a finished part).
    pub(crate) async fn skip(&mut self, n: u64) -> Result<(), TransferError> {
        let target = self.offset + n;
        let skipped = match &mut self.reader {
            Reader::File(f) => f.seek(std::io::SeekFrom::Start(target)).await.map(drop),
            Reader::Any(r) => tokio::io::copy(&mut r.take(n), &mut tokio::io::sink())
                .await
                .and_then(|got| match got == n {
                    true => Ok(()),
                    false => Err(std::io::ErrorKind::UnexpectedEof.into()),
                }),
        };
        skipped.map_err(|e| self.error(format!("skipping a finished part: {e}")))?;
        self.offset = target;
        Ok(())
    }

    /// Checks that a source of stated length holds nothing more.
    pub(crate) async fn check_end(&mut self) -> Result<(), TransferError> {
        let mut one = [0u8; 1];
        let read = match &mut self.reader {
            Reader::File(f) => f.read(&mut one).await,
            Reader::Any(r) => r.read(&mut one).await,
        };
        match read {
            Ok(0) => Ok(()),
            Ok(_) => Err(self.error("the source holds more than the length stated")),
            Err(e) => Err(self.error(e.to_string())),
        }
    }
}
