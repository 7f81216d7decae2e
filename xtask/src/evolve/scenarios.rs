//! The scenarios of `cargo xtask evolve`: realistic updates of the APS document (additive,
//! representational, breaking, and ones the OAuth layer cannot work with), each an edit of the
//! document's JSON and the outcome it must lead to.

use serde_json::{Value, json};
use xtask::documents;

/// What a scenario must lead to.
pub(super) enum Expect {
    /// The API does not change (names are pinned, the representation moved).
    Unchanged,
    /// Only additions: nothing breaks; the report names this.
    Additive(&'static str),
    /// A change that breaks callers; the report marks this line `BREAKING`.
    Breaking(&'static str),
    /// `generate` refuses: the OAuth layer's needs are not met; the sentence names this.
    Refused(&'static str),
}

/// One realistic update of the document.
pub(super) struct Scenario {
    pub(super) name: &'static str,
    pub(super) what: &'static str,
    pub(super) expect: Expect,
    pub(super) edit: fn(&mut Value),
}

pub(super) const PRIMARY: &str = documents::PRIMARY;
const TOKEN: &str = "/authentication/v2/token";
const KEYS: &str = "/authentication/v2/keys";
const AUTHORIZE: &str = "/authentication/v2/authorize";
const PROFILE: &str = "/userprofile/v1/users/@me";

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "optional-inputs",
            what: "new optional parameters, form fields, model properties and enum values",
            expect: Expect::Additive("kid"),
            edit: |doc| {
                push_param(
                    doc,
                    KEYS,
                    "get",
                    json!({"name": "kid", "in": "query", "schema": {"type": "string"}}),
                );
                push_param(
                    doc,
                    PROFILE,
                    "get",
                    json!({"name": "x-ads-region", "in": "header", "schema": {"type": "string", "enum": ["US", "EMEA"]}}),
                );
                let form = &mut doc["paths"][TOKEN]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                    ["schema"];
                form["properties"]["device_code"] = json!({"type": "string"});
                if let Some(e) = form["properties"]["grant_type"]["enum"].as_array_mut() {
                    e.push(json!("urn:ietf:params:oauth:grant-type:device_code"));
                }
                doc["components"]["schemas"]["UserProfile"]["properties"]["locale"] =
                    json!({"type": "string"});
            },
        },
        Scenario {
            name: "token-answer-composed",
            what: "the token answer re-described as an allOf of a shared base, a nullable field, an id_token",
            expect: Expect::Additive("id_token"),
            edit: |doc| {
                let schemas = &mut doc["components"]["schemas"];
                let mut base = schemas["TokenResponse"].clone();
                base["properties"]["refresh_token"]["type"] = json!(["string", "null"]);
                schemas["TokenBase"] = base;
                schemas["TokenResponse"] = json!({
                    "description": "A token answer.",
                    "allOf": [
                        {"$ref": "#/components/schemas/TokenBase"},
                        {"type": "object", "properties": {"id_token": {"type": "string"}}}
                    ]
                });
            },
        },
        Scenario {
            name: "token-answer-one-of",
            what: "the token answer becomes a oneOf of two token schemas (application, user); the layer, its tests and the benches read answers in their own types",
            expect: Expect::Breaking("TokenResponse"),
            edit: |doc| {
                let schemas = &mut doc["components"]["schemas"];
                let mut application = schemas["TokenResponse"].clone();
                if let Some(p) = application["properties"].as_object_mut() {
                    p.remove("refresh_token");
                }
                application["required"] = json!(["access_token"]);
                let mut user = schemas["TokenResponse"].clone();
                user["properties"]["id_token"] = json!({"type": "string"});
                user["required"] = json!(["access_token", "refresh_token"]);
                schemas["ApplicationToken"] = application;
                schemas["UserToken"] = user;
                schemas["TokenResponse"] = json!({
                    "description": "A token answer: an application's or a user's.",
                    "oneOf": [
                        {"$ref": "#/components/schemas/UserToken"},
                        {"$ref": "#/components/schemas/ApplicationToken"}
                    ]
                });
            },
        },
        Scenario {
            name: "ids-dropped-schema-renamed",
            what: "operations lose their operationId, a schema is renamed (the name map keeps the Rust names)",
            expect: Expect::Unchanged,
            edit: |doc| {
                for (path, method) in [(TOKEN, "post"), (KEYS, "get"), (PROFILE, "get")] {
                    doc["paths"][path][method]
                        .as_object_mut()
                        .map(|o| o.remove("operationId"));
                }
                rename_schema(doc, "UserProfile", "AccountProfile");
            },
        },
        Scenario {
            name: "new-paths",
            what: "new paths with path, header and query parameters, and an unauthenticated one",
            expect: Expect::Additive("get_user_picture"),
            edit: |doc| {
                doc["paths"]["/userprofile/v1/users/{userId}/picture"] = json!({"get": {
                    "operationId": "getUserPicture",
                    "security": [{"OAuth2ThreeLegged": ["user-profile:read"]}],
                    "parameters": [
                        {"name": "userId", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "size", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                        {"name": "x-request-id", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "The picture.", "content": {"image/png": {}}}}
                }});
                doc["paths"]["/authentication/v2/status"] = json!({"get": {
                    "operationId": "getServiceStatus",
                    "security": [],
                    "responses": {"200": {"description": "Service status.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}}
                }});
            },
        },
        Scenario {
            name: "identical-inline-copy",
            what: "a new operation, first in the document, whose inline form body and enum copy revoke's: they merge into the existing types, nothing renamed",
            expect: Expect::Additive("revoke_all"),
            edit: |doc| {
                let mut op = doc["paths"]["/authentication/v2/revoke"]["post"].clone();
                op["operationId"] = json!("revokeAll");
                let mut paths = serde_json::Map::new();
                paths.insert("/authentication/v2/revoke-all".into(), json!({"post": op}));
                if let Some(old) = doc["paths"].as_object() {
                    paths.extend(old.clone());
                }
                doc["paths"] = Value::Object(paths);
            },
        },
        Scenario {
            name: "pkce-on-authorize",
            what: "the authorize endpoint documents PKCE and response_mode (the layer sends each once)",
            expect: Expect::Additive("code_challenge"),
            edit: |doc| {
                for p in [
                    json!({"name": "code_challenge", "in": "query", "schema": {"type": "string"}}),
                    json!({"name": "code_challenge_method", "in": "query", "schema": {"type": "string", "enum": ["S256", "plain"]}}),
                    json!({"name": "response_mode", "in": "query", "schema": {"type": "string", "enum": ["query", "form_post"]}}),
                ] {
                    push_param(doc, AUTHORIZE, "get", p);
                }
            },
        },
        Scenario {
            name: "changed-type-removed-value",
            what: "a model field changes type and an enum loses a value",
            expect: Expect::Breaking("email_verified"),
            edit: |doc| {
                doc["components"]["schemas"]["UserProfile"]["properties"]["emailVerified"] =
                    json!({"type": "string"});
                let grant = &mut doc["paths"][TOKEN]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                    ["schema"]["properties"]["grant_type"]["enum"];
                if let Some(e) = grant.as_array_mut() {
                    e.retain(|v| v != "refresh_token");
                }
            },
        },
        Scenario {
            name: "layer-operation-removed",
            what: "the revocation endpoint disappears (the OAuth layer uses it)",
            expect: Expect::Refused("`revoke_token`"),
            edit: |doc| {
                doc["paths"]
                    .as_object_mut()
                    .map(|p| p.remove("/authentication/v2/revoke"));
            },
        },
        Scenario {
            name: "layer-operation-changed",
            what: "the user profile call starts requiring a parameter the layer does not send",
            expect: Expect::Refused("`get_user_profile`"),
            edit: |doc| {
                push_param(
                    doc,
                    PROFILE,
                    "get",
                    json!({"name": "fields", "in": "query", "required": true, "schema": {"type": "string"}}),
                );
            },
        },
    ]
}

/// Adds a parameter to an operation.
fn push_param(doc: &mut Value, path: &str, method: &str, param: Value) {
    let op = &mut doc["paths"][path][method];
    if !op["parameters"].is_array() {
        op["parameters"] = json!([]);
    }
    if let Some(ps) = op["parameters"].as_array_mut() {
        ps.push(param);
    }
}

/// Renames a component schema and every `$ref` to it.
fn rename_schema(doc: &mut Value, from: &str, to: &str) {
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut()
        && let Some(schema) = schemas.remove(from)
    {
        schemas.insert(to.to_owned(), schema);
    }
    let (old, new) = (
        format!("#/components/schemas/{from}"),
        format!("#/components/schemas/{to}"),
    );
    fn walk(v: &mut Value, old: &str, new: &str) {
        match v {
            Value::Object(map) => {
                if map.get("$ref").and_then(Value::as_str) == Some(old) {
                    map.insert("$ref".into(), Value::String(new.to_owned()));
                }
                map.values_mut().for_each(|x| walk(x, old, new));
            }
            Value::Array(items) => items.iter_mut().for_each(|x| walk(x, old, new)),
            _ => {}
        }
    }
    walk(doc, &old, &new);
}

#[cfg(test)]
mod tests {
    use super::*;
    use aps_auth_codegen::load;

    #[test]
    fn scenarios_have_unique_names_and_edit_the_document() {
        let text = std::fs::read_to_string(
            xtask::freshness::workspace_root()
                .join("spec")
                .join(PRIMARY),
        )
        .unwrap();
        let base: Value = load::parse_text(&text).unwrap();
        let mut names = Vec::new();
        for s in scenarios() {
            assert!(!names.contains(&s.name), "{}", s.name);
            names.push(s.name);
            let mut doc = base.clone();
            (s.edit)(&mut doc);
            assert_ne!(doc, base, "{} changes nothing", s.name);
        }
    }

    #[test]
    fn renaming_a_schema_moves_its_refs() {
        let mut doc = json!({"components": {"schemas": {"A": {"type": "string"}}}, "x": {"$ref": "#/components/schemas/A"}});
        rename_schema(&mut doc, "A", "B");
        assert_eq!(
            doc,
            json!({"components": {"schemas": {"B": {"type": "string"}}}, "x": {"$ref": "#/components/schemas/B"}})
        );
    }
}
