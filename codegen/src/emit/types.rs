//! `types.rs` of a generated module: its items in output order (models, then `Scope`/`Scopes`),
//! and the plain model shapes: structs with their fields, aliases and transparent newtypes.
//! Structs are `#[non_exhaustive]` with `new(required fields)` and a `with_<field>` setter per
//! optional field (one line each in a call of the runtime's `setters!`), so a document that gains an optional property breaks no caller. They derive
//! `Serialize`; `Deserialize` is one call of the runtime's `object!` (far less code for rustc to
//! check than the derive). Enums and unions have files of their own.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Emitter, deprecated_attr, doc_attrs, ident};
use crate::model::{Field, ScopeDef, TypeDef, TypeKind};

/// One top-level item of `types.rs`. Items are independent, so the file can be emitted and
/// formatted in parallel chunks (see [`crate::format::format_items`]).
#[derive(Debug, Clone, Copy)]
pub enum TypesItem<'a> {
    /// A named type from the model.
    Type(&'a TypeDef),
    /// `Scope` and `Scopes`.
    Scopes(&'a [ScopeDef]),
}

/// The start of `types.rs` (its module doc).
pub(super) fn prelude() -> TokenStream {
    quote! {
        //! Models for the document's schemas, the parameters of its operations and its OAuth 2.0 scopes.
    }
}

impl<'a> Emitter<'a> {
    /// The items of `types.rs`, in output order.
    pub fn types_items(&self) -> Vec<TypesItem<'a>> {
        let api = self.api;
        let mut items: Vec<TypesItem<'a>> = api.types.iter().map(TypesItem::Type).collect();
        if !api.scopes.is_empty() {
            items.push(TypesItem::Scopes(&api.scopes));
        }
        items
    }

    /// The tokens of one item of `types.rs`.
    pub fn types_item(&self, item: &TypesItem<'_>) -> TokenStream {
        match item {
            TypesItem::Type(def) => self.type_def(def),
            TypesItem::Scopes(defs) => self.scopes(defs),
        }
    }

    fn type_def(&self, def: &TypeDef) -> TokenStream {
        let name = ident(&def.name);
        let doc = doc_attrs(&def.doc);
        let deprecated = deprecated_attr(def.deprecated);
        match &def.kind {
            TypeKind::Alias(t) => {
                let t = self.ty(t);
                quote! { #doc #deprecated pub type #name = #t; }
            }
            TypeKind::Newtype(t) => {
                let t = self.ty(t);
                quote! {
                    #doc
                    #deprecated
                    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                    #[serde(transparent)]
                    pub struct #name(pub #t);
                }
            }
            TypeKind::Struct { fields } => {
                let defs = fields.iter().map(|f| self.field(f));
                let constructors = self.constructors(&name, fields);
                let default = if fields.iter().any(in_new) {
                    quote!()
                } else {
                    quote!(Default,)
                };
                let decode = object_call(&name, fields);
                quote! {
                    #doc
                    #deprecated
                    #[derive(Debug, Clone, PartialEq, #default serde::Serialize)]
                    #[non_exhaustive]
                    pub struct #name { #( #defs )* }

                    #decode

                    #constructors
                }
            }
            TypeKind::StringEnum {
                variants,
                open: false,
            } => self.string_enum(&name, &doc, &deprecated, variants),
            TypeKind::StringEnum {
                variants,
                open: true,
            } => self.open_string_enum(&name, &doc, &deprecated, variants),
            TypeKind::Union { variants, tag } => {
                self.union(&name, &doc, &deprecated, variants, tag.as_deref())
            }
        }
    }

    /// `new` with the required fields and a `with_<field>` setter per other field.
    fn constructors(&self, name: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
        let mut args = Vec::new();
        let mut inits = Vec::new();
        let mut setters = Vec::new();
        let mut flatten_setters = Vec::new();
        for f in fields {
            let field = ident(&f.rust_name);
            let inner = self.ty(&f.ty);
            if in_new(f) {
                if f.optional() {
                    // Required but nullable: `None` is a value the caller chooses.
                    args.push(quote!(#field: Option<#inner>));
                    inits.push(quote!(#field));
                } else {
                    args.push(quote!(#field: impl Into<#inner>));
                    inits.push(quote!(#field: #field.into()));
                }
                continue;
            }
            // `_2fa_enabled` (a name that starts with a digit) -> `with_2fa_enabled`.
            let setter = format_ident!(
                "with_{}",
                crate::naming::unraw(&f.rust_name).trim_start_matches('_')
            );
            let deprecated = deprecated_attr(f.deprecated);
            let label = crate::naming::unraw(&f.rust_name);
            if f.flatten {
                let doc = format!(" Sets `{label}`.");
                inits.push(quote!(#field: Default::default()));
                flatten_setters.push(quote! {
                    #[doc = #doc]
                    pub fn #setter(mut self, value: #inner) -> Self {
                        self.#field = value;
                        self
                    }
                });
            } else {
                inits.push(quote!(#field: None));
                setters.push(quote!(#deprecated #setter(#field, #label): #inner));
            }
        }
        // The optional fields' `with_` setters: the runtime's `setters!`.
        let setters = if setters.is_empty() {
            quote!()
        } else {
            let contract = super::contract();
            quote!(#contract::setters!(#name { #( #setters ),* });)
        };
        let many = if args.len() > 7 {
            quote!(#[allow(clippy::too_many_arguments)])
        } else {
            quote!()
        };
        // A property named `1` is the field `_1`: a fine name, which clippy dislikes as an argument.
        let digits = if fields
            .iter()
            .any(|f| in_new(f) && just_digits(&f.rust_name))
        {
            quote!(#[allow(clippy::just_underscores_and_digits)])
        } else {
            quote!()
        };
        quote! {
            impl #name {
                /// A value with the required fields; the others start empty (set them with the
                /// `with_` methods).
                #many
                #digits
                pub fn new(#( #args ),*) -> Self {
                    #name { #( #inits ),* }
                }

                #( #flatten_setters )*
            }

            #setters
        }
    }

    /// A struct field: `Option` unless required and not nullable, serde renames for wire names.
    fn field(&self, f: &Field) -> TokenStream {
        let name = ident(&f.rust_name);
        let doc = doc_attrs(&f.doc);
        let deprecated = deprecated_attr(f.deprecated);
        let inner = self.ty(&f.ty);
        let mut serde_args = Vec::new();
        if f.flatten {
            serde_args.push(quote!(flatten));
        } else if crate::naming::unraw(&f.rust_name) != f.wire_name {
            let wire = &f.wire_name;
            serde_args.push(quote!(rename = #wire));
        }
        let field_ty = if f.optional() {
            if !f.required {
                serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
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
}

/// `Deserialize` of a struct: one call of the runtime's `object!`, which takes each field from
/// the JSON object by its wire name (`required`, `optional`: missing or `null` is `None`), and
/// gives the flattened map, listed last, every key left.
fn object_call(name: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
    let mut ordered: Vec<&Field> = fields.iter().filter(|f| !f.flatten).collect();
    ordered.extend(fields.iter().filter(|f| f.flatten));
    let entries = ordered.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = &f.wire_name;
        let kind = if f.flatten {
            format_ident!("rest")
        } else if f.optional() {
            format_ident!("optional")
        } else {
            format_ident!("required")
        };
        quote!(#kind(#field, #wire))
    });
    let contract = super::contract();
    quote!(#contract::object!(#name { #( #entries ),* });)
}

/// Whether an identifier is only underscores and digits (`_1`, `_1_2`).
pub(super) fn just_digits(name: &str) -> bool {
    name.chars().all(|c| c == '_' || c.is_ascii_digit())
}

/// Whether a field is an argument of `new`: required (nullable or not), not the flattened map.
fn in_new(f: &Field) -> bool {
    f.required && !f.flatten
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    #[test]
    fn fields_are_renamed_and_optional_ones_skipped_when_absent() {
        let types = file(
            "components:\n  schemas:\n    S:\n      type: object\n      required: [userId]\n      properties:\n        userId: {type: string}\n        type: {type: integer}\n",
            "types.rs",
        );
        assert!(
            types.contains(&squash(
                "#[serde(rename = \"userId\")] pub user_id: String,"
            )),
            "{types}"
        );
        assert!(
            types.contains(&squash(
                "#[serde(skip_serializing_if = \"Option::is_none\")] pub r#type: Option<i64>,"
            )),
            "{types}"
        );
        // Decoding takes each field by its wire name: required, or optional (missing is `None`).
        assert!(types.contains(&squash("::aps_auth_runtime::contract::object!(S { required(user_id, \"userId\"), optional(r#type, \"type\"), });")), "{types}");
    }

    #[test]
    fn a_recursive_alias_is_a_transparent_newtype() {
        let types = file(
            "components: {schemas: {Tree: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}",
            "types.rs",
        );
        assert!(
            types.contains(&squash(
                "#[serde(transparent)] pub struct Tree(pub Vec<Tree>);"
            )),
            "{types}"
        );
    }
}
