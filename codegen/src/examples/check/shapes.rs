//! The rules of the shapes that need more than one look: an array that may be one value (and
//! one value that may be an array), a union (by discriminator, or the first alternative that
//! accepts the value), an object (its properties, `required`, `additionalProperties`).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::super::collect::Role;
use super::schema::*;
use super::{Checker, Finding, Place, Problem};
use crate::error::Pointer;

impl Checker<'_> {
    /// When `value` is a non-empty array whose items all have the shape of the schema at `ptr`
    /// (one value declared, an array shown): what the items get wrong inside it.
    pub(super) fn many_of_one(
        &mut self,
        ptr: &Pointer,
        value: &Value,
        at: &Pointer,
        depth: usize,
    ) -> Option<Vec<Finding>> {
        let Value::Array(items) = value else {
            return None;
        };
        if items.is_empty() {
            return None;
        }
        let mut all = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let inner = self.findings(ptr, item, &at.push(i.to_string()), Place::Value, depth + 1);
            if inner
                .iter()
                .any(|f| f.schema == *ptr && f.problem.is_shape())
            {
                return None;
            }
            all.extend(inner);
        }
        Some(all)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn union(
        &mut self,
        ptr: &Pointer,
        schema: &Map<String, Value>,
        key: &str,
        alts: &[Value],
        value: &Value,
        at: &Pointer,
        place: Place,
        depth: usize,
        out: &mut Vec<Finding>,
    ) {
        let non_null: Vec<usize> = (0..alts.len())
            .filter(|i| !is_null_schema(&alts[*i]))
            .collect();
        let alt = |i: usize| ptr.push(key).push(i.to_string());
        if let [only] = non_null.as_slice() {
            self.node(
                &alt(*only),
                value,
                at,
                place,
                &BTreeSet::new(),
                depth + 1,
                out,
            );
            return;
        }
        // Where lowering reads the tag (a property, or the path a document writes there); a
        // path some alternative lacks leaves the union untagged.
        if let Some(keys) = crate::lower::discriminator::tag_place(self.raw, schema, key)
            .and_then(|place| place.keys())
        {
            let tag_value = keys
                .iter()
                .try_fold(value, |v, k| v.get(k))
                .and_then(Value::as_str);
            let Some(tag_value) = tag_value else {
                return; // no tag: kept in `Other`
            };
            let mapped = schema
                .get("discriminator")
                .and_then(|d| d.get("mapping"))
                .and_then(|m| m.get(tag_value))
                .and_then(Value::as_str);
            let chosen = non_null.iter().copied().find(|i| {
                let reference = alts[*i].get("$ref").and_then(Value::as_str);
                match (mapped, reference) {
                    (Some(m), Some(r)) => m == r || r.rsplit('/').next() == Some(m),
                    (None, Some(r)) => r.rsplit('/').next() == Some(tag_value),
                    _ => false,
                }
            });
            if let Some(i) = chosen {
                self.node(&alt(i), value, at, place, &BTreeSet::new(), depth + 1, out);
            }
            return;
        }
        // Untagged: decoding takes the first alternative that accepts the value. When none does,
        // the closest one (the value has its shape, and the fewest disagreements) is the one to
        // relax; with none of the value's shape, the value stays in `Other`.
        let mut closest: Option<Vec<Finding>> = None;
        for i in &non_null {
            let node = alt(*i);
            let inner = self.findings(&node, value, at, place, depth + 1);
            if inner.is_empty() {
                return;
            }
            let shaped = !inner
                .iter()
                .any(|f| f.schema == node && f.problem.is_shape());
            if shaped && closest.as_ref().is_none_or(|c| inner.len() < c.len()) {
                closest = Some(inner);
            }
        }
        match closest {
            Some(inner) => out.extend(inner),
            None => out.push(Finding {
                schema: ptr.clone(),
                example: at.clone(),
                problem: Problem::NoAlternative,
            }),
        }
    }

    /// An object's properties: the required ones present, each value against its schema, the
    /// others against `additionalProperties`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn object(
        &mut self,
        ptr: &Pointer,
        schema: &Map<String, Value>,
        map: &Map<String, Value>,
        at: &Pointer,
        known: &BTreeSet<String>,
        depth: usize,
        out: &mut Vec<Finding>,
    ) {
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let is_required = |name: &str| {
            required.contains(&name)
                && props
                    .get(name)
                    .is_some_and(|p| !read_or_write_only(self.raw, p))
        };
        for name in &required {
            if map.contains_key(*name) {
                continue;
            }
            let declared = props
                .get(*name)
                .is_some_and(|p| !read_or_write_only(self.raw, p))
                || (known.contains(*name) && !props.contains_key(*name));
            if declared {
                out.push(Finding {
                    schema: ptr.clone(),
                    example: at.clone(),
                    problem: Problem::Missing {
                        property: (*name).to_owned(),
                    },
                });
            }
        }
        let additional = schema.get("additionalProperties");
        for (name, item) in map {
            let item_at = at.push(name);
            if props.contains_key(name) {
                let required = is_required(name);
                if item.is_null() && !required {
                    continue; // an optional property: `None`
                }
                self.node(
                    &ptr.push("properties").push(name),
                    item,
                    &item_at,
                    Place::Property { required },
                    &BTreeSet::new(),
                    depth + 1,
                    out,
                );
            } else if known.contains(name) {
                // Another part of the allOf declares it.
            } else if let Some(Value::Object(_)) = additional {
                self.node(
                    &ptr.push("additionalProperties"),
                    item,
                    &item_at,
                    Place::Value,
                    &BTreeSet::new(),
                    depth + 1,
                    out,
                );
            } else if additional != Some(&Value::Bool(true)) && self.role == Role::Request {
                out.push(Finding {
                    schema: ptr.clone(),
                    example: item_at,
                    problem: Problem::Undeclared {
                        property: name.clone(),
                    },
                });
            }
        }
    }
}
