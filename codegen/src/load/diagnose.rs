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

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::kind_of;
use super::schema::check_schema;
use crate::error::{ErrorKind, Pointer, SpecError};

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

/// The plain sentence for a value no rule explained: what it should be, and what it has.
fn not_valid(raw: &Value, ptr: &Pointer, role: &Role) -> String {
    let what = role.bare().unwrap_or("value here");
    match ptr.lookup(raw) {
        Some(Value::Object(map)) if map.is_empty() => {
            format!("this is not a valid {what}: it is an empty mapping")
        }
        Some(Value::Object(map)) => {
            let mut keys: Vec<String> = map.keys().take(8).map(|k| format!("`{k}`")).collect();
            if map.len() > 8 {
                keys.push("...".into());
            }
            format!(
                "this is not a valid {what}: it has the keys {}",
                keys.join(", ")
            )
        }
        Some(other) => format!("this is not a valid {what}: it is {}", kind_of(other)),
        None => format!("this is not a valid {what}"),
    }
}

/// What the url crate says of a URL it cannot read.
const URL_ERRORS: [&str; 10] = [
    "empty host",
    "invalid international domain name",
    "invalid port number",
    "invalid IPv4 address",
    "invalid IPv6 address",
    "invalid domain character",
    "relative URL without a base",
    "relative URL with a cannot-be-a-base base",
    "a cannot-be-a-base URL doesn't have a host to set",
    "URLs more than 4 GB are not supported",
];

