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

/// Every node of the APS spec replaced, one at a time, by values of the wrong kind: the generator
/// answers each document with code or an error, never a panic.
#[test]
fn no_mutation_of_the_spec_panics() {
    let base = aps_spec();
    let mut pointers = Vec::new();
    collect_pointers(&base, String::new(), &mut pointers);
    assert!(pointers.len() > 300, "{}", pointers.len());
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
                    refused += 1;
                }
                Err(_) => panic!("the generator panicked with {replacement} at {pointer}"),
            }
        }
    }
    assert!(
        accepted > 0 && refused > 0,
        "accepted {accepted}, refused {refused}"
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
