//! `allOf`/`oneOf`/`anyOf`: the nullable idiom and single-element wrappers unwrap, an `allOf` of
//! objects merges into one struct, a `oneOf`/`anyOf` goes to `union.rs`; what is left (a mix with
//! properties, an `allOf` of non-objects) is kept as JSON with a warning.

use oas3::spec::{
    ObjectOrReference, ObjectSchema, Schema, SchemaType as Type, SchemaTypeSet as TypeSet,
};

use super::union::is_null_schema;
use super::{Lowered, Lowerer, Result, prose};
use crate::error::Pointer;
use crate::model::{TypeId, TypeRef};

impl Lowerer<'_> {
    /// `allOf` of objects merges into one struct; a `oneOf`/`anyOf` becomes an enum (untagged,
    /// or dispatched on its `discriminator`); anything else is kept as JSON with a warning.
    pub(super) fn lower_composition(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
        doc: Option<String>,
        deprecated: bool,
    ) -> Result<Lowered> {
        let with = |ty: TypeRef, nullable: bool| Lowered {
            ty,
            nullable,
            doc: doc.clone(),
            deprecated,
        };
        let (alts, key) = if !s.one_of.is_empty() {
            (&s.one_of, "oneOf")
        } else {
            (&s.any_of, "anyOf")
        };
        let non_null: Vec<(usize, &Schema)> = alts
            .iter()
            .enumerate()
            .filter(|(_, x)| !is_null_schema(x))
            .collect();
        let simple = s.properties.is_empty() && s.enum_values.is_empty();
        let one_kind = s.one_of.is_empty() || s.any_of.is_empty();
        if simple && s.all_of.is_empty() && one_kind && non_null.len() == 1 {
            let (i, inner) = non_null[0];
            let mut l =
                self.lower_schema(inner, &ptr.push(key).push(i.to_string()), hint, fixed)?;
            l.nullable = l.nullable || non_null.len() < alts.len();
            l.doc = doc.clone().or(l.doc);
            return Ok(l);
        }
        if simple && s.one_of.is_empty() && s.any_of.is_empty() && s.all_of.len() == 1 {
            let mut l =
                self.lower_schema(&s.all_of[0], &ptr.push("allOf").push("0"), hint, fixed)?;
            l.doc = doc.clone().or(l.doc);
            return Ok(l);
        }
        let nullable = s.is_nullable() == Some(true);
        if s.one_of.is_empty() && s.any_of.is_empty() {
            if let Some(merged) = self.merge_all_of(s, ptr, &mut Vec::new())? {
                // While the merged struct's properties are lowered, the components merged into it
                // may not be merged again (a property that refers back would recurse forever).
                let refs = all_of_refs(s);
                let depth = self.merging.len();
                self.merging.extend(refs);
                let ty = self.lower_object(&merged, ptr, hint, fixed);
                self.merging.truncate(depth);
                return Ok(with(ty?, nullable));
            }
            self.warn(
                ptr,
                "an allOf whose parts are not all objects is represented as `serde_json::Value`",
            );
            return Ok(with(TypeRef::Json, nullable));
        }
        if simple && s.all_of.is_empty() && one_kind {
            let (ty, has_null) = self.lower_union(s, alts, key, ptr, hint, fixed)?;
            return Ok(with(ty, nullable || has_null));
        }
        self.warn(ptr, "a schema that mixes allOf/oneOf/anyOf with properties is represented as `serde_json::Value`");
        Ok(with(TypeRef::Json, nullable))
    }

    /// The object schema an `allOf` of objects amounts to: properties and `required` of every part
    /// (first definition wins), or `None` when a part is not an object. `expanding` holds the
    /// `$ref`s being merged on the way here: one that comes back is a cycle, not an object.
    fn merge_all_of(
        &self,
        s: &ObjectSchema,
        ptr: &Pointer,
        expanding: &mut Vec<String>,
    ) -> Result<Option<ObjectSchema>> {
        let mut merged = ObjectSchema {
            all_of: Vec::new(),
            ..s.clone()
        };
        for (i, part) in s.all_of.iter().enumerate() {
            let part_ptr = ptr.push("allOf").push(i.to_string());
            let os = match part {
                Schema::Boolean(b) if b.0 => continue,
                Schema::Boolean(_) => return Ok(None),
                Schema::Object(o) => match o.as_ref() {
                    ObjectOrReference::Object(os) => os.clone(),
                    ObjectOrReference::Ref { ref_path, .. } => {
                        self.schema_ref(ref_path, &part_ptr)?; // refuses a dangling ref
                        if self.merging.contains(ref_path) || expanding.contains(ref_path) {
                            return Ok(None);
                        }
                        match self.component_object(ref_path) {
                            Some(os) => os,
                            None => return Ok(None),
                        }
                    }
                },
            };
            let os = if os.all_of.is_empty() {
                os
            } else {
                let pushed = part_ref(part).map(|r| expanding.push(r)).is_some();
                let nested = self.merge_all_of(&os, &part_ptr, expanding)?;
                if pushed {
                    expanding.pop();
                }
                match nested {
                    Some(m) => m,
                    None => return Ok(None),
                }
            };
            let object_like = match &os.schema_type {
                Some(TypeSet::Single(Type::Object)) => true,
                Some(TypeSet::Multiple(ts)) => {
                    ts.iter().all(|t| matches!(t, Type::Object | Type::Null))
                }
                Some(_) => false,
                None => os.items.is_none() && os.enum_values.is_empty(),
            };
            if !object_like || !os.one_of.is_empty() || !os.any_of.is_empty() {
                return Ok(None);
            }
            for (name, schema) in os.properties.iter() {
                if !merged.properties.contains_key(name) {
                    merged.properties.insert(name.clone(), schema.clone());
                }
            }
            for name in os.required {
                if !merged.required.contains(&name) {
                    merged.required.push(name);
                }
            }
            if merged.additional_properties.is_none() {
                merged.additional_properties = os.additional_properties;
            }
            if prose(&merged.description).is_none() {
                merged.description = os.description;
            }
        }
        Ok(Some(merged))
    }
}

