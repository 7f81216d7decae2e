//! `operations.rs` of a generated module: one method per operation on the client, each returning
//! a call builder. The method takes the inputs lowering made arguments, in its order
//! ([`crate::model::Operation::inputs`]: path parameters in template order, the other required
//! parameters in document order, then a required key and a required body); the builder has one
//! setter per optional input (`inputs.rs`), so a document that gains an optional parameter
//! breaks no caller. A call is sent by awaiting the builder (`IntoFuture`) or
//! with `send()`; a browser redirect's builder only builds the URL (`url()`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::inputs::input_field;
use super::params::{pairs_stmt, push_param, segment_expr};
use super::request::{auth_stmt, basic_stmt, body_stmt, operation_auth, params_in, query_setup};
use super::{Emitter, Layout, deprecated_attr, doc_attrs, ident};
use crate::model::{Auth, InputSource, Operation, OperationKind, ParamLocation, ResponseBody};

impl Emitter<'_> {
    /// The file: `impl Client { one method per operation }` and the call builders.
    pub(super) fn operations(&self) -> TokenStream {
        let client = self.layout.client_path();
        let module_doc = format!(
            " One method on [`{}`] per operation of the document, and the call builders they return.",
            self.layout.client_doc_path()
        );
        let methods = self.api.operations.iter().map(|op| self.start_method(op));
        let builders = self.api.operations.iter().map(|op| self.builder(op));
        quote! {
            #![doc = #module_doc]
            #[allow(unused_imports)]
            use super::types::*;

            impl #client {
                #( #methods )*
            }

            #( #builders )*
        }
    }

    /// The expression for the runtime client inside a builder.
    fn receiver(&self) -> TokenStream {
        match self.layout {
            Layout::Root { .. } => quote!(self.client),
            Layout::Nested => quote!(self.client.0),
        }
    }

    /// `client.<operation>(required...)`: starts a call.
    fn start_method(&self, op: &Operation) -> TokenStream {
        let name = ident(&op.fn_name);
        let builder = ident(&op.builder);
        let deprecated = deprecated_attr(op.deprecated);
        let mut doc = format!("{}\n\n`{} {}`", op.doc, op.method, op.path);
        doc.push_str(match op.kind {
            OperationKind::Redirect => {
                "\n\nThis is a browser redirect: the returned builder takes the optional \
                 parameters, and its `url()` is the URL to send the user to, with every query \
                 parameter encoded. It sends no request."
            }
            OperationKind::Call { .. } => {
                "\n\nSet optional inputs on the returned builder, then `.await` it (or call \
                 `send`)."
            }
        });
        let doc = doc_attrs(&doc);
        let inputs = self.inputs(op);
        let borrows = inputs.iter().any(|i| i.required.is_some() && i.borrows);
        let args = inputs.iter().filter_map(|i| {
            let (arg_ty, _) = i.required.as_ref()?;
            let n = &i.name;
            Some(quote!(#n: #arg_ty))
        });
        let inits = inputs.iter().map(|i| {
            let n = &i.name;
            match &i.required {
                // A borrowed input is stored as given (field init shorthand).
                Some((_, store)) if store.is_empty() => quote!(#n),
                Some((_, store)) => quote!(#n: #store),
                None => quote!(#n: None),
            }
        });
        let arity = inputs.iter().filter(|i| i.required.is_some()).count() + 1;
        let many = if arity > 7 {
            quote!(#[allow(clippy::too_many_arguments)])
        } else {
            quote!()
        };
        // A parameter named `1` is `_1`: clippy dislikes that as an argument name.
        let digits = if op.arguments().any(|i| super::types::just_digits(&i.name)) {
            quote!(#[allow(clippy::just_underscores_and_digits)])
        } else {
            quote!()
        };
        let (generics, lifetime) = if borrows {
            (quote!(<'a>), quote!('a))
        } else {
            (quote!(), quote!('_))
        };
        let self_ref = if borrows {
            quote!(&'a self)
        } else {
            quote!(&self)
        };
        // A call keeps its own overrides (`retry_policy`, `timeout`: the runtime's `builder!`).
        let options = match op.kind {
            OperationKind::Redirect => quote!(),
            OperationKind::Call { .. } => quote!(options: Default::default(),),
        };
        quote! {
            #doc
            #deprecated
            #many
            #digits
            pub fn #name #generics (#self_ref, #( #args ),*) -> #builder<#lifetime> {
                #builder { client: self, #options #( #inits ),* }
            }
        }
    }

    /// The builder type of one operation: its fields, setters, and `send` / `url`.
    fn builder(&self, op: &Operation) -> TokenStream {
        let builder = ident(&op.builder);
        let client = self.layout.client_path();
        let inputs = self.inputs(op);
        let fields = inputs.iter().map(|i| {
            let (n, t) = (&i.name, &i.field_ty);
            quote!(#n: #t,)
        });
        let setters = inputs.iter().map(|i| &i.setter);
        let doc = format!(
            " A call of [`{}::{}`]: set optional inputs, then {}.",
            self.layout.client_doc_path(),
            crate::naming::unraw(&op.fn_name),
            match op.kind {
                OperationKind::Redirect => "build the URL with `url()`",
                OperationKind::Call { .. } => "`.await` it (or call `send`)",
            }
        );
        let must_use = match op.kind {
            OperationKind::Redirect => "the builder does nothing until `url()` is called",
            OperationKind::Call { .. } => "a call does nothing until it is awaited",
        };
        let (finish, beside) = self.finish(op);
        let options = match op.kind {
            OperationKind::Redirect => quote!(),
            OperationKind::Call { .. } => {
                let contract = super::contract();
                quote!(options: #contract::CallOptions,)
            }
        };
        let paging = self.paging(op);
        quote! {
            #[doc = #doc]
            #[must_use = #must_use]
            pub struct #builder<'a> {
                client: &'a #client,
                #options
                #( #fields )*
            }

            // Setters are named after the document's parameters, whatever their names.
            #[allow(clippy::should_implement_trait, clippy::wrong_self_convention)]
            impl<'a> #builder<'a> {
                #( #setters )*
                #finish
            }

            #beside
            #paging
        }
    }

    /// `url()` for a redirect; `send()` and `IntoFuture` for a call: the methods, and the items
    /// beside the builder's `impl`.
    fn finish(&self, op: &Operation) -> (TokenStream, TokenStream) {
        let receiver = self.receiver();
        let segments = op.segments.iter().map(segment_expr);
        let query_id = format_ident!("query");
        let mut query_pushes: Vec<TokenStream> = params_in(op, ParamLocation::Query)
            .iter()
            .map(|(p, argument)| push_param(&query_id, p, *argument))
            .collect();
        let auth_stmt = auth_stmt(op, &mut query_pushes);
        let (query_setup, query_ref) = query_setup(&query_pushes);
        let url_expr = match &op.server {
            // A server of its own applies while the client uses the document's default server.
            Some(server) => {
                quote!(#receiver.endpoint_on(super::DEFAULT_BASE_URL, #server, &[ #( #segments ),* ], #query_ref))
            }
            None => quote!(#receiver.endpoint(&[ #( #segments ),* ], #query_ref)),
        };
        let OperationKind::Call { success, error } = &op.kind else {
            let url_fn = quote! {
                /// The URL to send the user to.
                pub fn url(self) -> url::Url {
                    #query_setup
                    #url_expr
                }
            };
            let builder = ident(&op.builder);
            // The redacted `Debug` (inputs may hold tokens): the runtime's `builder!`.
            return (url_fn, {
                let contract = super::contract();
                quote!(#contract::builder!(#builder);)
            });
        };
        let error_ty = self.ty(error);
        let (success_ty, send) = self.success(success);
        let body_stmt = body_stmt(op);
        let basic_stmt = basic_stmt(op, &receiver);
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
        let builder = ident(&op.builder);
        // `oas3` only knows the eight standard methods, each a `reqwest::Method` constant.
        let method = format_ident!("{}", op.method.as_str());
        let (rt, contract) = (super::runtime(), super::contract());
        let output = quote!(Result<#rt::ApiResponse<#success_ty>, #rt::Error<#error_ty>>);
        let bearer = input_field(op, InputSource::BearerToken)
            .map_or_else(|| format_ident!("bearer_token"), |(field, _)| field);
        let (auth_static, sent) = match &op.auth {
            Auth::Bearer { optional, options } => (
                operation_auth(op, *optional, options),
                quote! {
                    #receiver.send_authorized(&AUTH, self.#bearer, request, |request| #receiver.#send(request))
                },
            ),
            _ => (quote!(), quote!(#receiver.#send(request))),
        };
        // Retries, the call's timeout and its span: the runtime's, given the operation's constant.
        let constant = format_ident!("{}", super::endpoints::const_name(&op.fn_name));
        let dispatch = quote! {
            #receiver.send_operation(&super::endpoints::#constant, &self.options, request, |request| #sent).await
        };
        let send_fn = quote! {
            /// Sends the request and decodes the answer (awaiting the builder does the same).
            pub async fn send(self) -> #output {
                #auth_static
                #query_setup
                let url = #url_expr;
                let request = #receiver.request(reqwest::Method::#method, url);
                #header_stmt
                #cookie_stmt
                #auth_stmt
                #basic_stmt
                #body_stmt
                #dispatch
            }
        };
        // The redacted `Debug` (inputs may hold tokens) and `IntoFuture`: the runtime's `builder!`.
        let impls = quote! {
            #contract::builder!(#builder => #success_ty, #error_ty);
        };
        (send_fn, impls)
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    #[test]
    fn a_redirect_builder_takes_optional_inputs_and_builds_the_url() {
        let out = file(
            "components: {securitySchemes: {k: {type: apiKey, in: query, name: key}}}\nsecurity: [{k: []}, {}]\npaths:\n  /login:\n    get:\n      operationId: login\n      parameters: [{name: next, in: query, schema: {type: string}}]\n      responses: {'302': {description: go}}\n",
            "operations.rs",
        );
        assert!(
            out.contains(&squash("pub fn login_url(&self) -> LoginUrl<'_> {")),
            "{out}"
        );
        assert!(
            out.contains(&squash("pub fn api_key(mut self, value: &'a str) -> Self")),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                "pub fn next(mut self, value: impl Into<String>) -> Self"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                r#"if let Some(key) = self.api_key { query.push("key", key.to_owned()); }"#
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash("pub fn url(self) -> url::Url")),
            "{out}"
        );
    }

    #[test]
    fn required_inputs_are_arguments_in_path_order_and_a_call_is_awaitable() {
        let out = file(
            "components: {securitySchemes: {b: {type: http, scheme: bearer}}}\npaths:\n  /a/{second}/{first}:\n    post:\n      operationId: send\n      security: [{b: []}]\n      parameters:\n        - {name: first, in: path, required: true, schema: {type: integer}}\n        - {name: q, in: query, required: true, schema: {type: string}}\n        - {name: second, in: path, required: true, schema: {type: string}}\n      requestBody: {content: {text/plain: {}}}\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: integer}}}}\n        '400': {description: bad, content: {application/json: {schema: {type: string}}}}\n",
            "operations.rs",
        );
        assert!(out.contains(&squash("pub fn send(&self, second: impl Into<String>, first: impl Into<i64>, q: impl Into<String>,) -> SendCall<'_>")), "{out}");
        // The bearer token: from the client's source (with the scheme's scopes), or the call's.
        assert!(
            out.contains(&squash(
                "pub fn bearer_token(mut self, value: &'a str) -> Self"
            )),
            "{out}"
        );
        assert!(out.contains(&squash("options: &[::aps_auth_runtime::AuthOption { scheme: \"b\", grants: ::aps_auth_runtime::Grants::ANY, scopes: &[], },]")), "{out}");
        // Sent through the runtime's `send_operation` (retries, timeout, span) with the
        // operation's `endpoints` constant and the call's overrides.
        assert!(out.contains(&squash("self.client.send_operation(&super::endpoints::SEND, &self.options, request, |request| { self.client.send_authorized(&AUTH, self.bearer_token, request, |request| self.client.send_json(request),) },).await")), "{out}");
        assert!(
            out.contains(&squash(
                "SendCall { client: self, options: Default::default(),"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash("pub fn body(mut self, value: &'a str) -> Self")),
            "{out}"
        );
        // (Printed over several lines, with trailing commas, at this length.)
        assert!(
            out.contains(&squash("pub async fn send(self")) && out.contains(&squash(
                "-> Result<::aps_auth_runtime::ApiResponse<i64>, ::aps_auth_runtime::Error<String>"
            )),
            "{out}"
        );
        // `IntoFuture` and the redacted `Debug` come from the runtime's `builder!` (its tests in
        // aps-auth-generated check both).
        assert!(
            out.contains(&squash(
                "::aps_auth_runtime::contract::builder!(SendCall => i64, String);"
            )),
            "{out}"
        );
    }

    #[test]
    fn http_basic_takes_credentials_from_the_call_or_the_client() {
        let out = file(
            "components: {securitySchemes: {b: {type: http, scheme: basic}}}\npaths:\n  /token:\n    post:\n      operationId: token\n      security: [{b: []}]\n      parameters: [{name: Authorization, in: header, schema: {type: string}}]\n      responses: {'204': {description: ok}}\n",
            "operations.rs",
        );
        assert!(
            out.contains(&squash(
                "pub fn basic_auth(mut self, client_id: &'a str, client_secret: &'a str) -> Self { self.basic_auth = Some((client_id, client_secret)); self }"
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                "let request = self.client.basic_authorized(\"token\", false, self.basic_auth, self.authorization.is_some(), request,)?;"
            )),
            "{out}"
        );
    }
}
