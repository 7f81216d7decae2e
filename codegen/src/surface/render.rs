//! The surface of a model: one line per item, one indented line per member, printing what
//! lowering decided (a call's arguments and setters, what `new()` takes).

use super::{BASIC, DEPRECATED, RELAXED, TAG, WIRE};
use crate::model::{
    Api, ArrayStyle, Auth, Field, FieldKind, InputSource, KeyPlacement, Media, ObjectStyle,
    Operation, OperationKind, Param, ParamLocation, ParamShape, Passing, ResponseBody, TypeDef,
    TypeKind, TypeRef, UnionVariant,
};
use crate::naming::unraw;

/// The public API of the module generated from `api`, one line per item or member.
pub fn surface(api: &Api) -> String {
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    let mut ops: Vec<&Operation> = api.operations.iter().collect();
    ops.sort_by(|a, b| unraw(&a.fn_name).cmp(unraw(&b.fn_name)));
    for op in ops {
        blocks.push(operation(api, op));
    }
    let mut types: Vec<(String, Vec<String>)> =
        api.types.iter().map(|t| type_def(api, t)).collect();
    if !api.scopes.is_empty() {
        let mut variants: Vec<String> = api
            .scopes
            .iter()
            .map(|s| format!("variant {} = {:?}", s.rust_name, s.value))
            .collect();
        variants.push("variant Other(String)".into());
        types.push(("enum Scope".into(), variants));
        types.push(("type Scopes = ScopeList<Scope>".into(), Vec::new()));
    }
    types.sort_by(|a, b| item_name(&a.0).cmp(item_name(&b.0)).then(a.0.cmp(&b.0)));
    blocks.extend(types);
    // Where the document's own examples made a type accept more than it declares: the change
    // report shows a relaxation appear, and disappear when a later document fixes its example.
    for decision in &api.relaxed {
        blocks.push((
            format!("{RELAXED}{}: {}", decision.schema, decision.relaxation),
            Vec::new(),
        ));
    }
    let mut out = String::new();
    for (header, members) in blocks {
        out.push_str(&header);
        out.push('\n');
        for member in members {
            out.push_str("  ");
            out.push_str(&member);
            out.push('\n');
        }
    }
    out
}

/// The name in an item's line (`fn get_token(...)` -> `get_token`).
fn item_name(line: &str) -> &str {
    let line = line.strip_prefix(DEPRECATED).unwrap_or(line);
    let rest = line.split_once(' ').map_or(line, |(_, rest)| rest);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#'))
        .unwrap_or(rest.len());
    unraw(&rest[..end])
}

fn deprecated(yes: bool, line: String) -> String {
    if yes {
        format!("{DEPRECATED}{line}")
    } else {
        line
    }
}

/// A type as the generated code names it.
fn ty(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::String => "String".into(),
        TypeRef::Secret => "SecretString".into(),
        TypeRef::Scopes => "Scopes".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::Bytes => "Vec<u8>".into(),
        TypeRef::Named(id) => api.type_def(*id).name.clone(),
        TypeRef::Array(item) => format!("Vec<{}>", ty(api, item)),
        TypeRef::OneOrMany(item) => format!("OneOrMany<{}>", ty(api, item)),
        TypeRef::Map(value) => format!("BTreeMap<String, {}>", ty(api, value)),
        TypeRef::Boxed(inner) => format!("Box<{}>", ty(api, inner)),
    }
}

