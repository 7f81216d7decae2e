//! `cargo xtask check-generated`: proves that generated code compiles warning-free, for documents
//! other than the one the crate is built from.
//!
//! Each document is generated into `target/check-generated/<suite>/<name>/`, a scratch crate of
//! its generated code alone that depends on the runtime crate by path (`scratch.rs`). The suite's
//! crates are then checked together, by one `cargo clippy --all-targets -- -D warnings` over a
//! scratch workspace of them all (`suite.rs`), which builds the dependencies once and uses every
//! core; each error is reported against its document.
//!
//! `check-generated --aps` checks Autodesk's published documents for other APS services
//! (`../shared/specs/aps/`) as `spec/` would hold them: one multi-document set, beside the
//! primary document.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use aps_auth_codegen::{Options, generate};

use crate::scratch::{member_template, target_dir, write_scratch_crate};
use crate::suite;

/// One document's outcome.
struct Row {
    name: String,
    /// The document.
    spec: PathBuf,
    /// The crate's directory under the suite's workspace (its package is `check-<crate_dir>`).
    crate_dir: String,
    operations: usize,
    types: usize,
    lines: usize,
    result: Result<(), String>,
    /// A refusal with a JSON pointer, accepted as a correct answer (random documents).
    refused: Option<String>,
    /// Behaviour tests ran (and passed) against the generated code.
    behaviour: bool,
    seconds: f64,
}

/// `check-generated` over every document in `../shared/specs/` (public real-world OpenAPI
/// documents kept beside the checkout; see its SOURCES.md). Each must generate code that passes
/// clippy; none is expected to be refused today.
pub fn corpus(root: &Path) -> Result<(), String> {
    let dir = root.join("../shared/specs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("no corpus at {}: nothing to check", dir.display());
        return Ok(());
    };
    let mut docs: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .map(|p| p.display().to_string())
        .collect();
    docs.sort();
    let docs = docs.iter().map(PathBuf::from).collect();
    check(root, "corpus", docs, false)
}

/// Where Autodesk's published documents for other APS services are kept (see its SOURCES.md).
const APS_DOCUMENTS: &str = "../shared/specs/aps";

/// A multi-document set as `spec/` would hold it: a copy of the primary document beside every
/// document of `../shared/specs/aps/`, in `target/check-aps/aps/`. `None` when that directory
/// is not there.
fn aps_documents(root: &Path) -> Result<Option<PathBuf>, String> {
    let from = root.join(APS_DOCUMENTS);
    let Ok(entries) = std::fs::read_dir(&from) else {
        return Ok(None);
    };
    let dir = root.join("target/check-aps/aps");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let primary = xtask::documents::PRIMARY;
    let copy = |from: &Path, to: &Path| {
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))
    };
    copy(&root.join("spec").join(primary), &dir.join(primary))?;
    for path in entries.flatten().map(|e| e.path()) {
        let document = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        if let (true, Some(name)) = (document, path.file_name()) {
            copy(&path, &dir.join(name))?;
        }
    }
    Ok(Some(dir))
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let suite = match args.first().map(String::as_str) {
        Some("--aps") => "aps",
        Some("--random") => "random",
        None => "fixtures",
        Some(_) => "given",
    };
    let specs: Vec<PathBuf> = if let [flag] = args
        && flag == "--aps"
    {
        match aps_documents(root)? {
            Some(dir) => vec![dir],
            None => {
                println!("no {APS_DOCUMENTS} beside the checkout: nothing to check");
                return Ok(());
            }
        }
    } else if args.is_empty() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
            .map_err(|e| format!("cannot list tests/fixtures: {e}"))?
            .flatten()
            .map(|e| e.path())
            // A directory is a multi-document fixture, generated as `spec/` would be.
            .filter(|p| {
                p.is_dir()
                    || matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml" | "json")
                    )
            })
            .collect();
        found.sort();
        found
    } else if let [flag, count] = args
        && flag == "--random"
    {
        // Seeded random documents (see random_spec.rs), written out so a failure can be replayed.
        let count: u64 = count
            .parse()
            .map_err(|_| format!("--random needs a number, not {count}"))?;
        let dir = root.join("target/random-specs");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        (0..count)
            .map(|seed| {
                let path = dir.join(format!("random-{seed}.json"));
                let text = serde_json::to_string_pretty(&crate::random_spec::document(seed))
                    .map_err(|e| e.to_string())?;
                std::fs::write(&path, text).map_err(|e| e.to_string())?;
                Ok(path)
            })
            .collect::<Result<Vec<_>, String>>()?
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    // A random document may be refused (a `$ref` cycle, a duplicate operationId): that is a
    // correct answer. Only code that does not compile is a failure there.
    check(root, suite, specs, suite == "random")
}

