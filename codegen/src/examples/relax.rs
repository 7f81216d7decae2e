//! Changing a schema node so that the example that contradicts it decodes, and nothing more.
//!
//! Nodes are changed deepest first, so that wrapping a node (`anyOf: [node, ...]`) never moves
//! one still to be changed. A node made "any JSON value" takes no other change, nor do the nodes
//! inside it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::check::{Finding, Problem};
use super::{Decision, Relaxation};
use crate::error::Pointer;

/// The extension that makes a schema one-or-many (`lower/schema.rs` reads it).
pub(super) const ONE_OR_MANY: &str = "x-one-or-many";

/// Keys a node made "any JSON value" keeps: its documentation.
const DOC_KEYS: [&str; 6] = [
    "title",
    "description",
    "deprecated",
    "readOnly",
    "writeOnly",
    "default",
];

/// Applies the findings to the document; returns what was changed.
pub(super) fn apply(raw: &mut Value, findings: Vec<Finding>) -> Vec<Decision> {
    let mut by_node: BTreeMap<Pointer, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        by_node
            .entry(finding.schema.clone())
            .or_default()
            .push(finding);
    }
    let any_nodes: Vec<String> = by_node
        .iter()
        .filter(|(_, fs)| {
            fs.iter()
                .any(|f| matches!(f.problem, Problem::WrongType { .. }))
        })
        .map(|(p, _)| p.to_string())
        .collect();
    let under_any = |ptr: &Pointer| {
        let text = ptr.to_string();
        any_nodes.iter().any(|node| {
            text.len() > node.len()
                && text.starts_with(node.as_str())
                && text.as_bytes()[node.len()] == b'/'
        })
    };
    let mut nodes: Vec<(Pointer, Vec<Finding>)> =
        by_node.into_iter().filter(|(p, _)| !under_any(p)).collect();
    // Deepest first; ties in pointer order.
    nodes.sort_by(|(a, _), (b, _)| b.tokens().count().cmp(&a.tokens().count()).then(a.cmp(b)));
    let mut decisions = Vec::new();
    for (ptr, findings) in nodes {
        let Some(node) = lookup_mut(raw, &ptr) else {
            continue;
        };
        decisions.extend(relax_node(node, &ptr, &findings));
    }
    decisions
}

fn lookup_mut<'a>(raw: &'a mut Value, ptr: &Pointer) -> Option<&'a mut Value> {
    let text = ptr.to_string();
    let path = text.strip_prefix('#').unwrap_or(&text);
    if path.is_empty() {
        Some(raw)
    } else {
        raw.pointer_mut(path)
    }
}

/// Changes one node for all the findings about it.
fn relax_node(node: &mut Value, ptr: &Pointer, findings: &[Finding]) -> Vec<Decision> {
    let Some(object) = node.as_object_mut() else {
        return Vec::new();
    };
    let decision = |relaxation: Relaxation, example: &Pointer| Decision {
        schema: ptr.clone(),
        relaxation,
        example: example.clone(),
    };
    if let Some(f) = findings
        .iter()
        .find(|f| matches!(f.problem, Problem::WrongType { .. }))
    {
        let Problem::WrongType { declared, shown } = &f.problem else {
            unreachable!()
        };
        let mut kept: Map<String, Value> = DOC_KEYS
            .iter()
            .filter_map(|k| object.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let note = format!(
            "The document declares {declared} here, but its own example shows {shown}, so any JSON value is accepted."
        );
        let description = match kept.get("description").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim_end()),
            _ => note,
        };
        kept.insert("description".into(), Value::String(description));
        *object = kept;
        return vec![decision(
            Relaxation::AnyValue {
                declared: declared.clone(),
                shown: shown.clone(),
            },
            &f.example,
        )];
    }
    let mut decisions = Vec::new();
    // In place first: required, enum values, integers.
    for f in findings {
        match &f.problem {
            Problem::Missing { property } => {
                if let Some(Value::Array(required)) = object.get_mut("required") {
                    let before = required.len();
                    required.retain(|r| r.as_str() != Some(property));
                    if required.len() != before {
                        decisions.push(decision(
                            Relaxation::Optional {
                                property: property.clone(),
                            },
                            &f.example,
                        ));
                    }
                }
            }
            Problem::NotInEnum { value } => {
                if let Some(constant) = object.remove("const") {
                    object.insert("enum".into(), Value::Array(vec![constant]));
                }
                if let Some(Value::Array(values)) = object.get_mut("enum")
                    && !values.iter().any(|v| v.as_str() == Some(value))
                {
                    values.push(Value::String(value.clone()));
                    decisions.push(decision(Relaxation::EnumValue(value.clone()), &f.example));
                }
            }
            Problem::NotInteger { shown } => {
                object.remove("format");
                if shown.parse::<i64>().is_err() {
                    match object.get_mut("type") {
                        Some(Value::Array(types)) => {
                            for t in types.iter_mut().filter(|t| *t == "integer") {
                                *t = Value::String("number".into());
                            }
                        }
                        Some(t) => *t = Value::String("number".into()),
                        None => {}
                    }
                }
                if !decisions
                    .iter()
                    .any(|d: &Decision| matches!(d.relaxation, Relaxation::Number { .. }))
                {
                    decisions.push(decision(
                        Relaxation::Number {
                            shown: shown.clone(),
                        },
                        &f.example,
                    ));
                }
            }
            _ => {}
        }
    }
    // Then one-or-many (the `x-one-or-many` extension: the node keeps its place, so its item
    // type keeps its name) and nullable (which may wrap the node).
    if let Some(f) = findings
        .iter()
        .find(|f| matches!(f.problem, Problem::OneOrMany | Problem::ManyOfOne))
    {
        if object.contains_key("$ref") {
            // A `$ref` takes no siblings: the reference moves into a one-part allOf.
            let (inner, doc) = split_doc(object);
            *object = with_doc(json!({"allOf": [Value::Object(inner)]}), doc);
        }
        object.insert(ONE_OR_MANY.into(), Value::Bool(true));
        let relaxation = if f.problem == Problem::OneOrMany {
            Relaxation::OneOrMany
        } else {
            Relaxation::ManyOfOne
        };
        decisions.push(decision(relaxation, &f.example));
    }
    if let Some(f) = findings.iter().find(|f| f.problem == Problem::NotNullable) {
        let simple = !object.contains_key("$ref")
            && !["allOf", "oneOf", "anyOf"]
                .iter()
                .any(|k| object.contains_key(*k));
        match object.get_mut("type") {
            Some(Value::String(t)) if simple => {
                let t = std::mem::take(t);
                object.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(types)) if simple => types.push(Value::String("null".into())),
            _ => {
                let (inner, doc) = split_doc(object);
                *object = with_doc(
                    json!({"anyOf": [Value::Object(inner), {"type": "null"}]}),
                    doc,
                );
            }
        }
        decisions.push(decision(Relaxation::Nullable, &f.example));
    }
    decisions
}

/// Splits a node into its schema and its description and title (which stay on the wrapper).
fn split_doc(object: &mut Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let mut inner = std::mem::take(object);
    let doc = ["title", "description", "deprecated"]
        .iter()
        .filter_map(|k| inner.remove(*k).map(|v| ((*k).to_owned(), v)))
        .collect();
    (inner, doc)
}

fn with_doc(wrapped: Value, doc: Map<String, Value>) -> Map<String, Value> {
    let mut out = doc;
    if let Value::Object(w) = wrapped {
        out.extend(w);
    }
    out
}
