//! Stage 1: text -> parsed document.
//!
//! The text (YAML or JSON) is read into a `serde_json::Value` first, so that every later error can
//! name a JSON pointer, then deserialized into the `oas3` model through `serde_path_to_error`.
//!
//! - `repair.rs` reads published documents liberally: defects whose meaning is clear (a relative
//!   or empty URL in a security scheme, a version written as a number) are repaired in the raw
//!   value first, each with a [`Warning`] that says what was done.
//! - `diagnose/` turns a refusal of `oas3` into a sentence: its untagged enums (`Schema`,
//!   `ObjectOrReference`) lose the inner reason and path, so the raw value at the failing place
//!   is read again as what belongs there (a parameter, a response, a security scheme...) to say
//!   exactly what is wrong and where; `schema.rs` holds the shape rules of schemas.

mod diagnose;
mod repair;
mod schema;

use serde_json::Value;

use crate::error::{ErrorKind, Pointer, SpecError, Warning};

/// A loaded document: the raw JSON value (for pointers and diagnostics) and the typed model.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document as plain JSON data, after 3.0 -> 3.1 normalisation and repairs.
    pub raw: Value,
    /// The typed OpenAPI model.
    pub spec: oas3::Spec,
    /// What was repaired to read the document (see `repair.rs`) and what its examples changed
    /// (see [`crate::examples`]); lowering passes them on.
    pub warnings: Vec<Warning>,
    /// The schemas the document's own examples relaxed, and the examples to test.
    pub examples: crate::examples::Examples,
}

/// Parses YAML or JSON text into a [`Document`].
pub fn load(text: &str) -> Result<Document, SpecError> {
    let mut raw = parse_text(text)?;
    let mut warnings = Vec::new();
    repair::version_numbers(&mut raw, &mut warnings);
    check_version(&raw)?;
    // 3.0 forms are rewritten in 3.1 documents too: real documents that say 3.1 still use them,
    // and in 3.1 they are either invalid (boolean `exclusiveMinimum`) or meaningless (`nullable`).
    normalize_3_0(&mut raw);
    repair::urls(&mut raw, &mut warnings);
    let examples = crate::examples::apply(&mut raw, &mut warnings);
    let spec: oas3::Spec =
        serde_path_to_error::deserialize(&raw).map_err(|err| diagnose::explain(&raw, err))?;
    Ok(Document {
        raw,
        spec,
        warnings,
        examples,
    })
}

/// Stage 1a: YAML or JSON text -> `serde_json::Value` (the benchmark floor).
pub fn parse_text(text: &str) -> Result<Value, SpecError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let value = if trimmed.starts_with('{') {
        serde_json::from_str::<Value>(trimmed).map_err(|e| {
            SpecError::new(
                Pointer::root(),
                ErrorKind::Syntax(format!("line {} column {}: {e}", e.line(), e.column())),
            )
        })?
    } else {
        yaml_serde::from_str::<YamlValue>(trimmed)
            .map(|v| v.0)
            .map_err(|e| SpecError::new(Pointer::root(), ErrorKind::Syntax(e.to_string())))?
    };
    if !value.is_object() {
        return Err(SpecError::new(
            Pointer::root(),
            ErrorKind::Structure(format!(
                "the document must be a mapping, found {}",
                kind_of(&value)
            )),
        ));
    }
    Ok(value)
}

fn check_version(raw: &Value) -> Result<String, SpecError> {
    match raw.get("openapi") {
        Some(Value::String(v))
            if v.starts_with("3.1.") || v.starts_with("3.0.") || v == "3.1" || v == "3.0" =>
        {
            Ok(v.clone())
        }
        Some(Value::String(v)) => Err(SpecError::new(
            Pointer::root().push("openapi"),
            ErrorKind::UnsupportedVersion(v.clone()),
        )),
        Some(other) => Err(SpecError::new(
            Pointer::root().push("openapi"),
            ErrorKind::Structure(format!(
                "`openapi` must be a string, found {}",
                kind_of(other)
            )),
        )),
        None => match raw.get("swagger") {
            Some(v) => Err(SpecError::new(
                Pointer::root().push("swagger"),
                ErrorKind::UnsupportedVersion(format!("swagger {}", v.as_str().unwrap_or("?"))),
            )),
            None => Err(SpecError::new(
                Pointer::root(),
                ErrorKind::Structure("missing the `openapi` version field".into()),
            )),
        },
    }
}

/// Rewrites the two 3.0 schema forms that 3.1 changed into their 3.1 shape: `nullable: true`
/// becomes a `'null'` entry in `type`, and boolean `exclusiveMinimum`/`exclusiveMaximum` become
/// numbers.
fn normalize_3_0(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert(
                        "type".into(),
                        Value::Array(vec![Value::String(t), "null".into()]),
                    );
                    map.remove("nullable");
                }
            } else if map.get("nullable") == Some(&Value::Bool(false)) {
                map.remove("nullable");
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(exclusive)) = map.get(flag).cloned() {
                    map.remove(flag);
                    if exclusive && let Some(limit) = map.remove(bound) {
                        map.insert(flag.into(), limit);
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" && key != "default" {
                    normalize_3_0(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_3_0),
        _ => {}
    }
}

/// Names the JSON kind of a value, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A `serde_json::Value` read from YAML, where integers beyond 64 bits (which `serde_json` cannot
/// hold without `arbitrary_precision`) become the nearest `f64`, as `serde_json` itself does for
/// JSON text. They only occur in keywords like `minimum` and in examples.
struct YamlValue(Value);

impl<'de> serde::Deserialize<'de> for YamlValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(YamlValue)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(v as f64)))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v)
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(v as f64)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(YamlValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((YamlKey(k), YamlValue(v))) = map.next_entry()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// A mapping key: YAML allows non-string keys (`200:` unquoted), JSON does not; they become
/// their text.
struct YamlKey(String);

impl<'de> serde::Deserialize<'de> for YamlKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match <YamlValue as serde::Deserialize>::deserialize(deserializer)?.0 {
            Value::String(s) => Ok(YamlKey(s)),
            Value::Null => Ok(YamlKey("null".into())),
            other => Ok(YamlKey(other.to_string())),
        }
    }
}
