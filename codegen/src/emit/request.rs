//! The statements of a call's `send` that put its inputs into the request: the query, the API
//! key, HTTP Basic credentials, the bearer-token options (`static AUTH`) and the body.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use super::inputs::input_field;
use crate::model::{
    Auth, BearerOption, InputSource, KeyPlacement, Media, Operation, Param, ParamLocation, Passing,
};

/// The `static AUTH: ::aps_auth_runtime::OperationAuth` of an operation that takes a bearer token: its
/// schemes, whose tokens they accept, and the scopes it names for each.
pub(super) fn operation_auth(
    op: &Operation,
    optional: bool,
    options: &[BearerOption],
) -> TokenStream {
    let name = crate::naming::unraw(&op.fn_name);
    let rt = super::runtime();
    let options = options.iter().map(|o| {
        let scheme = &o.scheme;
        let grants = match (o.app, o.user) {
            (true, false) => quote!(#rt::Grants::APP),
            (false, true) => quote!(#rt::Grants::USER),
            _ => quote!(#rt::Grants::ANY),
        };
        let scopes = &o.scopes;
        quote!(#rt::AuthOption { scheme: #scheme, grants: #grants, scopes: &[ #( #scopes ),* ] })
    });
    quote! {
        static AUTH: #rt::OperationAuth = #rt::OperationAuth {
            operation: #name,
            optional: #optional,
            options: &[ #( #options ),* ],
        };
    }
}

/// The statement that applies the token or key to the request; a key that belongs in a
/// redirect's URL is pushed onto its query instead.
pub(super) fn auth_stmt(op: &Operation, query_pushes: &mut Vec<TokenStream>) -> TokenStream {
    match &op.auth {
        Auth::None => quote!(),
        // Applied when sending (`Client::send_authorized`), which may send twice.
        Auth::Bearer { .. } => quote!(),
        // Needs the operation: `basic_stmt`.
        Auth::Basic { .. } => quote!(),
        Auth::ApiKey {
            name, placement, ..
        } => {
            let Some((field, argument)) = input_field(op, InputSource::ApiKey) else {
                return quote!();
            };
            let optional = &!argument;
            let value = if *optional {
                quote!(key)
            } else {
                quote!(self.#field)
            };
            let apply = match placement {
                KeyPlacement::Header => quote!(request.header(#name, #value)),
                KeyPlacement::Query => quote!(request.query(&[(#name, #value)])),
                KeyPlacement::UrlQuery => {
                    query_pushes.push(if *optional {
                        quote! { if let Some(key) = self.#field { query.push(#name, key.to_owned()); } }
                    } else {
                        quote! { query.push(#name, self.#field.to_owned()); }
                    });
                    return quote!();
                }
            };
            if *optional {
                quote! { let request = match self.#field { Some(key) => #apply, None => request }; }
            } else {
                quote! { let request = #apply; }
            }
        }
    }
}

/// The statement that adds `Authorization: Basic` with the call's or the client's credentials
/// (`Client::basic_authorized`), unless the call set the operation's own `Authorization` header.
pub(super) fn basic_stmt(op: &Operation, receiver: &TokenStream) -> TokenStream {
    let Auth::Basic {
        optional,
        own_header,
        ..
    } = &op.auth
    else {
        return quote!();
    };
    let Some((field, _)) = input_field(op, InputSource::BasicAuth) else {
        return quote!();
    };
    let name = crate::naming::unraw(&op.fn_name);
    let own = match own_header
        .as_ref()
        .and_then(|own| op.inputs.iter().find(|i| i.name == *own))
    {
        Some(input) if input.passing == Passing::Argument => quote!(true),
        Some(input) => {
            let field = ident(&input.name);
            quote!(self.#field.is_some())
        }
        None => quote!(false),
    };
    quote! {
        let request = #receiver.basic_authorized(#name, #optional, self.#field, #own, request)?;
    }
}

/// The statement that attaches the body.
pub(super) fn body_stmt(op: &Operation) -> TokenStream {
    let (Some(body), Some((field, argument))) = (&op.body, input_field(op, InputSource::Body))
    else {
        return quote!();
    };
    // The declared type first: reqwest's `json` keeps a `Content-Type` already set.
    let typed = match &body.content_type {
        Some(ct) => quote!(request.header(reqwest::header::CONTENT_TYPE, #ct)),
        None => quote!(request),
    };
    let apply = match body.media {
        Media::Form => quote!(#typed.form(body)),
        Media::Json => quote!(#typed.json(body)),
        Media::Text => quote!(#typed.body(body.to_owned())),
        Media::Binary => quote!(#typed.body(body.to_vec())),
    };
    if argument {
        quote! { let body = self.#field; let request = #apply; }
    } else {
        quote! { let request = match self.#field { Some(body) => #apply, None => request }; }
    }
}

/// The statements that collect the query, and the slice expression `endpoint` takes.
pub(super) fn query_setup(pushes: &[TokenStream]) -> (TokenStream, TokenStream) {
    if pushes.is_empty() {
        return (quote!(), quote!(&[]));
    }
    let contract = super::contract();
    let setup = quote! {
        let mut query = #contract::Pairs::new();
        #( #pushes )*
    };
    (setup, quote!(query.as_slice()))
}

/// The operation's parameters in one place, in declaration order, each with whether it is an
/// argument of the method (a plain field of the builder) rather than a setter (an `Option`).
pub(super) fn params_in(op: &Operation, location: ParamLocation) -> Vec<(&Param, bool)> {
    op.params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.location == location)
        .map(|(i, p)| {
            let passing = op.input(InputSource::Param(i)).map(|input| input.passing);
            (p, passing == Some(Passing::Argument))
        })
        .collect()
}
