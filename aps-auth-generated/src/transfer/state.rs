//! What an application persists to resume a transfer: [`UploadState`] and [`DownloadState`],
//! small and serde-able. Neither holds a signed URL or a token: resuming asks OSS for fresh URLs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A part uploaded and confirmed by the storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartDone {
    /// Its length in bytes.
    pub size: u64,
    /// The `ETag` the storage answered (sent back at completion), if it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// An upload in progress: enough to resume it without sending a finished part again.
///
/// Read it from [`super::Upload::state`] (it changes after each part) and persist it; give it
/// back with [`super::Upload::resume`] and the same source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadState {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub object_key: String,
    /// OSS's upload key, once OSS has given one (until then there is nothing to resume).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_key: Option<String>,
    /// The part size the upload cuts the source into (every part but the last has it).
    pub part_size: u64,
    /// The source's length, when it is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// The parts done, by part number (1-based).
    #[serde(default)]
    pub parts: BTreeMap<u32, PartDone>,
}

impl UploadState {
    pub(crate) fn new(bucket: &str, object_key: &str, part_size: u64, total: Option<u64>) -> Self {
        UploadState {
            bucket: bucket.into(),
            object_key: object_key.into(),
            upload_key: None,
            part_size,
            total,
            parts: BTreeMap::new(),
        }
    }

    /// Bytes of the parts done.
    pub fn bytes_done(&self) -> u64 {
        self.parts.values().map(|p| p.size).sum()
    }
}

/// A download in progress: the object's size and the byte ranges already written.
///
/// Read it from [`super::Download::state`] and persist it; give it back with
/// [`super::Download::resume`] and the same destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DownloadState {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub object_key: String,
    /// The object's size, as OSS gave it when the download started.
    pub size: u64,
    /// The range size (every range but the last has it).
    pub part_size: u64,
    /// The SHA-1 OSS gave (hex), checked at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// The ranges written, by index (range `i` starts at `i * part_size`).
    #[serde(default)]
    pub done: BTreeSet<u64>,
}

impl DownloadState {
    /// Bytes written.
    pub fn bytes_done(&self) -> u64 {
        self.done
            .iter()
            .map(|&i| range_len(self.size, self.part_size, i))
            .sum()
    }

    /// The ranges written from the start on, without a gap: what a plain writer holds.
    pub(crate) fn prefix(&self) -> u64 {
        (0..).take_while(|i| self.done.contains(i)).count() as u64
    }
}

/// The length of range `index` of an object of `size` bytes cut in `part_size` ranges.
pub(crate) fn range_len(size: u64, part_size: u64, index: u64) -> u64 {
    let start = index.saturating_mul(part_size);
    size.saturating_sub(start).min(part_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_state_round_trips_through_json_and_holds_no_url() {
        let mut state = UploadState::new("b", "o", 5 << 20, Some(12 << 20));
        state.upload_key = Some("key".into());
        state.parts.insert(
            2,
            PartDone {
                size: 5 << 20,
                etag: Some("e2".into()),
            },
        );
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<UploadState>(&json).unwrap(), state);
        assert_eq!(state.bytes_done(), 5 << 20);
        assert!(!json.contains("http"), "{json}");
    }

    #[test]
    fn ranges_and_the_written_prefix() {
        let mut state = DownloadState {
            bucket: "b".into(),
            object_key: "o".into(),
            size: 25,
            part_size: 10,
            sha1: None,
            done: [0, 2].into(),
        };
        assert_eq!(range_len(25, 10, 2), 5);
        assert_eq!(range_len(25, 10, 3), 0);
        assert_eq!(state.bytes_done(), 15);
        assert_eq!(state.prefix(), 1);
        state.done.insert(1);
        assert_eq!(state.prefix(), 3);
    }
}
