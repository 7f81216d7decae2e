//! The documents of `spec/` and where each one's generated module goes.
//!
//! The primary document (`aps-authentication-v2.yaml`, or else the first by file name) generates
//! `src/generated/` itself, whose operations are methods of the crate's `Client`. Every other
//! document generates `src/generated/<file name in snake case>/`, with a `Client` of its own, so a
//! second API is added by dropping its document into `spec/` and declaring its cargo feature:
//! `src/generated/mod.rs` compiles the module only with the feature named after it
//! (`data-management` for `spec/data-management.yaml`, off by default), and
//! `cargo xtask generate` refuses a document whose feature `aps-auth-generated/Cargo.toml` lacks
//! ([`check_features`]).
//!
//! Each document's name map (the Rust names its items were published under, see
//! `aps_auth_codegen::names`) is `names/<document file name>.json` beside it
//! (`spec/names/aps-authentication-v2.yaml.json`): a directory, so [`discover`] never takes a map
//! for a document.

use std::path::{Path, PathBuf};

use aps_auth_codegen::model::Api;
use aps_auth_codegen::names::NameMap;
use aps_auth_codegen::{GeneratedFile, Layout, Options, Warning, generate_full, naming};

/// The document the crate is built around.
pub const PRIMARY: &str = "aps-authentication-v2.yaml";

/// The directory of the name maps, inside the documents' directory.
pub const NAMES_DIR: &str = "names";

/// One document and the module it generates.
pub struct Document {
    /// Where to read it.
    pub path: PathBuf,
    /// How messages and the `@generated` header name it.
    pub source_name: String,
    /// `None` for the primary document; the submodule name otherwise.
    pub module: Option<String>,
    /// Where its name map is read from and written to; `None`: names are derived afresh and no
    /// map is kept.
    pub names: Option<PathBuf>,
}

impl Document {
    /// The document's file name (`aps-authentication-v2.yaml`).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The name map kept for it, if any: `None` when it has no map file yet.
    pub fn read_names(&self) -> Result<Option<NameMap>, String> {
        let Some(path) = &self.names else {
            return Ok(None);
        };
        match std::fs::read_to_string(path) {
            Ok(text) => NameMap::from_json(&text)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }
}

/// What one document generates.
pub struct DocumentOutput {
    /// The model its files were rendered from (the document loaded and lowered once).
    pub api: Api,
    /// Its files, paths relative to the generated directory (`other_api/types.rs`).
    pub files: Vec<GeneratedFile>,
    /// The names of its generated items, to pin them.
    pub names: NameMap,
    /// Its public API surface (`aps_auth_codegen::surface`).
    pub surface: String,
    /// What was accepted but not represented exactly.
    pub warnings: Vec<Warning>,
    /// Whether the document's text differs from the one its name map was written from (a
    /// document without a map counts as changed).
    pub changed: bool,
    /// The name map it was generated with (the committed one), if any.
    pub previous_names: Option<NameMap>,
}

/// A fingerprint of a document's text (64-bit FNV-1a, hex): only to tell whether it changed.
pub fn text_fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The OpenAPI documents (`.yaml`, `.yml`, `.json`) in `dir`, primary first; other files (the
/// vendored documents' `SOURCES.md` and license) are not documents. `shown` is how
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
    let map_path = |name: &str| Some(dir.join(NAMES_DIR).join(format!("{name}.json")));
    let mut docs = vec![Document {
        path: dir.join(&primary),
        source_name: format!("{shown}/{primary}"),
        module: None,
        names: map_path(&primary),
    }];
    // The root module's own submodules (`endpoints` holds its operation constants, `examples` its
    // examples test): a document named like one gets `_2`.
    let mut taken = naming::Namespace::with_reserved(&[
        "types",
        "operations",
        "endpoints",
        "examples",
        "r#mod",
    ]);
    for name in names {
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let module = taken.claim(&naming::snake(stem));
        docs.push(Document {
            names: map_path(&name),
            path: dir.join(&name),
            source_name: format!("{shown}/{name}"),
            module: Some(module),
        });
    }
    Ok(docs)
}

/// The manifest of the crate the documents are generated into, relative to the workspace root.
pub const CRATE_MANIFEST: &str = "aps-auth-generated/Cargo.toml";

/// The cargo feature that compiles each non-primary document's module (its name in kebab case,
/// `data-management` for `spec/data-management.yaml`), with the document: the generated
/// `src/generated/mod.rs` declares that module under `#[cfg(feature = "...")]`.
pub fn module_features(docs: &[Document]) -> Vec<(String, &Document)> {
    docs.iter()
        .filter_map(|d| Some((Layout::module_feature(d.module.as_deref()?), d)))
        .collect()
}

/// The features a Cargo manifest's `[features]` table declares (keys, bare or quoted).
pub fn declared_features(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[features]";
            continue;
        }
        if !inside || line.starts_with('#') {
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            out.push(key.trim().trim_matches('"').to_owned());
        }
    }
    out
}

