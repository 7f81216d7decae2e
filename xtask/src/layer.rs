//! What the hand-written OAuth layer (`aps-auth-generated/src/oauth/`) needs from the primary
//! document, checked before `cargo xtask generate` writes anything: a document that lost an
//! operation the layer uses, or changed one incompatibly, is refused with one sentence per
//! problem, instead of a rustc error inside `src/oauth/` later.
//!
//! The operations are the layer's own list, `oauth/endpoints.rs` (read here at build time): each
//! names a generated `endpoints` constant with the HTTP method it is called with, or as a
//! redirect, and the compiler checks the same facts. This file only says them in words, and
//! adds what the compiler cannot see: call or redirect, required parameters the layer does not
//! send, the user-profile call's shape and the `Scope`/`Scopes` types.

use aps_auth_codegen::model::{Api, Auth, Operation, OperationKind, ResponseBody, TypeRef};

/// The layer's list of the generated operations it uses.
const LAYER_ENDPOINTS: &str = include_str!("../../aps-auth-generated/src/oauth/endpoints.rs");

/// The user-profile call, made through its generated method.
const PROFILE: &str = "get_user_profile";

/// The user-profile model the layer returns.
const PROFILE_TYPE: &str = "UserProfile";

/// One operation the layer uses, and what it must be like.
struct Need {
    /// The Rust method name (the generated constant's name in lower case).
    name: String,
    /// What the layer uses it for (the constant's first doc line).
    role: String,
    /// Whether it is a browser redirect (a URL builder) rather than a call.
    redirect: bool,
    /// The HTTP method.
    method: String,
}

/// The needs `oauth/endpoints.rs` lists (`call(generated::X, "M")`, `redirect(generated::X)`),
/// and the profile call.
fn needs() -> Vec<Need> {
    let (mut out, mut role) = (Vec::new(), String::new());
    for line in LAYER_ENDPOINTS.lines().map(str::trim) {
        if let Some(doc) = line.strip_prefix("/// ") {
            role = doc.split(" (").next().unwrap_or(doc).to_lowercase();
        } else if let Some((_, used)) = line.split_once("= ") {
            let parts: Vec<&str> = used
                .split(['(', ',', ')', '"', ';'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if let [kind @ ("call" | "redirect"), constant, method @ ..] = parts.as_slice() {
                out.push(Need {
                    name: constant.trim_start_matches("generated::").to_lowercase(),
                    role: std::mem::take(&mut role).trim_end_matches('.').to_owned(),
                    redirect: *kind == "redirect",
                    method: method.first().unwrap_or(&"GET").to_string(),
                });
            }
        }
    }
    out.push(Need {
        name: PROFILE.into(),
        role: "the user profile".into(),
        redirect: false,
        method: "GET".into(),
    });
    out
}

/// The parameters the layer puts in a redirect's query: a required parameter not in this list
/// is one the layer would leave out.
fn sends(name: &str) -> &'static [&'static str] {
    match name {
        // RFC 6749 4.1.1, RFC 7636 4.3, OpenID Connect.
        "authorize_url" => &[
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
        ],
        "logout_url" => &["post_logout_redirect_uri"],
        _ => &[],
    }
}

/// Checks the model of the document the crate's root module is generated from (lowered with
/// its name map, once, by `cargo xtask generate`): `Err` with one line per problem.
pub fn check(api: &Api, document: &str) -> Result<(), String> {
    let problems = problems(api, document);
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems.join("\n")),
    }
}

/// Every way `api` falls short of what the OAuth layer needs, one sentence each (empty: fine).
pub fn problems(api: &Api, document: &str) -> Vec<String> {
    let mut out = Vec::new();
    for need in needs() {
        let Some(op) = api.operations.iter().find(|op| op.fn_name == need.name) else {
            out.push(format!(
                "{document}: the OAuth layer needs an operation named `{}` ({}), and the document has none; if it was renamed, pin its old name in the name map",
                need.name, need.role
            ));
            continue;
        };
        if let Some(why) = mismatch(&need, op, api) {
            out.push(format!(
                "{document}: the OAuth layer uses `{}` ({}) as {}, but {why}",
                need.name,
                need.role,
                shape(&need)
            ));
        }
    }
    if api.scopes.is_empty() {
        out.push(format!(
            "{document}: the OAuth layer needs the `Scope` and `Scopes` types, which come from the OAuth 2.0 scopes of the document's security schemes, and it declares none"
        ));
    }
    out
}

