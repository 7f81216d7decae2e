//! Scratch crates and workspaces under `target/`: generated code compiled outside the workspace
//! (`check-generated`, `corpus`, `bench`, `evolve`), and the one place xtask reads the
//! workspace's manifest for them.
//!
//! A scratch crate holds only generated code and a short `lib.rs`; it depends on the runtime
//! crate (`aps-auth-runtime`) by path, so nothing hand-written is copied.

use std::path::{Path, PathBuf};

use aps_auth_codegen::GeneratedFile;

/// The `lib.rs` of a scratch crate: the generated module, and at the root the runtime's
/// public types and the generated ones, as `aps-auth-generated` exports them.
const LIB_RS: &str = "\
//! Scratch crate written by `cargo xtask`: one document's generated code.
#![deny(missing_docs)]

#[rustfmt::skip]
pub mod generated;

#[allow(unused_imports)] // a document may declare no operations
pub use generated::operations::*;
#[allow(unused_imports)] // a document may declare no types
pub use generated::types::*;
pub use generated::{Client, ClientBuilder};
pub use aps_auth_runtime::{
    ApiError, ApiResponse, AuthError, AuthOption, BasicCredentials, ConfigError, DEFAULT_TIMEOUT,
    DecodeError, Error, Grants, OneOrMany, OperationAuth, OperationInfo, RateLimit, RawBody,
    ScopeList, SecretString, StaticToken, StatusError, TokenSource, Unparsed,
};
pub use aps_auth_runtime::{DEFAULT_MAX_PAGES, Items, PageError, Pages};
";

/// The dependencies of a scratch crate: the runtime, and the crates generated code names itself
/// (`serde::Serialize` derives, `serde_json::Value`, `reqwest::Method`, `url::Url`).
const DEPENDENCIES: &str = "\
[dependencies]
aps-auth-runtime.workspace = true
reqwest.workspace = true
serde.workspace = true
serde_json.workspace = true
url.workspace = true

[dev-dependencies]
tokio = { workspace = true, features = [\"macros\", \"rt-multi-thread\", \"net\", \"io-util\"] }
futures-core = { version = \"0.3\", default-features = false }

[lints.rust]
unexpected_cfgs = { level = \"warn\", check-cfg = [\"cfg(docsrs)\"] }
";

/// The workspace manifest's `[workspace.package]` and `[workspace.dependencies]` tables (and
/// every table after them), with each `path =` made absolute, so that a scratch workspace
/// anywhere inherits the same versions, features and path crates (the runtime) as this one.
pub fn workspace_tables(root: &Path) -> Result<String, String> {
    let manifest = read(&root.join("Cargo.toml"))?;
    let tables = manifest
        .find("[workspace.package]")
        .map(|at| &manifest[at..])
        .ok_or("no [workspace.package] in Cargo.toml")?;
    let mut out = String::with_capacity(tables.len());
    for line in tables.lines() {
        out.push_str(&absolute_path(line, root));
        out.push('\n');
    }
    Ok(out)
}

/// `line` with a relative `path = "..."` made relative to `root` (absolute).
fn absolute_path(line: &str, root: &Path) -> String {
    const KEY: &str = "path = \"";
    let Some(at) = line.find(KEY) else {
        return line.to_owned();
    };
    let start = at + KEY.len();
    let Some(len) = line[start..].find('"') else {
        return line.to_owned();
    };
    let relative = &line[start..start + len];
    if Path::new(relative).is_absolute() {
        return line.to_owned();
    }
    let absolute = root.join(relative).display().to_string();
    let escaped = absolute.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{}{escaped}{}", &line[..start], &line[start + len..])
}

/// A scratch crate's manifest: a one-package workspace carrying the workspace's tables.
/// `@NAME@` stands for the package name, `@FEATURES@` for the features of the other documents'
/// modules ([`write_scratch_crate`] fills both in).
pub fn crate_template(root: &Path) -> Result<String, String> {
    Ok(format!(
        "{}\n[workspace]\n\n{}",
        member_template(),
        workspace_tables(root)?
    ))
}

/// A scratch crate's manifest as a member of a scratch workspace that carries the tables
/// (`suite.rs`): the package alone, with the same `@NAME@` and `@FEATURES@`.
pub fn member_template() -> String {
    format!(
        "# Scratch crate written by `cargo xtask`.\n[package]\nname = \"@NAME@\"\nversion = \"0.0.0\"\n\
         edition.workspace = true\nrust-version.workspace = true\npublish = false\n\n\
         [features]\n@FEATURES@\n{DEPENDENCIES}"
    )
}

/// Writes a scratch crate named `check-<name>` at `dir` whose `src/generated/` holds `files`.
pub fn write_scratch_crate(
    root: &Path,
    dir: &Path,
    name: &str,
    files: &[GeneratedFile],
    template: &str,
) -> Result<PathBuf, String> {
    let _ = std::fs::remove_dir_all(dir);
    let generated = dir.join("src/generated");
    create_dir(&generated)?;
    for file in files {
        let path = generated.join(&file.path);
        if let Some(parent) = path.parent() {
            create_dir(parent)?;
        }
        write(&path, &file.contents)?;
    }
    write(&dir.join("src/lib.rs"), LIB_RS)?;
    let manifest = template
        .replace("@NAME@", &format!("check-{name}"))
        .replace("@FEATURES@", &module_features(files));
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&dir.join("Cargo.lock"), &read(&root.join("Cargo.lock"))?)?;
    Ok(dir.to_path_buf())
}

/// The `[features]` lines for the other documents' modules among `files` (`<module>/mod.rs`):
/// each module's feature (`Layout::module_feature`), on by default, so the scratch crate
/// compiles and checks every module the root's `mod.rs` declares.
fn module_features(files: &[GeneratedFile]) -> String {
    let mut features: Vec<String> = files
        .iter()
        .filter_map(|f| f.path.strip_suffix("/mod.rs"))
        .map(aps_auth_codegen::Layout::module_feature)
        .collect();
    features.sort();
    features.dedup();
    if features.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    let mut out = format!("default = [{}]\n", quoted.join(", "));
    for feature in &features {
        out.push_str(&format!("{feature} = []\n"));
    }
    out
}

/// The target directory scratch builds share: the one `CARGO_TARGET_DIR` names, as cargo itself
/// would use, else the workspace's `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|t| !t.is_empty())
        .map_or_else(|| root.join("target"), PathBuf::from)
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    create_dir(to)?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| format!("cannot list {}: {e}", from.display()))?
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(&path, to.join(entry.file_name()))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes a file, naming it in the error.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_become_absolute_and_others_are_kept() {
        let root = Path::new("/w/repo");
        assert_eq!(
            absolute_path("aps-auth-runtime = { path = \"aps-auth-runtime\" }", root),
            "aps-auth-runtime = { path = \"/w/repo/aps-auth-runtime\" }"
        );
        assert_eq!(
            absolute_path("x = { path = \"/abs\" }", root),
            "x = { path = \"/abs\" }"
        );
        assert_eq!(absolute_path("serde = \"1\"", root), "serde = \"1\"");
    }

    #[test]
    fn the_template_depends_on_the_runtime_by_an_absolute_path() {
        let root = xtask::freshness::workspace_root();
        let template = crate_template(&root).unwrap();
        let runtime = root.join("aps-auth-runtime").display().to_string();
        assert!(
            template.contains(&format!("aps-auth-runtime = {{ path = \"{runtime}\" }}")),
            "{template}"
        );
        assert!(template.contains("aps-auth-runtime.workspace = true"));
    }
}
