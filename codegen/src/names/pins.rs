//! [`Pins`]: a name map resolved against the document being lowered: the entries of items it
//! still has under their current keys (a renamed component's entries moved to its new name),
//! every pinned name checked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    NameMap, component_names, component_pointer, component_schema, fingerprint, has_operation,
    inline_key, pointer_of_key,
};
use crate::error::{ErrorKind, Pointer, SpecError, Warning};
use crate::load::Document;
use crate::naming::{self, Namespace};

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
}

impl Pins {
    /// The pinned type name of a component schema.
    pub(crate) fn component(&self, name: &str) -> Option<&str> {
        self.components.get(name).map(String::as_str)
    }

    /// The pinned name of the type (not a component) created for the schema at `pointer` of the
    /// document `raw`.
    pub(crate) fn inline(&self, raw: &Value, pointer: &Pointer) -> Option<&str> {
        if self.inline.is_empty() {
            return None;
        }
        let key = inline_key(raw, &pointer.to_string());
        self.inline.get(&key).map(String::as_str)
    }

    /// Drops the inline pins whose names are not in `given` (their schema is still in the
    /// document but is no longer a type of its own); whether any was dropped.
    pub(crate) fn keep_inline(&mut self, given: &BTreeSet<String>) -> bool {
        let before = self.inline.len();
        self.inline.retain(|_, name| given.contains(name));
        self.inline.len() != before
    }

    /// The pinned method name of the operation `key` (`METHOD /path`) names.
    pub(crate) fn method(&self, key: &str) -> Option<&str> {
        self.methods.get(key).map(String::as_str)
    }

    /// The pinned builder type name of the operation `key` (`METHOD /path`) names.
    pub(crate) fn builder(&self, key: &str) -> Option<&str> {
        self.builders.get(key).map(String::as_str)
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
    pub(crate) fn resolve(
        map: &NameMap,
        doc: &Document,
    ) -> Result<(Pins, Vec<Warning>), SpecError> {
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

    /// Refuses pins that are not identifiers of their kind, reserved, or given to two items
    /// (several inline schemas may share a name: the type they merged into).
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
            .map(|(c, n)| (component_pointer(c), n, false))
            .chain(self.inline.iter().map(|(p, n)| (p.clone(), n, true)))
            .chain(
                self.builders
                    .iter()
                    .map(|(k, n)| (operation_ptr(k), n, false)),
            );
        let mut taken: BTreeMap<&str, (String, bool)> = BTreeMap::new();
        for (at, name, inline) in types {
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
            // Identical inline schemas share one type, so one name for several inline schemas
            // is what the map of a merged type holds.
            match taken.insert(name, (at.clone(), inline)) {
                Some((_, true)) if inline => {}
                Some((first, _)) => {
                    return Err(refuse(
                        at,
                        format!("`{name}` is pinned twice (also for {first})"),
                    ));
                }
                None => {}
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
