//! Generator benchmark: time per stage on the APS spec and on large real-world documents,
//! against the floor of parsing the same text into a `serde_json::Value`, plus peak memory.
//!
//! `cargo bench -p aps-auth-codegen --bench generator` (what `cargo xtask bench` runs) measures;
//! `cargo test -p aps-auth-codegen --bench generator` is a smoke run (one iteration, small
//! documents). Extra arguments name other documents. Output is a Markdown table.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aps_auth_codegen::{Options, emit, format, generate, load, lower};

/// Documents measured by default, relative to the workspace root (the shared corpus is read
/// from beside the checkout, where it exists).
const DOCUMENTS: &[&str] = &[
    "spec/aps-authentication-v2.yaml",
    "../shared/specs/redocly-museum.yaml",
    "../shared/specs/discord-openapi.json",
    "../shared/specs/openai-openapi.yaml",
    "../shared/specs/github-webhooks-api.github.com.json",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // A child run for peak memory: `--peak-of <what> <path>`.
    if let [flag, what, path] = args.as_slice()
        && flag == "--peak-of"
    {
        let text = std::fs::read_to_string(path).expect("readable document");
        match what.as_str() {
            "floor" => drop(load::parse_text(&text).expect("parses")),
            _ => drop(generate(&text, &Options::default()).expect("generates")),
        }
        println!("{}", peak_rss_kib().unwrap_or(0));
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let named: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let documents: Vec<PathBuf> = if !named.is_empty() {
        named
    } else if full {
        DOCUMENTS
            .iter()
            .map(|d| root().join(d))
            .filter(|p| p.exists())
            .collect()
    } else {
        vec![
            root().join(DOCUMENTS[0]),
            root().join("tests/fixtures/types.yaml"),
        ]
    };
    let budget = if full {
        Duration::from_secs(3)
    } else {
        Duration::ZERO
    };

    println!(
        "| document | size | floor (parse to Value) | load | lower | emit | format | total, sequential | total, `generate` | total / floor | peak RSS (floor) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for path in documents {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stages = measure(budget, || stages(&text));
        let total = median(budget, || {
            generate(&text, &Options::default()).expect("generates");
        });
        let floor = stages.floor;
        let sequential = stages.load + stages.lower + stages.emit + stages.format;
        let peak = |what: &str| {
            peak_of(what, &path).map_or("?".to_owned(), |kib| {
                format!("{:.0} MiB", kib as f64 / 1024.0)
            })
        };
        println!(
            "| {} | {:.0} KiB | {} | {} | {} | {} | {} | {} | {} | {:.1}x | {} ({}) |",
            path.file_name().unwrap_or_default().to_string_lossy(),
            text.len() as f64 / 1024.0,
            ms(floor),
            ms(stages.load),
            ms(stages.lower),
            ms(stages.emit),
            ms(stages.format),
            ms(sequential),
            ms(total),
            total.as_secs_f64() / floor.as_secs_f64(),
            if full { peak("generate") } else { "-".into() },
            if full { peak("floor") } else { "-".into() },
        );
    }
}

#[derive(Default, Clone, Copy)]
struct Stages {
    floor: Duration,
    load: Duration,
    lower: Duration,
    emit: Duration,
    format: Duration,
}

/// One sequential run of the pipeline, stage by stage (load includes the text parse).
fn stages(text: &str) -> Stages {
    let t = Instant::now();
    let value = load::parse_text(text).expect("parses");
    let floor = t.elapsed();
    drop(value);
    let t = Instant::now();
    let doc = load::load(text).expect("loads");
    let load = t.elapsed();
    let t = Instant::now();
    let (api, _) = lower::lower(&doc, &Options::default()).expect("lowers");
    let lower = t.elapsed();
    let layout = aps_auth_codegen::Layout::default();
    let t = Instant::now();
    let tokens = [
        emit::module(&api, "x", &layout),
        emit::types(&api, &layout),
        emit::operations(&api, &layout),
    ];
    let emit = t.elapsed();
    let t = Instant::now();
    for tokens in tokens {
        format::format_file(tokens, "").expect("formats");
    }
    let format = t.elapsed();
    Stages {
        floor,
        load,
        lower,
        emit,
        format,
    }
}

/// Repeats `run` for about `budget` (at least once, at most 50 times): the median of each stage.
fn measure(budget: Duration, mut run: impl FnMut() -> Stages) -> Stages {
    let started = Instant::now();
    let mut runs = vec![run()];
    while started.elapsed() < budget && runs.len() < 50 {
        runs.push(run());
    }
    let med = |f: fn(&Stages) -> Duration| {
        let mut v: Vec<Duration> = runs.iter().map(f).collect();
        v.sort();
        v[v.len() / 2]
    };
    Stages {
        floor: med(|s| s.floor),
        load: med(|s| s.load),
        lower: med(|s| s.lower),
        emit: med(|s| s.emit),
        format: med(|s| s.format),
    }
}

fn median(budget: Duration, mut run: impl FnMut()) -> Duration {
    let started = Instant::now();
    let mut times = Vec::new();
    loop {
        let t = Instant::now();
        run();
        times.push(t.elapsed());
        if started.elapsed() >= budget || times.len() >= 50 {
            break;
        }
    }
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Peak resident memory of a fresh process doing only `what` on `path`.
fn peak_of(what: &str, path: &Path) -> Option<u64> {
    let out = std::process::Command::new(std::env::current_exe().ok()?)
        .arg("--peak-of")
        .arg(what)
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// `VmHWM` of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
