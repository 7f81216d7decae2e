//! Is the committed generated code what the generator produces now? One mechanism for
//! `cargo xtask generate` (write), `cargo xtask check` and the snapshot tests (check), after
//! rust-analyzer's `ensure_file_contents`.
//!
//! [`ensure_file_contents`] handles one file; [`ensure_dir_contents`] a whole generated directory,
//! including `.rs` files the generator no longer produces; [`Target`] ties the documents of a
//! `spec/` directory to the directory their code is generated into, and keeps each document's
//! name map (`spec/names/<document>.json`) the same way. In [`Mode::Write`] only files whose
//! bytes differ are written (so cargo rebuilds nothing when nothing changed); in [`Mode::Check`]
//! nothing is written and each stale file gets a short diff. Nothing is printed: results come
//! back as a [`Report`] (and, for the API changes, [`DocumentReport`]s).

use std::path::{Path, PathBuf};

use aps_auth_codegen::GeneratedFile;

use crate::documents::{self, Document, DocumentOutput, NAMES_DIR};
use crate::report::{DocumentReport, SURFACE_SNAPSHOTS};

/// The documents the `aps-auth-generated` crate is generated from, relative to the workspace root.
pub const SPEC_DIR: &str = "spec";
/// Where its generated module lives, relative to the workspace root.
pub const OUT_DIR: &str = "aps-auth-generated/src/generated";

/// The workspace root (the parent of the `xtask` crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Whether stale files are rewritten or only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write files whose contents changed; remove `.rs` files no longer generated.
    Write,
    /// Write nothing; report what is stale.
    Check,
}

/// What [`ensure_file_contents`] found (and did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// The file already held exactly these bytes; nothing was written.
    UpToDate,
    /// [`Mode::Write`]: the file was missing or different and has been written.
    Updated,
    /// [`Mode::Check`]: the file is missing or different; a short diff for a readable failure.
    Stale(String),
}

/// What [`ensure_dir_contents`] found (and did). Paths are as messages show them
/// (`aps-auth-generated/src/generated/types.rs`), in a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// [`Mode::Write`]: files written because they were missing or different.
    pub updated: Vec<String>,
    /// [`Mode::Write`]: `.rs` files removed because the generator no longer produces them.
    pub removed: Vec<String>,
    /// [`Mode::Check`]: one entry per stale file: a short diff, `<path>: missing` or
    /// `<path>: no longer generated`.
    pub stale: Vec<String>,
}

impl Report {
    /// Nothing was (or would need to be) written or removed.
    pub fn is_up_to_date(&self) -> bool {
        self.updated.is_empty() && self.removed.is_empty() && self.stale.is_empty()
    }

    /// [`Mode::Check`]'s failure message, with every stale file's diff; `None` when nothing is
    /// stale.
    pub fn stale_error(&self) -> Option<String> {
        (!self.stale.is_empty()).then(|| {
            format!(
                "generated code is stale; run `cargo xtask generate` and commit the result\n\n{}",
                self.stale.join("\n")
            )
        })
    }
}

/// Makes (or checks that) the file at `path` holds exactly `contents`. `shown` names it in the
/// diff. In [`Mode::Write`] missing parent directories are created and the file is written only
/// when its bytes differ.
pub fn ensure_file_contents(
    path: &Path,
    shown: &str,
    contents: &str,
    mode: Mode,
) -> Result<FileStatus, String> {
    let current = std::fs::read(path).ok();
    if current.as_deref() == Some(contents.as_bytes()) {
        return Ok(FileStatus::UpToDate);
    }
    match mode {
        Mode::Write => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(path, contents)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(FileStatus::Updated)
        }
        Mode::Check => {
            let current = current.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            Ok(FileStatus::Stale(short_diff(
                shown,
                current.as_deref(),
                contents,
            )))
        }
    }
}

