//! The web app (`webapp/`) as real processes: over plain HTTP (`http.rs`, no browser or
//! authorization server needed) and in headless Chromium against the test OAuth server
//! (`browser.rs`). One test binary for both, to link once.

mod at_rest;
mod browser;
mod http;

/// The app's program (this crate's binary `webapp-under-test`: the app's own `main`).
const APP: &str = env!("CARGO_BIN_EXE_webapp-under-test");
