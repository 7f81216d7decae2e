//! The inputs of a call builder, as lowering decided them ([`crate::model::Operation::inputs`]):
//! each a field of the builder, and a positional argument of the method that starts the call or
//! a setter of the builder.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Emitter, deprecated_attr, doc_attrs, ident};
use crate::model::{
    Auth, Input as ModelInput, InputSource, Media, Operation, Param, ParamLocation, Passing,
    RequestBody,
};

/// One input of a call builder: a field, and either a positional argument of the method that
/// starts the call (required inputs) or a setter (optional ones).
/// One input of a call builder: a field, and either a positional argument of the method that
/// starts the call (required inputs) or a setter (optional ones).
pub(super) struct Input {
    /// The field (and argument or setter) name.
    pub(super) name: TokenStream,
    /// The field's type.
    pub(super) field_ty: TokenStream,
    /// Required: the argument's type and the expression that stores it (empty: the argument as
    /// given).
    pub(super) required: Option<(TokenStream, TokenStream)>,
    /// Optional: the setter.
    pub(super) setter: TokenStream,
    /// Whether the field borrows for `'a`.
    pub(super) borrows: bool,
}

impl Emitter<'_> {
    /// Every input of an operation, as lowering ordered them (arguments first).
    pub(super) fn inputs(&self, op: &Operation) -> Vec<Input> {
        op.inputs.iter().map(|i| self.input(op, i)).collect()
    }

    /// One input: a field of the builder, and an argument or a setter.
    fn input(&self, op: &Operation, input: &ModelInput) -> Input {
        let argument = input.passing == Passing::Argument;
        let name = ident(&input.name);
        match input.source {
            InputSource::Param(i) => self.param_input(name, &op.params[i], argument),
            InputSource::Body => {
                let (t, doc) = match &op.body {
                    Some(body) => (self.body_type(body), body.doc.as_str()),
                    None => (quote!(&'a [u8]), ""),
                };
                borrowed_input(quote!(#name), t, argument, doc)
            }
            InputSource::BearerToken => borrowed_input(
                quote!(#name),
                quote!(&'a str),
                argument,
                "Sends this access token (as `Authorization: Bearer`) instead of one from the client's token source.",
            ),
            InputSource::ApiKey => {
                let key = match &op.auth {
                    Auth::ApiKey { name, .. } => name.as_str(),
                    _ => "",
                };
                borrowed_input(
                    quote!(#name),
                    quote!(&'a str),
                    argument,
                    &format!("The API key, sent as `{key}`."),
                )
            }
            InputSource::BasicAuth => Input {
                field_ty: quote!(Option<(&'a str, &'a str)>),
                required: None,
                setter: {
                    let link = format!(
                        " ([`{}::ClientBuilder::basic_credentials`]).",
                        super::RUNTIME_CRATE
                    );
                    quote! {
                        /// Sends these client credentials (as `Authorization: Basic`, each form-urlencoded
                        /// as RFC 6749 section 2.3.1 requires) instead of the client's
                        #[doc = #link]
                        pub fn #name(mut self, client_id: &'a str, client_secret: &'a str) -> Self {
                            self.#name = Some((client_id, client_secret));
                            self
                        }
                    }
                },
                name: quote!(#name),
                borrows: true,
            },
        }
    }

    fn param_input(&self, name: proc_macro2::Ident, p: &Param, argument: bool) -> Input {
        let t = self.ty(&p.shape.rust_type());
        let where_ = match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        };
        let doc = doc_attrs(&format!(
            "{}\n\nThe {where_} parameter `{}`.",
            p.doc, p.wire_name
        ));
        let deprecated = deprecated_attr(p.deprecated);
        if argument {
            return Input {
                field_ty: t.clone(),
                required: Some((quote!(impl Into<#t>), quote!(#name.into()))),
                name: quote!(#name),
                setter: quote!(),
                borrows: false,
            };
        }
        Input {
            field_ty: quote!(Option<#t>),
            required: None,
            setter: quote! {
                #doc
                #deprecated
                pub fn #name(mut self, value: impl Into<#t>) -> Self {
                    self.#name = Some(value.into());
                    self
                }
            },
            name: quote!(#name),
            borrows: false,
        }
    }

    /// The type of the body input (borrowed for the call).
    fn body_type(&self, body: &RequestBody) -> TokenStream {
        match body.media {
            Media::Form | Media::Json => {
                let t = self.ty(&body.ty);
                quote!(&'a #t)
            }
            Media::Text => quote!(&'a str),
            Media::Binary => quote!(&'a [u8]),
        }
    }
}

/// A borrowed input (a token, a key, a body): a positional argument when required, a setter
/// otherwise.
fn borrowed_input(name: TokenStream, t: TokenStream, required: bool, doc: &str) -> Input {
    if required {
        return Input {
            field_ty: t.clone(),
            required: Some((t, quote!())),
            name,
            setter: quote!(),
            borrows: true,
        };
    }
    let doc = doc_attrs(doc);
    Input {
        field_ty: quote!(Option<#t>),
        required: None,
        setter: quote! {
            #doc
            pub fn #name(mut self, value: #t) -> Self {
                self.#name = Some(value);
                self
            }
        },
        name,
        borrows: true,
    }
}

/// The builder field of the input that carries `source`, and whether it is an argument (not an
/// `Option`).
pub(super) fn input_field(
    op: &Operation,
    source: InputSource,
) -> Option<(proc_macro2::Ident, bool)> {
    let input = op.input(source)?;
    Some((ident(&input.name), input.passing == Passing::Argument))
}
