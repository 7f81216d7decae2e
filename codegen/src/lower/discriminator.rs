//! Where a union's discriminator value is read: one rule, shared by lowering (`union.rs`, what
//! the generated `one_of!` dispatches on) and the example checker (`examples/check/`, which
//! decodes examples as the generated code will).
//!
//! OpenAPI says `propertyName` names a top-level property of the payload. Real documents also
//! write a path there: Autodesk's Data Management document tells command answers apart by
//! `attributes/extension/type`. Dispatching on a top-level property of that name would never
//! match (every answer would land in `Other`), so a `propertyName` holding `/` that no
//! alternative declares as a property is read as a path of keys (JSON pointer escapes
//! unescaped), when every alternative declares that path; otherwise the union is untagged.

use serde_json::{Map, Value};

use crate::error::Pointer;

/// The deepest `$ref`/`allOf` nesting followed when looking for a property.
const MAX_DEPTH: usize = 64;

/// Where the discriminator value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TagPlace {
    /// A top-level property (what OpenAPI specifies).
    Property(String),
    /// A path of keys into nested objects (`propertyName: attributes/extension/type`), which
    /// every alternative declares.
    Path(Vec<String>),
    /// A path some alternative does not declare: no dispatch can rely on it.
    Unusable(Vec<String>),
}

impl TagPlace {
    /// The keys leading to the value, or `None` when the union cannot be dispatched on it.
    pub(crate) fn keys(&self) -> Option<Vec<String>> {
        match self {
            TagPlace::Property(p) => Some(vec![p.clone()]),
            TagPlace::Path(keys) => Some(keys.clone()),
            TagPlace::Unusable(_) => None,
        }
    }
}

/// Where the discriminator of the union `schema` (raw JSON, its alternatives under `key`,
/// `oneOf` or `anyOf`) is read; `None` without a discriminator.
pub(crate) fn tag_place(raw: &Value, schema: &Map<String, Value>, key: &str) -> Option<TagPlace> {
    let property = schema.get("discriminator")?.get("propertyName")?.as_str()?;
    if !property.contains('/') {
        return Some(TagPlace::Property(property.to_owned()));
    }
    let alternatives: Vec<&Value> = schema
        .get(key)
        .and_then(Value::as_array)
        .map(|alts| alts.iter().filter(|a| !is_null(a)).collect())
        .unwrap_or_default();
    let literal = [property.to_owned()];
    if alternatives
        .iter()
        .any(|alt| declares(raw, alt, &literal, 0))
    {
        return Some(TagPlace::Property(property.to_owned()));
    }
    let keys: Vec<String> = property
        .strip_prefix('/')
        .unwrap_or(property)
        .split('/')
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect();
    let usable = !alternatives.is_empty()
        && keys.iter().all(|k| !k.is_empty())
        && alternatives.iter().all(|alt| declares(raw, alt, &keys, 0));
    Some(if usable {
        TagPlace::Path(keys)
    } else {
        TagPlace::Unusable(keys)
    })
}

/// Whether `schema` declares the property path `keys` (through `properties`, `$ref`s and
/// `allOf` parts).
fn declares(raw: &Value, schema: &Value, keys: &[String], depth: usize) -> bool {
    let Some((first, rest)) = keys.split_first() else {
        return true;
    };
    if depth > MAX_DEPTH {
        return false;
    }
    let Some(object) = schema.as_object() else {
        return false;
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        return Pointer::from_fragment(reference)
            .and_then(|p| p.lookup(raw))
            .is_some_and(|target| declares(raw, target, keys, depth + 1));
    }
    if let Some(property) = object.get("properties").and_then(|p| p.get(first))
        && declares(raw, property, rest, depth + 1)
    {
        return true;
    }
    object
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|parts| parts.iter().any(|p| declares(raw, p, keys, depth + 1)))
}

/// `{type: 'null'}`.
fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn place(doc: &Value) -> Option<TagPlace> {
        let schema = doc["components"]["schemas"]["U"].as_object().unwrap();
        tag_place(doc, schema, "oneOf")
    }

    fn doc(property: &str, b_extension: Value) -> Value {
        json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"attributes": {"type": "object", "properties": {
                "extension": {"type": "object", "properties": {"type": {"type": "string"}}}}}}},
            "B": {"allOf": [{"type": "object", "properties": {"attributes": {"type": "object",
                "properties": {"extension": b_extension}}}}]},
            "U": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                  "discriminator": {"propertyName": property}},
        }}})
    }

    #[test]
    fn a_path_every_alternative_declares_is_followed() {
        let ext = json!({"type": "object", "properties": {"type": {"type": "string"}}});
        assert_eq!(
            place(&doc("attributes/extension/type", ext.clone())),
            Some(TagPlace::Path(vec![
                "attributes".into(),
                "extension".into(),
                "type".into()
            ]))
        );
        assert_eq!(
            place(&doc("kind", ext)),
            Some(TagPlace::Property("kind".into()))
        );
    }

    #[test]
    fn a_path_an_alternative_lacks_is_unusable() {
        let found = place(&doc("attributes/extension/type", json!({"type": "object"})));
        assert!(matches!(&found, Some(TagPlace::Unusable(_))), "{found:?}");
        assert_eq!(found.and_then(|p| p.keys()), None);
    }

    #[test]
    fn a_property_whose_name_holds_a_slash_stays_a_property() {
        let mut d = doc("a/b", json!({"type": "object"}));
        d["components"]["schemas"]["A"]["properties"]["a/b"] = json!({"type": "string"});
        assert_eq!(place(&d), Some(TagPlace::Property("a/b".into())));
    }
}