/// `fn name(required...) -> T, errors E` and one `optional param` line per setter.
fn operation(api: &Api, op: &Operation) -> (String, Vec<String>) {
    // The signature's arguments; one member line per required input with a wire form (its
    // location and name, which the signature does not show); one per optional input.
    let mut required = Vec::new();
    let mut wired = Vec::new();
    let mut optional = Vec::new();
    let mut input = |line: String, wire: Option<String>, is_required: bool, is_deprecated: bool| {
        let member = match &wire {
            Some(wire) => format!("{line}{WIRE}{wire}"),
            None => line.clone(),
        };
        if is_required {
            if wire.is_some() {
                wired.push(deprecated(
                    is_deprecated,
                    format!("required param {member}"),
                ));
            }
            required.push(line);
        } else {
            optional.push(deprecated(
                is_deprecated,
                format!("optional param {member}"),
            ));
        }
    };
    // `op.inputs`: the arguments in order, then the setters (lowering's `inputs.rs`).
    for i in &op.inputs {
        let is_required = i.passing == Passing::Argument;
        let (t, wire, is_deprecated) = match i.source {
            InputSource::Param(n) => {
                let p = &op.params[n];
                (
                    ty(api, &p.shape.rust_type()),
                    Some(param_wire(p)),
                    p.deprecated,
                )
            }
            InputSource::BearerToken => ("&str".to_owned(), None, false),
            InputSource::BasicAuth => ("(&str, &str)".to_owned(), None, false),
            InputSource::ApiKey => {
                let wire = match &op.auth {
                    Auth::ApiKey {
                        name, placement, ..
                    } => {
                        let place = match placement {
                            KeyPlacement::Header => "header",
                            KeyPlacement::Query | KeyPlacement::UrlQuery => "query",
                        };
                        Some(format!("{place} {name:?}"))
                    }
                    _ => None,
                };
                ("&str".to_owned(), wire, false)
            }
            InputSource::Body => {
                let t = match op.body.as_ref().map(|b| (b.media, &b.ty)) {
                    Some((Media::Json | Media::Form, t)) => format!("&{}", ty(api, t)),
                    Some((Media::Text, _)) => "&str".into(),
                    Some((Media::Binary, _)) | None => "&[u8]".into(),
                };
                (t, None, false)
            }
        };
        input(format!("{}: {t}", i.name), wire, is_required, is_deprecated);
    }
    wired.extend(optional);
    let mut optional = wired;
    let returns = match &op.kind {
        OperationKind::Redirect => "Url, browser redirect".to_owned(),
        OperationKind::Call { success, error } => {
            let success = match success {
                ResponseBody::Empty => "()".to_owned(),
                ResponseBody::Json(t) => ty(api, t),
                ResponseBody::OptionalJson(t) => format!("Option<{}>", ty(api, t)),
                ResponseBody::Text => "String".to_owned(),
                ResponseBody::Binary => "Vec<u8>".to_owned(),
            };
            format!("{success}, errors {}", ty(api, error))
        }
    };
    // Which tokens the client's source is asked for: a change of scopes shows in review.
    if let Auth::Bearer { options, .. } = &op.auth {
        for o in options {
            let whose = match (o.app, o.user) {
                (true, false) => "app",
                (false, true) => "user",
                _ => "any",
            };
            optional.push(format!(
                "token {} ({whose}) scopes [{}]",
                o.scheme,
                o.scopes.join(" ")
            ));
        }
    }
    // Which client credentials are sent, and whether a call may go without.
    if let Auth::Basic {
        scheme,
        optional: o,
        ..
    } = &op.auth
    {
        let need = if *o { "optional" } else { "required" };
        optional.push(format!("{BASIC}{scheme} ({need})"));
    }
    let header = format!("fn {}({}) -> {returns}", op.fn_name, required.join(", "));
    (deprecated(op.deprecated, header), optional)
}

/// Where a parameter goes and how it is written: `query "filter[type]" (joined ',')`.
fn param_wire(p: &Param) -> String {
    let place = match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    };
    let style = match &p.shape {
        ParamShape::Scalar(_) => String::new(),
        ParamShape::Array {
            style: ArrayStyle::Repeat,
            ..
        } => " (repeated)".into(),
        ParamShape::Array {
            style: ArrayStyle::Join(c),
            ..
        } => format!(" (joined {c:?})"),
        ParamShape::Object { style, .. } => match style {
            ObjectStyle::Explode => " (object, exploded)".into(),
            ObjectStyle::Join => " (object, joined)".into(),
            ObjectStyle::DeepObject => " (deepObject)".into(),
        },
    };
    format!("{place} {:?}{style}", p.wire_name)
}

/// The wire part of a union's line: the keys its tag is read at (`tag "kind"`,
/// `tag "attributes"."extension"."type"`).
pub(super) fn tag_text(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    format!("{TAG}{}", keys.join("."))
}

