//! `cargo xtask bench`, the peer part: our generator against progenitor on the same documents.
//!
//! 1. Generation time: runs the bench-only crate `bench/peer` (its own workspace, built here in
//!    release into `target/peer`, never by the main workspace's `cargo build` or `cargo test`),
//!    which times both generators in one process and writes both outputs.
//! 2. Compile cost: for every document both generators read, `cargo check` and `cargo build` of
//!    a crate holding our output (the scratch crate `check-generated` makes: the generated code,
//!    depending on the runtime crate `aps-auth-runtime`) and of a crate holding progenitor's
//!    output (with the runtime crates its documentation asks for). Dependencies are built first
//!    and not timed; each timed run starts with `cargo clean -p <crate>`, so it compiles that
//!    crate and nothing else, or (the bracketed figures) that crate and its runtime crate.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aps_auth_codegen::GeneratedFile;

use crate::scratch::{crate_template, write_scratch_crate};

/// The manifest of the crate that holds progenitor's output: the dependencies progenitor's
/// README lists for generated code (reqwest without TLS: nothing here talks to a network).
const THEIR_CRATE: &str = r#"# Scratch crate written by `cargo xtask bench`: progenitor's output.
[package]
name = "@NAME@"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
progenitor-client = "=0.15.1"
reqwest = { version = "0.13", default-features = false, features = ["json", "query", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
serde_urlencoded = "0.7"
chrono = { version = "0.4", default-features = false, features = ["serde", "std", "clock"] }
uuid = { version = "1", features = ["serde", "v4"] }
regress = "0.10"
futures = "0.3"
bytes = "1"
base64 = "0.22"
rand = "0.9"

[workspace]
"#;

/// Documents whose two outputs together are larger are not compiled.
const COMPILE_LIMIT: u64 = 4 * 1024 * 1024;

/// The size of the files under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                dir_bytes(&path)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

/// The documents of the comparison: ours, then Autodesk's published ones, then the corpus.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs = vec![root.join("spec/aps-authentication-v2.yaml")];
    for dir in ["../shared/specs/aps", "../shared/specs"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            })
            .collect();
        found.sort();
        docs.extend(found);
    }
    docs
}

/// Runs the comparison; `runs` timed runs per generator and document, `compile_runs` per build.
pub fn run(cargo: &str, root: &Path, runs: usize, compile_runs: usize) -> Result<(), String> {
    let out = root.join("target/peer/out");
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["run", "--quiet", "--release", "--manifest-path"])
        .arg(root.join("bench/peer/Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target/peer"))
        .args(["--", "--runs", &runs.to_string(), "--out"])
        .arg(&out)
        .args(documents(root))
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the peer benchmark (bench/peer) failed".into());
    }
    let results = std::fs::read_to_string(out.join("results.tsv"))
        .map_err(|e| format!("the peer benchmark wrote no results: {e}"))?;
    let both: Vec<&str> = results
        .lines()
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let name = fields.next()?;
            (fields.next() == Some("both")).then_some(name)
        })
        .collect();

    println!("\n### Compile cost of the generated code, side by side\n");
    println!(
        "| document | ours: `cargo check`, output (+ `aps-auth-runtime`) | progenitor: `cargo check`, output (+ `progenitor-client`) | check ours / progenitor (+ runtimes) | ours: `cargo build`, output (+ runtime) | progenitor: `cargo build`, output (+ client) | build ours / progenitor (+ runtimes) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let template = crate_template(root)?;
    let mut rows = vec![("our runtime alone (aps-auth-runtime)", None)];
    let mut skipped = Vec::new();
    for name in &both {
        let bytes = dir_bytes(&out.join(name));
        if bytes > COMPILE_LIMIT {
            skipped.push(format!("{name} ({} MiB of output)", bytes / (1024 * 1024)));
        } else {
            rows.push((*name, Some(*name)));
        }
    }
    for (label, name) in rows {
        let slug = slug(label);
        let ours = match name {
            Some(name) => {
                let files = read_files(&out.join(name).join("ours"))?;
                let ours_dir = write_scratch_crate(
                    root,
                    &root.join("target/peer/crates/ours").join(&slug),
                    &slug,
                    &files,
                    &template,
                )?;
                Build {
                    manifest: ours_dir.join("Cargo.toml"),
                    package: format!("check-{slug}"),
                    target: root.join("target/bench/target"),
                }
                .cost(cargo, compile_runs, Some("aps-auth-runtime"))?
            }
            None => Build::runtime(root).cost(cargo, compile_runs, None)?,
        };
        let theirs = match name {
            Some(name) => {
                let dir = root.join("target/peer/crates/theirs").join(&slug);
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
                let package = format!("peer-{slug}");
                std::fs::write(
                    dir.join("Cargo.toml"),
                    THEIR_CRATE.replace("@NAME@", &package),
                )
                .map_err(|e| e.to_string())?;
                let lock = root.join("bench/peer/output-crate.lock");
                if lock.exists() {
                    std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
                }
                std::fs::copy(out.join(name).join("theirs.rs"), dir.join("src/lib.rs"))
                    .map_err(|e| e.to_string())?;
                Some(
                    Build {
                        manifest: dir.join("Cargo.toml"),
                        package,
                        target: root.join("target/peer/theirs-target"),
                    }
                    .cost(cargo, compile_runs, Some("progenitor-client")),
                )
            }
            None => None,
        };
        let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
        let ratio = |a: Duration, b: Duration| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64());
        match theirs {
            None => println!(
                "| {label} | {} | | | {} | | |",
                secs(ours.check),
                secs(ours.build)
            ),
            Some(Ok(theirs)) => println!(
                "| {label} | {} ({}) | {} ({}) | {} ({}) | {} ({}) | {} ({}) | {} ({}) |",
                secs(ours.check),
                secs(ours.check_with_runtime),
                secs(theirs.check),
                secs(theirs.check_with_runtime),
                ratio(ours.check, theirs.check),
                ratio(ours.check_with_runtime, theirs.check_with_runtime),
                secs(ours.build),
                secs(ours.build_with_runtime),
                secs(theirs.build),
                secs(theirs.build_with_runtime),
                ratio(ours.build, theirs.build),
                ratio(ours.build_with_runtime, theirs.build_with_runtime)
            ),
            Some(Err(why)) => println!(
                "| {label} | {} | {} | | {} | | |",
                secs(ours.check),
                why.replace(['\n', '|'], " "),
                secs(ours.build)
            ),
        }
    }
    println!(
        "\nNot compiled (more than {} MiB of output from the two generators, which takes minutes \
         per build here): {}.\n",
        COMPILE_LIMIT / (1024 * 1024),
        if skipped.is_empty() {
            "none".to_owned()
        } else {
            skipped.join(", ")
        }
    );
    println!(
        "Medians of {compile_runs} runs, dev profile; dependencies built beforehand and not \
         timed; each run follows `cargo clean -p` of the crate. Each output needs its runtime \
         crate (ours: `aps-auth-runtime`, first row: that crate alone; progenitor's: \
         `progenitor-client`), prebuilt in the first figure and cleaned and rebuilt with the \
         output in the bracketed one."
    );
    Ok(())
}

