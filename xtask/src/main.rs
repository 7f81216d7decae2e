//! `cargo xtask`: repository automation.
//!
//! - `cargo xtask generate`: regenerate `aps-auth-generated/src/generated/` from `spec/`, writing
//!   only files whose contents changed (so cargo rebuilds nothing when nothing changed).
//! - `cargo xtask check`: fail with a short diff when the committed generated code is stale.
//! - `cargo xtask check-generated [SPEC...]`: generate each document (default: the fixtures in
//!   `tests/fixtures/`) into a scratch copy of the `aps-auth-generated` crate under `target/` and
//!   run `cargo clippy -D warnings` on it, printing a table of the results.
//! - `cargo xtask corpus`: `check-generated` over the real-world documents in `../shared/specs/`.
//! - `cargo xtask bench [--quick]`: the benchmarks (see BENCHMARKS.md).
//!
//! `generate` and `check` take `--spec PATH` and `--out DIR` to work on another document.

mod bench;
mod check_generated;
mod documents;
mod random_spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The documents the `aps-auth-generated` crate is generated from, relative to the workspace root.
const SPEC_DIR: &str = "spec";
/// Where its generated module lives, relative to the workspace root.
const OUT_DIR: &str = "aps-auth-generated/src/generated";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => Target::from_args(&args[1..]).and_then(|t| run(Mode::Write, &t)),
        Some("check") => Target::from_args(&args[1..]).and_then(|t| run(Mode::Check, &t)),
        Some("bench") => bench::run(&workspace_root(), &args[1..]),
        // Starts and exits: the baseline of `bench`'s end-to-end timings.
        Some("noop") => Ok(()),
        Some("check-generated") => check_generated::run(&workspace_root(), &args[1..]),
        Some("corpus") => check_generated::corpus(&workspace_root()),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  generate                  regenerate {OUT_DIR} from the documents in {SPEC_DIR}/\n  check                     fail if the committed generated code is stale\n  check-generated [SPEC..]  generate each spec (default: tests/fixtures/*) into a scratch crate and clippy it\n  check-generated --random N   the same for N seeded random documents\n  corpus                    check-generated over the real-world documents in ../shared/specs/\n  bench [--quick]           run the benchmarks (BENCHMARKS.md)\n\n  generate and check take --spec PATH --out DIR to work on another document"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Which documents to generate, and where.
struct Target {
    docs: Vec<documents::Document>,
    out_name: String,
    out_dir: PathBuf,
}

impl Target {
    fn from_args(args: &[String]) -> Result<Target, String> {
        let root = workspace_root();
        let mut spec: Option<String> = None;
        let mut out: Option<String> = None;
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--spec" => spec = Some(value.clone()),
                "--out" => out = Some(value.clone()),
                other => return Err(format!("unknown option {other}")),
            }
        }
        let docs = match spec {
            // One document, alone: it generates the root module.
            Some(spec) => vec![documents::Document {
                path: PathBuf::from(&spec),
                source_name: spec,
                module: None,
            }],
            None => documents::discover(&root.join(SPEC_DIR), SPEC_DIR)?,
        };
        let (out_name, out_dir) = match out {
            Some(out) => (out.clone(), PathBuf::from(out)),
            None => (OUT_DIR.to_owned(), root.join(OUT_DIR)),
        };
        Ok(Target {
            docs,
            out_name,
            out_dir,
        })
    }
}

fn run(mode: Mode, target: &Target) -> Result<(), String> {
    let (out_name, out_dir) = (&target.out_name, &target.out_dir);
    let spec_name = target
        .docs
        .iter()
        .map(|d| d.source_name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let files = documents::generate_all(&target.docs)?;

    let mut stale = Vec::new();
    let mut changed = 0;
    for file in &files {
        let path = out_dir.join(&file.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        match mode {
            Mode::Write => {
                let parent = path.parent().unwrap_or(out_dir);
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                std::fs::write(&path, &file.contents)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("updated {out_name}/{}", file.path);
                changed += 1;
            }
            Mode::Check => stale.push(short_diff(
                &format!("{out_name}/{}", file.path),
                current.as_deref(),
                &file.contents,
            )),
        }
    }
    // Files the generator no longer produces (a document removed from spec/, say).
    let expected: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for name in rust_files(out_dir, "") {
        if !expected.contains(&name.as_str()) {
            match mode {
                Mode::Write => {
                    let path = out_dir.join(&name);
                    std::fs::remove_file(&path)
                        .map_err(|e| format!("cannot remove {name}: {e}"))?;
                    if let Some(parent) = path.parent().filter(|p| *p != out_dir.as_path()) {
                        let _ = std::fs::remove_dir(parent); // only succeeds once empty
                    }
                    println!("removed {out_name}/{name}");
                    changed += 1;
                }
                Mode::Check => stale.push(format!("{out_name}/{name}: no longer generated")),
            }
        }
    }
    match mode {
        Mode::Write => {
            if changed == 0 {
                println!("{out_name} already matches {spec_name}: nothing written");
            }
            Ok(())
        }
        Mode::Check if stale.is_empty() => {
            println!("{out_name} is up to date with {spec_name}");
            Ok(())
        }
        Mode::Check => Err(format!(
            "generated code is stale; run `cargo xtask generate` and commit the result\n\n{}",
            stale.join("\n")
        )),
    }
}

/// The `.rs` files under `dir`, as `/`-separated paths relative to it, in name order.
fn rust_files(dir: &Path, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            out.extend(rust_files(&entry.path(), &format!("{name}/")));
        } else if name.ends_with(".rs") {
            out.push(name);
        }
    }
    out
}

/// The first differing lines of a file, for a readable failure.
fn short_diff(name: &str, old: Option<&str>, new: &str) -> String {
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
