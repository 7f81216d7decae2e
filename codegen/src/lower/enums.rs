//! String enums (`enum` of strings, and a string `const` as a one-value enum): one variant per
//! distinct value; `null` among the values makes the type optional. Whether an enum is open
//! (keeps unlisted values) is decided later, in `fixups.rs`, once answers are known.

use std::collections::BTreeSet;

use oas3::spec::ObjectSchema;
use serde_json::Value;

use super::{Lowerer, Result};
use crate::error::Pointer;
use crate::model::{TypeDef, TypeId, TypeKind, TypeRef, Variant};
use crate::naming::{self, Namespace};

impl Lowerer<'_> {
    /// The enum for a schema whose `enum` lists strings (and maybe `null`): its type and whether
    /// it is nullable. `None` when the values are not all strings (the schema's `type` decides).
    pub(super) fn lower_string_enum(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<TypeId>,
        doc: Option<String>,
    ) -> Result<Option<(TypeRef, bool)>> {
        if s.enum_values.is_empty() {
            return Ok(None);
        }
        let nullable = s.enum_values.iter().any(Value::is_null);
        let strings: Option<Vec<&str>> = s
            .enum_values
            .iter()
            .filter(|v| !v.is_null())
            .map(Value::as_str)
            .collect();
        let Some(values) = strings.map(distinct).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let id = self.type_for(hint, fixed, ptr);
        // `Other` is kept free for the catch-all of open (response) enums.
        let mut ns = Namespace::with_reserved(&["Other"]);
        let rust_names = naming::assign(&values, naming::camel, &mut ns);
        let variants = values
            .iter()
            .zip(rust_names)
            .map(|(v, rust_name)| Variant {
                rust_name,
                wire_value: (*v).to_owned(),
            })
            .collect();
        let def = TypeDef {
            name: self.name_of(id).to_owned(),
            pointer: ptr.to_string(),
            doc: doc.unwrap_or_else(|| format!("One of the values of `{ptr}`.")),
            deprecated: s.deprecated == Some(true),
            kind: TypeKind::StringEnum {
                variants,
                open: false,
            },
        };
        self.define(id, def);
        Ok(Some((TypeRef::Named(id), nullable)))
    }
}

/// The values in order, each once (a value listed twice is one variant).
fn distinct(mut values: Vec<&str>) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    values.retain(|v| seen.insert(*v));
    values
}

#[cfg(test)]
mod tests {
    use super::distinct;

    #[test]
    fn repeated_values_are_one_variant() {
        assert_eq!(distinct(vec!["a", "b", "a", "c", "b"]), ["a", "b", "c"]);
    }
}
