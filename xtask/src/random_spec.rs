//! Random OpenAPI documents from a seed, for robustness checks of the generator: the unit test
//! below runs the generator over hundreds of them (no panic, no internal error), and
//! `cargo xtask check-generated --random N` compiles the code generated from N of them.
//!
//! The documents are valid in shape but adversarial in content: names that are keywords, start
//! with digits or collide after case conversion; nullable and composed schemas; odd enum values;
//! every parameter location; bodies and answers of several media types.

use serde_json::{Map, Value, json};

/// The deterministic generator (xorshift64*) the runtime's property tests use too: one copy,
/// in the runtime crate, included by path (it names nothing of either crate), so a seed always
/// gives the same document.
#[path = "../../aps-auth-runtime/src/test_rng.rs"]
mod test_rng;

use test_rng::Rng;

const NAMES: &[&str] = &[
    "id",
    "type",
    "use",
    "self",
    "Self",
    "2FaEnabled",
    "more info",
    "userId",
    "user_id",
    "UserID",
    "data:read",
    "a-b",
    "Option",
    "Result",
    "String",
    "Box",
    "value",
    "x",
    "café",
    "_",
    "",
    "r#async",
    "super",
    "Client",
];
const ENUM_VALUES: &[&str] = &[
    "data:read",
    "1",
    "not ok",
    "A-B",
    "a_b",
    "",
    "Other",
    "self",
    "ünï",
    "x y z",
];

/// A random document for `seed`.
pub fn document(seed: u64) -> Value {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let count = 1 + rng.below(6);
    let names: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "{}{}",
                rng.pick(NAMES),
                if rng.chance(30) {
                    i.to_string()
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let mut schemas = Map::new();
    for name in &names {
        let schema = schema(&mut rng, &names, 0);
        schemas.insert(name.clone(), schema);
    }
    let mut paths = Map::new();
    for i in 0..rng.below(4) {
        let param = rng.pick(NAMES).replace(['{', '}', '/'], "");
        let path = if rng.chance(50) {
            format!("/things/{{{param}}}/x{i}")
        } else {
            format!("/things{i}")
        };
        let mut parameters = Vec::new();
        if path.contains('{') {
            parameters.push(
                json!({"name": param, "in": "path", "required": true, "schema": scalar(&mut rng)}),
            );
        }
        for _ in 0..rng.below(4) {
            let location = rng.pick(&["query", "header", "cookie", "query"]);
            let mut p = json!({"name": rng.pick(NAMES), "in": location, "schema": if rng.chance(30) { json!({"type": "array", "items": scalar(&mut rng)}) } else { scalar(&mut rng) }});
            if location == "query" && rng.chance(30) {
                p["explode"] = json!(false);
            }
            parameters.push(p);
        }
        let mut op = json!({"parameters": parameters, "responses": responses(&mut rng, &names)});
        if rng.chance(70) {
            op["operationId"] = json!(rng.pick(NAMES));
        }
        if rng.chance(40) {
            let media = rng.pick(&[
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "application/octet-stream",
            ]);
            let body_schema = if media == "application/x-www-form-urlencoded" {
                json!({"type": "object", "properties": {"a": scalar(&mut rng), "code": {"type": "string"}}})
            } else {
                schema(&mut rng, &names, 1)
            };
            op["requestBody"] =
                json!({"required": rng.chance(50), "content": {media: {"schema": body_schema}}});
        }
        let method = rng.pick(&["get", "post", "put", "delete", "patch"]);
        let mut item = Map::new();
        item.insert(method.to_owned(), op);
        paths.insert(path, Value::Object(item));
    }
    let mut doc = json!({
        "openapi": if rng.chance(20) { "3.0.3" } else { "3.1.0" },
        "info": {"title": format!("Random {seed}"), "version": "1", "description": "Docs with [brackets], <tags> and https://example.com"},
        "paths": paths,
        "components": {"schemas": schemas},
    });
    if rng.chance(20) {
        doc["webhooks"] = json!({"event": {"post": {"requestBody": {"content": {"application/json": {"schema": schema(&mut rng, &names, 1)}}}}}});
    }
    doc
}

fn scalar(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer", "format": "int32"}),
        2 => json!({"type": "integer"}),
        3 => json!({"type": "number"}),
        4 => json!({"type": "boolean"}),
        5 => json!({"type": "string", "enum": [rng.pick(ENUM_VALUES), rng.pick(ENUM_VALUES)]}),
        _ => json!({"type": ["string", "null"], "format": "date-time"}),
    }
}

