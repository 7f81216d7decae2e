//! Shared helpers for the workspace's snapshot and integration tests (in `tests/`).

pub mod flaky;
pub mod oidc;
pub mod redis;
pub mod webapp;
pub mod webdriver;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The text of a file under the workspace root.
pub fn read(relative: &str) -> String {
    let path = workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
