//! The examples stage through operations, parameters and unions, and what it leaves unchecked.

use serde_json::Value;

use super::*;

#[test]
fn answers_and_requests_are_tested_through_their_operation() {
    let (api, _) = lowered(
        r#"
paths:
  /things:
    post:
      operationId: makeThing
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
            examples: {one: {value: {name: a}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
              example: {name: b, extra: 1}
        '404':
          description: no
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Problem'}
              example: {reason: gone}
components:
  schemas:
    Thing: {type: object, required: [name], properties: {name: {type: string}}}
    Problem: {type: object, properties: {reason: {type: string}}}
"#,
    );
    let tests: Vec<(&str, bool)> = api
        .examples
        .iter()
        .map(|e| (e.pointer.as_str(), e.request))
        .collect();
    assert_eq!(
        tests,
        [
            (
                "#/paths/~1things/post/requestBody/content/application~1json/examples/one",
                true
            ),
            (
                "#/paths/~1things/post/responses/200/content/application~1json/example",
                false
            ),
            (
                "#/paths/~1things/post/responses/404/content/application~1json/example",
                false
            ),
        ]
    );
    let names: Vec<String> = api
        .examples
        .iter()
        .map(|e| match &e.ty {
            TypeRef::Named(id) => api.type_def(*id).name.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["Thing", "Thing", "Problem"]);
}

#[test]
fn parameters_are_only_warned_about_and_unreadable_examples_say_why() {
    let d = doc(r#"
paths:
  /things:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer}, example: many}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {a: {type: string}}}
              examples:
                broken: {value: '{"a": '}
                far: {externalValue: 'https://example.com/thing.json'}
"#);
    assert!(
        d.examples.decisions.is_empty(),
        "{:?}",
        d.examples.decisions
    );
    let messages: Vec<String> = d.warnings.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.contains("parameters/0/example")
            && m.contains("parameters are sent as the document declares")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("examples/broken") && m.contains("JSON text that does not parse")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("examples/far") && m.contains("external value")),
        "{messages:?}"
    );
    assert_eq!(
        d.raw["paths"]["/things"]["get"]["parameters"][0]["schema"]["type"],
        Value::from("integer")
    );
}

#[test]
fn a_union_relaxes_its_closest_alternative_or_keeps_the_value_in_other() {
    let (api, d) = lowered(
        r#"
components:
  schemas:
    Pet:
      oneOf:
        - {type: object, required: [bark], properties: {bark: {type: boolean}, name: {type: string}}}
        - {type: object, required: [meow], properties: {meow: {type: boolean}}}
      examples: [{name: rex, bark: 'loud'}, 7]
"#,
    );
    let found = relaxations(&d);
    assert!(
        found
            .iter()
            .any(|(p, r)| p.ends_with("/oneOf/0/properties/bark")
                && matches!(r, Relaxation::AnyValue { .. })),
        "{found:?}"
    );
    assert!(
        d.warnings
            .iter()
            .any(|w| w.message.contains("`Other` variant"))
    );
    assert!(matches!(
        api.types.iter().find(|t| t.name == "Pet").map(|t| &t.kind),
        Some(TypeKind::Union { .. })
    ));
}

#[test]
fn a_fixed_example_makes_the_type_strict_again() {
    let broken = r#"
components:
  schemas:
    Item:
      type: object
      required: [href]
      properties: {href: {type: string}}
      example: {}
"#;
    let (api, _) = lowered(broken);
    assert!(!field(&api, "Item", "href").required());
    let (api, d) = lowered(&broken.replace("example: {}", "example: {href: /x}"));
    assert!(field(&api, "Item", "href").required());
    assert!(d.examples.decisions.is_empty());
}

#[test]
fn constraints_the_service_breaks_are_not_checked() {
    let d = doc(r#"
components:
  schemas:
    Listing:
      type: object
      properties:
        data: {type: array, minItems: 1, items: {type: string}}
        sha1: {type: string, format: byte, minLength: 28, pattern: '^[A-Za-z0-9+/=]+$'}
      example: {data: [], sha1: 8c5c0b3f4f6e2b1d9d0a1e7c2b3d4e5f60718293}
"#);
    assert!(
        d.examples.decisions.is_empty(),
        "{:?}",
        d.examples.decisions
    );
    assert!(!d.warnings.iter().any(|w| w.message.contains("example")));
}

#[test]
fn null_for_a_reference_to_a_nullable_struct_makes_the_property_nullable() {
    // OpenAI's shape: the component allows null, but a `$ref` to it names the struct itself.
    let (api, d) = lowered(
        r#"
components:
  schemas:
    Response:
      type: object
      required: [id, error]
      properties:
        id: {type: string}
        error: {$ref: '#/components/schemas/ResponseError'}
      example: {id: r1, error: null}
    ResponseError:
      anyOf:
        - {type: object, required: [code], properties: {code: {type: string}}}
        - {type: 'null'}
"#,
    );
    assert!(
        field(&api, "Response", "error").optional(),
        "{:?}",
        d.examples.decisions
    );
    assert!(
        field(&api, "ResponseError", "code").required(),
        "the component stays as it is"
    );
}

#[test]
fn a_number_is_a_fine_example_of_a_string_parameter() {
    let d = doc(r#"
paths:
  /hook:
    post:
      parameters:
        - {name: X-Hook-ID, in: header, schema: {type: string}, example: 12312312}
      responses: {'204': {description: ok}}
"#);
    assert!(
        !d.warnings.iter().any(|w| w.message.contains("example")),
        "{:?}",
        d.warnings
    );
}