fn reference(rng: &mut Rng, names: &[String]) -> Value {
    let name = &names[rng.below(names.len())];
    json!({"$ref": format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"))})
}

fn schema(rng: &mut Rng, names: &[String], depth: usize) -> Value {
    if depth > 2 {
        return if rng.chance(50) {
            scalar(rng)
        } else {
            reference(rng, names)
        };
    }
    match rng.below(10) {
        0..=2 => {
            let mut props = Map::new();
            let mut required = Vec::new();
            for _ in 0..1 + rng.below(5) {
                let name = rng.pick(NAMES).to_owned();
                if rng.chance(40) {
                    required.push(Value::String(name.clone()));
                }
                props.insert(name, schema(rng, names, depth + 1));
            }
            let mut s = json!({"type": "object", "properties": props, "required": required});
            if rng.chance(20) {
                s["additionalProperties"] = if rng.chance(50) {
                    json!(true)
                } else {
                    scalar(rng)
                };
            }
            if rng.chance(10) {
                s["deprecated"] = json!(true);
            }
            s
        }
        3 => json!({"type": "array", "items": schema(rng, names, depth + 1)}),
        4 => json!({"oneOf": [schema(rng, names, depth + 1), schema(rng, names, depth + 1)]}),
        5 => json!({"anyOf": [schema(rng, names, depth + 1), {"type": "null"}]}),
        6 => {
            json!({"allOf": [reference(rng, names), {"type": "object", "properties": {"extra": scalar(rng)}}]})
        }
        7 => reference(rng, names),
        8 => json!({"type": "object", "additionalProperties": schema(rng, names, depth + 1)}),
        _ => scalar(rng),
    }
}

fn responses(rng: &mut Rng, names: &[String]) -> Value {
    let mut out = Map::new();
    let success = rng.pick(&["200", "201", "204", "2XX"]);
    let mut ok = json!({"description": "ok"});
    if success != "204" {
        let media = rng.pick(&[
            "application/json",
            "text/plain",
            "application/octet-stream",
            "application/problem+json",
        ]);
        ok["content"] = json!({media: {"schema": schema(rng, names, 1)}});
    }
    out.insert(success.to_owned(), ok);
    if rng.chance(50) {
        out.insert(
            rng.pick(&["400", "4XX", "default", "500"]).to_owned(),
            json!({"description": "error", "content": {"application/json": {"schema": reference(rng, names)}}}),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use aps_auth_codegen::{ErrorKind, Options, generate, generate_full};

    /// Hundreds of adversarial documents: the generator answers each with code or a refusal
    /// (never a panic, never an internal error, and the same bytes twice).
    #[test]
    fn the_generator_never_panics_on_random_documents() {
        let (mut generated, mut refused) = (0, 0);
        for seed in 0..400 {
            let text = super::document(seed).to_string();
            let run = || std::panic::catch_unwind(|| generate(&text, &Options::default()));
            match run() {
                Ok(Ok(output)) => {
                    generated += 1;
                    let again = run().ok().and_then(Result::ok).expect("a second run");
                    assert_eq!(output.files, again.files, "seed {seed}: not deterministic");
                }
                Ok(Err(e)) => {
                    assert!(
                        !matches!(e.kind, ErrorKind::Internal(_)),
                        "seed {seed}: {e}"
                    );
                    assert!(e.to_string().starts_with('#'), "seed {seed}: {e}");
                    refused += 1;
                }
                Err(_) => panic!("seed {seed}: the generator panicked on\n{text}"),
            }
        }
        assert!(generated > 300, "generated {generated}, refused {refused}");
    }

    /// The name map of each random document (colliding names, keywords, inline types...), given
    /// back with the same document, reproduces every name, so the same files, and itself.
    #[test]
    fn a_name_map_reproduces_the_names_of_random_documents() {
        for seed in 0..400 {
            let text = super::document(seed).to_string();
            let Ok(first) = generate_full(&text, &Options::default()) else {
                continue;
            };
            let options = Options {
                names: Some(first.names.clone()),
                ..Options::default()
            };
            let again =
                generate_full(&text, &options).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert_eq!(again.output.files, first.output.files, "seed {seed}");
            assert_eq!(again.names, first.names, "seed {seed}");
            assert_eq!(again.surface, first.surface, "seed {seed}");
        }
    }
}
