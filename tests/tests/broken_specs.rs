//! Broken documents are refused with a typed error that names the JSON pointer of the problem,
//! and no document makes the generator panic.

use aps_auth_codegen::{ErrorKind, Options, SpecError, generate};
use aps_auth_tests::read;
use serde_json::{Value, json};

fn aps_spec() -> Value {
    yaml_serde::from_str(&read("spec/aps-authentication-v2.yaml")).expect("the spec is YAML")
}

fn refuse(doc: &Value) -> SpecError {
    match generate(&doc.to_string(), &Options::default()) {
        Ok(_) => panic!("the broken document was accepted"),
        Err(e) => e,
    }
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the spec"))
}

#[test]
fn dangling_ref() {
    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
    ) = json!("#/components/schemas/Missing");
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref"
    );
    assert_eq!(
        err.kind,
        ErrorKind::DanglingRef("#/components/schemas/Missing".into())
    );
    assert!(
        err.to_string()
            .contains("dangling $ref `#/components/schemas/Missing`"),
        "{err}"
    );
}

#[test]
fn unknown_type() {
    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/components/schemas/UserProfile/properties/userId/type",
    ) = json!("strin");
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/components/schemas/UserProfile/properties/userId/type"
    );
    assert_eq!(err.kind, ErrorKind::UnknownType("strin".into()));
}

#[test]
fn schema_that_is_not_an_object() {
    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/components/schemas/ErrorResponse/properties/errorCode",
    ) = json!("string");
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/components/schemas/ErrorResponse/properties/errorCode"
    );
    assert_eq!(err.kind, ErrorKind::SchemaNotObject("a string".into()));
}

#[test]
fn schema_that_is_not_an_object_in_a_parameter() {
    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/paths/~1authentication~1v2~1authorize/get/parameters/1/schema",
    ) = json!(42);
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/paths/~1authentication~1v2~1authorize/get/parameters/1/schema"
    );
    assert_eq!(err.kind, ErrorKind::SchemaNotObject("a number".into()));
}

#[test]
fn keywords_of_the_wrong_shape() {
    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/components/schemas/UserProfile/properties/profileImages/properties",
    ) = json!("sizeX20");
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/components/schemas/UserProfile/properties/profileImages/properties"
    );
    assert!(
        err.to_string()
            .contains("`properties` must be a mapping of schemas, found a string"),
        "{err}"
    );

    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/paths/~1authentication~1v2~1revoke/post/requestBody/content/application~1x-www-form-urlencoded/schema/required",
    ) = json!("token");
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/paths/~1authentication~1v2~1revoke/post/requestBody/content/application~1x-www-form-urlencoded/schema/required"
    );
}

#[test]
fn duplicate_operation_id() {
    let mut doc = aps_spec();
    *at(
        &mut doc,
        "/paths/~1authentication~1v2~1logout/get/operationId",
    ) = json!("getToken");
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/paths/~1authentication~1v2~1logout/get/operationId"
    );
    let ErrorKind::DuplicateOperationId { id, first } = &err.kind else {
        panic!("{err}")
    };
    assert_eq!(id, "getToken");
    assert_eq!(
        first.to_string(),
        "#/paths/~1authentication~1v2~1token/post"
    );
}

#[test]
fn undeclared_path_parameter() {
    let mut doc = aps_spec();
    let paths = at(&mut doc, "/paths").as_object_mut().unwrap();
    let keys = paths.remove("/authentication/v2/keys").unwrap();
    paths.insert("/authentication/v2/keys/{kid}".into(), keys);
    let err = refuse(&doc);
    assert_eq!(
        err.pointer.to_string(),
        "#/paths/~1authentication~1v2~1keys~1{kid}/get"
    );
    assert_eq!(err.kind, ErrorKind::UndeclaredPathParameter("kid".into()));
}

type Mutation = fn(&mut Value);

#[test]
fn other_refusals_name_their_place() {
    let cases: Vec<(Mutation, &str, &str)> = vec![
        (
            (|d| *at(d, "/openapi") = json!("2.0")),
            "#/openapi",
            "unsupported OpenAPI version `2.0`",
        ),
        (
            (|d| {
                *at(
                    d,
                    "/components/schemas/UserProfile/properties/profileImages/properties/sizeX20",
                ) = json!({"$ref": "other.yaml#/Foo"})
            }),
            "#/components/schemas/UserProfile/properties/profileImages/properties/sizeX20/$ref",
            "external $ref",
        ),
        (
            (|d| {
                *at(d, "/paths/~1authentication~1v2~1authorize/get/parameters/1") = json!({
                    "name": "client_id", "in": "header", "required": true,
                    "schema": {"type": "object", "properties": {"id": {"type": "string"}}}
                })
            }),
            "#/paths/~1authentication~1v2~1authorize/get/parameters/1",
            "object-valued parameter `client_id`",
        ),
        (
            (|d| {
                *at(
                    d,
                    "/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
                ) = json!("#/paths")
            }),
            "#/paths/~1authentication~1v2~1token/post/responses/200/content/application~1json/schema/$ref",
            "schema refs must name",
        ),
    ];
    for (mutate, pointer, message) in cases {
        let mut doc = aps_spec();
        mutate(&mut doc);
        let err = refuse(&doc);
        assert_eq!(err.pointer.to_string(), pointer, "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
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