/// Generates every document of `specs` into a crate of the scratch workspace
/// `target/check-generated/<suite>/`, clippies them all in one cargo run, runs the fixtures'
/// behaviour tests, and prints a table. `refusals_ok`: a refusal with a pointer is an answer.
fn check(root: &Path, suite: &str, specs: Vec<PathBuf>, refusals_ok: bool) -> Result<(), String> {
    let suite_dir = root.join("target/check-generated").join(suite);
    let _ = std::fs::remove_dir_all(&suite_dir);
    let template = member_template();
    let mut rows = Vec::new();
    let mut members = Vec::new();
    for spec in &specs {
        let started = Instant::now();
        let name = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("spec")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>();
        let mut row = Row {
            name: name.clone(),
            spec: spec.clone(),
            crate_dir: unique_crate_name(&name, &members),
            operations: 0,
            types: 0,
            lines: 0,
            result: Ok(()),
            refused: None,
            behaviour: false,
            seconds: 0.0,
        };
        row.result = match generate_one(root, &suite_dir, spec, &template, &mut row) {
            Err(e) if refusals_ok && e.starts_with("refused: #") => {
                row.refused = Some(e);
                Ok(())
            }
            Ok(()) => {
                members.push(row.crate_dir.clone());
                Ok(())
            }
            Err(e) => Err(e),
        };
        row.seconds = started.elapsed().as_secs_f64();
        rows.push(row);
    }
    if !members.is_empty() {
        let started = Instant::now();
        suite::write_workspace(root, &suite_dir, &members)?;
        let mut findings = suite::clippy(root, &suite_dir)?;
        println!(
            "clippy over {} generated crates, in one cargo run: {:.1} s",
            members.len(),
            started.elapsed().as_secs_f64()
        );
        for row in rows.iter_mut().filter(|r| r.refused.is_none()) {
            if let Some(errors) = findings.remove(&row.crate_dir) {
                row.result = Err(format!("cargo clippy failed:\n{}", errors.join("\n")));
            }
        }
        if let Some(errors) = findings.remove("(outside the suite)") {
            return Err(format!(
                "cargo clippy failed outside the generated crates:\n{}",
                errors.join("\n")
            ));
        }
        for row in rows
            .iter_mut()
            .filter(|r| r.result.is_ok() && r.refused.is_none())
        {
            let started = Instant::now();
            if let Err(e) = behaviour_tests(root, &suite_dir, row) {
                row.result = Err(e);
            }
            row.seconds += started.elapsed().as_secs_f64();
        }
    }
    println!(
        "\n| document | operations | types | lines | result | time (s) |\n|---|---:|---:|---:|---|---:|"
    );
    for r in &rows {
        let result = match &r.result {
            Ok(()) if r.refused.is_some() => format!(
                "refused, as expected: {}",
                r.refused.as_deref().unwrap_or_default()
            ),
            Ok(()) if r.behaviour => "ok, behaviour tests pass".to_owned(),
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("FAILED: {}", e.lines().next().unwrap_or_default()),
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.1} |",
            r.name, r.operations, r.types, r.lines, result, r.seconds
        );
    }
    let failed: Vec<&Row> = rows.iter().filter(|r| r.result.is_err()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        for r in &failed {
            if let Err(e) = &r.result {
                eprintln!("\n== {} ==\n{e}", r.name);
            }
        }
        Err(format!(
            "{} of {} documents failed",
            failed.len(),
            rows.len()
        ))
    }
}

