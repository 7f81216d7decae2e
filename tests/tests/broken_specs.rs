//! Broken documents are refused with a typed error that names the JSON pointer of the problem,
//! and no document makes the generator panic.

use aps_auth_codegen::{ErrorKind, Options, Pointer, generate};
use aps_auth_tests::read;
use serde_json::{Value, json};

fn aps_spec() -> Value {
    yaml_serde::from_str(&read("spec/aps-authentication-v2.yaml")).expect("the spec is YAML")
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the spec"))
}

/// One way to break the APS spec, and how the generator must refuse it.
struct Refusal {
    /// Names the case in failure reports.
    name: &'static str,
    /// What is done to the spec.
    mutation: Mutation,
    /// The JSON pointer the error must name (as a URI fragment).
    pointer: &'static str,
    /// A fragment the error message must contain.
    message: &'static str,
    /// The exact error kind, where the case pins it down.
    kind: Option<fn() -> ErrorKind>,
}

/// A change to the APS spec.
enum Mutation {
    /// Replace the value at the JSON pointer (RFC 6901) `at` with the JSON text `with`.
    Replace {
        at: &'static str,
        with: &'static str,
    },
    /// Add the value of the JSON text `with` at the JSON pointer `at`, a new key of an existing
    /// mapping.
    Add {
        at: &'static str,
        with: &'static str,
    },
    /// Move the path item of the path template `from` to the path template `to`.
    RenamePath {
        from: &'static str,
        to: &'static str,
    },
}

