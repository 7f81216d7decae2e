//! The API change report `cargo xtask generate` (and `cargo xtask report`) prints: what a spec
//! update adds, removes and changes in each generated module's public API, in Rust terms, each
//! line that breaks callers marked `BREAKING`.
//!
//! The previous surface is the committed one: the insta snapshot of `tests/tests/api_surface.rs`
//! (`tests/tests/snapshots/api_surface__<document file name>.snap`), the file reviewers read in a
//! PR diff. So the report compares the spec being edited with the API last reviewed and accepted,
//! however many times `generate` runs before the snapshot is accepted, and nothing stores a second
//! copy of the surface. The comparison itself is `aps_auth_codegen::surface::diff`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use aps_auth_codegen::names::NameMap;
use aps_auth_codegen::surface::{self, Change};

use crate::documents::Document;

/// Where the surface snapshots are, relative to the workspace root.
pub const SURFACE_SNAPSHOTS: &str = "tests/tests/snapshots";

/// The name `tests/tests/api_surface.rs` gives a document's surface snapshot: its file name.
pub fn snapshot_name(doc: &Document) -> String {
    doc.file_name()
}

/// The snapshot file of a document's surface in `dir` (insta's `<test file>__<name>.snap`).
pub fn snapshot_file(dir: &Path, doc: &Document) -> PathBuf {
    dir.join(format!("api_surface__{}.snap", snapshot_name(doc)))
}

/// A surface as its snapshot file holds it (insta's header, then the surface), which
/// `cargo xtask generate` writes and `tests/tests/api_surface.rs` checks.
pub fn snapshot_text(surface: &str) -> String {
    format!("---\nsource: tests/tests/api_surface.rs\nexpression: output.surface\n---\n{surface}")
}

/// The contents of an insta snapshot file, without its `---` header.
pub fn snapshot_contents(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text, |(_, body)| body)
}

/// One document's API changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReport {
    /// The document (`spec/aps-authentication-v2.yaml`).
    pub source_name: String,
    /// The committed surface it is compared with, as messages show it; `None` when there is none.
    pub baseline: Option<String>,
    /// The changes, breaking ones first.
    pub changes: Vec<Change>,
}

impl DocumentReport {
    /// Compares `surface`, the document's surface now, with the committed one in `snapshots`
    /// (shown as `shown`).
    pub fn new(doc: &Document, surface: &str, snapshots: &Path, shown: &str) -> DocumentReport {
        let file = snapshot_file(snapshots, doc);
        let previous = std::fs::read_to_string(&file).ok();
        let old = previous
            .as_deref()
            .map(snapshot_contents)
            .unwrap_or_default();
        let baseline = previous.as_ref().map(|_| {
            format!(
                "{shown}/{}",
                file.file_name().unwrap_or_default().to_string_lossy()
            )
        });
        DocumentReport {
            source_name: doc.source_name.clone(),
            baseline,
            changes: surface::diff(old, surface),
        }
    }

    /// Says, on each removed type that was merged into an identical one (generated once, see
    /// the generator's `lower/merge.rs`), which: a schema the `before` map gave the removed name
    /// now has, in the `after` map, the name of a type that `before` already had.
    pub fn note_merges(&mut self, before: &NameMap, after: &NameMap) {
        let known: BTreeSet<&str> = before.inline.values().map(String::as_str).collect();
        let mut into: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, old) in &before.inline {
            if let Some(new) = after.merged.get(key).or_else(|| after.inline.get(key))
                && new != old
                && known.contains(new.as_str())
            {
                into.entry(old.as_str()).or_insert(new.as_str());
            }
        }
        for change in &mut self.changes {
            let Some(rest) = change.what.strip_prefix("removed ") else {
                continue;
            };
            let name = rest.split_whitespace().nth(1).unwrap_or_default();
            if let Some(new) = into.get(name) {
                change.what = format!("{} (merged into `{new}`: the same shape)", change.what);
            }
        }
    }

    /// Whether any change breaks callers.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }
}

impl fmt::Display for DocumentReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let against = match &self.baseline {
            Some(file) => format!("the committed surface, {file}"),
            None => "no committed surface: everything is new".to_owned(),
        };
        writeln!(f, "public API of {} (against {against}):", self.source_name)?;
        for change in &self.changes {
            writeln!(f, "  {change}")?;
        }
        write!(f, "  {}", surface::summary(&self.changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(file: &str) -> Document {
        Document {
            path: PathBuf::from("spec").join(file),
            source_name: format!("spec/{file}"),
            module: None,
            names: None,
        }
    }

    #[test]
    fn insta_headers_are_skipped() {
        let snap = "---\nsource: tests/tests/api_surface.rs\nexpression: surface\n---\nfn a() -> (), errors E\n";
        assert_eq!(snapshot_contents(snap), "fn a() -> (), errors E\n");
        assert_eq!(snapshot_contents("fn a() -> ()\n"), "fn a() -> ()\n");
    }

    #[test]
    fn the_report_compares_with_the_committed_snapshot() {
        let dir = std::env::temp_dir().join(format!("xtask-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = doc("api.yaml");
        assert_eq!(
            snapshot_file(&dir, &d),
            dir.join("api_surface__api.yaml.snap")
        );
        let new = "fn b() -> (), errors E\nenum K\n  variant A = \"a\"\n  variant B = \"b\"\n";

        let report = DocumentReport::new(&d, new, &dir, "snaps");
        assert_eq!(report.baseline, None);
        assert!(!report.is_breaking());
        assert_eq!(
            report.to_string(),
            "public API of spec/api.yaml (against no committed surface: everything is new):\n            added fn b() -> (), errors E\n            added enum K\n  2 changes: 0 breaking, 2 non-breaking"
        );

        std::fs::write(
            snapshot_file(&dir, &d),
            "---\nsource: x\n---\nfn a() -> (), errors E\nenum K\n  variant A = \"a\"\n",
        )
        .unwrap();
        let report = DocumentReport::new(&d, new, &dir, "snaps");
        assert_eq!(
            report.baseline.as_deref(),
            Some("snaps/api_surface__api.yaml.snap")
        );
        assert!(report.is_breaking());
        assert_eq!(
            report.to_string(),
            "public API of spec/api.yaml (against the committed surface, snaps/api_surface__api.yaml.snap):\n  BREAKING  removed fn a() -> (), errors E\n            added fn b() -> (), errors E\n            enum K: added variant B = \"b\"\n  3 changes: 1 breaking, 2 non-breaking"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_removed_type_merged_into_an_identical_one_says_so() {
        let map = |entries: &[(&str, &str)]| NameMap {
            inline: entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..NameMap::default()
        };
        let before = map(&[("#/a", "ASender"), ("#/b", "BSender"), ("#/c", "CKind")]);
        // `#/c` was renamed by hand to a name no type had: not a merge.
        let after = map(&[("#/a", "ASender"), ("#/b", "ASender"), ("#/c", "Kind")]);
        let mut report = DocumentReport {
            source_name: "spec/api.yaml".into(),
            baseline: None,
            changes: surface::diff(
                "struct ASender\nstruct BSender\nenum CKind\n",
                "struct ASender\nenum Kind\n",
            ),
        };
        report.note_merges(&before, &after);
        let lines: Vec<String> = report.changes.iter().map(|c| c.what.clone()).collect();
        assert!(
            lines
                .contains(&"removed struct BSender (merged into `ASender`: the same shape)".into()),
            "{lines:?}"
        );
        assert!(lines.contains(&"removed enum CKind".into()), "{lines:?}");
    }
}
