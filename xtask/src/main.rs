//! `cargo xtask`: repository automation.
//!
//! - `cargo xtask generate`: regenerate `aps-auth-generated/src/generated/` from `spec/`, writing
//!   only files whose contents changed (so cargo rebuilds nothing when nothing changed).
//! - `cargo xtask check`: fail with a short diff when the committed generated code is stale.
//! - `cargo xtask check-generated [SPEC...]`: generate each document (default: the fixtures in
//!   `tests/fixtures/`) into a scratch copy of the `aps-auth-generated` crate under `target/` and
//!   run `cargo clippy -D warnings` on it, printing a table of the results.

mod check_generated;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aps_auth_codegen::{Options, Output, generate};

/// The document the `aps-auth-generated` crate is generated from, relative to the workspace root.
const SPEC: &str = "spec/aps-authentication-v2.yaml";
/// Where its generated module lives, relative to the workspace root.
const OUT_DIR: &str = "aps-auth-generated/src/generated";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => run(Mode::Write),
        Some("check") => run(Mode::Check),
        Some("check-generated") => check_generated::run(&workspace_root(), &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  generate                  regenerate {OUT_DIR} from {SPEC}\n  check                     fail if the committed generated code is stale\n  check-generated [SPEC..]  generate each spec (default: tests/fixtures/*) into a scratch crate and clippy it"
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

fn run(mode: Mode) -> Result<(), String> {
    let root = workspace_root();
    let spec_path = root.join(SPEC);
    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let options = Options {
        source_name: SPEC.to_owned(),
        ..Options::default()
    };
    let Output { files, warnings } =
        generate(&text, &options).map_err(|e| format!("{SPEC}: {e}"))?;
    for warning in &warnings {
        eprintln!("{SPEC}: {warning}");
    }

    let out_dir = root.join(OUT_DIR);
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
                std::fs::create_dir_all(&out_dir)
                    .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
                std::fs::write(&path, &file.contents)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("updated {OUT_DIR}/{}", file.path);
                changed += 1;
            }
            Mode::Check => stale.push(short_diff(
                &format!("{OUT_DIR}/{}", file.path),
                current.as_deref(),
                &file.contents,
            )),
        }
    }
    // Files the generator no longer produces.
    let expected: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for entry in std::fs::read_dir(&out_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") && !expected.contains(&name.as_str()) {
            match mode {
                Mode::Write => {
                    std::fs::remove_file(entry.path())
                        .map_err(|e| format!("cannot remove {name}: {e}"))?;
                    println!("removed {OUT_DIR}/{name}");
                    changed += 1;
                }
                Mode::Check => stale.push(format!("{OUT_DIR}/{name}: no longer generated")),
            }
        }
    }
    match mode {
        Mode::Write => {
            if changed == 0 {
                println!("{OUT_DIR} already matches {SPEC}: nothing written");
            }
            Ok(())
        }
        Mode::Check if stale.is_empty() => {
            println!("{OUT_DIR} is up to date with {SPEC}");
            Ok(())
        }
        Mode::Check => Err(format!(
            "generated code is stale; run `cargo xtask generate` and commit the result\n\n{}",
            stale.join("\n")
        )),
    }
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
