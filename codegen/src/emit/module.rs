//! `mod.rs` of a generated module: the document's title and description as module docs,
//! `DEFAULT_BASE_URL`, `API_TITLE`, `API_VERSION`, `OPERATIONS`, the other documents' submodules (root layout,
//! each behind the cargo feature [`Layout::module_feature`] names) or the document's own `Client`
//! (nested layout).

use proc_macro2::TokenStream;
use quote::quote;

use super::{Emitter, Layout, doc_lines, ident};
use crate::docs::sanitize;

impl Emitter<'_> {
    /// The generated module root: docs, constants, submodules.
    pub(super) fn module(&self, source_name: &str) -> TokenStream {
        let (api, layout) = (self.api, self.layout);
        let mut doc = format!(
            "Generated from `{source_name}`: {} {}.",
            api.title, api.version
        );
        if let Some(d) = &api.description {
            doc.push_str("\n\n");
            doc.push_str(d);
        }
        let lines = doc_lines(&sanitize(&doc));
        let (rt, contract) = (super::runtime(), super::contract());
        let base = match &api.default_server {
            Some(url) => quote!(Some(#url)),
            None => quote!(None),
        };
        // The `endpoints` constants, so each operation's description is written once.
        let operations = api.operations.iter().map(|op| {
            let constant = quote::format_ident!("{}", super::endpoints::const_name(&op.fn_name));
            quote!(endpoints::#constant)
        });
        let endpoints = self.endpoints();
        let title = &api.title;
        let version = &api.version;
        let base_doc = match layout {
            Layout::Root { .. } => {
                " The first `servers` entry of the document: the base URL a [`Client`] uses unless told otherwise."
            }
            Layout::Nested => {
                " The first `servers` entry of the document: the base URL [`Client::new`] uses."
            }
        };
        let (submodules, client) = match layout {
            Layout::Root { submodules } => {
                // Each other document is compiled only with its cargo feature (off by default), so
                // a user of the primary API builds nothing more; docs.rs shows the feature.
                let declared = submodules.iter().map(|m| {
                    let (name, feature) = (ident(m), Layout::module_feature(m));
                    quote! {
                        #[cfg(feature = #feature)]
                        #[cfg_attr(docsrs, doc(cfg(feature = #feature)))]
                        pub mod #name;
                    }
                });
                // The module's `Client` and `ClientBuilder`: the runtime's client with this
                // document's default base URL, and the operations as its methods.
                let client = quote!(#contract::client!(DEFAULT_BASE_URL););
                (quote! { #( #declared )* }, client)
            }
            Layout::Nested => (
                quote!(),
                quote! {
                    /// A client for this document's operations: the crate's [`super::Client`] (base
                    /// URL, HTTP client, timeout) with this API's methods.
                    #[derive(Debug, Clone)]
                    pub struct Client(super::Client);

                    impl Client {
                        /// A client for the document's first server, with default settings.
                        pub fn new() -> Result<Self, #rt::ConfigError> {
                            let base = DEFAULT_BASE_URL.ok_or(#rt::ConfigError::MissingBaseUrl)?;
                            super::Client::builder().base_url(base).build().map(Client)
                        }

                        /// Uses a configured runtime client (its base URL must be this API's).
                        pub fn from_client(client: super::Client) -> Self {
                            Client(client)
                        }

                        /// The runtime client underneath.
                        pub fn inner(&self) -> &super::Client {
                            &self.0
                        }
                    }
                },
            ),
        };
        let examples = (!api.examples.is_empty()).then(|| {
            quote! {
                /// The document's own examples, decoded into the generated types.
                #[cfg(test)]
                mod examples;
            }
        });
        quote! {
            #( #![doc = #lines] )*
            // Deprecated items are still defined and used here; users see the warnings.
            #![allow(deprecated)]
            // Descriptions are prose from the document, not hand-written markdown.
            #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]

            pub mod types;
            pub mod operations;
            #examples
            #submodules

            #[doc = #base_doc]
            pub const DEFAULT_BASE_URL: Option<&str> = #base;
            /// `info.title` of the document.
            pub const API_TITLE: &str = #title;
            /// `info.version` of the document.
            pub const API_VERSION: &str = #version;
            /// Every operation of the document, in document order (its `endpoints` constants):
            /// the name of its method, its HTTP method, its path template, its operation id and
            /// whether it is idempotent.
            pub const OPERATIONS: &[#rt::OperationInfo] = &[ #( #operations ),* ];
            #endpoints

            #client
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Layout;
    use super::super::test_support::{generated, squash};
    use crate::Options;

    #[test]
    fn a_nested_document_gets_a_client_of_its_own() {
        let options = Options {
            layout: Layout::Nested,
            ..Options::default()
        };
        let module = generated(
            "servers: [{url: 'https://api.example.com/v1'}]\n",
            "mod.rs",
            options,
        );
        assert!(
            module.contains(&squash("pub struct Client(super::Client);")),
            "{module}"
        );
        assert!(module.contains(&squash(
            r#"pub const DEFAULT_BASE_URL: Option<&str> = Some("https://api.example.com/v1");"#
        )));
    }

    #[test]
    fn the_root_declares_the_other_documents() {
        let options = Options {
            layout: Layout::Root {
                submodules: vec!["second_api".into()],
            },
            ..Options::default()
        };
        let module = generated("", "mod.rs", options);
        assert!(
            module.contains(&squash(
                "pub mod types; pub mod operations; \
                 #[cfg(feature = \"second-api\")] \
                 #[cfg_attr(docsrs, doc(cfg(feature = \"second-api\")))] \
                 pub mod second_api;"
            )),
            "{module}"
        );
    }

    #[test]
    fn a_submodule_feature_is_its_name_in_kebab_case() {
        assert_eq!(Layout::module_feature("data_management"), "data-management");
        assert_eq!(Layout::module_feature("oss"), "oss");
        assert_eq!(Layout::module_feature("r#type"), "type");
    }
}
