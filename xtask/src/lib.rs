//! The library half of `cargo xtask`, shared by the binary and by the workspace's tests:
//!
//! - [`documents`]: the OpenAPI documents of `spec/` and where each one's module is generated;
//! - [`freshness`]: the one check that committed generated code and name maps match what the
//!   generator produces now (and the writer that makes it so), used by `cargo xtask generate`,
//!   `cargo xtask check` and the snapshot tests;
//! - [`layer`]: what the hand-written OAuth layer needs from the primary document, checked before
//!   `generate` writes anything;
//! - [`report`]: the API change report, each document's public API surface against the
//!   committed one (`tests/tests/snapshots/api_surface__*.snap`).

pub mod documents;
pub mod freshness;
pub mod layer;
pub mod report;