/// The `$ref` of an `allOf` part, if it is one.
fn part_ref(part: &Schema) -> Option<String> {
    match part {
        Schema::Object(o) => match o.as_ref() {
            ObjectOrReference::Ref { ref_path, .. } => Some(ref_path.clone()),
            ObjectOrReference::Object(_) => None,
        },
        Schema::Boolean(_) => None,
    }
}

/// The `$ref`s among an `allOf`'s parts.
fn all_of_refs(s: &ObjectSchema) -> Vec<String> {
    s.all_of.iter().filter_map(part_ref).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn all_of_objects_merge_into_one_struct() {
        let (api, _) = lowered(
            "components:\n  schemas:\n    Base: {type: object, required: [id], properties: {id: {type: string}}}\n    Dog:\n      allOf:\n        - $ref: '#/components/schemas/Base'\n        - {type: object, properties: {bark: {type: boolean}}}\n",
        );
        let names: Vec<&str> = fields(&api, "Dog")
            .iter()
            .map(|f| f.rust_name.as_str())
            .collect();
        assert_eq!(names, ["id", "bark"]);
        assert!(fields(&api, "Dog")[0].required());
    }

    #[test]
    fn a_null_alternative_makes_the_type_optional() {
        let (api, _) = lowered(
            "components:\n  schemas:\n    S:\n      type: object\n      required: [v]\n      properties:\n        v: {oneOf: [{type: string}, {type: 'null'}]}\n",
        );
        let v = &fields(&api, "S")[0];
        assert_eq!(
            v.kind,
            crate::model::FieldKind::Required {
                wire_name: "v".into(),
                nullable: true
            }
        );
        assert!(v.optional());
    }

    #[test]
    fn an_all_of_of_non_objects_is_json_with_a_warning() {
        let (_, warnings) = lowered(
            "components: {schemas: {S: {allOf: [{type: string}, {minLength: 1, type: integer}]}}}",
        );
        assert!(warnings.iter().any(|w| w.message.contains("allOf")));
    }
}