/// A file name as a crate-name fragment.
fn slug(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    s.trim_matches('-').chars().take(40).collect()
}

/// The files the peer benchmark wrote for our generator, with their relative paths.
fn read_files(dir: &Path) -> Result<Vec<GeneratedFile>, String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<GeneratedFile>) -> Result<(), String> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(base, &path, out)?;
            } else {
                let relative = path
                    .strip_prefix(base)
                    .map_err(|e| e.to_string())?
                    .to_string_lossy()
                    .replace('\\', "/");
                let contents = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                out.push(GeneratedFile {
                    path: relative,
                    contents,
                });
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    Ok(files)
}

/// One crate to compile.
pub(crate) struct Build {
    manifest: PathBuf,
    package: String,
    target: PathBuf,
}

/// Medians of `cargo check` and `cargo build` of the crate alone, and of the crate with its
/// runtime crate (ours needs `aps-auth-runtime`, progenitor's output `progenitor-client`).
struct Cost {
    check: Duration,
    build: Duration,
    check_with_runtime: Duration,
    build_with_runtime: Duration,
}

impl Build {
    /// Our runtime crate, `aps-auth-runtime`, built in the benchmarks' target directory.
    pub(crate) fn runtime(root: &Path) -> Build {
        Build {
            manifest: root.join("aps-auth-runtime/Cargo.toml"),
            package: "aps-auth-runtime".into(),
            target: root.join("target/bench/target"),
        }
    }

    fn cargo(&self, cargo: &str, verb: &str) -> Command {
        let mut command = Command::new(cargo);
        command
            .arg(verb)
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(&self.manifest)
            .arg("--target-dir")
            .arg(&self.target);
        command
    }

    /// `cargo clean -p` of the crate and of `also`, then `cargo <verb>`, timed; the first of its
    /// errors when it fails.
    pub(crate) fn time(&self, cargo: &str, verb: &str, also: &[&str]) -> Result<Duration, String> {
        let mut clean = self.cargo(cargo, "clean");
        clean.args(["-p", &self.package]);
        for package in also {
            clean.args(["-p", package]);
        }
        let cleaned = clean.output().map_err(|e| e.to_string())?;
        if !cleaned.status.success() {
            return Err(format!("cargo clean -p {} failed", self.package));
        }
        let mut command = self.cargo(cargo, verb);
        command.arg("--lib");
        let started = Instant::now();
        let output = command.output().map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if output.status.success() {
            Ok(elapsed)
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
            let first = stderr
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("(no message)");
            Err(format!(
                "`cargo {verb}` fails ({errors} errors; first: {first})"
            ))
        }
    }

    /// `runtime`: the runtime crate the output needs, if it is a crate of its own.
    fn cost(&self, cargo: &str, runs: usize, runtime: Option<&str>) -> Result<Cost, String> {
        // Dependencies first, for both verbs (`check` builds its own metadata-only units),
        // untimed; a crate that does not compile fails here.
        self.time(cargo, "build", &[])?;
        self.time(cargo, "check", &[])?;
        let also: Vec<&str> = runtime.into_iter().collect();
        let median = |verb: &str, also: &[&str]| -> Result<Duration, String> {
            let mut times = (0..runs)
                .map(|_| self.time(cargo, verb, also))
                .collect::<Result<Vec<_>, _>>()?;
            times.sort();
            Ok(times[times.len() / 2])
        };
        let check = median("check", &[])?;
        let build = median("build", &[])?;
        let (check_with_runtime, build_with_runtime) = if also.is_empty() {
            (check, build)
        } else {
            (median("check", &also)?, median("build", &also)?)
        };
        Ok(Cost {
            check,
            build,
            check_with_runtime,
            build_with_runtime,
        })
    }
}
