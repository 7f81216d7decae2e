//! Object schemas: a struct with one field per property (optional unless `required`, renamed to
//! a Rust identifier), a flattened map for `additionalProperties` beside them, or a plain map when
//! there are no properties.

use oas3::spec::{ObjectSchema, Schema};

use super::annotations::Annotations;
use super::{Lowerer, Result, prose};
use crate::error::Pointer;
use crate::model::{Field, FieldKind, TypeDef, TypeId, TypeKind, TypeRef};
use crate::naming::{self, Namespace};

impl Lowerer<'_> {
    /// A struct for an object with properties, else a `BTreeMap` of its additional properties.
    pub(super) fn lower_object(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
    ) -> Result<TypeRef> {
        let additional = match &s.additional_properties {
            Some(Schema::Boolean(b)) if !b.0 => None,
            Some(Schema::Boolean(_)) => Some(TypeRef::Json),
            Some(schema) => Some(
                self.lower_schema(
                    schema,
                    &ptr.push("additionalProperties"),
                    &format!("{hint}Value"),
                    None,
                )?
                .ty,
            ),
            None => None,
        };
        if s.properties.is_empty() {
            return Ok(TypeRef::Map(Box::new(additional.unwrap_or(TypeRef::Json))));
        }
        let id = self.type_for(hint, fixed, ptr);
        let name = self.name_of(id).to_owned();
        self.place(id, ptr);
        let fields = self.fields(s, ptr, &name, additional)?;
        let def = TypeDef {
            name,
            pointer: ptr.to_string(),
            doc: prose(&s.description)
                .or_else(|| prose(&s.title))
                .unwrap_or_else(|| match fixed {
                    Some(_) => format!("The `{}` schema.", ptr.tokens().last().unwrap_or_default()),
                    None => format!("The object at `{ptr}`."),
                }),
            deprecated: s.deprecated == Some(true),
            kind: TypeKind::Struct { fields },
        };
        self.define(id, def);
        Ok(TypeRef::Named(id))
    }

    /// The fields of struct `name`: its properties in document order, then the flattened map of
    /// additional properties.
    fn fields(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        name: &str,
        additional: Option<TypeRef>,
    ) -> Result<Vec<Field>> {
        let wire: Vec<&str> = s.properties.keys().map(String::as_str).collect();
        let mut field_ns = Namespace::default();
        let rust_names = naming::assign(&wire, naming::snake, &mut field_ns);
        let mut fields = Vec::new();
        for ((wire_name, schema), rust_name) in s.properties.iter().zip(rust_names) {
            let prop_ptr = ptr.push("properties").push(wire_name);
            let prop_hint = format!("{name}{}", naming::camel(wire_name));
            let lowered = self.lower_property(wire_name, schema, &prop_ptr, &prop_hint)?;
            let annotations = Annotations::of(schema);
            let doc = lowered
                .doc
                .unwrap_or_else(|| format!("The `{wire_name}` property."));
            // A read-only property is required in answers only, a write-only one in requests
            // only: one Rust type serves both, so it is optional.
            let required =
                s.required.contains(wire_name) && !annotations.read_only && !annotations.write_only;
            let kind = if required {
                FieldKind::Required {
                    wire_name: wire_name.clone(),
                    nullable: lowered.nullable,
                }
            } else {
                FieldKind::Optional {
                    wire_name: wire_name.clone(),
                    setter: setter_name(&rust_name),
                }
            };
            fields.push(Field {
                doc: annotations.append_to(doc),
                rust_name,
                ty: lowered.ty,
                kind,
                deprecated: lowered.deprecated,
            });
        }
        if let Some(ty) = additional {
            let rust_name = field_ns.claim("additional_properties");
            fields.push(Field {
                kind: FieldKind::Extra {
                    setter: setter_name(&rust_name),
                },
                rust_name,
                doc: "Properties not listed in the schema (`additionalProperties`).".into(),
                ty: TypeRef::Map(Box::new(ty)),
                deprecated: false,
            });
        }
        Ok(fields)
    }
}

/// The `with_` setter of a field that is not an argument of `new()`: `with_email_id`; a name
/// that starts with a digit (`_2fa_enabled`) loses its underscore (`with_2fa_enabled`).
fn setter_name(rust_name: &str) -> String {
    format!("with_{}", naming::unraw(rust_name).trim_start_matches('_'))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::TypeRef;

    #[test]
    fn fields_keep_wire_names_and_extra_properties_flatten() {
        let (api, _) = lowered(
            "components:\n  schemas:\n    S:\n      type: object\n      required: [userId, ro]\n      properties:\n        userId: {type: string}\n        ro: {type: string, readOnly: true}\n      additionalProperties: {type: integer}\n",
        );
        let f = fields(&api, "S");
        assert_eq!(
            (f[0].rust_name.as_str(), f[0].wire_name()),
            ("user_id", Some("userId"))
        );
        assert!(f[0].required());
        assert_eq!(
            f[1].setter(),
            Some("with_ro"),
            "read-only fields are optional in the one Rust type"
        );
        assert_eq!(
            f[2].kind,
            crate::model::FieldKind::Extra {
                setter: "with_additional_properties".into()
            }
        );
        assert_eq!(f[2].ty, TypeRef::Map(Box::new(TypeRef::I64)));
    }

    #[test]
    fn an_object_without_properties_is_a_map() {
        let (api, _) = lowered(
            "components: {schemas: {M: {type: object, additionalProperties: {type: boolean}}}}",
        );
        assert_eq!(
            type_named(&api, "M").kind,
            crate::model::TypeKind::Alias(TypeRef::Map(Box::new(TypeRef::Bool)))
        );
    }
}
