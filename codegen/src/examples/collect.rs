//! Finding the examples of a document, each with the schema it illustrates and what the generated
//! code decodes it into.

use serde_json::Value;

use super::Target;
use crate::error::Pointer;

/// HTTP methods: the keys of a path item that hold operations.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where an example sits, which decides what a disagreement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A schema's own example.
    Schema,
    /// An answer's body.
    Response,
    /// A request's body: a property the type does not declare cannot be sent.
    Request,
    /// A parameter: checked, never relaxed.
    Parameter,
}

/// One example.
#[derive(Debug, Clone)]
pub(super) struct Found {
    /// Where it is.
    pub(super) pointer: Pointer,
    /// The value, or why it cannot be read.
    pub(super) value: Result<Value, String>,
    /// The schema it illustrates (none: nothing to check it against).
    pub(super) schema: Option<Pointer>,
    /// Where it sits.
    pub(super) role: Role,
    /// What the generated tests decode it into.
    pub(super) target: Option<Target>,
}

/// Every example of the document, in document order.
pub(super) fn collect(raw: &Value) -> Vec<Found> {
    let mut walk = Walk {
        raw,
        found: Vec::new(),
    };
    let root = Pointer::root();
    if let Some(Value::Object(paths)) = raw.get("paths") {
        for (path, item) in paths {
            walk.path_item(&root.push("paths").push(path), item, true);
        }
    }
    if let Some(Value::Object(hooks)) = raw.get("webhooks") {
        for (name, item) in hooks {
            walk.path_item(&root.push("webhooks").push(name), item, false);
        }
    }
    if let Some(Value::Object(components)) = raw.get("components") {
        let at = root.push("components");
        let each = |key: &str| -> Vec<(Pointer, &Value)> {
            match components.get(key) {
                Some(Value::Object(items)) => items
                    .iter()
                    .map(|(name, v)| (at.push(key).push(name), v))
                    .collect(),
                _ => Vec::new(),
            }
        };
        for (ptr, schema) in each("schemas") {
            walk.schema(&ptr, schema, true);
        }
        for (ptr, param) in each("parameters") {
            walk.parameter(&ptr, param);
        }
        for (ptr, body) in each("requestBodies") {
            walk.body(&ptr, body, Role::Request, None);
        }
        for (ptr, response) in each("responses") {
            walk.body(&ptr, response, Role::Response, None);
        }
        for (ptr, header) in each("headers") {
            walk.parameter(&ptr, header);
        }
    }
    walk.found
}

struct Walk<'a> {
    raw: &'a Value,
    found: Vec<Found>,
}

