//! The documents of `spec/` and where each one's generated module goes.
//!
//! The primary document (`aps-authentication-v2.yaml`, or else the first by file name) generates
//! `src/generated/` itself, whose operations are methods of the crate's `Client`. Every other
//! document generates `src/generated/<file name in snake case>/`, with a `Client` of its own, so a
//! second API is added by dropping its document into `spec/`.

use std::path::{Path, PathBuf};

use aps_auth_codegen::{GeneratedFile, Layout, Options, generate, naming};

/// The document the crate is built around.
pub const PRIMARY: &str = "aps-authentication-v2.yaml";

/// One document and the module it generates.
pub struct Document {
    /// Where to read it.
    pub path: PathBuf,
    /// How messages and the `@generated` header name it.
    pub source_name: String,
    /// `None` for the primary document; the submodule name otherwise.
    pub module: Option<String>,
}

/// The OpenAPI documents (`.yaml`, `.yml`, `.json`) in `dir`, primary first. `shown` is how
/// messages name the directory.
pub fn discover(dir: &Path, shown: &str) -> Result<Vec<Document>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!(
            "no OpenAPI document (.yaml, .yml, .json) in {shown}"
        ));
    }
    let primary = if names.iter().any(|n| n == PRIMARY) {
        PRIMARY.to_owned()
    } else {
        names[0].clone()
    };
    names.retain(|n| *n != primary);
    let mut docs = vec![Document {
        path: dir.join(&primary),
        source_name: format!("{shown}/{primary}"),
        module: None,
    }];
    let mut taken = naming::Namespace::with_reserved(&["types", "operations", "r#mod"]);
    for name in names {
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let module = taken.claim(&naming::snake(stem));
        docs.push(Document {
            path: dir.join(&name),
            source_name: format!("{shown}/{name}"),
            module: Some(module),
        });
    }
    Ok(docs)
}

/// Generates every document; file paths are relative to the generated directory
/// (`types.rs`, `other_api/types.rs`). Warnings are printed.
pub fn generate_all(docs: &[Document]) -> Result<Vec<GeneratedFile>, String> {
    let submodules: Vec<String> = docs.iter().filter_map(|d| d.module.clone()).collect();
    let mut files = Vec::new();
    for doc in docs {
        let text = std::fs::read_to_string(&doc.path)
            .map_err(|e| format!("cannot read {}: {e}", doc.path.display()))?;
        let layout = match &doc.module {
            None => Layout::Root {
                submodules: submodules.clone(),
            },
            Some(_) => Layout::Nested,
        };
        let options = Options {
            source_name: doc.source_name.clone(),
            layout,
            ..Options::default()
        };
        let output = generate(&text, &options).map_err(|e| format!("{}: {e}", doc.source_name))?;
        for warning in &output.warnings {
            eprintln!("{}: {warning}", doc.source_name);
        }
        for mut file in output.files {
            if let Some(module) = &doc.module {
                file.path = format!("{}/{}", naming::unraw(module), file.path);
            }
            files.push(file);
        }
    }
    Ok(files)
}