/// Every broken document the generator must refuse, with where and why.
const REFUSALS: &[Refusal] = &[
    Refusal {
        name: "dangling $ref",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
            with: r##""#/components/schemas/Missing""##,
        },
        pointer: "#/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
        message: "dangling $ref `#/components/schemas/Missing`",
        kind: Some(|| ErrorKind::DanglingRef("#/components/schemas/Missing".into())),
    },
    Refusal {
        name: "$ref to something that is not a schema",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
            with: r##""#/paths""##,
        },
        pointer: "#/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
        message: "schema refs must name",
        kind: None,
    },
    Refusal {
        name: "external $ref",
        mutation: Mutation::Replace {
            at: "/components/schemas/UserProfile/properties/profileImages/properties/sizeX20",
            with: r#"{"$ref": "other.yaml#/Foo"}"#,
        },
        pointer: "#/components/schemas/UserProfile/properties/profileImages/properties/sizeX20/$ref",
        message: "external $ref",
        kind: None,
    },
    Refusal {
        name: "unknown type",
        mutation: Mutation::Replace {
            at: "/components/schemas/UserProfile/properties/userId/type",
            with: r#""strin""#,
        },
        pointer: "#/components/schemas/UserProfile/properties/userId/type",
        message: "unknown schema type `strin`",
        kind: Some(|| ErrorKind::UnknownType("strin".into())),
    },
    Refusal {
        name: "schema that is a string",
        mutation: Mutation::Replace {
            at: "/components/schemas/ErrorResponse/properties/errorCode",
            with: r#""string""#,
        },
        pointer: "#/components/schemas/ErrorResponse/properties/errorCode",
        message: "a schema must be an object or a boolean, found a string",
        kind: Some(|| ErrorKind::SchemaNotObject("a string".into())),
    },
    Refusal {
        name: "parameter schema that is a number",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1authorize/get/parameters/1/schema",
            with: "42",
        },
        pointer: "#/paths/~1authentication~1v2~1authorize/get/parameters/1/schema",
        message: "a schema must be an object or a boolean, found a number",
        kind: Some(|| ErrorKind::SchemaNotObject("a number".into())),
    },
    Refusal {
        name: "`properties` that is a string",
        mutation: Mutation::Replace {
            at: "/components/schemas/UserProfile/properties/profileImages/properties",
            with: r#""sizeX20""#,
        },
        pointer: "#/components/schemas/UserProfile/properties/profileImages/properties",
        message: "`properties` must be a mapping of schemas, found a string",
        kind: None,
    },
    Refusal {
        name: "`required` that is a string",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1revoke/post/requestBody/content/application~1x-www-form-urlencoded/schema/required",
            with: r#""token""#,
        },
        pointer: "#/paths/~1authentication~1v2~1revoke/post/requestBody/content/application~1x-www-form-urlencoded/schema/required",
        message: "`required` must be a list of property names, found a string",
        kind: None,
    },
    Refusal {
        name: "duplicate operationId",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1logout/get/operationId",
            with: r#""getToken""#,
        },
        pointer: "#/paths/~1authentication~1v2~1logout/get/operationId",
        message: "duplicate operationId `getToken`",
        kind: Some(|| ErrorKind::DuplicateOperationId {
            id: "getToken".into(),
            first: Pointer::from_fragment("#/paths/~1authentication~1v2~1token/post")
                .expect("a local pointer"),
        }),
    },
    Refusal {
        name: "undeclared path parameter",
        mutation: Mutation::RenamePath {
            from: "/authentication/v2/keys",
            to: "/authentication/v2/keys/{kid}",
        },
        pointer: "#/paths/~1authentication~1v2~1keys~1{kid}/get",
        message: "path template parameter `{kid}` is not declared",
        kind: Some(|| ErrorKind::UndeclaredPathParameter("kid".into())),
    },
    Refusal {
        name: "unsupported OpenAPI version",
        mutation: Mutation::Replace {
            at: "/openapi",
            with: r#""2.0""#,
        },
        pointer: "#/openapi",
        message: "unsupported OpenAPI version `2.0`",
        kind: None,
    },
    Refusal {
        name: "object-valued header parameter",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1authorize/get/parameters/1",
            with: r#"{
                "name": "client_id", "in": "header", "required": true,
                "schema": {"type": "object", "properties": {"id": {"type": "string"}}}
            }"#,
        },
        pointer: "#/paths/~1authentication~1v2~1authorize/get/parameters/1",
        message: "object-valued parameter `client_id`",
        kind: None,
    },
    // What `oas3`'s untagged and tagged enums refuse, said in words (see load/diagnose.rs).
    Refusal {
        name: "oauth2 security scheme without flows",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged",
            with: r#"{"type": "oauth2", "description": "no flows"}"#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged",
        message: "a security scheme of type `oauth2` needs `flows`",
        kind: Some(|| {
            ErrorKind::Structure("a security scheme of type `oauth2` needs `flows`".into())
        }),
    },
    Refusal {
        name: "unknown security scheme type",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged/type",
            with: r#""foo""#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged/type",
        message: "unknown security scheme type `foo` (expected one of apiKey, http, oauth2, openIdConnect, mutualTLS)",
        kind: None,
    },
    Refusal {
        name: "security scheme without a type",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged",
            with: r#"{"flows": {}}"#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged",
        message: "a security scheme needs `type`",
        kind: None,
    },
    Refusal {
        name: "apiKey security scheme without `in`",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged",
            with: r#"{"type": "apiKey", "name": "X-Key"}"#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged",
        message: "a security scheme of type `apiKey` needs `in`",
        kind: None,
    },
    Refusal {
        name: "security scheme that is a string",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged",
            with: r#""oauth2""#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged",
        message: "a security scheme must be an object, found a string",
        kind: None,
    },
    Refusal {
        name: "OAuth flow without tokenUrl",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged/flows/clientCredentials",
            with: r#"{"scopes": {}}"#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged/flows/clientCredentials",
        message: "the OAuth 2.0 flow `clientCredentials` needs `tokenUrl`",
        kind: None,
    },
    Refusal {
        name: "tokenUrl that no URL parser reads",
        mutation: Mutation::Replace {
            at: "/components/securitySchemes/OAuth2TwoLegged/flows/clientCredentials/tokenUrl",
            with: r#""https://[::1/token""#,
        },
        pointer: "#/components/securitySchemes/OAuth2TwoLegged/flows/clientCredentials/tokenUrl",
        message: "`tokenUrl` must be an absolute URL, found `https://[::1/token` (invalid IPv6 address)",
        kind: None,
    },
    Refusal {
        name: "parameter `in: body` (Swagger 2)",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1authorize/get/parameters/1/in",
            with: r#""body""#,
        },
        pointer: "#/paths/~1authentication~1v2~1authorize/get/parameters/1/in",
        message: "`in` must be one of path, query, header, cookie, found `body`",
        kind: None,
    },
    Refusal {
        name: "parameter without a name",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1authorize/get/parameters/1",
            with: r#"{"in": "query", "schema": {"type": "string"}}"#,
        },
        pointer: "#/paths/~1authentication~1v2~1authorize/get/parameters/1",
        message: "a parameter needs `name`",
        kind: None,
    },
    Refusal {
        name: "parameter that is a string",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1authorize/get/parameters/1",
            with: r#""client_id""#,
        },
        pointer: "#/paths/~1authentication~1v2~1authorize/get/parameters/1",
        message: "a parameter must be an object, found a string",
        kind: None,
    },
    Refusal {
        name: "$ref that is a number",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1authorize/get/parameters/1",
            with: r#"{"$ref": 7}"#,
        },
        pointer: "#/paths/~1authentication~1v2~1authorize/get/parameters/1/$ref",
        message: "`$ref` must be a string, found a number",
        kind: None,
    },
    Refusal {
        name: "response that is a list",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1token/post/responses/200",
            with: "[]",
        },
        pointer: "#/paths/~1authentication~1v2~1token/post/responses/200",
        message: "a response must be an object, found an array",
        kind: None,
    },
    Refusal {
        name: "request body without content",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1token/post/requestBody",
            with: r#"{"description": "the form"}"#,
        },
        pointer: "#/paths/~1authentication~1v2~1token/post/requestBody",
        message: "a request body needs `content`",
        kind: None,
    },
    Refusal {
        name: "schema keyword of the wrong kind deep inside a schema",
        mutation: Mutation::Replace {
            at: "/components/schemas/TokenResponse/properties/access_token/description",
            with: "7",
        },
        pointer: "#/components/schemas/TokenResponse/properties/access_token/description",
        message: "`description` must be a string, found a number",
        kind: None,
    },
    Refusal {
        name: "server without a url",
        mutation: Mutation::Replace {
            at: "/servers/0",
            with: r#"{"description": "production"}"#,
        },
        pointer: "#/servers/0",
        message: "a server needs `url`",
        kind: None,
    },
    Refusal {
        name: "path item that is a string",
        mutation: Mutation::Replace {
            at: "/paths/~1authentication~1v2~1keys",
            with: r#""keys""#,
        },
        pointer: "#/paths/~1authentication~1v2~1keys",
        message: "a path item must be an object, found a string",
        kind: None,
    },
    Refusal {
        name: "link without an operation",
        mutation: Mutation::Add {
            at: "/components/links",
            with: r#"{"keys": {"description": "the keys"}}"#,
        },
        pointer: "#/components/links/keys",
        message: "a link needs `operationRef` or `operationId`",
        kind: None,
    },
    Refusal {
        name: "broken parameter inside a callback",
        mutation: Mutation::Add {
            at: "/paths/~1authentication~1v2~1keys/get/callbacks",
            with: r#"{"changed": {"{$request.body#/url}": {"post": {
                "parameters": [{"name": "a", "in": "body"}],
                "responses": {"200": {"description": "ok"}}
            }}}}"#,
        },
        pointer: "#/paths/~1authentication~1v2~1keys/get/callbacks/changed/{$request.body#~1url}/post/parameters/0/in",
        message: "`in` must be one of path, query, header, cookie, found `body`",
        kind: None,
    },
    Refusal {
        name: "info version that is a list",
        mutation: Mutation::Replace {
            at: "/info/version",
            with: "[2]",
        },
        pointer: "#/info/version",
        message: "`version` must be a string, found an array",
        kind: None,
    },
];

