//! The surface of a model as typed [`Item`]s, one per method and type (and relaxation), with
//! their members, printing what lowering decided (a call's arguments and setters, what `new()`
//! takes).

use super::item::{Arg, Entry, Item, Line};
use crate::model::{
    Api, ArrayStyle, Auth, Field, FieldKind, InputSource, KeyPlacement, Media, ObjectStyle,
    Operation, OperationKind, Param, ParamLocation, ParamShape, Passing, ResponseBody, TypeDef,
    TypeKind, TypeRef, UnionVariant,
};
use crate::naming::unraw;

/// The public API of the module generated from `api`, one line per item or member.
pub fn surface(api: &Api) -> String {
    items(api).iter().map(ToString::to_string).collect()
}

/// The items of the surface of `api`, in order: methods by name, then types by name, then the
/// relaxed schemas in pointer order.
pub fn items(api: &Api) -> Vec<Item> {
    let mut ops: Vec<&Operation> = api.operations.iter().collect();
    ops.sort_by(|a, b| unraw(&a.fn_name).cmp(unraw(&b.fn_name)));
    let mut items: Vec<Item> = ops.into_iter().map(|op| operation(api, op)).collect();
    let mut types: Vec<Item> = api.types.iter().map(|t| type_def(api, t)).collect();
    if !api.scopes.is_empty() {
        let mut variants: Vec<Line> = api
            .scopes
            .iter()
            .map(|s| variant(&s.rust_name, None, Some(format!("{:?}", s.value))))
            .collect();
        variants.push(variant("Other", Some("String".into()), None));
        types.push(Item {
            line: Line::plain(Entry::Enum {
                name: "Scope".into(),
                tag: None,
            }),
            members: variants,
        });
        types.push(Item {
            line: Line::plain(Entry::Alias {
                name: "Scopes".into(),
                target: "ScopeList<Scope>".into(),
            }),
            members: Vec::new(),
        });
    }
    let order = |item: &Item| (item.line.entry.name().to_owned(), item.line.to_string());
    types.sort_by_cached_key(order);
    items.extend(types);
    // Where the document's own examples made a type accept more than it declares: the change
    // report shows a relaxation appear, and disappear when a later document fixes its example.
    for decision in &api.relaxed {
        items.push(Item {
            line: Line::plain(Entry::Relaxed(format!(
                "{}: {}",
                decision.schema, decision.relaxation
            ))),
            members: Vec::new(),
        });
    }
    items
}

