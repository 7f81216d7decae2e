//! Refusals in words: when `oas3` refuses the document, say what is wrong and where.
//!
//! `serde_path_to_error` gives the path of the failure and serde's message. Two kinds of message
//! are not fit for a user:
//!
//! - `oas3`'s untagged enums (`Schema`, `ObjectOrReference<T>` around every parameter, response,
//!   request body, header, example, link, callback and security scheme) answer any failure with
//!   "data did not match any variant of untagged enum ...", and lose the inner path. The raw
//!   value at that place is read again as what belongs there (the [`Role`] the pointer names),
//!   which finds the inner failure with its path, recursively; a security scheme (an internally
//!   tagged enum, which loses paths too) and a link are checked by hand. Should that find
//!   nothing, the answer is still a plain sentence: "this is not a valid parameter: it has the
//!   keys ...".
//! - serde's own messages ("invalid type: integer `7`, expected struct Server", "missing field
//!   `flows`", "unknown variant `body`, expected one of ...") are rewritten as sentences that
//!   name the thing ("a server must be an object, found a number").

//!
//! This file finds the failure (reading the raw value again as what belongs at its place);
//! `role.rs` says what belongs at a place ([`Role`]); `words.rs` writes the sentences.

mod role;
mod words;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::kind_of;
use super::schema::check_schema;
use crate::error::{ErrorKind, Pointer, SpecError};
use role::{Role, role_at};
use words::{not_valid, translate};

/// How deep nested reads may go (each one is one level of the document, so this is never reached
/// by a real document; it bounds the work on a hostile one).
const MAX_DEPTH: usize = 64;

/// HTTP methods: the keys of a path item that hold operations.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The types a security scheme can have.
const SCHEME_TYPES: &str = "apiKey, http, oauth2, openIdConnect, mutualTLS";

/// The error for a document `oas3` refused.
pub(super) fn explain(
    raw: &Value,
    err: serde_path_to_error::Error<serde_json::Error>,
) -> SpecError {
    let pointer = append(&Pointer::root(), err.path());
    let message = err.into_inner().to_string();
    explain_at(raw, pointer, &message, 0)
}

/// Whether serde's message is the useless one of an untagged enum.
fn is_untagged(message: &str) -> bool {
    message.contains("did not match any variant") || message.contains("untagged enum")
}

/// The error for the failure `message` at `ptr`.
fn explain_at(raw: &Value, ptr: Pointer, message: &str, depth: usize) -> SpecError {
    let role = role_at(&ptr);
    if is_untagged(message) {
        if depth < MAX_DEPTH
            && let Some(err) = look_inside(raw, &ptr, &role, depth)
        {
            return err;
        }
        let sentence = not_valid(raw, &ptr, &role);
        return SpecError::new(ptr, ErrorKind::Structure(sentence));
    }
    let sentence = translate(raw, &ptr, &role, message);
    SpecError::new(ptr, ErrorKind::Structure(sentence))
}

/// `ptr` followed by a path that is relative to it.
fn append(ptr: &Pointer, path: &serde_path_to_error::Path) -> Pointer {
    use serde_path_to_error::Segment;
    path.iter().fold(ptr.clone(), |ptr, seg| match seg {
        Segment::Seq { index } => ptr.push(index.to_string()),
        Segment::Map { key } => ptr.push(key),
        Segment::Enum { .. } | Segment::Unknown => ptr,
    })
}

/// Reads `value` (found at `ptr`) as a `T`: the inner failure, explained, if there is one that
/// says more than the failure at `ptr` itself.
fn read_as<T: DeserializeOwned>(
    raw: &Value,
    value: &Value,
    ptr: &Pointer,
    depth: usize,
) -> Option<SpecError> {
    let err = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let at = append(ptr, err.path());
    let message = err.into_inner().to_string();
    if at == *ptr && is_untagged(&message) {
        return None;
    }
    Some(explain_at(raw, at, &message, depth + 1))
}

/// The reference form of `ObjectOrReference` (and of a schema).
#[derive(Deserialize)]
#[allow(dead_code)]
struct Reference {
    #[serde(rename = "$ref")]
    reference: String,
    summary: Option<String>,
    description: Option<String>,
}

