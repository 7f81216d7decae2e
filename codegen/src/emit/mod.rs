//! Stage 3: intermediate model -> token streams, one per generated file.
//!
//! The emitter only renders what [`crate::model`] decided; it makes no decision about the
//! document. One [`Emitter`] (the model plus the module's [`Layout`]) is spread over files by
//! concept:
//!
//! | file | renders |
//! |---|---|
//! | `module.rs` | `mod.rs`: module docs, `DEFAULT_BASE_URL`, feature-gated submodules, a nested `Client` |
//! | `endpoints.rs` | `mod.rs`'s `endpoints` module: one `OperationInfo` constant per operation |
//! | `types.rs` | `types.rs`: its items in order, structs, fields, aliases, newtypes |
//! | `enums.rs` | string enums (closed and open) and the `Scope` enum |
//! | `unions.rs` | `oneOf`/`anyOf` enums, untagged or dispatched on a tag |
//! | `params.rs` | parameter structs and how each parameter shape is written |
//! | `operations.rs` | `operations.rs`: one method per operation, or a URL builder |
//! | `inputs.rs` | a call builder's inputs: fields, positional arguments, setters |
//! | `request.rs` | the statements of `send` that put the inputs into the request |
//! | `pagination.rs` | a paged call builder's `pages()`, `items()` and `Clone` |
//!
//! Generated code calls only the runtime crate, `aps-auth-runtime`: its public types (`Error`,
//! `ApiResponse`, `SecretString`...) and its doc-hidden contract (`contract`: the macros and
//! send helpers), so the generated files stay small. It names the runtime by the absolute path
//! `runtime()` writes ([`RUNTIME_CRATE`] is the one place the crate's name is written), and
//! the module's own `Client` relatively (`super::Client`), never through `crate::`.

mod endpoints;
mod enums;
mod examples;
mod inputs;
mod module;
mod operations;
mod pagination;
mod params;
mod request;
mod types;
mod unions;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::docs::sanitize;
use crate::model::{Api, TypeRef};

pub use types::TypesItem;

/// The name of the crate generated code calls, `aps-auth-runtime`, as Rust writes it: the one
/// place it is written (generated code names it as `::aps_auth_runtime`).
pub const RUNTIME_CRATE: &str = "aps_auth_runtime";

/// The path of the runtime's contract module as generated code writes it, with its trailing
/// `::` (`::aps_auth_runtime::contract::`), for the parts of the generator that write text.
pub(crate) fn contract_prefix() -> String {
    format!("::{RUNTIME_CRATE}::contract::")
}

/// `::aps_auth_runtime`: the path generated code names the runtime's items by.
fn runtime() -> TokenStream {
    let name = Ident::new(RUNTIME_CRATE, Span::call_site());
    quote!(::#name)
}

/// `::aps_auth_runtime::contract`: the runtime's doc-hidden items for generated code.
fn contract() -> TokenStream {
    let rt = runtime();
    quote!(#rt::contract)
}

/// Where a document's generated module sits in the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// `src/generated/`: the module defines its `Client` (the runtime's `client!`), the
    /// operations are its methods, and the other documents of `spec/` are declared as
    /// `submodules`.
    Root {
        /// Module names of the other documents.
        submodules: Vec<String>,
    },
    /// `src/generated/<name>/`: the document gets a `Client` of its own that wraps the root
    /// module's (`super::Client`), so two APIs never share a method namespace or a base URL.
    Nested,
}

impl Default for Layout {
    fn default() -> Self {
        Layout::Root {
            submodules: Vec::new(),
        }
    }
}

impl Layout {
    /// The cargo feature that compiles a submodule of the root layout: its name in kebab case
    /// (`data_management` -> `data-management`). The root's `mod.rs` declares each submodule
    /// under `#[cfg(feature = "...")]`, so the crate's manifest must declare that feature.
    pub fn module_feature(module: &str) -> String {
        crate::naming::unraw(module).replace('_', "-")
    }

    /// The path of the client type, seen from the document's modules.
    fn client_path(&self) -> TokenStream {
        match self {
            Layout::Root { .. } | Layout::Nested => quote!(super::Client),
        }
    }

    /// The same path, as rustdoc links it.
    fn client_doc_path(&self) -> &'static str {
        match self {
            Layout::Root { .. } | Layout::Nested => "super::Client",
        }
    }
}

