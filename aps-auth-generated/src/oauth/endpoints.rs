//! The operations of the generated API the layer sends requests to or builds URLs for, named by
//! the generated `endpoints` constants: a document that loses one fails to compile here, and one
//! that changes an operation's HTTP method or gives its path parameters fails the `const`
//! checks below. `cargo xtask generate` reads this file to refuse such a document in plain
//! words before it writes anything (`xtask/src/layer.rs`).

use crate::OperationInfo;
use crate::generated::endpoints as generated;

/// The token endpoint (RFC 6749 section 3.2).
pub(crate) const TOKEN: OperationInfo = call(generated::GET_TOKEN, "POST");
/// The revocation endpoint (RFC 7009).
pub(crate) const REVOKE: OperationInfo = call(generated::REVOKE_TOKEN, "POST");
/// The introspection endpoint (RFC 7662).
pub(crate) const INTROSPECT: OperationInfo = call(generated::INTROSPECT_TOKEN, "POST");
/// The key set (RFC 7517).
pub(crate) const KEYS: OperationInfo = call(generated::GET_KEYS, "GET");
/// The authorization endpoint (RFC 6749 section 3.1), a browser redirect.
pub(crate) const AUTHORIZE: OperationInfo = redirect(generated::AUTHORIZE_URL);
/// The end-session endpoint (OpenID Connect RP-initiated logout), a browser redirect.
pub(crate) const LOGOUT: OperationInfo = redirect(generated::LOGOUT_URL);

/// An operation the layer calls with `method`, at a path without parameters.
const fn call(op: OperationInfo, method: &str) -> OperationInfo {
    assert!(
        same(op.method, method),
        "the OAuth layer calls this operation with another HTTP method"
    );
    assert!(
        !has_parameters(op.path),
        "the OAuth layer needs this operation's path without parameters"
    );
    op
}

/// An operation the layer builds a browser redirect URL for (`GET`, no path parameters).
const fn redirect(op: OperationInfo) -> OperationInfo {
    call(op, "GET")
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn has_parameters(path: &str) -> bool {
    let path = path.as_bytes();
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'{' {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_compare_whole_methods_and_find_parameters() {
        assert!(same("POST", "POST"));
        assert!(!same("POST", "POS"));
        assert!(!same("GET", "PUT"));
        assert!(has_parameters("/a/{id}"));
        assert!(!has_parameters("/authentication/v2/token"));
        assert_eq!(TOKEN.name, "get_token");
        assert_eq!(LOGOUT.method, "GET");
    }
}
