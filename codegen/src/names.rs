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
//!   inherits the pinned name, with a [`Warning`] that says so;
//! - every other named type (request bodies, inline objects and enums, success unions), by the
//!   JSON pointer of its schema.
//!
//! New items get fresh names that never take a pinned one; the map produced by a run
//! ([`Generated::names`](crate::Generated)) holds exactly the items of the document, so entries of
//! items that disappeared are dropped. A deliberate rename is an edit of the map's value. A map
//! produced from a document, given back with the same document, reproduces every name.
//!
//! How it works: component names are claimed in `lower/components.rs`, pinned first. Other types
//! are named where the schema is lowered, which does not know its pointer; so when the map pins
//! such types, the document is lowered twice: the first pass records the pointer of the type each
//! `new_type` call creates, the second hands the pinned name to that call. Method and builder
//! names depend on nothing else and are applied after lowering.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Options;
use crate::error::{ErrorKind, Pointer, SpecError, Warning};
use crate::load::Document;
use crate::lower::{self, Named};
use crate::model::{Api, Operation};
use crate::naming::{self, Namespace};

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

    /// The names `api` was generated with, for the document it was lowered from (`named`: how
    /// the lowering named its components).
    fn from_api(api: &Api, doc: &Document, named: &Named) -> NameMap {
        let mut map = NameMap::default();
        for op in &api.operations {
            map.operations.insert(operation_key(op), op.fn_name.clone());
            map.builders.insert(operation_key(op), op.builder.clone());
        }
        let mut component_types = BTreeSet::new();
        for (component, (_, name)) in &named.components {
            map.schemas.insert(component.clone(), name.clone());
            component_types.insert(name.as_str());
            if let Some(schema) = component_schema(doc, component) {
                map.fingerprints
                    .insert(component.clone(), fingerprint(schema));
            }
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &api.types {
            *seen.entry(t.pointer.as_str()).or_default() += 1;
        }
        for t in &api.types {
            if t.pointer.is_empty()
                || seen[t.pointer.as_str()] > 1
                || component_types.contains(t.name.as_str())
            {
                continue;
            }
            map.inline
                .insert(inline_key(&doc.raw, &t.pointer), t.name.clone());
        }
        map
    }
}

/// The key of an operation in a [`NameMap`]: `METHOD /path` (`POST /authentication/v2/token`),
/// which does not depend on its `operationId`.
pub fn operation_key(op: &Operation) -> String {
    format!("{} {}", op.method, op.path)
}

/// `#/components/schemas/<name>`, escaped.
fn component_pointer(name: &str) -> String {
    Pointer::root()
        .push("components")
        .push("schemas")
        .push(name)
        .to_string()
}

/// The component schema names, in document order.
fn component_names(doc: &Document) -> Vec<String> {
    doc.spec
        .components
        .as_ref()
        .map(|c| c.schemas.keys().cloned().collect())
        .unwrap_or_default()
}

fn component_schema<'d>(doc: &'d Document, name: &str) -> Option<&'d Value> {
    doc.raw.get("components")?.get("schemas")?.get(name)
}