impl Walk<'_> {
    fn push(
        &mut self,
        pointer: Pointer,
        value: Result<Value, String>,
        schema: Option<Pointer>,
        role: Role,
        target: Option<Target>,
    ) {
        self.found.push(Found {
            pointer,
            value,
            schema,
            role,
            target,
        });
    }

    /// A path item (or a webhook): its parameters and operations. Operations of `paths` become
    /// methods, so their bodies' examples are decoded through the method's types.
    fn path_item(&mut self, ptr: &Pointer, item: &Value, calls: bool) {
        let Some(item) = item.as_object() else { return };
        if let Some(Value::Array(params)) = item.get("parameters") {
            for (i, p) in params.iter().enumerate() {
                self.parameter(&ptr.push("parameters").push(i.to_string()), p);
            }
        }
        for method in METHODS {
            let Some(op) = item.get(method).and_then(Value::as_object) else {
                continue;
            };
            let op_ptr = ptr.push(method);
            let operation = calls.then(|| op_ptr.clone());
            if let Some(Value::Array(params)) = op.get("parameters") {
                for (i, p) in params.iter().enumerate() {
                    self.parameter(&op_ptr.push("parameters").push(i.to_string()), p);
                }
            }
            if let Some(body) = op.get("requestBody") {
                let target = operation
                    .clone()
                    .map(|operation| Target::Request { operation });
                // A webhook's body is what the service sends: read like an answer.
                let role = if calls { Role::Request } else { Role::Response };
                self.body(&op_ptr.push("requestBody"), body, role, target);
            }
            if let Some(Value::Object(responses)) = op.get("responses") {
                for (status, response) in responses {
                    // Informational and redirect answers have no body a call decodes.
                    let decoded = !status.starts_with(['1', '3']);
                    let error = !status.starts_with('2');
                    let target = operation
                        .clone()
                        .filter(|_| decoded)
                        .map(|operation| Target::Response { operation, error });
                    self.body(
                        &op_ptr.push("responses").push(status),
                        response,
                        Role::Response,
                        target,
                    );
                }
            }
        }
    }

    /// A request body or a response (or a `$ref` to one): the examples of its JSON media types,
    /// and of their schemas. Through a `$ref` only the media examples are taken, for this
    /// operation; the referenced component's schemas are walked where it is defined.
    fn body(&mut self, ptr: &Pointer, body: &Value, role: Role, target: Option<Target>) {
        let (ptr, body, own) = match resolve(self.raw, ptr, body) {
            Some(found) => found,
            None => return,
        };
        if let Some(Value::Object(headers)) = body.get("headers").filter(|_| own) {
            for (name, header) in headers {
                self.parameter(&ptr.push("headers").push(name), header);
            }
        }
        let Some(Value::Object(content)) = body.get("content") else {
            return;
        };
        for (media, object) in content {
            let at = ptr.push("content").push(media);
            let schema_ptr = at.push("schema");
            let schema = object.get("schema");
            if own && let Some(schema) = schema {
                self.schema(&schema_ptr, schema, true);
            }
            if !is_structured(media) {
                continue;
            }
            let json = is_json(media);
            let schema_ptr = schema.map(|_| schema_ptr);
            // A schema's target: its own type, found through any `$ref`.
            let target = target
                .clone()
                .or_else(|| schema_ptr.clone().map(Target::Schema));
            for (example_ptr, value) in media_examples(self.raw, &at, object) {
                let value = value.and_then(|v| {
                    if json {
                        parse_json_text(v, schema)
                    } else {
                        Ok(v)
                    }
                });
                self.push(example_ptr, value, schema_ptr.clone(), role, target.clone());
            }
        }
    }

    /// A parameter or header (or a `$ref` to one): its examples, against its schema.
    fn parameter(&mut self, ptr: &Pointer, param: &Value) {
        let Some((ptr, param, own)) = resolve(self.raw, ptr, param) else {
            return;
        };
        let (schema_ptr, schema) = match (param.get("schema"), param.get("content")) {
            (Some(schema), _) => (ptr.push("schema"), schema),
            (None, Some(Value::Object(content))) => match content.iter().next() {
                Some((media, object)) => match object.get("schema") {
                    Some(schema) => (ptr.push("content").push(media).push("schema"), schema),
                    None => return,
                },
                None => return,
            },
            _ => return,
        };
        if own {
            self.schema(&schema_ptr, schema, true);
        }
        for (example_ptr, value) in media_examples(self.raw, &ptr, param) {
            self.push(
                example_ptr,
                value,
                Some(schema_ptr.clone()),
                Role::Parameter,
                None,
            );
        }
    }

    /// A schema's own examples, then those of the schemas inside it (`$ref`s are not followed:
    /// every component is walked where it is defined).
    fn schema(&mut self, ptr: &Pointer, schema: &Value, typed: bool) {
        let Some(object) = schema.as_object() else {
            return;
        };
        if object.contains_key("$ref") {
            return;
        }
        let target = typed.then(|| Target::Schema(ptr.clone()));
        if let Some(value) = object.get("example") {
            self.push(
                ptr.push("example"),
                Ok(value.clone()),
                Some(ptr.clone()),
                Role::Schema,
                target.clone(),
            );
        }
        for key in ["examples", "x-examples"] {
            match object.get(key) {
                Some(Value::Array(values)) => {
                    for (i, value) in values.iter().enumerate() {
                        self.push(
                            ptr.push(key).push(i.to_string()),
                            Ok(value.clone()),
                            Some(ptr.clone()),
                            Role::Schema,
                            target.clone(),
                        );
                    }
                }
                Some(Value::Object(named)) => {
                    for (name, value) in named {
                        let at = ptr.push(key).push(name);
                        let value = if is_example_object(value) {
                            example_object(self.raw, &at, value)
                        } else {
                            Ok(value.clone())
                        };
                        self.push(at, value, Some(ptr.clone()), Role::Schema, target.clone());
                    }
                }
                _ => {}
            }
        }
        for key in ["properties", "patternProperties", "$defs", "definitions"] {
            if let Some(Value::Object(props)) = object.get(key) {
                for (name, inner) in props {
                    self.schema(&ptr.push(key).push(name), inner, true);
                }
            }
        }
        for key in ["items", "additionalProperties", "not", "contains"] {
            if let Some(inner) = object.get(key) {
                self.schema(&ptr.push(key), inner, true);
            }
        }
        for key in ["allOf", "oneOf", "anyOf", "prefixItems"] {
            if let Some(Value::Array(parts)) = object.get(key) {
                for (i, inner) in parts.iter().enumerate() {
                    self.schema(&ptr.push(key).push(i.to_string()), inner, true);
                }
            }
        }
    }
}

