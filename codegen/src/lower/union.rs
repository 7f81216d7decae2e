//! `oneOf`/`anyOf` as an enum: one variant per alternative, named after its type, plus `Other`
//! for anything else; told apart by shape (untagged) or by the `discriminator` property when every
//! alternative is a `$ref`. A `null` alternative makes the enum optional instead. Named variants
//! are boxed at the end of lowering (`fixups.rs`), once recursion is known.

use oas3::spec::{
    ObjectOrReference, ObjectSchema, Schema, SchemaType as Type, SchemaTypeSet as TypeSet,
};

use super::discriminator::{self, TagPlace};
use super::{Lowerer, Result, prose};
use crate::error::Pointer;
use crate::model::{TypeDef, TypeId, TypeKind, TypeRef, UnionVariant};
use crate::naming::Namespace;

impl Lowerer<'_> {
    /// A `oneOf`/`anyOf` as an enum with one variant per alternative and an
    /// `Other(serde_json::Value)` that keeps anything else. Returns the type and whether a `null`
    /// alternative was dropped (the caller makes the type optional).
    pub(super) fn lower_union(
        &mut self,
        s: &ObjectSchema,
        alts: &[Schema],
        key: &str,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
    ) -> Result<(TypeRef, bool)> {
        let id = self.type_for(hint, fixed, ptr);
        let name = self.name_of(id).to_owned();
        self.place(id, ptr);
        let mut ns = Namespace::with_reserved(&["Other"]);
        let mut variants = Vec::new();
        let mut has_null = false;
        let mut refs = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            if is_null_schema(alt) {
                has_null = true;
                continue;
            }
            let alt_ptr = ptr.push(key).push(i.to_string());
            let lowered =
                self.lower_schema(alt, &alt_ptr, &format!("{name}Variant{}", i + 1), None)?;
            let base = self.variant_base(&lowered.ty);
            refs.push(match alt {
                Schema::Object(o) => match o.as_ref() {
                    ObjectOrReference::Ref { ref_path, .. } => Some(ref_path.clone()),
                    ObjectOrReference::Object(_) => None,
                },
                Schema::Boolean(_) => None,
            });
            variants.push(UnionVariant {
                rust_name: ns.claim(&base),
                ty: lowered.ty,
                doc: lowered
                    .doc
                    .unwrap_or_else(|| format!("Alternative {} of `{ptr}`.", i + 1)),
                tag_value: None,
            });
        }
        let tag = self.discriminator(s, key, &refs, &mut variants, ptr);
        let def = TypeDef {
            name,
            pointer: ptr.to_string(),
            doc: prose(&s.description)
                .or_else(|| prose(&s.title))
                .unwrap_or_else(|| format!("One of the alternatives of `{ptr}`.")),
            deprecated: s.deprecated == Some(true),
            kind: TypeKind::Union { variants, tag },
        };
        self.define(id, def);
        Ok((TypeRef::Named(id), has_null))
    }

    /// The keys leading to the discriminator value (see [`super::discriminator`]), with each
    /// variant's tag value set: the mapping's key for its `$ref`, or the schema name. `None`
    /// (with a warning) when an alternative is inline, or the discriminator is a path some
    /// alternative does not declare.
    fn discriminator(
        &mut self,
        s: &ObjectSchema,
        key: &str,
        refs: &[Option<String>],
        variants: &mut [UnionVariant],
        ptr: &Pointer,
    ) -> Option<Vec<String>> {
        let d = s.discriminator.as_ref()?;
        let values: Option<Vec<String>> = refs
            .iter()
            .map(|r| {
                let r = r.as_ref()?;
                let mapped = d.mapping.as_ref().and_then(|m| {
                    m.iter()
                        .find(|(_, target)| *target == r || r.ends_with(&format!("/{target}")))
                        .map(|(k, _)| k.clone())
                });
                mapped.or_else(|| r.rsplit('/').next().map(str::to_owned))
            })
            .collect();
        let Some(values) = values else {
            self.warn(
                &ptr.push("discriminator"),
                "a discriminator over inline alternatives is ignored: the enum is untagged",
            );
            return None;
        };
        let place = ptr
            .lookup(&self.doc.raw)
            .and_then(serde_json::Value::as_object)
            .and_then(|raw| discriminator::tag_place(&self.doc.raw, raw, key))
            .unwrap_or_else(|| TagPlace::Property(d.property_name.clone()));
        let at = ptr.push("discriminator").push("propertyName");
        match &place {
            TagPlace::Property(_) => {}
            TagPlace::Path(keys) => self.warn(
                &at,
                format!(
                    "`propertyName` is the path `{}`, not a property as OpenAPI requires; the enum dispatches on the value at that path ({})",
                    d.property_name,
                    keys.iter()
                        .map(|k| format!("{k:?}"))
                        .collect::<Vec<_>>()
                        .join(" > ")
                ),
            ),
            TagPlace::Unusable(_) => self.warn(
                &at,
                format!(
                    "`propertyName` `{}` is neither a property of the alternatives (as OpenAPI requires) nor a path each of them declares: the enum is untagged (each alternative is tried in order)",
                    d.property_name
                ),
            ),
        }
        let keys = place.keys()?;
        for (variant, value) in variants.iter_mut().zip(values) {
            variant.tag_value = Some(value);
        }
        Some(keys)
    }

    /// The Rust name of a type as a union variant (`Dog`, `String`, `Integer`...).
    pub(super) fn variant_base(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Named(id) => self.name_of(*id).to_owned(),
            TypeRef::String | TypeRef::Secret => "String".into(),
            TypeRef::Scopes => "Scopes".into(),
            TypeRef::I32 | TypeRef::I64 => "Integer".into(),
            TypeRef::F32 | TypeRef::F64 => "Number".into(),
            TypeRef::Bool => "Boolean".into(),
            TypeRef::Array(_) | TypeRef::OneOrMany(_) => "Array".into(),
            TypeRef::Map(_) => "Object".into(),
            TypeRef::Json | TypeRef::Bytes | TypeRef::Boxed(_) => "Value".into(),
        }
    }
}