/// Refuses documents whose module has no feature in the crate's manifest (`manifest`, the text
/// of the file `manifest_name`): without it the module would be generated but never compiled,
/// and cargo would warn about an unknown feature in `cfg`. One sentence per document, naming
/// the line to add.
pub fn check_features(
    docs: &[Document],
    manifest: &str,
    manifest_name: &str,
) -> Result<(), String> {
    let declared = declared_features(manifest);
    let problems: Vec<String> = module_features(docs)
        .into_iter()
        .filter(|(feature, _)| !declared.contains(feature))
        .map(|(feature, doc)| {
            format!(
                "{} generates the module `generated::{}`, which is compiled only with the cargo \
                 feature `{feature}`, and {manifest_name} does not declare it: add the line \
                 `{feature} = []` to the [features] table of {manifest_name} (it stays off by \
                 default; users enable it with `features = [\"{feature}\"]`).",
                doc.source_name,
                naming::unraw(doc.module.as_deref().unwrap_or_default()),
            )
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems.join("\n")),
    }
}

/// Generates every document; file paths are relative to the generated directory
/// (`types.rs`, `other_api/types.rs`). Warnings are not printed.
pub fn generate_all(docs: &[Document]) -> Result<Vec<GeneratedFile>, String> {
    Ok(generate_documents(docs)?
        .into_iter()
        .flat_map(|d| d.files)
        .collect())
}

/// Generates every document with its name map (when it has one); one output per document, in
/// the same order. Warnings are returned, not printed.
pub fn generate_documents(docs: &[Document]) -> Result<Vec<DocumentOutput>, String> {
    let submodules: Vec<String> = docs.iter().filter_map(|d| d.module.clone()).collect();
    let mut outputs = Vec::new();
    for doc in docs {
        let text = std::fs::read_to_string(&doc.path)
            .map_err(|e| format!("cannot read {}: {e}", doc.path.display()))?;
        let layout = match &doc.module {
            None => Layout::Root {
                submodules: submodules.clone(),
            },
            Some(_) => Layout::Nested,
        };
        let names = doc.read_names()?;
        let fingerprint = text_fingerprint(&text);
        let changed =
            names.as_ref().and_then(|n| n.source.as_deref()) != Some(fingerprint.as_str());
        let options = Options {
            source_name: doc.source_name.clone(),
            layout,
            names: names.clone(),
            ..Options::default()
        };
        let mut generated =
            generate_full(&text, &options).map_err(|e| format!("{}: {e}", doc.source_name))?;
        generated.names.source = Some(fingerprint);
        let mut files = generated.output.files;
        if let Some(module) = &doc.module {
            for file in &mut files {
                file.path = format!("{}/{}", naming::unraw(module), file.path);
            }
        }
        outputs.push(DocumentOutput {
            api: generated.api,
            files,
            names: generated.names,
            surface: generated.surface,
            warnings: generated.output.warnings,
            changed,
            previous_names: names,
        });
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(names: &[&str]) -> (tempdir::Dir, Vec<Document>) {
        let dir = tempdir::Dir::new();
        for name in names {
            std::fs::write(dir.0.join(name), "openapi: 3.1.0\n").unwrap();
        }
        // Not documents: attribution and license files sit beside them.
        std::fs::write(dir.0.join("SOURCES.md"), "").unwrap();
        std::fs::write(dir.0.join("LICENSE-vendor"), "").unwrap();
        let docs = discover(&dir.0, "spec").unwrap();
        (dir, docs)
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "xtask-documents-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    const MANIFEST: &str = "[package]\nname = \"x\"\n\n[features]\ndefault = [\"oauth\"]\n\
        # a comment = no feature\noauth = []\n\"data-management\" = []\n\n[dependencies]\noss = \"1\"\n";

    #[test]
    fn only_documents_are_discovered_and_each_other_one_has_a_feature() {
        let (_dir, docs) = docs(&[PRIMARY, "data-management.yaml", "oss.yaml"]);
        let names: Vec<String> = docs.iter().map(Document::file_name).collect();
        assert_eq!(names, [PRIMARY, "data-management.yaml", "oss.yaml"]);
        let features: Vec<String> = module_features(&docs).into_iter().map(|(f, _)| f).collect();
        assert_eq!(features, ["data-management", "oss"]);
    }

    #[test]
    fn the_features_table_is_read_alone() {
        assert_eq!(
            declared_features(MANIFEST),
            ["default", "oauth", "data-management"]
        );
    }

    #[test]
    fn a_document_without_its_feature_is_refused_with_the_line_to_add() {
        let (_dir, docs) = docs(&[PRIMARY, "data-management.yaml", "oss.yaml"]);
        let err = check_features(&docs, MANIFEST, CRATE_MANIFEST).unwrap_err();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("spec/oss.yaml generates the module `generated::oss`"),
            "{err}"
        );
        assert!(
            err.contains(
                "add the line `oss = []` to the [features] table of aps-auth-generated/Cargo.toml"
            ),
            "{err}"
        );
        let fixed = MANIFEST.replace("oauth = []", "oauth = []\noss = []");
        assert_eq!(check_features(&docs, &fixed, CRATE_MANIFEST), Ok(()));
    }

    #[test]
    fn the_primary_document_alone_needs_no_feature() {
        let (_dir, docs) = docs(&[PRIMARY]);
        assert_eq!(check_features(&docs, "", CRATE_MANIFEST), Ok(()));
    }

    #[test]
    fn a_document_named_like_a_root_submodule_gets_another_module_name() {
        let (_dir, docs) = docs(&[PRIMARY, "endpoints.yaml", "types.json", "examples.yaml"]);
        let modules: Vec<Option<String>> = docs.iter().map(|d| d.module.clone()).collect();
        assert_eq!(
            modules,
            [
                None,
                Some("endpoints_2".to_owned()),
                Some("examples_2".to_owned()),
                Some("types_2".to_owned())
            ]
        );
    }
}
