//! APS's limits on signed S3 uploads, and how a source is cut into parts within them.
//!
//! From Autodesk's OSS document (`spec/oss.yaml`): `minutesExpiration` is 1-60 (default 2); a
//! chunk smaller than 5 MB is refused (`TooSmall`) unless it is the last. From S3, which the URLs
//! lead to: at most 10,000 parts, each at most 5 GiB. OSS signs up to 25 URLs per request.

use super::error::TransferError;

/// The smallest part (every part but the last): 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest part: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The default part size: 5 MiB, as Autodesk's own SDKs use.
pub const DEFAULT_PART_SIZE: u64 = MIN_PART_SIZE;
/// The most parts of one upload.
pub const MAX_PARTS: u32 = 10_000;
/// The most URLs asked for in one request.
pub const MAX_URLS_PER_REQUEST: u32 = 25;
/// The longest life of a signed URL, in minutes (`minutesExpiration`).
pub const MAX_MINUTES_EXPIRATION: u32 = 60;

/// Checks a part size against [`MIN_PART_SIZE`] and [`MAX_PART_SIZE`].
pub(crate) fn check_part_size(part_size: u64) -> Result<(), TransferError> {
    if (MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
        return Ok(());
    }
    Err(TransferError::Options(format!(
        "part size {part_size} is outside {MIN_PART_SIZE}..={MAX_PART_SIZE} bytes"
    )))
}

/// The part size for a source of `len` bytes: `wanted`, or larger (in whole MiB) when `wanted`
/// would need more than [`MAX_PARTS`] parts.
pub(crate) fn part_size_for(len: Option<u64>, wanted: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    match len {
        Some(len) if len.div_ceil(wanted.max(1)) > u64::from(MAX_PARTS) => {
            len.div_ceil(u64::from(MAX_PARTS)).div_ceil(MIB) * MIB
        }
        _ => wanted,
    }
}

/// How many parts `len` bytes make (at least one: an empty object is one empty part).
pub(crate) fn part_count(len: u64, part_size: u64) -> Result<u32, TransferError> {
    let count = len.div_ceil(part_size.max(1)).max(1);
    u32::try_from(count)
        .ok()
        .filter(|&c| c <= MAX_PARTS)
        .ok_or(TransferError::TooManyParts { limit: MAX_PARTS })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_stay_within_apss_limits() {
        assert!(check_part_size(MIN_PART_SIZE).is_ok());
        assert!(check_part_size(MIN_PART_SIZE - 1).is_err());
        assert!(check_part_size(MAX_PART_SIZE + 1).is_err());
        assert_eq!(part_count(0, MIN_PART_SIZE).unwrap(), 1);
        assert_eq!(part_count(MIN_PART_SIZE + 1, MIN_PART_SIZE).unwrap(), 2);
        assert!(part_count(u64::from(MAX_PARTS) * MIN_PART_SIZE + 1, MIN_PART_SIZE).is_err());
        // 100 GiB at 5 MiB would be 20,480 parts: the size grows to fit 10,000.
        let len = 100 * 1024 * 1024 * 1024;
        let size = part_size_for(Some(len), MIN_PART_SIZE);
        assert!(size > MIN_PART_SIZE && size.is_multiple_of(1024 * 1024));
        assert!(part_count(len, size).unwrap() <= MAX_PARTS);
        assert_eq!(part_size_for(None, MIN_PART_SIZE), MIN_PART_SIZE);
        assert_eq!(part_size_for(Some(len / 100), MIN_PART_SIZE), MIN_PART_SIZE);
    }
}
