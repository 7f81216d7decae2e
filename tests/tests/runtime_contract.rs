//! The generator and the runtime agree, checked against what the crates are, not against a
//! copy of a list:
//!
//! - every type `aps-auth-generated` exports at its root beside the glob-exported generated
//!   types (read from its `lib.rs`) is a name the generator keeps generated types away from: a
//!   document whose schemas take every one of those names generates none of them (such a type
//!   would be silently shadowed at the crate root);
//! - generated code (every file under `src/generated/`, nested modules included) reaches the
//!   runtime only through `::aps_auth_runtime::` paths that exist there (the crate root's public
//!   names, or items of its `contract` module), and never through `crate::`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aps_auth_codegen::{Options, generate};
use aps_auth_tests::{read, workspace_root};

/// The names the `pub use` statements of a Rust file bring in (renames and nested groups
/// followed, globs left out).
fn pub_use_names(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let end = rest.find(';').unwrap_or(rest.len());
        let statement = &rest[..end];
        let items = match (statement.find('{'), statement.rfind('}')) {
            (Some(open), Some(close)) => &statement[open + 1..close],
            _ => statement,
        };
        for item in items.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let name = item
                .rsplit(" as ")
                .next()
                .unwrap_or(item)
                .rsplit("::")
                .next()
                .unwrap_or(item)
                .trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace());
            if name != "*" && !name.is_empty() {
                names.insert(name.to_owned());
            }
        }
        rest = &rest[end..];
    }
    names
}

/// The type names `aps-auth-generated` exports at its root by name (the runtime's types and the
/// generated module's `Client` and `ClientBuilder`): `UpperCamelCase` names, which a schema's
/// type could take.
fn root_type_exports() -> BTreeSet<String> {
    pub_use_names(&read("aps-auth-generated/src/lib.rs"))
        .into_iter()
        .filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase()) && !n.contains('_'))
        .collect()
}

/// The names of the types a generated `types.rs` defines.
fn defined_types(types_rs: &str) -> BTreeSet<String> {
    types_rs
        .lines()
        .filter_map(|l| {
            ["pub struct ", "pub enum ", "pub type "]
                .iter()
                .find_map(|p| l.strip_prefix(p))
        })
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn no_generated_type_takes_a_name_the_crate_root_exports() {
    let exports = root_type_exports();
    // The reader sees the exports of every kind of `pub use` line.
    for name in [
        "Client",
        "ClientBuilder",
        "Error",
        "SecretString",
        "TokenSource",
    ] {
        assert!(
            exports.contains(name),
            "{name} not read from lib.rs: {exports:?}"
        );
    }
    let mut doc = String::from(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n",
    );
    for name in &exports {
        doc.push_str(&format!(
            "    {name}:\n      type: object\n      properties:\n        x: {{type: string}}\n"
        ));
    }
    let output = generate(&doc, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    let types = output
        .files
        .iter()
        .find(|f| f.path == "types.rs")
        .expect("types.rs");
    let defined = defined_types(&types.contents);
    assert!(
        defined.len() >= exports.len(),
        "every schema gets a type: {defined:?}"
    );
    let clashes: Vec<&String> = defined.intersection(&exports).collect();
    assert!(
        clashes.is_empty(),
        "generated types named like root exports of aps-auth-generated (add them to codegen's \
         naming::RUNTIME_NAMES): {clashes:?}"
    );
}

/// Every `.rs` file under `dir`, nested directories included.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The identifier at the start of `text`.
fn leading_ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

#[test]
fn generated_code_uses_only_the_runtime_contract() {
    let runtime_root = pub_use_names(&read("aps-auth-runtime/src/lib.rs"));
    let contract = read("aps-auth-runtime/src/contract.rs");
    let mut contract_items = pub_use_names(&contract);
    for line in contract.lines() {
        for prefix in ["pub fn ", "pub struct "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                contract_items.insert(leading_ident(rest).to_owned());
            }
        }
    }
    let files = rust_files(&workspace_root().join("aps-auth-generated/src/generated"));
    assert!(
        files.iter().any(|f| f.ends_with("oss/operations.rs")),
        "nested modules are read: {files:?}"
    );
    let mut offenders = Vec::new();
    let mut runtime_paths = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        for (i, line) in text.lines().enumerate() {
            let at = format!("{}:{}: {}", path.display(), i + 1, line.trim());
            if line.contains("crate::") {
                offenders.push(format!("{at} (names `crate::`)"));
            }
            let mut rest = line;
            while let Some(found) = rest.find("aps_auth_runtime::") {
                rest = &rest[found + "aps_auth_runtime::".len()..];
                runtime_paths += 1;
                let first = leading_ident(rest);
                let known = match first {
                    "contract" => {
                        let item = leading_ident(&rest["contract::".len().min(rest.len())..]);
                        contract_items.contains(item)
                    }
                    other => runtime_root.contains(other),
                };
                if !known {
                    offenders.push(format!("{at} (`{first}` is not in the runtime's contract)"));
                }
            }
        }
    }
    assert!(runtime_paths > 100, "generated code names the runtime");
    assert!(
        offenders.is_empty(),
        "generated code reaches past the runtime contract:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_readers_see_what_they_check() {
    let names = pub_use_names(
        "pub use a::{B, c::D as E};\n// pub use z::Hidden;\npub use f::G; // note\npub use h::*;\n\
         pub use x::{\n    Y,\n    Z,\n};",
    );
    let expected: BTreeSet<String> = ["B", "E", "G", "Y", "Z"].map(String::from).into();
    assert_eq!(names, expected);
    assert_eq!(
        defined_types("pub struct A {\npub enum B(\npub type C = D;\n    pub struct Inner;"),
        ["A", "B", "C"].map(String::from).into()
    );
}
