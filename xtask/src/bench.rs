//! `cargo xtask bench`: runs every benchmark and prints its tables (see BENCHMARKS.md).
//!
//! - the generator per stage against its floor (`codegen/benches/generator.rs`);
//! - a token request through the client (runtime and OAuth layer) against hand-written
//!   `reqwest`, and the token provider (`aps-auth-generated/benches/client.rs`);
//! - decoding a large Data Management answer strictly and, with one unexpected value, leniently
//!   (`aps-auth-generated/benches/decode.rs`, feature `data-management`);
//! - walking a paged OSS listing with the generated `pages()` stream against the same requests
//!   made by hand with the generated single call, per page (`aps-auth-generated/benches/paging.rs`,
//!   feature `oss`);
//! - a token store hit on Redis against the same hit in memory, with a real `redis-server`
//!   that the benchmark starts, and each through `EncryptedStore` against plain
//!   (`aps-auth-generated/benches/store.rs`, features `redis`, `encryption`);
//! - `cargo xtask generate` end to end, with and without a spec change;
//! - the cost of the generated code: lines, and `cargo check` time after a spec change, against
//!   `cargo check` of the runtime crate alone (`--cost`: only this);
//!
//! `--quick` is the smoke mode CI runs: a few iterations, debug builds, no `cargo check` timings.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use aps_auth_codegen::{Options, generate};

use crate::scratch::{crate_template, write_scratch_crate};

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if args.iter().any(|a| a == "--peer") {
        println!("## Against progenitor: generation time\n");
        return crate::bench_peer::run(
            &cargo,
            root,
            if quick { 3 } else { 9 },
            if quick { 1 } else { 3 },
        );
    }
    if args.iter().any(|a| a == "--cost") {
        println!("## Cost of the generated code\n");
        return crate_cost(&cargo, root);
    }
    let verb = if quick { "test" } else { "bench" };

    println!("## Generator, per stage (floor: parsing the text into a serde_json::Value)\n");
    run_bench(&cargo, root, verb, "aps-auth-codegen", "generator", &[])?;
    println!("\n## Generated client and token provider (local server on 127.0.0.1)\n");
    run_bench(&cargo, root, verb, "aps-auth-generated", "client", &[])?;
    println!("\n## Decoding a large answer: strict, and degraded by one unexpected value\n");
    run_bench(
        &cargo,
        root,
        verb,
        "aps-auth-generated",
        "decode",
        &["data-management"],
    )?;
    println!("\n## Paging: the `pages()` stream against following `next` by hand (per page)\n");
    run_bench(&cargo, root, verb, "aps-auth-generated", "paging", &["oss"])?;
    println!(
        "\n## OSS transfers: the helper against a hand-written reqwest loop, parallel against sequential\n"
    );
    run_bench(
        &cargo,
        root,
        verb,
        "aps-auth-generated",
        "transfer",
        &["oss"],
    )?;
    println!(
        "\n## Token store hit, Redis against memory, plain and encrypted (redis-server on 127.0.0.1)\n"
    );
    run_bench(
        &cargo,
        root,
        verb,
        "aps-auth-generated",
        "store",
        &["redis", "encryption"],
    )?;
    println!("\n## `cargo xtask generate`, end to end\n");
    generate_end_to_end(root, if quick { 1 } else { 10 })?;
    if quick {
        println!("\n(--quick: `cargo check` timings of the generated crate skipped)");
    } else {
        println!("\n## Cost of the generated code\n");
        crate_cost(&cargo, root)?;
        println!("\n## Against progenitor: generation time\n");
        crate::bench_peer::run(&cargo, root, 9, 3)?;
    }
    Ok(())
}

/// `cargo <verb> --quiet -p <package> --bench <bench>`, with `--features` when `features` is not
/// empty (cargo refuses a benchmark whose `required-features` are off).
fn run_bench(
    cargo: &str,
    root: &Path,
    verb: &str,
    package: &str,
    bench: &str,
    features: &[&str],
) -> Result<(), String> {
    let mut command = Command::new(cargo);
    command.current_dir(root).args([verb, "--quiet"]);
    if verb == "test" {
        // Smoke mode (`--quick`, run by CI right after `cargo test --workspace`): with the whole
        // workspace selected, features unify exactly as they did for the tests, so only the
        // benchmark binary is built; `-p` with `--features` would build the crate and its
        // dependencies again, once per feature set.
        command.args(["--workspace", "--bench", bench]);
    } else {
        command.args(["-p", package, "--bench", bench]);
        if !features.is_empty() {
            command.args(["--features", &features.join(",")]);
        }
    }
    let status = command
        .stderr(Stdio::inherit())
        .stdout(Stdio::inherit())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the {bench} benchmark failed"))
    }
}

