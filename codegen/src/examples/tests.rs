//! The examples stage on small documents: what each disagreement relaxes, what stays strict, and
//! what is only a warning.

use serde_json::Value;

use super::Relaxation;
use crate::load::{Document, load};
use crate::model::{Api, Field, TypeKind, TypeRef};

fn doc(body: &str) -> Document {
    let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
    load(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn lowered(body: &str) -> (Api, Document) {
    let d = doc(body);
    let (api, _) =
        crate::lower::lower(&d, &crate::Options::default()).unwrap_or_else(|e| panic!("{e}"));
    (api, d)
}

fn field<'a>(api: &'a Api, ty: &str, name: &str) -> &'a Field {
    let def = api
        .types
        .iter()
        .find(|t| t.name == ty)
        .unwrap_or_else(|| panic!("no type {ty}"));
    let TypeKind::Struct { fields } = &def.kind else {
        panic!("{ty} is not a struct")
    };
    fields
        .iter()
        .find(|f| f.wire_name() == Some(name))
        .unwrap_or_else(|| panic!("no field {name}"))
}

fn relaxations(d: &Document) -> Vec<(String, Relaxation)> {
    d.examples
        .decisions
        .iter()
        .map(|d| (d.schema.to_string(), d.relaxation.clone()))
        .collect()
}

/// Autodesk's shape: `extension.data` declared a map of objects, the example sends strings.
const EXTENSION: &str = r#"
components:
  schemas:
    Project:
      type: object
      required: [id, extension]
      properties:
        id: {type: string}
        extension:
          type: object
          required: [type, schema]
          properties:
            type: {type: string}
            schema: {$ref: '#/components/schemas/Link'}
            data: {type: object, additionalProperties: {type: object}}
      x-examples:
        example-1:
          id: b.1
          extension: {type: 'projects:autodesk.bim360:Project', data: {projectType: BIM360, flags: [a]}}
    Link:
      type: object
      required: [href]
      properties: {href: {type: string}}
    Strict:
      type: object
      required: [name]
      properties: {name: {type: string}, size: {type: integer}}
      example: {name: ok, size: 3}
"#;

#[test]
fn a_contradicted_type_becomes_any_json_value_and_an_omitted_property_optional() {
    let (api, d) = lowered(EXTENSION);
    let found = relaxations(&d);
    assert!(
        found.contains(&(
            "#/components/schemas/Project/properties/extension/properties/data/additionalProperties".into(),
            Relaxation::AnyValue { declared: "an object".into(), shown: "a string".into() }
        )),
        "{found:?}"
    );
    assert!(found.contains(&(
        "#/components/schemas/Project/properties/extension".into(),
        Relaxation::Optional {
            property: "schema".into()
        }
    )));
    let data = field(&api, "ProjectExtension", "data");
    assert_eq!(data.ty, TypeRef::Map(Box::new(TypeRef::Json)));
    assert!(!field(&api, "ProjectExtension", "schema").required());
    assert!(
        field(&api, "ProjectExtension", "type").required(),
        "what the example gives stays required"
    );
}

#[test]
fn strict_types_stay_strict_where_no_example_contradicts_them() {
    let (api, d) = lowered(EXTENSION);
    assert!(field(&api, "Strict", "name").required());
    assert_eq!(field(&api, "Strict", "size").ty, TypeRef::I64);
    assert!(
        field(&api, "Link", "href").required(),
        "no example reaches Link without its href"
    );
    assert!(!relaxations(&d).iter().any(|(p, _)| p.contains("Strict")));
}

#[test]
fn every_decision_is_a_warning_naming_both_pointers() {
    let d = doc(EXTENSION);
    let warning = d
        .warnings
        .iter()
        .find(|w| {
            w.pointer
                .to_string()
                .ends_with("/data/additionalProperties")
        })
        .expect("a warning");
    assert!(
        warning
            .message
            .contains("#/components/schemas/Project/x-examples/example-1/extension/data/"),
        "{warning}"
    );
}

#[test]
fn an_array_declared_and_one_item_shown_is_one_or_many_keeping_the_item_name() {
    let (api, d) = lowered(
        r#"
components:
  schemas:
    Download:
      type: object
      properties:
        data:
          type: array
          items: {type: object, required: [id], properties: {id: {type: string}, kind: {type: string, enum: [downloads]}}}
      example: {data: {id: d1, kind: jobs}}
"#,
    );
    let data = field(&api, "Download", "data");
    let TypeRef::OneOrMany(item) = &data.ty else {
        panic!("{:?}", data.ty)
    };
    let TypeRef::Named(id) = item.as_ref() else {
        panic!()
    };
    assert_eq!(api.type_def(*id).name, "DownloadDataItem");
    let found = relaxations(&d);
    assert!(
        found.iter().any(|(_, r)| *r == Relaxation::OneOrMany),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(_, r)| *r == Relaxation::EnumValue("jobs".into())),
        "{found:?}"
    );
}

#[test]
fn one_value_declared_and_an_array_shown_is_one_or_many_too() {
    let (api, _) = lowered(
        r#"
components:
  schemas:
    Holder:
      type: object
      properties:
        owner: {$ref: '#/components/schemas/Owner'}
      example: {owner: [{id: a}, {id: b}]}
    Owner: {type: object, properties: {id: {type: string}}}
"#,
    );
    let owner = field(&api, "Holder", "owner");
    assert!(
        matches!(&owner.ty, TypeRef::OneOrMany(inner) if matches!(inner.as_ref(), TypeRef::Named(_))),
        "{:?}",
        owner.ty
    );
}

#[test]
fn null_in_a_required_property_makes_it_nullable_and_numbers_widen() {
    let (api, _) = lowered(
        r#"
components:
  schemas:
    Size:
      type: object
      required: [bytes, ratio, label]
      properties:
        bytes: {type: integer, format: int32}
        ratio: {type: integer}
        label: {type: string}
      example: {bytes: 5000000000, ratio: 0.5, label: null}
"#,
    );
    assert_eq!(field(&api, "Size", "bytes").ty, TypeRef::I64);
    assert_eq!(field(&api, "Size", "ratio").ty, TypeRef::F64);
    assert!(field(&api, "Size", "label").optional());
}

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
