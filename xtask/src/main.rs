//! `cargo xtask`: repository automation.
//!
//! - `cargo xtask generate`: regenerate `aps-auth-generated/src/generated/` and the name maps
//!   `spec/names/*.json` from `spec/`, writing only files whose contents changed (so cargo
//!   rebuilds nothing when nothing changed), then print the API change report: what the update
//!   adds, removes and changes in the public API against the committed surface snapshots, each
//!   change that breaks callers marked `BREAKING`.
//! - `cargo xtask report`: print that report without writing anything.
//! - `cargo xtask check`: fail with a short diff when the committed generated code or a name map
//!   is stale.
//! - `cargo xtask check-generated [SPEC...]`: generate each document (default: the fixtures in
//!   `tests/fixtures/`) into a scratch crate under `target/` that depends on the runtime crate
//!   and run `cargo clippy -D warnings` on it, printing a table of the results.
//! - `cargo xtask corpus`: `check-generated` over the real-world documents in `../shared/specs/`.
//! - `cargo xtask bench [--quick] [--peer] [--cost]`: the benchmarks (see BENCHMARKS.md).
//! - `cargo xtask evolve [SCENARIO...]`: the spec-evolution suite (`evolve.rs`).
//!
//! `generate`, `report` and `check` take `--spec PATH` (one document, no name map) or
//! `--spec-dir DIR` (the documents of DIR, their maps in DIR/names/) and `--out DIR` to work on
//! other documents. They are the library's `freshness` and `report` modules (shared with the
//! tests), which report and do not print; this binary prints.

