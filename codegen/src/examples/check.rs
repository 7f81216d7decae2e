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

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::collect::Role;
use crate::error::Pointer;

/// The deepest schema nesting followed (a `$ref` cycle that consumes no part of the example).
const MAX_DEPTH: usize = 256;

/// One disagreement between an example and its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The schema node that disagrees.
    pub schema: Pointer,
    /// Where in the example.
    pub example: Pointer,
    /// How.
    pub problem: Problem,
}

/// How an example disagrees with its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The value is of another JSON type than the schema declares.
    WrongType {
        /// What the schema declares.
        declared: String,
        /// What the example shows.
        shown: String,
    },
    /// A required property whose schema does not allow `null` is `null`.
    NotNullable,
    /// A required property is missing.
    Missing {
        /// Its name.
        property: String,
    },
    /// An array is declared; the example shows one item.
    OneOrMany,
    /// One value is declared; the example shows an array of them.
    ManyOfOne,
    /// A string enum does not list the example's value.
    NotInEnum {
        /// The value.
        value: String,
    },
    /// An integer is declared; the example shows a fraction or a number beyond its range.
    NotInteger {
        /// What the example shows.
        shown: String,
    },
    /// No alternative of a union without a discriminator accepts the value.
    NoAlternative,
    /// A request example has a property the schema does not declare.
    Undeclared {
        /// Its name.
        property: String,
    },
}

impl Problem {
    /// Whether the schema is changed so that the example decodes (the others are warnings).
    pub fn relaxes(&self) -> bool {
        !matches!(self, Problem::NoAlternative | Problem::Undeclared { .. })
    }

    /// Whether it is about the node's shape as a whole, so that through a `$ref` the referring
    /// node is changed rather than the component every other use shares.
    fn is_shape(&self) -> bool {
        matches!(
            self,
            Problem::WrongType { .. }
                | Problem::NotNullable
                | Problem::OneOrMany
                | Problem::ManyOfOne
        )
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::WrongType { declared, shown } => {
                write!(
                    f,
                    "the schema declares {declared}, the example shows {shown}"
                )
            }
            Problem::NotNullable => write!(f, "a required property is null"),
            Problem::Missing { property } => {
                write!(f, "the required property `{property}` is missing")
            }
            Problem::OneOrMany => write!(f, "an array is declared, the example shows one item"),
            Problem::ManyOfOne => write!(f, "one value is declared, the example shows an array"),
            Problem::NotInEnum { value } => write!(f, "the enum does not list {value:?}"),
            Problem::NotInteger { shown } => {
                write!(f, "an integer is declared, the example shows {shown}")
            }
            Problem::NoAlternative => write!(f, "no alternative of the union accepts the value"),
            Problem::Undeclared { property } => {
                write!(f, "the property `{property}` is not declared")
            }
        }
    }
}

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

    /// When `value` is a non-empty array whose items all have the shape of the schema at `ptr`
    /// (one value declared, an array shown): what the items get wrong inside it.
    fn many_of_one(
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
    fn union(
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
    fn object(
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

/// The one non-null type a schema declares or implies, or `None` for any JSON value (no type,
/// or several).
fn single_type(schema: &Map<String, Value>) -> Option<&str> {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        [t] => Some(t),
        [] if schema.contains_key("properties") || schema.contains_key("additionalProperties") => {
            Some("object")
        }
        [] if schema.contains_key("items") || schema.contains_key("prefixItems") => Some("array"),
        _ => None,
    }
}

/// Whether the type generated for the schema accepts `null`.
fn accepts_null(raw: &Value, schema: &Map<String, Value>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        // A named struct, enum or union is not an `Option`, even when its schema allows `null`;
        // an alias of a nullable schema is any JSON value, which takes it.
        return Pointer::from_fragment(reference)
            .and_then(|p| p.lookup(raw))
            .and_then(Value::as_object)
            .is_some_and(|target| !is_named(target) && accepts_null(raw, target, depth + 1));
    }
    let listed = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|values| {
                values
                    .iter()
                    .any(|v| v.is_null() || (key != "enum" && is_null_schema(v)))
            })
    };
    match schema.get("type") {
        Some(Value::String(t)) if t == "null" => return true,
        Some(Value::Array(ts)) if ts.iter().any(|t| t == "null") => return true,
        _ => {}
    }
    listed("oneOf") || listed("anyOf") || listed("enum") || is_any(schema)
}