/// Whether the document has the operation a `METHOD /path` key names.
fn has_operation(doc: &Document, key: &str) -> bool {
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
fn pointer_of_key(raw: &Value, key: &str) -> Option<String> {
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

/// The pinned names that apply to the document being lowered: only items it still has, under
/// their current keys (a renamed component's entries moved to its new name).
#[derive(Debug, Default)]
pub(crate) struct Pins {
    /// Component name -> type name.
    components: BTreeMap<String, String>,
    /// [`inline_key`] -> type name, for types that are not components.
    inline: BTreeMap<String, String>,
    /// `METHOD /path` -> method name.
    methods: BTreeMap<String, String>,
    /// `METHOD /path` -> builder type name.
    builders: BTreeMap<String, String>,
    /// Second lowering pass: the pinned name of the type the n-th `new_type` call creates.
    by_call: Vec<Option<String>>,
}

impl Pins {
    /// The pinned type name of a component schema.
    pub(crate) fn component(&self, name: &str) -> Option<&str> {
        self.components.get(name).map(String::as_str)
    }

    /// The pinned name of the type the `index`-th `new_type` call creates.
    pub(crate) fn for_call(&self, index: usize) -> Option<&str> {
        self.by_call.get(index)?.as_deref()
    }

    /// Takes every pinned type name in `ns`, so that no fresh name can take one.
    pub(crate) fn reserve_types(&self, ns: &mut Namespace) {
        let names = self
            .components
            .values()
            .chain(self.inline.values())
            .chain(self.builders.values());
        for name in names {
            ns.reserve(name);
        }
    }

    /// The pins of `map` that apply to `doc`, with a warning per renamed component. A name that
    /// is not a Rust identifier of its kind, is reserved, or is pinned twice is refused.
    fn resolve(map: &NameMap, doc: &Document) -> Result<(Pins, Vec<Warning>), SpecError> {
        let mut pins = Pins::default();
        let mut warnings = Vec::new();
        let current = component_names(doc);
        for name in &current {
            if let Some(pinned) = map.schemas.get(name) {
                pins.components.insert(name.clone(), pinned.clone());
            }
        }
        let renamed = renamed_components(map, doc, &current);
        for (old, new) in &renamed {
            let pinned = &map.schemas[old];
            pins.components.insert(new.clone(), pinned.clone());
            warnings.push(Warning {
                pointer: Pointer::from_fragment(&component_pointer(new)).unwrap_or_default(),
                message: format!(
                    "the schema `{new}` is `{old}` renamed (the same schema): it keeps the Rust \
                     name `{pinned}`; to rename the type, edit its entry in the name map"
                ),
            });
        }
        for (ptr, name) in &map.inline {
            // The inline types of a renamed component moved with it.
            let ptr = renamed
                .iter()
                .find_map(|(old, new)| {
                    let rest = ptr.strip_prefix(&format!("{}/", component_pointer(old)))?;
                    Some(format!("{}/{rest}", component_pointer(new)))
                })
                .unwrap_or_else(|| ptr.clone());
            if pointer_of_key(&doc.raw, &ptr).is_some() {
                pins.inline.insert(ptr, name.clone());
            }
        }
        for (section, pinned) in [
            (&map.operations, &mut pins.methods),
            (&map.builders, &mut pins.builders),
        ] {
            for (key, name) in section {
                if has_operation(doc, key) {
                    pinned.insert(key.clone(), name.clone());
                }
            }
        }
        pins.validate()?;
        Ok((pins, warnings))
    }

    /// Refuses pins that are not identifiers of their kind, reserved, or given to two items.
    fn validate(&self) -> Result<(), SpecError> {
        let refuse = |at: String, message: String| {
            SpecError::new(
                Pointer::from_fragment(&at).unwrap_or_default(),
                ErrorKind::Unsupported(format!("name map: {message}")),
            )
        };
        let operation_ptr = |key: &str| {
            let (method, path) = key.split_once(' ').unwrap_or_default();
            Pointer::root()
                .push("paths")
                .push(path)
                .push(method.to_ascii_lowercase())
                .to_string()
        };
        let reserved = naming::reserved_type_names();
        let types = self
            .components
            .iter()
            .map(|(c, n)| (component_pointer(c), n))
            .chain(self.inline.iter().map(|(p, n)| (p.clone(), n)))
            .chain(self.builders.iter().map(|(k, n)| (operation_ptr(k), n)));
        let mut taken: BTreeMap<&str, String> = BTreeMap::new();
        for (at, name) in types {
            if !naming::is_type_name(name) {
                return Err(refuse(
                    at,
                    format!("`{name}` is not a type name (an identifier in UpperCamelCase)"),
                ));
            }
            if reserved.contains(&name.as_str()) {
                return Err(refuse(
                    at,
                    format!(
                        "`{name}` is reserved (the prelude, the runtime or every module uses it)"
                    ),
                ));
            }
            if let Some(first) = taken.insert(name, at.clone()) {
                return Err(refuse(
                    at,
                    format!("`{name}` is pinned twice (also for {first})"),
                ));
            }
        }
        let mut taken: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, name) in &self.methods {
            let at = operation_ptr(key);
            if !naming::is_fn_name(name) {
                return Err(refuse(
                    at,
                    format!("`{name}` is not a method name (an identifier in snake_case)"),
                ));
            }
            if let Some(first) = taken.insert(name, key) {
                return Err(refuse(
                    at,
                    format!("`{name}` is pinned twice (also for `{first}`)"),
                ));
            }
        }
        Ok(())
    }
}

/// Components that disappeared from the map's document, each paired with the new component that
/// has its fingerprint, when exactly one new component has it and exactly one old one had it.
fn renamed_components(map: &NameMap, doc: &Document, current: &[String]) -> Vec<(String, String)> {
    let gone: Vec<&String> = map
        .schemas
        .keys()
        .filter(|k| !current.contains(k))
        .collect();
    let new: Vec<(&String, String)> = current
        .iter()
        .filter(|c| !map.schemas.contains_key(*c))
        .filter_map(|c| Some((c, fingerprint(component_schema(doc, c)?))))
        .collect();
    if gone.is_empty() || new.is_empty() {
        return Vec::new();
    }
    let mut pairs = Vec::new();
    for (name, print) in &new {
        let old: Vec<&&String> = gone
            .iter()
            .filter(|g| map.fingerprints.get(g.as_str()) == Some(print))
            .collect();
        let twins = new.iter().filter(|(_, p)| p == print).count();
        if let ([old], 1) = (old.as_slice(), twins) {
            pairs.push(((**old).clone(), (*name).clone()));
        }
    }
    pairs
}

/// Lowers `doc` with the names `options.names` pins; returns the model, the warnings and the map
/// of the names it has.
pub(crate) fn lower_with_names(
    doc: &Document,
    options: &Options,
) -> Result<(Api, Vec<Warning>, NameMap), SpecError> {
    let (mut pins, mut warnings) = match &options.names {
        Some(map) => Pins::resolve(map, doc)?,
        None => (Pins::default(), Vec::new()),
    };
    let (mut api, lowering_warnings, named) = if pins.inline.is_empty() {
        lower::lower_pinned(doc, options, &pins)?
    } else {
        // Pass 1, without inline pins, learns the pointer of the type each `new_type` call
        // creates; pass 2 reserves the pinned names of those types and hands them out. A pin
        // whose schema is still there but is no longer a type of its own reserves nothing.
        let inline = std::mem::take(&mut pins.inline);
        let (_, _, first) = lower::lower_pinned(doc, options, &pins)?;
        pins.by_call = pinned_by_call(&first, &inline, doc);
        pins.inline = pins_of_created(&first.created, inline, doc);
        let (api, warnings, named) = lower::lower_pinned(doc, options, &pins)?;
        if named.created != first.created {
            return Err(SpecError::new(
                Pointer::root(),
                ErrorKind::Internal("the two lowering passes created different types".into()),
            ));
        }
        (api, warnings, named)
    };
    apply_operation_pins(&mut api.operations, &pins);
    warnings.extend(lowering_warnings);
    let map = NameMap::from_api(&api, doc, &named);
    Ok((api, warnings, map))
}

/// For each `new_type` call (by the pointer of the type it created), the pinned name, if any:
/// components are named by `components.rs`, and a pointer two types share pins neither.
fn pinned_by_call(
    named: &Named,
    inline: &BTreeMap<String, String>,
    doc: &Document,
) -> Vec<Option<String>> {
    let components: BTreeSet<usize> = named.components.values().map(|(i, _)| *i).collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for ptr in &named.created {
        *count.entry(ptr.as_str()).or_default() += 1;
    }
    named
        .created
        .iter()
        .enumerate()
        .map(|(i, ptr)| {
            if ptr.is_empty() || components.contains(&i) || count[ptr.as_str()] > 1 {
                return None;
            }
            inline.get(&inline_key(&doc.raw, ptr)).cloned()
        })
        .collect()
}

/// The inline pins of types pass 1 created.
fn pins_of_created(
    created: &[String],
    mut inline: BTreeMap<String, String>,
    doc: &Document,
) -> BTreeMap<String, String> {
    let keys: BTreeSet<String> = created.iter().map(|p| inline_key(&doc.raw, p)).collect();
    inline.retain(|key, _| keys.contains(key));
    inline
}

/// Pinned method and builder names; an unpinned method whose fresh name a pinned one took gets
/// the next free variant of it. (Unpinned builders already avoid pinned names: they are reserved
/// in the type namespace.)
fn apply_operation_pins(ops: &mut [Operation], pins: &Pins) {
    let mut ns = Namespace::default();
    let mut unpinned = Vec::new();
    for (i, op) in ops.iter_mut().enumerate() {
        let key = operation_key(op);
        if let Some(builder) = pins.builders.get(&key) {
            op.builder = builder.clone();
        }
        match pins.methods.get(&key) {
            Some(name) => {
                op.fn_name = name.clone();
                ns.reserve(name);
            }
            None => unpinned.push(i),
        }
    }
    let mut collided = Vec::new();
    for &i in &unpinned {
        if ns.is_taken(&ops[i].fn_name) {
            collided.push(i);
        } else {
            ns.reserve(&ops[i].fn_name);
        }
    }
    for i in collided {
        ops[i].fn_name = ns.claim(&ops[i].fn_name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lowers `openapi: 3.1.0` + `info` + `body` with `map`; the model, warnings and new map.
    fn run(body: &str, map: Option<&NameMap>) -> (Api, Vec<Warning>, NameMap) {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
        let doc = crate::load::load(&text).unwrap_or_else(|e| panic!("{e}"));
        let options = Options {
            names: map.cloned(),
            ..Options::default()
        };
        lower_with_names(&doc, &options).unwrap_or_else(|e| panic!("{e}"))
    }

    fn type_names(api: &Api) -> Vec<&str> {
        api.types.iter().map(|t| t.name.as_str()).collect()
    }

    fn fn_names(api: &Api) -> Vec<&str> {
        api.operations.iter().map(|o| o.fn_name.as_str()).collect()
    }

    const TOKEN: &str = "paths:\n  /token:\n    post:\n      operationId: getToken\n      requestBody: {content: {application/json: {schema: {type: object, properties: {grant: {type: string, enum: [a, b]}}}}}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Token'}}}}}\ncomponents:\n  schemas:\n    Token: {type: object, description: A token., properties: {value: {type: string}, kind: {type: string, enum: [x, y]}}}\n";

    #[test]
    fn the_map_is_sorted_pretty_json_and_round_trips() {
        let (_, _, map) = run(TOKEN, None);
        let json = map.to_json();
        assert!(
            json.starts_with("{\n  \"builders\": {\n    \"POST /token\": \"GetTokenCall\""),
            "{json}"
        );
        let sections: Vec<usize> = [
            "builders",
            "fingerprints",
            "inline",
            "operations",
            "schemas",
        ]
        .iter()
        .map(|s| json.find(&format!("\"{s}\"")).unwrap())
        .collect();
        assert!(sections.is_sorted(), "{json}");
        assert_eq!(NameMap::from_json(&json), Ok(map.clone()));
        assert_eq!(map.operations["POST /token"], "get_token");
        assert_eq!(map.schemas["Token"], "Token");
        assert_eq!(
            map.inline["#/paths/~1token/post/requestBody/content/application~1json/schema"],
            "GetTokenRequest"
        );
        assert_eq!(
            map.inline["#/components/schemas/Token/properties/kind"],
            "TokenKind"
        );
        assert!(NameMap::from_json("{\"typo\": {}}").is_err());
        assert_eq!(NameMap::from_json("{}"), Ok(NameMap::default()));
    }

    #[test]
    fn a_map_reproduces_the_names_it_was_made_from() {
        let (fresh, _, map) = run(TOKEN, None);
        let (pinned, warnings, again) = run(TOKEN, Some(&map));
        assert_eq!(pinned, fresh);
        assert_eq!(again, map);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn dropping_an_operation_id_keeps_every_name() {
        let (fresh, _, map) = run(TOKEN, None);
        let without = TOKEN.replace("      operationId: getToken\n", "");
        let (unpinned, _, _) = run(&without, None);
        assert_eq!(
            fn_names(&unpinned),
            ["post_token"],
            "the test needs a name that changes"
        );
        let (pinned, _, again) = run(&without, Some(&map));
        assert_eq!(fn_names(&pinned), fn_names(&fresh));
        assert_eq!(type_names(&pinned), type_names(&fresh));
        assert_eq!(pinned.operations[0].builder, "GetTokenCall");
        assert_eq!(again, map);
    }

    #[test]
    fn a_renamed_schema_keeps_its_name_with_a_warning() {
        let (_, _, map) = run(TOKEN, None);
        let renamed = TOKEN
            .replace(
                "Token: {type: object, description: A token.",
                "AccessToken: {type: object, description: Renamed.",
            )
            .replace("schemas/Token'", "schemas/AccessToken'");
        let (api, warnings, again) = run(&renamed, Some(&map));
        assert!(
            type_names(&api).contains(&"Token"),
            "{:?}",
            type_names(&api)
        );
        assert!(
            type_names(&api).contains(&"TokenKind"),
            "inline types move with it"
        );
        assert!(
            !type_names(&api)
                .iter()
                .any(|n| n.starts_with("AccessToken"))
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(
            warnings[0].pointer.to_string(),
            "#/components/schemas/AccessToken"
        );
        assert!(
            warnings[0].message.contains("`Token` renamed"),
            "{}",
            warnings[0]
        );
        assert_eq!(again.schemas["AccessToken"], "Token");
        assert!(
            !again.schemas.contains_key("Token"),
            "the old entry is dropped"
        );
        assert_eq!(
            again.inline["#/components/schemas/AccessToken/properties/kind"],
            "TokenKind"
        );

        // A changed schema under a new name is a new schema.
        let changed = renamed.replace("value: {type: string}", "value: {type: integer}");
        let (api, warnings, _) = run(&changed, Some(&map));
        assert!(type_names(&api).contains(&"AccessToken"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn reordered_colliding_names_keep_their_names() {
        let two = "components:\n  schemas:\n    a-b: {type: object, properties: {x: {type: string}}}\n    a_b: {type: object, properties: {y: {type: string}}}\n";
        let (fresh, _, map) = run(two, None);
        assert_eq!(map.schemas["a-b"], "AB");
        assert_eq!(map.schemas["a_b"], "AB2");
        let swapped = "components:\n  schemas:\n    a_b: {type: object, properties: {y: {type: string}}}\n    a-b: {type: object, properties: {x: {type: string}}}\n";
        let (unpinned, _, _) = run(swapped, None);
        assert_eq!(
            type_names(&unpinned),
            ["AB", "AB2"],
            "unpinned, the first one wins"
        );
        let (pinned, _, _) = run(swapped, Some(&map));
        assert_eq!(type_names(&pinned), ["AB2", "AB"]);
        assert_eq!(type_names(&fresh), ["AB", "AB2"]);
    }

    #[test]
    fn new_items_never_take_a_pinned_name_and_gone_ones_are_dropped() {
        let mut map = NameMap::default();
        map.schemas.insert("Old".into(), "Fresh".into());
        map.schemas.insert("Gone".into(), "Gone".into());
        map.operations.insert("GET /gone".into(), "gone".into());
        let body = "components:\n  schemas:\n    Old: {type: string}\n    Fresh: {type: integer}\n";
        let (api, _, again) = run(body, Some(&map));
        assert_eq!(type_names(&api), ["Fresh", "Fresh2"]);
        assert_eq!(again.schemas.len(), 2);
        assert_eq!(again.schemas["Fresh"], "Fresh2");
        assert!(again.operations.is_empty());
    }

    #[test]
    fn a_deliberate_rename_is_an_edit_of_the_map() {
        let (_, _, mut map) = run(TOKEN, None);
        map.operations
            .insert("POST /token".into(), "fetch_token".into());
        map.schemas.insert("Token".into(), "AccessToken".into());
        let (api, warnings, again) = run(TOKEN, Some(&map));
        assert_eq!(fn_names(&api), ["fetch_token"]);
        assert!(type_names(&api).contains(&"AccessToken"));
        assert!(warnings.is_empty());
        assert_eq!(again, map);
    }

    #[test]
    fn a_pinned_method_name_wins_over_a_fresh_one() {
        let mut map = NameMap::default();
        map.operations.insert("GET /a".into(), "get_b".into());
        let body = "paths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n  /b: {get: {responses: {'200': {description: ok}}}}\n";
        let (api, _, _) = run(body, Some(&map));
        assert_eq!(fn_names(&api), ["get_b", "get_b_2"]);
    }

    #[test]
    fn bad_pins_are_refused() {
        for (section, key, name, expected) in [
            ("schemas", "Token", "token", "not a type name"),
            ("schemas", "Token", "Option", "is reserved"),
            ("schemas", "Token", "GetTokenRequest", "pinned twice"),
            ("operations", "POST /token", "GetToken", "not a method name"),
        ] {
            let (_, _, mut map) = run(TOKEN, None);
            let entries = match section {
                "schemas" => &mut map.schemas,
                _ => &mut map.operations,
            };
            entries.insert(key.into(), name.into());
            let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{TOKEN}");
            let doc = crate::load::load(&text).unwrap();
            let options = Options {
                names: Some(map),
                ..Options::default()
            };
            let err = lower_with_names(&doc, &options).unwrap_err();
            assert!(err.to_string().contains(expected), "{name}: {err}");
        }
    }

    #[test]
    fn a_new_parameter_moves_no_pinned_parameter_type() {
        let body = "paths:\n  /a:\n    get:\n      operationId: a\n      parameters:\n        - {name: mode, in: query, schema: {type: string, enum: [x, y]}}\n      responses: {'200': {description: ok}}\n";
        let (_, _, map) = run(body, None);
        assert_eq!(
            map.inline["#/paths/~1a/get/parameters/query:mode/schema"],
            "AMode"
        );
        let added = body.replace(
            "        - {name: mode",
            "        - {name: kind, in: query, schema: {type: string, enum: [p, q]}}\n        - {name: mode",
        );
        let mut renamed = map.clone();
        renamed.inline.insert(
            "#/paths/~1a/get/parameters/query:mode/schema".into(),
            "Mode".into(),
        );
        let (api, _, again) = run(&added, Some(&renamed));
        assert_eq!(type_names(&api), ["AKind", "Mode"]);
        assert_eq!(
            again.inline["#/paths/~1a/get/parameters/query:kind/schema"],
            "AKind"
        );
    }

    #[test]
    fn a_pin_whose_schema_is_no_longer_a_type_reserves_nothing() {
        let body = "paths:\n  /a:\n    get:\n      operationId: a\n      parameters:\n        - {name: mode, in: query, schema: {type: string}}\n        - {name: kind, in: query, schema: {type: string, enum: [x]}}\n      responses: {'200': {description: ok}}\n";
        let mut map = NameMap::default();
        // `mode` was an enum named `AKind` once; now it is a plain string.
        map.inline.insert(
            "#/paths/~1a/get/parameters/query:mode/schema".into(),
            "AKind".into(),
        );
        let (api, _, again) = run(body, Some(&map));
        assert_eq!(type_names(&api), ["AKind"]);
        assert_eq!(again.inline.len(), 1);
        assert_eq!(
            again.inline["#/paths/~1a/get/parameters/query:kind/schema"],
            "AKind"
        );
    }

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
