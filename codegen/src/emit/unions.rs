//! `oneOf`/`anyOf` enums: one variant per alternative plus `Other(serde_json::Value)`; untagged
//! (each alternative tried in order), or dispatched on the discriminator's value (a top-level
//! property, or a path of keys where the document writes one). The serde impls are one call of
//! the runtime's `one_of!` beside each definition.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Emitter, doc_attrs, ident};
use crate::model::UnionVariant;

impl Emitter<'_> {
    /// A `oneOf`/`anyOf`: untagged, or dispatched on the discriminator property when there is one.
    pub(super) fn union(
        &self,
        name: &Ident,
        doc: &TokenStream,
        deprecated: &TokenStream,
        variants: &[UnionVariant],
        tag: Option<&[String]>,
    ) -> TokenStream {
        let defs = variants.iter().map(|v| {
            let vname = ident(&v.rust_name);
            let vdoc = doc_attrs(&v.doc);
            let inner = self.ty(&v.ty);
            quote! { #vdoc #vname(#inner), }
        });
        let names = variants.iter().map(|v| ident(&v.rust_name));
        let contract = super::contract();
        let Some(tag) = tag else {
            // Decoding tries each alternative in order, as serde's `untagged` does.
            return quote! {
                    #doc
                    #deprecated
                    #[derive(Debug, Clone, PartialEq)]
                    #[non_exhaustive]
            pub enum #name {
                        #( #defs )*
                        /// A value that matches none of the alternatives, kept as JSON.
                        Other(serde_json::Value),
                    }

                    #contract::one_of!(#name { #( #names ),* });
                };
        };
        let tagged = variants.iter().map(|v| {
            let vname = ident(&v.rust_name);
            let value = v.tag_value.as_deref().unwrap_or_default();
            quote!(#vname = #value)
        });
        let (tag_doc, dispatch) = match tag {
            [one] => (
                format!(
                    " Told apart by the `{one}` property; an unknown `{one}` is kept in `Other`."
                ),
                quote!(tag = #one),
            ),
            keys => (
                format!(
                    " Told apart by the value at `{}` (the document's discriminator is this path, not a property); an unknown value is kept in `Other`.",
                    keys.join("` > `")
                ),
                quote!(path = [ #( #keys ),* ]),
            ),
        };
        quote! {
            #doc
            #[doc = ""]
            #[doc = #tag_doc]
            #deprecated
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
        pub enum #name {
                #( #defs )*
                /// A value with an unknown or missing tag, kept as JSON.
                Other(serde_json::Value),
            }

            #contract::one_of!(#name, #dispatch { #( #tagged ),* });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    #[test]
    fn a_tagged_union_dispatches_on_the_tag_and_boxes_structs() {
        let types = file(
            "components:\n  schemas:\n    Cat: {type: object, properties: {kind: {type: string}}}\n    Dog: {type: object, properties: {kind: {type: string}}}\n    Two:\n      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n      discriminator: {propertyName: kind}\n",
            "types.rs",
        );
        assert!(
            types.contains(&squash(
                "pub enum Two { /// Alternative 1 of `#/components/schemas/Two`. Cat(Box<Cat>),"
            )),
            "{types}"
        );
        assert!(
            types.contains(&squash(
                "::aps_auth_runtime::contract::one_of!(Two, tag = \"kind\" { Cat = \"Cat\", Dog = \"Dog\", });"
            )),
            "{types}"
        );
        assert!(types.contains(&squash("Other(serde_json::Value)")));
    }

    #[test]
    fn an_untagged_union_lets_serde_try_each_alternative() {
        let types = file(
            "components: {schemas: {U: {anyOf: [{type: string}, {type: integer}]}}}",
            "types.rs",
        );
        assert!(
            types.contains(&squash(
                "::aps_auth_runtime::contract::one_of!(U { String, Integer, });"
            )),
            "{types}"
        );
        assert!(
            types.contains(&squash("String(String),")) && types.contains(&squash("Integer(i64),"))
        );
    }

    #[test]
    fn a_discriminator_path_dispatches_on_the_nested_value() {
        let types = file(
            "components:\n  schemas:\n    A:\n      type: object\n      properties: {attributes: {type: object, properties: {extension: {type: object, properties: {type: {type: string}}}}}}\n    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n    U:\n      oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]\n      discriminator: {propertyName: attributes/extension/type, mapping: {'commands:a': '#/components/schemas/A'}}\n",
            "types.rs",
        );
        assert!(
            types.contains(&squash(
                "::aps_auth_runtime::contract::one_of!(U, path = [\"attributes\", \"extension\", \"type\"] { A = \"commands:a\", B = \"B\", });"
            )),
            "{types}"
        );
        assert!(
            types.contains(&squash(
                "Told apart by the value at `attributes` > `extension` > `type`"
            )),
            "{types}"
        );
    }
}
