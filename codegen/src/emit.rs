//! Stage 3: intermediate model -> token streams, one per generated file.
//!
//! The emitter only renders what [`crate::model`] decided. Generated code calls a few helpers of
//! the hand-written runtime in `aps-auth-generated` (`crate::Client::{endpoint, request, send_*}`,
//! `crate::runtime::Pairs`, `crate::SecretString`), so the generated files stay small.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::docs::sanitize;
use crate::model::*;

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
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

fn deprecated_attr(deprecated: bool) -> TokenStream {
    if deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    }
}

/// The Rust type for a type reference, as seen from the `types` module.
fn ty(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Secret => quote!(crate::SecretString),
        TypeRef::Scopes => quote!(Scopes),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
        TypeRef::Array(inner) => {
            let inner = ty(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = ty(inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Boxed(inner) => {
            let inner = ty(inner);
            quote!(Box<#inner>)
        }
    }
}

// ---- mod.rs -----------------------------------------------------------------------------------

/// Where a document's generated module sits in the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// `src/generated/`: the operations are methods of the runtime's `crate::Client`, and the
    /// other documents of `spec/` are declared as `submodules`.
    Root {
        /// Module names of the other documents.
        submodules: Vec<String>,
    },
    /// `src/generated/<name>/`: the document gets a `Client` of its own that wraps
    /// `crate::Client`, so two APIs never share a method namespace or a base URL.
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
    /// The path of the client type, seen from the document's modules.
    fn client_path(&self) -> TokenStream {
        match self {
            Layout::Root { .. } => quote!(crate::Client),
            Layout::Nested => quote!(super::Client),
        }
    }

    fn client_doc_path(&self) -> &'static str {
        match self {
            Layout::Root { .. } => "crate::Client",
            Layout::Nested => "super::Client",
        }
    }
}

/// The generated module root: docs, constants, submodules.
pub fn module(api: &Api, source_name: &str, layout: &Layout) -> TokenStream {
    let mut doc = format!(
        "Generated from `{source_name}`: {} {}.",
        api.title, api.version
    );
    if let Some(d) = &api.description {
        doc.push_str("\n\n");
        doc.push_str(d);
    }
    let doc = sanitize(&doc);
    let lines = doc.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    let base = match &api.default_server {
        Some(url) => quote!(Some(#url)),
        None => quote!(None),
    };
    let title = &api.title;
    let version = &api.version;
    let base_doc = match layout {
        Layout::Root { .. } => {
            " The first `servers` entry of the document: the base URL a [`crate::Client`] uses unless told otherwise."
        }
        Layout::Nested => {
            " The first `servers` entry of the document: the base URL [`Client::new`] uses."
        }
    };
    let (submodules, client) = match layout {
        Layout::Root { submodules } => {
            let names = submodules.iter().map(|m| ident(m));
            (quote! { #( pub mod #names; )* }, quote!())
        }
        Layout::Nested => (
            quote!(),
            quote! {
                /// A client for this document's operations: the crate's [`crate::Client`] (base
                /// URL, HTTP client, timeout) with this API's methods.
                #[derive(Debug, Clone)]
                pub struct Client(crate::Client);

                impl Client {
                    /// A client for the document's first server, with default settings.
                    pub fn new() -> Result<Self, crate::ConfigError> {
                        let base = DEFAULT_BASE_URL.ok_or(crate::ConfigError::MissingBaseUrl)?;
                        crate::Client::builder().base_url(base).build().map(Client)
                    }

                    /// Uses a configured runtime client (its base URL must be this API's).
                    pub fn from_client(client: crate::Client) -> Self {
                        Client(client)
                    }

                    /// The runtime client underneath.
                    pub fn inner(&self) -> &crate::Client {
                        &self.0
                    }
                }
            },
        ),
    };
    quote! {
        #( #![doc = #lines] )*
        // Deprecated items are still defined and used here; users see the warnings.
        #![allow(deprecated)]
        // Descriptions are prose from the document, not hand-written markdown.
        #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]

        pub mod types;
        mod operations;
        #submodules

        #[doc = #base_doc]
        pub const DEFAULT_BASE_URL: Option<&str> = #base;
        /// `info.title` of the document.
        pub const API_TITLE: &str = #title;
        /// `info.version` of the document.
        pub const API_VERSION: &str = #version;

        #client
    }
}

// ---- types.rs ---------------------------------------------------------------------------------

/// One top-level item of `types.rs`. Items are independent, so the file can be emitted and
/// formatted in parallel chunks (see [`crate::format::format_items`]).
#[derive(Debug, Clone, Copy)]
pub enum TypesItem<'a> {
    /// A named type from the model.
    Type(&'a TypeDef),
    /// The parameters struct of an operation.
    Params(&'a Operation, &'a ParamsStruct),
    /// `Scope` and `Scopes`.
    Scopes(&'a [ScopeDef]),
}

/// The items of `types.rs`, in output order.
pub fn types_items(api: &Api) -> Vec<TypesItem<'_>> {
    let mut items: Vec<TypesItem<'_>> = api.types.iter().map(TypesItem::Type).collect();
    items.extend(
        api.operations
            .iter()
            .filter_map(|op| op.params.as_ref().map(|p| TypesItem::Params(op, p))),
    );
    if !api.scopes.is_empty() {
        items.push(TypesItem::Scopes(&api.scopes));
    }
    items
}

/// The start of `types.rs` (its module doc).
pub fn types_prelude() -> TokenStream {
    quote! {
        //! Models for the document's schemas, the parameters of its operations and its OAuth 2.0 scopes.
    }
}

/// The tokens of one item of `types.rs`.
pub fn types_item(item: &TypesItem<'_>, layout: &Layout) -> TokenStream {
    match item {
        TypesItem::Type(def) => type_def(def),
        TypesItem::Params(op, p) => params_struct(op, p, layout),
        TypesItem::Scopes(defs) => scopes(defs),
    }
}

/// All of `types.rs` as one token stream: models, parameter structs, scopes.
pub fn types(api: &Api, layout: &Layout) -> TokenStream {
    let mut tokens = types_prelude();
    tokens.extend(types_items(api).iter().map(|item| types_item(item, layout)));
    tokens
}

fn type_def(def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(&def.doc);
    let deprecated = deprecated_attr(def.deprecated);
    match &def.kind {
        TypeKind::Alias(t) => {
            let t = ty(t);
            quote! { #doc #deprecated pub type #name = #t; }
        }
        TypeKind::Newtype(t) => {
            let t = ty(t);
            quote! {
                #doc
                #deprecated
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #t);
            }
        }
        TypeKind::Struct { fields } => {
            let fields = fields.iter().map(field);
            quote! {
                #doc
                #deprecated
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                pub struct #name { #( #fields )* }
            }
        }
        TypeKind::StringEnum {
            variants,
            open: false,
        } => string_enum(&name, &doc, &deprecated, variants),
        TypeKind::StringEnum {
            variants,
            open: true,
        } => open_string_enum(&name, &doc, &deprecated, variants),
        TypeKind::Union { variants, tag } => {
            union(&name, &doc, &deprecated, variants, tag.as_deref())
        }
    }
}

fn field(f: &Field) -> TokenStream {
    let name = ident(&f.rust_name);
    let doc = doc_attrs(&f.doc);
    let deprecated = deprecated_attr(f.deprecated);
    let inner = ty(&f.ty);
    let mut serde_args = Vec::new();
    if f.flatten {
        serde_args.push(quote!(flatten));
    } else if crate::naming::unraw(&f.rust_name) != f.wire_name {
        let wire = &f.wire_name;
        serde_args.push(quote!(rename = #wire));
    }
    let field_ty = if f.optional() {
        if !f.required {
            serde_args.push(quote!(default, skip_serializing_if = "Option::is_none"));
        }
        quote!(Option<#inner>)
    } else {
        inner
    };
    let serde_attr = if serde_args.is_empty() {
        quote!()
    } else {
        quote!(#[serde(#(#serde_args),*)])
    };
    quote! { #doc #deprecated #serde_attr pub #name: #field_ty, }
}

fn string_enum(
    name: &Ident,
    doc: &TokenStream,
    deprecated: &TokenStream,
    variants: &[Variant],
) -> TokenStream {
    let single = variants.len() == 1;
    let defs = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let wire = &v.wire_value;
        let vdoc = format!(" `{wire}`");
        let default = if single { quote!(#[default]) } else { quote!() };
        quote! { #[doc = #vdoc] #[serde(rename = #wire)] #default #vname, }
    });
    let arms = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let wire = &v.wire_value;
        quote! { #name::#vname => #wire, }
    });
    let default_derive = if single { quote!(Default,) } else { quote!() };
    quote! {
        #doc
        #deprecated
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, #default_derive serde::Serialize, serde::Deserialize)]
        pub enum #name { #( #defs )* }

        impl #name {
            /// The value as it is written on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { #( #arms )* }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// A string enum reachable from a response: `Other(String)` keeps unlisted values.
fn open_string_enum(
    name: &Ident,
    doc: &TokenStream,
    deprecated: &TokenStream,
    variants: &[Variant],
) -> TokenStream {
    let defs = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let vdoc = format!(" `{}`", v.wire_value);
        quote! { #[doc = #vdoc] #vname, }
    });
    let to_str = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let wire = &v.wire_value;
        quote! { #name::#vname => #wire, }
    });
    let from_str = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let wire = &v.wire_value;
        quote! { #wire => #name::#vname, }
    });
    quote! {
        #doc
        #deprecated
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #defs )*
            /// A value the document does not list, kept as sent.
            Other(String),
        }

        impl #name {
            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #to_str )*
                    #name::Other(value) => value,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #from_str )*
                    other => #name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok(#name::from(value.as_str()))
            }
        }
    }
}

/// Whether a union variant's type is boxed (structs and unions can be large).
fn boxed_variant(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Named(_))
}

/// A `oneOf`/`anyOf`: untagged, or dispatched on the discriminator property when there is one.
fn union(
    name: &Ident,
    doc: &TokenStream,
    deprecated: &TokenStream,
    variants: &[UnionVariant],
    tag: Option<&str>,
) -> TokenStream {
    let defs = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let vdoc = doc_attrs(&v.doc);
        let inner = ty(&v.ty);
        let inner = if boxed_variant(&v.ty) {
            quote!(Box<#inner>)
        } else {
            inner
        };
        quote! { #vdoc #vname(#inner), }
    });
    let Some(tag) = tag else {
        return quote! {
            #doc
            #deprecated
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #( #defs )*
                /// A value that matches none of the alternatives, kept as JSON.
                Other(serde_json::Value),
            }
        };
    };
    let arms = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let value = v.tag_value.as_deref().unwrap_or_default();
        let wrap = if boxed_variant(&v.ty) { quote!(|v| #name::#vname(Box::new(v))) } else { quote!(#name::#vname) };
        quote! { Some(#value) => serde_json::from_value(value).map(#wrap).map_err(serde::de::Error::custom), }
    });
    let ser = variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        quote! { #name::#vname(value) => serde::Serialize::serialize(value, serializer), }
    });
    let tag_doc =
        format!(" Told apart by the `{tag}` property; an unknown `{tag}` is kept in `Other`.");
    quote! {
        #doc
        #[doc = ""]
        #[doc = #tag_doc]
        #deprecated
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #( #defs )*
            /// A value with an unknown or missing tag, kept as JSON.
            Other(serde_json::Value),
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #( #ser )*
                    #name::Other(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #( #arms )*
                    _ => Ok(#name::Other(value)),
                }
            }
        }
    }
}

fn params_struct(op: &Operation, p: &ParamsStruct, layout: &Layout) -> TokenStream {
    let name = ident(&p.name);
    let doc = format!(
        " Parameters of [`{}::{}`].",
        layout.client_doc_path(),
        crate::naming::unraw(&op.fn_name)
    );
    let fields = p.params.iter().map(|param| {
        let fname = ident(&param.rust_name);
        let where_ = match param.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        };
        let pdoc = doc_attrs(&format!(
            "{}\n\n{where_} parameter `{}`.",
            param.doc, param.wire_name
        ));
        let deprecated = deprecated_attr(param.deprecated);
        let t = ty(&param.ty);
        let t = if param.required {
            t
        } else {
            quote!(Option<#t>)
        };
        quote! { #pdoc #deprecated pub #fname: #t, }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name { #( #fields )* }
    }
}

fn scopes(scopes: &[ScopeDef]) -> TokenStream {
    let variants = scopes.iter().map(|s| {
        let v = ident(&s.rust_name);
        let doc = doc_attrs(&format!("`{}`: {}", s.value, s.doc));
        quote! { #doc #v, }
    });
    let to_str = scopes.iter().map(|s| {
        let v = ident(&s.rust_name);
        let value = &s.value;
        quote! { Scope::#v => #value, }
    });
    let from_str = scopes.iter().map(|s| {
        let v = ident(&s.rust_name);
        let value = &s.value;
        quote! { #value => Scope::#v, }
    });
    let known = scopes.iter().map(|s| {
        let v = ident(&s.rust_name);
        quote!(Scope::#v)
    });
    quote! {
        /// An OAuth 2.0 scope. The variants are the scopes the document's security schemes declare;
        /// [`Scope::Other`] carries any other scope, so an answer naming a new scope still decodes.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scope {
            #( #variants )*
            /// A scope the document does not declare.
            Other(String),
        }

        impl Scope {
            /// The scopes the document declares, in document order.
            pub const KNOWN: &'static [Scope] = &[ #( #known ),* ];

            /// The scope as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #to_str )*
                    Scope::Other(s) => s,
                }
            }
        }

        impl From<&str> for Scope {
            fn from(s: &str) -> Self {
                match s {
                    #( #from_str )*
                    other => Scope::Other(other.to_owned()),
                }
            }
        }

        impl std::str::FromStr for Scope {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Scope::from(s))
            }
        }

        impl std::fmt::Display for Scope {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for Scope {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for Scope {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok(Scope::from(s.as_str()))
            }
        }

        /// A list of scopes, written on the wire as one space-separated string (`data:read data:write`).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct Scopes(pub Vec<Scope>);

        impl Scopes {
            /// An empty list.
            pub fn new() -> Self {
                Scopes(Vec::new())
            }

            /// Whether the list holds `scope`.
            pub fn contains(&self, scope: &Scope) -> bool {
                self.0.contains(scope)
            }

            /// The scopes in order.
            pub fn iter(&self) -> std::slice::Iter<'_, Scope> {
                self.0.iter()
            }

            /// The number of scopes.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether the list is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl<S: Into<Scope>> FromIterator<S> for Scopes {
            fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
                Scopes(iter.into_iter().map(Into::into).collect())
            }
        }

        impl<'a> IntoIterator for &'a Scopes {
            type Item = &'a Scope;
            type IntoIter = std::slice::Iter<'a, Scope>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }

        impl std::str::FromStr for Scopes {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(s.split_ascii_whitespace().map(Scope::from).collect())
            }
        }

        impl std::fmt::Display for Scopes {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                for (i, scope) in self.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str(scope.as_str())?;
                }
                Ok(())
            }
        }

        impl serde::Serialize for Scopes {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for Scopes {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok(s.split_ascii_whitespace().map(Scope::from).collect())
            }
        }
    }
}

// ---- operations.rs ----------------------------------------------------------------------------

/// One method on the client per operation.
pub fn operations(api: &Api, layout: &Layout) -> TokenStream {
    let client = layout.client_path();
    let receiver = match layout {
        Layout::Root { .. } => quote!(self),
        Layout::Nested => quote!(self.0),
    };
    let module_doc = format!(
        " One method on [`{}`] per operation of the document.",
        layout.client_doc_path()
    );
    let methods = api.operations.iter().map(|op| operation(op, &receiver));
    quote! {
        #![doc = #module_doc]
        #[allow(unused_imports)]
        use super::types::*;

        impl #client {
            #( #methods )*
        }
    }
}

/// An owned `String` expression for a scalar value behind a reference `value`.
fn scalar_string(value: &TokenStream, t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(#value.clone()),
        TypeRef::Secret => quote!(#value.expose_secret().to_owned()),
        _ => quote!(#value.to_string()),
    }
}

/// An owned `String` for a parameter value (`value` is a reference to it).
fn param_string(value: &TokenStream, t: &TypeRef, style: ArrayStyle) -> TokenStream {
    match (t, style) {
        (TypeRef::Array(inner), ArrayStyle::Join(sep)) => {
            let sep = sep.to_string();
            if **inner == TypeRef::String {
                return quote!(#value.join(#sep));
            }
            let item = scalar_string(&quote!(item), inner);
            quote!(#value.iter().map(|item| #item).collect::<Vec<String>>().join(#sep))
        }
        _ => scalar_string(value, t),
    }
}

/// Statements that push a parameter onto `target` (`query` or `headers`).
fn push_param(target: &Ident, p: &Param) -> TokenStream {
    let field = ident(&p.rust_name);
    let wire = &p.wire_name;
    let push_value = |value: TokenStream| match (&p.ty, p.array_style, &p.object) {
        (_, _, Some(object)) => push_object(target, wire, object, &value, &p.ty),
        (TypeRef::Array(inner), ArrayStyle::Repeat, None) => {
            let item = scalar_string(&quote!(item), inner);
            quote! { for item in #value.iter() { #target.push(#wire, #item); } }
        }
        _ => {
            let s = param_string(&value, &p.ty, p.array_style);
            quote! { #target.push(#wire, #s); }
        }
    };
    if p.required {
        push_value(quote!(params.#field))
    } else {
        let inner = push_value(quote!(value));
        quote! { if let Some(value) = &params.#field { #inner } }
    }
}

/// Statements that spread an object-valued query parameter (`value` is a place of its value).
fn push_object(
    target: &Ident,
    name: &str,
    object: &ObjectParam,
    value: &TokenStream,
    ty: &TypeRef,
) -> TokenStream {
    let inner = match ty {
        TypeRef::Map(inner) => (**inner).clone(),
        _ => TypeRef::String,
    };
    match (object.style, &object.fields) {
        (ObjectStyle::Explode | ObjectStyle::DeepObject, Some(fields)) => {
            let pushes = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let key = match object.style {
                    ObjectStyle::DeepObject => format!("{name}[{}]", f.wire_name),
                    _ => f.wire_name.clone(),
                };
                if f.optional {
                    let s = scalar_string(&quote!(item), &f.ty);
                    quote! { if let Some(item) = &#value.#field { #target.push(#key, #s); } }
                } else {
                    let s = scalar_string(&quote!(#value.#field), &f.ty);
                    quote! { #target.push(#key, #s); }
                }
            });
            quote! { #( #pushes )* }
        }
        (ObjectStyle::Join, Some(fields)) => {
            let parts = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let wire = &f.wire_name;
                if f.optional {
                    let s = scalar_string(&quote!(item), &f.ty);
                    quote! { if let Some(item) = &#value.#field { parts.extend([String::from(#wire), #s]); } }
                } else {
                    let s = scalar_string(&quote!(#value.#field), &f.ty);
                    quote! { parts.extend([String::from(#wire), #s]); }
                }
            });
            quote! {
                let mut parts: Vec<String> = Vec::new();
                #( #parts )*
                #target.push(#name, parts.join(","));
            }
        }
        (ObjectStyle::Explode, None) => {
            let s = scalar_string(&quote!(item), &inner);
            quote! { for (key, item) in #value.iter() { #target.push(key.clone(), #s); } }
        }
        (ObjectStyle::DeepObject, None) => {
            let s = scalar_string(&quote!(item), &inner);
            let pattern = format!("{name}[{{key}}]");
            quote! { for (key, item) in #value.iter() { #target.push(format!(#pattern), #s); } }
        }
        (ObjectStyle::Join, None) => {
            let s = scalar_string(&quote!(item), &inner);
            quote! {
                #target.push(#name, #value.iter().flat_map(|(key, item)| [key.clone(), #s]).collect::<Vec<String>>().join(","));
            }
        }
    }
}

/// Collects header or cookie parameters into `target` and applies them with the runtime's
/// `apply` (`with_headers`, `with_cookies`); nothing when there are none.
fn pairs_stmt(target: &Ident, params: &[&Param], apply: TokenStream) -> TokenStream {
    if params.is_empty() {
        return quote!();
    }
    let pushes = params.iter().map(|p| push_param(target, p));
    quote! {
        let mut #target = crate::runtime::Pairs::new();
        #( #pushes )*
        let request = crate::runtime::#apply(request, &#target)?;
    }
}

fn segment_expr(segment: &Segment) -> TokenStream {
    match segment.as_slice() {
        [SegmentPart::Literal(text)] => quote!(#text),
        [
            SegmentPart::Param {
                field,
                ty: TypeRef::String,
            },
        ] => {
            let field = ident(field);
            quote!(params.#field.as_str())
        }
        [SegmentPart::Param { field, ty }] => {
            let field = ident(field);
            let s = param_string(&quote!(params.#field), ty, ArrayStyle::Join(','));
            quote!(&#s)
        }
        parts => {
            let mut fmt = String::new();
            let mut args = Vec::new();
            for part in parts {
                match part {
                    SegmentPart::Literal(text) => {
                        fmt.push_str(&text.replace('{', "{{").replace('}', "}}"))
                    }
                    SegmentPart::Param { field, ty } => {
                        fmt.push_str("{}");
                        let field = ident(field);
                        args.push(match ty {
                            TypeRef::Array(_) => {
                                param_string(&quote!(params.#field), ty, ArrayStyle::Join(','))
                            }
                            // Every other path parameter type implements `Display`.
                            _ => quote!(params.#field),
                        });
                    }
                }
            }
            quote!(&format!(#fmt, #( #args ),*))
        }
    }
}

fn operation(op: &Operation, receiver: &TokenStream) -> TokenStream {
    let name = ident(&op.fn_name);
    let deprecated = deprecated_attr(op.deprecated);
    let mut doc = format!("{}\n\n`{} {}`", op.doc, op.method, op.path);
    if op.kind == OperationKind::Redirect {
        doc.push_str(
            "\n\nThis is a browser redirect: this method builds the URL to send the user to, with every \
             query parameter encoded. It sends no request.",
        );
    }
    let doc = doc_attrs(&doc);

    let mut args = Vec::new();
    if let Some(p) = &op.params {
        let pname = ident(&p.name);
        args.push(quote!(params: &#pname));
    }
    let segments = op.segments.iter().map(segment_expr);

    let query_params: Vec<&Param> = op
        .params
        .iter()
        .flat_map(|p| &p.params)
        .filter(|p| p.location == ParamLocation::Query)
        .collect();
    let header_params: Vec<&Param> = op
        .params
        .iter()
        .flat_map(|p| &p.params)
        .filter(|p| p.location == ParamLocation::Header)
        .collect();
    let cookie_params: Vec<&Param> = op
        .params
        .iter()
        .flat_map(|p| &p.params)
        .filter(|p| p.location == ParamLocation::Cookie)
        .collect();
    let query_id = format_ident!("query");
    let headers_id = format_ident!("headers");
    let cookies_id = format_ident!("cookies");

    let mut query_pushes: Vec<TokenStream> = query_params
        .iter()
        .map(|p| push_param(&query_id, p))
        .collect();
    let mut auth_stmt = quote!();
    match &op.auth {
        Auth::None => {}
        Auth::Bearer { optional } => {
            if *optional {
                args.push(quote!(bearer_token: Option<&str>));
                auth_stmt = quote! {
                    let request = match bearer_token {
                        Some(token) => request.bearer_auth(token),
                        None => request,
                    };
                };
            } else {
                args.push(quote!(bearer_token: &str));
                auth_stmt = quote! { let request = request.bearer_auth(bearer_token); };
            }
        }
        Auth::ApiKey {
            name: key_name,
            in_header,
            optional,
        } => {
            let arg_ty = if *optional {
                quote!(Option<&str>)
            } else {
                quote!(&str)
            };
            args.push(quote!(api_key: #arg_ty));
            let value = if *optional {
                quote!(key)
            } else {
                quote!(api_key)
            };
            let apply = if *in_header {
                quote!(request.header(#key_name, #value))
            } else {
                quote!(request.query(&[(#key_name, #value)]))
            };
            auth_stmt = if *optional {
                quote! { let request = match api_key { Some(key) => #apply, None => request }; }
            } else {
                quote! { let request = #apply; }
            };
            if !in_header && op.kind == OperationKind::Redirect {
                let push = if *optional {
                    quote! { if let Some(key) = api_key { query.push(#key_name, key.to_owned()); } }
                } else {
                    quote! { query.push(#key_name, api_key.to_owned()); }
                };
                query_pushes.push(push);
                auth_stmt = quote!();
            }
        }
    }

    let (query_setup, query_ref) = if query_pushes.is_empty() {
        (quote!(), quote!(&[]))
    } else {
        (
            quote! {
                let mut query = crate::runtime::Pairs::new();
                #( #query_pushes )*
            },
            quote!(query.as_slice()),
        )
    };
    let url_expr = quote!(#receiver.endpoint(&[ #( #segments ),* ], #query_ref));

    let success_ty;
    let error_ty;
    let send;
    match &op.kind {
        OperationKind::Redirect => {
            return quote! {
                #doc
                #deprecated
                pub fn #name(&self, #( #args ),*) -> url::Url {
                    #query_setup
                    #url_expr
                }
            };
        }
        OperationKind::Call { success, error } => {
            error_ty = error
                .as_ref()
                .map(ty)
                .unwrap_or_else(|| quote!(serde_json::Value));
            (success_ty, send) = match success {
                ResponseBody::Empty => (quote!(()), quote!(send_empty)),
                ResponseBody::Json(t) => (ty(t), quote!(send_json)),
                ResponseBody::OptionalJson(t) => {
                    let t = ty(t);
                    (quote!(Option<#t>), quote!(send_json_optional))
                }
                ResponseBody::Text => (quote!(String), quote!(send_text)),
                ResponseBody::Binary => (quote!(Vec<u8>), quote!(send_bytes)),
            };
        }
    }

    let mut body_stmt = quote!();
    if let Some(body) = &op.body {
        let (arg_ty, apply) = match body.media {
            Media::Form => {
                let t = ty(&body.ty);
                (quote!(&#t), quote!(request.form(body)))
            }
            Media::Json => {
                let t = ty(&body.ty);
                (quote!(&#t), quote!(request.json(body)))
            }
            Media::Text => (quote!(&str), quote!(request.body(body.to_owned()))),
            Media::Binary => (quote!(&[u8]), quote!(request.body(body.to_vec()))),
        };
        if body.required {
            args.push(quote!(body: #arg_ty));
            body_stmt = quote! { let request = #apply; };
        } else {
            args.push(quote!(body: Option<#arg_ty>));
            body_stmt =
                quote! { let request = match body { Some(body) => #apply, None => request }; };
        }
    }

    let header_stmt = pairs_stmt(&headers_id, &header_params, quote!(with_headers));
    let cookie_stmt = pairs_stmt(&cookies_id, &cookie_params, quote!(with_cookies));

    // `oas3` only knows the eight standard methods, each a `reqwest::Method` constant.
    let method = format_ident!("{}", op.method.to_ascii_uppercase());
    let method_expr = quote!(reqwest::Method::#method);
    quote! {
        #doc
        #deprecated
        pub async fn #name(&self, #( #args ),*) -> Result<crate::ApiResponse<#success_ty>, crate::Error<#error_ty>> {
            #query_setup
            let url = #url_expr;
            let request = #receiver.request(#method_expr, url);
            #header_stmt
            #cookie_stmt
            #auth_stmt
            #body_stmt
            #receiver.#send(request).await
        }
    }
}
