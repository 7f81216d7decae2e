//! The generator and the runtime agree: the type names the crate root exports from its runtime
//! are exactly the ones `aps-auth-codegen` keeps generated types away from
//! (`naming::RUNTIME_NAMES`), and generated code names only items of the runtime contract.

use std::collections::BTreeSet;

use aps_auth_codegen::naming::{RUNTIME_NAMES, reserved_type_names};
use aps_auth_tests::{read, workspace_root};

/// The names in `pub use runtime::...::{A, B};` lines of the crate's `lib.rs` that are types.
fn runtime_exports() -> BTreeSet<String> {
    let lib = read("aps-auth-generated/src/lib.rs");
    let mut names = BTreeSet::new();
    for line in lib.lines().filter(|l| {
        l.starts_with("pub use aps_auth_runtime::") || l.starts_with("pub use generated::{")
    }) {
        let items = match (line.find('{'), line.rfind('}')) {
            (Some(open), Some(close)) => &line[open + 1..close],
            _ => line.rsplit("::").next().unwrap_or("").trim_end_matches(';'),
        };
        for item in items.split(',').map(str::trim) {
            // Types only: constants (`DEFAULT_TIMEOUT`) cannot clash with generated types.
            if item.starts_with(|c: char| c.is_ascii_uppercase()) && !item.contains('_') {
                names.insert(item.to_owned());
            }
        }
    }
    names
}

#[test]
fn reserved_names_are_the_runtime_exports() {
    let exported = runtime_exports();
    let reserved: BTreeSet<String> = RUNTIME_NAMES.iter().map(|s| (*s).to_owned()).collect();
    assert!(
        !exported.is_empty(),
        "no `pub use aps_auth_runtime::` line found"
    );
    assert_eq!(
        exported, reserved,
        "aps-auth-generated/src/lib.rs and codegen's naming::RUNTIME_NAMES disagree"
    );
    for name in RUNTIME_NAMES {
        assert!(reserved_type_names().contains(name), "{name}");
    }
}

#[test]
fn generated_code_uses_only_the_runtime_contract() {
    let dir = workspace_root().join("aps-auth-generated/src/generated");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("generated dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("readable");
            for (i, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(at) = rest.find("crate::runtime::") {
                    rest = &rest[at + "crate::runtime::".len()..];
                    if !rest.starts_with("contract::") {
                        offenders.push(format!("{}:{}: {line}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "generated code reaches past the runtime contract:\n{}",
        offenders.join("\n")
    );
}