/// Makes (or checks that) `dir` holds exactly `files` as its `.rs` files: each file through
/// [`ensure_file_contents`], then every other `.rs` file under `dir` removed (with directories it
/// leaves empty) or, in [`Mode::Check`], reported as no longer generated. Other files are left
/// alone. `shown` names `dir` in the report.
pub fn ensure_dir_contents(
    dir: &Path,
    shown: &str,
    files: &[GeneratedFile],
    mode: Mode,
) -> Result<Report, String> {
    let mut report = Report::default();
    for file in files {
        let name = format!("{shown}/{}", file.path);
        match ensure_file_contents(&dir.join(&file.path), &name, &file.contents, mode)? {
            FileStatus::UpToDate => {}
            FileStatus::Updated => report.updated.push(name),
            FileStatus::Stale(diff) => report.stale.push(diff),
        }
    }
    // Files the generator no longer produces (a document removed from spec/, say).
    for relative in rust_files(dir) {
        if files.iter().any(|f| f.path == relative) {
            continue;
        }
        let name = format!("{shown}/{relative}");
        match mode {
            Mode::Write => {
                let path = dir.join(&relative);
                std::fs::remove_file(&path).map_err(|e| format!("cannot remove {name}: {e}"))?;
                remove_empty_parents(&path, dir);
                report.removed.push(name);
            }
            Mode::Check => report.stale.push(format!("{name}: no longer generated")),
        }
    }
    Ok(report)
}

/// Removes the directories between `path` and `root` (exclusive) that are left empty.
fn remove_empty_parents(path: &Path, root: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
        if std::fs::remove_dir(d).is_err() {
            break; // not empty
        }
        dir = d.parent();
    }
}

/// A set of documents and the directory their code is generated into.
pub struct Target {
    /// The documents, primary first (see [`documents::discover`]).
    pub docs: Vec<Document>,
    /// How messages name `out_dir`.
    pub out_name: String,
    /// The generated directory.
    pub out_dir: PathBuf,
    /// Where the committed API surfaces are (the surface snapshots, see [`crate::report`]).
    pub surfaces: PathBuf,
    /// Whether [`Target::apply`] writes (or checks) each document's surface there too: the
    /// workspace's own documents, not other ones generated elsewhere.
    pub keep_surfaces: bool,
}

impl Target {
    /// The workspace's own: every document of `<root>/spec/` into
    /// `<root>/aps-auth-generated/src/generated/`.
    pub fn workspace(root: &Path) -> Result<Target, String> {
        Ok(Target {
            docs: documents::discover(&root.join(SPEC_DIR), SPEC_DIR)?,
            out_name: OUT_DIR.to_owned(),
            out_dir: root.join(OUT_DIR),
            surfaces: root.join(SURFACE_SNAPSHOTS),
            keep_surfaces: true,
        })
    }

    /// The documents' names, for messages (`spec/a.yaml, spec/b.yaml`).
    pub fn spec_name(&self) -> String {
        self.docs
            .iter()
            .map(|d| d.source_name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The files the generator produces for the documents, as `cargo xtask generate` writes them
    /// (paths relative to `out_dir`, submodules' files under their directory).
    pub fn expected_files(&self) -> Result<Vec<GeneratedFile>, String> {
        documents::generate_all(&self.docs)
    }

    /// Generates the documents (with their name maps): one output per document.
    pub fn generate(&self) -> Result<Vec<DocumentOutput>, String> {
        documents::generate_documents(&self.docs)
    }

    /// Generates the documents and compares the result with `out_dir` and the name maps (see
    /// [`Target::apply`]).
    pub fn ensure(&self, mode: Mode) -> Result<Report, String> {
        self.apply(&self.generate()?, mode)
    }

    /// Compares (or makes) `out_dir` and every document's name map with what `outputs`, from
    /// [`Target::generate`], holds (see [`ensure_dir_contents`]). The map of a document no longer
    /// in the directory is removed, as its generated code is.
    pub fn apply(&self, outputs: &[DocumentOutput], mode: Mode) -> Result<Report, String> {
        let files: Vec<GeneratedFile> = outputs.iter().flat_map(|o| o.files.clone()).collect();
        let mut report = ensure_dir_contents(&self.out_dir, &self.out_name, &files, mode)?;
        let mut dirs: Vec<(PathBuf, String)> = Vec::new();
        let mut kept: Vec<PathBuf> = Vec::new();
        for (doc, output) in self.docs.iter().zip(outputs) {
            let Some(path) = &doc.names else { continue };
            let shown = names_shown(doc);
            match ensure_file_contents(path, &shown, &output.names.to_json(), mode)? {
                FileStatus::UpToDate => {}
                FileStatus::Updated => report.updated.push(shown.clone()),
                FileStatus::Stale(diff) => report.stale.push(diff),
            }
            kept.push(path.clone());
            if !self.keep_surfaces {
                continue;
            }
            // The API surface, as the snapshot test keeps it: the file a reviewer reads.
            let surface = crate::report::snapshot_file(&self.surfaces, doc);
            let surface_shown = format!(
                "{SURFACE_SNAPSHOTS}/{}",
                surface.file_name().unwrap_or_default().to_string_lossy()
            );
            let contents = crate::report::snapshot_text(&output.surface);
            match ensure_file_contents(&surface, &surface_shown, &contents, mode)? {
                FileStatus::UpToDate => {}
                FileStatus::Updated => report.updated.push(surface_shown),
                FileStatus::Stale(diff) => report.stale.push(diff),
            }
            if let Some(dir) = path.parent()
                && !dirs.iter().any(|(d, _)| d == dir)
            {
                let dir_shown = shown.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
                dirs.push((dir.to_path_buf(), dir_shown));
            }
        }
        for (dir, dir_shown) in dirs {
            for name in name_maps(&dir) {
                let path = dir.join(&name);
                if kept.contains(&path) {
                    continue;
                }
                let shown = format!("{dir_shown}/{name}");
                match mode {
                    Mode::Write => {
                        std::fs::remove_file(&path)
                            .map_err(|e| format!("cannot remove {shown}: {e}"))?;
                        report.removed.push(shown);
                    }
                    Mode::Check => report.stale.push(format!("{shown}: no document left")),
                }
            }
        }
        Ok(report)
    }

    /// The API change report of each document: its surface in `outputs` against the committed
    /// one (see [`crate::report`]).
    pub fn reports(&self, outputs: &[DocumentOutput]) -> Vec<DocumentReport> {
        self.docs
            .iter()
            .zip(outputs)
            .map(|(doc, output)| {
                let mut report =
                    DocumentReport::new(doc, &output.surface, &self.surfaces, SURFACE_SNAPSHOTS);
                if let Some(before) = &output.previous_names {
                    report.note_merges(before, &output.names);
                }
                report
            })
            .collect()
    }
}

/// How messages name a document's map (`spec/names/aps-authentication-v2.yaml.json`).
fn names_shown(doc: &Document) -> String {
    let dir = doc
        .source_name
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| format!("{dir}/"));
    format!("{dir}{NAMES_DIR}/{}.json", doc.file_name())
}

/// The name maps in `dir` (files named after a document: `<name>.yaml.json`, `.yml.json`,
/// `.json.json`), in name order.
fn name_maps(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            [".yaml.json", ".yml.json", ".json.json"]
                .iter()
                .any(|s| n.ends_with(s))
        })
        .collect();
    names.sort();
    names
}