mod bench;
mod bench_peer;
mod check_generated;
mod evolve;
mod random_spec;
mod scratch;
mod suite;

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::documents;
use xtask::freshness::{Mode, OUT_DIR, SPEC_DIR, Target, workspace_root};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => target_from_args(&args[1..]).and_then(|t| generate(&t)),
        Some("check") => target_from_args(&args[1..]).and_then(|t| check(&t)),
        Some("report") => target_from_args(&args[1..]).and_then(|t| report(&t)),
        Some("bench") => bench::run(&workspace_root(), &args[1..]),
        // Starts and exits: the baseline of `bench`'s end-to-end timings.
        Some("noop") => Ok(()),
        Some("check-generated") => check_generated::run(&workspace_root(), &args[1..]),
        Some("corpus") => check_generated::corpus(&workspace_root()),
        Some("evolve") => evolve::run(&workspace_root(), &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  generate                  regenerate {OUT_DIR} and the name maps from the documents in {SPEC_DIR}/,\n                            then print the API changes (BREAKING ones marked)\n  report                    print the API changes only, writing nothing\n  check                     fail if the committed generated code or a name map is stale\n  check-generated [SPEC..]  generate each spec (default: tests/fixtures/*) into a scratch crate and clippy it\n  check-generated --random N   the same for N seeded random documents\n  corpus                    check-generated over the real-world documents in ../shared/specs/\n  bench [--quick] [--peer] [--cost]  run the benchmarks (BENCHMARKS.md); --peer: only the comparison with\n                            progenitor; --cost: only `cargo check` of generated code against the runtime alone\n  evolve [SCENARIO..]       the spec-evolution suite: realistic updates of the APS document, each generated,\n                            built (OAuth layer, examples, a downstream crate) and reported\n\n  generate, report and check take --spec PATH (no name map) or --spec-dir DIR, and --out DIR"
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
    let mut spec_dir: Option<String> = None;
    let mut out: Option<String> = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--spec" => spec = Some(value.clone()),
            "--spec-dir" => spec_dir = Some(value.clone()),
            "--out" => out = Some(value.clone()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let root = workspace_root();
    let mut target = Target::workspace(&root)?;
    let custom = spec.is_some() || spec_dir.is_some() || out.is_some();
    match (spec, spec_dir) {
        (Some(_), Some(_)) => return Err("--spec and --spec-dir exclude each other".into()),
        // One document, alone: it generates the root module, without a name map.
        (Some(spec), None) => {
            target.docs = vec![documents::Document {
                path: PathBuf::from(&spec),
                source_name: spec,
                module: None,
                names: None,
            }];
        }
        // A directory laid out as `spec/`, name maps included.
        (None, Some(dir)) => {
            target.docs = documents::discover(&PathBuf::from(&dir), dir.trim_end_matches('/'))?;
        }
        (None, None) => {}
    }
    if let Some(out) = out {
        target.out_dir = PathBuf::from(&out);
        target.out_name = out;
    }
    // Other documents or another output: the workspace's surface snapshots are not theirs.
    target.keep_surfaces = !custom;
    Ok(target)
}

/// `cargo xtask generate`: writes what changed (the API surfaces included), then prints the
/// warnings of the documents that changed and the API change report against the surfaces as
/// they were committed before this run.
fn generate(target: &Target) -> Result<(), String> {
    features_check(target)?;
    let outputs = target.generate()?;
    layer_check(target, &outputs)?;
    let reports = target.reports(&outputs);
    print_warnings(target, &outputs, false);
    let report = target.apply(&outputs, Mode::Write)?;
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
    for report in reports {
        println!("\n{report}");
    }
    Ok(())
}

/// `cargo xtask report`: every warning, and the API change report, writing nothing.
fn report(target: &Target) -> Result<(), String> {
    let outputs = target.generate()?;
    print_warnings(target, &outputs, true);
    for report in target.reports(&outputs) {
        println!("\n{report}");
    }
    Ok(())
}

/// The warnings of each document whose text changed since its name map was written (`all`:
/// of every document); for the others, one line with their count.
fn print_warnings(target: &Target, outputs: &[documents::DocumentOutput], all: bool) {
    for (doc, output) in target.docs.iter().zip(outputs) {
        if all || output.changed {
            for warning in &output.warnings {
                eprintln!("{}: {warning}", doc.source_name);
            }
        } else if !output.warnings.is_empty() {
            eprintln!(
                "{}: {} warning(s), unchanged since the last `cargo xtask generate` (`cargo xtask report` prints them)",
                doc.source_name,
                output.warnings.len()
            );
        }
    }
}

/// `cargo xtask check`: fails with a short diff per stale file.
fn check(target: &Target) -> Result<(), String> {
    features_check(target)?;
    let outputs = target.generate()?;
    layer_check(target, &outputs)?;
    let report = target.apply(&outputs, Mode::Check)?;
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

/// Refuses, before anything is written, a primary document the hand-written OAuth layer cannot
/// work with (only when generating the crate itself: other targets have no OAuth layer), on the
/// model `outputs` was rendered from.
fn layer_check(target: &Target, outputs: &[documents::DocumentOutput]) -> Result<(), String> {
    if target.out_dir != workspace_root().join(OUT_DIR) {
        return Ok(());
    }
    let primary = target
        .docs
        .iter()
        .zip(outputs)
        .find(|(d, _)| d.module.is_none());
    match primary {
        Some((doc, output)) => {
            xtask::layer::check(&output.api, &doc.source_name).map_err(|problems| {
                format!("the document does not give the OAuth layer what it needs:\n{problems}")
            })
        }
        None => Ok(()),
    }
}

/// Refuses, before anything is written, a document whose module the crate's manifest has no
/// cargo feature for (only when generating the crate itself: see `documents::check_features`).
fn features_check(target: &Target) -> Result<(), String> {
    let root = workspace_root();
    if target.out_dir != root.join(OUT_DIR) {
        return Ok(());
    }
    let manifest = std::fs::read_to_string(root.join(documents::CRATE_MANIFEST))
        .map_err(|e| format!("cannot read {}: {e}", documents::CRATE_MANIFEST))?;
    documents::check_features(&target.docs, &manifest, documents::CRATE_MANIFEST)
}