fn variant(name: &str, payload: Option<String>, wire: Option<String>) -> Line {
    Line::plain(Entry::Variant {
        name: name.to_owned(),
        payload,
        wire,
    })
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

/// `fn name(arguments...) -> T, errors E`; a `required param` line per argument with a wire
/// form (its location and name, which the signature does not show), then an `optional param`
/// line per setter, then the tokens and credentials the call is sent with.
fn operation(api: &Api, op: &Operation) -> Item {
    let mut args = Vec::new();
    let mut wired = Vec::new();
    let mut optional = Vec::new();
    // `op.inputs`: the arguments in order, then the setters (lowering's `inputs.rs`).
    for i in &op.inputs {
        let required = i.passing == Passing::Argument;
        let (t, wire, deprecated) = input_parts(api, op, i.source);
        let line = Line {
            deprecated,
            entry: Entry::Param {
                required,
                name: i.name.clone(),
                ty: t.clone(),
                wire: wire.clone(),
            },
        };
        match required {
            true => {
                if wire.is_some() {
                    wired.push(line);
                }
                args.push(Arg {
                    name: i.name.clone(),
                    ty: t,
                });
            }
            false => optional.push(line),
        }
    }
    let mut members = wired;
    members.extend(optional);
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
    match &op.auth {
        // Which tokens the client's source is asked for: a change of scopes shows in review.
        Auth::Bearer { options, .. } => {
            for o in options {
                let whose = match (o.app, o.user) {
                    (true, false) => "app",
                    (false, true) => "user",
                    _ => "any",
                };
                members.push(Line::plain(Entry::Token {
                    scheme: o.scheme.clone(),
                    whose: whose.into(),
                    scopes: o.scopes.clone(),
                }));
            }
        }
        // Which client credentials are sent, and whether a call may go without.
        Auth::Basic {
            scheme, optional, ..
        } => members.push(Line::plain(Entry::Basic {
            scheme: scheme.clone(),
            required: !optional,
        })),
        Auth::None | Auth::ApiKey { .. } => {}
    }
    // A `POST` or `PATCH` the document says may be repeated is retried like a `GET`: shown in
    // review (calls of other operations are retried by their method alone).
    if op.idempotent {
        members.push(Line::plain(Entry::Other(
            "idempotent: retried (x-idempotent)".into(),
        )));
    }
    // How the call builder's `pages()` and `items()` page.
    if let Some(p) = &op.pagination {
        members.push(Line::plain(Entry::Pages {
            next: p.next.pointer.clone(),
            param: p.param.clone(),
            items: p
                .items
                .as_ref()
                .map(|i| (i.path.pointer.clone(), ty(api, &i.item))),
        }));
    }
    Item {
        line: Line {
            deprecated: op.deprecated,
            entry: Entry::Fn {
                name: op.fn_name.clone(),
                args,
                returns,
            },
        },
        members,
    }
}

/// An input's type, its wire form (where one is shown) and whether it is deprecated.
fn input_parts(api: &Api, op: &Operation, source: InputSource) -> (String, Option<String>, bool) {
    match source {
        InputSource::Param(n) => {
            let p = &op.params[n];
            let t = ty(api, &p.shape.rust_type());
            (t, Some(param_wire(p)), p.deprecated)
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
    }
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

/// The keys a union's tag is read at, as its line writes them (`"kind"`,
/// `"attributes"."extension"."type"`).
pub(super) fn tag_text(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    keys.join(".")
}

/// One type: its line and its members.
fn type_def(api: &Api, t: &TypeDef) -> Item {
    let name = t.name.clone();
    let (entry, members) = match &t.kind {
        TypeKind::Struct { fields } => (
            Entry::Struct { name, inner: None },
            struct_members(api, fields),
        ),
        TypeKind::Newtype(inner) => (
            Entry::Struct {
                name,
                inner: Some(ty(api, inner)),
            },
            Vec::new(),
        ),
        TypeKind::Alias(inner) => (
            Entry::Alias {
                name,
                target: ty(api, inner),
            },
            Vec::new(),
        ),
        TypeKind::StringEnum { variants, open } => {
            let mut members: Vec<Line> = variants
                .iter()
                .map(|v| variant(&v.rust_name, None, Some(format!("{:?}", v.wire_value))))
                .collect();
            if *open {
                members.push(variant("Other", Some("String".into()), None));
            }
            (Entry::Enum { name, tag: None }, members)
        }
        TypeKind::Union { variants, tag } => {
            let mut members: Vec<Line> = variants
                .iter()
                .map(
                    |UnionVariant {
                         rust_name,
                         ty: t,
                         tag_value,
                         ..
                     }| {
                        let wire = tag_value
                            .as_ref()
                            .filter(|_| tag.is_some())
                            .map(|value| format!("{value:?}"));
                        variant(rust_name, Some(ty(api, t)), wire)
                    },
                )
                .collect();
            members.push(variant("Other", Some("serde_json::Value".into()), None));
            let tag = tag.as_deref().map(tag_text);
            (Entry::Enum { name, tag }, members)
        }
    };
    Item {
        line: Line {
            deprecated: t.deprecated,
            entry,
        },
        members,
    }
}

/// `fn new(required...)`, then one line per field.
fn struct_members(api: &Api, fields: &[Field]) -> Vec<Line> {
    let mut args = Vec::new();
    let mut members = Vec::new();
    for f in fields {
        let t = ty(api, &f.ty);
        let (required, t) = match &f.kind {
            FieldKind::Required { nullable, .. } => {
                // Required but nullable: `None` is a value the caller passes.
                let t = if *nullable { format!("Option<{t}>") } else { t };
                args.push(Arg {
                    name: f.rust_name.clone(),
                    ty: t.clone(),
                });
                (true, t)
            }
            FieldKind::Optional { .. } | FieldKind::Extra { .. } => (false, t),
        };
        // The JSON name, where it is not the Rust name (`email_id` for `emailId`).
        let wire = f
            .wire_name()
            .filter(|wire| *wire != unraw(&f.rust_name))
            .map(|wire| format!("{wire:?}"));
        members.push(Line {
            deprecated: f.deprecated,
            entry: Entry::Field {
                required,
                name: f.rust_name.clone(),
                ty: t,
                wire,
            },
        });
    }
    members.insert(0, Line::plain(Entry::New(args)));
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