/// Runs this xtask binary with `args`, `runs` times; the median wall time.
fn time_xtask(args: &[&str], runs: usize) -> Result<Duration, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = Command::new(&exe)
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        if !out.status.success() {
            return Err(format!(
                "xtask {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn generate_end_to_end(root: &Path, runs: usize) -> Result<(), String> {
    let out_dir = root.join("aps-auth-generated/src/generated");
    let mtimes = || -> Vec<Option<SystemTime>> {
        ["mod.rs", "types.rs", "operations.rs"]
            .iter()
            .map(|f| {
                std::fs::metadata(out_dir.join(f))
                    .and_then(|m| m.modified())
                    .ok()
            })
            .collect()
    };
    let before = mtimes();
    let baseline = time_xtask(&["noop"], runs.max(3))?;
    let unchanged = time_xtask(&["generate"], runs)?;
    let untouched = mtimes() == before;

    // A changed spec, generated into a scratch directory that holds the current output.
    let scratch = root.join("target/bench");
    let changed_out = scratch.join("generated");
    std::fs::create_dir_all(&changed_out).map_err(|e| e.to_string())?;
    let spec = std::fs::read_to_string(root.join("spec/aps-authentication-v2.yaml"))
        .map_err(|e| e.to_string())?;
    let changed_spec = scratch.join("spec-changed.yaml");
    std::fs::write(
        &changed_spec,
        spec.replace("version: 2.0.0", "version: 2.0.1"),
    )
    .map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for _ in 0..runs {
        for f in ["mod.rs", "types.rs", "operations.rs"] {
            std::fs::copy(out_dir.join(f), changed_out.join(f)).map_err(|e| e.to_string())?;
        }
        let spec_arg = changed_spec.display().to_string();
        let out_arg = changed_out.display().to_string();
        times.push(time_xtask(
            &["generate", "--spec", &spec_arg, "--out", &out_arg],
            1,
        )?);
    }
    times.sort();
    let changed = times[times.len() / 2];

    // A large document, generated as a user runs it (`--spec`, a fresh output directory).
    let large = root.join("../shared/specs/github-webhooks-api.github.com.json");
    let large_time = if large.exists() {
        let out = scratch.join("large");
        let mut times = Vec::new();
        for _ in 0..runs.clamp(1, 5) {
            let _ = std::fs::remove_dir_all(&out);
            let (spec_arg, out_arg) = (large.display().to_string(), out.display().to_string());
            times.push(time_xtask(
                &["generate", "--spec", &spec_arg, "--out", &out_arg],
                1,
            )?);
        }
        times.sort();
        Some(times[times.len() / 2])
    } else {
        None
    };

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let ratio = |d: Duration| format!("{:.2}x", d.as_secs_f64() / baseline.as_secs_f64());
    println!("| run | time | ratio to baseline |");
    println!("|---|---:|---:|");
    println!(
        "| baseline: start the xtask binary and exit | {} | 1.00x |",
        ms(baseline)
    );
    println!(
        "| nothing changed (files written: {}) | {} | {} |",
        if untouched { "none" } else { "SOME" },
        ms(unchanged),
        ratio(unchanged)
    );
    println!(
        "| spec changed (3 files rewritten) | {} | {} |",
        ms(changed),
        ratio(changed)
    );
    if let Some(large) = large_time {
        println!(
            "| github-webhooks-api.github.com.json (4.7 MB), into an empty directory | {} | {} |",
            ms(large),
            ratio(large)
        );
    }
    if untouched {
        Ok(())
    } else {
        Err("`cargo xtask generate` rewrote files although nothing changed".into())
    }
}

/// `cargo check` of a scratch crate of generated code after its generated code changes (the
/// runtime crate it depends on prebuilt, as a spec change leaves it), against a `cargo check` of
/// the runtime crate alone (after `cargo clean -p aps-auth-runtime`).
fn crate_cost(cargo: &str, root: &Path) -> Result<(), String> {
    let template = crate_template(root)?;
    let runtime = crate::bench_peer::Build::runtime(root);
    runtime.time(cargo, "check", &[])?; // dependencies
    let base = runtime.time(cargo, "check", &[])?;
    let documents = [
        (
            "APS spec",
            std::fs::read_to_string(root.join("spec/aps-authentication-v2.yaml"))
                .map_err(|e| e.to_string())?,
            "aps",
        ),
        (
            "discord-openapi.json",
            std::fs::read_to_string(root.join("../shared/specs/discord-openapi.json"))
                .unwrap_or_default(),
            "discord",
        ),
    ];
    println!(
        "| generated from | generated lines | `cargo check` after a spec change | ratio to runtime alone |"
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| the runtime crate alone (`aps-auth-runtime`) | | {:.2} s | 1.00x |",
        base.as_secs_f64()
    );
    for (label, text, name) in documents {
        if text.is_empty() {
            continue;
        }
        let output = generate(&text, &Options::default()).map_err(|e| format!("{label}: {e}"))?;
        let lines: usize = output
            .files
            .iter()
            .map(|f| f.contents.lines().count())
            .sum();
        let dir = write_scratch_crate(
            root,
            &root.join("target/bench/crate").join(name),
            name,
            &output.files,
            &template,
        )?;
        let check = || -> Result<Duration, String> {
            let started = Instant::now();
            let status = Command::new(cargo)
                .args(["check", "--quiet", "--lib", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(root.join("target/bench/target"))
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("cargo check of {label} failed"));
            }
            Ok(started.elapsed())
        };
        check()?; // dependencies
        // A spec change rewrites the generated files: touch them and check again.
        let types = dir.join("src/generated/types.rs");
        let contents = std::fs::read_to_string(&types).map_err(|e| e.to_string())?;
        std::fs::write(&types, contents + "\n").map_err(|e| e.to_string())?;
        let time = check()?;
        println!(
            "| {label} | {lines} | {:.2} s | {:.2}x |",
            time.as_secs_f64(),
            time.as_secs_f64() / base.as_secs_f64()
        );
    }
    Ok(())
}
