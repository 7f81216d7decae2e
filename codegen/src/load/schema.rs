//! The shape rules of a schema, checked on the raw value: `oas3`'s `Schema` is an untagged enum,
//! so when it refuses one, these say which keyword is wrong.

use serde_json::Value;

use super::kind_of;
use crate::error::{ErrorKind, Pointer, SpecError};

const KNOWN_TYPES: [&str; 7] = [
    "string", "integer", "number", "boolean", "array", "object", "null",
];

/// A keyword, a test of its value's JSON shape, and the shape in words.
type ShapeRule = (&'static str, fn(&Value) -> bool, &'static str);

/// Checks one schema and its subschemas.
pub(super) fn check_schema(value: &Value, ptr: &Pointer) -> Option<SpecError> {
    let map = match value {
        Value::Bool(_) => return None,
        Value::Object(map) => map,
        other => {
            return Some(SpecError::new(
                ptr.clone(),
                ErrorKind::SchemaNotObject(kind_of(other).into()),
            ));
        }
    };
    // Keywords whose value has a fixed JSON shape.
    let shapes: [ShapeRule; 9] = [
        ("properties", Value::is_object, "a mapping of schemas"),
        (
            "patternProperties",
            Value::is_object,
            "a mapping of schemas",
        ),
        ("$defs", Value::is_object, "a mapping of schemas"),
        ("allOf", Value::is_array, "a list of schemas"),
        ("anyOf", Value::is_array, "a list of schemas"),
        ("oneOf", Value::is_array, "a list of schemas"),
        ("prefixItems", Value::is_array, "a list of schemas"),
        ("enum", Value::is_array, "a list of values"),
        (
            "required",
            |v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            "a list of property names",
        ),
    ];
    for (key, ok, expected) in shapes {
        if let Some(value) = map.get(key).filter(|v| !ok(v)) {
            return Some(SpecError::new(
                ptr.push(key),
                ErrorKind::Structure(format!(
                    "`{key}` must be {expected}, found {}",
                    kind_of(value)
                )),
            ));
        }
    }
    if let Some(err) = map
        .get("type")
        .and_then(|t| check_type(t, &ptr.push("type")))
    {
        return Some(err);
    }
    check_subschemas(map, ptr)
}

/// Refuses a `type` that is not a known type name or a list of them.
fn check_type(t: &Value, type_ptr: &Pointer) -> Option<SpecError> {
    let unknown =
        |ptr: Pointer, what: String| Some(SpecError::new(ptr, ErrorKind::UnknownType(what)));
    match t {
        Value::String(s) if !KNOWN_TYPES.contains(&s.as_str()) => {
            unknown(type_ptr.clone(), s.clone())
        }
        Value::String(_) => None,
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| match item {
            Value::String(s) if KNOWN_TYPES.contains(&s.as_str()) => None,
            Value::String(s) => unknown(type_ptr.push(i.to_string()), s.clone()),
            other => unknown(type_ptr.push(i.to_string()), other.to_string()),
        }),
        other => unknown(type_ptr.clone(), other.to_string()),
    }
}

/// Checks every schema nested in this one (`items`, `properties`, `allOf`, ...).
fn check_subschemas(map: &serde_json::Map<String, Value>, ptr: &Pointer) -> Option<SpecError> {
    for key in [
        "items",
        "additionalProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
    ] {
        if let Some(child) = map.get(key)
            && let Some(err) = check_schema(child, &ptr.push(key))
        {
            return Some(err);
        }
    }
    for key in [
        "properties",
        "patternProperties",
        "$defs",
        "dependentSchemas",
    ] {
        if let Some(Value::Object(children)) = map.get(key) {
            let base = ptr.push(key);
            if let Some(err) = children
                .iter()
                .find_map(|(name, s)| check_schema(s, &base.push(name)))
            {
                return Some(err);
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(children)) = map.get(key) {
            let base = ptr.push(key);
            if let Some(err) = children
                .iter()
                .enumerate()
                .find_map(|(i, s)| check_schema(s, &base.push(i.to_string())))
            {
                return Some(err);
            }
        }
    }
    None
}