/// What the layer relies on, in words.
fn shape(need: &Need) -> String {
    match need.redirect {
        true => format!(
            "a browser redirect (`{} {{path}}` with only 3xx answers) without path parameters",
            need.method
        ),
        false => format!("a `{}` call without path parameters", need.method),
    }
}

/// Why `op` does not fit `need`, if it does not.
fn mismatch(need: &Need, op: &Operation, api: &Api) -> Option<String> {
    if op.method.as_str() != need.method {
        return Some(format!("it is now `{} {}`", op.method, op.path));
    }
    if op.path.contains('{') {
        return Some(format!("its path `{}` now has parameters", op.path));
    }
    let is_redirect = op.kind == OperationKind::Redirect;
    if is_redirect != need.redirect {
        return Some(match is_redirect {
            true => "it is now a browser redirect".into(),
            false => "it is now a call with a success answer".into(),
        });
    }
    if let Some(p) = op
        .params
        .iter()
        .find(|p| p.required && !sends(&need.name).contains(&p.wire_name.as_str()))
    {
        return Some(format!(
            "it now requires the parameter `{}`, which the layer does not send",
            p.wire_name
        ));
    }
    if need.name == PROFILE {
        return profile_mismatch(op, api);
    }
    None
}

/// The profile call is made through the generated method: `get_user_profile().bearer_token(..)`
/// answering `UserProfile`.
fn profile_mismatch(op: &Operation, api: &Api) -> Option<String> {
    if !matches!(
        op.auth,
        Auth::Bearer {
            optional: false,
            ..
        }
    ) {
        return Some("it no longer requires a bearer token".into());
    }
    if op.body.as_ref().is_some_and(|b| b.required) {
        return Some("it now requires a request body".into());
    }
    let answers = match &op.kind {
        OperationKind::Call {
            success: ResponseBody::Json(TypeRef::Named(id)),
            ..
        } => Some(api.type_def(*id).name.as_str()),
        _ => None,
    };
    match answers {
        Some(PROFILE_TYPE) => None,
        Some(other) => Some(format!("it now answers `{other}`, not `{PROFILE_TYPE}`")),
        None => Some(format!("it no longer answers a JSON `{PROFILE_TYPE}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::problems;
    use aps_auth_codegen::{Options, load, lower};

    fn api(text: &str) -> aps_auth_codegen::model::Api {
        let doc = load::load(text).expect("loads");
        lower::lower(&doc, &Options::default()).expect("lowers").0
    }

    fn spec() -> String {
        std::fs::read_to_string(
            crate::freshness::workspace_root().join("spec/aps-authentication-v2.yaml"),
        )
        .expect("the APS document")
    }

    #[test]
    fn the_needs_are_the_layers_endpoints_and_the_profile() {
        let needs = super::needs();
        let names: Vec<&str> = needs.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "get_token",
                "revoke_token",
                "introspect_token",
                "get_keys",
                "authorize_url",
                "logout_url",
                "get_user_profile"
            ]
        );
        assert_eq!(needs[0].role, "the token endpoint");
        assert_eq!(
            (needs[0].method.as_str(), needs[0].redirect),
            ("POST", false)
        );
        assert_eq!((needs[4].method.as_str(), needs[4].redirect), ("GET", true));
    }

    #[test]
    fn the_aps_document_has_what_the_layer_needs() {
        assert_eq!(problems(&api(&spec()), "spec"), Vec::<String>::new());
    }

    #[test]
    fn a_lost_or_changed_operation_is_named_in_one_sentence() {
        let mut doc: serde_json::Value = yaml_to_json(&spec());
        let paths = doc["paths"].as_object_mut().unwrap();
        paths.remove("/authentication/v2/revoke");
        let keys = paths.get_mut("/authentication/v2/keys").unwrap();
        let get = keys.as_object_mut().unwrap().remove("get").unwrap();
        keys.as_object_mut().unwrap().insert("post".into(), get);
        let found = problems(&api(&doc.to_string()), "spec/x.yaml");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("`revoke_token`") && found[0].contains("has none"),
            "{}",
            found[0]
        );
        assert!(
            found[1].contains("`get_keys`") && found[1].contains("now `POST"),
            "{}",
            found[1]
        );
    }

    fn yaml_to_json(text: &str) -> serde_json::Value {
        load::parse_text(text).expect("parses")
    }
}