/// One type: its line and its members.
fn type_def(api: &Api, t: &TypeDef) -> (String, Vec<String>) {
    let name = &t.name;
    let (header, members) = match &t.kind {
        TypeKind::Struct { fields } => (format!("struct {name}"), struct_members(api, fields)),
        TypeKind::Newtype(inner) => (format!("struct {name}({})", ty(api, inner)), Vec::new()),
        TypeKind::Alias(inner) => (format!("type {name} = {}", ty(api, inner)), Vec::new()),
        TypeKind::StringEnum { variants, open } => {
            let mut members: Vec<String> = variants
                .iter()
                .map(|v| format!("variant {} = {:?}", v.rust_name, v.wire_value))
                .collect();
            if *open {
                members.push("variant Other(String)".into());
            }
            (format!("enum {name}"), members)
        }
        TypeKind::Union { variants, tag } => {
            let mut members: Vec<String> = variants
                .iter()
                .map(
                    |UnionVariant {
                         rust_name,
                         ty: t,
                         tag_value,
                         ..
                     }| {
                        let line = format!("variant {rust_name}({})", ty(api, t));
                        match tag_value {
                            Some(value) if tag.is_some() => format!("{line}{WIRE}{value:?}"),
                            _ => line,
                        }
                    },
                )
                .collect();
            members.push("variant Other(serde_json::Value)".into());
            let header = match tag {
                Some(keys) => format!("enum {name}{}", tag_text(keys)),
                None => format!("enum {name}"),
            };
            (header, members)
        }
    };
    (deprecated(t.deprecated, header), members)
}

/// `fn new(required...)`, then one line per field.
fn struct_members(api: &Api, fields: &[Field]) -> Vec<String> {
    let mut args = Vec::new();
    let mut members = Vec::new();
    for f in fields {
        let t = ty(api, &f.ty);
        let line = match &f.kind {
            FieldKind::Required { nullable, .. } => {
                // Required but nullable: `None` is a value the caller passes.
                let t = if *nullable { format!("Option<{t}>") } else { t };
                args.push(format!("{}: {t}", f.rust_name));
                format!("required field {}: {t}", f.rust_name)
            }
            FieldKind::Optional { .. } | FieldKind::Extra { .. } => {
                format!("optional field {}: {t}", f.rust_name)
            }
        };
        // The JSON name, where it is not the Rust name (`email_id` for `emailId`).
        let line = match f.wire_name() {
            Some(wire) if wire != unraw(&f.rust_name) => format!("{line}{WIRE}{wire:?}"),
            _ => line,
        };
        members.push(deprecated(f.deprecated, line));
    }
    members.insert(0, format!("fn new({})", args.join(", ")));
    members
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{DOC, api};
    use super::*;

    #[test]
    fn the_surface_lists_methods_then_types_with_their_members() {
        let surface = surface(&api(DOC));
        let expected = r#"fn authorize_url(client_id: String) -> Url, browser redirect
  required param client_id: String = query "client_id"
fn create_item(body: &Item) -> (), errors serde_json::Value
fn get_item(id: String, item: i64, x_trace: String) -> Item, errors Problem
  required param id: String = path "id"
  required param item: i64 = path "item"
  required param x_trace: String = header "X-Trace"
  optional param filter: String = query "filter"
  #[deprecated] optional param old: bool = query "old"
  optional param bearer_token: &str
  token bearer (any) scopes []
type Id = String
struct Item
  fn new(name: String, note: Option<String>)
  required field name: String
  required field note: Option<String>
  optional field kind: ItemKind
  optional field tags: Vec<String>
  #[deprecated] optional field legacy: String
  optional field email_id: String = "emailId"
enum ItemKind
  variant A = "a"
  variant BC = "b-c"
  variant Other(String)
struct Problem
  fn new()
  optional field detail: String
enum Shape
  variant Item(Box<Item>)
  variant Integer(i64)
  variant Other(serde_json::Value)
enum Tagged tag "kind"
  variant Item(Box<Item>) = "item"
  variant Problem(Box<Problem>) = "Problem"
  variant Other(serde_json::Value)
"#;
        assert_eq!(surface, expected, "\n{surface}");
    }

    #[test]
    fn the_surface_is_stable_under_reordering() {
        let reordered = DOC.replace(
            "    Problem: {type: object, properties: {detail: {type: string}}}\n    Id: {type: string}\n",
            "    Id: {type: string}\n    Problem: {type: object, properties: {detail: {type: string}}}\n",
        );
        assert_ne!(reordered, DOC);
        assert_eq!(surface(&api(&reordered)), surface(&api(DOC)));
    }
}
