//! String enums: closed ones (requests only; unknown values are refused), open ones (reachable
//! from an answer; `Other(String)` keeps unlisted values), and the `Scope`/`Scopes` pair built
//! from the security schemes' scopes. The glue (`as_str`, `Display`, serde) is one call of the
//! runtime's `closed_enum!` / `open_enum!` beside each definition.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Emitter, doc_attrs, ident};
use crate::model::{ScopeDef, Variant};

impl Emitter<'_> {
    /// A closed string enum: unknown values fail to decode (used only in requests).
    pub(super) fn string_enum(
        &self,
        name: &Ident,
        doc: &TokenStream,
        deprecated: &TokenStream,
        variants: &[Variant],
    ) -> TokenStream {
        let single = variants.len() == 1;
        let defs = variants.iter().map(|v| {
            let vname = ident(&v.rust_name);
            let vdoc = format!(" `{}`", v.wire_value);
            let default = if single { quote!(#[default]) } else { quote!() };
            quote! { #[doc = #vdoc] #default #vname, }
        });
        let pairs = wire_pairs(variants);
        let default_derive = if single { quote!(Default,) } else { quote!() };
        // `as_str`, `Display` and the serde impls come from the runtime's `closed_enum!`.
        let contract = super::contract();
        quote! {
            #doc
            #deprecated
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, #default_derive)]
            #[non_exhaustive]
        pub enum #name { #( #defs )* }

            #contract::closed_enum!(#name { #( #pairs ),* });
        }
    }

    /// A string enum reachable from a response: `Other(String)` keeps unlisted values.
    pub(super) fn open_string_enum(
        &self,
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
        let pairs = wire_pairs(variants);
        // `as_str`, `From<&str>`, `Display` and the serde impls come from the runtime's `open_enum!`.
        let contract = super::contract();
        quote! {
            #doc
            #deprecated
            #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
        pub enum #name {
                #( #defs )*
                /// A value the document does not list, kept as sent.
                Other(String),
            }

            #contract::open_enum!(#name { #( #pairs ),* });
        }
    }

    /// `Scope` (the declared scopes, open) and `Scopes`, the runtime's list of them.
    pub(super) fn scopes(&self, scopes: &[ScopeDef]) -> TokenStream {
        let variants = scopes.iter().map(|s| {
            let v = ident(&s.rust_name);
            let doc = doc_attrs(&format!("`{}`: {}", s.value, s.doc));
            quote! { #doc #v, }
        });
        let pairs = scopes.iter().map(|s| {
            let v = ident(&s.rust_name);
            let value = &s.value;
            quote!(#v = #value)
        });
        let known = scopes.iter().map(|s| {
            let v = ident(&s.rust_name);
            quote!(Scope::#v)
        });
        let (rt, contract) = (super::runtime(), super::contract());
        quote! {
            /// An OAuth 2.0 scope. The variants are the scopes the document's security schemes declare;
            /// [`Scope::Other`] carries any other scope, so an answer naming a new scope still decodes.
            #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
        pub enum Scope {
                #( #variants )*
                /// A scope the document does not declare.
                Other(String),
            }

            // `as_str`, `From<&str>`, `Display` and the serde impls, as for any open enum.
            #contract::open_enum!(Scope { #( #pairs ),* });

            impl Scope {
                /// The scopes the document declares, in document order.
                pub const KNOWN: &'static [Scope] = &[ #( #known ),* ];
            }

            impl std::str::FromStr for Scope {
                type Err = std::convert::Infallible;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Ok(Scope::from(s))
                }
            }

            impl AsRef<str> for Scope {
                fn as_ref(&self) -> &str {
                    self.as_str()
                }
            }

            /// A list of scopes, written on the wire as one space-separated string (`data:read data:write`).
            pub type Scopes = #rt::ScopeList<Scope>;
        }
    }
}

/// `Variant = "wire"`, the arguments of the runtime's enum macros.
fn wire_pairs(variants: &[Variant]) -> impl Iterator<Item = TokenStream> + '_ {
    variants.iter().map(|v| {
        let vname = ident(&v.rust_name);
        let wire = &v.wire_value;
        quote!(#vname = #wire)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    const DOC: &str = "components:\n  securitySchemes:\n    o: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://x/t', scopes: {'data:read': r}}}}\n  schemas:\n    Mode: {type: string, enum: [fast, slow]}\n    Fixed: {const: only}\npaths:\n  /m:\n    get:\n      operationId: m\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Mode'}}}}}\n";

    #[test]
    fn answer_enums_are_open_and_request_enums_closed() {
        let types = file(DOC, "types.rs");
        assert!(types.contains(&squash("pub enum Mode { /// `fast` Fast, /// `slow` Slow, /// A value the document does not list, kept as sent. Other(String), }")), "{types}");
        assert!(
            types.contains(&squash(
                "::aps_auth_runtime::contract::open_enum!(Mode { Fast = \"fast\", Slow = \"slow\", });"
            )),
            "{types}"
        );
        assert!(types.contains(&squash("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)] #[non_exhaustive] pub enum Fixed")), "{types}");
        assert!(
            types.contains(&squash(
                "::aps_auth_runtime::contract::closed_enum!(Fixed { Only = \"only\", });"
            )),
            "{types}"
        );
    }

    #[test]
    fn scopes_are_the_runtime_list_of_the_documents_scope_enum() {
        let types = file(DOC, "types.rs");
        assert!(types.contains(&squash("pub enum Scope { /// `data:read`: r DataRead, /// A scope the document does not declare. Other(String), }")), "{types}");
        assert!(types.contains(&squash(
            "pub type Scopes = ::aps_auth_runtime::ScopeList<Scope>;"
        )));
    }
}