/// The `.rs` files under `dir`, as `/`-separated paths relative to it, in name order (a missing
/// directory has none).
pub fn rust_files(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                walk(&entry.path(), &format!("{name}/"), out);
            } else if name.ends_with(".rs") {
                out.push(name);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out
}

/// The first differing lines of a file (up to five on each side), for a readable failure.
pub fn short_diff(name: &str, old: Option<&str>, new: &str) -> String {
    let Some(old) = old else {
        return format!("{name}: missing");
    };
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
        (old.lines().collect(), new.lines().collect());
    let first = old_lines
        .iter()
        .zip(&new_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(old_lines.len().min(new_lines.len()));
    let mut out = format!(
        "--- {name} (committed)\n+++ {name} (generated)\n@@ line {} @@\n",
        first + 1
    );
    for line in old_lines.iter().skip(first).take(5) {
        out.push_str(&format!("-{line}\n"));
    }
    for line in new_lines.iter().skip(first).take(5) {
        out.push_str(&format!("+{line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory under the system's temporary directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(test: &str) -> Scratch {
            let dir =
                std::env::temp_dir().join(format!("xtask-freshness-{}-{test}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn write(&self, relative: &str, contents: &str) {
            let path = self.0.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }

        fn read(&self, relative: &str) -> Option<String> {
            std::fs::read_to_string(self.0.join(relative)).ok()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.to_owned(),
            contents: contents.to_owned(),
        }
    }

    #[test]
    fn short_diff_shows_the_first_differing_lines() {
        assert_eq!(short_diff("g/a.rs", None, "x\n"), "g/a.rs: missing");
        let diff = short_diff("g/a.rs", Some("same\nold\n"), "same\nnew\nmore\n");
        assert_eq!(
            diff,
            "--- g/a.rs (committed)\n+++ g/a.rs (generated)\n@@ line 2 @@\n-old\n+new\n+more\n"
        );
        // One file a prefix of the other: the diff starts where the shorter one ends.
        let diff = short_diff("a.rs", Some("a\n"), "a\nb\n");
        assert!(diff.contains("@@ line 2 @@\n+b\n"), "{diff}");
    }

    #[test]
    fn short_diff_stops_after_five_lines() {
        let old = "0\n1\n2\n3\n4\n5\n6\n";
        let new = "x\ny\nz\nw\nv\nu\nt\n";
        let diff = short_diff("a.rs", Some(old), new);
        assert_eq!(diff.lines().filter(|l| l.starts_with('-')).count(), 6); // with "---"
        assert!(diff.contains("-4\n") && !diff.contains("-5\n"), "{diff}");
        assert!(diff.contains("+v\n") && !diff.contains("+u\n"), "{diff}");
    }

    #[test]
    fn rust_files_are_relative_sorted_and_recursive() {
        let dir = Scratch::new("rust-files");
        dir.write("types.rs", "");
        dir.write("mod.rs", "");
        dir.write("notes.txt", "");
        dir.write("other_api/types.rs", "");
        dir.write("a/b/deep.rs", "");
        assert_eq!(
            rust_files(&dir.0),
            ["a/b/deep.rs", "mod.rs", "other_api/types.rs", "types.rs"]
        );
        assert!(rust_files(&dir.0.join("missing")).is_empty());
    }

    #[test]
    fn ensure_file_contents_checks_then_writes_only_when_changed() {
        let dir = Scratch::new("file");
        let path = dir.0.join("sub/a.rs");
        assert_eq!(
            ensure_file_contents(&path, "out/sub/a.rs", "new\n", Mode::Check),
            Ok(FileStatus::Stale("out/sub/a.rs: missing".into()))
        );
        assert_eq!(dir.read("sub/a.rs"), None, "check mode writes nothing");

        assert_eq!(
            ensure_file_contents(&path, "out/sub/a.rs", "new\n", Mode::Write),
            Ok(FileStatus::Updated)
        );
        assert_eq!(dir.read("sub/a.rs").as_deref(), Some("new\n"));
        assert_eq!(
            ensure_file_contents(&path, "out/sub/a.rs", "new\n", Mode::Write),
            Ok(FileStatus::UpToDate)
        );
        assert_eq!(
            ensure_file_contents(&path, "out/sub/a.rs", "new\n", Mode::Check),
            Ok(FileStatus::UpToDate)
        );

        let Ok(FileStatus::Stale(diff)) =
            ensure_file_contents(&path, "out/sub/a.rs", "newer\n", Mode::Check)
        else {
            panic!("a changed file is stale");
        };
        assert!(diff.contains("-new\n+newer\n"), "{diff}");
        assert_eq!(dir.read("sub/a.rs").as_deref(), Some("new\n"));
    }

    #[test]
    fn ensure_dir_contents_reports_in_check_mode_and_fixes_in_write_mode() {
        let dir = Scratch::new("dir");
        dir.write("mod.rs", "mod\n");
        dir.write("types.rs", "old types\n");
        dir.write("gone_api/types.rs", "gone\n");
        dir.write("README.md", "kept\n");
        let files = [
            file("mod.rs", "mod\n"),
            file("types.rs", "types\n"),
            file("new_api/types.rs", "new api\n"),
        ];

        let report = ensure_dir_contents(&dir.0, "out", &files, Mode::Check).unwrap();
        assert!(report.updated.is_empty() && report.removed.is_empty());
        assert_eq!(report.stale.len(), 3, "{report:?}");
        assert!(report.stale[0].starts_with("--- out/types.rs (committed)"));
        assert_eq!(report.stale[1], "out/new_api/types.rs: missing");
        assert_eq!(
            report.stale[2],
            "out/gone_api/types.rs: no longer generated"
        );
        let error = report.stale_error().unwrap();
        assert!(error.starts_with("generated code is stale; run `cargo xtask generate`"));
        assert!(error.contains("-old types\n+types\n"), "{error}");
        assert_eq!(dir.read("types.rs").as_deref(), Some("old types\n"));
        assert!(dir.0.join("gone_api/types.rs").exists());

        let report = ensure_dir_contents(&dir.0, "out", &files, Mode::Write).unwrap();
        assert_eq!(report.updated, ["out/types.rs", "out/new_api/types.rs"]);
        assert_eq!(report.removed, ["out/gone_api/types.rs"]);
        assert!(report.stale.is_empty() && report.stale_error().is_none());
        assert_eq!(dir.read("types.rs").as_deref(), Some("types\n"));
        assert_eq!(dir.read("new_api/types.rs").as_deref(), Some("new api\n"));
        assert!(
            !dir.0.join("gone_api").exists(),
            "emptied directory removed"
        );
        assert_eq!(dir.read("README.md").as_deref(), Some("kept\n"));

        for mode in [Mode::Write, Mode::Check] {
            let report = ensure_dir_contents(&dir.0, "out", &files, mode).unwrap();
            assert!(report.is_up_to_date(), "{mode:?}: {report:?}");
        }
    }

    #[test]
    fn removal_keeps_directories_that_still_hold_files() {
        let dir = Scratch::new("keep-dirs");
        dir.write("api/a/old.rs", "");
        dir.write("api/notes.txt", "");
        let report = ensure_dir_contents(&dir.0, "out", &[], Mode::Write).unwrap();
        assert_eq!(report.removed, ["out/api/a/old.rs"]);
        assert!(!dir.0.join("api/a").exists());
        assert_eq!(dir.read("api/notes.txt").as_deref(), Some(""));
        assert!(dir.0.exists(), "the generated directory itself stays");
    }

    #[test]
    fn name_maps_are_kept_beside_the_documents() {
        let dir = Scratch::new("names");
        dir.write(
            "spec/api.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {operationId: getA, responses: {'200': {description: ok}}}}\n",
        );
        dir.write("spec/names/gone.yaml.json", "{}\n");
        dir.write("spec/names/notes.txt", "kept\n");
        let target = Target {
            docs: documents::discover(&dir.0.join("spec"), "spec").unwrap(),
            out_name: "gen".into(),
            out_dir: dir.0.join("gen"),
            surfaces: dir.0.join("snapshots"),
            keep_surfaces: true,
        };
        let outputs = target.generate().unwrap();
        let report = target.apply(&outputs, Mode::Check).unwrap();
        assert!(
            report
                .stale
                .contains(&"spec/names/api.yaml.json: missing".to_owned()),
            "{report:?}"
        );
        assert!(
            report
                .stale
                .contains(&"spec/names/gone.yaml.json: no document left".to_owned())
        );

        let report = target.apply(&outputs, Mode::Write).unwrap();
        assert!(
            report
                .updated
                .contains(&"spec/names/api.yaml.json".to_owned())
        );
        assert_eq!(report.removed, ["spec/names/gone.yaml.json"]);
        let map = dir.read("spec/names/api.yaml.json").unwrap();
        assert!(map.contains("\"GET /a\": \"get_a\""), "{map}");
        assert_eq!(dir.read("spec/names/notes.txt").as_deref(), Some("kept\n"));
        assert!(target.ensure(Mode::Check).unwrap().is_up_to_date());

        // The surface is written beside the code, as the snapshot a reviewer reads.
        let surface = dir.read("snapshots/api_surface__api.yaml.snap").unwrap();
        assert!(surface.contains("fn get_a()"), "{surface}");
        let reports = target.reports(&target.generate().unwrap());
        assert!(reports[0].baseline.is_some());
        assert!(reports[0].changes.is_empty(), "{:?}", reports[0].changes);

        // The map pins the method name: the operationId can go. Only the map's record of the
        // document's text is stale then, and the operation's id in its `endpoints` constant
        // (the document's, which names its span), and the document counts as changed.
        dir.write(
            "spec/api.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n",
        );
        let outputs = target.generate().unwrap();
        assert!(outputs[0].changed);
        let stale = target.apply(&outputs, Mode::Check).unwrap().stale;
        assert_eq!(stale.len(), 2, "{stale:?}");
        assert!(
            stale[0].contains("-        operation_id: \"getA\"")
                && !stale[0].contains("name: \"get_a\""),
            "{stale:?}"
        );
        assert!(stale[1].contains("\"source\""), "{stale:?}");
        target.apply(&outputs, Mode::Write).unwrap();
        assert!(!target.generate().unwrap()[0].changed);
    }

    #[test]
    fn a_missing_directory_is_created_in_write_mode() {
        let dir = Scratch::new("create");
        let out = dir.0.join("generated");
        let files = [file("mod.rs", "m\n"), file("x_api/mod.rs", "x\n")];
        let report = ensure_dir_contents(&out, "gen", &files, Mode::Check).unwrap();
        assert_eq!(
            report.stale,
            ["gen/mod.rs: missing", "gen/x_api/mod.rs: missing"]
        );
        assert!(!out.exists());
        let report = ensure_dir_contents(&out, "gen", &files, Mode::Write).unwrap();
        assert_eq!(report.updated, ["gen/mod.rs", "gen/x_api/mod.rs"]);
        assert_eq!(rust_files(&out), ["mod.rs", "x_api/mod.rs"]);
    }
}