/// `{type: 'null'}`.
pub(super) fn is_null_schema(schema: &Schema) -> bool {
    matches!(schema, Schema::Object(o) if matches!(o.as_ref(), ObjectOrReference::Object(os) if os.schema_type == Some(TypeSet::Single(Type::Null))))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::TypeKind;

    const PETS: &str = "components:\n  schemas:\n    Cat: {type: object, properties: {kind: {type: string}}}\n    Dog: {type: object, properties: {kind: {type: string}}}\n    Pet:\n      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n      discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat'}}\n";

    #[test]
    fn a_discriminator_tags_each_variant_and_named_variants_are_boxed() {
        let (api, _) = lowered(PETS);
        let TypeKind::Union { variants, tag } = &type_named(&api, "Pet").kind else {
            panic!("not a union")
        };
        assert_eq!(tag.as_deref(), Some(&["kind".to_owned()][..]));
        let tags: Vec<_> = variants.iter().map(|v| v.tag_value.as_deref()).collect();
        assert_eq!(tags, [Some("cat"), Some("Dog")]);
        assert!(
            variants
                .iter()
                .all(|v| matches!(v.ty, crate::model::TypeRef::Boxed(_)))
        );
        assert_eq!(name_of(&api, &variants[1].ty), "Dog");
    }

    #[test]
    fn inline_alternatives_are_untagged_with_a_warning() {
        let (api, warnings) = lowered(
            "components:\n  schemas:\n    U:\n      oneOf: [{type: string}, {type: integer}]\n      discriminator: {propertyName: k}\n",
        );
        let TypeKind::Union { variants, tag } = &type_named(&api, "U").kind else {
            panic!("not a union")
        };
        assert!(tag.is_none());
        let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
        assert_eq!(names, ["String", "Integer"]);
        assert!(
            warnings
                .iter()
                .any(|w| w.pointer.to_string().ends_with("/discriminator"))
        );
    }

    /// Autodesk's Data Management command answers (`#/components/schemas/Command`): the
    /// discriminator is the path `attributes/extension/type`, each command's `data` declaring it.
    const COMMANDS: &str = r#"components:
  schemas:
    CheckPermission:
      type: object
      properties:
        type: {type: string}
        id: {type: string}
        attributes:
          type: object
          properties:
            extension:
              type: object
              properties:
                type: {type: string, enum: ['commands:autodesk.core:CheckPermission']}
                version: {type: string}
    PublishModel:
      type: object
      properties:
        type: {type: string}
        attributes:
          type: object
          properties:
            status: {type: string}
            extension:
              type: object
              properties:
                type: {type: string, enum: ['commands:autodesk.bim360:C4RModelPublish']}
    Command:
      type: object
      properties:
        data:
          oneOf:
            - $ref: '#/components/schemas/CheckPermission'
            - $ref: '#/components/schemas/PublishModel'
          discriminator:
            propertyName: attributes/extension/type
            mapping:
              'commands:autodesk.core:CheckPermission': '#/components/schemas/CheckPermission'
              'commands:autodesk.bim360:C4RModelPublish': '#/components/schemas/PublishModel'
"#;

    #[test]
    fn a_discriminator_path_is_followed_with_a_warning() {
        let (api, warnings) = lowered(COMMANDS);
        let TypeKind::Union { variants, tag } = &type_named(&api, "CommandData").kind else {
            panic!("not a union")
        };
        let keys: Vec<&str> = tag.iter().flatten().map(String::as_str).collect();
        assert_eq!(keys, ["attributes", "extension", "type"]);
        let tags: Vec<_> = variants.iter().map(|v| v.tag_value.as_deref()).collect();
        assert_eq!(
            tags,
            [
                Some("commands:autodesk.core:CheckPermission"),
                Some("commands:autodesk.bim360:C4RModelPublish")
            ]
        );
        let warning = warnings
            .iter()
            .find(|w| w.message.contains("attributes/extension/type"))
            .expect("a warning names the path");
        assert_eq!(
            warning.pointer.to_string(),
            "#/components/schemas/Command/properties/data/discriminator/propertyName"
        );
        assert!(
            warning.message.contains("not a property"),
            "{}",
            warning.message
        );
    }

    #[test]
    fn a_discriminator_path_an_alternative_lacks_leaves_the_union_untagged() {
        let doc = COMMANDS.replace(
            "            status: {type: string}\n            extension:",
            "            status: {type: string}\n            extension2:",
        );
        assert_ne!(doc, COMMANDS);
        let (api, warnings) = lowered(&doc);
        let TypeKind::Union { variants, tag } = &type_named(&api, "CommandData").kind else {
            panic!("not a union")
        };
        assert!(tag.is_none(), "{tag:?}");
        assert!(variants.iter().all(|v| v.tag_value.is_none()));
        assert!(
            warnings.iter().any(|w| w.message.contains("untagged")
                && w.pointer
                    .to_string()
                    .ends_with("/discriminator/propertyName")),
            "{warnings:?}"
        );
    }
}
