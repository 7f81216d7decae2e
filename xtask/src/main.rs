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
//! `generate` and `check` take `--spec PATH` and `--out DIR` to work on another document. Both are
//! the library's `freshness` module (shared with the snapshot tests), which reports and does not
//! print; this binary prints.

mod bench;
mod check_generated;
mod random_spec;

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::documents;
use xtask::freshness::{Mode, OUT_DIR, SPEC_DIR, Target, workspace_root};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => target_from_args(&args[1..]).and_then(|t| generate(&t)),
        Some("check") => target_from_args(&args[1..]).and_then(|t| check(&t)),
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

/// The workspace's documents and generated directory, or those `--spec PATH` and `--out DIR` name.
fn target_from_args(args: &[String]) -> Result<Target, String> {
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
    let mut target = match spec {
        // One document, alone: it generates the root module.
        Some(spec) => Target {
            docs: vec![documents::Document {
                path: PathBuf::from(&spec),
                source_name: spec,
                module: None,
            }],
            out_name: OUT_DIR.to_owned(),
            out_dir: workspace_root().join(OUT_DIR),
        },
        None => Target::workspace(&workspace_root())?,
    };
    if let Some(out) = out {
        target.out_dir = PathBuf::from(&out);
        target.out_name = out;
    }
    Ok(target)
}

/// `cargo xtask generate`: writes what changed.
fn generate(target: &Target) -> Result<(), String> {
    let report = target.ensure(Mode::Write)?;
    for name in &report.updated {
        println!("updated {name}");
    }
    for name in &report.removed {
        println!("removed {name}");
    }
    if report.is_up_to_date() {
        println!(
            "{} already matches {}: nothing written",
            target.out_name,
            target.spec_name()
        );
    }
    Ok(())
}

/// `cargo xtask check`: fails with a short diff per stale file.
fn check(target: &Target) -> Result<(), String> {
    let report = target.ensure(Mode::Check)?;
    if let Some(error) = report.stale_error() {
        return Err(error);
    }
    println!(
        "{} is up to date with {}",
        target.out_name,
        target.spec_name()
    );
    Ok(())
}