impl Mutation {
    /// Changes `doc`; says why when the spec has nothing to change there.
    fn apply(&self, doc: &mut Value) -> Result<(), String> {
        match *self {
            Mutation::Replace { at, with } => {
                let value: Value = serde_json::from_str(with)
                    .map_err(|e| format!("the replacement {with:?} is not JSON: {e}"))?;
                *doc.pointer_mut(at)
                    .ok_or_else(|| format!("no {at} in the spec"))? = value;
            }
            Mutation::Add { at, with } => {
                let value: Value = serde_json::from_str(with)
                    .map_err(|e| format!("the addition {with:?} is not JSON: {e}"))?;
                let (parent, key) = at.rsplit_once('/').ok_or("an empty pointer")?;
                doc.pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| format!("no mapping at {parent} in the spec"))?
                    .insert(key.replace("~1", "/").replace("~0", "~"), value);
            }
            Mutation::RenamePath { from, to } => {
                let paths = doc
                    .pointer_mut("/paths")
                    .and_then(Value::as_object_mut)
                    .ok_or("no /paths mapping in the spec")?;
                let item = paths
                    .remove(from)
                    .ok_or_else(|| format!("no path {from} in the spec"))?;
                paths.insert(to.to_owned(), item);
            }
        }
        Ok(())
    }
}

