//! Component schemas: each gets its name (the one the name map pins, else a claimed one) and id
//! up front, then is lowered in document order; a component that is only `$ref`s (to itself, or
//! in a cycle) is refused.

use super::{Lowerer, Result};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{TypeDef, TypeKind, TypeRef};
use crate::naming;

impl Lowerer<'_> {
    /// Names every component schema, then lowers each one under its name.
    pub(super) fn components(&mut self) -> Result<()> {
        let Some(components) = &self.doc.spec.components else {
            return Ok(());
        };
        // Names the name map pins first (they are reserved), then the others.
        let pins = self.pins;
        let names: Vec<&str> = components.schemas.keys().map(String::as_str).collect();
        let unpinned: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| pins.component(n).is_none())
            .collect();
        let mut fresh = naming::assign(&unpinned, naming::camel, &mut self.type_ns).into_iter();
        for name in names {
            let rust_name = match pins.component(name) {
                Some(pinned) => pinned.to_owned(),
                None => fresh.next().unwrap_or_default(),
            };
            let id = self.new_type(rust_name);
            self.components.insert(name.to_owned(), id);
        }
        for (name, schema) in &components.schemas {
            let ptr = Pointer::root()
                .push("components")
                .push("schemas")
                .push(name);
            let id = self.components[name];
            let rust_name = self.name_of(id).to_owned();
            let lowered = self.lower_schema(schema, &ptr, &rust_name, Some(id))?;
            // It names itself without defining anything (`$ref` to itself, maybe through a
            // nullable wrapper): there is no schema to generate.
            if !self.is_defined(id) && lowered.ty == TypeRef::Named(id) {
                return Err(SpecError::new(
                    ptr,
                    ErrorKind::Unsupported("a schema that is only a `$ref` to itself".into()),
                ));
            }
            if lowered.ty != TypeRef::Named(id) {
                // A primitive, array or map component: an alias keeps its name usable.
                let ty = if lowered.nullable {
                    TypeRef::Json
                } else {
                    lowered.ty
                };
                self.define(
                    id,
                    TypeDef {
                        name: rust_name,
                        pointer: ptr.to_string(),
                        doc: lowered
                            .doc
                            .unwrap_or_else(|| format!("The `{name}` schema.")),
                        deprecated: lowered.deprecated,
                        kind: TypeKind::Alias(ty),
                    },
                );
            }
        }
        self.check_alias_cycles()
    }

    /// Refuses components that are only `$ref`s to each other, in a cycle: no schema to generate.
    fn check_alias_cycles(&self) -> Result<()> {
        for &start in &self.order {
            let mut current = start;
            for _ in 0..=self.types.len() {
                let TypeKind::Alias(TypeRef::Named(next)) = &self.types[current.0].kind else {
                    break;
                };
                if *next == start {
                    return Err(SpecError::new(
                        Pointer::from_fragment(&self.types[start.0].pointer).unwrap_or_default(),
                        ErrorKind::Unsupported(
                            "a cycle of `$ref`s that never reaches a schema".into(),
                        ),
                    ));
                }
                current = *next;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::error::ErrorKind;
    use crate::model::{TypeKind, TypeRef};

    #[test]
    fn a_primitive_component_is_an_alias_under_its_own_name() {
        let (api, _) = lowered("components: {schemas: {user-id: {type: string}}}");
        assert_eq!(api.types[0].name, "UserId");
        assert_eq!(api.types[0].kind, TypeKind::Alias(TypeRef::String));
    }

    #[test]
    fn refs_that_never_reach_a_schema_are_refused() {
        let cycle = "components: {schemas: {A: {$ref: '#/components/schemas/B'}, B: {$ref: '#/components/schemas/A'}}}";
        let err = lower_doc(cycle).unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::Unsupported(ref m) if m.contains("cycle")),
            "{err}"
        );
        let selfish = "components: {schemas: {A: {$ref: '#/components/schemas/A'}}}";
        let err = lower_doc(selfish).unwrap_err();
        assert_eq!(err.pointer.to_string(), "#/components/schemas/A");
    }
}
