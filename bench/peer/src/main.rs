//! The peer benchmark: `aps_auth_codegen::generate` against progenitor 0.15 on the same documents,
//! in one process, runs interleaved (ours, theirs, theirs, ours, ...), medians.
//!
//! Usage: `aps-auth-peer-bench --out DIR [--runs N] DOCUMENT...`
//!
//! For each document it prints one row (our time, its time, the ratio, and the size of each
//! output), and writes both outputs under `DIR/<document>/` (`ours/*.rs`, `theirs.rs`) with a
//! line per document in `DIR/results.tsv`, which `cargo xtask bench` reads to compare the
//! compile cost of the two outputs.
//!
//! progenitor reads OpenAPI 3.0 only. A 3.1 document is converted to 3.0 (its version, and the
//! schema forms 3.0 spells differently: [`downgrade`]) and that same text is given to both
//! generators (the row says so); a document progenitor still refuses, or panics on, is listed
//! with its reason and not timed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    if let Err(e) = run() {
        eprintln!("peer bench: {e}");
        std::process::exit(1);
    }
}

struct Args {
    out: PathBuf,
    runs: usize,
    documents: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut out = None;
    let mut runs = 9;
    let mut documents = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            _ => documents.push(PathBuf::from(arg)),
        }
    }
    Ok(Args {
        out: out.ok_or("--out DIR is required")?,
        runs,
        documents,
    })
}

/// One document's outcome.
enum Outcome {
    /// Both generated it: medians and sizes.
    Both {
        ours: Duration,
        theirs: Duration,
        ours_size: Size,
        theirs_size: Size,
    },
    /// One of the two refused it (or panicked): who, and why.
    Refused { by: &'static str, why: String },
}

#[derive(Clone, Copy)]
struct Size {
    lines: usize,
    bytes: usize,
}

impl Size {
    fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Size {
        texts
            .into_iter()
            .fold(Size { lines: 0, bytes: 0 }, |s, t| Size {
                lines: s.lines + t.lines().count(),
                bytes: s.bytes + t.len(),
            })
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    // progenitor panics on some inputs; its messages are reported in the table, not on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| document | given as | ours | progenitor 0.15.1 | ours / progenitor | ours: lines, bytes | progenitor: lines, bytes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut results = String::new();
    for path in &args.documents {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let original = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        // A document the conversion cannot read (serde_json refuses some numbers YAML allows)
        // goes to both as published.
        let (text, given_as) =
            as_openapi_30(&original).unwrap_or_else(|_| (original.clone(), "as published"));
        let dir = args.out.join(&name);
        let outcome = compare(&text, &dir, args.runs)?;
        match outcome {
            Outcome::Both {
                ours,
                theirs,
                ours_size,
                theirs_size,
            } => {
                println!(
                    "| {name} | {given_as} | {} | {} | {:.3} (1/{:.1}) | {}, {} | {}, {} |",
                    ms(ours),
                    ms(theirs),
                    ours.as_secs_f64() / theirs.as_secs_f64(),
                    theirs.as_secs_f64() / ours.as_secs_f64(),
                    ours_size.lines,
                    kib(ours_size.bytes),
                    theirs_size.lines,
                    kib(theirs_size.bytes),
                );
                results.push_str(&format!(
                    "{name}\tboth\t{}\t{}\n",
                    ours.as_secs_f64(),
                    theirs.as_secs_f64()
                ));
            }
            Outcome::Refused { by, why } => {
                let why = why.replace(['\n', '|'], " ");
                println!("| {name} | {given_as} | refused by {by}: {why} | | | | |");
                results.push_str(&format!("{name}\trefused\t{by}\t{why}\n"));
            }
        }
    }
    std::fs::write(args.out.join("results.tsv"), results).map_err(|e| e.to_string())?;
    println!(
        "\nMedians of {} interleaved runs each, release build, one process. Ours formats large \
         files on up to {workers} threads (`available_parallelism`); progenitor's pipeline is \
         single-threaded.",
        args.runs
    );
    Ok(())
}

/// The text progenitor can read. A 3.0 document as published; a 3.1 document converted to 3.0
/// (see [`downgrade`]; an empty `paths` where it has none) and given to both generators as JSON.
fn as_openapi_30(text: &str) -> Result<(String, &'static str), String> {
    let mut doc: serde_json::Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        yaml_serde::from_str(text).map_err(|e| e.to_string())?
    };
    let version = doc.get("openapi").and_then(|v| v.as_str()).unwrap_or("");
    if !version.starts_with("3.1") {
        return Ok((text.to_owned(), "as published"));
    }
    doc["openapi"] = "3.0.3".into();
    // 3.0 requires `paths`; a 3.1 document may describe only webhooks or components.
    if doc.get("paths").is_none() {
        doc["paths"] = serde_json::json!({});
    }
    downgrade(&mut doc);
    Ok((
        serde_json::to_string(&doc).map_err(|e| e.to_string())?,
        "3.1, converted to 3.0",
    ))
}

/// The 3.1 schema forms 3.0 spells differently, rewritten in place wherever they appear:
/// `type: [T, "null"]` -> `type: T, nullable: true` (a list of several non-null types loses
/// its `type`), `type: "null"` -> `nullable: true, enum: [null]`, `const: V` -> `enum: [V]`, numeric `exclusiveMinimum`/`exclusiveMaximum` ->
/// the bound and a boolean, `examples: [..]` -> `example`. Nothing else changes.
fn downgrade(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if map.get("type").is_some_and(|t| t == "null") {
                map.remove("type");
                map.insert("nullable".into(), Value::Bool(true));
                map.insert("enum".into(), Value::Array(vec![Value::Null]));
            }
            if let Some(Value::Array(types)) = map.get("type").cloned() {
                let non_null: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                if non_null.len() < types.len() {
                    map.insert("nullable".into(), Value::Bool(true));
                }
                match non_null.as_slice() {
                    [one] => {
                        map.insert("type".into(), (*one).clone());
                    }
                    _ => {
                        map.remove("type");
                    }
                }
            }
            if let Some(constant) = map.remove("const") {
                map.insert("enum".into(), Value::Array(vec![constant]));
            }
            for (exclusive, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(n @ Value::Number(_)) = map.get(exclusive).cloned() {
                    map.insert(bound.into(), n);
                    map.insert(exclusive.into(), Value::Bool(true));
                }
            }
            if let Some(Value::Array(examples)) = map.get("examples").cloned()
                && map.get("type").is_some_and(Value::is_string)
            {
                map.remove("examples");
                if let Some(first) = examples.into_iter().next() {
                    map.insert("example".into(), first);
                }
            }
            map.values_mut().for_each(downgrade);
        }
        Value::Array(items) => items.iter_mut().for_each(downgrade),
        _ => {}
    }
}

