//! The examples stage on small documents: what each disagreement relaxes, what stays strict, and
//! what is only a warning.

mod operations;

use super::Relaxation;
use crate::load::{Document, load};
use crate::model::{Api, Field, TypeKind, TypeRef};

pub(super) fn doc(body: &str) -> Document {
    let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
    load(&text).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn lowered(body: &str) -> (Api, Document) {
    let d = doc(body);
    let (api, _) =
        crate::lower::lower(&d, &crate::Options::default()).unwrap_or_else(|e| panic!("{e}"));
    (api, d)
}

pub(super) fn field<'a>(api: &'a Api, ty: &str, name: &str) -> &'a Field {
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

pub(super) fn relaxations(d: &Document) -> Vec<(String, Relaxation)> {
    d.examples
        .decisions
        .iter()
        .map(|d| (d.schema.to_string(), d.relaxation.clone()))
        .collect()
}

/// Autodesk's shape: `extension.data` declared a map of objects, the example sends strings.
pub(super) const EXTENSION: &str = r#"
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