/// A `$ref` to a component is followed once (`own` is false then: the component's own schemas
/// are walked where it is defined).
fn resolve<'a>(
    raw: &'a Value,
    ptr: &Pointer,
    value: &'a Value,
) -> Option<(Pointer, &'a Value, bool)> {
    match value.get("$ref").and_then(Value::as_str) {
        None => Some((ptr.clone(), value, true)),
        Some(reference) => {
            let target = Pointer::from_fragment(reference)?;
            let found = target.lookup(raw)?;
            // A component that is itself a `$ref` is walked where it is defined.
            (found.get("$ref").is_none()).then_some((target, found, false))
        }
    }
}

/// The `example` and `examples` of a media type, parameter or header.
fn media_examples(
    raw: &Value,
    ptr: &Pointer,
    object: &Value,
) -> Vec<(Pointer, Result<Value, String>)> {
    let mut out = Vec::new();
    if let Some(value) = object.get("example") {
        out.push((ptr.push("example"), Ok(value.clone())));
    }
    if let Some(Value::Object(named)) = object.get("examples") {
        for (name, example) in named {
            let at = ptr.push("examples").push(name);
            out.push((at.clone(), example_object(raw, &at, example)));
        }
    }
    out
}

/// An Example Object's value (through a `$ref` to `components/examples`).
fn example_object(raw: &Value, ptr: &Pointer, example: &Value) -> Result<Value, String> {
    let example = match example.get("$ref").and_then(Value::as_str) {
        Some(reference) => Pointer::from_fragment(reference)
            .and_then(|p| p.lookup(raw))
            .ok_or_else(|| format!("its `$ref` `{reference}` names nothing in this document"))?,
        None => example,
    };
    if let Some(value) = example.get("value") {
        return Ok(value.clone());
    }
    if let Some(url) = example.get("externalValue").and_then(Value::as_str) {
        return Err(format!(
            "it is only given as the external value `{url}`, which the generator does not fetch"
        ));
    }
    let _ = ptr;
    Err("the Example Object has neither `value` nor `externalValue`".into())
}

/// Whether a map entry of `examples` is an Example Object rather than an example value: an object
/// with `value` or `externalValue` (or a `$ref`) and nothing but an Example Object's keys.
fn is_example_object(value: &Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    let keys = ["summary", "description", "value", "externalValue", "$ref"];
    (object.contains_key("value")
        || object.contains_key("externalValue")
        || object.contains_key("$ref"))
        && object
            .keys()
            .all(|k| keys.contains(&k.as_str()) || k.starts_with("x-"))
}

/// Media types whose examples are data the generated types read: JSON and forms.
fn is_structured(media: &str) -> bool {
    is_json(media)
        || media
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// A JSON example written as JSON text (`example: '{"a": 1}'`) is that JSON; text that looks like
/// JSON but does not parse cannot be read. A string the schema declares stays a string.
fn parse_json_text(value: Value, schema: Option<&Value>) -> Result<Value, String> {
    let Value::String(text) = &value else {
        return Ok(value);
    };
    let declares_string = schema.and_then(|s| s.get("type")).is_some_and(|t| {
        t == "string"
            || t.as_array()
                .is_some_and(|ts| ts.iter().any(|t| t == "string"))
    });
    let trimmed = text.trim_start();
    if declares_string || !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return Ok(value);
    }
    serde_json::from_str(text).map_err(|e| {
        format!(
            "it is JSON text that does not parse (line {} column {}: {e})",
            e.line(),
            e.column()
        )
    })
}