/// Why the value at `ptr`, refused by an untagged enum, is not the `role` it should be.
fn look_inside(raw: &Value, ptr: &Pointer, role: &Role, depth: usize) -> Option<SpecError> {
    let value = ptr.lookup(raw)?;
    if *role == Role::Schema {
        if let Some(err) = check_schema(value, ptr) {
            return Some(err);
        }
        if value.get("$ref").is_some()
            && let Some(err) = read_as::<Reference>(raw, value, ptr, depth)
        {
            return Some(err);
        }
        return read_as::<oas3::spec::ObjectSchema>(raw, value, ptr, depth);
    }
    let noun = role.noun()?;
    let Value::Object(map) = value else {
        return Some(structure(
            ptr,
            format!("{noun} must be an object, found {}", kind_of(value)),
        ));
    };
    if map.contains_key("$ref") {
        return read_as::<Reference>(raw, value, ptr, depth);
    }
    use oas3::spec;
    match role {
        Role::Parameter => read_as::<spec::Parameter>(raw, value, ptr, depth),
        Role::Response => read_as::<spec::Response>(raw, value, ptr, depth),
        Role::RequestBody => read_as::<spec::RequestBody>(raw, value, ptr, depth),
        Role::Header => read_as::<spec::Header>(raw, value, ptr, depth),
        Role::Example => read_as::<spec::Example>(raw, value, ptr, depth),
        Role::PathItem => read_as::<spec::PathItem>(raw, value, ptr, depth),
        // A callback reads each path item with `serde_json::from_value`, which loses the path.
        Role::Callback => map
            .iter()
            .filter(|(key, _)| !key.starts_with("x-"))
            .find_map(|(key, item)| read_as::<spec::PathItem>(raw, item, &ptr.push(key), depth)),
        Role::SecurityScheme => security_scheme(raw, map, ptr, depth),
        Role::Link => link(raw, map, ptr, depth),
        _ => None,
    }
}

fn structure(ptr: &Pointer, sentence: String) -> SpecError {
    SpecError::new(ptr.clone(), ErrorKind::Structure(sentence))
}

/// `key` of `map`, which must be a string when present (or null, where it is optional).
fn string_field(
    map: &Map<String, Value>,
    ptr: &Pointer,
    key: &str,
    null_ok: bool,
) -> Option<SpecError> {
    match map.get(key) {
        None | Some(Value::String(_)) => None,
        Some(Value::Null) if null_ok => None,
        Some(other) => Some(structure(
            &ptr.push(key),
            format!("`{key}` must be a string, found {}", kind_of(other)),
        )),
    }
}

/// A security scheme is an internally tagged enum in `oas3` (tagged by `type`), whose failures
/// have no path: its fields are checked here, its OAuth 2.0 `flows` read as `oas3` does.
fn security_scheme(
    raw: &Value,
    map: &Map<String, Value>,
    ptr: &Pointer,
    depth: usize,
) -> Option<SpecError> {
    let ty = match map.get("type") {
        None => {
            return Some(structure(
                ptr,
                format!("a security scheme needs `type` (one of {SCHEME_TYPES})"),
            ));
        }
        Some(Value::String(ty)) => ty.as_str(),
        Some(other) => {
            return Some(structure(
                &ptr.push("type"),
                format!(
                    "`type` must be a string (one of {SCHEME_TYPES}), found {}",
                    kind_of(other)
                ),
            ));
        }
    };
    let (required, optional): (&[&str], &[&str]) = match ty {
        "apiKey" => (&["name", "in"], &[]),
        "http" => (&["scheme"], &["bearerFormat"]),
        "oauth2" => (&["flows"], &[]),
        "openIdConnect" => (&["openIdConnectUrl"], &[]),
        "mutualTLS" => (&[], &[]),
        other => {
            return Some(structure(
                &ptr.push("type"),
                format!("unknown security scheme type `{other}` (expected one of {SCHEME_TYPES})"),
            ));
        }
    };
    if let Some(missing) = required.iter().find(|key| !map.contains_key(**key)) {
        return Some(structure(
            ptr,
            format!("a security scheme of type `{ty}` needs `{missing}`"),
        ));
    }
    if let Some(err) = required
        .iter()
        .filter(|key| **key != "flows")
        .find_map(|key| string_field(map, ptr, key, false))
    {
        return Some(err);
    }
    if let Some(err) = optional
        .iter()
        .chain(&["description"])
        .find_map(|key| string_field(map, ptr, key, true))
    {
        return Some(err);
    }
    match map.get("flows") {
        Some(flows) if ty == "oauth2" => {
            read_as::<oas3::spec::Flows>(raw, flows, &ptr.push("flows"), depth)
        }
        _ => None,
    }
}

