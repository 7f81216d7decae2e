//! One cargo invocation for a whole suite of scratch crates (`check-generated`, `corpus`,
//! `--random`, `--aps`, and `evolve`'s scenarios).
//!
//! The suite's crates become the members of one scratch workspace, checked by a single
//! `cargo clippy --workspace --keep-going --message-format=json`: cargo builds the shared
//! dependencies once and checks independent members side by side on every core, instead of one
//! cargo run (and one idle core) per document. Every error is given back to the member it belongs
//! to by the manifest path cargo reports with it, so a failure still names its document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::scratch::{read, target_dir, workspace_tables, write};

/// Writes `dir/Cargo.toml`: a workspace whose members are the directories `members` (relative to
/// `dir`), carrying the root workspace's package and dependency tables, and its `Cargo.lock`.
pub fn write_workspace(root: &Path, dir: &Path, members: &[String]) -> Result<(), String> {
    let quoted: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    let manifest = format!(
        "# Scratch workspace written by `cargo xtask`: one suite's crates.\n\
         [workspace]\nresolver = \"3\"\nmembers = [{}]\n\n{}",
        quoted.join(", "),
        workspace_tables(root)?
    );
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&dir.join("Cargo.lock"), &read(&root.join("Cargo.lock"))?)
}

/// What one clippy run over the suite found: the errors (warnings are denied) of each member,
/// keyed by the member's directory name. Members without an entry passed.
pub type Findings = BTreeMap<String, Vec<String>>;

