//! [`fingerprint`]: what a component schema accepts, as a short hash, to recognise a renamed
//! component.

use serde_json::Value;

/// Keywords that document a schema without changing what it accepts.
const DOC_KEYWORDS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "$comment",
];
/// Keywords whose object keys are names (of properties, definitions...), not keywords.
const NAMED_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "mapping",
];
/// Keywords whose values are data, kept whole.
const DATA_KEYWORDS: &[&str] = &["enum", "const", "default"];

/// A fingerprint of a schema: a 64-bit FNV-1a hash of its canonical JSON (keys sorted), without
/// the keywords that only document it (`description`, `title`, `example`...). Two components with
/// the same fingerprint accept the same values: if one disappears as the other appears, the
/// component was renamed.
pub fn fingerprint(schema: &Value) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum Role {
        Schema,
        Names,
        Data,
    }
    fn canonical(value: &Value, role: Role, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map
                    .keys()
                    .filter(|k| role != Role::Schema || !DOC_KEYWORDS.contains(&k.as_str()))
                    .collect();
                keys.sort();
                out.push('{');
                for key in keys {
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    let child = match role {
                        Role::Data => Role::Data,
                        Role::Names => Role::Schema,
                        Role::Schema if NAMED_KEYWORDS.contains(&key.as_str()) => Role::Names,
                        Role::Schema if DATA_KEYWORDS.contains(&key.as_str()) => Role::Data,
                        Role::Schema => Role::Schema,
                    };
                    canonical(&map[key], child, out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for item in items {
                    canonical(item, role, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    canonical(schema, Role::Schema, &mut text);
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_documentation_and_key_order() {
        let a: Value = serde_json::from_str(
            r#"{"type":"object","description":"A","properties":{"description":{"type":"string","title":"t"}}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"properties":{"description":{"type":"string"}},"type":"object"}"#,
        )
        .unwrap();
        let c: Value =
            serde_json::from_str(r#"{"type":"object","properties":{"other":{"type":"string"}}}"#)
                .unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(
            fingerprint(&a),
            fingerprint(&c),
            "property names are not documentation"
        );
        assert_eq!(fingerprint(&a).len(), 16);
    }
}