/// A link is an untagged enum in `oas3`: by `operationRef` or by `operationId`.
fn link(raw: &Value, map: &Map<String, Value>, ptr: &Pointer, depth: usize) -> Option<SpecError> {
    let key = ["operationRef", "operationId"]
        .into_iter()
        .find(|key| map.contains_key(*key));
    let Some(key) = key else {
        return Some(structure(
            ptr,
            "a link needs `operationRef` or `operationId`".into(),
        ));
    };
    if let Some(err) = string_field(map, ptr, key, false) {
        return Some(err);
    }
    if let Some(err) = string_field(map, ptr, "description", true) {
        return Some(err);
    }
    match map.get("parameters") {
        None => {}
        Some(Value::Object(parameters)) => {
            let base = ptr.push("parameters");
            if let Some(err) = parameters
                .keys()
                .find_map(|name| string_field(parameters, &base, name, false))
            {
                return Some(err);
            }
        }
        Some(other) => {
            return Some(structure(
                &ptr.push("parameters"),
                format!(
                    "`parameters` must be a mapping of names to expressions, found {}",
                    kind_of(other)
                ),
            ));
        }
    }
    let server = map.get("server")?;
    read_as::<oas3::spec::Server>(raw, server, &ptr.push("server"), depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusal of a 3.1 document with `body` (YAML) at its top level.
    fn refusal(body: &str) -> String {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
        match crate::load::load(&text) {
            Ok(_) => panic!("accepted:\n{body}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn security_schemes_are_explained() {
        let scheme = |s: &str| refusal(&format!("components:\n  securitySchemes:\n    s: {s}\n"));
        assert_eq!(
            scheme("{type: oauth2}"),
            "#/components/securitySchemes/s: not a valid OpenAPI document here: a security scheme of type `oauth2` needs `flows`"
        );
        assert_eq!(
            scheme("{type: foo}"),
            "#/components/securitySchemes/s/type: not a valid OpenAPI document here: unknown security scheme type `foo` (expected one of apiKey, http, oauth2, openIdConnect, mutualTLS)"
        );
        assert!(
            scheme("{type: oauth2, flows: {clientCredentials: {scopes: {}}}}").ends_with(
                "#/components/securitySchemes/s/flows/clientCredentials: not a valid OpenAPI document here: the OAuth 2.0 flow `clientCredentials` needs `tokenUrl`"
            )
        );
        assert!(
            scheme("{type: oauth2, flows: {implicit: {authorizationUrl: 'https://[x', scopes: {}}}}")
                .contains("/flows/implicit/authorizationUrl: not a valid OpenAPI document here: `authorizationUrl` must be an absolute URL, found `https://[x` (invalid IPv6 address)")
        );
        assert!(scheme("{type: apiKey, name: 7, in: header}").contains(
            "/s/name: not a valid OpenAPI document here: `name` must be a string, found a number"
        ));
        assert!(scheme("{description: d}").contains("a security scheme needs `type`"));
        assert!(scheme("[]").contains("a security scheme must be an object, found an array"));
    }

    #[test]
    fn parameters_responses_and_bodies_are_explained() {
        let op = |o: &str| refusal(&format!("paths:\n  /a:\n    get: {o}\n"));
        assert!(
            op("{parameters: [{name: a, in: body}]}").ends_with(
                "#/paths/~1a/get/parameters/0/in: not a valid OpenAPI document here: `in` must be one of path, query, header, cookie, found `body`"
            ),
            "{}",
            op("{parameters: [{name: a, in: body}]}")
        );
        assert!(
            op("{parameters: [{in: query}]}").ends_with(
                "#/paths/~1a/get/parameters/0: not a valid OpenAPI document here: a parameter needs `name`"
            )
        );
        assert!(op("{parameters: [{$ref: 7}]}").ends_with("#/paths/~1a/get/parameters/0/$ref: not a valid OpenAPI document here: `$ref` must be a string, found a number"));
        assert!(op("{responses: {'200': {description: d, content: {a/b: {schema: {description: 7}}}}}}").ends_with("#/paths/~1a/get/responses/200/content/a~1b/schema/description: not a valid OpenAPI document here: `description` must be a string, found a number"));
        assert!(op("{requestBody: {description: d}}").ends_with(
            "#/paths/~1a/get/requestBody: not a valid OpenAPI document here: a request body needs `content`"
        ));
        assert!(
            op("{responses: {'200': 7}}").ends_with("a response must be an object, found a number")
        );
        assert!(refusal("servers: [{url: 7}]").ends_with("#/servers/0/url: not a valid OpenAPI document here: `url` must be a string, found a number"));
        assert!(refusal("info: 7").ends_with(
            "#/info: not a valid OpenAPI document here: `info` must be an object, found a number"
        ));
    }

    #[test]
    fn what_no_rule_explains_is_still_a_sentence() {
        let links = refusal("components:\n  links:\n    l: {description: d}\n");
        assert!(links.ends_with("#/components/links/l: not a valid OpenAPI document here: a link needs `operationRef` or `operationId`"), "{links}");
        let raw = serde_json::json!({"components": {"parameters": {"p": {"x": 1, "y": 2}}}});
        let ptr = Pointer::from_fragment("#/components/parameters/p").expect("a pointer");
        assert_eq!(
            not_valid(&raw, &ptr, &Role::Parameter),
            "this is not a valid parameter: it has the keys `x`, `y`"
        );
    }
}
