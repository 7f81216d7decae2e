//! The name map: the Rust names a document's items were published under, pinned so that an edit
//! of the document that leaves an item alone leaves its name alone.
//!
//! Without a map every name is derived from the document (an `operationId`, a schema name, a
//! parent type and a property), so dropping an `operationId`, renaming a schema or reordering
//! colliding names silently renames Rust items. `cargo xtask generate` keeps one [`NameMap`] per
//! document (`spec/names/<document file name>.json`) and passes it back in
//! [`crate::Options::names`]; lowering then uses the pinned names:
//!
//! - operations, by `METHOD /path`: the method name and its call builder's type name;
//! - component schemas, by component name; a component that disappears while a new one appears
//!   with the same schema (documentation aside, see [`fingerprint`]) is a rename: the new one
//!   inherits the pinned name, with a [`Warning`](crate::Warning) that says so;
//! - every other named type (request bodies, inline objects and enums, success unions), by the
//!   JSON pointer of its schema. Identical inline schemas share one type (`lower/merge.rs`),
//!   pinned by the pointer of the copy that stands for the group; a new copy merges into it and
//!   the group keeps its pinned name, so adding one renames nothing. (Several inline entries may
//!   share a name, as a hand edit or an older map may have it.)
//!
//! New items get fresh names that never take a pinned one; the map produced by a run
//! ([`Generated::names`](crate::Generated)) holds exactly the items of the document, so entries of
//! items that disappeared are dropped. A deliberate rename is an edit of the map's value. A map
//! produced from a document, given back with the same document, reproduces every name.
//!
//! How it works: this module owns the map, its keys ([`operation_key`], [`inline_key`]) and
//! [`fingerprint`]; `pins.rs` resolves a map against a document (renamed components, entries of
//! items still there, refusals). Lowering uses the result and never the other way round:
//! component names are claimed in `lower/components.rs`, pinned first; every other type takes its
//! pinned name where it is created, by the pointer of its schema (`Lowerer::inline_name`); method
//! and builder names, which depend on nothing else, are applied after lowering, and the map of
//! the result is made there too (`lower/pinning.rs`).

mod fingerprint;
mod pins;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Pointer;
use crate::load::Document;
use crate::model::Operation;

pub use fingerprint::fingerprint;
pub(crate) use pins::Pins;

/// The Rust names of one document's items. Serialized as pretty JSON with sorted keys
/// ([`NameMap::to_json`]); every section may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameMap {
    /// `METHOD /path` -> the type name of the operation's call builder (`GetTokenCall`).
    #[serde(default)]
    pub builders: BTreeMap<String, String>,
    /// Component schema name -> [`fingerprint`] of its schema, to recognise a renamed component.
    #[serde(default)]
    pub fingerprints: BTreeMap<String, String>,
    /// JSON pointer of a schema the document does not name (a parameter named by its place and
    /// name, see [`inline_key`]) -> its type name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// [`inline_key`] of a schema whose type merged into an identical one -> that type's name.
    /// A record for readers and the change report, not a pin.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub merged: BTreeMap<String, String>,
    /// `METHOD /path` -> the method name (`POST /authentication/v2/token` -> `get_token`).
    #[serde(default)]
    pub operations: BTreeMap<String, String>,
    /// Component schema name -> its type name.
    #[serde(default)]
    pub schemas: BTreeMap<String, String>,
    /// A fingerprint of the document's text when the map was written (`cargo xtask generate`
    /// sets it), so the next run knows whether the document changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl NameMap {
    /// Reads a map written by [`NameMap::to_json`] (or edited by hand).
    pub fn from_json(text: &str) -> Result<NameMap, String> {
        serde_json::from_str(text).map_err(|e| format!("not a name map: {e}"))
    }

    /// Pretty JSON, keys sorted, with a final newline: the same map always gives the same bytes.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The key of an operation in a [`NameMap`]: `METHOD /path` (`POST /authentication/v2/token`),
/// which does not depend on its `operationId`.
pub fn operation_key(op: &Operation) -> String {
    format!("{} {}", op.method, op.path)
}

/// `#/components/schemas/<name>`, escaped.
pub(crate) fn component_pointer(name: &str) -> String {
    Pointer::root()
        .push("components")
        .push("schemas")
        .push(name)
        .to_string()
}

