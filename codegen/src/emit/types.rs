//! `types.rs` of a generated module: its items in output order (models, then parameter structs,
//! then `Scope`/`Scopes`), and the plain model shapes: structs with their fields, aliases and
//! transparent newtypes. Enums, unions and parameter structs have files of their own.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Emitter, deprecated_attr, doc_attrs, ident};
use crate::model::{Field, Operation, ParamsStruct, ScopeDef, TypeDef, TypeKind};

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

    /// The tokens of one item of `types.rs`.
    pub fn types_item(&self, item: &TypesItem<'_>) -> TokenStream {
        match item {
            TypesItem::Type(def) => self.type_def(def),
            TypesItem::Params(op, p) => self.params_struct(op, p),
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
                let fields = fields.iter().map(|f| self.field(f));
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
        assert!(types.contains(&squash("#[serde(default, skip_serializing_if = \"Option::is_none\")] pub r#type: Option<i64>,")), "{types}");
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