/// Applies the case's mutation to `spec` and checks the refusal; says what is wrong otherwise.
fn check(spec: &Value, case: &Refusal) -> Result<(), String> {
    let mut doc = spec.clone();
    case.mutation.apply(&mut doc)?;
    let err = match generate(&doc.to_string(), &Options::default()) {
        Ok(_) => return Err("the broken document was accepted".into()),
        Err(e) => e,
    };
    let mut problems = Vec::new();
    if err.pointer.to_string() != case.pointer {
        problems.push(format!("expected the pointer {}", case.pointer));
    }
    if !err.to_string().contains(case.message) {
        problems.push(format!(
            "expected the message to contain {:?}",
            case.message
        ));
    }
    if let Some(kind) = case.kind.map(|kind| kind())
        && err.kind != kind
    {
        problems.push(format!("expected the kind {kind:?}, got {:?}", err.kind));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n    error: {err}", problems.join("; ")))
    }
}

/// Every case of [`REFUSALS`]; a failure lists all failing cases by name.
#[test]
fn broken_documents_are_refused_with_their_place_and_reason() {
    let spec = aps_spec();
    let failures: Vec<String> = REFUSALS
        .iter()
        .filter_map(|case| {
            check(&spec, case)
                .err()
                .map(|why| format!("  {}: {why}", case.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} refusal cases failed:\n{}",
        failures.len(),
        REFUSALS.len(),
        failures.join("\n")
    );
}

#[test]
fn text_that_is_not_yaml_is_a_syntax_error() {
    let err = generate("openapi: 3.1.0\ninfo: [unclosed", &Options::default()).unwrap_err();
    assert_eq!(err.pointer.to_string(), "#");
    assert!(matches!(err.kind, ErrorKind::Syntax(_)), "{err}");
    let err = generate("- just\n- a list\n", &Options::default()).unwrap_err();
    assert!(err.to_string().contains("must be a mapping"), "{err}");
}

/// serde's own wording, which a refusal must never show (it names Rust types, not the document).
const SERDE_WORDING: [&str; 8] = [
    "untagged enum",
    "did not match any variant",
    "invalid type:",
    "invalid value:",
    "invalid length",
    "missing field",
    "unknown variant",
    "expected struct",
];

/// Fails when a refusal message is serde's wording rather than a sentence about the document.
fn assert_plain(message: &str, context: &str) {
    if let Some(words) = SERDE_WORDING.iter().find(|w| message.contains(**w)) {
        panic!("the refusal of {context} says {words:?}: {message}");
    }
}

/// Every node of the APS spec replaced, one at a time, by values of the wrong kind: the generator
/// answers each document with code or an error in words (never serde's), never a panic.
#[test]
fn no_mutation_of_the_spec_panics() {
    let (accepted, refused) = sweep(&aps_spec(), 300);
    assert!(
        accepted > 0 && refused > 0,
        "accepted {accepted}, refused {refused}"
    );
}

/// A small document with every kind of OpenAPI object (each security scheme type, `$ref`s to
/// each component kind, links, callbacks, headers, examples, encodings, server variables).
const EVERY_OBJECT: &str = r##"
openapi: 3.0.3
info:
  title: Every kind of object
  version: '1'
  termsOfService: https://terms.example
  contact: {name: c, url: 'https://c.example', email: c@c.example}
  license: {name: MIT, url: 'https://l.example'}
servers:
  - url: 'https://{host}/v1'
    variables: {host: {default: api.example.com, enum: [api.example.com]}}
security: [{key: []}, {}]
tags: [{name: t, description: d, externalDocs: {url: 'https://d.example'}}]
externalDocs: {url: 'https://d.example'}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getItem
      externalDocs: {url: 'https://d.example/get'}
      parameters:
        - $ref: '#/components/parameters/Limit'
        - {name: X-Trace, in: header, schema: {type: string}, examples: {one: {value: abc}}}
        - {name: session, in: cookie, schema: {type: string}}
      security: [{bearer: []}]
      responses:
        '200':
          description: ok
          headers: {X-Rate: {$ref: '#/components/headers/Rate'}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
              examples: {one: {$ref: '#/components/examples/Item'}}
          links: {self: {$ref: '#/components/links/Self'}}
        default: {$ref: '#/components/responses/Error'}
    put:
      operationId: putItem
      security: [{oauth: [read]}, {oidc: []}]
      requestBody: {$ref: '#/components/requestBodies/Item'}
      callbacks: {changed: {$ref: '#/components/callbacks/Changed'}}
      responses: {'204': {description: stored}}
components:
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: string}
        tags: {type: array, items: {type: string}}
        kind: {type: string, enum: [a, b]}
        size: {type: integer, nullable: true, minimum: 0, exclusiveMinimum: true}
    Error: {type: object, properties: {message: {type: string}}}
    Shape:
      oneOf: [{$ref: '#/components/schemas/Item'}, {$ref: '#/components/schemas/Error'}]
      discriminator: {propertyName: kind, mapping: {a: '#/components/schemas/Item'}}
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer}, style: form, explode: true}
  headers:
    Rate: {schema: {type: integer}, description: r}
  examples:
    Item: {summary: an item, value: {id: x}}
  links:
    Self: {operationId: getItem, parameters: {id: '$response.body#/id'}}
  requestBodies:
    Item:
      required: true
      content:
        application/json: {schema: {$ref: '#/components/schemas/Item'}}
  responses:
    Error:
      description: error
      content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  callbacks:
    Changed:
      '{$request.body#/url}':
        post:
          requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
          responses: {'200': {description: ok}}
  securitySchemes:
    key: {type: apiKey, name: X-Key, in: header}
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
    oidc: {type: openIdConnect, openIdConnectUrl: 'https://id.example/.well-known/openid-configuration'}
    mtls: {type: mutualTLS}
    oauth:
      type: oauth2
      flows:
        implicit: {authorizationUrl: 'https://id.example/authorize', scopes: {read: r}}
        password: {tokenUrl: 'https://id.example/token', scopes: {}}
        clientCredentials: {tokenUrl: 'https://id.example/token', refreshUrl: 'https://id.example/token', scopes: {}}
        authorizationCode: {authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token', scopes: {}}
"##;

/// The same sweep over a document that has every kind of object the APS spec lacks.
#[test]
fn no_mutation_of_any_kind_of_object_is_refused_in_serde_words() {
    let base: Value = yaml_serde::from_str(EVERY_OBJECT).expect("the document is YAML");
    if let Err(e) = generate(&base.to_string(), &Options::default()) {
        panic!("the unbroken document is refused: {e}");
    }
    let (accepted, refused) = sweep(&base, 150);
    assert!(
        accepted > 0 && refused > 0,
        "accepted {accepted}, refused {refused}"
    );
}

/// Replaces every node of `base` (at least `at_least` of them), one at a time, by values of the
/// wrong kind; checks there is no panic and every refusal is a sentence with a pointer. Returns
/// how many documents were accepted and refused.
fn sweep(base: &Value, at_least: usize) -> (usize, usize) {
    let mut pointers = Vec::new();
    collect_pointers(base, String::new(), &mut pointers);
    assert!(pointers.len() > at_least, "{}", pointers.len());
    let replacements = [
        json!(null),
        json!(7),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for pointer in &pointers {
        for replacement in &replacements {
            let mut doc = base.clone();
            *at(&mut doc, pointer) = replacement.clone();
            let text = doc.to_string();
            match std::panic::catch_unwind(|| generate(&text, &Options::default())) {
                Ok(Ok(_)) => accepted += 1,
                Ok(Err(e)) => {
                    assert!(e.to_string().starts_with('#'), "{e}");
                    assert_plain(&e.to_string(), &format!("{replacement} at {pointer}"));
                    refused += 1;
                }
                Err(_) => panic!("the generator panicked with {replacement} at {pointer}"),
            }
        }
    }
    (accepted, refused)
}

/// Defects of published documents whose meaning is clear are accepted with a warning that says
/// where and what was done; the generated code is the same as for the correct document.
#[test]
fn defects_of_published_documents_are_repaired_with_a_warning() {
    let spec = aps_spec();
    let clean = generate(&spec.to_string(), &Options::default()).expect("the spec generates");
    let mut doc = spec.clone();
    let flows = "/components/securitySchemes";
    *at(
        &mut doc,
        &format!("{flows}/OAuth2TwoLegged/flows/clientCredentials/tokenUrl"),
    ) = json!("/authentication/v2/token");
    let three_legged = at(
        &mut doc,
        &format!("{flows}/OAuth2ThreeLegged/flows/authorizationCode"),
    );
    three_legged["authorizationUrl"] = json!("");
    three_legged["refreshUrl"] = json!("");
    let output = generate(&doc.to_string(), &Options::default())
        .unwrap_or_else(|e| panic!("the repairable document is refused: {e}"));
    let warnings: Vec<String> = output.warnings.iter().map(ToString::to_string).collect();
    for expected in [
        "warning: #/components/securitySchemes/OAuth2TwoLegged/flows/clientCredentials/tokenUrl: `tokenUrl` is the relative URL `/authentication/v2/token`; it is read as `https://developer.api.autodesk.com/authentication/v2/token`, resolved against the first server",
        "warning: #/components/securitySchemes/OAuth2ThreeLegged/flows/authorizationCode/authorizationUrl: `authorizationUrl` is empty; the placeholder `https://invalid.example/` stands in for it (the document does not say where this endpoint is)",
        "warning: #/components/securitySchemes/OAuth2ThreeLegged/flows/authorizationCode/refreshUrl: `refreshUrl` is empty and is ignored",
    ] {
        assert!(
            warnings.iter().any(|w| w == expected),
            "no warning {expected:?} in {warnings:#?}"
        );
    }
    assert_eq!(output.files, clean.files, "the URLs do not change the code");

    let mut doc = spec;
    *at(&mut doc, "/info/version") = json!(2.5);
    let output = generate(&doc.to_string(), &Options::default()).expect("a numeric version");
    assert!(
        output
            .warnings
            .iter()
            .any(|w| w.pointer.to_string() == "#/info/version"
                && w.message.contains("`version` is the number 2.5")),
        "{:#?}",
        output.warnings
    );
}

/// Autodesk's published OSS document (beside the checkout, when it is there) has a relative
/// `tokenUrl`: it is accepted, with a warning that says how it was read.
#[test]
fn the_published_oss_document_is_accepted() {
    let path = aps_auth_tests::workspace_root().join("../shared/specs/aps/oss.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("no {}: nothing to check", path.display());
        return;
    };
    let output =
        generate(&text, &Options::default()).unwrap_or_else(|e| panic!("oss.yaml is refused: {e}"));
    let warning = output
        .warnings
        .iter()
        .find(|w| {
            w.pointer.to_string()
                == "#/components/securitySchemes/oauth2_application/flows/clientCredentials/tokenUrl"
        })
        .unwrap_or_else(|| panic!("no tokenUrl warning in {:#?}", output.warnings));
    assert!(
        warning
            .message
            .contains("`https://developer.api.autodesk.com/authentication/v1/authenticate`"),
        "{warning}"
    );
}

fn collect_pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{here}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect_pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{here}/{i}");
                out.push(p.clone());
                collect_pointers(v, p, out);
            }
        }
        _ => {}
    }
}
