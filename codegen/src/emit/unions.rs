//! `oneOf`/`anyOf` enums: one variant per alternative plus `Other(serde_json::Value)`; untagged
//! (serde tries each in order), or dispatched on the discriminator property's value.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Emitter, doc_attrs, ident};
use crate::model::{TypeRef, UnionVariant};

impl Emitter<'_> {
    /// A `oneOf`/`anyOf`: untagged, or dispatched on the discriminator property when there is one.
    pub(super) fn union(
        &self,
        name: &Ident,
        doc: &TokenStream,
        deprecated: &TokenStream,
        variants: &[UnionVariant],
        tag: Option<&str>,
    ) -> TokenStream {
        let defs = variants.iter().map(|v| {
            let vname = ident(&v.rust_name);
            let vdoc = doc_attrs(&v.doc);
            let inner = self.ty(&v.ty);
            quote! { #vdoc #vname(#inner), }
        });
        let Some(tag) = tag else {
            return quote! {
                    #doc
                    #deprecated
                    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                    #[serde(untagged)]
                    #[non_exhaustive]
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
            let wrap = if matches!(v.ty, TypeRef::Boxed(_)) { quote!(|v| #name::#vname(Box::new(v))) } else { quote!(#name::#vname) };
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
            #[non_exhaustive]
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
        assert!(types.contains(&squash("value.get(\"kind\")")), "{types}");
        assert!(
            types.contains(&squash(
                "serde_json::from_value(value).map(|v| Two::Dog(Box::new(v)))"
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
            types.contains(&squash("#[serde(untagged)] #[non_exhaustive] pub enum U {")),
            "{types}"
        );
        assert!(
            types.contains(&squash("String(String),")) && types.contains(&squash("Integer(i64),"))
        );
    }
}
