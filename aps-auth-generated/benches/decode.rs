//! Decoding a large Data Management answer, in one process (no I/O):
//!
//! - `floor`: parsing the body into a `serde_json::Value`, which any decoder does at least;
//! - `strict`: the body decoded into the generated `FolderContents` (what every answer costs:
//!   `decode_answer` finds nothing to skip);
//! - `degraded`: the same body with one unexpected value (a version's `storageSize` as text):
//!   the strict decode fails, the body is decoded again leniently, the value is left out and
//!   listed. Before lenient decoding existed this answer was an error.
//!
//! The answer is Autodesk's own `FolderContents` example (`benches/fixtures/folder-contents.json`,
//! from spec/data-management.yaml), its folder, item and version repeated with fresh ids to
//! `ENTRIES` entries each. Runs are interleaved; medians and ratios against `strict` are printed.
//!
//! `cargo bench -p aps-auth-generated --bench decode --features data-management` measures; `cargo
//! test` of the same bench is a smoke run with few iterations.

use std::time::{Duration, Instant};

use aps_auth_generated::decode_answer;
use aps_auth_generated::generated::data_management::types::FolderContents;
use serde_json::Value;

const EXAMPLE: &str = include_str!("fixtures/folder-contents.json");

/// A body with `entries` folders, items and versions; with `bad`, one version's `storageSize` is
/// text.
fn answer(entries: usize, bad: bool) -> Vec<u8> {
    let mut root: Value = serde_json::from_str(EXAMPLE).expect("the fixture is JSON");
    let repeat = |list: &Value| -> Vec<Value> {
        let list = list.as_array().expect("an array");
        (0..entries)
            .flat_map(|i| {
                list.iter().map(move |entry| {
                    let mut entry = entry.clone();
                    if let Some(id) = entry.get("id").and_then(Value::as_str) {
                        entry["id"] = Value::String(format!("{id}-{i}"));
                    }
                    entry
                })
            })
            .collect()
    };
    root["data"] = Value::Array(repeat(&root["data"]));
    let mut included = repeat(&root["included"]);
    for (i, version) in included.iter_mut().enumerate() {
        version["attributes"]["storageSize"] = Value::from(1024 + i as i64);
    }
    if bad {
        let middle = included.len() / 2;
        included[middle]["attributes"]["storageSize"] = Value::from("1.2 MB");
    }
    root["included"] = Value::Array(included);
    serde_json::to_vec(&root).expect("encodes")
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (entries, rounds) = if full { (1_000, 21) } else { (20, 3) };
    let clean = answer(entries, false);
    let bad = answer(entries, true);

    // What each path gives, checked before anything is timed: through the decoded value's JSON
    // (its wire names), not the generated type's fields, which a change to the document's
    // schema may rename or reshape.
    let length = |value: &FolderContents, member: &str| {
        serde_json::to_value(value).expect("encodes")[member]
            .as_array()
            .map(Vec::len)
    };
    let (whole, skipped) = decode_answer::<FolderContents>(&clean, true).expect("decodes");
    assert!(skipped.is_empty());
    assert_eq!(length(&whole, "data"), Some(entries * 2));
    assert!(
        decode_answer::<FolderContents>(&bad, false).is_err(),
        "strictly, an error"
    );
    let (partial, skipped) = decode_answer::<FolderContents>(&bad, true).expect("degrades");
    assert_eq!(length(&partial, "included"), Some(entries));
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        skipped[0].pointer(),
        format!("/included/{}/attributes/storageSize", entries / 2)
    );

    let (mut floor, mut strict, mut degraded) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(serde_json::from_slice::<Value>(&clean).unwrap());
        floor.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(decode_answer::<FolderContents>(&clean, true).unwrap());
        strict.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(decode_answer::<FolderContents>(&bad, true).unwrap());
        degraded.push(t.elapsed());
    }
    let (floor, strict, degraded) = (
        median(&mut floor),
        median(&mut strict),
        median(&mut degraded),
    );
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    let ratio = |d: Duration| d.as_secs_f64() / strict.as_secs_f64();
    println!(
        "| decoding `FolderContents`, {} entries, {} KiB ({rounds} runs, median) | time | / strict |",
        entries * 3,
        clean.len() / 1024
    );
    println!("|---|---:|---:|");
    println!(
        "| floor: parse into `serde_json::Value` | {} | {:.2} |",
        ms(floor),
        ratio(floor)
    );
    println!("| strict: every value fits | {} | 1.00 |", ms(strict));
    println!(
        "| degraded: one value does not fit (strict fails, lenient keeps the rest) | {} | {:.2} |",
        ms(degraded),
        ratio(degraded)
    );
}
