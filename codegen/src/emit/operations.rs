//! `operations.rs` of a generated module: one method per operation on the client. A call builds
//! the URL (path segments, query), the request (headers, cookies, auth, body) and sends it with
//! the runtime's decoder for its answer; a browser redirect only builds the URL.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::params::{pairs_stmt, push_param, segment_expr};
use super::{Emitter, Layout, deprecated_attr, doc_attrs, ident};
use crate::model::{
    Auth, KeyPlacement, Media, Operation, OperationKind, Param, ParamLocation, RequestBody,
    ResponseBody,
};

/// What one method is made of, before it is assembled.
struct Parts {
    args: Vec<TokenStream>,
    query_pushes: Vec<TokenStream>,
    auth: TokenStream,
}

impl Emitter<'_> {
    /// The file: `impl Client { one method per operation }`.
    pub(super) fn operations(&self) -> TokenStream {
        let client = self.layout.client_path();
        let module_doc = format!(
            " One method on [`{}`] per operation of the document.",
            self.layout.client_doc_path()
        );
        let methods = self.api.operations.iter().map(|op| self.operation(op));
        quote! {
            #![doc = #module_doc]
            #[allow(unused_imports)]
            use super::types::*;

            impl #client {
                #( #methods )*
            }
        }
    }

    fn receiver(&self) -> TokenStream {
        match self.layout {
            Layout::Root { .. } => quote!(self),
            Layout::Nested => quote!(self.0),
        }
    }

    fn operation(&self, op: &Operation) -> TokenStream {
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
        let receiver = self.receiver();

        let mut parts = Parts {
            args: Vec::new(),
            query_pushes: Vec::new(),
            auth: quote!(),
        };
        if let Some(p) = &op.params {
            let pname = ident(&p.name);
            parts.args.push(quote!(params: &#pname));
        }
        let query_id = format_ident!("query");
        parts.query_pushes = params_in(op, ParamLocation::Query)
            .iter()
            .map(|p| push_param(&query_id, p))
            .collect();
        auth(&op.auth, &mut parts);

        let segments = op.segments.iter().map(segment_expr);
        let (query_setup, query_ref) = query_setup(&parts.query_pushes);
        let url_expr = quote!(#receiver.endpoint(&[ #( #segments ),* ], #query_ref));

        let OperationKind::Call { success, error } = &op.kind else {
            let args = &parts.args;
            return quote! {
                #doc
                #deprecated
                pub fn #name(&self, #( #args ),*) -> url::Url {
                    #query_setup
                    #url_expr
                }
            };
        };
        let error_ty = self.ty(error);
        let (success_ty, send) = self.success(success);
        let body_stmt = match &op.body {
            Some(body) => self.body(body, &mut parts.args),
            None => quote!(),
        };
        let header_stmt = pairs_stmt(
            &format_ident!("headers"),
            &params_in(op, ParamLocation::Header),
            quote!(with_headers),
        );
        let cookie_stmt = pairs_stmt(
            &format_ident!("cookies"),
            &params_in(op, ParamLocation::Cookie),
            quote!(with_cookies),
        );
        let auth_stmt = &parts.auth;
        let args = &parts.args;
        // `oas3` only knows the eight standard methods, each a `reqwest::Method` constant.
        let method = format_ident!("{}", op.method.to_ascii_uppercase());
        quote! {
            #doc
            #deprecated
            pub async fn #name(&self, #( #args ),*) -> Result<crate::ApiResponse<#success_ty>, crate::Error<#error_ty>> {
                #query_setup
                let url = #url_expr;
                let request = #receiver.request(reqwest::Method::#method, url);
                #header_stmt
                #cookie_stmt
                #auth_stmt
                #body_stmt
                #receiver.#send(request).await
            }
        }
    }

    /// The success type of a call and the runtime method that sends and decodes it.
    fn success(&self, success: &ResponseBody) -> (TokenStream, TokenStream) {
        match success {
            ResponseBody::Empty => (quote!(()), quote!(send_empty)),
            ResponseBody::Json(t) => (self.ty(t), quote!(send_json)),
            ResponseBody::OptionalJson(t) => {
                let t = self.ty(t);
                (quote!(Option<#t>), quote!(send_json_optional))
            }
            ResponseBody::Text => (quote!(String), quote!(send_text)),
            ResponseBody::Binary => (quote!(Vec<u8>), quote!(send_bytes)),
        }
    }

    /// The body argument and the statement that attaches it.
    fn body(&self, body: &RequestBody, args: &mut Vec<TokenStream>) -> TokenStream {
        let (arg_ty, apply) = match body.media {
            Media::Form => {
                let t = self.ty(&body.ty);
                (quote!(&#t), quote!(request.form(body)))
            }
            Media::Json => {
                let t = self.ty(&body.ty);
                (quote!(&#t), quote!(request.json(body)))
            }
            Media::Text => (quote!(&str), quote!(request.body(body.to_owned()))),
            Media::Binary => (quote!(&[u8]), quote!(request.body(body.to_vec()))),
        };
        if body.required {
            args.push(quote!(body: #arg_ty));
            quote! { let request = #apply; }
        } else {
            args.push(quote!(body: Option<#arg_ty>));
            quote! { let request = match body { Some(body) => #apply, None => request }; }
        }
    }
}

/// The statements that collect the query, and the slice expression `endpoint` takes.
fn query_setup(pushes: &[TokenStream]) -> (TokenStream, TokenStream) {
    if pushes.is_empty() {
        return (quote!(), quote!(&[]));
    }
    let setup = quote! {
        let mut query = crate::runtime::contract::Pairs::new();
        #( #pushes )*
    };
    (setup, quote!(query.as_slice()))
}

/// The operation's parameters in one place, in declaration order.
fn params_in(op: &Operation, location: ParamLocation) -> Vec<&Param> {
    op.params
        .iter()
        .flat_map(|p| &p.params)
        .filter(|p| p.location == location)
        .collect()
}

/// The auth argument, and either the statement that applies it to the request or, for a key in
/// a redirect's URL, a push onto its query.
fn auth(auth: &Auth, parts: &mut Parts) {
    match auth {
        Auth::None => {}
        Auth::Bearer { optional: true } => {
            parts.args.push(quote!(bearer_token: Option<&str>));
            parts.auth = quote! {
                let request = match bearer_token {
                    Some(token) => request.bearer_auth(token),
                    None => request,
                };
            };
        }
        Auth::Bearer { optional: false } => {
            parts.args.push(quote!(bearer_token: &str));
            parts.auth = quote! { let request = request.bearer_auth(bearer_token); };
        }
        Auth::ApiKey {
            name,
            placement,
            optional,
        } => {
            let arg_ty = if *optional {
                quote!(Option<&str>)
            } else {
                quote!(&str)
            };
            parts.args.push(quote!(api_key: #arg_ty));
            let value = if *optional {
                quote!(key)
            } else {
                quote!(api_key)
            };
            let apply = match placement {
                KeyPlacement::Header => quote!(request.header(#name, #value)),
                KeyPlacement::Query => quote!(request.query(&[(#name, #value)])),
                KeyPlacement::UrlQuery => {
                    parts.query_pushes.push(if *optional {
                        quote! { if let Some(key) = api_key { query.push(#name, key.to_owned()); } }
                    } else {
                        quote! { query.push(#name, api_key.to_owned()); }
                    });
                    return;
                }
            };
            parts.auth = if *optional {
                quote! { let request = match api_key { Some(key) => #apply, None => request }; }
            } else {
                quote! { let request = #apply; }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    #[test]
    fn a_redirect_builds_a_url_with_its_query_key() {
        let out = file(
            "components: {securitySchemes: {k: {type: apiKey, in: query, name: key}}}\nsecurity: [{k: []}, {}]\npaths:\n  /login:\n    get: {operationId: login, responses: {'302': {description: go}}}\n",
            "operations.rs",
        );
        assert!(
            out.contains(&squash(
                "pub fn login_url(&self, api_key: Option<&str>) -> url::Url {"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                r#"if let Some(key) = api_key { query.push("key", key.to_owned()); }"#
            )),
            "{out}"
        );
    }

    #[test]
    fn a_call_sends_its_body_with_auth_and_decodes_its_answer() {
        let out = file(
            "components: {securitySchemes: {b: {type: http, scheme: bearer}}}\npaths:\n  /t:\n    post:\n      operationId: send\n      security: [{b: []}]\n      requestBody: {content: {text/plain: {}}}\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: integer}}}}\n        '400': {description: bad, content: {application/json: {schema: {type: string}}}}\n",
            "operations.rs",
        );
        assert!(
            out.contains(&squash(
                "pub async fn send(&self, bearer_token: &str, body: Option<&str>,)"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                "-> Result<crate::ApiResponse<i64>, crate::Error<String>>"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash("self.send_json(request).await")),
            "{out}"
        );
    }
}
