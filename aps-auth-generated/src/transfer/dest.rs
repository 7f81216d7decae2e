//! Where a download's ranges go ([`Dest`]: a file, or a writer with the ranges waiting their
//! turn), the bounds of a range, and the sink each range starts with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use tokio::io::AsyncWrite;

use super::error::{PartFailure, TransferError};
use super::state::range_len;
use super::storage::Sink;

/// Where the ranges go.
pub(crate) enum Dest<'w> {
    /// A file: each range through its own handle at its offset.
    File(PathBuf),
    /// A writer: ranges written in order.
    Writer {
        writer: Pin<Box<dyn AsyncWrite + Send + 'w>>,
        pending: BTreeMap<u64, Vec<u8>>,
        /// Buffers written out, used again (their pages stay mapped).
        spare: Vec<Vec<u8>>,
        next: u64,
        sha1: Option<sha1_smol::Sha1>,
    },
}

/// Range `i`'s first byte and one past its last.
pub(crate) fn bounds(i: u64, size: u64, part_size: u64) -> (u64, u64) {
    (i * part_size, i * part_size + range_len(size, part_size, i))
}

/// Where a range starts: its own handle on the file, or a buffer (a spare one when there is).
pub(crate) async fn fresh_sink(
    file: Option<&Path>,
    spare: Option<Vec<u8>>,
    start: u64,
    end: u64,
) -> Result<Sink<'static>, TransferError> {
    Ok(match file {
        Some(path) => Sink::File(
            tokio::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .await
                .map_err(|e| write_error(start, e))?,
        ),
        None => {
            let mut buffer = spare.unwrap_or_default();
            buffer.reserve_exact((end - start) as usize);
            Sink::Buffer(buffer)
        }
    })
}

/// A URL refused for the `n`th time: an error once past the fresh URLs allowed.
pub(crate) fn refused_again(
    n: u32,
    allowed: u32,
    start: u64,
    end: u64,
) -> Result<(), TransferError> {
    if n <= allowed {
        return Ok(());
    }
    Err(TransferError::Range {
        start,
        end,
        reason: PartFailure::UrlRefused { refreshes: allowed },
    })
}

/// A buffer written out, for the next range of a writer.
pub(crate) fn spare_buffer(dest: &mut Dest<'_>) -> Option<Vec<u8>> {
    match dest {
        Dest::Writer { spare, .. } => spare.pop(),
        Dest::File(_) => None,
    }
}

pub(crate) fn write_error(offset: u64, source: std::io::Error) -> TransferError {
    TransferError::Destination { offset, source }
}
