//! `$ref`s: following them, refusing external and dangling ones, mapping schema refs to the
//! component types they name.

use oas3::spec::{ObjectOrReference, ObjectSchema, Schema};

use super::{Lowerer, Result};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::TypeId;

impl Lowerer<'_> {
    /// The object behind a (possibly referenced) parameter, body, response or scheme.
    pub(super) fn resolve<T: oas3::spec::FromRef + Clone>(
        &self,
        item: &ObjectOrReference<T>,
        ptr: &Pointer,
    ) -> Result<T> {
        match item {
            ObjectOrReference::Object(t) => Ok(t.clone()),
            ObjectOrReference::Ref { ref_path, .. } => {
                let ref_ptr = ptr.push("$ref");
                self.check_local_ref(ref_path, &ref_ptr)?;
                item.resolve(&self.doc.spec).map_err(|e| {
                    SpecError::new(
                        ref_ptr,
                        ErrorKind::Structure(format!("cannot follow `{ref_path}`: {e}")),
                    )
                })
            }
        }
    }

    /// The component type a schema `$ref` (at `ptr`) names.
    pub(super) fn schema_ref(&self, ref_path: &str, ptr: &Pointer) -> Result<TypeId> {
        let ref_ptr = ptr.push("$ref");
        if let Some(id) = component_name(ref_path).and_then(|n| self.components.get(&n)) {
            return Ok(*id);
        }
        self.check_local_ref(ref_path, &ref_ptr)?;
        Err(SpecError::new(
            ref_ptr,
            ErrorKind::Unsupported(format!(
                "schema $ref `{ref_path}` (schema refs must name `#/components/schemas/<name>`)"
            )),
        ))
    }

    /// Refuses an external `$ref` and one that points at nothing in the document.
    pub(super) fn check_local_ref(&self, ref_path: &str, ref_ptr: &Pointer) -> Result<()> {
        if !ref_path.starts_with('#') {
            return Err(SpecError::new(
                ref_ptr.clone(),
                ErrorKind::Unsupported(format!(
                    "external $ref `{ref_path}` (only local `#/...` refs)"
                )),
            ));
        }
        match Pointer::from_fragment(ref_path).and_then(|p| p.lookup(&self.doc.raw)) {
            Some(_) => Ok(()),
            None => Err(SpecError::new(
                ref_ptr.clone(),
                ErrorKind::DanglingRef(ref_path.to_owned()),
            )),
        }
    }

    /// The inline object schema a component `$ref` names, following `$ref` chains; `None` for a
    /// boolean schema, a non-component ref or a chain that comes back on itself.
    pub(super) fn component_object(&self, ref_path: &str) -> Option<ObjectSchema> {
        let schemas = &self.doc.spec.components.as_ref()?.schemas;
        let mut seen: Vec<&str> = Vec::new();
        let mut ref_path = ref_path;
        loop {
            if seen.contains(&ref_path) {
                return None;
            }
            seen.push(ref_path);
            match schemas.get(&component_name(ref_path)?)? {
                Schema::Object(o) => match o.as_ref() {
                    ObjectOrReference::Object(os) => return Some(os.clone()),
                    ObjectOrReference::Ref { ref_path: next, .. } => ref_path = next,
                },
                Schema::Boolean(_) => return None,
            }
        }
    }
}

/// The component name in `#/components/schemas/<name>`, unescaped.
fn component_name(ref_path: &str) -> Option<String> {
    let name = ref_path.strip_prefix("#/components/schemas/")?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

#[cfg(test)]
mod tests {
    use super::component_name;

    #[test]
    fn component_names_are_unescaped() {
        assert_eq!(
            component_name("#/components/schemas/a~1b~0c").as_deref(),
            Some("a/b~c")
        );
        assert_eq!(component_name("#/components/responses/X"), None);
    }
}
