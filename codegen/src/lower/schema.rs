//! One schema -> one Rust type: the dispatch by keyword (`$ref`, composition, `const`/`enum`,
//! `type`), primitives and arrays. Objects, compositions and enums have files of their own.

use oas3::spec::{
    ObjectOrReference, ObjectSchema, Schema, SchemaType as Type, SchemaTypeSet as TypeSet,
};
use serde_json::Value;

use super::{Lowered, Lowerer, Result, prose};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{TypeId, TypeRef};

/// The extension (without its `x-`) that makes a schema one-or-many: an array or one item.
pub(crate) const ONE_OR_MANY: &str = "one-or-many";

impl Lowerer<'_> {
    /// Lowers a schema. `hint` names an inline struct or enum if one is needed; `fixed` is the
    /// type to define instead (a component schema's own).
    pub(super) fn lower_schema(
        &mut self,
        schema: &Schema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
    ) -> Result<Lowered> {
        match schema {
            Schema::Boolean(b) if b.0 => Ok(Lowered::plain(TypeRef::Json)),
            Schema::Boolean(_) => Err(SpecError::new(
                ptr.clone(),
                ErrorKind::Unsupported(
                    "the `false` schema, which no value satisfies, as a value type".into(),
                ),
            )),
            Schema::Object(obj) => match obj.as_ref() {
                ObjectOrReference::Ref {
                    ref_path,
                    description,
                    summary,
                } => {
                    let id = self.schema_ref(ref_path, ptr)?;
                    Ok(Lowered {
                        ty: TypeRef::Named(id),
                        nullable: false,
                        doc: prose(description).or_else(|| prose(summary)),
                        deprecated: false,
                    })
                }
                ObjectOrReference::Object(s) => self.lower_object_schema(s, ptr, hint, fixed),
            },
        }
    }

    fn lower_object_schema(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
    ) -> Result<Lowered> {
        if s.extensions.get(ONE_OR_MANY) == Some(&Value::Bool(true)) {
            return self.lower_one_or_many(s, ptr, hint, fixed);
        }
        let doc = prose(&s.description).or_else(|| prose(&s.title));
        let deprecated = s.deprecated == Some(true);
        let with = |ty: TypeRef, nullable: bool| Lowered {
            ty,
            nullable,
            doc: doc.clone(),
            deprecated,
        };

        if !s.all_of.is_empty() || !s.one_of.is_empty() || !s.any_of.is_empty() {
            return self.lower_composition(s, ptr, hint, fixed, doc, deprecated);
        }

        // A string `const` is a one-value enum, so the value is in the type.
        if let Some(Value::String(value)) = &s.const_value
            && s.enum_values.is_empty()
        {
            let as_enum = ObjectSchema {
                enum_values: vec![Value::String(value.clone())],
                const_value: None,
                ..s.clone()
            };
            return self.lower_object_schema(&as_enum, ptr, hint, fixed);
        }

        if let Some((ty, nullable)) = self.lower_string_enum(s, ptr, hint, fixed, doc.clone())? {
            return Ok(with(ty, nullable));
        }

        let (types, nullable) = match &s.schema_type {
            None => (Vec::new(), false),
            Some(TypeSet::Single(t)) => (vec![*t], false),
            Some(TypeSet::Multiple(ts)) => (
                ts.iter().copied().filter(|t| *t != Type::Null).collect(),
                ts.contains(&Type::Null),
            ),
        };
        let single = match types.as_slice() {
            [] if !s.properties.is_empty() || s.additional_properties.is_some() => {
                Some(Type::Object)
            }
            [] if s.items.is_some() || !s.prefix_items.is_empty() => Some(Type::Array),
            [] => None,
            [t] => Some(*t),
            [_, ..] => {
                self.warn(
                    ptr,
                    "a schema with several non-null types is represented as `serde_json::Value`",
                );
                return Ok(with(TypeRef::Json, nullable));
            }
        };
        let ty = match single {
            None | Some(Type::Null) => TypeRef::Json,
            Some(Type::String) => TypeRef::String,
            Some(Type::Boolean) => TypeRef::Bool,
            Some(Type::Integer) => match s.format.as_deref() {
                Some("int32") => TypeRef::I32,
                _ => TypeRef::I64,
            },
            Some(Type::Number) => match s.format.as_deref() {
                Some("float") => TypeRef::F32,
                _ => TypeRef::F64,
            },
            Some(Type::Array) => self.lower_array(s, ptr, hint)?,
            Some(Type::Object) => {
                return self
                    .lower_object(s, ptr, hint, fixed)
                    .map(|ty| with(ty, nullable));
            }
        };
        Ok(with(ty, nullable))
    }

    /// `x-one-or-many: true` (written by [`crate::examples`] where the document's example
    /// contradicts the shape it declares, or by the document's author): the runtime's
    /// `OneOrMany` of the array's item type, or of the schema's own type when it is not an array.
    /// The item keeps its place (and name); a component that is one-or-many of itself becomes an
    /// alias of `OneOrMany<NameItem>`.
    fn lower_one_or_many(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
    ) -> Result<Lowered> {
        let mut inner = s.clone();
        inner.extensions.remove(ONE_OR_MANY);
        let array = matches!(&s.schema_type, Some(TypeSet::Single(Type::Array)))
            || matches!(&s.schema_type, Some(TypeSet::Multiple(ts)) if ts.contains(&Type::Array));
        if array {
            let mut l = self.lower_object_schema(&inner, ptr, hint, fixed)?;
            if let TypeRef::Array(item) = l.ty {
                l.ty = TypeRef::OneOrMany(item);
            }
            return Ok(l);
        }
        let mut l = match fixed {
            Some(_) => self.lower_object_schema(&inner, ptr, &format!("{hint}Item"), None)?,
            None => self.lower_object_schema(&inner, ptr, hint, None)?,
        };
        l.ty = TypeRef::OneOrMany(Box::new(l.ty));
        Ok(l)
    }

    /// `type: array`: `Vec` of the item type; tuples (`prefixItems`) and item-less arrays hold JSON.
    fn lower_array(&mut self, s: &ObjectSchema, ptr: &Pointer, hint: &str) -> Result<TypeRef> {
        if !s.prefix_items.is_empty() {
            self.warn(
                ptr,
                "`prefixItems` (tuples) are represented as `Vec<serde_json::Value>`",
            );
            return Ok(TypeRef::Array(Box::new(TypeRef::Json)));
        }
        let item = match &s.items {
            Some(items) => {
                self.lower_schema(items, &ptr.push("items"), &format!("{hint}Item"), None)?
                    .ty
            }
            None => TypeRef::Json,
        };
        Ok(TypeRef::Array(Box::new(item)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::{TypeKind, TypeRef};

    #[test]
    fn primitives_follow_type_and_format() {
        let (api, _) = lowered(
            "components:\n  schemas:\n    S:\n      type: object\n      required: [d]\n      properties:\n        a: {type: integer, format: int32}\n        b: {type: number, format: float}\n        c: {type: array, items: {type: boolean}}\n        d: {type: [string, 'null']}\n        e: {}\n",
        );
        let f = fields(&api, "S");
        let tys: Vec<&TypeRef> = f.iter().map(|f| &f.ty).collect();
        assert_eq!(
            tys,
            [
                &TypeRef::I32,
                &TypeRef::F32,
                &TypeRef::Array(Box::new(TypeRef::Bool)),
                &TypeRef::String,
                &TypeRef::Json
            ]
        );
        assert_eq!(
            f[3].kind,
            crate::model::FieldKind::Required {
                wire_name: "d".into(),
                nullable: true
            }
        );
    }

    #[test]
    fn a_string_const_is_a_one_value_enum_and_mixed_types_are_json() {
        let (api, warnings) =
            lowered("components: {schemas: {K: {const: fixed}, M: {type: [string, integer]}}}");
        assert!(
            matches!(&type_named(&api, "K").kind, TypeKind::StringEnum { variants, .. } if variants.len() == 1)
        );
        assert_eq!(type_named(&api, "M").kind, TypeKind::Alias(TypeRef::Json));
        assert!(
            warnings
                .iter()
                .any(|w| w.message.contains("several non-null types"))
        );
    }
}