/// Whether a component schema is generated as a struct, string enum or union of its own (not an
/// alias), so that a `$ref` to it names that type.
fn is_named(schema: &Map<String, Value>) -> bool {
    if schema
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|v| v.iter().any(Value::is_string))
        || schema.get("const").is_some_and(Value::is_string)
        || schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
        || schema.contains_key("allOf")
    {
        return true;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            let non_null: Vec<&Value> = alts.iter().filter(|a| !is_null_schema(a)).collect();
            return match non_null.as_slice() {
                [one] => one.get("$ref").is_none() && one.as_object().is_some_and(is_named),
                _ => true,
            };
        }
    }
    false
}

/// A schema lowered to `serde_json::Value`: no type and nothing that implies one.
fn is_any(schema: &Map<String, Value>) -> bool {
    let shaping = [
        "type",
        "properties",
        "additionalProperties",
        "items",
        "prefixItems",
        "enum",
        "const",
        "$ref",
        "allOf",
        "oneOf",
        "anyOf",
    ];
    !shaping.iter().any(|k| schema.contains_key(*k))
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").is_some_and(|t| t == "null")
        || schema.get("const").is_some_and(Value::is_null)
}

/// Whether a property schema is `readOnly` or `writeOnly` (generated as optional either way).
fn read_or_write_only(raw: &Value, schema: &Value) -> bool {
    let flag = |s: &Value| {
        s.get("readOnly") == Some(&Value::Bool(true))
            || s.get("writeOnly") == Some(&Value::Bool(true))
    };
    flag(schema)
        || schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(Pointer::from_fragment)
            .and_then(|p| p.lookup(raw))
            .is_some_and(flag)
}

/// Collects the property names of an allOf's parts (through `$ref`s and nested allOfs); false
/// when a part is not an object (lowering then gives any JSON value).
fn object_parts(
    raw: &Value,
    schema: &Map<String, Value>,
    names: &mut BTreeSet<String>,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        names.extend(props.keys().cloned());
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return match Pointer::from_fragment(reference)
            .and_then(|p| p.lookup(raw))
            .and_then(Value::as_object)
        {
            Some(target) => object_parts(raw, target, names, depth + 1),
            None => false,
        };
    }
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        return parts.iter().all(|part| match part.as_object() {
            Some(part) => object_parts(raw, part, names, depth + 1),
            None => false,
        });
    }
    single_type(schema) == Some("object")
}

/// What a schema declares, in words (`an object`, `an array`, `a string`).
fn describe(schema: &Map<String, Value>) -> String {
    match single_type(schema) {
        Some("object") => match schema.get("additionalProperties") {
            Some(Value::Object(inner)) if !schema.contains_key("properties") => {
                format!("a map of {}", plural(inner))
            }
            _ => "an object".into(),
        },
        Some("array") => match schema.get("items").and_then(Value::as_object) {
            Some(inner) => format!("an array of {}", plural(inner)),
            None => "an array".into(),
        },
        Some("integer") => "an integer".into(),
        Some(t) => format!("a {t}"),
        None => "a value".into(),
    }
}

fn plural(schema: &Map<String, Value>) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return format!("`{}`", reference.rsplit('/').next().unwrap_or(reference));
    }
    match single_type(schema) {
        Some("object") => "objects".into(),
        Some("array") => "arrays".into(),
        Some("integer") => "integers".into(),
        Some(t) => format!("{t}s"),
        None => "values".into(),
    }
}

/// The JSON type of a value, in words.
pub(super) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
    .into()
}