/// Generates one document into its crate of the suite (`row.crate_dir` under `suite_dir`) and
/// counts what came out into `row`. An `Err` starting with `refused: ` is the generator's refusal.
fn generate_one(
    root: &Path,
    suite_dir: &Path,
    spec: &Path,
    template: &str,
    row: &mut Row,
) -> Result<(), String> {
    let shown = spec
        .strip_prefix(root)
        .unwrap_or(spec)
        .display()
        .to_string();
    let files = if spec.is_dir() {
        let docs = xtask::documents::discover(spec, &shown)?;
        xtask::documents::generate_all(&docs).map_err(|e| format!("refused: {e}"))?
    } else {
        let text = std::fs::read_to_string(spec)
            .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
        let options = Options {
            source_name: shown.clone(),
            ..Options::default()
        };
        let output = generate(&text, &options).map_err(|e| format!("refused: {e}"))?;
        for warning in &output.warnings {
            eprintln!("{shown}: {warning}");
        }
        output.files
    };
    let output = aps_auth_codegen::Output {
        files,
        warnings: Vec::new(),
    };
    row.lines = output
        .files
        .iter()
        .map(|f| f.contents.lines().count())
        .sum();
    row.operations = output
        .files
        .iter()
        .map(|f| {
            f.contents.matches("    pub async fn ").count()
                + f.contents.matches("    pub fn ").count()
        })
        .sum::<usize>()
        .saturating_sub(count_runtime_like_fns(&output.files));
    row.types = output
        .files
        .iter()
        .map(|f| {
            f.contents
                .lines()
                .filter(|l| {
                    l.starts_with("pub struct ")
                        || l.starts_with("pub enum ")
                        || l.starts_with("pub type ")
                })
                .count()
        })
        .sum();

    write_scratch_crate(
        root,
        &suite_dir.join(&row.crate_dir),
        &row.crate_dir,
        &output.files,
        template,
    )?;
    Ok(())
}

/// Runs a fixture's behaviour tests (`tests/fixtures/<name>.rs`) against its generated crate,
/// with the crate's own unit tests (the generated `examples.rs` test: the document's examples
/// decode). A document without such a file has none: nothing to do.
fn behaviour_tests(root: &Path, suite_dir: &Path, row: &mut Row) -> Result<(), String> {
    let spec = &row.spec;
    let behaviour = spec.with_extension("rs");
    if !(spec.is_file() && behaviour.is_file()) {
        return Ok(());
    }
    let dir = suite_dir.join(&row.crate_dir);
    let tests_dir = dir.join("tests");
    std::fs::create_dir_all(&tests_dir).map_err(|e| e.to_string())?;
    std::fs::copy(&behaviour, tests_dir.join("behaviour.rs")).map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "test",
            "--quiet",
            "--lib",
            "--test",
            "behaviour",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir(root))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "behaviour tests ({}) failed:\n{}{}",
            behaviour.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    row.behaviour = true;
    Ok(())
}

/// The crate directory for a document named `name` ([`crate_name`]), made unique among the
/// suite's `taken` ones (two documents `a.yaml` and `a.json` would otherwise be one member).
fn unique_crate_name(name: &str, taken: &[String]) -> String {
    let base = crate_name(name);
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// The scratch crate's name for a document named `name`: lower case, words joined by `-`
/// (`secureServiceAccount` -> `secure-service-account`), so rustc's `non_snake_case` lint, which
/// clippy's `-D warnings` makes an error, does not fire on the crate name.
fn crate_name(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('-');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '-'
        });
    }
    out
}

/// Methods of the Scope helpers that the operation count must not include.
fn count_runtime_like_fns(files: &[aps_auth_codegen::GeneratedFile]) -> usize {
    files
        .iter()
        .filter(|f| !f.path.ends_with("operations.rs"))
        .map(|f| {
            f.contents.matches("    pub async fn ").count()
                + f.contents.matches("    pub fn ").count()
        })
        .sum()
}
