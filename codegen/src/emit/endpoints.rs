//! `pub mod endpoints` of a generated module: one `OperationInfo` constant per operation, named
//! after its method in upper case (`get_token` -> `GET_TOKEN`), so hand-written code that needs an
//! endpoint names it and a document that loses the operation fails to compile, instead of a
//! lookup by string failing at run time.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::Emitter;
use crate::model::Operation;

impl Emitter<'_> {
    /// The `endpoints` module: every operation's constant, in document order.
    pub(super) fn endpoints(&self) -> TokenStream {
        let consts = self.api.operations.iter().map(endpoint_const);
        quote! {
            /// Every operation of the document as a constant: the name of its method, its HTTP
            /// method, its path template, its operation id and whether it is idempotent
            /// (what its call's retries and span use). The constant is named after the method in upper
            /// case, so code that needs an operation's endpoint (the OAuth layer) names it and
            /// stops compiling when the document loses the operation.
            pub mod endpoints {
                #( #consts )*
            }
        }
    }
}

/// The name of an operation's constant: its method name without `r#`, in upper case (method
/// names are snake case, so this is unique and a valid identifier).
pub(super) fn const_name(fn_name: &str) -> String {
    crate::naming::unraw(fn_name).to_ascii_uppercase()
}

fn endpoint_const(op: &Operation) -> TokenStream {
    let name = crate::naming::unraw(&op.fn_name);
    let (method, path, id, idempotent) = (op.method.as_str(), &op.path, &op.id, op.idempotent);
    let doc = format!(" `{method} {path}`: the `{name}` operation.");
    let ident = Ident::new(&const_name(&op.fn_name), Span::call_site());
    let rt = super::runtime();
    quote! {
        #[doc = #doc]
        pub const #ident: #rt::OperationInfo =
            #rt::OperationInfo {
                name: #name,
                method: #method,
                path: #path,
                operation_id: #id,
                idempotent: #idempotent,
            };
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{generated, squash};
    use super::const_name;
    use crate::Options;

    #[test]
    fn each_operation_gets_a_constant_named_after_its_method() {
        let module = generated(
            "paths:\n  /authentication/v2/token:\n    post:\n      operationId: get-token\n      responses:\n        '204': {description: ok}\n",
            "mod.rs",
            Options::default(),
        );
        assert!(
            module.contains(&squash(
                r#"pub const GET_TOKEN: ::aps_auth_runtime::OperationInfo = ::aps_auth_runtime::OperationInfo { name: "get_token", method: "POST", path: "/authentication/v2/token", operation_id: "get-token", idempotent: false, };"#
            )),
            "{module}"
        );
    }

    #[test]
    fn an_operation_marked_idempotent_says_so_in_its_constant() {
        let module = generated(
            "paths:\n  /search:\n    post:\n      operationId: search\n      x-idempotent: true\n      responses:\n        '204': {description: ok}\n",
            "mod.rs",
            Options::default(),
        );
        assert!(
            module.contains(&squash(r#"operation_id: "search", idempotent: true, };"#)),
            "{module}"
        );
        assert!(
            module.contains(&squash(
                "OPERATIONS: &[::aps_auth_runtime::OperationInfo] = &[endpoints::SEARCH]"
            )),
            "{module}"
        );
    }

    #[test]
    fn raw_and_keyword_names_become_plain_upper_case() {
        assert_eq!(const_name("r#type"), "TYPE");
        assert_eq!(const_name("self_"), "SELF_");
        assert_eq!(const_name("_2fa_enabled"), "_2FA_ENABLED");
    }
}
