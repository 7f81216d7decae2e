//! `cargo xtask evolve`: our own spec-evolution suite. Each scenario edits the APS document the
//! way a real update does (additive, representational, breaking), then checks the promise of
//! `cargo xtask generate`:
//!
//! - a document the OAuth layer can no longer work with is refused before anything is written,
//!   with a sentence naming the operation (`layer.rs`);
//! - otherwise the generated crate, OAuth layer, examples and benches included, builds
//!   clippy-clean and its unit tests pass;
//! - after a non-breaking update, a downstream crate written against today's API
//!   (`xtask/evolve/downstream/`) still compiles;
//! - the change report names the change and marks exactly the breaking ones `BREAKING`.
//!
//! Each scenario's crates go to `target/evolve/<scenario>/` (a copy of `aps-auth-generated` with
//! the scenario's generated code, and the downstream crate). All scenarios are members of one
//! scratch workspace, `target/evolve/`, built by one clippy run and one unit-test build that share
//! the workspace's `target/` and `Cargo.lock`, so dependencies are built once and scenarios build
//! side by side.
//! `cargo xtask evolve NAME...` runs only the named scenarios.

use std::path::Path;
use std::time::Instant;

use aps_auth_codegen::{load, surface};
use serde_json::Value;
use xtask::documents;
use xtask::layer;

use crate::scratch::{copy_dir, read, write};
use crate::suite;

mod scenarios;

use scenarios::{Expect, PRIMARY, Scenario, scenarios};

