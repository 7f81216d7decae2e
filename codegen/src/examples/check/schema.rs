//! Questions about one schema node: its single JSON type, whether it admits `null`, whether it
//! names a type of its own or accepts anything, its object parts, and how to describe it.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::MAX_DEPTH;
use crate::error::Pointer;

/// The one non-null type a schema declares or implies, or `None` for any JSON value (no type,
/// or several).
pub(super) fn single_type(schema: &Map<String, Value>) -> Option<&str> {
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
pub(super) fn accepts_null(raw: &Value, schema: &Map<String, Value>, depth: usize) -> bool {
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
pub(super) fn is_named(schema: &Map<String, Value>) -> bool {
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
pub(super) fn is_any(schema: &Map<String, Value>) -> bool {
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

pub(super) fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").is_some_and(|t| t == "null")
        || schema.get("const").is_some_and(Value::is_null)
}

/// Whether a property schema is `readOnly` or `writeOnly` (generated as optional either way).
pub(super) fn read_or_write_only(raw: &Value, schema: &Value) -> bool {
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
pub(super) fn object_parts(
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
pub(super) fn describe(schema: &Map<String, Value>) -> String {
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

pub(super) fn plural(schema: &Map<String, Value>) -> String {
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
pub(in crate::examples) fn kind(value: &Value) -> String {
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