/// Generates `text` with both, checks each once (a refusal or panic ends the comparison), then
/// times `runs` interleaved runs of each and writes both outputs under `dir`.
fn compare(text: &str, dir: &Path, runs: usize) -> Result<Outcome, String> {
    let ours_files = match ours(text) {
        Ok(files) => files,
        Err(why) => return Ok(Outcome::Refused { by: "ours", why }),
    };
    let theirs_file = match theirs(text) {
        Ok(file) => file,
        Err(why) => {
            return Ok(Outcome::Refused {
                by: "progenitor",
                why,
            });
        }
    };
    let mut ours_times = Vec::with_capacity(runs);
    let mut theirs_times = Vec::with_capacity(runs);
    for i in 0..runs {
        let mut time_ours = || -> Result<(), String> {
            let started = Instant::now();
            std::hint::black_box(ours(std::hint::black_box(text))?);
            ours_times.push(started.elapsed());
            Ok(())
        };
        let mut time_theirs = || -> Result<(), String> {
            let started = Instant::now();
            std::hint::black_box(theirs(std::hint::black_box(text))?);
            theirs_times.push(started.elapsed());
            Ok(())
        };
        // Alternate which goes first, so neither always runs on a warmer cache.
        if i % 2 == 0 {
            time_ours()?;
            time_theirs()?;
        } else {
            time_theirs()?;
            time_ours()?;
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("ours")).map_err(|e| e.to_string())?;
    for (path, contents) in &ours_files {
        let target = dir.join("ours").join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(target, contents).map_err(|e| e.to_string())?;
    }
    std::fs::write(dir.join("theirs.rs"), &theirs_file).map_err(|e| e.to_string())?;
    Ok(Outcome::Both {
        ours: median(ours_times),
        theirs: median(theirs_times),
        ours_size: Size::of(ours_files.iter().map(|(_, c)| c.as_str())),
        theirs_size: Size::of([theirs_file.as_str()]),
    })
}

/// Our whole pipeline: text -> formatted files.
fn ours(text: &str) -> Result<Vec<(String, String)>, String> {
    let output = aps_auth_codegen::generate(text, &aps_auth_codegen::Options::default())
        .map_err(|e| e.to_string())?;
    Ok(output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect())
}

/// progenitor's whole pipeline, as its documentation's `build.rs` runs it: text -> `openapiv3`
/// model -> `generate_tokens` -> `syn::File` -> `prettyplease`.
fn theirs(text: &str) -> Result<String, String> {
    let run = || -> Result<String, String> {
        let spec: openapiv3::OpenAPI = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| format!("openapiv3 cannot read it: {e}"))?
        } else {
            yaml_serde::from_str(text).map_err(|e| format!("openapiv3 cannot read it: {e}"))?
        };
        let mut generator =
            progenitor_impl::Generator::new(&progenitor_impl::GenerationSettings::default());
        let tokens = generator
            .generate_tokens(&spec)
            .map_err(|e| format!("progenitor refuses it: {e}"))?;
        let file: syn::File =
            syn::parse2(tokens).map_err(|e| format!("its tokens do not parse: {e}"))?;
        Ok(prettyplease::unparse(&file))
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "a panic without a message".into());
            Err(format!("progenitor panics: {message}"))
        }
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn kib(bytes: usize) -> String {
    format!("{} KiB", bytes.div_ceil(1024))
}
