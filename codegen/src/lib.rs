//! `aps-auth-codegen`: turns an OpenAPI 3.1 (or 3.0) document into the Rust source of a typed,
//! async client.
//!
//! The pipeline has one module per stage, and [`generate`] runs them in order:
//!
//! 1. [`load`]: YAML/JSON text -> `oas3` model (parse errors carry a JSON pointer);
//! 2. [`lower`]: `oas3` model -> [`model::Api`], validated and fully named (names a name map
//!    pins kept, see [`names`]);
//! 3. [`emit`]: model -> `proc_macro2::TokenStream` per file, with `quote`;
//! 4. [`mod@format`]: tokens -> source text with `prettyplease` and an `@generated` header.
//!
//! [`generate_full`] also returns the name map of the result and its public API surface
//! ([`surface`], which also compares two surfaces and says which changes break callers).
//!
//! The library does no I/O: it takes the document's text and returns the files' contents.

pub mod docs;
pub mod emit;
pub mod error;
pub mod examples;
pub mod format;
pub mod load;
pub mod lower;
pub mod model;
pub mod names;
pub mod naming;
pub mod surface;

pub use emit::Layout;
pub use error::{ErrorKind, Pointer, SpecError, Warning};

/// Generator settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How the document is named in the `@generated` header (e.g. `spec/aps-authentication-v2.yaml`).
    pub source_name: String,
    /// String properties that hold secrets wherever they appear; they become `SecretString`,
    /// whose `Debug` is redacted.
    pub secret_fields: Vec<String>,
    /// String properties that hold secrets when they are fields of a form-urlencoded request body
    /// (an OAuth `code` there is an authorization code; elsewhere `code` is usually an error code).
    pub secret_form_fields: Vec<String>,
    /// String properties and parameters that hold a space-separated OAuth 2.0 scope list; they
    /// become `Scopes` when the document declares OAuth 2.0 scopes.
    pub scope_fields: Vec<String>,
    /// Where the generated module sits: the crate's root document, or one of several.
    pub layout: Layout,
    /// The Rust names the document's items were published under (see [`names`]): `None` derives
    /// every name from the document.
    pub names: Option<names::NameMap>,
}

impl Default for Options {
    fn default() -> Self {
        let strings = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        Options {
            source_name: "openapi.yaml".into(),
            secret_fields: strings(&[
                "access_token",
                "refresh_token",
                "id_token",
                "client_secret",
                "code_verifier",
                "password",
                "token",
                // A service account key's PEM (Secure Service Accounts' `privateKey`).
                "privateKey",
                "private_key",
            ]),
            // A JWT-bearer grant's `assertion` (RFC 7523) is a signed credential.
            secret_form_fields: strings(&["code", "assertion"]),
            scope_fields: strings(&["scope"]),
            layout: Layout::default(),
            names: None,
        }
    }
}

/// One generated file, with its path relative to the generated module's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, `/`-separated (`types.rs`).
    pub path: String,
    /// Full contents, header included.
    pub contents: String,
}

/// The result of a successful run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The files, in a fixed order.
    pub files: Vec<GeneratedFile>,
    /// What was accepted but not represented exactly.
    pub warnings: Vec<Warning>,
}

/// Everything [`generate_full`] produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The validated model the files were rendered from (what hand-written code needs from the
    /// document can be checked on it without lowering the document again).
    pub api: model::Api,
    /// The files and warnings.
    pub output: Output,
    /// The names the generated code has, to pin them in the next run ([`Options::names`]).
    pub names: names::NameMap,
    /// The generated module's public API, one line per item ([`surface::surface`]).
    pub surface: String,
}

/// The validated model of a document, with the names `options.names` pins: what the generated
/// code is rendered from (used to check what hand-written code needs from a document).
pub fn document_model(
    text: &str,
    options: &Options,
) -> Result<(model::Api, Vec<Warning>), SpecError> {
    let doc = load::load(text)?;
    let (api, warnings, _) = names::lower_with_names(&doc, options)?;
    Ok((api, warnings))
}

/// Runs the whole pipeline on a document's text.
pub fn generate(text: &str, options: &Options) -> Result<Output, SpecError> {
    generate_full(text, options).map(|generated| generated.output)
}

/// [`generate`], plus the model, the name map and the public API surface of the result: the
/// document is loaded and lowered once for all of them.
pub fn generate_full(text: &str, options: &Options) -> Result<Generated, SpecError> {
    let doc = load::load(text)?;
    let (api, warnings, names) = names::lower_with_names(&doc, options)?;
    let surface = surface::surface(&api);
    let header = format!(
        "// @generated by aps-auth-codegen from `{}` ({} {}).\n// Do not edit by hand: edit the spec and run `cargo xtask generate`.",
        options.source_name, api.title, api.version
    );
    let file = |path: &str, contents: Result<String, SpecError>| {
        contents.map(|contents| GeneratedFile {
            path: path.to_owned(),
            contents,
        })
    };
    // operations.rs is emitted and formatted on its own thread while types.rs is done in chunks.
    let emitter = emit::Emitter::new(&api, &options.layout);
    let (types, operations) = std::thread::scope(|scope| {
        let operations =
            scope.spawn(|| format::format_file(emit::operations(&api, &options.layout), &header));
        let types = format::format_items(
            &header,
            emit::types_prelude,
            &emitter.types_items(),
            &|item| emitter.types_item(item),
        );
        let operations = operations.join().unwrap_or_else(|_| {
            Err(SpecError::new(
                Pointer::root(),
                ErrorKind::Internal("a formatting thread panicked".into()),
            ))
        });
        (types, operations)
    });
    let mut files = vec![
        file(
            "mod.rs",
            format::format_file(
                emit::module(&api, &options.source_name, &options.layout),
                &header,
            ),
        )?,
        file("types.rs", types)?,
        file("operations.rs", operations)?,
    ];
    if let Some(examples) = emitter.examples_file(&header, &options.source_name) {
        files.push(GeneratedFile {
            path: "examples.rs".into(),
            contents: examples,
        });
    }
    Ok(Generated {
        api,
        output: Output { files, warnings },
        names,
        surface,
    })
}