/// The component schema names, in document order.
pub(crate) fn component_names(doc: &Document) -> Vec<String> {
    doc.spec
        .components
        .as_ref()
        .map(|c| c.schemas.keys().cloned().collect())
        .unwrap_or_default()
}

pub(crate) fn component_schema<'d>(doc: &'d Document, name: &str) -> Option<&'d Value> {
    doc.raw.get("components")?.get("schemas")?.get(name)
}

/// Whether the document has the operation a `METHOD /path` key names.
pub(crate) fn has_operation(doc: &Document, key: &str) -> bool {
    key.split_once(' ').is_some_and(|(method, path)| {
        Pointer::root()
            .push("paths")
            .push(path)
            .push(method.to_ascii_lowercase())
            .lookup(&doc.raw)
            .is_some()
    })
}

/// The key of a type in [`NameMap::inline`]: the JSON pointer of its schema, except that an
/// operation's parameter is named by where it goes and its name (`parameters/query:prompt`)
/// rather than by its index, so adding or removing a parameter moves no other one.
pub fn inline_key(raw: &Value, pointer: &str) -> String {
    let Some(ptr) = Pointer::from_fragment(pointer) else {
        return pointer.to_owned();
    };
    let mut value = Some(raw);
    let mut key = Pointer::root();
    let mut in_parameters = false;
    for token in ptr.tokens() {
        let next = value.and_then(|v| match v {
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(&token),
            _ => None,
        });
        let named = match next {
            Some(param) if in_parameters && value.is_some_and(Value::is_array) => {
                let field = |f: &str| param.get(f).and_then(Value::as_str);
                field("in")
                    .zip(field("name"))
                    .map(|(place, name)| format!("{place}:{name}"))
            }
            _ => None,
        };
        key = key.push(named.as_deref().unwrap_or(&token));
        in_parameters = token == "parameters";
        value = next;
    }
    key.to_string()
}

/// The JSON pointer an [`inline_key`] stands for in `raw`, if `raw` has it.
pub(crate) fn pointer_of_key(raw: &Value, key: &str) -> Option<String> {
    let ptr = Pointer::from_fragment(key)?;
    let mut value = raw;
    let mut real = Pointer::root();
    let mut in_parameters = false;
    for token in ptr.tokens() {
        let (next, index) = match value {
            Value::Array(items) if in_parameters && token.contains(':') => {
                let (place, name) = token.split_once(':')?;
                let field =
                    |p: &Value, f: &str| p.get(f).and_then(Value::as_str).map(str::to_owned);
                let i = items.iter().position(|p| {
                    field(p, "in").as_deref() == Some(place)
                        && field(p, "name").as_deref() == Some(name)
                })?;
                (&items[i], Some(i.to_string()))
            }
            Value::Array(items) => (items.get(token.parse::<usize>().ok()?)?, None),
            Value::Object(map) => (map.get(&token)?, None),
            _ => return None,
        };
        real = real.push(index.as_deref().unwrap_or(&token));
        in_parameters = token == "parameters";
        value = next;
    }
    Some(real.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_keys_name_parameters_and_stand_for_pointers() {
        let raw: Value = serde_json::from_str(
            r#"{"paths":{"/a":{"parameters":[{"name":"p","in":"path"}],"get":{"parameters":[{"$ref":"x"},{"name":"q","in":"query","schema":{"oneOf":[{"type":"string"}]}}]}}}}"#,
        )
        .unwrap();
        let ptr = "#/paths/~1a/get/parameters/1/schema/oneOf/0";
        let key = inline_key(&raw, ptr);
        assert_eq!(key, "#/paths/~1a/get/parameters/query:q/schema/oneOf/0");
        assert_eq!(pointer_of_key(&raw, &key).as_deref(), Some(ptr));
        assert_eq!(
            inline_key(&raw, "#/paths/~1a/get/parameters/0"),
            "#/paths/~1a/get/parameters/0"
        );
        assert_eq!(
            inline_key(&raw, "#/paths/~1a/parameters/0"),
            "#/paths/~1a/parameters/path:p"
        );
        assert_eq!(
            pointer_of_key(&raw, "#/paths/~1a/get/parameters/query:gone"),
            None
        );
        assert_eq!(pointer_of_key(&raw, "#/paths/~1b"), None);
    }
}
