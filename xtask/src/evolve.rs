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
//! Each scenario gets a scratch workspace in `target/evolve/<scenario>/` (a copy of
//! `aps-auth-generated` with the scenario's generated code, and the downstream crate) that shares
//! the workspace's `target/` and `Cargo.lock`, so dependencies are built once.
//! `cargo xtask evolve NAME...` runs only the named scenarios.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use aps_auth_codegen::{Options, load, surface};
use serde_json::Value;
use xtask::documents;
use xtask::layer;

use crate::scratch::{self, copy_dir, read, write};

mod scenarios;

use scenarios::{Expect, PRIMARY, Scenario, scenarios};

/// Runs the scenarios (all, or those named in `args`) and prints a table.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let base_text = std::fs::read_to_string(root.join("spec").join(PRIMARY))
        .map_err(|e| format!("cannot read spec/{PRIMARY}: {e}"))?;
    let base: Value = load::parse_text(&base_text).map_err(|e| e.to_string())?;
    let base_surface = generate(root, "base", &base, root)?.surface;
    let template = workspace_template(root)?;
    let mut failures = Vec::new();
    println!("| scenario | update | expected | report | build | time (s) |");
    println!("|---|---|---|---|---|---:|");
    for scenario in scenarios() {
        if !args.is_empty() && !args.iter().any(|a| a == scenario.name) {
            continue;
        }
        let started = Instant::now();
        let result = run_one(root, &scenario, &base, &base_surface, &template);
        let (report, build) = match &result {
            Ok(cells) => cells.clone(),
            Err(why) => {
                failures.push(format!("{}: {why}", scenario.name));
                (
                    "FAILED".into(),
                    why.lines().next().unwrap_or_default().to_owned(),
                )
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.0} |",
            scenario.name,
            scenario.what,
            expected(&scenario.expect),
            report,
            build,
            started.elapsed().as_secs_f64()
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

fn expected(expect: &Expect) -> String {
    match expect {
        Expect::Unchanged => "no API change".into(),
        Expect::Additive(what) => format!("additive (`{what}`)"),
        Expect::Breaking(what) => format!("breaking (`{what}`)"),
        Expect::Refused(what) => format!("refused ({what})"),
    }
}

/// One scenario: generate, check refusal and report, build. Returns the report and build cells.
fn run_one(
    root: &Path,
    scenario: &Scenario,
    base: &Value,
    base_surface: &str,
    template: &str,
) -> Result<(String, String), String> {
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
        return Ok((
            format!("refused: {}", err.lines().next().unwrap_or_default()),
            "-".into(),
        ));
    }
    let generated = generated?;
    let changes = surface::diff(base_surface, &generated.surface);
    let report = check_report(&scenario.expect, &changes)?;
    let compatible = !matches!(scenario.expect, Expect::Breaking(_));
    build(root, &dir, &generated.files, template, compatible)?;
    let build = match compatible {
        true => "crate + downstream clippy-clean, unit tests pass",
        false => "crate clippy-clean, unit tests pass",
    };
    Ok((report, build.into()))
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
    let primary = &docs[0];
    let options = Options {
        source_name: primary.source_name.clone(),
        names: primary.read_names()?,
        ..Options::default()
    };
    let text = std::fs::read_to_string(&primary.path).map_err(|e| e.to_string())?;
    let (api, _) =
        aps_auth_codegen::document_model(&text, &options).map_err(|e| format!("{name}: {e}"))?;
    let problems = layer::problems(&api, &primary.source_name);
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let outputs = documents::generate_documents(&docs)?;
    let surface = outputs
        .first()
        .map(|o| o.surface.clone())
        .unwrap_or_default();
    let files = outputs.into_iter().flat_map(|o| o.files).collect();
    Ok(Generated { files, surface })
}

/// The scratch workspace's manifest: the workspace's package and dependency tables, with the
/// generated crate and (for compatible updates) the downstream crate as members.
fn workspace_template(root: &Path) -> Result<String, String> {
    Ok(format!(
        "# Scratch workspace written by `cargo xtask evolve`.\n[workspace]\nresolver = \"3\"\nmembers = [@MEMBERS@]\n\n{}",
        scratch::workspace_tables(root)?
    ))
}

/// Writes the scratch workspace and builds it: clippy (warnings denied) over every target of the
/// generated crate (and the downstream crate when `downstream`), then the crate's unit tests.
fn build(
    root: &Path,
    dir: &Path,
    files: &[aps_auth_codegen::GeneratedFile],
    template: &str,
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
    copy_dir(&root.join("xtask/evolve/downstream/src"), &down.join("src"))?;
    let manifest =
        read(&root.join("xtask/evolve/downstream/Cargo.toml.in"))?.replace("@SCENARIO@", &scenario);
    write(&down.join("Cargo.toml"), &manifest)?;
    let members = match downstream {
        true => "\"aps-auth-generated\", \"downstream\"",
        false => "\"aps-auth-generated\"",
    };
    write(
        &dir.join("Cargo.toml"),
        &template.replace("@MEMBERS@", members),
    )?;
    write(&dir.join("Cargo.lock"), &read(&root.join("Cargo.lock"))?)?;
    let clippy = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ];
    cargo(root, dir, &clippy)?;
    cargo(root, dir, &["test", "-p", &package, "--lib", "--quiet"])
}

/// Runs cargo in the scratch workspace with the workspace's target directory (or the one
/// `CARGO_TARGET_DIR` names, as cargo itself would).
fn cargo(root: &Path, dir: &Path, args: &[&str]) -> Result<(), String> {
    let target = scratch::target_dir(root);
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("Compiling") && !l.trim_start().starts_with("Checking")
        })
        .take(40)
        .collect();
    Err(format!("cargo {} failed:\n{}", args[0], errors.join("\n")))
}
