//! Lowering with a name map ([`crate::names`]): the pins resolved against the document, the
//! document lowered once with them (again only when a pin's schema is no longer a type of its
//! own), method and builder names applied, and the map of the names the result has.

use std::collections::{BTreeMap, BTreeSet};

use super::{Named, lower_pinned};
use crate::Options;
use crate::error::{SpecError, Warning};
use crate::load::Document;
use crate::model::{Api, Operation};
use crate::names::{NameMap, Pins, component_schema, fingerprint, inline_key, operation_key};
use crate::naming::Namespace;

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
    let (mut api, mut lowering_warnings, mut named) = lower_pinned(doc, options, &pins)?;
    // A pin whose schema is still there but no longer a type of its own must not keep its name
    // from a new type: the rare document that has one is lowered again without it.
    if pins.keep_inline(&named.pins_given) {
        (api, lowering_warnings, named) = lower_pinned(doc, options, &pins)?;
    }
    apply_operation_pins(&mut api.operations, &pins);
    warnings.extend(lowering_warnings);
    let map = name_map(&api, doc, &named);
    Ok((api, warnings, map))
}

/// Pinned method and builder names; an unpinned method whose fresh name a pinned one took gets
/// the next free variant of it. (Unpinned builders already avoid pinned names: they are reserved
/// in the type namespace.)
fn apply_operation_pins(ops: &mut [Operation], pins: &Pins) {
    let mut ns = Namespace::default();
    let mut unpinned = Vec::new();
    for (i, op) in ops.iter_mut().enumerate() {
        let key = operation_key(op);
        if let Some(builder) = pins.builder(&key) {
            op.builder = builder.to_owned();
        }
        match pins.method(&key) {
            Some(name) => {
                op.fn_name = name.to_owned();
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

/// The names `api` was generated with, for the document it was lowered from (`named`: how
/// the lowering named its components).
fn name_map(api: &Api, doc: &Document, named: &Named) -> NameMap {
    let mut map = NameMap::default();
    for op in &api.operations {
        map.operations.insert(operation_key(op), op.fn_name.clone());
        map.builders.insert(operation_key(op), op.builder.clone());
    }
    let mut component_types = BTreeSet::new();
    for (component, name) in &named.components {
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
    // A type merged into an identical one is not pinned: the group's name is pinned by the
    // pointer of the type that stands for it, and a copy's own pin would hand the next run a
    // name that is taken (the copy would get a fresh one, and its inline children names
    // derived from that). They are recorded apart, for the change report.
    for (pointer, name) in &named.merged {
        if !pointer.is_empty() {
            map.merged
                .insert(inline_key(&doc.raw, pointer), name.clone());
        }
    }
    map
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
    fn a_map_made_from_the_document_lowers_it_in_one_pass() {
        let (_, _, map) = run(TOKEN, None);
        assert!(!map.inline.is_empty(), "the test needs inline pins");
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{TOKEN}");
        let doc = crate::load::load(&text).unwrap_or_else(|e| panic!("{e}"));
        let (mut pins, _) = Pins::resolve(&map, &doc).unwrap_or_else(|e| panic!("{e}"));
        let options = Options::default();
        let (_, _, named) = lower_pinned(&doc, &options, &pins).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(named.pins_given.len(), map.inline.len());
        assert!(
            !pins.keep_inline(&named.pins_given),
            "every pin was given where its type was created: no second pass"
        );
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
    fn a_schema_two_types_are_made_for_gives_its_pin_to_the_first() {
        // A path-level parameter is lowered once per operation of its path.
        let body = "paths:\n  /a:\n    parameters:\n      - {name: mode, in: query, schema: {type: string, enum: [x, y]}}\n    get: {operationId: a, responses: {'200': {description: ok}}}\n    post: {operationId: b, responses: {'200': {description: ok}}}\n";
        let mut map = NameMap::default();
        map.inline.insert(
            "#/paths/~1a/parameters/query:mode/schema".into(),
            "Mode".into(),
        );
        let (api, _, again) = run(body, Some(&map));
        assert_eq!(type_names(&api), ["Mode", "BMode"]);
        assert!(
            again.inline.is_empty(),
            "a shared schema is pinned by no one"
        );
    }

    #[test]
    fn identical_inline_schemas_share_a_type_and_a_new_copy_renames_nothing() {
        let payload = |name: &str| {
            format!(
                "  /{name}:\n    post:\n      operationId: {name}\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                sender: {{type: object, required: [id], properties: {{id: {{type: integer}}, login: {{type: string}}}}}}\n                kind: {{type: string, enum: [a, b]}}\n      responses: {{'204': {{description: ok}}}}\n"
            )
        };
        let body = format!("paths:\n{}{}", payload("beta"), payload("gamma"));
        let (api, _, map) = run(&body, None);
        let first = type_names(&api).join(",");
        assert_eq!(first, "BetaRequest,BetaRequestSender,BetaRequestKind");
        // The group's name is pinned by the pointer of the type that stands for it.
        let senders: Vec<&str> = map
            .inline
            .iter()
            .filter(|(k, _)| k.ends_with("/sender"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(senders, ["BetaRequestSender"]);
        // A new payload with the same inline schemas, first in the document: with the map,
        // it merges into the pinned types and nothing is renamed.
        let grown = format!(
            "paths:\n{}{}{}",
            payload("alpha"),
            payload("beta"),
            payload("gamma")
        );
        let (api, _, again) = run(&grown, Some(&map));
        assert_eq!(type_names(&api).join(","), first);
        let names = |m: &NameMap| m.inline.values().cloned().collect::<BTreeSet<String>>();
        assert_eq!(names(&again), names(&map));
        // Without the map, the first copy in the document names the group.
        let (api, _, _) = run(&grown, None);
        assert_eq!(
            type_names(&api).join(","),
            "AlphaRequest,AlphaRequestSender,AlphaRequestKind"
        );
    }
}