/// Runs clippy (every target, warnings denied) over the workspace at `dir`, going on past a
/// failing member, and gives each error to its member. An `Err` is a failure cargo attributed to
/// no member (a manifest it could not read, a dependency that did not resolve).
pub fn clippy(root: &Path, dir: &Path) -> Result<Findings, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--keep-going",
            "--quiet",
            "--message-format=json",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir(root))
        .args(["--", "-D", "warnings"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let findings = attribute(&String::from_utf8_lossy(&out.stdout), dir);
    if !out.status.success() && findings.is_empty() {
        return Err(format!(
            "cargo clippy failed, and named no document:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(findings)
}

/// Builds the unit-test binaries of `packages` of the workspace at `dir` in one cargo run
/// (`cargo test --lib --no-run`), going on past a failing member. Returns the build errors and
/// the test executables, both keyed by member directory.
pub fn build_tests(
    root: &Path,
    dir: &Path,
    packages: &[String],
) -> Result<(Findings, BTreeMap<String, Vec<PathBuf>>), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "test",
        "--lib",
        "--no-run",
        // `cargo test` spells `--keep-going` this way: build the other members past a failure.
        "--no-fail-fast",
        "--quiet",
        "--message-format=json",
    ]);
    for package in packages {
        command.args(["-p", package]);
    }
    let out = command
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir(root))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let findings = attribute(&stdout, dir);
    let executables = executables(&stdout, dir);
    if !out.status.success() && findings.is_empty() {
        return Err(format!(
            "cargo test --no-run failed, and named no member:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((findings, executables))
}

/// Runs one test executable built by [`build_tests`] from its crate's directory, as `cargo test`
/// would (with `CARGO_MANIFEST_DIR` set). The output of a failed run is the error.
pub fn run_tests(executable: &Path, crate_dir: &Path) -> Result<(), String> {
    let out = Command::new(executable)
        .arg("--quiet")
        .current_dir(crate_dir)
        .env("CARGO_MANIFEST_DIR", crate_dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", executable.display()))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!(
            "unit tests failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// The test executables in cargo's JSON messages, keyed by member directory.
fn executables(stdout: &str, dir: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut found: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let (Some(executable), Some(member)) = (
            message["executable"].as_str(),
            message["manifest_path"]
                .as_str()
                .and_then(|m| member_of(Path::new(m), dir)),
        ) else {
            continue;
        };
        found
            .entry(member)
            .or_default()
            .push(PathBuf::from(executable));
    }
    found
}

/// The errors in cargo's JSON messages (`stdout`), keyed by the name of the member directory of
/// `dir` whose manifest each came from. Lines that are not JSON, messages that are not errors,
/// and rustc's closing "aborting due to" line are left out.
fn attribute(stdout: &str, dir: &Path) -> Findings {
    let mut findings = Findings::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let rendered = message["message"]["rendered"].as_str().unwrap_or_default();
        if rendered.starts_with("error: aborting due to") {
            continue;
        }
        let member = message["manifest_path"]
            .as_str()
            .map(PathBuf::from)
            .and_then(|manifest| member_of(&manifest, dir))
            .unwrap_or_else(|| "(outside the suite)".to_owned());
        findings
            .entry(member)
            .or_default()
            .push(rendered.to_owned());
    }
    findings
}

/// The member directory (its name, first component under `dir`) a manifest path belongs to.
fn member_of(manifest: &Path, dir: &Path) -> Option<String> {
    let relative = manifest.strip_prefix(dir).ok()?;
    let first = relative.components().next()?;
    Some(first.as_os_str().to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(manifest: &str, level: &str, rendered: &str) -> String {
        serde_json::json!({
            "reason": "compiler-message",
            "manifest_path": manifest,
            "message": { "level": level, "rendered": rendered },
        })
        .to_string()
    }

    #[test]
    fn errors_go_to_the_member_whose_manifest_reported_them() {
        let dir = Path::new("/t/suite");
        let stdout = [
            message(
                "/t/suite/check-a/Cargo.toml",
                "error",
                "error: unused import",
            ),
            message(
                "/t/suite/check-b/Cargo.toml",
                "warning",
                "warning: only a warning",
            ),
            message(
                "/t/suite/check-a/Cargo.toml",
                "error",
                "error: aborting due to 1 previous error",
            ),
            r#"{"reason":"build-finished","success":false}"#.to_owned(),
            "not json at all".to_owned(),
            message(
                "/t/suite/check-c/Cargo.toml",
                "error",
                "error: mismatched types",
            ),
            message("/elsewhere/Cargo.toml", "error", "error: in a dependency"),
        ]
        .join("\n");
        let findings = attribute(&stdout, dir);
        assert_eq!(findings["check-a"], ["error: unused import"]);
        assert_eq!(findings["check-c"], ["error: mismatched types"]);
        assert_eq!(findings["(outside the suite)"], ["error: in a dependency"]);
        assert!(!findings.contains_key("check-b"), "{findings:?}");
    }

    #[test]
    fn test_executables_go_to_their_member() {
        let dir = Path::new("/t/evolve");
        let artifact = |manifest: &str, executable: Option<&str>| {
            serde_json::json!({
                "reason": "compiler-artifact",
                "manifest_path": manifest,
                "executable": executable,
            })
            .to_string()
        };
        let stdout = [
            artifact(
                "/t/evolve/a/aps-auth-generated/Cargo.toml",
                Some("/x/deps/lib-1"),
            ),
            artifact(
                "/t/evolve/b/aps-auth-generated/Cargo.toml",
                Some("/x/deps/lib-2"),
            ),
            artifact("/registry/serde/Cargo.toml", None),
        ]
        .join("\n");
        let found = executables(&stdout, dir);
        assert_eq!(found["a"], [PathBuf::from("/x/deps/lib-1")]);
        assert_eq!(found["b"], [PathBuf::from("/x/deps/lib-2")]);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn the_workspace_lists_every_member_and_inherits_the_root_tables() {
        let root = xtask::freshness::workspace_root();
        let dir = std::env::temp_dir().join(format!("xtask-suite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_workspace(&root, &dir, &["check-a".into(), "check-b".into()]).unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            manifest.contains("members = [\"check-a\", \"check-b\"]"),
            "{manifest}"
        );
        assert!(manifest.contains("[workspace.dependencies]"), "{manifest}");
    }
}
