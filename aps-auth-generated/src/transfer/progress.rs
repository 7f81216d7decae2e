//! [`Progress`]: bytes done of how many, published on a `tokio::sync::watch` channel.

use tokio::sync::watch;

/// How far a transfer is: read it from the `watch::Receiver` that
/// [`super::Upload::progress`] or [`super::Download::progress`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes transferred and confirmed (whole parts or ranges; a resumed transfer starts with
    /// what was done before).
    pub done: u64,
    /// The total, when known (an upload from a reader of unknown length knows it at the end).
    pub total: Option<u64>,
}

/// The sending half, kept by the transfer.
#[derive(Debug, Clone)]
pub(crate) struct Reporter(watch::Sender<Progress>);

impl Reporter {
    pub(crate) fn new() -> Self {
        Reporter(watch::Sender::new(Progress::default()))
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Progress> {
        self.0.subscribe()
    }

    pub(crate) fn set(&self, done: u64, total: Option<u64>) {
        self.0.send_replace(Progress { done, total });
    }

    pub(crate) fn add(&self, bytes: u64) {
        self.0.send_modify(|p| p.done += bytes);
    }

    pub(crate) fn total(&self, total: u64) {
        self.0.send_modify(|p| p.total = Some(total));
    }
}
