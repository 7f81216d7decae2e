//! The library half of `cargo xtask`, shared by the binary and by the workspace's tests:
//!
//! - [`documents`]: the OpenAPI documents of `spec/` and where each one's module is generated;
//! - [`freshness`]: the one check that committed generated code matches what the generator
//!   produces now (and the writer that makes it so), used by `cargo xtask generate`,
//!   `cargo xtask check` and the snapshot tests.

pub mod documents;
pub mod freshness;