/// serde's message for the value at `ptr`, as a sentence that names the thing.
fn translate(raw: &Value, ptr: &Pointer, role: &Role, message: &str) -> String {
    let value = ptr.lookup(raw);
    let subject = subject(raw, ptr, role);
    if let Some(reason) = URL_ERRORS.iter().find(|e| message.contains(**e))
        && let Some(Value::String(url)) = value
    {
        return format!("{subject} must be an absolute URL, found `{url}` ({reason})");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("{subject} needs `{field}`");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (found, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if *role == Role::SecurityScheme {
            return format!(
                "unknown security scheme type `{found}` (expected one of {SCHEME_TYPES})"
            );
        }
        return match allowed.as_slice() {
            [] => format!("{subject} does not allow `{found}`"),
            [one] => format!("{subject} must be `{one}`, found `{found}`"),
            many => format!(
                "{subject} must be one of {}, found `{found}`",
                many.join(", ")
            ),
        };
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let found = match value {
                Some(Value::String(s)) if prefix == "invalid value: " => format!("`{s}`"),
                Some(value) => kind_of(value).to_owned(),
                None => unexpected.to_owned(),
            };
            let last = ptr.tokens().last().unwrap_or_default();
            return format!(
                "{subject} must be {}, found {found}",
                in_words(expected, &last)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("{subject} has `{field}` twice");
    }
    message.to_owned()
}

/// serde's name of an expected shape, in words; `key` is where the value is (for the names
/// `oas3`'s enums allow).
fn in_words(expected: &str, key: &str) -> String {
    // serde_json's answer when an enum is given something other than a name.
    if matches!(expected, "string or map" | "map with a single key") {
        return match key {
            "in" => "one of path, query, header, cookie".into(),
            "style" => {
                "one of matrix, label, form, simple, spaceDelimited, pipeDelimited, deepObject"
                    .into()
            }
            _ => "one of the names allowed here".into(),
        };
    }
    let words = match expected {
        "" => "something else",
        "a map" => "a mapping",
        "a sequence" => "a list",
        "a string" | "a borrowed string" | "a character" => "a string",
        "a boolean" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" | "a JSON number" => "a number",
        "a string representing an URL" => "an absolute URL",
        "unit" => "null",
        "variant identifier" => "one of the names allowed here",
        other if other.starts_with("struct ") => "an object",
        other if other.starts_with("enum ") => "one of the names allowed here",
        other => other,
    };
    words.to_owned()
}

/// How a sentence names the value at `ptr`: by its role (`a parameter`, `the OAuth 2.0
/// `clientCredentials` flow`), or by its key (`` `title` ``).
fn subject(raw: &Value, ptr: &Pointer, role: &Role) -> String {
    if *role == Role::SecurityScheme
        && let Some(ty) = ptr
            .lookup(raw)
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
    {
        return format!("a security scheme of type `{ty}`");
    }
    if let Some(noun) = role.noun() {
        return noun;
    }
    let tokens: Vec<String> = ptr.tokens().collect();
    match tokens.as_slice() {
        [] => "the document".into(),
        [.., parent, last] if last.parse::<usize>().is_ok() => {
            format!("entry {last} of `{parent}`")
        }
        [.., last] => format!("`{last}`"),
    }
}

/// What a place in an OpenAPI document holds, as far as messages need to know.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Document,
    Info,
    Contact,
    License,
    Servers,
    Server,
    Variables,
    Variable,
    /// `paths`, `webhooks`, `components/pathItems`: path items by key.
    Paths,
    PathItem,
    Operation,
    Parameters,
    Parameter,
    RequestBodies,
    RequestBody,
    Content,
    MediaType,
    Encodings,
    Encoding,
    Responses,
    Response,
    Headers,
    Header,
    Examples,
    Example,
    Links,
    Link,
    Callbacks,
    Callback,
    Components,
    /// Schemas by name: `components/schemas`, `properties`, `$defs`...
    Schemas,
    /// `allOf`, `anyOf`, `oneOf`, `prefixItems`.
    SchemaList,
    Schema,
    SecuritySchemes,
    SecurityScheme,
    Flows,
    Flow(String),
    Security,
    SecurityRequirement,
    Tags,
    Tag,
    ExternalDocs,
    Discriminator,
    Other,
}

/// The role of the value at `ptr`, found by walking the document's structure from the root.
fn role_at(ptr: &Pointer) -> Role {
    ptr.tokens()
        .fold(Role::Document, |role, token| role.child(&token))
}

impl Role {
    /// The role of the value under `token`.
    fn child(&self, token: &str) -> Role {
        use Role::*;
        match (self, token) {
            (_, "$ref") => Other,
            (Paths | Callback, extension) if extension.starts_with("x-") => Other,
            (Document, "info") => Info,
            (Document | PathItem | Operation, "servers") => Servers,
            (Document, "paths" | "webhooks") | (Components, "pathItems") => Paths,
            (Document, "components") => Components,
            (Document | Operation, "security") => Security,
            (Document, "tags") => Tags,
            (Document | Operation | Tag | Schema, "externalDocs") => ExternalDocs,
            (Info, "contact") => Contact,
            (Info, "license") => License,
            (Servers, _) => Server,
            (Server, "variables") => Variables,
            (Variables, _) => Variable,
            (Paths | Callback, _) => PathItem,
            (PathItem, method) if METHODS.contains(&method) => Operation,
            (PathItem | Operation | Components, "parameters") => Parameters,
            (Parameters, _) => Parameter,
            (Operation, "requestBody") => RequestBody,
            (Components, "requestBodies") => RequestBodies,
            (RequestBodies, _) => RequestBody,
            (Operation | Components, "responses") => Responses,
            (Responses, _) => Response,
            (Operation | Components, "callbacks") => Callbacks,
            (Callbacks, _) => Callback,
            (Response | Encoding | Components, "headers") => Headers,
            (Headers, _) => Header,
            (Response | Components, "links") => Links,
            (Links, _) => Link,
            (Parameter | Header | MediaType | Components, "examples") => Examples,
            (Examples, _) => Example,
            (Parameter | Header | RequestBody | Response, "content") => Content,
            (Content, _) => MediaType,
            (MediaType, "encoding") => Encodings,
            (Encodings, _) => Encoding,
            (Parameter | Header | MediaType, "schema") => Schema,
            (Components, "schemas") => Schemas,
            (Schemas | SchemaList, _) => Schema,
            (
                Schema,
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "propertyNames"
                | "if"
                | "then"
                | "else"
                | "unevaluatedItems"
                | "unevaluatedProperties",
            ) => Schema,
            (Schema, "properties" | "patternProperties" | "$defs" | "dependentSchemas") => Schemas,
            (Schema, "allOf" | "anyOf" | "oneOf" | "prefixItems") => SchemaList,
            (Schema, "discriminator") => Discriminator,
            (Components, "securitySchemes") => SecuritySchemes,
            (SecuritySchemes, _) => SecurityScheme,
            (SecurityScheme, "flows") => Flows,
            (Flows, name) => Flow(name.to_owned()),
            (Security, _) => SecurityRequirement,
            (Tags, _) => Tag,
            _ => Other,
        }
    }

    /// What the value is, without an article (`parameter`), for the roles an untagged enum
    /// stands for.
    fn bare(&self) -> Option<&'static str> {
        Some(match self {
            Role::Parameter => "parameter",
            Role::Response => "response",
            Role::RequestBody => "request body",
            Role::Header => "header",
            Role::Example => "example",
            Role::Link => "link",
            Role::Callback => "callback",
            Role::PathItem => "path item",
            Role::Schema => "schema",
            Role::SecurityScheme => "security scheme",
            _ => return None,
        })
    }

    /// What the value is, as a sentence names it (`a parameter`, `` `info` ``).
    fn noun(&self) -> Option<String> {
        let named = |key: &str| Some(format!("`{key}`"));
        match self {
            Role::Document => Some("the document".into()),
            Role::Info => named("info"),
            Role::Contact => named("contact"),
            Role::License => named("license"),
            Role::Components => named("components"),
            Role::Flows => named("flows"),
            Role::ExternalDocs => named("externalDocs"),
            Role::Flow(name) => Some(format!("the OAuth 2.0 flow `{name}`")),
            Role::Server => Some("a server".into()),
            Role::Variable => Some("a server variable".into()),
            Role::Operation => Some("an operation".into()),
            Role::MediaType => Some("a media type".into()),
            Role::Encoding => Some("an encoding".into()),
            Role::SecurityRequirement => Some("a security requirement".into()),
            Role::Tag => Some("a tag".into()),
            Role::Discriminator => Some("a discriminator".into()),
            Role::Example => Some("an example".into()),
            other => other.bare().map(|bare| format!("a {bare}")),
        }
    }
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
    fn roles_follow_the_document_structure() {
        let role = |p: &str| role_at(&Pointer::from_fragment(p).expect("a pointer"));
        assert_eq!(role("#/paths/~1a/get/parameters/0"), Role::Parameter);
        assert_eq!(role("#/paths/~1a/parameters/0"), Role::Parameter);
        assert_eq!(role("#/components/parameters/p"), Role::Parameter);
        assert_eq!(role("#/paths/~1a/get/requestBody"), Role::RequestBody);
        assert_eq!(
            role("#/components/schemas/parameters/properties/parameters"),
            Role::Schema
        );
        assert_eq!(
            role("#/components/schemas/X/properties/parameters/description"),
            Role::Other
        );
        assert_eq!(
            role("#/components/securitySchemes/o/flows/implicit"),
            Role::Flow("implicit".into())
        );
        assert_eq!(
            role("#/paths/~1a/post/callbacks/c/{$request.body#~1url}/post/responses/200"),
            Role::Response
        );
        assert_eq!(role("#/paths/~1a/post/callbacks/c/$ref"), Role::Other);
        assert_eq!(role("#/paths/x-internal"), Role::Other);
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
