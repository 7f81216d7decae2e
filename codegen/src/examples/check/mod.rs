//! Reading an example against its schema as the generated decoder would, and saying where they
//! disagree.
//!
//! The rules follow what lowering makes of a schema and what the runtime's decoders accept, not
//! the whole of JSON Schema: a missing optional property and a `null` one are both `None`; an
//! unknown property is ignored (or kept by a map for `additionalProperties`); a union with no
//! discriminator keeps what none of its alternatives accepts in `Other`, one with a discriminator
//! decodes the alternative its tag names; bounds, lengths, `minItems`, `format` and
//! `uniqueItems` are documentation, never checked when decoding. Each place that would make a
//! decode fail is a [`Finding`].

//!
//! `problem.rs` says what a [`Finding`] is; this file walks a value and its schema node by node;
//! `shapes.rs` holds the rules of arrays that may be one value, unions and objects; `schema.rs`
//! answers questions about a schema node (its type, whether it admits `null`, its words).

mod problem;
mod schema;
mod shapes;

use std::collections::BTreeSet;

use serde_json::Value;

use super::collect::Role;
use crate::error::Pointer;
pub(super) use schema::kind;
use schema::*;

pub use problem::{Finding, Problem};

/// The deepest schema nesting followed (a `$ref` cycle that consumes no part of the example).
const MAX_DEPTH: usize = 256;

/// Where a value sits in its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The example itself, an array item or a map value.
    Value,
    /// A property of a struct (`required` or not).
    Property { required: bool },
}

/// Checks `value` (at `at` in the document) against the schema at `schema`, adding what
/// disagrees to `out`.
pub(super) fn check(
    raw: &Value,
    schema: &Pointer,
    value: &Value,
    at: &Pointer,
    role: Role,
    out: &mut Vec<Finding>,
) {
    let mut checker = Checker {
        raw,
        role,
        unmarked: None,
    };
    checker.node(schema, value, at, Place::Value, &BTreeSet::new(), 0, out);
}

struct Checker<'a> {
    raw: &'a Value,
    role: Role,
    /// The one-or-many node whose items are being checked (its `x-one-or-many` is ignored once).
    unmarked: Option<Pointer>,
}