/// Runs the scenarios (all, or those named in `args`) and prints a table.
///
/// Every scenario is generated and its report checked first; the scenarios that build are then
/// written as members of one scratch workspace (`target/evolve/`) and built together: one clippy
/// run over all of them and one build of their unit tests (`suite.rs`), each error given back to
/// its scenario.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let base_text = std::fs::read_to_string(root.join("spec").join(PRIMARY))
        .map_err(|e| format!("cannot read spec/{PRIMARY}: {e}"))?;
    let base: Value = load::parse_text(&base_text).map_err(|e| e.to_string())?;
    let base_surface = generate(root, "base", &base, root)?.surface;
    let evolve_dir = root.join("target/evolve");
    let _ = std::fs::remove_dir_all(&evolve_dir);
    let mut rows = Vec::new();
    for scenario in scenarios() {
        if !args.is_empty() && !args.iter().any(|a| a == scenario.name) {
            continue;
        }
        let started = Instant::now();
        let outcome = run_one(root, &scenario, &base, &base_surface);
        rows.push(Row {
            scenario,
            outcome,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    build_all(root, &evolve_dir, &mut rows)?;
    println!("| scenario | update | expected | report | build | time (s) |");
    println!("|---|---|---|---|---|---:|");
    let mut failures = Vec::new();
    for row in &rows {
        let (report, build) = match &row.outcome {
            Ok(Outcome::Refused(report)) => (report.clone(), "-".to_owned()),
            Ok(Outcome::Built { report, compatible }) => (
                report.clone(),
                match compatible {
                    true => "crate + downstream clippy-clean, unit tests pass",
                    false => "crate clippy-clean, unit tests pass",
                }
                .to_owned(),
            ),
            Err(why) => {
                failures.push(format!("{}: {why}", row.scenario.name));
                (
                    "FAILED".into(),
                    why.lines().next().unwrap_or_default().to_owned(),
                )
            }
        };
        let scenario = &row.scenario;
        println!(
            "| {} | {} | {} | {} | {} | {:.0} |",
            scenario.name,
            scenario.what,
            expected(&scenario.expect),
            report,
            build,
            row.seconds
        );
    }
    match failures.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "{} scenario(s) failed:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        )),
    }
}

/// One scenario's line of the table; `seconds` is its own time (generation, report, tests).
struct Row {
    scenario: Scenario,
    outcome: Result<Outcome, String>,
    seconds: f64,
}

/// What became of a scenario that did not fail.
enum Outcome {
    /// Refused as expected, with the report's cell.
    Refused(String),
    /// Written to its directory to be built (and then built) with the report's cell;
    /// `compatible`: the downstream crate is built too.
    Built { report: String, compatible: bool },
}

/// Builds every written scenario together (see [`run`]) and turns the scenarios whose clippy,
/// test build or tests failed into failures.
fn build_all(root: &Path, dir: &Path, rows: &mut [Row]) -> Result<(), String> {
    let mut members = Vec::new();
    let mut packages = Vec::new();
    for row in rows.iter() {
        if let Ok(Outcome::Built { compatible, .. }) = row.outcome {
            let name = row.scenario.name;
            members.push(format!("{name}/aps-auth-generated"));
            packages.push(format!("evolve-{name}"));
            if compatible {
                members.push(format!("{name}/downstream"));
            }
        }
    }
    if members.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    suite::write_workspace(root, dir, &members)?;
    let mut failed = suite::clippy(root, dir)?;
    let clippy = started.elapsed().as_secs_f64();
    let (built_failed, executables) = suite::build_tests(root, dir, &packages)?;
    for (scenario, errors) in built_failed {
        failed.entry(scenario).or_default().extend(errors);
    }
    println!(
        "{} scenarios built together: clippy {clippy:.0} s, unit-test build {:.0} s",
        packages.len(),
        started.elapsed().as_secs_f64() - clippy
    );
    if let Some(errors) = failed.remove("(outside the suite)") {
        return Err(format!(
            "cargo failed outside the scenarios:\n{}",
            errors.join("\n")
        ));
    }
    for row in rows.iter_mut() {
        let name = row.scenario.name;
        if !matches!(row.outcome, Ok(Outcome::Built { .. })) {
            continue;
        }
        if let Some(errors) = failed.remove(name) {
            let shown: Vec<&str> = errors.iter().flat_map(|e| e.lines()).take(40).collect();
            row.outcome = Err(format!("cargo failed:\n{}", shown.join("\n")));
            continue;
        }
        let started = Instant::now();
        let crate_dir = dir.join(name).join("aps-auth-generated");
        let tests = executables.get(name).map(Vec::as_slice).unwrap_or_default();
        if tests.is_empty() {
            row.outcome = Err("cargo built no unit-test binary for the crate".into());
        }
        for executable in tests {
            if let Err(e) = suite::run_tests(executable, &crate_dir) {
                row.outcome = Err(e);
            }
        }
        row.seconds += started.elapsed().as_secs_f64();
    }
    Ok(())
}

fn expected(expect: &Expect) -> String {
    match expect {
        Expect::Unchanged => "no API change".into(),
        Expect::Additive(what) => format!("additive (`{what}`)"),
        Expect::Breaking(what) => format!("breaking (`{what}`)"),
        Expect::Refused(what) => format!("refused ({what})"),
    }
}

/// One scenario: generate, check refusal and report, write its crates to build.
fn run_one(
    root: &Path,
    scenario: &Scenario,
    base: &Value,
    base_surface: &str,
) -> Result<Outcome, String> {
    let dir = root.join("target/evolve").join(scenario.name);
    let mut doc = base.clone();
    (scenario.edit)(&mut doc);
    let generated = generate(root, scenario.name, &doc, &dir);
    if let Expect::Refused(what) = scenario.expect {
        let err = match generated {
            Ok(_) => return Err("generate accepted a document the OAuth layer cannot use".into()),
            Err(err) => err,
        };
        if !err.contains(what) {
            return Err(format!("the refusal does not name {what}: {err}"));
        }
        return Ok(Outcome::Refused(format!(
            "refused: {}",
            err.lines().next().unwrap_or_default()
        )));
    }
    let generated = generated?;
    let changes = surface::diff(base_surface, &generated.surface);
    let report = check_report(&scenario.expect, &changes)?;
    let compatible = !matches!(scenario.expect, Expect::Breaking(_));
    write_scenario(root, &dir, &generated.files, compatible)?;
    Ok(Outcome::Built { report, compatible })
}

/// What the report must say, checked; the report's cell.
fn check_report(expect: &Expect, changes: &[surface::Change]) -> Result<String, String> {
    let breaking: Vec<&surface::Change> = changes.iter().filter(|c| c.breaking).collect();
    let all = changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    match expect {
        Expect::Unchanged if changes.is_empty() => Ok("no change".into()),
        Expect::Unchanged => Err(format!("the API changed:\n{all}")),
        Expect::Additive(_) if !breaking.is_empty() => {
            Err(format!("an additive update reported as breaking:\n{all}"))
        }
        Expect::Additive(what) | Expect::Breaking(what) if !all.contains(what) => {
            Err(format!("the report does not name `{what}`:\n{all}"))
        }
        Expect::Additive(_) => Ok(format!("{} addition(s)", changes.len())),
        Expect::Breaking(what) if !breaking.iter().any(|c| c.to_string().contains(what)) => {
            Err(format!("`{what}` is not marked BREAKING:\n{all}"))
        }
        Expect::Breaking(_) => Ok(format!(
            "{} change(s), {} BREAKING",
            changes.len(),
            breaking.len()
        )),
        Expect::Refused(_) => Err("unreachable: refusals are handled before".into()),
    }
}

/// What `generate` produced for a scenario's document.
struct Generated {
    files: Vec<aps_auth_codegen::GeneratedFile>,
    surface: String,
}

/// Generates `doc` as the primary document of a scratch `spec/` in `dir` (with the workspace's
/// name map), after the OAuth layer's check, as `cargo xtask generate` would.
fn generate(root: &Path, name: &str, doc: &Value, dir: &Path) -> Result<Generated, String> {
    let spec = dir.join("spec");
    std::fs::create_dir_all(&spec).map_err(|e| e.to_string())?;
    if spec != root.join("spec") {
        let text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
        std::fs::write(spec.join(PRIMARY), text).map_err(|e| e.to_string())?;
        let names = root.join("spec").join(documents::NAMES_DIR);
        if names.is_dir() {
            copy_dir(&names, &spec.join(documents::NAMES_DIR))?;
        }
    }
    let docs = documents::discover(&spec, "spec")?;
    let outputs = documents::generate_documents(&docs).map_err(|e| format!("{name}: {e}"))?;
    if let Some(primary) = outputs.first() {
        let problems = layer::problems(&primary.api, &docs[0].source_name);
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
    }
    let surface = outputs
        .first()
        .map(|o| o.surface.clone())
        .unwrap_or_default();
    let files = outputs.into_iter().flat_map(|o| o.files).collect();
    Ok(Generated { files, surface })
}

/// Writes a scenario's crates into `dir`: a copy of `aps-auth-generated` holding the scenario's
/// generated code, and (when `downstream`) the downstream crate; [`build_all`] builds them.
fn write_scenario(
    root: &Path,
    dir: &Path,
    files: &[aps_auth_codegen::GeneratedFile],
    downstream: bool,
) -> Result<(), String> {
    let krate = dir.join("aps-auth-generated");
    let _ = std::fs::remove_dir_all(&krate);
    for part in ["src", "examples", "benches"] {
        copy_dir(
            &root.join("aps-auth-generated").join(part),
            &krate.join(part),
        )?;
    }
    // Packages named after the scenario (the library keeps its name `aps_auth_generated`), so
    // every scenario has fingerprints of its own in the shared target directory.
    let scenario = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let package = format!("evolve-{scenario}");
    let manifest = read(&root.join("aps-auth-generated/Cargo.toml"))?
        .replacen(
            "name = \"aps-auth-generated\"",
            &format!("name = \"{package}\""),
            1,
        )
        .replacen(
            "\n[features]",
            "\n[lib]\nname = \"aps_auth_generated\"\n\n[features]",
            1,
        );
    write(&krate.join("Cargo.toml"), &manifest)?;
    let generated = krate.join("src/generated");
    let _ = std::fs::remove_dir_all(&generated);
    for file in files {
        let path = generated.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap_or(&generated)).map_err(|e| e.to_string())?;
        write(&path, &file.contents)?;
    }
    // `lib.rs` includes these as doctests.
    for doc in ["README.md", "MIGRATION.md"] {
        write(&dir.join(doc), &read(&root.join(doc))?)?;
    }
    let down = dir.join("downstream");
    let _ = std::fs::remove_dir_all(&down);
    if downstream {
        copy_dir(&root.join("xtask/evolve/downstream/src"), &down.join("src"))?;
        let manifest = read(&root.join("xtask/evolve/downstream/Cargo.toml.in"))?
            .replace("@SCENARIO@", &scenario);
        write(&down.join("Cargo.toml"), &manifest)?;
    }
    Ok(())
}