/// Renders one document's model.
#[derive(Debug, Clone, Copy)]
pub struct Emitter<'a> {
    api: &'a Api,
    layout: &'a Layout,
}

impl<'a> Emitter<'a> {
    /// An emitter for `api`, generated into `layout`.
    pub fn new(api: &'a Api, layout: &'a Layout) -> Self {
        Emitter { api, layout }
    }

    /// The Rust type for a type reference, as seen from the document's modules.
    fn ty(&self, t: &TypeRef) -> TokenStream {
        match t {
            TypeRef::String => quote!(String),
            TypeRef::Secret => {
                let rt = runtime();
                quote!(#rt::SecretString)
            }
            TypeRef::Scopes => quote!(Scopes),
            TypeRef::Bool => quote!(bool),
            TypeRef::I32 => quote!(i32),
            TypeRef::I64 => quote!(i64),
            TypeRef::F32 => quote!(f32),
            TypeRef::F64 => quote!(f64),
            TypeRef::Json => quote!(serde_json::Value),
            TypeRef::Bytes => quote!(Vec<u8>),
            TypeRef::Named(id) => {
                let n = ident(&self.api.type_def(*id).name);
                quote!(#n)
            }
            TypeRef::Array(inner) => {
                let inner = self.ty(inner);
                quote!(Vec<#inner>)
            }
            TypeRef::OneOrMany(inner) => {
                let (rt, inner) = (runtime(), self.ty(inner));
                quote!(#rt::OneOrMany<#inner>)
            }
            TypeRef::Map(inner) => {
                let inner = self.ty(inner);
                quote!(std::collections::BTreeMap<String, #inner>)
            }
            TypeRef::Boxed(inner) => {
                let inner = self.ty(inner);
                quote!(Box<#inner>)
            }
        }
    }
}

/// The generated module root (`mod.rs`).
pub fn module(api: &Api, source_name: &str, layout: &Layout) -> TokenStream {
    Emitter::new(api, layout).module(source_name)
}

/// All of `types.rs` as one token stream: models, parameter structs, scopes.
pub fn types(api: &Api, layout: &Layout) -> TokenStream {
    let emitter = Emitter::new(api, layout);
    let mut tokens = types::prelude();
    tokens.extend(
        emitter
            .types_items()
            .iter()
            .map(|item| emitter.types_item(item)),
    );
    tokens
}

/// `operations.rs`: one method on the client per operation.
pub fn operations(api: &Api, layout: &Layout) -> TokenStream {
    Emitter::new(api, layout).operations()
}

/// The start of `types.rs` (its module doc), for chunked formatting.
pub fn types_prelude() -> TokenStream {
    types::prelude()
}

/// Parses an identifier chosen by [`crate::naming`] (possibly raw, `r#type`).
fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc = ...]` attributes for a text, one per line.
fn doc_attrs(text: &str) -> TokenStream {
    let mut text = sanitize(text);
    if text.trim().is_empty() {
        // `lower` gives every item a fallback doc; this guards `missing_docs` all the same.
        text = "Undocumented in the source document.".into();
    }
    let lines = doc_lines(&text);
    quote! { #( #[doc = #lines] )* }
}

/// The lines of a (sanitized) doc text as `#[doc]` values: a space after `///`, none on blanks.
fn doc_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect()
}

/// `#[deprecated]` when the item is.
fn deprecated_attr(deprecated: bool) -> TokenStream {
    if deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    }
}

/// Small documents generated in the unit tests of each emitter file.
#[cfg(test)]
mod test_support {
    use crate::{Options, generate};

    /// The generated file `name` (`mod.rs`, `types.rs`, `operations.rs`) for `openapi: 3.1.0` +
    /// a minimal `info` + `body`, without whitespace, so tests match tokens whatever the line
    /// breaks (compare with [`squash`]ed expectations).
    pub(super) fn generated(body: &str, name: &str, options: Options) -> String {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
        let output = generate(&text, &options).unwrap_or_else(|e| panic!("{e}"));
        let file = output.files.iter().find(|f| f.path == name).expect("file");
        squash(&file.contents)
    }

    /// The text without whitespace.
    pub(super) fn squash(text: &str) -> String {
        text.split_whitespace().collect()
    }

    /// [`generated`] with default options.
    pub(super) fn file(body: &str, name: &str) -> String {
        generated(body, name, Options::default())
    }
}