impl Checker<'_> {
    /// The findings of `value` against the schema at `ptr`, collected apart.
    fn findings(
        &mut self,
        ptr: &Pointer,
        value: &Value,
        at: &Pointer,
        place: Place,
        depth: usize,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        self.node(ptr, value, at, place, &BTreeSet::new(), depth, &mut out);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        ptr: &Pointer,
        value: &Value,
        at: &Pointer,
        place: Place,
        known: &BTreeSet<String>,
        depth: usize,
        out: &mut Vec<Finding>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let unmarked = self.unmarked.take().as_ref() == Some(ptr);
        let Some(Value::Object(schema)) = ptr.lookup(self.raw) else {
            return; // `true`, `false` (refused by lowering) or nothing
        };
        let finding = |problem: Problem| Finding {
            schema: ptr.clone(),
            example: at.clone(),
            problem,
        };
        if value.is_null() {
            if !accepts_null(self.raw, schema, depth) {
                match place {
                    Place::Property { .. } => out.push(finding(Problem::NotNullable)),
                    Place::Value => out.push(finding(Problem::WrongType {
                        declared: describe(schema),
                        shown: "null".into(),
                    })),
                }
            }
            return;
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let Some(target) = Pointer::from_fragment(reference) else {
                return;
            };
            let mut inner = Vec::new();
            self.node(&target, value, at, place, known, depth + 1, &mut inner);
            for mut finding in inner {
                if finding.schema == target && finding.problem.is_shape() {
                    finding.schema = ptr.clone();
                }
                out.push(finding);
            }
            return;
        }
        if !unmarked && schema.get(super::relax::ONE_OR_MANY) == Some(&Value::Bool(true)) {
            // One-or-many: an array of what the node declares, or one of its items.
            match (single_type(schema) == Some("array"), value) {
                (true, Value::Array(_))
                | (
                    false,
                    Value::Object(_) | Value::String(_) | Value::Number(_) | Value::Bool(_),
                ) => {}
                (true, one) => {
                    self.node(
                        &ptr.push("items"),
                        one,
                        at,
                        Place::Value,
                        &BTreeSet::new(),
                        depth + 1,
                        out,
                    );
                    return;
                }
                (false, Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        self.unmarked = Some(ptr.clone());
                        self.node(
                            ptr,
                            item,
                            &at.push(i.to_string()),
                            Place::Value,
                            known,
                            depth + 1,
                            out,
                        );
                    }
                    return;
                }
                (false, Value::Null) => {}
            }
        }
        let alternatives = ["oneOf", "anyOf"].into_iter().find_map(|key| {
            schema
                .get(key)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .map(|a| (key, a))
        });
        if let Some((key, alts)) = alternatives {
            self.union(ptr, schema, key, alts, value, at, place, depth, out);
            return;
        }
        if let Some(Value::Array(parts)) = schema
            .get("allOf")
            .filter(|p| p.as_array().is_some_and(|p| !p.is_empty()))
        {
            let own = schema
                .get("properties")
                .is_some_and(|p| p.as_object().is_some_and(|p| !p.is_empty()));
            if parts.len() == 1 && !own {
                self.node(
                    &ptr.push("allOf").push("0"),
                    value,
                    at,
                    place,
                    known,
                    depth + 1,
                    out,
                );
                return;
            }
            let mut names = known.clone();
            if !object_parts(self.raw, schema, &mut names, depth) {
                return; // not all parts are objects: the type is any JSON value
            }
            let Value::Object(map) = value else {
                out.push(finding(Problem::WrongType {
                    declared: "an object (allOf)".into(),
                    shown: kind(value),
                }));
                return;
            };
            for i in 0..parts.len() {
                self.node(
                    &ptr.push("allOf").push(i.to_string()),
                    value,
                    at,
                    Place::Value,
                    &names,
                    depth + 1,
                    out,
                );
            }
            if own {
                self.object(ptr, schema, map, at, &names, depth, out);
            }
            return;
        }
        let strings = schema
            .get("enum")
            .and_then(Value::as_array)
            .filter(|values| {
                values.iter().any(Value::is_string)
                    && values.iter().all(|v| v.is_string() || v.is_null())
            })
            .map(|values| values.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .or_else(|| schema.get("const").and_then(Value::as_str).map(|c| vec![c]));
        if let Some(listed) = strings {
            match value {
                Value::String(s) if listed.contains(&s.as_str()) => {}
                Value::String(s) => out.push(finding(Problem::NotInEnum { value: s.clone() })),
                other => match self.many_of_one(ptr, other, at, depth) {
                    Some(inner) => {
                        out.push(finding(Problem::ManyOfOne));
                        out.extend(inner);
                    }
                    None => out.push(finding(Problem::WrongType {
                        declared: "a string enum".into(),
                        shown: kind(other),
                    })),
                },
            }
            return;
        }
        let Some(declared) = single_type(schema) else {
            return; // any JSON value
        };
        let fits = match (declared, value) {
            // A parameter is text on the wire: `1234` is the string "1234".
            ("string", Value::Number(_) | Value::Bool(_)) if self.role == Role::Parameter => true,
            ("string", Value::String(_))
            | ("boolean", Value::Bool(_))
            | ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => {
                let int32 = schema.get("format").and_then(Value::as_str) == Some("int32");
                let fits = match n.as_i64() {
                    Some(i) if int32 => i32::try_from(i).is_ok(),
                    Some(_) => true,
                    None => false,
                };
                if !fits {
                    out.push(finding(Problem::NotInteger {
                        shown: n.to_string(),
                    }));
                }
                true
            }
            ("array", Value::Array(items)) => {
                if let Some(item_schema) = schema
                    .get("items")
                    .filter(|i| i.is_object() || i.is_boolean())
                {
                    let _ = item_schema;
                    for (i, item) in items.iter().enumerate() {
                        self.node(
                            &ptr.push("items"),
                            item,
                            &at.push(i.to_string()),
                            Place::Value,
                            &BTreeSet::new(),
                            depth + 1,
                            out,
                        );
                    }
                }
                true
            }
            ("object", Value::Object(map)) => {
                self.object(ptr, schema, map, at, known, depth, out);
                true
            }
            _ => false,
        };
        if fits {
            return;
        }
        if declared == "array" && schema.get("items").is_some() {
            // One item where an array is declared: one-or-many, when the item has the item
            // schema's shape (what else it gets wrong is relaxed inside the item schema).
            let items = ptr.push("items");
            let inner = self.findings(&items, value, at, Place::Value, depth + 1);
            if !inner
                .iter()
                .any(|f| f.schema == items && f.problem.is_shape())
            {
                out.push(finding(Problem::OneOrMany));
                out.extend(inner);
                return;
            }
        }
        if let Some(inner) = self.many_of_one(ptr, value, at, depth) {
            out.push(finding(Problem::ManyOfOne));
            out.extend(inner);
            return;
        }
        out.push(finding(Problem::WrongType {
            declared: describe(schema),
            shown: kind(value),
        }));
    }
}
