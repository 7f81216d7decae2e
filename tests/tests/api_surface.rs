//! The public API surface of every document in `spec/`, one insta snapshot each
//! (`snapshots/api_surface__<document file name>.snap`), computed from the model as
//! `cargo xtask generate` generates it (name maps included): the diff a reviewer reads when a spec
//! update changes the API. `cargo xtask generate` and `cargo xtask report` compare the spec being
//! edited with these committed snapshots and mark the changes that break callers.

use aps_auth_tests::workspace_root;
use xtask::freshness::Target;
use xtask::report::{DocumentReport, SURFACE_SNAPSHOTS, snapshot_name};

fn workspace() -> Target {
    Target::workspace(&workspace_root()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn api_surface_of_each_document() {
    let target = workspace();
    let outputs = target.generate().unwrap_or_else(|e| panic!("{e}"));
    for (doc, output) in target.docs.iter().zip(&outputs) {
        insta::assert_snapshot!(snapshot_name(doc), output.surface);
    }
}

/// `cargo xtask report` reads these snapshots back: with the snapshots accepted, it reports no
/// change.
#[test]
fn the_report_reads_the_committed_snapshots() {
    let target = workspace();
    let outputs = target.generate().unwrap_or_else(|e| panic!("{e}"));
    for report in target.reports(&outputs) {
        let DocumentReport {
            baseline, changes, ..
        } = &report;
        let baseline = baseline.as_deref().unwrap_or_default();
        assert!(
            baseline.starts_with(SURFACE_SNAPSHOTS),
            "no committed surface for {}",
            report.source_name
        );
        assert!(changes.is_empty(), "{report}");
    }
}
